// `ip -json` normalizers at their edges: the exact refusals (code, message, offending element),
// TOS and fwmark text that only partly looks like a number, empty output, which wire fields
// become which model fields (single nexthop through gateway/via/dev/nh_info, rule dst/iif/oif,
// link type and state, IPv4 labels), the shape of what they return (absent fields are absent,
// not present as undefined), the hand-written guard accepting the shapes iproute2 prints, and
// the model invariants (table, metric, nexthop family) checked behind the hot-path shortcut.
import { describe, expect, it } from "vitest";
import { FibwardenError } from "../../../../src/core/errors.js";
import { isWireRoute, parseIpAddrs, parseIpRoutes, parseIpRules } from "../../../../src/core/parse/ip-json.js";
import type { Family } from "../../../../src/core/net/ip.js";
import { thrown } from "../../../support/thrown.js";

const route = (fields: Record<string, unknown>, family: Family = 4, defaultTable?: number) =>
  parseIpRoutes(JSON.stringify([fields]), family, defaultTable)[0]!;
const rule = (fields: Record<string, unknown>, family: Family = 4) => parseIpRules(JSON.stringify([fields]), family)[0]!;
const caught = (fn: () => unknown): FibwardenError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FibwardenError);
    return e as FibwardenError;
  }
  throw new Error("did not throw");
};

describe("refusals name the dump, the reason and the offending element", () => {
  it("route: unknown type, table, protocol and scope, with the element in details", () => {
    const base = { dst: "10.1.0.0/16", dev: "v0" };
    for (const [field, value, reason] of [
      ["type", "frob", 'unknown type "frob"'], ["table", "frob", 'unknown table "frob"'],
      ["protocol", "frob", 'unknown protocol "frob"'], ["scope", "frob", 'unknown scope "frob"'],
    ] as const) {
      const item = { ...base, [field]: value };
      const err = caught(() => parseIpRoutes(JSON.stringify([item]), 4));
      expect(err.code).toBe("FW_KERNEL_READ");
      expect(err.message).toBe(`ip -json route: ${reason}`);
      expect(err.details).toEqual({ item });
    }
  });

  it("route: a bad TOS and an element that fails the schema", () => {
    expect(thrown(() => route({ dst: "10.1.0.0/16", dev: "v0", tos: "gold" }))).toEqual(["FW_KERNEL_READ", 'ip -json route: unknown tos "gold"']);
    const err = caught(() => parseIpRoutes('[{"dst":5}]', 4));
    expect(err.code).toBe("FW_KERNEL_READ");
    expect(err.message).toMatch(/^ip -json route: \S/);
    expect(err.message).toContain("dst");
    expect(err.details).toEqual({ item: { dst: 5 } });
  });

  it("rule: unknown action, table, protocol, tos and fwmark; schema failures", () => {
    expect(thrown(() => rule({ priority: 5, action: "frob" }))).toEqual(["FW_KERNEL_READ", 'ip -json rule: unknown action "frob"']);
    expect(thrown(() => rule({ priority: 5, table: "frob" }))).toEqual(["FW_KERNEL_READ", 'ip -json rule: unknown table "frob"']);
    expect(thrown(() => rule({ priority: 5, protocol: "frob" }))).toEqual(["FW_KERNEL_READ", 'ip -json rule: unknown protocol "frob"']);
    expect(thrown(() => rule({ priority: 5, tos: "gold" }))).toEqual(["FW_KERNEL_READ", 'ip -json rule: unknown tos "gold"']);
    expect(thrown(() => rule({ priority: 5, fwmark: "zz" }))).toEqual(["FW_KERNEL_READ", 'ip -json rule: bad fwmark "zz"']);
    const err = caught(() => parseIpRules('[{"priority":-1}]', 4));
    expect(err.message).toMatch(/^ip -json rule: \S/);
    expect(err.details).toEqual({ item: { priority: -1 } });
  });

  it("addr: unknown scope and schema failures", () => {
    const text = JSON.stringify([{ ifindex: 2, ifname: "v0", addr_info: [{ family: "inet", local: "10.0.0.1", prefixlen: 24, scope: "frob" }] }]);
    expect(thrown(() => parseIpAddrs(text))).toEqual(["FW_KERNEL_READ", 'ip -json addr: unknown scope "frob"']);
    const err = caught(() => parseIpAddrs('[{"ifindex":"x","ifname":"v0"}]'));
    expect(err.message).toMatch(/^ip -json addr: \S/);
    expect(err.message).toContain("ifindex");
  });

  it("output that is not JSON, or not an array, names the dump and keeps the parse error as cause", () => {
    for (const [fn, what] of [[parseIpRoutes, "route"], [parseIpRules, "rule"], [parseIpAddrs, "addr"]] as const) {
      const parse = (text: string) => (fn as (t: string, f: Family) => unknown)(text, 4);
      const err = caught(() => parse("[{"));
      expect(err.code).toBe("FW_KERNEL_READ");
      expect(err.message).toBe(`ip -json ${what}: output is not JSON`);
      expect(err.cause).toBeInstanceOf(SyntaxError);
      expect(thrown(() => parse('{"a":1}'))).toEqual(["FW_KERNEL_READ", `ip -json ${what}: output is not a JSON array`]);
    }
  });
});

