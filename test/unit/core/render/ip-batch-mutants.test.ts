// `ip -batch` rendering: exact refusal messages (the field and value an operator sees), the
// cause chain of parse refusals, nexthop shapes, and how batches and batch text are assembled.
import { describe, expect, it } from "vitest";
import { refusal } from "./refusal.js";
import { FibwardenError } from "../../../../src/core/errors.js";
import type { InterfaceAddress } from "../../../../src/core/model/address.js";
import { makeAddress, makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import type { Route } from "../../../../src/core/model/route.js";
import type { Rule } from "../../../../src/core/model/rule.js";
import type { PlanOp } from "../../../../src/core/plan/types.js";
import {
  opFamily, renderAddressDelete, renderIpBatches, renderIpBatchText, renderOpLines,
} from "../../../../src/core/render/ip-batch.js";

const opts = { ownProtocol: 201 };
const lines = (op: PlanOp): string[] => renderOpLines(op, opts);
const add = (route: Route): PlanOp => ({ kind: "route.add", route, reason: "test" });
const del = (route: Route): PlanOp => ({ kind: "route.delete", route, reason: "test" });
const ruleAdd = (rule: Rule): PlanOp => ({ kind: "rule.add", rule, reason: "test" });
const addrAdd = (address: InterfaceAddress): PlanOp => ({ kind: "address.add", address, reason: "test" });
const addrDel = (address: InterfaceAddress): PlanOp => ({ kind: "address.delete", address, reason: "test" });
const sysctl: PlanOp = { kind: "sysctl.set", sysctl: { iface: "v0", name: "rp_filter", value: 0 }, previous: 1, reason: "test" };


const IFNAME_RULE = 'interface name must be 1..15 bytes of [A-Za-z0-9_.:@-], not "." or "..", not starting with "-"';

const v4 = makeRoute({ dst: "10.20.0.0/24", table: 1000, protocol: 201, nexthops: [{ gateway: "10.0.0.2", dev: "v0" }] });
const v6 = makeRoute({ dst: "fd00:20::/48", table: 1000, protocol: 201, nexthops: [{ gateway: "fd00::2", dev: "v0" }] });
const rule = makeRule({ priority: 1, table: 5, protocol: 201 });
const lo4 = makeAddress({ dev: "lo", address: "10.1.1.1", prefixlen: 32 });
const lo6 = makeAddress({ dev: "lo", address: "fd00::1", prefixlen: 128 });
const U32_RANGE = "must be an integer in 0..4294967295";

describe("nexthop shapes", () => {
  it("renders a gateway-only nexthop without a device", () => {
    expect(lines(add({ ...v4, nexthops: [{ gateway: "10.0.0.2", weight: 1, onlink: false }] })))
      .toEqual(["route add unicast 10.20.0.0/24 tos 0x00 table 1000 proto 201 metric 0 scope 0 via 10.0.0.2"]);
  });

  it("renders a device-only nexthop without a gateway", () => {
    expect(lines(add({ ...v6, nexthops: [{ dev: "v0", weight: 1, onlink: false }] })))
      .toEqual(["route add unicast fd00:20::/48 table 1000 proto 201 metric 1024 dev v0"]);
  });

  it("refuses a nexthop with neither gateway nor device, naming the nexthop itself", () => {
    expect(refusal(() => lines(add({ ...v4, nexthops: [{ weight: 1, onlink: false }] }))).message)
      .toBe('route.nexthops[0]: a nexthop needs a gateway or a device ({"weight":1,"onlink":false})');
  });

  it("refuses a non-boolean onlink instead of rendering it as truthy", () => {
    const nh = { gateway: "10.0.0.2", dev: "v0", weight: 1, onlink: "yes" as unknown as boolean };
    expect(refusal(() => lines(add({ ...v4, nexthops: [nh] }))).message)
      .toBe('route.nexthops[0].onlink: must be a boolean ("yes")');
  });

  it("refuses a weight on a single-path route with the operator-facing reason", () => {
    expect(refusal(() => lines(add({ ...v4, nexthops: [{ gateway: "10.0.0.2", dev: "v0", weight: 3, onlink: false }] }))).message)
      .toBe("route.nexthops[0].weight: a single-path route has no weight (the kernel keeps 1) (3)");
  });

  it("refuses a non-string gateway as FW_INVALID_TOKEN naming the gateway", () => {
    const nh = { gateway: 5 as unknown as string, dev: "v0", weight: 1, onlink: false };
    expect(refusal(() => lines(add({ ...v4, nexthops: [nh] }))).message).toBe("route.nexthops[0].gateway: must be an address (5)");
  });
});

describe("route refusals name the field and the value", () => {
  it.each<[string, Route, string]>([
    ["a family other than 4 or 6", { ...v4, family: 5 as never }, "route.family: family must be 4 or 6 (5)"],
    ["a non-string destination", { ...v4, dst: 5 as never }, "route.dst: must be a prefix (5)"],
    ["an unknown route type", { ...v4, type: "evil" as never }, 'route.type: unknown route type ("evil")'],
    ["a TOS on an IPv6 route", { ...v6, tos: 16 }, "route.tos: IPv6 routes have no TOS (16)"],
    ["a table of 0", { ...v4, table: 0 }, "route.table: must be an integer in 1..4294967295 (0)"],
    ["nexthops that are not an array (string)", { ...v4, nexthops: "x" as never }, 'route.nexthops: must be an array ("x")'],
    ["nexthops that are not an array (missing)", { ...v4, nexthops: undefined as never }, "route.nexthops: must be an array (undefined)"],
    ["a unicast route without nexthop", { ...v4, nexthops: [] }, "route.nexthops: a unicast route needs a nexthop ([])"],
    ["a blackhole route with a nexthop", { ...v4, type: "blackhole" },
      'route.nexthops: a blackhole route has no nexthop ([{"weight":1,"onlink":false,"gateway":"10.0.0.2","dev":"v0"}])'],
  ])("refuses %s", (_, route, message) => {
    expect(refusal(() => lines(add(route))).message).toBe(message);
  });

  it("refuses a non-zero IPv6 TOS even though the value is a valid byte", () => {
    expect(() => lines(add({ ...v6, tos: 1 }))).toThrow(FibwardenError);
    expect(lines(add({ ...v6, tos: 0 }))).toEqual(["route add unicast fd00:20::/48 table 1000 proto 201 metric 1024 via fd00::2 dev v0"]);
  });

  it("accepts a nexthop-less local route (only unicast needs a nexthop)", () => {
    const local = makeRoute({ dst: "10.9.9.9/32", type: "local", table: 255, protocol: 201 });
    expect(lines(add(local))).toEqual(["route add local 10.9.9.9/32 tos 0x00 table 255 proto 201 metric 0 scope 254"]);
  });

  it("names the metric of a delete", () => {
    expect(refusal(() => lines(del({ ...v4, metric: -1 }))).message).toBe(`route.metric: ${U32_RANGE} (-1)`);
  });

  it("names the preferred source", () => {
    const err = refusal(() => lines(add({ ...v4, prefsrc: "10.0.0.1 dev eth0" })));
    expect(err.message).toMatch(/^route\.prefsrc: /);
    expect(err.details).toEqual({ field: "route.prefsrc", value: "10.0.0.1 dev eth0" });
  });
});

describe("refusals of parsed values keep the parser's error as cause", () => {
  it("reports the parser's message, the field and the value, and chains the parser error", () => {
    const err = refusal(() => lines(add({ ...v4, dst: "10.20.0.1/24" })));
    expect(err.cause).toBeInstanceOf(FibwardenError);
    const cause = err.cause as FibwardenError;
    expect(cause.code).not.toBe("FW_INVALID_TOKEN");
    expect(err.message).toBe(`route.dst: ${cause.message}`);
    expect(err.details).toEqual({ field: "route.dst", value: "10.20.0.1/24" });
  });

  it("has no cause, and quotes the value as JSON, when nothing was parsed", () => {
    const err = refusal(() => lines(add({ ...v4, type: "evil" as never })));
    expect(err.cause).toBeUndefined();
    expect(err.message).toBe('route.type: unknown route type ("evil")');
    expect(err.details).toEqual({ field: "route.type", value: "evil" });
  });
});

describe("rule refusals name the field and the value", () => {
  it.each<[string, Rule, string | RegExp]>([
    ["unmodelled selectors", { ...rule, extra: "{\"not\":null}" },
      'rule.extra: selectors fibwarden does not model cannot be rendered ("{\\"not\\":null}")'],
    ["a bad source prefix", { ...rule, from: "10.0.0.0/8 iif eth0" }, /^rule\.from: /],
    ["a bad destination prefix", { ...rule, to: "10.0.0.0/8 lookup 254" }, /^rule\.to: /],
    ["a bad output interface", { ...rule, oif: "a b" }, `rule.oif: ${IFNAME_RULE} ("a b")`],
    ["a bad input interface", { ...rule, iif: "a;b" }, `rule.iif: ${IFNAME_RULE} ("a;b")`],
    ["an fwmark mask of 2^32", { ...rule, fwmark: { value: 1, mask: 2 ** 32 } }, `rule.fwmark.mask: ${U32_RANGE} (4294967296)`],
    ["a TOS of 256", { ...rule, tos: 256 }, "rule.tos: must be an integer in 0..255 (256)"],
    ["a negative goto target", { ...rule, action: "goto", gotoPriority: -1 }, `rule.gotoPriority: ${U32_RANGE} (-1)`],
    ["a protocol of 256", { ...rule, protocol: 256 }, "rule.protocol: must be an integer in 0..255 (256)"],
    ["an unknown action", { ...rule, action: "evil" as never }, 'rule.action: unknown rule action ("evil")'],
  ])("refuses %s", (_, r, message) => {
    const got = refusal(() => lines(ruleAdd(r))).message;
    if (typeof message === "string") expect(got).toBe(message);
    else expect(got).toMatch(message);
  });

  it("refuses an unknown action on a delete too, instead of rendering a rule without action", () => {
    expect(refusal(() => lines({ kind: "rule.delete", rule: { ...rule, action: "evil" as never }, reason: "" })).message)
      .toBe('rule.action: unknown rule action ("evil")');
  });
});

describe("address refusals name the field and the value", () => {
  it.each<[string, PlanOp, string]>([
    ["a bad device on add", addrAdd({ ...lo4, dev: "a b" }), `address.dev: ${IFNAME_RULE} ("a b")`],
    ["a bad device on delete", addrDel({ ...lo4, dev: "lo\n" }), `address.dev: ${IFNAME_RULE} ("lo\\n")`],
    ["a label on an IPv6 address", addrAdd({ ...lo6, label: "lo:fw" }), 'address.label: IPv6 addresses have no label ("lo:fw")'],
    ["a label with a blank", addrAdd({ ...lo4, label: "lo fw" }), `address.label: ${IFNAME_RULE} ("lo fw")`],
    ["a label not starting with the device", addrAdd({ ...lo4, label: "eth0:fw" }),
      'address.label: an IPv4 label must begin with the device name lo ("eth0:fw")'],
    ["a scope of 256", addrAdd({ ...lo4, scope: 256 }), "address.scope: must be an integer in 0..255 (256)"],
  ])("refuses %s", (_, op, message) => {
    expect(refusal(() => lines(op)).message).toBe(message);
  });

  it("names the field address.* when renderAddressDelete is called without a base", () => {
    expect(refusal(() => renderAddressDelete({ ...lo4, dev: "-x" })).message).toBe(`address.dev: ${IFNAME_RULE} ("-x")`);
  });
});

describe("op kinds", () => {
  it("gives each ip op its object's family and sysctl.set none", () => {
    expect(opFamily(addrDel(lo6))).toBe(6);
    expect(opFamily(addrAdd(lo4))).toBe(4);
    expect(opFamily(sysctl)).toBeUndefined();
  });

  it("refuses to render a sysctl.set as an ip line", () => {
    expect(refusal(() => lines(sysctl)).message)
      .toBe('kind: sysctl.set is written to /proc, not rendered as an ip command ("sysctl.set")');
  });

  it("refuses a replace that changes the kernel key, quoting the previous key", () => {
    expect(refusal(() => lines({ kind: "route.replace", route: v4, previous: { ...v4, metric: 7 }, reason: "" })).message)
      .toBe('previous: a replace must keep the kernel key of the route it replaces ("4|1000|10.20.0.0/24|0|7")');
  });

  it("refuses a replace whose previous route has another family as a key change, even when the key text matches", () => {
    // routeKey renders every non-4 family like 6, so only the family comparison tells these apart.
    const previous = { ...v6, family: 5 as never };
    expect(refusal(() => lines({ kind: "route.replace", route: v6, previous, reason: "" })).message)
      .toBe('previous: a replace must keep the kernel key of the route it replaces ("6|1000|fd00:20::/48|1024")');
  });
});

describe("batches", () => {
  it("puts address deletes in their family's batch", () => {
    const { batches, notIp, refused } = renderIpBatches([addrDel(lo6), addrDel(lo4)], opts);
    expect(refused).toEqual([]);
    expect(notIp).toEqual([]);
    expect(batches).toEqual([
      { family: 4, lines: ["address del 10.1.1.1/32 dev lo"], opIndex: [1] },
      { family: 6, lines: ["address del fd00::1/128 dev lo"], opIndex: [0] },
    ]);
  });

  it("leaves out the batch of a family with no lines", () => {
    expect(renderIpBatches([add(v4)], opts).batches.map((b) => b.family)).toEqual([4]);
    expect(renderIpBatches([add(v6)], opts).batches.map((b) => b.family)).toEqual([6]);
    expect(renderIpBatches([sysctl], opts).batches).toEqual([]);
  });

  it("has one linesByOp slot per op, empty for trailing sysctl and refused ops", () => {
    const { linesByOp } = renderIpBatches([add(v4), sysctl, add({ ...v4, table: 0 })], opts);
    expect(linesByOp).toHaveLength(3);
    expect(linesByOp[0]).toEqual(["route add unicast 10.20.0.0/24 tos 0x00 table 1000 proto 201 metric 0 scope 0 via 10.0.0.2 dev v0"]);
    expect(linesByOp[1]).toBeUndefined();
    expect(linesByOp[2]).toBeUndefined();
  });

  it("refuses an op whose family is neither 4 nor 6 before rendering it", () => {
    const { refused, batches } = renderIpBatches([add({ ...v4, family: 5 as never })], opts);
    expect(batches).toEqual([]);
    expect(refused.map((r) => r.index)).toEqual([0]);
    expect(refused[0]?.error.message).toBe("op.family: family must be 4 or 6 (5)");
  });

  it("refuses an op the model's types do not allow (a null nexthop) as FW_INVALID_TOKEN; the other ops still render", () => {
    const { refused, batches } = renderIpBatches([add(v4), add({ ...v4, dst: "10.21.0.0/24", nexthops: [null as never] })], opts);
    expect(refused.map((r) => [r.index, r.error.code])).toEqual([[1, "FW_INVALID_TOKEN"]]);
    expect(refused[0]?.error.message).toMatch(/^operation 1 is malformed: /);
    expect(refused[0]?.error.details).toEqual({ field: "op", value: 1 });
    expect(refused[0]?.error.cause).toBeInstanceOf(TypeError);
    expect(batches.map((b) => b.lines.length)).toEqual([1]);
  });
});

describe("batch text", () => {
  it("is empty for a family without ops", () => {
    expect(renderIpBatchText([add(v4)], opts)[6]).toBe("");
    expect(renderIpBatchText([add(v6)], opts)[4]).toBe("");
  });

  it("puts one line per kernel command, each newline-terminated", () => {
    const previous = { ...v4, nexthops: [{ gateway: "10.0.0.9", dev: "v0", weight: 1, onlink: false }] };
    expect(renderIpBatchText([{ kind: "route.replace", route: v4, previous, reason: "" }], opts)).toEqual({
      4: "route del unicast 10.20.0.0/24 tos 0x00 table 1000 proto 201 metric 0\n"
        + "route add unicast 10.20.0.0/24 tos 0x00 table 1000 proto 201 metric 0 scope 0 via 10.0.0.2 dev v0\n",
      6: "",
    });
  });
});
