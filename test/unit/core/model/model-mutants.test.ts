// The kernel model at its edges: names and numbers as iproute2 prints them, the defaults the
// builders fill in, every invariant a route, rule or address must hold, and equality field by
// field. Written against the survivors of mutation testing (docs/reliability.md).
import { describe, expect, it } from "vitest";
import { FibwardenError } from "../../../../src/core/errors.js";
import { addressesEqual } from "../../../../src/core/model/address.js";
import {
  protocolName, protocolNumber, scopeName, scopeNumber, tableName, tableNumber,
} from "../../../../src/core/model/names.js";
import { defaultRouteScope, IPV6_DEFAULT_METRIC, makeAddress, makeRoute, makeRule, validateRoute } from "../../../../src/core/model/normalize.js";
import { compareNexthops, isNexthopLessType, nexthopsEqual, routesEqual, type Route } from "../../../../src/core/model/route.js";
import { ruleSelectorsEqual, rulesEqual } from "../../../../src/core/model/rule.js";
import { effectiveAcceptRedirects, effectiveRpFilter, effectiveSendRedirects } from "../../../../src/core/model/sysctl.js";
import {
  effectiveSysctl, isSysctlName, parseSysctlText, SYSCTL_NAMES, sysctlRange, withEffectiveValues,
} from "../../../../src/core/model/sysctl-effective.js";
import { thrown } from "../../../support/thrown.js";

