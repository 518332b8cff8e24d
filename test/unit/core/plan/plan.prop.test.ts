// Properties of the planner, checked against the kernel simulator (test/support/kernel-sim.ts);
// ownership is judged by the independent oracle (test/support/oracle/ownership.ts).
// Runs: FC_RUNS (default 2000). fast-check prints the seed and path of any counterexample.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { InterfaceAddress } from "../../../../src/core/model/address.js";
import { routeKey } from "../../../../src/core/model/keys.js";
import { routesEqual, type Route } from "../../../../src/core/model/route.js";
import { rulesEqual, type Rule } from "../../../../src/core/model/rule.js";
import type { OwnershipPolicy } from "../../../../src/core/ownership.js";
import { plan } from "../../../../src/core/plan/plan.js";
import type { DesiredState, LiveState, Plan, PlanOp, PlanOptions } from "../../../../src/core/plan/types.js";
import { desiredArb, liveArb, shuffled, testPolicy } from "../../../support/arbitraries.js";
import { classifyRoute, classifyRule } from "../../../support/oracle/ownership.js";
import { checkCreatedOnlyOurs, checkSafety } from "../../../support/safety.js";
import { KernelSim } from "../../../support/kernel-sim.js";

const RUNS = Number(process.env.FC_RUNS ?? 2000);
const complete: PlanOptions = { observationComplete: true, repairProtected: "reinstall" };
const optionsArb = fc.record({
  observationComplete: fc.boolean(),
  repairProtected: fc.constantFrom<"report" | "reinstall">("report", "reinstall"),
});

type Planner = (d: DesiredState, l: LiveState, p: OwnershipPolicy, o: PlanOptions) => Plan;

function safetyProperty(planner: Planner) {
  return fc.property(liveArb(), desiredArb(), optionsArb, (live, desired, options) => {
    const p = planner(desired, live, testPolicy, options);
    const sim = KernelSim.from(live);
    try {
      sim.execute(p.ops);
    } catch {
      // A failed write stops the batch; whatever ran before it must still be safe.
    }
    // Judged by the independent oracle (test/support/oracle), not by src/core/ownership.ts.
    const violation = checkSafety(live, sim.snapshot(), testPolicy);
    if (violation) throw new Error(violation);
    // Everything new in the kernel is either ours or a reinstalled protected route.
    const created = checkCreatedOnlyOurs(live, sim.snapshot(), testPolicy, desired.protectedRoutes);
    if (created) throw new Error(created);
  });
}

