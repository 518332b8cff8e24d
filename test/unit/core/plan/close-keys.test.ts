// closeKeys by example: each cross-key dependency of the planner (plan-keys.ts) as one edge.
import { describe, expect, it } from "vitest";
import { addressKey, routeKey, ruleKey } from "../../../../src/core/model/keys.js";
import { makeAddress, makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { closeKeys } from "../../../../src/core/plan/close-keys.js";
import { planKeys } from "../../../../src/core/plan/plan-keys.js";
import { loadTrackers } from "../../../../src/core/track/trackers.js";

const policy = defaultOwnershipPolicy();
const options = { observationComplete: true, repairProtected: "reinstall" } as const;
const empty = { routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: [] };
const vip = makeAddress({ dev: "lo", address: "10.9.9.9", prefixlen: 32, label: "lo:fw" });
const ours = (dst: string, extra = {}) => makeRoute({ dst, table: 1000, protocol: 201, nexthops: [{ dev: "eth0" }], ...extra });
const bird = (dst: string, extra = {}) => makeRoute({ dst, metric: 32, protocol: 12, nexthops: [{ gateway: "10.1.0.1", dev: "eth0" }], ...extra });
const lookup = makeRule({ priority: 1000, from: "10.9.9.9", table: 1000, protocol: 201 });

describe("closeKeys", () => {
  it("a route key of table T reaches the lookup rules of T", () => {
    const t = loadTrackers(policy, { ...empty, rules: [lookup] }, { ...empty, rules: [lookup], routes: [ours("0.0.0.0/0")] });
    t.takeDirty();
    t.routes.live.remove(ours("0.0.0.0/0"));
    const closed = closeKeys(t, t.takeDirty());
    expect([...closed.rules]).toEqual([ruleKey(lookup)]);
    // the rule now points at an empty table: deleted by the plan of the dirty keys alone
    expect(planKeys(t, closed, policy, options).ops.map((o) => o.kind)).toEqual(["rule.delete"]);
  });

  it("a route that used an address as source, gone, reaches the address (it may be deleted now)", () => {
    const foreign = makeRoute({ dst: "10.0.0.0/24", protocol: 4, prefsrc: "10.9.9.9", nexthops: [{ dev: "eth0" }] });
    const t = loadTrackers(policy, empty, { ...empty, addresses: [vip], routes: [foreign] });
    expect(planKeys(t, "all", policy, options).conflicts.map((c) => c.reason)).toEqual(["address-in-use"]);
    t.takeDirty();
    t.routes.live.remove(foreign);
    const closed = closeKeys(t, t.takeDirty());
    expect([...closed.addresses]).toEqual([addressKey(vip)]);
    expect(planKeys(t, closed, policy, options).ops.map((o) => o.kind)).toEqual(["address.delete"]);
  });

  it("an address reaches the desired routes using it as source", () => {
    const r = ours("10.5.0.0/16", { prefsrc: "10.9.9.9" });
    const t = loadTrackers(policy, { ...empty, routes: [r] }, empty);
    t.takeDirty();
    t.addresses.live.add(vip);
    expect([...closeKeys(t, t.takeDirty()).routes]).toEqual([routeKey(r)]);
  });

  it("a protected key reaches its group's missing keys (the group's guard may change)", () => {
    const a = bird("10.0.0.0/24");
    const b = bird("10.0.1.0/24");
    const t = loadTrackers(policy, { ...empty, protectedRoutes: [a, b] }, { ...empty, routes: [b] });
    t.takeDirty();
    t.routes.live.remove(b);
    expect([...closeKeys(t, t.takeDirty()).routes].sort()).toEqual([routeKey(a), routeKey(b)].sort());
  });

  it("a live route at a protected route's site reaches it (shadow, or BIRD's route at another metric)", () => {
    const p = bird("10.0.0.0/24");
    const t = loadTrackers(policy, { ...empty, protectedRoutes: [p] }, { ...empty, routes: [p] });
    t.takeDirty();
    const shadow = makeRoute({ dst: "10.0.0.0/24", metric: 5, protocol: 4, nexthops: [{ dev: "eth1" }] });
    t.routes.live.add(shadow);
    const closed = closeKeys(t, t.takeDirty());
    expect([...closed.routes].sort()).toEqual([routeKey(p), routeKey(shadow)].sort());
    expect(planKeys(t, closed, policy, options).drift.map((d) => d.kind)).toEqual(["shadowed"]);
  });
});
