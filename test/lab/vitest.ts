/** Vitest glue: a lab created in beforeAll and destroyed in afterAll. Not re-exported by index.ts. */
import { afterAll, beforeAll } from "vitest";
import { createLab, type CreateLabOptions, type Lab } from "./lab.js";

/** Bound of a lab's setup: above the sum of its waits' own deadlines, so that those report first. */
const SETUP_TIMEOUT_MS = 300_000;

/** Lab plus whatever the setup function built in it. */
export interface LabContext<T> {
  lab: Lab;
  value: T;
}

/** Creates a lab (and runs `setup` in it) before the suite; destroys it after, even on failure. */
export function useLab<T>(setup: (lab: Lab) => Promise<T>, options: CreateLabOptions & { timeoutMs?: number } = {}): () => LabContext<T> {
  let context: LabContext<T> | undefined;
  let lab: Lab | undefined;
  beforeAll(async () => {
    lab = await createLab(options);
    context = { lab, value: await setup(lab) };
  }, options.timeoutMs ?? SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await lab?.destroy();
  }, 30_000);
  return () => {
    if (context === undefined) throw new Error("useLab: the lab is not ready (did beforeAll fail?)");
    return context;
  };
}
