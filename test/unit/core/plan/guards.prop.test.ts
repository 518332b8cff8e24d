// The planner's guards against mass change: however many of a kernel protocol's routes are
// missing, one pass reinstalls at most max(minimum, share x total) of them, and a group whose
// routes sit at another metric in the kernel is one problem, never reinstalls.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeRoute } from "../../../../src/core/model/normalize.js";
import type { Route } from "../../../../src/core/model/route.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { judgeGroup, reinstallAllowance } from "../../../../src/core/plan/guards.js";
import { plan } from "../../../../src/core/plan/plan.js";
import type { LiveState, PlanOptions } from "../../../../src/core/plan/types.js";

const RUNS = Math.max(50, Math.round(Number(process.env.FC_RUNS ?? 2000) / 4));
const policy = defaultOwnershipPolicy();
const empty = { routes: [], rules: [], addresses: [], sysctls: [] };

/** BIRD's route `10.<i/256>.<i%256>.0/24` in main with `metric`. */
function birdRoute(i: number, metric: number, table = 254): Route {
  return makeRoute({ dst: `10.${Math.floor(i / 256)}.${i % 256}.0/24`, table, metric, protocol: 12, nexthops: [{ gateway: "192.0.2.1", dev: "e0" }] });
}

/** Where each of the group's routes is in the kernel. */
type Place = "expected" | "other-metric" | "absent";

const scenario = fc.record({
  total: fc.integer({ min: 1, max: 400 }),
  places: fc.array(fc.constantFrom<Place>("expected", "expected", "expected", "other-metric", "absent"), { minLength: 400, maxLength: 400 }),
  share: fc.constantFrom(0, 0.05, 0.1, 0.5, 1),
  minimum: fc.constantFrom(0, 1, 5, 50),
  otherMetric: fc.constantFrom(0, 1024, 100),
});

describe("reinstall guards (property)", () => {
  it("never reinstall more than the limit, never over a held key, and account for every missing route", () => {
    fc.assert(fc.property(scenario, ({ total, places, share, minimum, otherMetric }) => {
      const expected = Array.from({ length: total }, (_, i) => birdRoute(i, 32));
      const live: LiveState = { ...empty, routes: [] };
      places.slice(0, total).forEach((place, i) => {
        if (place === "expected") live.routes.push(birdRoute(i, 32));
        if (place === "other-metric") live.routes.push(birdRoute(i, otherMetric));
      });
      const options: PlanOptions = { observationComplete: true, repairProtected: "reinstall", reinstallLimit: { share, minimum } };
      const p = plan({ ...empty, protectedRoutes: expected }, live, policy, options);
      const reinstalls = p.ops.filter((o) => o.kind === "route.add");
      const missing = expected.filter((_, i) => places[i] !== "expected");
      expect(reinstalls.length).toBeLessThanOrEqual(Math.max(minimum, Math.floor(share * total)));
      expect(p.ops.every((o) => o.kind === "route.add")).toBe(true);
      const guard = p.guards[0];
      expect(p.guards.length).toBeLessThanOrEqual(1);
      if (guard !== undefined) expect(reinstalls).toEqual([]);
      else expect(reinstalls.length).toBe(missing.length);
      // Every missing route is reinstalled, reported as drift, or explained by a metric guard.
      const drifted = new Set(p.drift.map((d) => d.expected.dst));
      const explained = guard?.code === "kernel-metric-mismatch" ? guard.atLiveMetric ?? 0 : 0;
      expect(missing.filter((r) => drifted.has(r.dst)).length + explained).toBe(missing.length);
      if (guard?.code === "kernel-metric-mismatch") expect(guard.liveMetric).toBe(otherMetric);
    }), { numRuns: RUNS });
  });
});