describe("names and numbers", () => {
  it("protocols: names, decimal and hex numbers, limits", () => {
    expect([protocolNumber("bird"), protocolNumber("201"), protocolNumber(12), protocolNumber("0xc9")]).toEqual([12, 201, 12, 201]);
    expect([protocolNumber("255"), protocolNumber("256"), protocolNumber(256), protocolNumber(-1), protocolNumber(1.5)]).toEqual([255, undefined, undefined, undefined, undefined]);
    expect([protocolNumber(0), protocolNumber(255), protocolNumber("0x100"), protocolNumber("0XFF"), protocolNumber("0xFF")]).toEqual([0, 255, undefined, undefined, 255]);
    expect([protocolNumber("nope"), protocolNumber("toString"), protocolNumber(""), protocolNumber("1 2"), protocolNumber("bird ")]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect([protocolName(12), protocolName(201), protocolName(2), protocolName(3), protocolName(4)]).toEqual(["bird", "201", "kernel", "boot", "static"]);
  });
  it("tables and scopes", () => {
    expect([tableNumber("main"), tableNumber("local"), tableNumber("default"), tableNumber("4294967295"), tableNumber("4294967296")]).toEqual([254, 255, 253, 0xffffffff, undefined]);
    expect([tableName(254), tableName(255), tableName(253), tableName(1000)]).toEqual(["main", "local", "default", "1000"]);
    expect([scopeNumber("link"), scopeNumber("host"), scopeNumber("universe"), scopeNumber("global"), scopeNumber("nowhere"), scopeNumber("256")]).toEqual([253, 254, 0, 0, 255, undefined]);
    expect([scopeName(0), scopeName(253), scopeName(254), scopeName(7)]).toEqual(["global", "link", "host", "7"]);
  });
});

describe("makeRoute: defaults and invariants", () => {
  it("fills in main, unicast, boot, metric 0 (IPv6: 1024), tos 0 and the kernel's scope", () => {
    expect(makeRoute({ dst: "10.0.0.0/8", nexthops: [{ dev: "eth0" }] })).toEqual({
      family: 4, table: 254, dst: "10.0.0.0/8", type: "unicast", protocol: 3, metric: 0, tos: 0, scope: 253, nexthops: [{ dev: "eth0", weight: 1, onlink: false }] });
    expect(makeRoute({ dst: "fd00::/8", nexthops: [{ gateway: "fd00::1", dev: "eth0" }], tos: 4, scope: 253 })).toEqual({
      family: 6, table: 254, dst: "fd00::/8", type: "unicast", protocol: 3, metric: IPV6_DEFAULT_METRIC, tos: 0, scope: 0, nexthops: [{ gateway: "fd00::1", dev: "eth0", weight: 1, onlink: false }] });
    expect(IPV6_DEFAULT_METRIC).toBe(1024);
    expect(makeRoute({ dst: "fd00::/8", metric: 5, nexthops: [{ dev: "eth0" }] }).metric).toBe(5);
    expect(makeRoute({ dst: "10.0.0.0/8", tos: 4, scope: 200, metric: 9, nexthops: [{ dev: "eth0" }] })).toMatchObject({ tos: 4, scope: 200, metric: 9 });
  });
  it("scopes: host for local and nat, link for broadcast-likes and device routes, else global", () => {
    expect(["local", "nat"].map((t) => defaultRouteScope(t as Route["type"], false))).toEqual([254, 254]);
    expect(["broadcast", "multicast", "anycast"].map((t) => defaultRouteScope(t as Route["type"], true))).toEqual([253, 253, 253]);
    expect([defaultRouteScope("unicast", false), defaultRouteScope("unicast", true), defaultRouteScope("blackhole", false)]).toEqual([253, 0, 0]);
  });
  it("default needs a family; gateways and prefsrc are canonical; nexthops sorted", () => {
    expect(thrown(() => makeRoute({ dst: "default", nexthops: [{ dev: "eth0" }] }))).toEqual(["FW_INVALID_MODEL", "`default` needs an explicit family"]);
    const r = makeRoute({ dst: "fd00::/8", prefsrc: "FD00::0:5", nexthops: [{ gateway: "FD00::9", dev: "b" }, { gateway: "fd00::1", dev: "a" }] });
    expect(r.prefsrc).toBe("fd00::5");
    expect(r.nexthops.map((n) => n.gateway)).toEqual(["fd00::1", "fd00::9"]);
    expect(() => makeRoute({ dst: "10.0.0.0/8", prefsrc: "fd00::5", nexthops: [{ dev: "eth0" }] })).toThrow(FibwardenError);
  });
  it("blackhole-likes drop their nexthops; weights must be 1..256", () => {
    expect(makeRoute({ dst: "fd00::/8", type: "blackhole", nexthops: [{ dev: "lo" }] }).nexthops).toEqual([]);
    expect(makeRoute({ dst: "10.0.0.0/8", nexthops: [{ dev: "a", weight: 256 }, { dev: "b", weight: 1, onlink: true }] }).nexthops)
      .toEqual([{ dev: "a", weight: 256, onlink: false }, { dev: "b", weight: 1, onlink: true }]);
    for (const weight of [0, 257, 1.5]) {
      expect(thrown(() => makeRoute({ dst: "10.0.0.0/8", nexthops: [{ dev: "a", weight }] }))).toEqual(["FW_INVALID_MODEL", "nexthop weight out of 1..256 for 10.0.0.0/8"]);
    }
  });
  it("validateRoute refuses each bad field, naming it", () => {
    const ok = makeRoute({ dst: "10.0.0.0/8", table: 100, nexthops: [{ dev: "eth0" }] });
    const why = (patch: Partial<Route>) => thrown(() => validateRoute({ ...ok, ...patch }))?.[1];
    expect(why({})).toBeUndefined();
    expect(why({ table: 0 })).toBe("invalid route 10.0.0.0/8 table 0: table");
    expect(why({ table: -1 })).toMatch(/: table$/);
    expect(why({ table: 0x100000000 })).toMatch(/: table$/);
    expect(why({ table: 1.5 })).toMatch(/: table$/);
    expect(why({ table: 0xffffffff })).toBeUndefined();
    expect(why({ protocol: 256 })).toMatch(/: protocol$/);
    expect(why({ protocol: -1 })).toMatch(/: protocol$/);
    expect(why({ protocol: 0.5 })).toMatch(/: protocol$/);
    expect(why({ protocol: 255 })).toBeUndefined();
    expect(why({ metric: -1 })).toMatch(/: metric$/);
    expect(why({ metric: 0x100000000 })).toMatch(/: metric$/);
    expect(why({ metric: 0.5 })).toMatch(/: metric$/);
    expect(why({ metric: 0xffffffff })).toBeUndefined();
    expect(why({ tos: 256 })).toMatch(/: tos$/);
    expect(why({ tos: -1 })).toMatch(/: tos$/);
    expect(why({ tos: 0.5 })).toMatch(/: tos$/);
    expect(why({ tos: 255 })).toBeUndefined();
    expect(why({ scope: 256 })).toMatch(/: scope$/);
    expect(why({ scope: -1 })).toMatch(/: scope$/);
    expect(why({ scope: 0.5 })).toMatch(/: scope$/);
    expect(why({ scope: 255 })).toBeUndefined();
    expect(why({ type: "blackhole" })).toBe("invalid route 10.0.0.0/8 table 100: blackhole route with nexthops");
    expect(why({ nexthops: [] })).toMatch(/: unicast route without nexthop$/);
    expect(why({ type: "local", nexthops: [] })).toBeUndefined();
    expect(why({ nexthops: [{ weight: 1, onlink: false }] })).toMatch(/: nexthop without gateway or device$/);
    expect(why({ family: 6, nexthops: [{ gateway: "10.0.0.1", weight: 1, onlink: false }] })).toMatch(/: gateway family$/);
    expect(why({ nexthops: [{ gateway: "fe80::1", dev: "eth0", weight: 1, onlink: false }] })).toBeUndefined(); // RFC 5549
  });
  it("nexthop-less types", () => {
    expect(["blackhole", "unreachable", "prohibit", "throw"].every((t) => isNexthopLessType(t as Route["type"]))).toBe(true);
    expect(["unicast", "local", "broadcast", "nat"].some((t) => isNexthopLessType(t as Route["type"]))).toBe(false);
  });
});

describe("makeRule and makeAddress", () => {
  it("a rule takes its family from its selectors, lookup when it has a table", () => {
    expect(makeRule({ priority: 5, to: "fd00::/8", table: 100 })).toEqual({ family: 6, priority: 5, to: "fd00::/8", tos: 0, action: "lookup", protocol: 0, table: 100 });
    expect(makeRule({ priority: 5, from: "10.0.0.1", iif: "a", oif: "b", fwmark: { value: 1, mask: 2 }, tos: 8, table: 7, protocol: 201 }))
      .toEqual({ family: 4, priority: 5, from: "10.0.0.1/32", iif: "a", oif: "b", fwmark: { value: 1, mask: 2 }, tos: 8, action: "lookup", table: 7, protocol: 201 });
    expect(makeRule({ priority: 5, action: "goto", gotoPriority: 9 })).toEqual({ family: 4, priority: 5, tos: 0, action: "goto", gotoPriority: 9, protocol: 0 });
    expect(makeRule({ priority: 5, family: 6, action: "blackhole" }).family).toBe(6);
  });
  it("a rule refuses a bad priority and a lookup without a table", () => {
    expect(thrown(() => makeRule({ priority: -1, table: 1 }))).toEqual(["FW_INVALID_MODEL", "rule priority out of range: -1"]);
    expect(thrown(() => makeRule({ priority: 0x100000000, table: 1 }))?.[0]).toBe("FW_INVALID_MODEL");
    expect(thrown(() => makeRule({ priority: 1.5, table: 1 }))?.[0]).toBe("FW_INVALID_MODEL");
    expect(makeRule({ priority: 0xffffffff, table: 1 }).priority).toBe(0xffffffff);
    expect(makeRule({ priority: 0, table: 1 }).priority).toBe(0);
    expect(thrown(() => makeRule({ priority: 7 }))).toEqual(["FW_INVALID_MODEL", "lookup rule at 7 without a table"]);
  });
  it("an address is canonical, IPv4 only keeps a label, the length fits the family", () => {
    expect(makeAddress({ dev: "lo", address: "FD00::1", prefixlen: 128, label: "lo:fw" })).toEqual({ family: 6, dev: "lo", address: "fd00::1", prefixlen: 128, scope: 0 });
    expect(makeAddress({ dev: "lo", address: "10.0.0.1", prefixlen: 0, scope: 254 })).toEqual({ family: 4, dev: "lo", address: "10.0.0.1", prefixlen: 0, scope: 254 });
    expect(thrown(() => makeAddress({ dev: "lo", address: "10.0.0.1", prefixlen: 33 }))).toEqual(["FW_INVALID_MODEL", "prefix length out of range for 10.0.0.1"]);
    expect(thrown(() => makeAddress({ dev: "lo", address: "10.0.0.1", prefixlen: -1 }))?.[0]).toBe("FW_INVALID_MODEL");
    expect(thrown(() => makeAddress({ dev: "lo", address: "10.0.0.1", prefixlen: 1.5 }))?.[0]).toBe("FW_INVALID_MODEL");
    expect(thrown(() => makeAddress({ dev: "lo", address: "fd00::1", prefixlen: 129 }))?.[0]).toBe("FW_INVALID_MODEL");
    expect(makeAddress({ dev: "lo", address: "fd00::1", prefixlen: 33 }).prefixlen).toBe(33);
  });
});

describe("equality, field by field", () => {
  const base = makeRoute({ dst: "10.0.0.0/8", prefsrc: "10.0.0.1", nexthops: [{ gateway: "10.1.0.1", dev: "eth0" }] });
  it("routes differ in any kept field", () => {
    expect(routesEqual(base, { ...base })).toBe(true);
    const patches: Array<Partial<Route>> = [{ family: 6 }, { table: 1 }, { dst: "11.0.0.0/8" }, { type: "local" }, { protocol: 4 }, { metric: 1 },
      { tos: 4 }, { scope: 253 }, { prefsrc: "10.0.0.2" }, { prefsrc: undefined }, { nexthops: [] }];
    for (const p of patches) expect(routesEqual(base, { ...base, ...p }), JSON.stringify(p)).toBe(false);
  });
  it("nexthops differ in gateway, device, weight, onlink or count", () => {
    const nh = base.nexthops;
    expect(nexthopsEqual(nh, [{ ...nh[0]! }])).toBe(true);
    for (const p of [{ gateway: "10.1.0.2" }, { dev: "eth1" }, { weight: 2 }, { onlink: true }]) {
      expect(nexthopsEqual(nh, [{ ...nh[0]!, ...p }]), JSON.stringify(p)).toBe(false);
    }
    expect(nexthopsEqual(nh, [...nh, ...nh])).toBe(false);
  });
  it("nexthops order by gateway, then device; no gateway first", () => {
    expect(compareNexthops({ gateway: "a", weight: 1, onlink: false }, { gateway: "b", weight: 1, onlink: false })).toBe(-1);
    expect(compareNexthops({ gateway: "b", weight: 1, onlink: false }, { gateway: "a", weight: 1, onlink: false })).toBe(1);
    expect(compareNexthops({ dev: "x", weight: 1, onlink: false }, { gateway: "a", weight: 1, onlink: false })).toBe(-1);
    expect(compareNexthops({ gateway: "a", dev: "y", weight: 1, onlink: false }, { gateway: "a", dev: "x", weight: 1, onlink: false })).toBe(1);
    expect(compareNexthops({ gateway: "a", weight: 1, onlink: false }, { gateway: "a", dev: "x", weight: 1, onlink: false })).toBe(-1);
    expect(compareNexthops({ gateway: "a", dev: "x", weight: 2, onlink: false }, { gateway: "a", dev: "x", weight: 1, onlink: true })).toBe(0);
  });
  it("rules differ in any selector, the action, or (rulesEqual only) the protocol", () => {
    const r = makeRule({ priority: 5, from: "10.0.0.1", to: "10.2.0.0/16", iif: "a", oif: "b", fwmark: { value: 1, mask: 2 }, tos: 8, table: 7, protocol: 201 });
    expect(ruleSelectorsEqual(r, { ...r, protocol: 4 })).toBe(true);
    expect(rulesEqual(r, { ...r, protocol: 4 })).toBe(false);
    expect(rulesEqual(r, { ...r })).toBe(true);
    const patches = [{ family: 6 }, { priority: 6 }, { from: undefined }, { to: undefined }, { iif: "x" }, { oif: "x" }, { tos: 0 }, { action: "goto" },
      { table: 8 }, { gotoPriority: 3 }, { extra: "{}" }, { fwmark: { value: 1, mask: 3 } }, { fwmark: { value: 2, mask: 2 } }, { fwmark: undefined }] as const;
    for (const p of patches) expect(ruleSelectorsEqual(r, { ...r, ...p } as typeof r), JSON.stringify(p)).toBe(false);
  });
  it("addresses differ in any managed field; no label equals an empty one", () => {
    const a = makeAddress({ dev: "lo", address: "10.0.0.1", prefixlen: 32, label: "lo:fw" });
    expect(addressesEqual(a, { ...a })).toBe(true);
    for (const p of [{ family: 6 as const }, { dev: "eth0" }, { address: "10.0.0.2" }, { prefixlen: 31 }, { label: "lo:x" }, { scope: 254 }]) {
      expect(addressesEqual(a, { ...a, ...p }), JSON.stringify(p)).toBe(false);
    }
    const { label: _label, ...bare } = a;
    expect(addressesEqual(bare, { ...bare, label: "" })).toBe(true);
  });
});

describe("sysctls", () => {
  it("the effective value: max for rp_filter, OR for send_redirects, AND for accept_redirects", () => {
    expect([effectiveRpFilter(0, 2), effectiveRpFilter(2, 1), effectiveRpFilter(1, 1)]).toEqual([2, 2, 1]);
    expect([effectiveSendRedirects(0, 0), effectiveSendRedirects(1, 0), effectiveSendRedirects(0, 1), effectiveSendRedirects(1, 1)]).toEqual([0, 1, 1, 1]);
    expect([effectiveAcceptRedirects(0, 0), effectiveAcceptRedirects(1, 0), effectiveAcceptRedirects(0, 1), effectiveAcceptRedirects(1, 1)]).toEqual([0, 0, 0, 1]);
    expect(effectiveSysctl("rp_filter", 2, 0, "eth0")).toBe(2);
    expect(effectiveSysctl("send_redirects", 1, 0, "eth0")).toBe(1);
    expect(effectiveSysctl("accept_redirects", 0, 1, "eth0")).toBe(0);
    expect(effectiveSysctl("rp_filter", 2, 0, "all")).toBe(0);
    expect(effectiveSysctl("send_redirects", 1, 0, "default")).toBe(0);
  });
  it("names, ranges and /proc text", () => {
    expect(SYSCTL_NAMES).toEqual(["rp_filter", "send_redirects", "accept_redirects"]);
    expect([isSysctlName("rp_filter"), isSysctlName("forwarding"), isSysctlName("toString")]).toEqual([true, false, false]);
    expect([sysctlRange("rp_filter"), sysctlRange("send_redirects"), sysctlRange("accept_redirects")]).toEqual([{ min: 0, max: 2 }, { min: 0, max: 1 }, { min: 0, max: 1 }]);
    expect([parseSysctlText("1\n", "x"), parseSysctlText(" -1 ", "x"), parseSysctlText("2147483647", "x")]).toEqual([1, -1, 2147483647]);
    expect(thrown(() => parseSysctlText("1 2", "conf.eth0.rp_filter"))).toEqual(["FW_SYSCTL", 'conf.eth0.rp_filter: not an integer: "1 2"']);
    expect(thrown(() => parseSysctlText("12345678901", "x"))?.[0]).toBe("FW_SYSCTL");
    expect(thrown(() => parseSysctlText("", "x"))?.[0]).toBe("FW_SYSCTL");
  });
  it("withEffectiveValues reads conf.all of the same name; without it the value stands", () => {
    const out = withEffectiveValues([
      { iface: "eth0", name: "rp_filter", value: 0 }, { iface: "all", name: "rp_filter", value: 2 },
      { iface: "eth0", name: "send_redirects", value: 0 },
    ]);
    expect(out.map((v) => v.effective)).toEqual([2, 2, 0]);
  });
});
