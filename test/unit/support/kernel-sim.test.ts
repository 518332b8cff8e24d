// The simulator is the oracle of the planner's properties, so it is tested against real kernel
// output: the captured dumps must load with add semantics (no false key collisions), and the
// collisions the kernel reports (BIRD's "File exists") must collide here too.
import { describe, expect, it } from "vitest";
import { routeKey } from "../../../src/core/model/keys.js";
import { makeAddress, makeRoute, makeRule } from "../../../src/core/model/normalize.js";
import { routesEqual, type Nexthop } from "../../../src/core/model/route.js";
import { KERNEL_NODES, loadKernelFixture } from "../../support/fixtures.js";
import { KernelSim, SimKernelError } from "../../support/kernel-sim.js";

const errnoOf = (fn: () => void): string | undefined => {
  try { fn(); } catch (e) { return e instanceof SimKernelError ? e.errno : "other"; }
  return undefined;
};

describe.each(KERNEL_NODES)("kernel simulator on the captured %s", (node) => {
  const live = loadKernelFixture(node);

  it("loads every captured route; only kernel-made IPv6 link and multicast routes share a key", () => {
    const sim = KernelSim.from(live);
    expect(sim.routes).toHaveLength(live.routes.length);
    const byKey = new Map<string, number>();
    for (const r of live.routes) byKey.set(routeKey(r), (byKey.get(routeKey(r)) ?? 0) + 1);
    const shared = [...byKey].filter(([, n]) => n > 1).map(([k]) => k);
    expect(shared.sort()).toEqual(["6|254|fe80::/64|256", "6|255|ff00::/8|256"]);
    for (const k of shared) {
      const links = live.routes.filter((r) => routeKey(r) === k);
      expect(links.every((r) => r.protocol === 2 && r.nexthops.length === 1)).toBe(true);
      expect(new Set(links.map((r) => r.nexthops[0]!.dev)).size).toBe(links.length);
    }
  });

  it("adding one more route on a shared IPv6 key fails with EEXIST", () => {
    const sim = KernelSim.from(live);
    expect(errnoOf(() => sim.addRoute(makeRoute({ dst: "fe80::/64", metric: 256, protocol: 201, table: 254, nexthops: [{ dev: "vip0" }] })))).toBe("EEXIST");
  });

  it("an IPv4 multipath route and an IPv6 multipath route are one route each", () => {
    const v4 = live.routes.filter((r) => r.dst === "10.111.196.0/24" && r.table === 254);
    expect(v4).toHaveLength(1);
    expect(v4[0]!.nexthops).toHaveLength(2);
    const v6 = live.routes.filter((r) => r.family === 6 && r.nexthops.length > 1);
    expect(v6.length).toBeGreaterThan(0);
  });

  it("adding a foreign route on a BIRD route's key fails with EEXIST (BIRD's 'File exists')", () => {
    const sim = KernelSim.from(live);
    const bird = live.routes.find((r) => r.protocol === 12 && r.family === 4 && r.type === "unicast")!;
    const foreign = makeRoute({ dst: bird.dst, table: bird.table, metric: bird.metric, protocol: 4, nexthops: [{ dev: "nb0" }] });
    expect(errnoOf(() => sim.addRoute(foreign))).toBe("EEXIST");
    // another metric is another key: it coexists
    expect(errnoOf(() => sim.addRoute({ ...foreign, metric: bird.metric + 1 }))).toBeUndefined();
  });

  it("replace overwrites a foreign route holding the key, whatever its protocol", () => {
    const sim = KernelSim.from(live);
    const bird = live.routes.find((r) => r.protocol === 12 && r.family === 6 && r.type === "unicast")!;
    const ours = makeRoute({ dst: bird.dst, table: bird.table, metric: bird.metric, protocol: 201, type: "blackhole" });
    sim.replaceRoute(ours);
    expect(sim.routes.some((r) => routesEqual(r, bird))).toBe(false);
    expect(sim.routes.filter((r) => routeKey(r) === routeKey(bird))).toEqual([ours]);
  });

  it("a delete carrying our protocol never removes a foreign route (ESRCH)", () => {
    const sim = KernelSim.from(live);
    const alien201inMain = live.routes.find((r) => r.protocol === 201 && r.table === 254)!;
    expect(errnoOf(() => sim.deleteRoute({ ...alien201inMain, protocol: 12 }))).toBe("ESRCH");
    expect(sim.routes).toHaveLength(live.routes.length);
  });

  it("rules: same selectors collide whatever the protocol; delete matches the protocol", () => {
    const sim = KernelSim.from(live);
    const existing = live.rules.find((r) => r.priority === 1000 && r.family === 4)!;
    expect(errnoOf(() => sim.addRule({ ...existing, protocol: 201 }))).toBe("EEXIST");
    expect(errnoOf(() => sim.deleteRule({ ...existing, protocol: 201 }))).toBe("ENOENT");
    sim.addRule(makeRule({ priority: 1000, from: "10.111.100.1", table: 1000, protocol: 201 }));
    expect(sim.rules.map((r) => r.priority)).toEqual([...sim.rules.map((r) => r.priority)].sort((a, b) => a - b));
  });

  it("removing an IPv4 address flushes routes that use it as preferred source", () => {
    const sim = KernelSim.from(live);
    const addr = makeAddress({ dev: "lo", address: "10.111.100.9", prefixlen: 32, label: "lo:fw" });
    sim.addAddress(addr);
    const r = makeRoute({ dst: "192.168.99.0/24", prefsrc: "10.111.100.9", nexthops: [{ gateway: "10.111.1.1", dev: "na0" }], protocol: 4 });
    sim.addRoute(r);
    sim.deleteAddress(addr);
    expect(sim.routes.some((x) => routeKey(x) === routeKey(r))).toBe(false);
    expect(errnoOf(() => sim.addRoute(r))).toBe("EINVAL");
  });
});

