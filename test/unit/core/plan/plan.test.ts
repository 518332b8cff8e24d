// Example-based tests of the planner on hand-made and captured states.
import { describe, expect, it } from "vitest";
import { makeAddress, makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { plan } from "../../../../src/core/plan/plan.js";
import type { DesiredState, LiveState } from "../../../../src/core/plan/types.js";
import { loadKernelFixture } from "../../../support/fixtures.js";
import { KernelSim } from "../../../support/kernel-sim.js";

const policy = defaultOwnershipPolicy({ tables: [{ from: 1000, to: 1999 }, { from: 198, to: 198 }] });
const complete = { observationComplete: true, repairProtected: "report" as const };
const empty = (): DesiredState => ({ routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: [] });
const noLive = (): LiveState => ({ routes: [], rules: [], addresses: [], sysctls: [] });

/** The desired state of one VIP with a source table (F3/F5). */
function vipDesired(): DesiredState {
  return {
    ...empty(),
    addresses: [makeAddress({ dev: "lo", address: "10.111.100.1", prefixlen: 32, label: "lo:fw" })],
    routes: [
      makeRoute({ dst: "10.111.100.1/32", table: 198, protocol: 201, nexthops: [{ dev: "lo" }] }),
      makeRoute({ dst: "default", family: 4, table: 1000, protocol: 201, nexthops: [{ gateway: "10.111.2.1", dev: "nb0" }] }),
    ],
    rules: [makeRule({ priority: 1000, from: "10.111.100.1", table: 1000, protocol: 201 })],
  };
}

describe("plan: a VIP with its source table", () => {
  it("orders address, table routes, then the rule", () => {
    const p = plan(vipDesired(), noLive(), policy, complete);
    expect(p.ops.map((o) => o.kind)).toEqual(["address.add", "route.add", "route.add", "rule.add"]);
    expect(p.conflicts).toEqual([]);
    expect(p.ops.every((o) => o.reason.length > 0)).toBe(true);
  });
  it("removing the VIP removes the rule before emptying its table, and the address last", () => {
    const sim = new KernelSim();
    sim.execute(plan(vipDesired(), noLive(), policy, complete).ops);
    const p = plan(empty(), sim.snapshot(), policy, complete);
    expect(p.ops.map((o) => o.kind)).toEqual(["rule.delete", "route.delete", "route.delete", "address.delete"]);
  });
  it("the kernel's own local route for the VIP does not keep its address 'in use'", () => {
    const sim = new KernelSim();
    sim.execute(plan(vipDesired(), noLive(), policy, complete).ops);
    // what the kernel adds with the address: `local 10.111.100.1 dev lo table local proto kernel src 10.111.100.1`
    sim.loadRoute(makeRoute({ dst: "10.111.100.1/32", table: 255, type: "local", protocol: 2, scope: 254, prefsrc: "10.111.100.1", nexthops: [{ dev: "lo" }] }));
    const p = plan(empty(), sim.snapshot(), policy, complete);
    expect(p.conflicts).toEqual([]);
    expect(p.ops.map((o) => o.kind)).toContain("address.delete");
    // while a foreign route that really uses it as source does
    sim.loadRoute(makeRoute({ dst: "10.50.0.0/16", protocol: 4, prefsrc: "10.111.100.1", nexthops: [{ gateway: "10.111.2.1", dev: "nb0" }] }));
    const q = plan(empty(), sim.snapshot(), policy, complete);
    expect(q.conflicts.map((c) => c.reason)).toEqual(["address-in-use"]);
  });
  it("with an incomplete observation, the same removal is withheld entirely", () => {
    const sim = new KernelSim();
    sim.execute(plan(vipDesired(), noLive(), policy, complete).ops);
    const p = plan(empty(), sim.snapshot(), policy, { ...complete, observationComplete: false });
    expect(p.ops).toEqual([]);
    expect(p.withheld).toHaveLength(4);
  });
  it("a foreign route on our table's default key is a conflict and the rule is held back", () => {
    const live = noLive();
    live.routes.push(makeRoute({ dst: "default", family: 4, table: 1000, protocol: 4, nexthops: [{ gateway: "10.111.9.1", dev: "eth0" }] }));
    const p = plan(vipDesired(), live, policy, complete);
    expect(p.conflicts.map((c) => c.reason)).toEqual(["held-by-alien"]);
    expect(p.ops.some((o) => o.kind === "route.replace" || o.kind === "route.delete")).toBe(false);
    // the table holds the foreign route, so the rule still has somewhere to look
    expect(p.ops.map((o) => o.kind)).toContain("rule.add");
  });
  it("a changed gateway replaces our own route", () => {
    const sim = new KernelSim();
    sim.execute(plan(vipDesired(), noLive(), policy, complete).ops);
    const d = vipDesired();
    d.routes[1] = makeRoute({ dst: "default", family: 4, table: 1000, protocol: 201, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] });
    const p = plan(d, sim.snapshot(), policy, complete);
    expect(p.ops.map((o) => o.kind)).toEqual(["route.replace"]);
  });
});

