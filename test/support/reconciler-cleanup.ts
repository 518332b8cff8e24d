// Shared set-up of the reconciler unit tests: the two-uplink node's links, and the reconcilers and
// fake BIRDs a test started, stopped after each test.
import { afterEach } from "vitest";
import type { Reconciler } from "../../src/index.js";
import type { FakeBird } from "./fake-bird.js";

/** The two-uplink node's links, all up. */
export const NODE_LINKS = ["lo", "na0", "nb0", "vip0", "vip0p"].map((name, i) => ({ ifindex: i + 1, name, up: true }));

/** Lists to push started reconcilers and fake BIRDs into; each is stopped after every test. */
export function stopAfterEach(): { fakes: FakeBird[]; recs: Reconciler[] } {
  const fakes: FakeBird[] = [];
  const recs: Reconciler[] = [];
  afterEach(async () => {
    for (const r of recs.splice(0)) await r.stop();
    for (const f of fakes.splice(0)) await f.close();
  });
  return { fakes, recs };
}
