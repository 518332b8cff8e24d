// Golden `ip -batch` lines for every op kind and both families, and the refusals.
import { describe, expect, it } from "vitest";
import { refusal } from "./refusal.js";
import { FibwardenError } from "../../../../src/core/errors.js";
import { makeAddress, makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import type { Route } from "../../../../src/core/model/route.js";
import type { PlanOp } from "../../../../src/core/plan/types.js";
import { renderIpBatches, renderIpBatchText, renderOpLines } from "../../../../src/core/render/ip-batch.js";

const opts = { ownProtocol: 201 };
const lines = (op: PlanOp): string[] => renderOpLines(op, opts);
const add = (route: Route): PlanOp => ({ kind: "route.add", route, reason: "test" });
const del = (route: Route): PlanOp => ({ kind: "route.delete", route, reason: "test" });

const v4 = makeRoute({ dst: "10.20.0.0/24", table: 1000, protocol: 201, nexthops: [{ gateway: "10.0.0.2", dev: "v0" }] });
const v4multi = makeRoute({
  dst: "10.21.0.0/24", table: 1000, protocol: 201, metric: 5,
  nexthops: [{ gateway: "10.0.1.2", dev: "v1.10", weight: 3 }, { gateway: "192.0.2.1", dev: "v0", weight: 2, onlink: true }],
});
const v6 = makeRoute({ dst: "fd00:20::/48", table: 1000, protocol: 201, nexthops: [{ gateway: "fd00::2", dev: "v0" }] });
const v6multi = makeRoute({ dst: "fd00:21::/48", table: 1000, protocol: 201, nexthops: [{ gateway: "fd00::2", dev: "v0", weight: 2 }, { gateway: "fd00::3", dev: "v0" }] });

describe("route lines", () => {
  it.each<[string, Route, string]>([
    ["IPv4 unicast via a gateway", v4,
      "route add unicast 10.20.0.0/24 tos 0x00 table 1000 proto 201 metric 0 scope 0 via 10.0.0.2 dev v0"],
    ["IPv4 multipath with weights and onlink", v4multi,
      "route add unicast 10.21.0.0/24 tos 0x00 table 1000 proto 201 metric 5 scope 0 nexthop via 10.0.1.2 dev v1.10 weight 3 nexthop via 192.0.2.1 dev v0 weight 2 onlink"],
    ["IPv4 device route with a source and TOS", makeRoute({ dst: "10.22.0.0/24", table: 1000, protocol: 201, tos: 0x10, prefsrc: "10.0.0.1", nexthops: [{ dev: "v0" }] }),
      "route add unicast 10.22.0.0/24 tos 0x10 table 1000 proto 201 metric 0 scope 253 src 10.0.0.1 dev v0"],
    ["IPv4 blackhole", makeRoute({ dst: "10.23.0.0/24", type: "blackhole", table: 1000, protocol: 201 }),
      "route add blackhole 10.23.0.0/24 tos 0x00 table 1000 proto 201 metric 0 scope 0"],
    ["IPv4 unreachable", makeRoute({ dst: "10.24.0.0/24", type: "unreachable", table: 1000, protocol: 201 }),
      "route add unreachable 10.24.0.0/24 tos 0x00 table 1000 proto 201 metric 0 scope 0"],
    ["IPv4 prohibit default", makeRoute({ dst: "default", family: 4, type: "prohibit", table: 1001, protocol: 201 }),
      "route add prohibit 0.0.0.0/0 tos 0x00 table 1001 proto 201 metric 0 scope 0"],
    ["IPv6 unicast", v6,
      "route add unicast fd00:20::/48 table 1000 proto 201 metric 1024 via fd00::2 dev v0"],
    ["IPv6 multipath: table before the nexthop list", v6multi,
      "route add unicast fd00:21::/48 table 1000 proto 201 metric 1024 nexthop via fd00::2 dev v0 weight 2 nexthop via fd00::3 dev v0 weight 1"],
    ["IPv6 blackhole", makeRoute({ dst: "fd00:22::/48", type: "blackhole", table: 1000, protocol: 201 }),
      "route add blackhole fd00:22::/48 table 1000 proto 201 metric 1024"],
  ])("adds %s", (_, route, line) => {
    expect(lines(add(route))).toEqual([line]);
  });

  it("deletes with proto <ours>, table, metric, tos and type (both families)", () => {
    expect(lines(del(v4multi))).toEqual(["route del unicast 10.21.0.0/24 tos 0x00 table 1000 proto 201 metric 5"]);
    expect(lines(del(makeRoute({ dst: "fd00:22::/48", type: "blackhole", table: 1000, protocol: 201 }))))
      .toEqual(["route del blackhole fd00:22::/48 table 1000 proto 201 metric 1024"]);
  });

  it("renders a replace as a proto-guarded del of the previous route, then an add", () => {
    const previous = makeRoute({ dst: "10.20.0.0/24", table: 1000, protocol: 201, nexthops: [{ gateway: "10.0.0.9", dev: "v0" }] });
    expect(lines({ kind: "route.replace", route: v4, previous, reason: "test" })).toEqual([
      "route del unicast 10.20.0.0/24 tos 0x00 table 1000 proto 201 metric 0",
      "route add unicast 10.20.0.0/24 tos 0x00 table 1000 proto 201 metric 0 scope 0 via 10.0.0.2 dev v0",
    ]);
  });
});

describe("rule and address lines", () => {
  it.each<[string, PlanOp, string]>([
    ["IPv4 source rule", { kind: "rule.add", rule: makeRule({ priority: 1000, from: "10.111.100.1", table: 1000, protocol: 201 }), reason: "" },
      "rule add priority 1000 from 10.111.100.1/32 lookup 1000 proto 201"],
    ["IPv6 source rule", { kind: "rule.add", rule: makeRule({ priority: 1001, from: "fd00:100::1", table: 1001, protocol: 201 }), reason: "" },
      "rule add priority 1001 from fd00:100::1/128 lookup 1001 proto 201"],
    ["IPv4 rule with every selector", { kind: "rule.add", rule: makeRule({ priority: 1002, from: "10.30.0.0/16", to: "10.31.0.0/16", iif: "v0", oif: "v1.10", fwmark: { value: 0x10, mask: 0xff }, tos: 0x10, table: 1000, protocol: 201 }), reason: "" },
      "rule add priority 1002 from 10.30.0.0/16 to 10.31.0.0/16 iif v0 oif v1.10 fwmark 0x10/0xff tos 0x10 lookup 1000 proto 201"],
    ["IPv6 fwmark rule (no address selector: the batch's -6 makes it IPv6)", { kind: "rule.add", rule: makeRule({ family: 6, priority: 1003, fwmark: { value: 5, mask: 0xffffffff }, table: 1000, protocol: 201 }), reason: "" },
      "rule add priority 1003 fwmark 0x5/0xffffffff lookup 1000 proto 201"],
    ["goto rule", { kind: "rule.add", rule: makeRule({ priority: 1004, from: "10.32.0.0/16", action: "goto", gotoPriority: 1600, protocol: 201 }), reason: "" },
      "rule add priority 1004 from 10.32.0.0/16 goto 1600 proto 201"],
    ["blackhole rule", { kind: "rule.add", rule: makeRule({ family: 4, priority: 1005, action: "blackhole", protocol: 201 }), reason: "" },
      "rule add priority 1005 blackhole proto 201"],
    ["rule delete", { kind: "rule.delete", rule: makeRule({ priority: 1000, from: "10.111.100.1", table: 1000, protocol: 201 }), reason: "" },
      "rule del priority 1000 from 10.111.100.1/32 lookup 1000 proto 201"],
    ["IPv4 address with label", { kind: "address.add", address: makeAddress({ dev: "lo", address: "10.111.100.1", prefixlen: 32, label: "lo:fw" }), reason: "" },
      "address add 10.111.100.1/32 dev lo label lo:fw scope 0"],
    ["IPv6 /128 address", { kind: "address.add", address: makeAddress({ dev: "lo", address: "fd00:100::1", prefixlen: 128 }), reason: "" },
      "address add fd00:100::1/128 dev lo scope 0 nodad"],
    ["IPv4 address delete keeps the label guard", { kind: "address.delete", address: makeAddress({ dev: "lo", address: "10.111.100.1", prefixlen: 32, label: "lo:fw" }), reason: "" },
      "address del 10.111.100.1/32 dev lo label lo:fw"],
    ["IPv6 address delete", { kind: "address.delete", address: makeAddress({ dev: "lo", address: "fd00:100::1", prefixlen: 128 }), reason: "" },
      "address del fd00:100::1/128 dev lo"],
  ])("renders %s", (_, op, line) => {
    expect(lines(op)).toEqual([line]);
  });
});

describe("batches", () => {
  const sysctl: PlanOp = { kind: "sysctl.set", sysctl: { iface: "v0", name: "rp_filter", value: 0 }, previous: 1, reason: "" };
  const ops: PlanOp[] = [add(v6), add(v4), sysctl, add({ ...v4, nexthops: [{ dev: "eth0;rm", weight: 1, onlink: false }] }), del(v4multi)];

  it("splits ops into one batch per family, keeping op order and indices; sysctls and refusals aside", () => {
    const { batches, refused, notIp } = renderIpBatches(ops, opts);
    expect(batches.map((b) => [b.family, b.opIndex])).toEqual([[4, [1, 4]], [6, [0]]]);
    expect(notIp).toEqual([2]);
    expect(refused.map((r) => [r.index, r.error.code])).toEqual([[3, "FW_INVALID_TOKEN"]]);
    expect(refused[0]?.error.message).toMatch(/route\.nexthops\[0\]\.dev/);
  });

  it("renders strictly as text, or throws the first refusal", () => {
    expect(renderIpBatchText([add(v4), add(v6)], opts)).toEqual({
      4: "route add unicast 10.20.0.0/24 tos 0x00 table 1000 proto 201 metric 0 scope 0 via 10.0.0.2 dev v0\n",
      6: "route add unicast fd00:20::/48 table 1000 proto 201 metric 1024 via fd00::2 dev v0\n",
    });
    expect(() => renderIpBatchText(ops, opts)).toThrow(FibwardenError);
  });
});

describe("refusals (FW_INVALID_TOKEN naming the field)", () => {
  const withDev = (dev: string): PlanOp => add({ ...v4, nexthops: [{ gateway: "10.0.0.2", dev, weight: 1, onlink: false }] });

  it.each(["eth0;rm", "a b", "../x", "x".repeat(16), "", "-eth0", ".", "..", "eth0\n", "ä0", "a/b", "a#b", "a\"b"])("refuses interface name %j", (dev) => {
    expect(refusal(() => lines(withDev(dev))).message).toMatch(/^route\.nexthops\[0\]\.dev: /);
  });

  it("accepts the odd names Linux allows and the allow-list keeps", () => {
    for (const dev of ["v1.10", "eth0@peer", "lo:fw", "a_b-c", "x".repeat(15), "..."]) expect(() => lines(withDev(dev))).not.toThrow();
  });

  it.each<[string, PlanOp, RegExp]>([
    ["table 0", add({ ...v4, table: 0 }), /^route\.table: /],
    ["table 2^32", add({ ...v4, table: 2 ** 32 }), /^route\.table: /],
    ["negative metric", add({ ...v4, metric: -1 }), /^route\.metric: /],
    ["fractional metric", add({ ...v4, metric: 1.5 }), /^route\.metric: /],
    ["tos 256", add({ ...v4, tos: 256 }), /^route\.tos: /],
    ["protocol 256", add({ ...v4, protocol: 256 }), /^route\.protocol: /],
    ["scope -1", add({ ...v4, scope: -1 }), /^route\.scope: /],
    ["weight 0", add({ ...v4multi, nexthops: v4multi.nexthops.map((n) => ({ ...n, weight: 0 })) }), /^route\.nexthops\[0\]\.weight: /],
    ["weight 257", add({ ...v4multi, nexthops: v4multi.nexthops.map((n) => ({ ...n, weight: 257 })) }), /^route\.nexthops\[0\]\.weight: /],
    ["single-path weight", add({ ...v4, nexthops: [{ gateway: "10.0.0.2", dev: "v0", weight: 3, onlink: false }] }), /^route\.nexthops\[0\]\.weight: /],
    ["host bits in dst", add({ ...v4, dst: "10.20.0.1/24" }), /^route\.dst: /],
    ["dst of the other family", add({ ...v4, dst: "fd00::/64" }), /^route\.dst: /],
    ["gateway of the other family", add({ ...v4, nexthops: [{ gateway: "fd00::1", dev: "v0", weight: 1, onlink: false }] }), /^route\.nexthops\[0\]\.gateway: /],
    ["a word smuggled into a gateway", add({ ...v4, nexthops: [{ gateway: "10.0.0.2 table 254", dev: "v0", weight: 1, onlink: false }] }), /^route\.nexthops\[0\]\.gateway: /],
    ["unknown type", add({ ...v4, type: "evil" as never }), /^route\.type: /],
    ["unicast without nexthop", add({ ...v4, nexthops: [] }), /^route\.nexthops: /],
    ["blackhole with a nexthop", add({ ...v4, type: "blackhole" }), /^route\.nexthops: /],
    ["delete of a foreign route", del({ ...v4, protocol: 12 }), /^route\.protocol: refusing to delete/],
    ["replace changing the key", { kind: "route.replace", route: v4, previous: { ...v4, metric: 7 }, reason: "" }, /^previous: /],
    ["replace of a foreign route", { kind: "route.replace", route: v4, previous: { ...v4, protocol: 4 }, reason: "" }, /^previous\.protocol: /],
    ["rule priority -1", { kind: "rule.add", rule: { ...makeRule({ priority: 1, table: 5, protocol: 201 }), priority: -1 }, reason: "" }, /^rule\.priority: /],
    ["rule with unmodelled selectors", { kind: "rule.add", rule: { ...makeRule({ priority: 1, table: 5, protocol: 201 }), extra: "{\"not\":null}" }, reason: "" }, /^rule\.extra: /],
    ["rule lookup table 0", { kind: "rule.add", rule: { ...makeRule({ priority: 1, table: 5, protocol: 201 }), table: 0 }, reason: "" }, /^rule\.table: /],
    ["rule fwmark 2^32", { kind: "rule.add", rule: makeRule({ priority: 1, table: 5, protocol: 201, fwmark: { value: 2 ** 32, mask: 1 } }), reason: "" }, /^rule\.fwmark\.value: /],
    ["rule iif with a blank", { kind: "rule.add", rule: makeRule({ priority: 1, table: 5, protocol: 201, iif: "a b" }), reason: "" }, /^rule\.iif: /],
    ["delete of a foreign rule", { kind: "rule.delete", rule: makeRule({ priority: 1, table: 5, protocol: 0 }), reason: "" }, /^rule\.protocol: refusing/],
    ["address prefix length 33", { kind: "address.add", address: { ...makeAddress({ dev: "lo", address: "10.1.1.1", prefixlen: 32 }), prefixlen: 33 }, reason: "" }, /^address\.prefixlen: /],
    ["label not starting with the device", { kind: "address.add", address: makeAddress({ dev: "lo", address: "10.1.1.1", prefixlen: 32, label: "eth0:fw" }), reason: "" }, /^address\.label: /],
    ["IPv6 label", { kind: "address.add", address: { ...makeAddress({ dev: "lo", address: "fd00::1", prefixlen: 128 }), label: "lo:fw" }, reason: "" }, /^address\.label: /],
    ["bad address", { kind: "address.add", address: { ...makeAddress({ dev: "lo", address: "10.1.1.1", prefixlen: 32 }), address: "10.1.1.1 dev eth0" }, reason: "" }, /^address\.address: /],
  ])("refuses %s", (_, op, field) => {
    expect(refusal(() => lines(op)).message).toMatch(field);
  });

  it("refuses a protocol of ours that is out of range", () => {
    expect(refusal(() => renderOpLines(del(v4), { ownProtocol: 0 })).message).toMatch(/^ownProtocol: /);
    expect(refusal(() => renderIpBatches([], { ownProtocol: 256 })).message).toMatch(/^ownProtocol: /);
  });
});
