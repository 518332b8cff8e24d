// Properties of the label-then-emit planner over the trackers, after EVERY step of a random
// sequence of tracker events (test/support/tracker-events.ts):
// - restriction: planKeys(trackers, closeKeys(dirty)) equals planKeys(trackers, "all") restricted
//   to those keys (ops, withheld, conflicts, drift, and the guards of the groups in scope);
// - closure: every key outside closeKeys(dirty) keeps what the previous full plan said of it;
// - safety: running the full plan, and the plan of the dirty keys, on a kernel holding the live
//   side changes nothing the independent oracle (test/support/oracle) does not call ours;
// - reference: plan(desired, live) over the arrays equals the previous single-function planner
//   (test/support/reference-plan.ts), partial-view options included.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { closeKeys } from "../../../../src/core/plan/close-keys.js";
import { planKeys } from "../../../../src/core/plan/plan-keys.js";
import { plan } from "../../../../src/core/plan/plan.js";
import type { LiveState, Plan, PlanOptions } from "../../../../src/core/plan/types.js";
import { createTrackers } from "../../../../src/core/track/trackers.js";
import { desiredArb, liveArb, testPolicy } from "../../../support/arbitraries.js";
import { KernelSim } from "../../../support/kernel-sim.js";
import { referencePlan } from "../../../support/reference-plan.js";
import { checkCreatedOnlyOurs, checkSafety } from "../../../support/safety.js";
import { applyEvent, denseDesired, denseLive, desiredOf, eventArb, liveOf, restrictPlan } from "../../../support/tracker-events.js";

const RUNS = Math.max(30, Math.round(Number(process.env.FC_RUNS ?? 2000) / 10));
const optionsArb = fc.record({
  observationComplete: fc.boolean(),
  repairProtected: fc.constantFrom<"report" | "reinstall">("report", "reinstall"),
  reinstallLimit: fc.constantFrom(undefined, { share: 0, minimum: 1 }, { share: 0.5, minimum: 0 }),
}).map((o) => (o.reinstallLimit === undefined ? { observationComplete: o.observationComplete, repairProtected: o.repairProtected } : o) as PlanOptions);

/** Runs `p` on a kernel holding `live`; the first violation of the safety oracle, if any. */
function violation(live: LiveState, p: Plan, allowed: LiveState["routes"]): string | undefined {
  const sim = KernelSim.from(live);
  try {
    sim.execute(p.ops);
  } catch {
    // a failed write stops the batch; what ran before it must still be safe
  }
  return checkSafety(live, sim.snapshot(), testPolicy) ?? checkCreatedOnlyOurs(live, sim.snapshot(), testPolicy, allowed);
}

describe("planKeys over trackers (properties, after every step)", () => {
  it("the plan of the dirty keys equals the full plan restricted to them; keys outside them keep their verdict; both plans are safe", () => {
    fc.assert(fc.property(fc.array(eventArb(), { minLength: 10, maxLength: 40 }), optionsArb, (events, options) => {
      const t = createTrackers(testPolicy);
      let previous = planKeys(t, "all", testPolicy, options);
      for (const [i, ev] of events.entries()) {
        applyEvent(t, ev, previous);
        const closed = closeKeys(t, t.takeDirty());
        const full = planKeys(t, "all", testPolicy, options);
        const partial = planKeys(t, closed, testPolicy, options);
        expect(partial, `step ${i} (${ev.e}): plan of the dirty keys`).toEqual(restrictPlan(full, closed));
        expect(restrictPlan(full, closed, false), `step ${i} (${ev.e}): keys outside the closure`).toEqual(restrictPlan(previous, closed, false));
        const live = liveOf(t);
        const allowed = desiredOf(t).protectedRoutes;
        const bad = violation(live, full, allowed) ?? violation(live, partial, allowed);
        if (bad !== undefined) throw new Error(`step ${i} (${ev.e}): ${bad}`);
        previous = full;
      }
    }), { numRuns: RUNS });
  });

  it("plan() over arrays gives the previous planner's plan", () => {
    fc.assert(fc.property(fc.oneof(liveArb(), denseLive), fc.oneof(desiredArb(), denseDesired), optionsArb, (live, desired, options) => {
      expect(plan(desired, live, testPolicy, options)).toEqual(referencePlan(desired, live, testPolicy, options));
    }), { numRuns: RUNS * 10 });
  });
});
