// The desired-state builders at their edges: which live objects a source-table assignment reads
// back, every field of a VIP's address, routes and rule per family, the last good return path,
// a BGP peer's device by longest match, sysctl pattern precedence, and how BIRD's exports become
// kernel routes. Written against the survivors of mutation testing (docs/reliability.md).
import { describe, expect, it } from "vitest";
import type { BirdNextHop, BirdRoute } from "../../../../src/core/bird/route-types.js";
import { buildProtectedRoutes, defaultBirdKernelMetric, ProtectedRouteBuilder, type KernelSyncTarget } from "../../../../src/core/desired/protected.js";
import { buildSysctlDesired, matchInterfacePattern, pickPatternValue } from "../../../../src/core/desired/sysctls.js";
import { assignSourceTables, buildVipDesired, resolvePeerReturn, type VipSpec } from "../../../../src/core/desired/vips.js";
import { makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import type { SysctlValue } from "../../../../src/core/model/sysctl.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import type { LiveState } from "../../../../src/core/plan/types.js";

const policy = defaultOwnershipPolicy({ tables: [{ from: 1000, to: 1999 }, { from: 198, to: 198 }], addressDevices: ["lo", "vip0", "abcdefghijklm"] });
const range = { from: 1000, to: 1003 };
const noLive = (): LiveState => ({ routes: [], rules: [], addresses: [], sysctls: [] });
const ourRule = (vip: string, table: number, extra: Partial<Parameters<typeof makeRule>[0]> = {}) =>
  makeRule({ priority: 1000, from: vip, table, protocol: 201, ...extra });
const build = (vips: VipSpec[], live = noLive()) =>
  buildVipDesired({ vips, policy, sourceTables: range, rulePriority: 1500, live });

describe("assignSourceTables", () => {
  it("a table is used when any route or any rule (of anyone) points into it, at both ends of the range", () => {
    const live = noLive();
    live.routes.push(makeRoute({ dst: "10.0.0.0/8", table: 1000, protocol: 4, nexthops: [{ dev: "eth0" }] }));
    live.rules.push(makeRule({ priority: 500, from: "10.9.0.0/16", table: 1001 }));
    live.routes.push(makeRoute({ dst: "10.0.0.0/8", table: 999, protocol: 4, nexthops: [{ dev: "eth0" }] }));
    live.routes.push(makeRoute({ dst: "10.0.0.0/8", table: 1004, protocol: 4, nexthops: [{ dev: "eth0" }] }));
    const { tables, problems } = assignSourceTables(["10.1.1.1", "10.1.1.2", "10.1.1.3"], live, policy, range);
    expect([...tables]).toEqual([["10.1.1.1", 1002], ["10.1.1.2", 1003]]);
    expect(problems).toEqual([{ vip: "10.1.1.3", reason: "no free source table left in 1000-1003" }]);
  });
  it("the last table of the range is still given out", () => {
    const live = noLive();
    for (const t of [1000, 1001, 1002]) live.routes.push(makeRoute({ dst: "10.0.0.0/8", table: t, protocol: 4, nexthops: [{ dev: "eth0" }] }));
    expect([...assignSourceTables(["10.1.1.1"], live, policy, range).tables]).toEqual([["10.1.1.1", 1003]]);
  });
  it("reads back only our lookup rules from the VIP's host prefix into the range", () => {
    const cases: Array<[string, ReturnType<typeof makeRule>]> = [
      ["foreign protocol", ourRule("10.1.1.1", 1002, { protocol: 4 })],
      ["outside the range", ourRule("10.1.1.1", 1500)],
      ["not the host prefix", ourRule("10.1.1.0/24", 1002)],
      ["another address", ourRule("10.1.1.9", 1002)],
      ["no source selector", makeRule({ priority: 1000, to: "10.1.1.1", table: 1002, protocol: 201 })],
      ["not a lookup", makeRule({ priority: 1000, from: "10.1.1.1", action: "goto", gotoPriority: 1200, protocol: 201 })],
    ];
    for (const [why, rule] of cases) {
      const live = { ...noLive(), rules: [rule] };
      // The rule's table counts as used (when it has one in range), but the VIP does not keep it.
      const got = assignSourceTables(["10.1.1.1"], live, policy, range).tables.get("10.1.1.1");
      expect(got, why).not.toBe(1002);
    }
    const live = { ...noLive(), rules: [ourRule("10.1.1.1", 1002)] };
    expect(assignSourceTables(["10.1.1.1"], live, policy, range).tables.get("10.1.1.1")).toBe(1002);
  });
  it("a VIP with two rules of ours keeps the lowest table; a table already kept is not shared", () => {
    const live = { ...noLive(), rules: [ourRule("10.1.1.1", 1003), ourRule("10.1.1.1", 1001), ourRule("10.1.1.2", 1001)] };
    const { tables } = assignSourceTables(["10.1.1.1", "10.1.1.2"], live, policy, range);
    expect(tables.get("10.1.1.1")).toBe(1001);
    expect(tables.get("10.1.1.2")).toBe(1000); // 1001 and 1003 are used, 1000 is free
  });
  it("new VIPs are served once each, in address order, whatever spelling they come in", () => {
    const { tables } = assignSourceTables(["10.1.1.2", "fd00::0001", "10.1.1.1", "fd00::1", "10.1.1.2"], noLive(), policy, range);
    expect([...tables]).toEqual([["10.1.1.1", 1000], ["10.1.1.2", 1001], ["fd00::1", 1002]]);
  });
  it("an IPv6 VIP's rule is read back by its /128", () => {
    const live = { ...noLive(), rules: [ourRule("fd00::7", 1003)] };
    expect(assignSourceTables(["fd00::7"], live, policy, range).tables.get("fd00::7")).toBe(1003);
  });
});

describe("buildVipDesired: every field, per family", () => {
  it("an IPv4 VIP: labelled /32, announce route scope link metric 0, source default and rule", () => {
    const d = build([{ address: "10.1.1.1", device: "vip0", announceTable: 198, returnPath: { gateway: "10.2.0.1", device: "eth1" } }]);
    expect(d.addresses).toEqual([{ family: 4, dev: "vip0", address: "10.1.1.1", prefixlen: 32, scope: 0, label: "vip0:fw" }]);
    expect(d.routes).toEqual([
      { family: 4, table: 198, dst: "10.1.1.1/32", type: "unicast", protocol: 201, metric: 0, tos: 0, scope: 253, nexthops: [{ dev: "vip0", weight: 1, onlink: false }] },
      { family: 4, table: 1000, dst: "0.0.0.0/0", type: "unicast", protocol: 201, metric: 0, tos: 0, scope: 0, nexthops: [{ gateway: "10.2.0.1", dev: "eth1", weight: 1, onlink: false }] },
    ]);
    expect(d.rules).toEqual([{ family: 4, priority: 1500, from: "10.1.1.1/32", tos: 0, action: "lookup", table: 1000, protocol: 201 }]);
    expect([...d.tables]).toEqual([["10.1.1.1", 1000]]);
    expect(d.problems).toEqual([]);
  });
  it("an IPv6 VIP: unlabelled /128, metric 1024, scope 0, ::/0 in its source table", () => {
    const d = build([{ address: "FD00:0::5", device: "lo", announceTable: 198, returnPath: { gateway: "FD00:2::1", device: "eth1" } }]);
    expect(d.addresses).toEqual([{ family: 6, dev: "lo", address: "fd00::5", prefixlen: 128, scope: 0 }]);
    expect(d.routes).toEqual([
      { family: 6, table: 198, dst: "fd00::5/128", type: "unicast", protocol: 201, metric: 1024, tos: 0, scope: 0, nexthops: [{ dev: "lo", weight: 1, onlink: false }] },
      { family: 6, table: 1000, dst: "::/0", type: "unicast", protocol: 201, metric: 1024, tos: 0, scope: 0, nexthops: [{ gateway: "fd00:2::1", dev: "eth1", weight: 1, onlink: false }] },
    ]);
    expect(d.rules).toEqual([{ family: 6, priority: 1500, from: "fd00::5/128", tos: 0, action: "lookup", table: 1000, protocol: 201 }]);
  });
  it("no announce table: no announce route; no return path: no table, no route, no rule", () => {
    const d = build([{ address: "10.1.1.1", device: "lo" }]);
    expect(d.addresses).toHaveLength(1);
    expect(d.routes).toEqual([]);
    expect(d.rules).toEqual([]);
    expect(d.tables.size).toBe(0);
  });
  it("a device name too long for a label is a problem, and the address goes unlabelled", () => {
    const d = build([{ address: "10.1.1.1", device: "abcdefghijklm" }]);
    expect(d.addresses[0]!.label).toBeUndefined();
    expect(d.problems).toEqual([{ vip: "10.1.1.1", reason: "device name abcdefghijklm is too long for an ownership label; declare the VIP in ownership.vipRanges" }]);
  });
  it("a return gateway of the other family is a problem: no source route, no rule", () => {
    const d = build([{ address: "10.1.1.1", device: "lo", returnPath: { gateway: "fd00:2::1", device: "eth1" } }]);
    expect(d.routes).toEqual([]);
    expect(d.rules).toEqual([]);
    expect(d.problems).toEqual([{ vip: "10.1.1.1", reason: "return gateway fd00:2::1 is not IPv4" }]);
    const v6 = build([{ address: "fd00::5", device: "lo", returnPath: { gateway: "10.2.0.1", device: "eth1" } }]);
    expect(v6.problems).toEqual([{ vip: "fd00::5", reason: "return gateway 10.2.0.1 is not IPv6" }]);
  });
  it("the gateway is written canonical", () => {
    const d = build([{ address: "fd00::5", device: "lo", returnPath: { gateway: "FD00:2:0::1", device: "eth1" } }]);
    expect(d.routes[0]!.nexthops[0]!.gateway).toBe("fd00:2::1");
  });
});

describe("buildVipDesired: the last good return path", () => {
  const keep = (address: string): VipSpec => ({ address, device: "lo", keepLastReturn: true });
  const ours = (dst: string, table: number, nexthops: Array<{ gateway?: string; dev?: string }>, protocol = 201) =>
    makeRoute({ dst, family: dst.includes(":") ? 6 : 4, table, protocol, nexthops });
  const withRoutes = (...routes: ReturnType<typeof makeRoute>[]) =>
    ({ ...noLive(), routes, rules: [ourRule("10.1.1.1", 1002), ourRule("fd00::5", 1003)] });

  it("keeps our default route of the VIP's table, IPv4 and IPv6, and says so", () => {
    const d = build([keep("10.1.1.1"), keep("fd00::5")], withRoutes(
      ours("default", 1002, [{ gateway: "10.2.0.1", dev: "eth1" }]), ours("::/0", 1003, [{ gateway: "fd00:2::1", dev: "eth2" }])));
    expect(d.routes.map((r) => [r.table, r.dst, r.nexthops[0]!.gateway, r.nexthops[0]!.dev])).toEqual([
      [1002, "0.0.0.0/0", "10.2.0.1", "eth1"], [1003, "::/0", "fd00:2::1", "eth2"]]);
    expect(d.rules.map((r) => r.table)).toEqual([1002, 1003]);
    expect(d.problems).toEqual([
      { vip: "10.1.1.1", reason: "return path unknown; keeping the last good one via 10.2.0.1 dev eth1" },
      { vip: "fd00::5", reason: "return path unknown; keeping the last good one via fd00:2::1 dev eth2" },
    ]);
  });
  it("keeps nothing that is not our single-path default with a gateway and a device in that table", () => {
    const unusable = [
      ours("default", 1001, [{ gateway: "10.2.0.1", dev: "eth1" }]), // another table
      ours("10.0.0.0/8", 1002, [{ gateway: "10.2.0.1", dev: "eth1" }]), // not the default
      ours("default", 1002, [{ gateway: "10.2.0.1", dev: "eth1" }], 4), // not ours
      ours("default", 1002, [{ dev: "eth1" }]), // no gateway
      ours("default", 1002, [{ gateway: "10.2.0.1", dev: "eth1" }, { gateway: "10.3.0.1", dev: "eth2" }]), // multipath
    ];
    for (const r of unusable) {
      const d = build([keep("10.1.1.1")], withRoutes(r));
      expect(d.routes, JSON.stringify(r)).toEqual([]);
      expect(d.rules).toEqual([]);
      expect(d.problems).toEqual([{ vip: "10.1.1.1", reason: "return path unknown (BGP peer down?) and no last good source table route to keep" }]);
    }
    // The IPv6 VIP does not take the IPv4 default of its table either.
    const d = build([keep("fd00::5")], withRoutes(ours("default", 1003, [{ gateway: "10.2.0.1", dev: "eth1" }])));
    expect(d.routes).toEqual([]);
  });
  it("a gateway without a device is not kept", () => {
    const r = { ...ours("default", 1002, [{ gateway: "10.2.0.1", dev: "eth1" }]) };
    r.nexthops = [{ gateway: "10.2.0.1", weight: 1, onlink: false }];
    expect(build([keep("10.1.1.1")], withRoutes(r)).routes).toEqual([]);
  });
});

describe("resolvePeerReturn", () => {
  const r = (dst: string, dev: string, extra: Partial<Parameters<typeof makeRoute>[0]> = {}) =>
    makeRoute({ dst, nexthops: [{ dev }], protocol: 2, ...extra });
  const live = (...routes: ReturnType<typeof makeRoute>[]): LiveState => ({ ...noLive(), routes });

  it("the longest matching prefix of main wins, whatever the order", () => {
    const routes = [r("10.0.0.0/8", "eth0"), r("10.2.0.0/24", "eth2"), r("10.2.0.0/16", "eth1"), r("0.0.0.0/0", "eth9")];
    expect(resolvePeerReturn("10.2.0.1", live(...routes))).toEqual({ gateway: "10.2.0.1", device: "eth2" });
    expect(resolvePeerReturn("10.2.0.1", live(...routes.reverse()))).toEqual({ gateway: "10.2.0.1", device: "eth2" });
    expect(resolvePeerReturn("10.3.0.1", live(...routes))).toEqual({ gateway: "10.3.0.1", device: "eth0" });
    expect(resolvePeerReturn("11.0.0.1", live(...routes))).toEqual({ gateway: "11.0.0.1", device: "eth9" });
  });
  it("at the same length the lower metric wins; at the same metric the first", () => {
    expect(resolvePeerReturn("10.2.0.1", live(r("10.2.0.0/24", "eth1", { metric: 100 }), r("10.2.0.0/24", "eth2", { metric: 50 }))))
      .toEqual({ gateway: "10.2.0.1", device: "eth2" });
    expect(resolvePeerReturn("10.2.0.1", live(r("10.2.0.0/24", "eth2", { metric: 50 }), r("10.2.0.0/24", "eth1", { metric: 100 }))))
      .toEqual({ gateway: "10.2.0.1", device: "eth2" });
    expect(resolvePeerReturn("10.2.0.1", live(r("10.2.0.0/24", "eth1", { metric: 50 }), r("10.2.0.0/24", "eth2", { metric: 50 }))))
      .toEqual({ gateway: "10.2.0.1", device: "eth1" });
  });
  it("looks only at single-path unicast routes of main in the peer's family", () => {
    const best = r("10.2.0.0/16", "eth1");
    const ignored = [
      r("10.2.0.0/24", "eth2", { table: 100 }),
      makeRoute({ dst: "10.2.0.0/24", type: "blackhole" }),
      makeRoute({ dst: "10.2.0.0/24", protocol: 2, nexthops: [{ gateway: "10.9.0.1", dev: "eth2" }, { gateway: "10.9.0.2", dev: "eth3" }] }),
      r("10.2.0.1/32", "eth4", { type: "local", table: 254 }),
    ];
    for (const x of ignored) expect(resolvePeerReturn("10.2.0.1", live(best, x)), JSON.stringify(x)).toEqual({ gateway: "10.2.0.1", device: "eth1" });
    expect(resolvePeerReturn("fd00:2::1", live(best, r("::/0", "eth6")))).toEqual({ gateway: "fd00:2::1", device: "eth6" });
  });
  it("no route, or a best route without a device: unresolved", () => {
    expect(resolvePeerReturn("10.2.0.1", live())).toBeUndefined();
    expect(resolvePeerReturn("10.2.0.1", live(makeRoute({ dst: "10.2.0.0/16", protocol: 2, nexthops: [{ gateway: "10.9.0.1" }] })))).toBeUndefined();
  });
  it("canonicalizes the neighbor address", () => {
    expect(resolvePeerReturn("FD00:2:0::1", live(r("fd00:2::/64", "eth6")))).toEqual({ gateway: "fd00:2::1", device: "eth6" });
  });
});

describe("sysctl patterns", () => {
  it("a pattern matches the whole name; regex characters are literal", () => {
    expect(matchInterfacePattern("eth0", "eth0")).toBe(true);
    expect(matchInterfacePattern("eth0", "eth01")).toBe(false);
    expect(matchInterfacePattern("eth0", "veth0")).toBe(false);
    expect(matchInterfacePattern("lxc?", "lxc12")).toBe(false);
    expect(matchInterfacePattern("br+", "br+")).toBe(true);
    expect(matchInterfacePattern("br+", "brr")).toBe(false);
    expect(matchInterfacePattern("a(b)", "a(b)")).toBe(true);
    expect(matchInterfacePattern("*", "eth0")).toBe(true);
    expect(matchInterfacePattern("default", "default")).toBe(true);
    expect(matchInterfacePattern("all", "all")).toBe(true);
    expect(matchInterfacePattern("*", "default")).toBe(false);
    expect(matchInterfacePattern("all", "default")).toBe(false);
  });
  it("precedence: exact name, then more literal characters, then the alphabetically first", () => {
    expect(pickPatternValue({ "cali1*": 5, "cali*": 3 }, "cali12")).toBe(5);
    expect(pickPatternValue({ "cali*": 3, "cali1*": 5 }, "cali12")).toBe(5);
    expect(pickPatternValue({ "cali1*": 5, "cal?12": 7 }, "cali12")).toBe(7); // same specificity: "cal?12" sorts first
    expect(pickPatternValue({ "cali1?": 7, "cal*": 5 }, "cali12")).toBe(7);
    expect(pickPatternValue({ "*li12": 4, "cal*": 6 }, "cali12")).toBe(4);
    expect(pickPatternValue({ "b*": 1, "a*": 2 }, "ab")).toBe(2);
    expect(pickPatternValue({ "a*": 2, "*b": 1 }, "ab")).toBe(1); // "*b" < "a*"
    expect(pickPatternValue({ "*b": 1, "a*": 2 }, "ab")).toBe(1);
    expect(pickPatternValue({ "cali*": 3 }, "eth0")).toBeUndefined();
    expect(pickPatternValue({ "*": 0 }, "eth0")).toBe(0);
  });
});

describe("buildSysctlDesired", () => {
  const live = (name: SysctlValue["name"], values: Record<string, number>): SysctlValue[] =>
    Object.entries(values).map(([iface, value]) => ({ iface, name, value }));

  it("all, default, then each interface once in name order", () => {
    const r = buildSysctlDesired({ rpFilter: { "*": 0, all: 0, default: 0 } }, ["eth1", "all", "eth0", "eth1", "default"],
      live("rp_filter", { all: 0, default: 0, eth0: 0, eth1: 0 }));
    expect(r.sysctls.map((s) => s.iface)).toEqual(["all", "default", "eth0", "eth1"]);
  });
  it("rp_filter: conf.all from the desired value first, then the live one, then 0", () => {
    // desired all=2 overrides live all=0: a desired 1 on eth0 is made ineffective
    const a = buildSysctlDesired({ rpFilter: { all: 2, eth0: 1 } }, ["eth0"], live("rp_filter", { all: 0, eth0: 1 }));
    expect(a.problems.map((p) => [p.iface, p.desired, p.effective])).toEqual([["eth0", 1, 2]]);
    expect(a.problems[0]!.reason).toBe("net.ipv4.conf.all.rp_filter=2 makes eth0=1 ineffective (the kernel uses max(all, iface)); set sysctls.rpFilter.all to 1 (or lower conf.all) if that is intended");
    // desired all=0 overrides live all=2: no problem
    expect(buildSysctlDesired({ rpFilter: { all: 0, eth0: 1 } }, ["eth0"], live("rp_filter", { all: 2, eth0: 1 })).problems).toEqual([]);
    // no live all: taken as 0
    expect(buildSysctlDesired({ rpFilter: { eth0: 1 } }, ["eth0"], live("rp_filter", { eth0: 0 })).problems).toEqual([]);
    // a desired value equal to all is effective
    expect(buildSysctlDesired({ rpFilter: { eth0: 2 } }, ["eth0"], live("rp_filter", { all: 2, eth0: 0 })).problems).toEqual([]);
  });
  it("send_redirects: all=0 lets an interface choose; a desired 1 is effective whatever all is", () => {
    const on = buildSysctlDesired({ sendRedirects: { eth0: 1 } }, ["eth0"], live("send_redirects", { all: 1, eth0: 0 }));
    expect(on.sysctls).toEqual([{ iface: "eth0", name: "send_redirects", value: 1 }]);
    expect(on.problems).toEqual([]);
    expect(buildSysctlDesired({ sendRedirects: { eth0: 0 } }, ["eth0"], live("send_redirects", { all: 0, eth0: 1 })).problems).toEqual([]);
    const off = buildSysctlDesired({ sendRedirects: { eth0: 0 } }, ["eth0"], live("send_redirects", { all: 1, eth0: 1 }));
    expect(off.problems).toEqual([{ iface: "eth0", name: "send_redirects", desired: 0, effective: 1,
      reason: "net.ipv4.conf.all.send_redirects=1 makes eth0=0 ineffective (the kernel uses all OR iface); set sysctls.sendRedirects.all to 0 (or lower conf.all) if that is intended" }]);
  });
  it("each section reads its own live values and yields its own name", () => {
    const both = [...live("rp_filter", { all: 0, eth0: 1 }), ...live("send_redirects", { all: 0, eth1: 1 })];
    const r = buildSysctlDesired({ rpFilter: { "*": 0 }, sendRedirects: { "*": 0 } }, ["eth0", "eth1"], both);
    expect(r.sysctls).toEqual([
      { iface: "eth0", name: "rp_filter", value: 0 },
      { iface: "eth1", name: "send_redirects", value: 0 },
    ]);
  });
  it("all and default are set but never reported as ineffective themselves", () => {
    const r = buildSysctlDesired({ rpFilter: { all: 0, default: 0 } }, [], live("rp_filter", { all: 2, default: 2 }));
    expect(r.sysctls).toEqual([{ iface: "all", name: "rp_filter", value: 0 }, { iface: "default", name: "rp_filter", value: 0 }]);
    expect(r.problems).toEqual([]);
  });
});

describe("protected routes from BIRD's exports", () => {
  const v4: KernelSyncTarget = { protocol: "kernel1", family: 4, table: 254, metric: 32 };
  const nh = (gateway: string | undefined, device: string | undefined, extra: Partial<BirdNextHop> = {}): BirdNextHop => {
    const out: BirdNextHop = { weight: 1, onlink: false, ...extra };
    if (gateway !== undefined) out.gateway = gateway;
    if (device !== undefined) out.device = device;
    return out;
  };
  const br = (network: string, dest: BirdRoute["dest"], nexthops: BirdNextHop[], extra: Partial<BirdRoute> = {}): BirdRoute => ({
    table: "master4", network, family: network.includes(":") ? 6 : 4, dest, nexthops, protocol: "bgp1", since: "00:00:00",
    primary: true, syncError: false, preference: 100, ...extra,
  });

  it("the default metric BIRD installs with, per major version and family", () => {
    expect([defaultBirdKernelMetric(2, 4), defaultBirdKernelMetric(2, 6), defaultBirdKernelMetric(3, 6)]).toEqual([32, 32, 32]);
    expect([defaultBirdKernelMetric(1, 4), defaultBirdKernelMetric(1, 6)]).toEqual([0, 1024]);
  });
  it("a unicast export becomes a proto bird route in the target table, metric and scope", () => {
    const { routes, skipped } = buildProtectedRoutes([
      br("10.1.0.0/16", "unicast", [nh("10.2.0.1", "eth1", { weight: 3 })]),
      br("10.3.0.0/16", "unicast", [nh(undefined, "eth2")]),
    ], { ...v4, table: 100, metric: 7 });
    expect(skipped).toEqual([]);
    expect(routes).toEqual([
      { family: 4, table: 100, dst: "10.1.0.0/16", type: "unicast", protocol: 12, metric: 7, tos: 0, scope: 0, nexthops: [{ gateway: "10.2.0.1", dev: "eth1", weight: 1, onlink: false }] },
      { family: 4, table: 100, dst: "10.3.0.0/16", type: "unicast", protocol: 12, metric: 7, tos: 0, scope: 253, nexthops: [{ dev: "eth2", weight: 1, onlink: false }] },
    ]);
  });
  it("IPv6 routes have scope 0; the other family is ignored", () => {
    const { routes } = buildProtectedRoutes([br("fd00:1::/48", "unicast", [nh(undefined, "eth2")]), br("10.1.0.0/16", "unicast", [nh(undefined, "eth2")])],
      { protocol: "kernel2", family: 6, table: 254, metric: 1024 });
    expect(routes.map((r) => [r.dst, r.scope, r.family])).toEqual([["fd00:1::/48", 0, 6]]);
  });
  it("blackhole, unreachable and prohibited have no nexthops; recursive and unknown are skipped with the reason", () => {
    const { routes, skipped } = buildProtectedRoutes([
      br("10.1.0.0/16", "blackhole", [nh(undefined, "lo")]),
      br("10.2.0.0/16", "unreachable", []),
      br("10.3.0.0/16", "prohibited", []),
      br("10.4.0.0/16", "recursive", []),
      br("10.5.0.0/16", "unknown", []),
    ], v4);
    expect(routes.map((r) => [r.dst, r.type, r.nexthops.length, r.scope])).toEqual([
      ["10.1.0.0/16", "blackhole", 0, 0], ["10.2.0.0/16", "unreachable", 0, 0], ["10.3.0.0/16", "prohibit", 0, 0]]);
    expect(skipped).toEqual([
      { network: "10.4.0.0/16", reason: "destination recursive has no kernel equivalent" },
      { network: "10.5.0.0/16", reason: "destination unknown has no kernel equivalent" },
    ]);
  });
  it("MPLS and unicast routes without a usable nexthop are skipped with the reason", () => {
    const { routes, skipped } = buildProtectedRoutes([
      br("10.1.0.0/16", "unicast", [nh("10.2.0.1", "eth1")], { mplsLabel: 100 }),
      br("10.2.0.0/16", "unicast", [nh("10.2.0.1", "eth1", { mpls: [16] })]),
      br("10.3.0.0/16", "unicast", []),
      br("10.4.0.0/16", "unicast", [nh("10.2.0.1", "eth1"), nh(undefined, undefined)]),
    ], v4);
    expect(routes).toEqual([]);
    expect(skipped).toEqual([
      { network: "10.1.0.0/16", reason: "MPLS routes are not modeled" },
      { network: "10.2.0.0/16", reason: "MPLS routes are not modeled" },
      { network: "10.3.0.0/16", reason: "unicast route without a usable nexthop" },
      { network: "10.4.0.0/16", reason: "unicast route without a usable nexthop" },
    ]);
  });
  it("records of one network merge into one multipath route: sorted, no duplicates, weights kept", () => {
    const b = new ProtectedRouteBuilder(v4);
    b.add(br("10.1.0.0/16", "unicast", [nh("10.2.0.9", "eth2", { weight: 2 })]));
    b.add(br("10.1.0.0/16", "unicast", [nh("10.2.0.1", "eth1", { weight: 3 }), nh("10.2.0.9", "eth2", { weight: 2 })], { primary: false }));
    expect(b.routes()).toHaveLength(1);
    expect(b.routes()[0]!.nexthops).toEqual([
      { gateway: "10.2.0.1", dev: "eth1", weight: 3, onlink: false },
      // the first record's single path was normalized to weight 1 when it stood alone
      { gateway: "10.2.0.9", dev: "eth2", weight: 1, onlink: false },
    ]);
  });
  it("a merge that adds nothing leaves a single path at weight 1", () => {
    const b = new ProtectedRouteBuilder(v4);
    b.add(br("10.1.0.0/16", "unicast", [nh("10.2.0.9", "eth2", { weight: 4 })]));
    b.add(br("10.1.0.0/16", "unicast", [nh("10.2.0.9", "eth2", { weight: 4 })]));
    expect(b.routes()[0]!.nexthops).toEqual([{ gateway: "10.2.0.9", dev: "eth2", weight: 1, onlink: false }]);
  });
  it("a multipath export keeps its weights, sorted by gateway", () => {
    const { routes } = buildProtectedRoutes([br("10.1.0.0/16", "unicast", [nh("10.2.0.9", "eth2", { weight: 2 }), nh("10.2.0.1", "eth1", { weight: 3, onlink: true })])], v4);
    expect(routes[0]!.nexthops).toEqual([
      { gateway: "10.2.0.1", dev: "eth1", weight: 3, onlink: true }, { gateway: "10.2.0.9", dev: "eth2", weight: 2, onlink: false }]);
  });
  it("a blackhole and a unicast record of one network do not merge: the first stays", () => {
    const b = new ProtectedRouteBuilder(v4);
    b.add(br("10.1.0.0/16", "blackhole", []));
    b.add(br("10.1.0.0/16", "unicast", [nh("10.2.0.1", "eth1")]));
    expect(b.routes().map((r) => [r.type, r.nexthops.length])).toEqual([["blackhole", 0]]);
    const c = new ProtectedRouteBuilder(v4);
    c.add(br("10.1.0.0/16", "unicast", [nh("10.2.0.1", "eth1")]));
    c.add(br("10.1.0.0/16", "blackhole", []));
    expect(c.routes().map((r) => [r.type, r.nexthops.length])).toEqual([["unicast", 1]]);
  });
});