describe("empty output is an empty dump", () => {
  it("empty and blank text read as no elements", () => {
    for (const text of ["", "\n", "  \n\t"]) {
      expect(parseIpRoutes(text, 4)).toEqual([]);
      expect(parseIpRules(text, 4)).toEqual([]);
      expect(parseIpAddrs(text)).toEqual({ links: [], addresses: [] });
    }
  });
});

describe("TOS text: whole decimal, whole 0x-hex or an rt_dsfield name, within 0..255", () => {
  const tos = (v: unknown, family: Family = 4) => route({ dst: "10.1.0.0/16", dev: "v0", tos: v }, family).tos;
  it("reads hex of several digits, decimal of several digits, and the bounds 0 and 255", () => {
    expect([tos("0x10"), tos("0XB8"), tos("16"), tos(0), tos("0"), tos(255), tos("0xff")]).toEqual([16, 0xb8, 16, 0, 0, 255, 255]);
  });
  it("refuses text that only partly looks like a number", () => {
    for (const v of ["10x10", "0x10zz", "16 ", "1e1", " 16", "0x"]) {
      expect(thrown(() => tos(v)), v).toEqual(["FW_KERNEL_READ", `ip -json route: unknown tos ${JSON.stringify(v)}`]);
    }
  });
  it("refuses negative, fractional and too large values", () => {
    for (const v of [-1, 1.5, 256, "256", "0x100"]) expect(thrown(() => tos(v))?.[0], String(v)).toBe("FW_KERNEL_READ");
  });
  it("reads a rule's TOS from tos or dsfield", () => {
    expect(rule({ priority: 5, tos: "0x10" }).tos).toBe(16);
    expect(rule({ priority: 5, dsfield: "0x20" }).tos).toBe(32);
    expect(rule({ priority: 5, tos: "0x10", dsfield: "0x20" }).tos).toBe(16);
  });
  it("an IPv6 route has TOS 0 and scope 0 whatever the wire says", () => {
    const r = route({ dst: "fd00::/64", dev: "v0", tos: "0x10", scope: "link" }, 6);
    expect([r.tos, r.scope]).toEqual([0, 0]);
    expect(route({ dst: "fd00::/64", dev: "v0", tos: "gold" }, 6).tos).toBe(0);
  });
});

