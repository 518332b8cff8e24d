// How kernel route events and scoped re-reads change the live side of the route tracker
// (src/core/track/live-events.ts): the kernel's key and replace semantics per family, which route
// a delete removes, the partial IPv6 multipath delete reported instead of imitated, and a re-read
// that replaces exactly its scope.
import { describe, expect, it } from "vitest";
import { routeKey } from "../../../../src/core/model/keys.js";
import { makeRoute } from "../../../../src/core/model/normalize.js";
import type { Route } from "../../../../src/core/model/route.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { deleteLiveRoute, replaceLiveRoutes, setLiveRoute } from "../../../../src/core/track/live-events.js";
import { createTrackers, type Trackers } from "../../../../src/core/track/trackers.js";

const policy = defaultOwnershipPolicy();
const v4 = (extra: Partial<Parameters<typeof makeRoute>[0]> = {}): Route =>
  makeRoute({ dst: "10.0.0.0/24", table: 1000, protocol: 201, nexthops: [{ gateway: "10.1.0.1", dev: "eth0" }], ...extra });
const v6 = (dev: string, extra: Partial<Parameters<typeof makeRoute>[0]> = {}): Route =>
  makeRoute({ dst: "fd00::/64", table: 1000, protocol: 201, metric: 1024, nexthops: [{ gateway: "fe80::1", dev }], ...extra });

function trackersWith(routes: Route[]): Trackers {
  const t = createTrackers(policy);
  for (const r of routes) t.routes.live.add(r);
  t.takeDirty();
  return t;
}

const at = (t: Trackers, r: Route): readonly Route[] => t.routes.live.get(routeKey(r));

describe("setLiveRoute (RTM_NEWROUTE)", () => {
  it("IPv4: the new route takes the key whatever held it (another protocol, device or type)", () => {
    const old = v4({ protocol: 4, nexthops: [{ dev: "eth1" }] });
    const t = trackersWith([old]);
    const r = v4({ type: "blackhole", nexthops: [] });
    setLiveRoute(t, r);
    expect(at(t, r)).toEqual([r]);
    expect([...t.takeDirty().routes]).toEqual([routeKey(r)]);
  });

  it("IPv6: routes of other first devices stay at the key, the same device's route is replaced", () => {
    const a = v6("eth0");
    const b = v6("eth1");
    const t = trackersWith([a, b]);
    const a2 = v6("eth0", { protocol: 4 });
    setLiveRoute(t, a2);
    expect(at(t, a2)).toHaveLength(2);
    expect(at(t, a2)).toContainEqual(b);
    expect(at(t, a2)).toContainEqual(a2);
    expect(at(t, a2)).not.toContainEqual(a);
    const c = v6("eth2");
    setLiveRoute(t, c);
    expect(at(t, c)).toHaveLength(3);
  });
});

