import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressKey, routeKey, ruleKey } from "../../../../src/core/model/keys.js";
import { makeAddress, makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import { routesEqual } from "../../../../src/core/model/route.js";

describe("routeKey: the kernel's identity of a route", () => {
  const base = { dst: "10.0.0.0/24", table: 254, metric: 32, nexthops: [{ gateway: "10.1.1.1", dev: "eth0" }] };
  it("ignores protocol, type and nexthops (a replace of a foreign key overwrites it)", () => {
    const bird = makeRoute({ ...base, protocol: 12 });
    const staticBlackhole = makeRoute({ ...base, protocol: 4, type: "blackhole" });
    expect(routeKey(bird)).toBe(routeKey(staticBlackhole));
  });
  it("separates tables, metrics and IPv4 TOS", () => {
    const a = makeRoute(base);
    expect(routeKey(makeRoute({ ...base, table: 100 }))).not.toBe(routeKey(a));
    expect(routeKey(makeRoute({ ...base, metric: 33 }))).not.toBe(routeKey(a));
    expect(routeKey(makeRoute({ ...base, tos: 16 }))).not.toBe(routeKey(a));
  });
  it("IPv6 keys by table, destination and metric; metric 0 is the kernel's 1024", () => {
    const v6 = makeRoute({ dst: "fd00::/64", nexthops: [{ dev: "eth0" }] });
    expect(v6.metric).toBe(1024);
    expect(routeKey(v6)).toBe(routeKey(makeRoute({ dst: "fd00::/64", metric: 1024, nexthops: [{ dev: "eth1" }] })));
  });
  it("a host route written with /32 and read back without it is the same route", () => {
    expect(routeKey(makeRoute({ dst: "10.0.0.1", nexthops: [{ dev: "lo" }] })))
      .toBe(routeKey(makeRoute({ dst: "10.0.0.1/32", nexthops: [{ dev: "lo" }] })));
  });
  it("nexthop order does not make two routes different", () => {
    const a = makeRoute({ dst: "10.2.0.0/16", nexthops: [{ gateway: "10.1.1.1", dev: "a" }, { gateway: "10.1.2.1", dev: "b" }] });
    const b = makeRoute({ dst: "10.2.0.0/16", nexthops: [{ gateway: "10.1.2.1", dev: "b" }, { gateway: "10.1.1.1", dev: "a" }] });
    expect(routesEqual(a, b)).toBe(true);
  });
  it("is the text family|table|dst|tos|metric (IPv6: no TOS) for any values, many tables and metrics in a row included (property)", () => {
    const n = fc.oneof(fc.nat(300), fc.constantFrom(0xffff_ffff, 0x1_0000_0000, 2 ** 40, -1, 1.5, Number.NaN));
    const plain = (r: { family: 4 | 6; table: number; dst: string; tos: number; metric: number }): string =>
      r.family === 4 ? ["4", r.table, r.dst, r.tos, r.metric].join("|") : ["6", r.table, r.dst, r.metric].join("|");
    fc.assert(fc.property(fc.array(fc.record({ family: fc.constantFrom(4 as const, 6 as const, 5 as never), table: n, dst: fc.constantFrom("10.0.0.0/24", "fd00::/64"), tos: n, metric: n }), { minLength: 1, maxLength: 400 }), (routes) => {
      for (const r of routes) expect(routeKey(r)).toBe(plain(r));
    }), { numRuns: 60 });
  });
  it("validates routes", () => {
    expect(() => makeRoute({ dst: "10.0.0.0/24" })).toThrow(/without nexthop/);
    expect(() => makeRoute({ dst: "fd00::/64", nexthops: [{ gateway: "10.0.0.1" }] })).toThrow(/gateway family/);
    // RFC 5549: an IPv4 route via an IPv6 gateway is valid (FRR unnumbered BGP installs them)
    expect(makeRoute({ dst: "10.0.0.0/24", nexthops: [{ gateway: "fe80::1", dev: "eth0" }] }).nexthops[0]?.gateway).toBe("fe80::1");
    expect(() => makeRoute({ dst: "10.0.0.0/24", table: 0, nexthops: [{ dev: "x" }] })).toThrow(/table/);
    expect(makeRoute({ dst: "10.0.0.0/24", type: "blackhole", nexthops: [{ dev: "lo" }] }).nexthops).toEqual([]);
  });
});

describe("ruleKey and addressKey", () => {
  it("two rules at one priority with different selectors are different rules", () => {
    expect(ruleKey(makeRule({ priority: 1000, from: "10.0.0.1", table: 1000 })))
      .not.toBe(ruleKey(makeRule({ priority: 1000, from: "10.0.0.2", table: 1000 })));
  });
  it("protocol is not part of a rule's identity", () => {
    expect(ruleKey(makeRule({ priority: 1000, from: "10.0.0.1", table: 1000, protocol: 201 })))
      .toBe(ruleKey(makeRule({ priority: 1000, from: "10.0.0.1", table: 1000, protocol: 4 })));
  });
  it("IPv4 addresses key by address and length, IPv6 by address only", () => {
    expect(addressKey(makeAddress({ dev: "lo", address: "10.0.0.1", prefixlen: 32 })))
      .not.toBe(addressKey(makeAddress({ dev: "lo", address: "10.0.0.1", prefixlen: 24 })));
    expect(addressKey(makeAddress({ dev: "lo", address: "fd00::1", prefixlen: 128 })))
      .toBe(addressKey(makeAddress({ dev: "lo", address: "fd00::1", prefixlen: 64 })));
  });
});