describe("fwmark text: whole decimal or whole 0x-hex, within 0..0xffffffff", () => {
  const mark = (v: unknown) => rule({ priority: 5, fwmark: v }).fwmark;
  it("reads hex, decimal and the bounds 0 and 0xffffffff; the mask defaults to all ones", () => {
    expect(mark("0x10")).toEqual({ value: 16, mask: 0xffffffff });
    expect(mark("16")).toEqual({ value: 16, mask: 0xffffffff });
    expect(mark(0)).toEqual({ value: 0, mask: 0xffffffff });
    expect(mark("0")).toEqual({ value: 0, mask: 0xffffffff });
    expect(mark("0xffffffff")).toEqual({ value: 0xffffffff, mask: 0xffffffff });
    expect(rule({ priority: 5, fwmark: "0x10", fwmask: "0xff" }).fwmark).toEqual({ value: 16, mask: 0xff });
  });
  it("refuses text that only partly looks like a number", () => {
    for (const v of ["10x10", "0x10zz", " 16", "16 ", "1e3", "zz"]) {
      expect(thrown(() => mark(v)), v).toEqual(["FW_KERNEL_READ", `ip -json rule: bad fwmark ${JSON.stringify(v)}`]);
    }
  });
  it("refuses negative, fractional and too large marks and masks", () => {
    for (const v of [-1, 1.5, 2 ** 32, "4294967296", "0x100000000"]) {
      expect(thrown(() => mark(v)), String(v)).toEqual(["FW_KERNEL_READ", `ip -json rule: bad fwmark ${JSON.stringify(v)}`]);
    }
    expect(thrown(() => rule({ priority: 5, fwmark: 1, fwmask: -1 }))?.[0]).toBe("FW_KERNEL_READ");
  });
});

describe("a route's single nexthop comes from gateway, via, dev or nh_info", () => {
  it("a gateway alone, via alone, and dev alone each make the nexthop; absent fields stay absent", () => {
    expect(route({ dst: "10.1.0.0/16", gateway: "10.0.0.1" }).nexthops).toStrictEqual([{ gateway: "10.0.0.1", weight: 1, onlink: false }]);
    expect(route({ dst: "10.1.0.0/16", via: { family: "inet6", host: "fe80::1" } }).nexthops)
      .toStrictEqual([{ gateway: "fe80::1", weight: 1, onlink: false }]);
    expect(route({ dst: "10.1.0.0/16", dev: "v0" }).nexthops).toStrictEqual([{ dev: "v0", weight: 1, onlink: false }]);
  });
  it("an nh_info with only a gateway or only a device makes the nexthop", () => {
    expect(route({ dst: "10.1.0.0/16", nhid: 5, nh_info: { gateway: "10.0.0.1" } }).nexthops)
      .toStrictEqual([{ gateway: "10.0.0.1", weight: 1, onlink: false }]);
    expect(route({ dst: "10.1.0.0/16", nhid: 5, nh_info: { dev: "v0" } }).nexthops).toStrictEqual([{ dev: "v0", weight: 1, onlink: false }]);
  });
});