describe("deleteLiveRoute (RTM_DELROUTE)", () => {
  it("removes the route of the same key and protocol; another protocol at the key is absent", () => {
    const r = v4();
    const t = trackersWith([r]);
    expect(deleteLiveRoute(t, v4({ protocol: 4 }))).toBe("absent");
    expect(at(t, r)).toEqual([r]);
    expect(t.takeDirty().routes.size).toBe(0);
    expect(deleteLiveRoute(t, r)).toBe("deleted");
    expect(at(t, r)).toEqual([]);
    expect([...t.takeDirty().routes]).toEqual([routeKey(r)]);
    expect(deleteLiveRoute(t, r)).toBe("absent");
  });

  it("IPv4: the type must match too (a unicast delete leaves a blackhole at the key alone)", () => {
    const hole = v4({ type: "blackhole", nexthops: [] });
    const t = trackersWith([hole]);
    expect(deleteLiveRoute(t, v4())).toBe("absent");
    expect(at(t, hole)).toEqual([hole]);
    expect(deleteLiveRoute(t, v4({ type: "blackhole", nexthops: [] }))).toBe("deleted");
  });

  it("IPv6: the type is not compared (the kernel names the route by key, protocol and device)", () => {
    const hole = makeRoute({ dst: "fd00::/64", table: 1000, protocol: 201, metric: 1024, type: "blackhole", nexthops: [{ dev: "lo" }] });
    const t = trackersWith([hole]);
    expect(deleteLiveRoute(t, makeRoute({ dst: "fd00::/64", table: 1000, protocol: 201, metric: 1024, nexthops: [{ dev: "lo" }] }))).toBe("deleted");
    expect(at(t, hole)).toEqual([]);
  });

  it("prefers the route with the event's first device, else the first candidate", () => {
    const a = v6("eth0");
    const b = v6("eth1");
    const t = trackersWith([a, b]);
    expect(deleteLiveRoute(t, v6("eth1"))).toBe("deleted");
    expect(at(t, a)).toEqual([a]);
    const t2 = trackersWith([a, b]);
    const [first] = at(t2, a);
    expect(deleteLiveRoute(t2, v6("eth9"))).toBe("deleted");
    expect(at(t2, a)).toHaveLength(1);
    expect(at(t2, a)).not.toContainEqual(first);
  });

  it("IPv6: an event naming fewer nexthops than the route is a partial delete: reported, nothing changed", () => {
    const multi = v6("eth0", { nexthops: [{ gateway: "fe80::1", dev: "eth0" }, { gateway: "fe80::2", dev: "eth1" }] });
    const t = trackersWith([multi]);
    expect(deleteLiveRoute(t, v6("eth0"))).toBe("partial");
    expect(at(t, multi)).toEqual([multi]);
    expect(t.takeDirty().routes.size).toBe(0);
    expect(deleteLiveRoute(t, multi)).toBe("deleted");
  });

  it("IPv4: fewer nexthops in the event still deletes the route (IPv4 multipath routes go whole)", () => {
    const multi = v4({ nexthops: [{ gateway: "10.1.0.1", dev: "eth0" }, { gateway: "10.2.0.1", dev: "eth1" }] });
    const t = trackersWith([multi]);
    expect(deleteLiveRoute(t, v4())).toBe("deleted");
    expect(at(t, multi)).toEqual([]);
  });
});

describe("replaceLiveRoutes (a scoped re-read)", () => {
  const inManaged = v4({ dst: "10.0.1.0/24" });
  const otherManaged = v4({ dst: "10.0.2.0/24", table: 1001 });
  const inMain = v4({ dst: "10.0.3.0/24", table: 254, protocol: 12 });
  const six = v6("eth0");

  it("a managed table: its keys missing from the dump go, other tables and families stay", () => {
    const t = trackersWith([inManaged, otherManaged, inMain, six]);
    const fresh = v4({ dst: "10.0.9.0/24" });
    replaceLiveRoutes(t, { family: 4, table: 1000 }, [fresh, otherManaged, inMain, six]);
    expect(at(t, inManaged)).toEqual([]);
    expect(at(t, fresh)).toEqual([fresh]);
    expect(at(t, otherManaged)).toEqual([otherManaged]);
    expect(at(t, inMain)).toEqual([inMain]);
    expect(at(t, six)).toEqual([six]);
    expect([...t.takeDirty().routes].sort()).toEqual([routeKey(inManaged), routeKey(fresh)].sort());
  });

  it("a table fibwarden does not manage: the same, found among every live key", () => {
    const t = trackersWith([inManaged, inMain, v4({ dst: "10.0.4.0/24", table: 254, protocol: 12 })]);
    replaceLiveRoutes(t, { family: 4, table: 254 }, [inMain]);
    expect(at(t, inMain)).toEqual([inMain]);
    expect(at(t, v4({ dst: "10.0.4.0/24", table: 254, protocol: 12 }))).toEqual([]);
    expect(at(t, inManaged)).toEqual([inManaged]);
  });

  it("a family: every table of it is replaced, the other family stays; routes outside the scope are ignored", () => {
    const t = trackersWith([inManaged, otherManaged, six]);
    const six2 = v6("eth0", { dst: "fd01::/64" });
    replaceLiveRoutes(t, { family: 4 }, [inMain, six2]);
    expect(at(t, inManaged)).toEqual([]);
    expect(at(t, otherManaged)).toEqual([]);
    expect(at(t, inMain)).toEqual([inMain]);
    expect(at(t, six)).toEqual([six]);
    expect(at(t, six2)).toEqual([]);
  });

  it("several routes at one key in the dump are all kept; an unchanged scope marks nothing dirty", () => {
    const a = v6("eth0");
    const b = v6("eth1");
    const t = trackersWith([]);
    replaceLiveRoutes(t, { family: 6, table: 1000 }, [a, b]);
    expect(at(t, a)).toHaveLength(2);
    t.takeDirty();
    replaceLiveRoutes(t, { family: 6, table: 1000 }, [b, a]);
    expect(t.takeDirty().routes.size).toBe(0);
  });
});
