// The planner's mutation survivors that had not been reviewed one by one (docs/reliability.md,
// Mutation testing): each test names the line it pins down. Most assert plan outcomes; a few
// assert a label through PlanContext (the planner's per-key answer), where the mutant changes
// the label's meaning but no plan output (noted at the test).
import { describe, expect, it } from "vitest";
import { addressKey, routeKey, ruleKey } from "../../../../src/core/model/keys.js";
import { makeAddress, makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { closeKeys } from "../../../../src/core/plan/close-keys.js";
import { PlanContext } from "../../../../src/core/plan/context.js";
import { planKeys } from "../../../../src/core/plan/plan-keys.js";
import type { PlanOptions } from "../../../../src/core/plan/types.js";
import { loadTrackers } from "../../../../src/core/track/trackers.js";
import { restrictPlan } from "../../../support/tracker-events.js";

const policy = defaultOwnershipPolicy();
const report: PlanOptions = { observationComplete: true, repairProtected: "report" };
const reinstall: PlanOptions = { observationComplete: true, repairProtected: "reinstall" };
const incomplete: PlanOptions = { observationComplete: false, repairProtected: "report" };
const empty = { routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: [] };
const VIP = "10.9.9.9";
const vip = makeAddress({ dev: "lo", address: VIP, prefixlen: 32, label: "lo:fw" });
const ours = (dst: string, extra = {}) => makeRoute({ dst, table: 1000, protocol: 201, nexthops: [{ dev: "eth0" }], ...extra });
const bird = (dst: string, extra = {}) => makeRoute({ dst, metric: 32, protocol: 12, nexthops: [{ gateway: "10.1.0.1", dev: "eth0" }], ...extra });
/** A static route in main that keeps the VIP in use whatever the plan does. */
const foreignUsingVip = makeRoute({ dst: "10.0.0.0/24", protocol: 4, prefsrc: VIP, nexthops: [{ dev: "eth0" }] });
const lookup = makeRule({ priority: 1000, from: VIP, table: 1000, protocol: 201 });
const kinds = (ops: ReadonlyArray<{ kind: string }>) => ops.map((o) => o.kind);

describe("closeKeys (close-keys.ts)", () => {
  it("close-keys.ts:12: the first plan (everything dirty) covers the rules of both sides", () => {
    const stale = makeRule({ priority: 1001, from: "10.8.8.8", table: 1000, protocol: 201 });
    const t = loadTrackers(policy, { ...empty, rules: [lookup], routes: [ours("0.0.0.0/0")] }, { ...empty, rules: [stale], routes: [ours("0.0.0.0/0")] });
    const closed = closeKeys(t, t.takeDirty());
    expect(new Set(closed.rules)).toEqual(new Set([ruleKey(lookup), ruleKey(stale)]));
    const p = planKeys(t, closed, policy, report);
    expect(kinds(p.ops)).toEqual(["rule.add", "rule.delete"]);
    expect(p).toEqual(planKeys(t, "all", policy, report));
  });

  it("close-keys.ts:42: a protected key reached through its group reaches the IP it uses as source (its address may be deleted now)", () => {
    // a (source: the VIP) is missing and reinstalled while the limit allows one: the VIP is in use.
    // b goes too: two missing, the mass-reinstall guard stops a's reinstall, and the VIP may go.
    const a = bird("10.0.0.0/24", { prefsrc: VIP });
    const b = bird("10.0.1.0/24");
    const options: PlanOptions = { ...reinstall, reinstallLimit: { share: 0, minimum: 1 } };
    const t = loadTrackers(policy, { ...empty, protectedRoutes: [a, b] }, { ...empty, routes: [b], addresses: [vip] });
    const before = planKeys(t, "all", policy, options);
    expect(kinds(before.ops)).toEqual(["route.add"]);
    expect(before.conflicts.map((c) => c.reason)).toEqual(["address-in-use"]);
    t.takeDirty();
    t.routes.live.remove(b);
    const dirty = t.takeDirty();
    expect(dirty.ips.size).toBe(0); // b has no source: only a's route leads to the VIP
    const closed = closeKeys(t, dirty);
    expect([...closed.addresses]).toEqual([addressKey(vip)]);
    const p = planKeys(t, closed, policy, options);
    expect(kinds(p.ops)).toEqual(["address.delete"]);
    expect(p.guards.map((g) => g.code)).toEqual(["mass-reinstall"]);
    expect(p).toEqual(restrictPlan(planKeys(t, "all", policy, options), closed));
  });
});

describe("the address-in-use guard (key-guards.ts, label-addresses.ts)", () => {
  it("key-guards.ts:22: a delete the guard turned into a conflict is not withheld (the label has no operation to withhold)", () => {
    // The plan is the same either way (emit withholds only operations); the label's `withheld`
    // means "op is a delete withheld", so a label without op never carries it.
    const t = loadTrackers(policy, empty, { ...empty, routes: [foreignUsingVip], addresses: [vip] });
    const label = new PlanContext(t, policy, incomplete).address(addressKey(vip));
    expect(label.verdict).toBe("conflict");
    expect(label.op).toBeUndefined();
    expect(label.withheld).toBeUndefined();
    const p = planKeys(t, "all", policy, incomplete);
    expect(p.withheld).toEqual([]);
    expect(p.conflicts.map((c) => c.reason)).toEqual(["address-in-use"]);
  });

  it("label-addresses.ts:34: a VIP moving between devices: the old copy goes although a route uses the IP, since the kept copy stays", () => {
    const both = defaultOwnershipPolicy({ addressDevices: ["lo", "dummy0"] });
    const old = makeAddress({ dev: "dummy0", address: VIP, prefixlen: 32, label: "dummy0:fw" });
    const t = loadTrackers(both, { ...empty, addresses: [vip] }, { ...empty, routes: [foreignUsingVip], addresses: [old, vip] });
    const p = planKeys(t, "all", both, report);
    expect(p.ops).toEqual([expect.objectContaining({ kind: "address.delete", address: old })]);
    expect(p.conflicts).toEqual([]);
  });
});

describe("protected routes (label-protected.ts)", () => {
  const shadow = makeRoute({ dst: "10.0.0.0/24", metric: 0, protocol: 4, nexthops: [{ dev: "eth1" }] });

  it("label-protected.ts:61: a shadowed protected route that is reinstalled still counts as created (its source address stays)", () => {
    const p = bird("10.0.0.0/24", { prefsrc: VIP });
    const t = loadTrackers(policy, { ...empty, protectedRoutes: [p] }, { ...empty, routes: [shadow], addresses: [vip] });
    const out = planKeys(t, "all", policy, reinstall);
    expect(out.ops).toEqual([expect.objectContaining({ kind: "route.add", route: p })]);
    expect(out.drift.map((d) => d.kind).sort()).toEqual(["missing", "shadowed"]);
    expect(out.conflicts.map((c) => c.reason)).toEqual(["address-in-use"]);
  });

  it("label-protected.ts:61: a protected route in sync but shadowed is labelled drift (label only: the plan reports the shadow either way)", () => {
    const p = bird("10.0.0.0/24");
    const t = loadTrackers(policy, { ...empty, protectedRoutes: [p] }, { ...empty, routes: [p, shadow] });
    expect(new PlanContext(t, policy, report).protectedRoute(routeKey(p))?.verdict).toBe("drift");
    expect(planKeys(t, "all", policy, report).drift.map((d) => d.kind)).toEqual(["shadowed"]);
  });
});

describe("route labels with findings from the desired side (label-routes.ts)", () => {
  it("label-routes.ts:68: a desired route that cannot be written does not keep the old route it replaces: its delete empties the table, so the lookup rule is refused", () => {
    const want = ours("10.5.0.0/16", { prefsrc: VIP }); // the VIP is not local: prefsrc-not-local
    const t = loadTrackers(policy, { ...empty, routes: [want], rules: [lookup] }, { ...empty, routes: [ours("10.5.0.0/16")] });
    const p = planKeys(t, "all", policy, report);
    expect(kinds(p.ops)).toEqual(["route.delete"]);
    expect(p.conflicts.map((c) => c.reason)).toEqual(["prefsrc-not-local", "table-empty"]);
  });

  it("label-routes.ts:67: a key with nothing of ours is ignore, not a conflict without findings (label only)", () => {
    const alien = ours("10.5.0.0/16", { protocol: 4 });
    const t = loadTrackers(policy, empty, { ...empty, routes: [alien] });
    expect(new PlanContext(t, policy, report).route(routeKey(alien))).toEqual({ verdict: "ignore", conflicts: [], drift: [] });
  });

  it("label-routes.ts:68: a desired route refused with nothing live is a conflict, not ignore (label only)", () => {
    const want = ours("10.5.0.0/16", { prefsrc: VIP });
    const t = loadTrackers(policy, { ...empty, routes: [want] }, empty);
    const label = new PlanContext(t, policy, report).route(routeKey(want));
    expect(label.verdict).toBe("conflict");
    expect(label.conflicts.map((c) => c.reason)).toEqual(["prefsrc-not-local"]);
  });
});

describe("isPrefsrcInUse (key-guards.ts): the kernel routes it judges are those at the key with this source", () => {
  it("key-guards.ts:80: another proto kernel route at the same key, with another source, does not keep the VIP in use", () => {
    // The VIP's address is ours and no longer wanted. Its local route (proto kernel, source the
    // VIP) is derived from it; a second kernel route at the same key uses another source, and says
    // nothing about the VIP (prefsrcPending indexes keys: the routes there are filtered by source).
    const local = makeRoute({ table: 255, type: "local", dst: `${VIP}/32`, protocol: 2, scope: 254, prefsrc: VIP, nexthops: [{ dev: "lo" }] });
    const other = makeRoute({ table: 255, type: "unicast", dst: `${VIP}/32`, protocol: 2, scope: 253, prefsrc: "10.7.7.7", nexthops: [{ dev: "lo" }] });
    expect(routeKey(other)).toBe(routeKey(local));
    const t = loadTrackers(policy, empty, { ...empty, routes: [local, other], addresses: [vip] });
    const p = planKeys(t, "all", policy, report);
    expect(kinds(p.ops)).toEqual(["address.delete"]);
    expect(p.conflicts).toEqual([]);
    // The same with the other route's source the VIP and not derived from its address: in use.
    const foreign = makeRoute({ ...other, prefsrc: VIP });
    const t2 = loadTrackers(policy, empty, { ...empty, routes: [local, foreign], addresses: [vip] });
    const p2 = planKeys(t2, "all", policy, report);
    expect(kinds(p2.ops)).toEqual([]);
    expect(p2.conflicts.map((c) => c.reason)).toEqual(["address-in-use"]);
  });
});