describe("planner properties", () => {
  it("safety: executing the plan leaves every non-ours route, rule and address unchanged", () => {
    fc.assert(safetyProperty(plan), { numRuns: RUNS });
  });

  it("safety: an incomplete observation deletes nothing", () => {
    fc.assert(fc.property(liveArb(), desiredArb(), (live, desired) => {
      const p = plan(desired, live, testPolicy, { observationComplete: false, repairProtected: "reinstall" });
      expect(p.ops.filter((o) => o.kind.endsWith(".delete"))).toEqual([]);
      const sim = KernelSim.from(live);
      sim.execute(p.ops);
      const after = sim.snapshot();
      for (const r of live.routes) expect(after.routes.some((x) => routeKey(x) === routeKey(r))).toBe(true);
      for (const r of live.rules) expect(after.rules.some((x) => rulesEqual(x, r))).toBe(true);
    }), { numRuns: Math.ceil(RUNS / 4) });
  });

  it("convergence: the plan executes cleanly, desired items without conflict are present, and a second plan is empty", () => {
    fc.assert(fc.property(liveArb(), desiredArb(), (live, desired) => {
      const p = plan(desired, live, testPolicy, complete);
      const sim = KernelSim.from(live);
      sim.execute(p.ops); // throws on EEXIST/ESRCH/EINVAL: the plan must be executable as ordered
      const after = sim.snapshot();
      const conflicted = new Set(p.conflicts.map((c) => c.key));
      const isConflicted = (k: string) => conflicted.has(k);
      for (const r of desired.routes) {
        const k = routeKey(r);
        if (isConflicted(k)) continue;
        expect(after.routes.some((x) => routesEqual(x, r)), `desired route ${k}`).toBe(true);
      }
      for (const d of p.drift) {
        if (d.repaired) expect(after.routes.some((x) => routesEqual(x, d.expected)), `reinstalled ${d.key}`).toBe(true);
      }
      for (const pr of desired.protectedRoutes) {
        const k = routeKey(pr);
        // Not in sync is fine only when reported: a conflict, drift, or a guard over its group.
        const guarded = p.guards.some((g) => g.family === pr.family && g.table === pr.table && g.metric === pr.metric);
        if (isConflicted(k) || p.drift.some((d) => d.key === k) || guarded) continue;
        expect(after.routes.some((x) => routesEqual(x, pr)), `protected route in sync ${k}`).toBe(true);
      }
      const again = plan(desired, after, testPolicy, complete);
      expect(again.ops).toEqual([]);
    }), { numRuns: RUNS });
  });

  it("order: no step makes a managed rule point at an empty table, and none does at the end", () => {
    const emptyRuleTargets = (s: LiveState): Set<string> => {
      const out = new Set<string>();
      for (const r of s.rules) {
        if (r.action !== "lookup" || classifyRule(testPolicy, r) !== "ours") continue;
        if (!s.routes.some((x) => x.table === r.table)) out.add(JSON.stringify(r));
      }
      return out;
    };
    fc.assert(fc.property(liveArb(), desiredArb(), (live, desired) => {
      const p = plan(desired, live, testPolicy, complete);
      const sim = KernelSim.from(live);
      let before = emptyRuleTargets(sim.snapshot());
      sim.execute(p.ops, (i, op: PlanOp) => {
        const now = emptyRuleTargets(sim.snapshot());
        for (const r of now) {
          if (!before.has(r)) throw new Error(`step ${i} (${op.kind}) left rule ${r} pointing at an empty table`);
        }
        before = now;
      });
      expect([...emptyRuleTargets(sim.snapshot())]).toEqual([]);
    }), { numRuns: RUNS });
  });

  it("determinism: shuffling the inputs gives the identical plan", () => {
    fc.assert(fc.property(liveArb(), desiredArb(), optionsArb, fc.integer(), (live, desired, options, seed) => {
      const a = plan(desired, live, testPolicy, options);
      const shuffle = <T>(x: T[]) => shuffled(x, seed);
      const b = plan(
        { routes: shuffle(desired.routes), rules: shuffle(desired.rules), addresses: shuffle(desired.addresses),
          sysctls: shuffle(desired.sysctls), protectedRoutes: shuffle(desired.protectedRoutes) },
        { routes: shuffle(live.routes), rules: shuffle(live.rules), addresses: shuffle(live.addresses), sysctls: shuffle(live.sysctls) },
        testPolicy, options);
      expect(b).toEqual(a);
    }), { numRuns: RUNS });
  });
});

/** A planner that "fixes" drift with replace, ignoring who holds the key: what Felix-like agents did (F1). */
const replaceBlindPlanner: Planner = (desired, live, policy, options) => {
  const p = plan(desired, live, policy, options);
  const extra: PlanOp[] = p.conflicts
    .filter((c) => c.object === "route" && c.reason === "held-by-alien" && c.desired)
    .map((c) => ({ kind: "route.replace", route: c.desired as Route, previous: c.holder as Route, reason: "unsafe" }));
  return { ...p, ops: [...p.ops, ...extra] };
};

/** A planner that deletes every route in a managed table it does not want, whatever its protocol. */
const tableSweepPlanner: Planner = (desired, live, policy, options) => {
  const p = plan(desired, live, policy, options);
  const wanted = new Set(desired.routes.map(routeKey));
  const extra: PlanOp[] = live.routes
    .filter((r) => policy.tables.some((t) => r.table >= t.from && r.table <= t.to) && !wanted.has(routeKey(r)) && classifyRoute(policy, r) !== "ours")
    .map((r) => ({ kind: "route.delete", route: r, reason: "unsafe" }));
  return { ...p, ops: [...p.ops, ...extra] };
};

/** A planner that deletes addresses of ours even when a foreign route uses them as prefsrc. */
const addressBlindPlanner: Planner = (desired, live, policy, options) => {
  const p = plan(desired, live, policy, options);
  const extra: PlanOp[] = p.conflicts
    .filter((c) => c.object === "address" && c.reason === "address-in-use" && c.holder)
    .map((c) => ({ kind: "address.delete", address: c.holder as InterfaceAddress, reason: "unsafe" }));
  return { ...p, ops: [...p.ops, ...extra] };
};

describe("the safety property can fail", () => {
  for (const [name, planner] of [["replace without checking the owner", replaceBlindPlanner],
    ["delete foreign routes in managed tables", tableSweepPlanner],
    ["delete an address a foreign route uses as prefsrc", addressBlindPlanner]] as const) {
    it(`finds a counterexample for a planner that would ${name}`, () => {
      const result = fc.check(safetyProperty(planner), { numRuns: RUNS, seed: 42 });
      expect(result.failed).toBe(true);
      expect(String(result.errorInstance)).toMatch(/foreign (route|rule|address) changed/);
    });
  }
});

export type { Rule };