describe("model invariants behind the hot-path shortcut", () => {
  const invalid = (fn: () => unknown): string | undefined => {
    const t = thrown(fn);
    expect(t?.[0]).toBe("FW_INVALID_MODEL");
    return t?.[1];
  };
  it("refuses table 0 for unicast and nexthop-less routes", () => {
    expect(invalid(() => route({ dst: "10.1.0.0/16", gateway: "10.0.0.1", dev: "v0", table: "0" }))).toMatch(/: table$/);
    expect(invalid(() => route({ dst: "10.1.0.0/16", type: "blackhole", table: "unspec" }))).toMatch(/: table$/);
  });
  it("refuses a default table above 0xffffffff and accepts 0xffffffff", () => {
    expect(invalid(() => route({ dst: "10.1.0.0/16", dev: "v0" }, 4, 2 ** 32))).toMatch(/: table$/);
    expect(route({ dst: "10.1.0.0/16", dev: "v0" }, 4, 0xffffffff).table).toBe(0xffffffff);
  });
  it("refuses a metric above 0xffffffff and accepts 0xffffffff", () => {
    expect(invalid(() => route({ dst: "10.1.0.0/16", dev: "v0", metric: 2 ** 32 }))).toMatch(/: metric$/);
    expect(route({ dst: "10.1.0.0/16", dev: "v0", metric: 0xffffffff }).metric).toBe(0xffffffff);
  });
  it("refuses a nexthop with neither gateway nor device", () => {
    expect(invalid(() => route({ dst: "10.1.0.0/16", nexthops: [{ gateway: "10.0.0.1", dev: "v0" }, { weight: 2 }] })))
      .toMatch(/nexthop without gateway or device/);
  });
  it("refuses an IPv4 gateway on an IPv6 route, and accepts an IPv6 gateway on an IPv4 route (RFC 5549)", () => {
    expect(invalid(() => route({ dst: "fd00::/64", via: { family: "inet", host: "10.0.0.1" }, dev: "v0" }, 6))).toMatch(/gateway family/);
    expect(invalid(() => route({ dst: "fd00::/64", nexthops: [{ gateway: "fd00::1", dev: "v0" }, { via: { family: "inet", host: "10.0.0.1" }, dev: "v1" }] }, 6)))
      .toMatch(/gateway family/);
    expect(route({ dst: "10.1.0.0/16", via: { family: "inet6", host: "fe80::1" }, dev: "v0" }).nexthops[0]?.gateway).toBe("fe80::1");
    expect(route({ dst: "fd00::/64", gateway: "fd00::1", dev: "v0" }, 6).nexthops[0]?.gateway).toBe("fd00::1");
  });
  it("a unicast route through an nhid group (no nexthop shown) is still read", () => {
    expect(route({ dst: "10.1.0.0/16", nhid: 7, nh_info: { group: [{ id: 1 }, { id: 2 }] } }).nexthops).toEqual([]);
  });
  it("a unicast route without a shown nexthop is refused in table 0, above table 0xffffffff or metric 0xffffffff, like any route", () => {
    const group = { dst: "10.1.0.0/16", nhid: 7, nh_info: { group: [{ id: 1 }, { id: 2 }] } };
    expect(invalid(() => route({ ...group, table: "0" }))).toMatch(/: table$/);
    expect(invalid(() => route(group, 4, 2 ** 32))).toMatch(/: table$/);
    expect(invalid(() => route({ ...group, metric: 2 ** 32 }))).toMatch(/: metric$/);
    expect(route({ ...group, table: "100", metric: 0xffffffff })).toMatchObject({ table: 100, metric: 0xffffffff, nexthops: [] });
  });
});

describe("the guard accepts the element shapes iproute2 prints, and refuses what zod refuses", () => {
  it("accepts numeric fields, missing or filled flags, a via object, nexthops without weight", () => {
    expect(isWireRoute({ dst: "10.1.0.0/16", dev: "v0", table: 100, protocol: 12, scope: 0, tos: 0, dsfield: 0 })).toBe(true);
    expect(isWireRoute({ dst: "10.1.0.0/16", dev: "v0" })).toBe(true);
    expect(isWireRoute({ dst: "10.1.0.0/16", dev: "v0", flags: ["onlink"] })).toBe(true);
    expect(isWireRoute({ dst: "10.1.0.0/16", via: { family: "inet6", host: "fe80::1" }, dev: "v0" })).toBe(true);
    expect(isWireRoute({ dst: "10.1.0.0/16", nexthops: [{ gateway: "10.0.0.1", dev: "v0" }, { gateway: "10.0.0.2", dev: "v1", weight: 2, flags: ["onlink"] }] })).toBe(true);
  });
  it("refuses non-string flags and a via without a string host, and the dump read fails", () => {
    for (const item of [
      { dst: "10.1.0.0/16", dev: "v0", flags: [1] },
      { dst: "10.1.0.0/16", dev: "v0", flags: ["onlink", 1] },
      { dst: "10.1.0.0/16", dev: "v0", via: { family: "inet", host: 5 } },
    ]) {
      expect(isWireRoute(item), JSON.stringify(item)).toBe(false);
      expect(thrown(() => parseIpRoutes(JSON.stringify([item]), 4))?.[0]).toBe("FW_KERNEL_READ");
    }
  });
});

