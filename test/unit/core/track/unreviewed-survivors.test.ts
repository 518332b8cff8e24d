// The trackers' mutation survivors that had not been reviewed one by one (docs/reliability.md,
// Mutation testing): each test names the line it pins down, through the trackers' contents,
// indexes and dirty keys.
import { describe, expect, it } from "vitest";
import { routeKey } from "../../../../src/core/model/keys.js";
import { makeRoute } from "../../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { createTrackers, loadTrackers } from "../../../../src/core/track/trackers.js";

const policy = defaultOwnershipPolicy();
const empty = { routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: [] };
const ours = (dst: string, extra = {}) => makeRoute({ dst, table: 1000, protocol: 201, nexthops: [{ dev: "eth0" }], ...extra });
const bird = (dst: string, extra = {}) => makeRoute({ dst, metric: 32, protocol: 12, nexthops: [{ gateway: "10.1.0.1", dev: "eth0" }], ...extra });

describe("managedKeys (route-indexes.ts)", () => {
  it("route-indexes.ts:55: routes outside the managed tables are not indexed as managed", () => {
    const t = createTrackers(policy);
    t.routes.live.add(bird("10.0.0.0/24"));
    t.routes.live.add(ours("10.0.0.0/24", { table: 100, protocol: 4 }));
    expect([...t.routes.index.managedKeys.keys()]).toEqual([]);
    t.routes.live.add(ours("10.0.0.0/24"));
    expect([...t.routes.index.managedKeys].map(([table, keys]) => [table, [...keys]])).toEqual([[1000, [routeKey(ours("10.0.0.0/24"))]]]);
  });

  it("route-indexes.ts:56: a managed key whose last live route goes leaves the index (and its table's entry with it)", () => {
    const t = loadTrackers(policy, empty, { ...empty, routes: [ours("10.0.0.0/24"), ours("10.0.1.0/24")] });
    t.routes.live.remove(ours("10.0.0.0/24"));
    expect([...t.routes.index.managedKeys.get(1000)]).toEqual([routeKey(ours("10.0.1.0/24"))]);
    t.routes.live.setAt(routeKey(ours("10.0.1.0/24")), []);
    expect(t.routes.index.managedKeys.has(1000)).toBe(false);
  });
});

describe("stores (stores.ts)", () => {
  it("stores.ts:64: a second commit of the same live resync does not undo later changes", () => {
    const t = loadTrackers(policy, empty, { ...empty, routes: [ours("10.0.0.0/24")] });
    const r = t.routes.live.begin();
    r.add(ours("10.0.1.0/24"));
    r.commit();
    expect([...t.routes.live.keys()]).toEqual([routeKey(ours("10.0.1.0/24"))]);
    t.routes.live.add(ours("10.0.2.0/24"));
    t.takeDirty();
    r.commit();
    expect([...t.routes.live.keys()].sort()).toEqual([routeKey(ours("10.0.1.0/24")), routeKey(ours("10.0.2.0/24"))].sort());
    expect(t.routes.tableCount(1000)).toBe(2);
    expect(t.takeDirty().routes.size).toBe(0);
  });

  it("stores.ts:110: a desired set that replaces a value reports the old one: its indexes and dirty IPs follow", () => {
    const t = createTrackers(policy);
    t.routes.desired.set(ours("10.5.0.0/16", { prefsrc: "10.9.9.9" }));
    t.takeDirty();
    t.routes.desired.set(ours("10.5.0.0/16", { prefsrc: "10.8.8.8" }));
    expect([...t.routes.index.desiredByPrefsrc.keys()]).toEqual(["10.8.8.8"]);
    expect([...t.takeDirty().ips].sort()).toEqual(["10.8.8.8", "10.9.9.9"]);
    t.routes.protected.set(bird("10.0.0.0/24"));
    t.routes.protected.set(bird("10.0.0.0/24", { nexthops: [{ gateway: "10.1.0.2", dev: "eth0" }] }));
    expect(t.routes.index.groups.get("4|254|32")?.total).toBe(1);
  });

  it("stores.ts:139: after a resync without duplicates, setting an equal desired value changes nothing (no dirty key)", () => {
    const t = loadTrackers(policy, { ...empty, routes: [ours("10.0.0.0/24")] }, empty);
    const stored = t.routes.desired.encodedAt(routeKey(ours("10.0.0.0/24")));
    t.takeDirty();
    t.routes.desired.set(ours("10.0.0.0/24"));
    expect(t.takeDirty().routes.size).toBe(0);
    expect(t.routes.desired.encodedAt(routeKey(ours("10.0.0.0/24")))).toBe(stored);
    expect(t.routes.desired.get(routeKey(ours("10.0.0.0/24")))).toEqual(ours("10.0.0.0/24"));
  });
});