describe("plan: protected routes on the captured BIRD 2 node (F1)", () => {
  const live = loadKernelFixture("bird2-node");
  const birdRoutes = live.routes.filter((r) => r.protocol === 12 && r.table === 254);

  it("is in sync when the kernel holds everything BIRD exports", () => {
    const p = plan({ ...empty(), protectedRoutes: birdRoutes }, live, policy, complete);
    expect(p).toEqual({ ops: [], withheld: [], conflicts: [], drift: [], guards: [] });
  });
  it("reports a deleted BIRD route as missing, and reinstalls it with add when configured", () => {
    const victim = birdRoutes.find((r) => r.dst === "10.111.196.0/24")!;
    const damaged = { ...live, routes: live.routes.filter((r) => r !== victim) };
    const report = plan({ ...empty(), protectedRoutes: birdRoutes }, damaged, policy, complete);
    expect(report.drift.map((d) => [d.kind, d.expected.dst, d.repaired])).toEqual([["missing", "10.111.196.0/24", false]]);
    expect(report.ops).toEqual([]);
    const repair = plan({ ...empty(), protectedRoutes: birdRoutes }, damaged, policy, { ...complete, repairProtected: "reinstall" });
    expect(repair.ops).toEqual([expect.objectContaining({ kind: "route.add", route: victim })]);
  });
  it("reports a BIRD route overwritten by another protocol as drift and conflict, and never touches it", () => {
    const victim = birdRoutes.find((r) => r.dst === "10.111.196.0/24")!;
    const usurper = makeRoute({ dst: victim.dst, table: 254, metric: victim.metric, protocol: 4, nexthops: [{ dev: "nb0" }] });
    const damaged = { ...live, routes: [...live.routes.filter((r) => r !== victim), usurper] };
    const p = plan({ ...empty(), protectedRoutes: birdRoutes }, damaged, policy, { ...complete, repairProtected: "reinstall" });
    expect(p.drift.map((d) => d.kind)).toEqual(["overwritten"]);
    expect(p.conflicts.map((c) => c.reason)).toEqual(["protected-overwritten"]);
    expect(p.ops).toEqual([]);
  });
  it("reports a lower-metric foreign route as shadowing", () => {
    const victim = birdRoutes.find((r) => r.dst === "10.111.196.0/24")!;
    const shadow = makeRoute({ dst: victim.dst, table: 254, metric: 5, protocol: 4, nexthops: [{ dev: "nb0" }] });
    const p = plan({ ...empty(), protectedRoutes: birdRoutes }, { ...live, routes: [...live.routes, shadow] }, policy, complete);
    expect(p.drift.map((d) => [d.kind, d.live?.metric])).toEqual([["shadowed", 5]]);
  });
  it("a desired route with the key of a route BIRD exports is refused", () => {
    const bad = makeRoute({ dst: "10.111.196.0/24", table: 254, metric: 32, protocol: 201, nexthops: [{ dev: "lo" }] });
    const p = plan({ ...empty(), routes: [bad], protectedRoutes: birdRoutes }, live, policy, complete);
    expect(p.conflicts.map((c) => c.reason)).toEqual(["not-ownable"]);
  });
});

describe("plan: sysctls", () => {
  it("sets only differing values of existing interfaces", () => {
    const live: LiveState = { ...noLive(), sysctls: [{ iface: "eth0", name: "rp_filter", value: 1 }, { iface: "eth1", name: "rp_filter", value: 0 }] };
    const p = plan({ ...empty(), sysctls: [
      { iface: "eth0", name: "rp_filter", value: 0 }, { iface: "eth1", name: "rp_filter", value: 0 }, { iface: "gone", name: "rp_filter", value: 0 },
    ] }, live, policy, complete);
    expect(p.ops).toEqual([expect.objectContaining({ kind: "sysctl.set", previous: 1, sysctl: { iface: "eth0", name: "rp_filter", value: 0 } })]);
  });
});
