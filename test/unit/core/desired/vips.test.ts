import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignSourceTables, buildVipDesired, resolvePeerReturn, type VipSpec } from "../../../../src/core/desired/vips.js";
import { makeRoute } from "../../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { plan } from "../../../../src/core/plan/plan.js";
import type { LiveState } from "../../../../src/core/plan/types.js";
import { liveArb } from "../../../support/arbitraries.js";
import { loadKernelFixture } from "../../../support/fixtures.js";
import { KernelSim } from "../../../support/kernel-sim.js";
import { checkSafety } from "../../../support/safety.js";

// Runs per property: FC_RUNS when set (mutation testing sets it low), else this file's default.
const runs = (n: number): number => (process.env.FC_RUNS ? Number(process.env.FC_RUNS) : n);

const policy = defaultOwnershipPolicy({
  tables: [{ from: 1000, to: 1999 }, { from: 198, to: 198 }], addressDevices: ["lo", "vip0"], addressRanges: ["fd00:100::/120"],
});
const sourceTables = { from: 1000, to: 1999 };
const emptyLive = (): LiveState => ({ routes: [], rules: [], addresses: [], sysctls: [] });
const complete = { observationComplete: true, repairProtected: "report" as const };
const POOL = ["10.111.100.1", "10.111.100.2", "10.111.100.3", "10.111.100.4", "fd00:100::1", "fd00:100::2"];
const spec = (address: string): VipSpec => ({
  address, device: "lo", announceTable: 198,
  returnPath: address.includes(":") ? { gateway: "fd00:111:2::1", device: "nb0" } : { gateway: "10.111.2.1", device: "nb0" },
});

/** One reconcile pass of the VIP part against the simulator. */
function pass(sim: KernelSim, vips: string[]) {
  const live = sim.snapshot();
  const d = buildVipDesired({ vips: vips.map(spec), policy, sourceTables, rulePriority: 1000, live });
  const p = plan({ routes: d.routes, rules: d.rules, addresses: d.addresses, sysctls: [], protectedRoutes: [] }, live, policy, complete);
  sim.execute(p.ops);
  return { d, p };
}

describe("buildVipDesired", () => {
  it("builds address with label, announce route, source table default and rule", () => {
    const d = buildVipDesired({ vips: [spec("10.111.100.1")], policy, sourceTables, rulePriority: 1000, live: emptyLive() });
    expect(d.addresses).toEqual([{ family: 4, dev: "lo", address: "10.111.100.1", prefixlen: 32, scope: 0, label: "lo:fw" }]);
    expect(d.routes.map((r) => [r.table, r.dst, r.nexthops[0]?.gateway ?? r.nexthops[0]?.dev])).toEqual([[198, "10.111.100.1/32", "lo"], [1000, "0.0.0.0/0", "10.111.2.1"]]);
    expect(d.rules).toEqual([{ family: 4, priority: 1000, from: "10.111.100.1/32", tos: 0, action: "lookup", table: 1000, protocol: 201 }]);
    expect(d.problems).toEqual([]);
  });
  it("skips tables used by anyone and reads assignments back from the kernel", () => {
    const live = emptyLive();
    live.routes.push(makeRoute({ dst: "10.0.0.0/8", table: 1000, protocol: 4, nexthops: [{ dev: "eth0" }] }));
    const sim = KernelSim.from(live);
    pass(sim, ["10.111.100.2"]);
    const first = assignSourceTables(["10.111.100.2"], sim.snapshot(), policy, sourceTables).tables;
    expect(first.get("10.111.100.2")).toBe(1001);
    // a VIP sorting before it arrives later: the existing one keeps 1001
    const after = assignSourceTables(["10.111.100.1", "10.111.100.2"], sim.snapshot(), policy, sourceTables).tables;
    expect([...after]).toEqual([["10.111.100.2", 1001], ["10.111.100.1", 1002]]);
  });
  it("keeps the last good return path when the peer is down", () => {
    const sim = new KernelSim();
    pass(sim, ["10.111.100.1"]);
    const d = buildVipDesired({ vips: [{ address: "10.111.100.1", device: "lo", announceTable: 198, keepLastReturn: true }], policy, sourceTables, rulePriority: 1000, live: sim.snapshot() });
    const p = plan({ routes: d.routes, rules: d.rules, addresses: d.addresses, sysctls: [], protectedRoutes: [] }, sim.snapshot(), policy, complete);
    expect(p.ops).toEqual([]);
    expect(d.problems[0]?.reason).toMatch(/keeping the last good one via 10.111.2.1 dev nb0/);
  });
  it("reports a range with no free table", () => {
    const d = buildVipDesired({ vips: [spec("10.111.100.1"), spec("10.111.100.2")], policy, sourceTables: { from: 1000, to: 1000 }, rulePriority: 1000, live: emptyLive() });
    expect(d.problems).toEqual([{ vip: "10.111.100.2", reason: "no free source table left in 1000-1000" }]);
  });
  it("resolves a BGP peer's device from the kernel's main table (captured node)", () => {
    const live = loadKernelFixture("bird2-node");
    expect(resolvePeerReturn("10.111.2.1", live)).toEqual({ gateway: "10.111.2.1", device: "nb0" });
    expect(resolvePeerReturn("fd00:111:1::1", live)).toEqual({ gateway: "fd00:111:1::1", device: "na0" });
  });
});

describe("VIP properties", () => {
  it("a VIP keeps its table number under any sequence of VIP additions and removals", () => {
    fc.assert(fc.property(fc.array(fc.subarray(POOL), { minLength: 1, maxLength: 8 }), (steps) => {
      const sim = new KernelSim();
      const seen = new Map<string, number>();
      let prev = new Set<string>();
      for (const vips of steps) {
        const { d } = pass(sim, vips);
        for (const [vip, t] of d.tables) {
          if (prev.has(vip)) expect(t, `table of ${vip}`).toBe(seen.get(vip));
          seen.set(vip, t);
        }
        expect(new Set(d.tables.values()).size).toBe(d.tables.size);
        prev = new Set(vips);
        // after the pass the kernel is converged: a second pass changes nothing
        expect(pass(sim, vips).p.ops).toEqual([]);
      }
    }), { numRuns: runs(500) });
  });
  it("the combined VIP plan passes the safety property over random foreign state", () => {
    fc.assert(fc.property(liveArb(), fc.subarray(POOL), (live, vips) => {
      const d = buildVipDesired({ vips: vips.map(spec), policy, sourceTables, rulePriority: 1000, live });
      const p = plan({ routes: d.routes, rules: d.rules, addresses: d.addresses, sysctls: [], protectedRoutes: [] }, live, policy, complete);
      const sim = KernelSim.from(live);
      try { sim.execute(p.ops); } catch { /* a kernel error stops the batch; still must be safe */ }
      expect(checkSafety(live, sim.snapshot(), policy)).toBeUndefined();
    }), { numRuns: runs(2000) });
  });
});
