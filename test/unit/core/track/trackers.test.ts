// The trackers' stores and dirty keys: one desired value per key (a resync's duplicates kept to
// be reported), several live values per key in canonical order, dirty exactly where contents
// changed, a resync that fails midway leaves everything as it was, and compact slots.
import { describe, expect, it } from "vitest";
import { routeKey } from "../../../../src/core/model/keys.js";
import { makeAddress, makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { parseRouteKey } from "../../../../src/core/track/route-key.js";
import { createTrackers, loadTrackers } from "../../../../src/core/track/trackers.js";

const policy = defaultOwnershipPolicy();
const ours = (dst: string, extra = {}) => makeRoute({ dst, table: 1000, protocol: 201, nexthops: [{ dev: "eth0" }], ...extra });
const bird = (dst: string, extra = {}) => makeRoute({ dst, metric: 32, protocol: 12, nexthops: [{ gateway: "10.1.0.1", dev: "eth0" }], ...extra });
const empty = { routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: [] };

describe("route keys", () => {
  it("parseRouteKey inverts routeKey for both families", () => {
    for (const r of [ours("10.0.0.0/24", { tos: 8, metric: 7 }), makeRoute({ dst: "fd00::/64", table: 1000, protocol: 201, metric: 5, nexthops: [{ dev: "eth0" }] })]) {
      const p = parseRouteKey(routeKey(r));
      expect(routeKey(p)).toBe(routeKey(r));
      expect(p).toEqual({ family: r.family, table: r.table, dst: r.dst, tos: r.tos, metric: r.metric });
    }
  });
});

describe("stores", () => {
  it("a desired set marks its key dirty once; setting the same value again marks nothing", () => {
    const t = createTrackers(policy);
    expect(t.takeDirty().everything).toBe(true); // never planned: everything is to be planned
    t.routes.desired.set(ours("10.0.0.0/24"));
    expect([...t.takeDirty().routes]).toEqual([routeKey(ours("10.0.0.0/24"))]);
    t.routes.desired.set(ours("10.0.0.0/24"));
    expect(t.takeDirty().routes.size).toBe(0);
    expect(t.routes.desired.delete(routeKey(ours("10.0.0.0/24")))).toBe(true);
    expect(t.routes.desired.delete(routeKey(ours("10.0.0.0/24")))).toBe(false);
    expect(t.takeDirty().routes.size).toBe(1);
  });

  it("the live side keeps several routes at one key, in canonical order, and a single one unwrapped", () => {
    const t = createTrackers(policy);
    const a = ours("10.0.0.0/24", { nexthops: [{ dev: "eth1" }] });
    const b = ours("10.0.0.0/24", { nexthops: [{ dev: "eth0" }] });
    t.routes.live.add(a);
    expect(t.routes.live.get(routeKey(a))).toEqual([a]);
    t.routes.live.add(b);
    expect(t.routes.live.get(routeKey(a))).toEqual([b, a]);
    expect(t.routes.tableCount(1000)).toBe(2);
    expect(t.routes.live.remove(a)).toBe(true);
    expect(t.routes.live.remove(a)).toBe(false);
    expect(t.routes.live.get(routeKey(a))).toEqual([b]);
    expect(t.routes.tableCount(1000)).toBe(1);
  });

  it("a resync marks dirty exactly the keys whose contents changed", () => {
    const t = loadTrackers(policy, { ...empty, routes: [ours("10.0.0.0/24"), ours("10.0.1.0/24")] }, { ...empty, routes: [ours("10.0.0.0/24")] });
    t.takeDirty();
    t.routes.live.replace([ours("10.0.0.0/24"), ours("10.0.2.0/24")]);
    t.routes.desired.replace([ours("10.0.0.0/24"), ours("10.0.1.0/24", { metric: 5 })]);
    const dirty = t.takeDirty();
    expect([...dirty.routes].sort()).toEqual([routeKey(ours("10.0.1.0/24")), routeKey(ours("10.0.1.0/24", { metric: 5 })), routeKey(ours("10.0.2.0/24"))].sort());
  });

  it("a resync that fails midway restores the previous side, its indexes and its dirty keys", () => {
    const t = loadTrackers(policy, empty, { ...empty, routes: [ours("10.0.0.0/24", { prefsrc: "10.9.9.9" })] });
    t.takeDirty();
    function* dump() {
      yield ours("10.0.5.0/24");
      throw new Error("dump failed");
    }
    expect(() => t.routes.live.replace(dump())).toThrow("dump failed");
    expect([...t.routes.live.keys()]).toEqual([routeKey(ours("10.0.0.0/24"))]);
    expect(t.routes.tableCount(1000)).toBe(1);
    expect([...t.routes.index.prefsrcPending.get("10.9.9.9")]).toEqual([routeKey(ours("10.0.0.0/24", { prefsrc: "10.9.9.9" }))]);
    expect(t.takeDirty().routes.size).toBe(0);
    const resync = t.routes.live.begin();
    resync.add(ours("10.0.6.0/24"));
    resync.abort();
    resync.commit(); // a commit after abort does nothing
    expect(t.routes.live.size).toBe(1);
    expect(t.takeDirty().routes.size).toBe(0);
  });

  it("duplicates in a desired resync: the canonically smallest wins, the others are kept; a set clears them", () => {
    const t = createTrackers(policy);
    const a = ours("10.0.0.0/24", { nexthops: [{ dev: "eth1" }] });
    const b = ours("10.0.0.0/24", { nexthops: [{ dev: "eth0" }] });
    t.routes.desired.replace([a, b, a]);
    expect(t.routes.desired.get(routeKey(a))).toEqual(b);
    expect(t.routes.desired.duplicatesAt(routeKey(a))).toEqual([a]);
    t.takeDirty();
    t.routes.desired.set(b);
    expect(t.routes.desired.duplicatesAt(routeKey(a))).toEqual([]);
    expect(t.takeDirty().routes.size).toBe(1); // the duplicates' conflict went away
  });

  it("dirty records the IPs a change touched: the preferred source before and after, the address", () => {
    const t = loadTrackers(policy, empty, { ...empty, routes: [ours("10.0.0.0/24", { prefsrc: "10.9.9.9" })] });
    t.takeDirty();
    t.routes.live.setAt(routeKey(ours("10.0.0.0/24")), [ours("10.0.0.0/24", { prefsrc: "10.8.8.8" })]);
    t.addresses.live.add(makeAddress({ dev: "lo", address: "10.7.7.7", prefixlen: 32 }));
    expect([...t.takeDirty().ips].sort()).toEqual(["10.7.7.7", "10.8.8.8", "10.9.9.9"]);
  });

  it("sysctls hold one value per key: the last one wins", () => {
    const t = createTrackers(policy);
    t.sysctls.live.replace([{ iface: "all", name: "rp_filter", value: 1 }, { iface: "all", name: "rp_filter", value: 2 }]);
    expect(t.sysctls.live.get("all|rp_filter")?.value).toBe(2);
    t.takeDirty();
    t.sysctls.live.replace([{ iface: "all", name: "rp_filter", value: 2 }]);
    expect(t.takeDirty().sysctls.size).toBe(0);
    expect(t.sysctls.live.delete("all|rp_filter")).toBe(true);
    expect(t.sysctls.live.delete("all|rp_filter")).toBe(false);
  });
});

describe("indexes", () => {
  it("protected groups count their routes and their missing keys, exactly, as either side changes", () => {
    const t = loadTrackers(policy, { ...empty, protectedRoutes: [bird("10.0.0.0/24"), bird("10.0.1.0/24")] }, { ...empty, routes: [bird("10.0.0.0/24")] });
    const g = () => t.routes.index.groups.get("4|254|32");
    expect(g()?.total).toBe(2);
    expect([...g()!.missing]).toEqual([routeKey(bird("10.0.1.0/24"))]);
    t.routes.live.add(bird("10.0.1.0/24"));
    expect(g()!.missing.size).toBe(0);
    t.routes.live.remove(bird("10.0.0.0/24"));
    expect([...g()!.missing]).toEqual([routeKey(bird("10.0.0.0/24"))]);
    t.routes.protected.delete(routeKey(bird("10.0.0.0/24")));
    expect(g()).toEqual({ family: 4, table: 254, metric: 32, total: 1, missing: new Set() });
    t.routes.protected.delete(routeKey(bird("10.0.1.0/24")));
    expect(g()).toBeUndefined();
  });

  it("BIRD's routes at other metrics and non-BIRD routes in protected tables are found by site", () => {
    const t = loadTrackers(policy, { ...empty, protectedRoutes: [bird("10.0.0.0/24")] },
      { ...empty, routes: [bird("10.0.0.0/24", { metric: 0 }), makeRoute({ dst: "10.0.0.0/24", metric: 5, protocol: 4, nexthops: [{ dev: "eth1" }] })] });
    expect(t.routes.birdMetricsAt(bird("10.0.0.0/24"))).toEqual([0]);
    expect(t.routes.shadowsAt(bird("10.0.0.0/24")).map((r) => r.protocol)).toEqual([4]);
    expect(t.routes.protectedKeysAtSite(routeKey(bird("10.0.0.0/24", { metric: 0 })))).toEqual([routeKey(bird("10.0.0.0/24"))]);
  });

  it("a site is family, table, destination and TOS: BIRD's route at another TOS is elsewhere", () => {
    const t = loadTrackers(policy, empty, { ...empty, routes: [bird("10.0.0.0/24", { metric: 0, tos: 8 })] });
    expect(t.routes.birdMetricsAt(bird("10.0.0.0/24"))).toEqual([]);
    expect(t.routes.birdMetricsAt(bird("10.0.0.0/24", { tos: 8 }))).toEqual([0]);
  });

  it("lookup rules are indexed by their table; other actions are not", () => {
    const t = createTrackers(policy);
    t.rules.desired.replace([makeRule({ priority: 1000, table: 1000, protocol: 201 }), makeRule({ priority: 1001, action: "blackhole", protocol: 201 })]);
    expect([...t.rules.desiredByTable.keys()]).toEqual([1000]);
  });
});