describe("kernel simulator: what the kernel does behind the planner's back (captured bird2-node)", () => {
  const live = loadKernelFixture("bird2-node");
  const on = (sim: KernelSim, dev: string, family: 4 | 6) => sim.routes.filter((r) => r.family === family && r.nexthops.some((n) => n.dev === dev));

  it("a link going down: IPv4 flushes its routes silently (local routes and multipath routes with another nexthop stay), IPv6 notifies and drops the link's addresses", () => {
    const sim = KernelSim.from(live);
    const v4only = on(sim, "nb0", 4).filter((r) => r.nexthops.every((n) => n.dev === "nb0") && r.type !== "local");
    const v6only = on(sim, "nb0", 6).filter((r) => r.nexthops.every((n) => n.dev === "nb0"));
    expect(v4only.map((r) => r.dst).sort()).toEqual(["10.111.2.0/24", "10.111.2.255/32"]);
    const n = sim.setLinkUp("nb0", false);
    for (const r of [...v4only, ...v6only]) expect(sim.routes.some((x) => routesEqual(x, r)), r.dst).toBe(false);
    expect(n.routes.every((e) => e.deleted && e.route.family === 6)).toBe(true);
    expect(n.routes).toHaveLength(v6only.length);
    expect(sim.routes.some((r) => r.dst === "10.111.2.2/32" && r.type === "local")).toBe(true);
    expect(sim.routes.filter((r) => r.family === 4 && r.nexthops.length === 2)).toHaveLength(live.routes.filter((r) => r.family === 4 && r.nexthops.length === 2).length);
    expect(sim.routes.some((r) => r.dst === "fd00:111:196::/48" && r.nexthops.length === 2)).toBe(true);
    expect(sim.addresses.filter((a) => a.dev === "nb0").map((a) => a.family)).toEqual([4]);
    expect(n.addresses.map((e) => `${e.deleted} ${e.address.address}`).sort()).toEqual(["true fd00:111:2::2", "true fe80::68e5:5eff:fee3:d7c8"]);
    expect(errnoOf(() => sim.addRoute(makeRoute({ dst: "10.250.0.0/24", protocol: 4, nexthops: [{ gateway: "10.111.2.1", dev: "nb0" }] })))).toBe("ENETDOWN");
    expect(errnoOf(() => sim.replaceRoute(makeRoute({ dst: "10.250.0.0/24", protocol: 4, nexthops: [{ dev: "nb0" }] })))).toBe("ENETDOWN");
    expect(sim.setLinkUp("nb0", false)).toEqual({ routes: [], addresses: [] });
  });

  it("a link coming up gets back the kernel's own routes of its addresses and its link-local address, not the rest", () => {
    const sim = KernelSim.from(live);
    sim.setLinkUp("nb0", false);
    const n = sim.setLinkUp("nb0", true);
    const back = n.routes.map((e) => `${e.route.family} ${e.route.table} ${e.route.dst}`).sort();
    expect(back).toEqual(["4 254 10.111.2.0/24", "4 255 10.111.2.255/32", "6 254 fe80::/64", "6 255 fe80::68e5:5eff:fee3:d7c8/128", "6 255 ff00::/8"]);
    expect(n.routes.every((e) => !e.deleted)).toBe(true);
    expect(n.addresses.map((e) => e.address.address)).toEqual(["fe80::68e5:5eff:fee3:d7c8"]);
    // BIRD's single-path IPv6 routes over nb0 and the global address stay gone
    expect(on(sim, "nb0", 6).filter((r) => r.protocol === 12 && r.nexthops.length === 1)).toEqual([]);
    expect(sim.addresses.some((a) => a.address === "fd00:111:2::2")).toBe(false);
    expect(errnoOf(() => sim.addRoute(makeRoute({ dst: "10.250.0.0/24", protocol: 4, nexthops: [{ gateway: "10.111.2.1", dev: "nb0" }] })))).toBeUndefined();
  });

  it("IPv6 deletes one nexthop of a multipath route at a time, and notifies that nexthop alone", () => {
    const sim = KernelSim.from(live);
    const ecmp = live.routes.find((r) => r.dst === "fd00:111:196::/48")!;
    const [first, second] = ecmp.nexthops as [Nexthop, Nexthop];
    const n = sim.deleteNexthop(ecmp, first);
    expect(n.routes).toEqual([{ route: { ...ecmp, nexthops: [{ ...first, weight: 1 }] }, deleted: true }]);
    expect(sim.routes.filter((r) => r.dst === ecmp.dst)).toEqual([{ ...ecmp, nexthops: [second] }]);
    expect(errnoOf(() => sim.deleteNexthop(ecmp, first))).toBe("ESRCH");
    sim.deleteNexthop(ecmp, second);
    expect(sim.routes.some((r) => r.dst === ecmp.dst)).toBe(false);
    const v4 = live.routes.find((r) => r.family === 4 && r.nexthops.length === 2)!;
    expect(errnoOf(() => sim.deleteNexthop(v4, v4.nexthops[0]!))).toBe("EINVAL");
  });

  it("removing an address: IPv4 notifies its own routes and flushes the others silently; IPv6 strips the source silently", () => {
    const sim = KernelSim.from(live);
    const user4 = makeRoute({ dst: "192.168.99.0/24", prefsrc: "10.111.2.2", nexthops: [{ gateway: "10.111.1.1", dev: "na0" }], protocol: 4 });
    const user6 = makeRoute({ dst: "fd00:99::/64", prefsrc: "fd00:111:2::2", nexthops: [{ gateway: "fd00:111:1::1", dev: "na0" }], protocol: 4 });
    sim.addRoute(user4);
    sim.addRoute(user6);
    const n4 = sim.deleteAddress(live.addresses.find((a) => a.address === "10.111.2.2")!);
    expect(n4.routes.map((e) => e.route.dst).sort()).toEqual(["10.111.2.0/24", "10.111.2.2/32", "10.111.2.255/32"]);
    expect(sim.routes.some((r) => r.dst === user4.dst)).toBe(false);
    const n6 = sim.deleteAddress(live.addresses.find((a) => a.address === "fd00:111:2::2")!);
    expect(n6).toEqual({ routes: [], addresses: [] });
    expect(sim.routes.filter((r) => r.dst === user6.dst)).toEqual([{ ...user6, prefsrc: undefined }].map(({ prefsrc: _, ...r }) => r));
  });
});