describe("rule selectors", () => {
  it("a rule without src or dst matches all; `all` is no selector", () => {
    expect(rule({ priority: 5, table: "main" })).toStrictEqual({ family: 4, priority: 5, tos: 0, action: "lookup", protocol: 0, table: 254 });
    expect(rule({ priority: 5, src: "all", dst: "all" })).toStrictEqual({ family: 4, priority: 5, tos: 0, action: "lookup", protocol: 0, table: 254 });
  });
  it("reads dst with and without dstlen, in both families", () => {
    expect(rule({ priority: 5, dst: "10.1.0.0", dstlen: 16 }).to).toBe("10.1.0.0/16");
    expect(rule({ priority: 5, dst: "192.0.2.1" }).to).toBe("192.0.2.1/32");
    expect(rule({ priority: 5, dst: "fd00::1" }, 6).to).toBe("fd00::1/128");
    expect(rule({ priority: 5, src: "fd00::1" }, 6).from).toBe("fd00::1/128");
    expect(rule({ priority: 5, src: "192.0.2.1" }).from).toBe("192.0.2.1/32");
  });
  it("reads iif and oif", () => {
    expect(rule({ priority: 5, iif: "v0", oif: "v1", table: "100" })).toStrictEqual({
      family: 4, priority: 5, tos: 0, action: "lookup", protocol: 0, iif: "v0", oif: "v1", table: 100,
    });
  });
  it("a goto rule carries its target; other actions carry none", () => {
    expect(rule({ priority: 5, goto: 10 })).toStrictEqual({ family: 4, priority: 5, tos: 0, action: "goto", protocol: 0, gotoPriority: 10 });
    expect(rule({ priority: 5, action: "blackhole" })).toStrictEqual({ family: 4, priority: 5, tos: 0, action: "blackhole", protocol: 0 });
  });
});

describe("links and addresses", () => {
  const dump = (link: Record<string, unknown>) => parseIpAddrs(JSON.stringify([{ ifindex: 2, ifname: "v0", ...link }]));
  it("reads link state and type; absent type stays absent", () => {
    expect(dump({ flags: ["BROADCAST", "UP"], link_type: "ether" }).links).toStrictEqual([{ ifindex: 2, name: "v0", up: true, linkType: "ether" }]);
    expect(dump({ flags: ["BROADCAST"] }).links).toStrictEqual([{ ifindex: 2, name: "v0", up: false }]);
    expect(dump({}).links).toStrictEqual([{ ifindex: 2, name: "v0", up: false }]);
  });
  it("keeps an IPv4 label that differs from the device name, and no other label", () => {
    const { addresses } = dump({ addr_info: [
      { family: "inet", local: "10.0.0.1", prefixlen: 24, label: "v0:vip" },
      { family: "inet", local: "10.0.0.2", prefixlen: 24, label: "v0" },
      { family: "inet", local: "10.0.0.3", prefixlen: 24 },
      { family: "inet6", local: "fd00::1", prefixlen: 64, label: "v0:vip" },
    ] });
    expect(addresses).toStrictEqual([
      { family: 4, dev: "v0", address: "10.0.0.1", prefixlen: 24, scope: 0, label: "v0:vip" },
      { family: 4, dev: "v0", address: "10.0.0.2", prefixlen: 24, scope: 0 },
      { family: 4, dev: "v0", address: "10.0.0.3", prefixlen: 24, scope: 0 },
      { family: 6, dev: "v0", address: "fd00::1", prefixlen: 64, scope: 0 },
    ]);
  });
  it("skips address families other than inet and inet6", () => {
    const { addresses } = dump({ addr_info: [{ family: "mpls", local: "16", prefixlen: 20 }, { family: "inet", local: "10.0.0.1", prefixlen: 24 }] });
    expect(addresses.map((a) => a.address)).toEqual(["10.0.0.1"]);
  });
});
