/** Tells whether this machine can run lab tests (root, `ip netns add` permitted, BIRD 2 present). */
import { spawnSync } from "node:child_process";
import { generateLabPrefix } from "./names.js";

/** Bound of each probe command: generous, since a probe timed out on a busy machine skips a whole file. */
const PROBE_TIMEOUT_MS = 30_000;

/** Outcome of `checkLabSupport`. */
export type LabSupport = { ok: true } | { ok: false; reason: string };

let cached: LabSupport | undefined;

/** Checks once per process (synchronously, so it can feed `describe.skipIf`). */
export function checkLabSupport(): LabSupport {
  cached ??= probe();
  return cached;
}

function probe(): LabSupport {
  if (process.platform !== "linux") return { ok: false, reason: `platform is ${process.platform}, not linux` };
  if (process.getuid?.() !== 0) return { ok: false, reason: "not running as root" };
  const bird = spawnSync("bird", ["--version"], { encoding: "utf8", timeout: PROBE_TIMEOUT_MS });
  const version = `${bird.stdout ?? ""}${bird.stderr ?? ""}`;
  if (bird.error !== undefined || !/BIRD version 2\./.test(version)) {
    return { ok: false, reason: `BIRD 2 not found (bird --version: ${bird.error?.message ?? version.trim()})` };
  }
  const probeName = `${generateLabPrefix()}probe`;
  const add = spawnSync("ip", ["netns", "add", probeName], { encoding: "utf8", timeout: PROBE_TIMEOUT_MS });
  if (add.status !== 0) {
    return { ok: false, reason: `\`ip netns add\` is not permitted: ${(add.stderr ?? add.error?.message ?? "").trim()}` };
  }
  spawnSync("ip", ["netns", "delete", probeName], { timeout: PROBE_TIMEOUT_MS });
  return { ok: true };
}