describe("reinstall guards (examples)", () => {
  const routes = Array.from({ length: 300 }, (_, i) => birdRoute(i, 32));

  it("300 missing BGP routes with repair: reinstall are reported, not reinstalled (calico misread as BIRD 3)", () => {
    const p = plan({ ...empty, protectedRoutes: routes }, { ...empty }, policy, { observationComplete: true, repairProtected: "reinstall" });
    expect(p.ops).toEqual([]);
    expect(p.guards).toEqual([expect.objectContaining({ code: "mass-reinstall", total: 300, missing: 300, limit: 50, table: 254, family: 4, metric: 32 })]);
    expect(p.guards[0]!.message).toContain("protect.reinstallLimit");
    expect(p.drift).toHaveLength(300);
    expect(p.drift.every((d) => !d.repaired && d.message.includes("mass-reinstall guard"))).toBe(true);
  });

  it("the same 300 at metric 0 in the kernel: one kernel-metric-mismatch problem naming the override", () => {
    const live = { ...empty, routes: routes.map((_, i) => birdRoute(i, 0)) };
    for (const repairProtected of ["report", "reinstall"] as const) {
      const p = plan({ ...empty, protectedRoutes: routes }, live, policy, { observationComplete: true, repairProtected });
      expect(p.ops).toEqual([]);
      expect(p.drift).toEqual([]);
      expect(p.guards).toEqual([expect.objectContaining({ code: "kernel-metric-mismatch", liveMetric: 0, atLiveMetric: 300 })]);
      expect(p.guards[0]!.message).toContain("protect.metrics.<kernel protocol>.ipv4: 0");
    }
  });

  it("a few missing routes are reinstalled; the limit counts per group, not per plan", () => {
    const other = Array.from({ length: 40 }, (_, i) => birdRoute(i, 32, 100));
    const live = { ...empty, routes: routes.slice(10).concat(other.slice(0)) };
    const p = plan({ ...empty, protectedRoutes: [...routes, ...other] }, live, { ...policy, protectedTables: [254, 100] },
      { observationComplete: true, repairProtected: "reinstall", reinstallLimit: { share: 0, minimum: 10 } });
    expect(p.guards).toEqual([]);
    expect(p.ops).toHaveLength(10);
  });

  it("with repair: report, many missing routes are drift, and no mass-reinstall problem (nothing is reinstalled)", () => {
    const p = plan({ ...empty, protectedRoutes: routes }, { ...empty }, policy, { observationComplete: true, repairProtected: "report" });
    expect(p.guards).toEqual([]);
    expect(p.drift).toHaveLength(300);
  });

  it("allowance is max(minimum, floor(share x total))", () => {
    expect(reinstallAllowance({ share: 0.1, minimum: 50 }, 1_000_000)).toBe(100_000);
    expect(reinstallAllowance({ share: 0.1, minimum: 50 }, 300)).toBe(50);
    expect(reinstallAllowance({ share: 0.25, minimum: 0 }, 10)).toBe(2);
  });

  it("a metric that holds fewer of the group than the expected metric does is no mismatch", () => {
    const group = { family: 4 as const, table: 254, metric: 32 };
    // 10 routes, 8 in place, 2 missing and both at metric 0: the expected metric holds more.
    const v = judgeGroup(group, 10, [{ key: "a", elsewhere: [0] }, { key: "b", elsewhere: [0] }], { share: 0, minimum: 5 }, "reinstall");
    expect(v).toEqual({ reinstall: true, explained: new Set() });
    // 2 of 2 at metric 0: a mismatch.
    expect(judgeGroup(group, 2, [{ key: "a", elsewhere: [0] }, { key: "b", elsewhere: [0] }], { share: 0, minimum: 5 }, "report").guard?.code).toBe("kernel-metric-mismatch");
    // 9 of 10 missing at metric 0 is 90 %: still a mismatch; 8 of 10 is not.
    const nine = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, elsewhere: i < 9 ? [0] : [] }));
    expect(judgeGroup(group, 10, nine, { share: 0, minimum: 100 }, "report").guard?.code).toBe("kernel-metric-mismatch");
    const eight = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, elsewhere: i < 8 ? [0] : [] }));
    expect(judgeGroup(group, 10, eight, { share: 0, minimum: 100 }, "report").guard).toBeUndefined();
  });
});
