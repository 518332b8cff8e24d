// The model's second round of mutation survivors: the exact text of a rule's identity key, which
// selectors make two rules different, the shape of what the builders return (absent fields are
// absent, not present as undefined), the scope a gateway route gets, canonical nexthop order with
// missing gateways/devices, and the name/number lookups refusing text that only partly matches.
import { describe, expect, it } from "vitest";
import { addressesEqual, type InterfaceAddress } from "../../../../src/core/model/address.js";
import { ruleKey } from "../../../../src/core/model/keys.js";
import { protocolNumber, scopeNumber, tableNumber } from "../../../../src/core/model/names.js";
import { makeAddress, makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import { compareNexthops } from "../../../../src/core/model/route.js";
import type { Rule } from "../../../../src/core/model/rule.js";

describe("names: only whole decimal or whole 0x-hex text is a number", () => {
  it("refuses decimal text with anything before the digits", () => {
    expect([protocolNumber("+12"), protocolNumber(" 12"), protocolNumber("1e2"), tableNumber("+100"), scopeNumber(" 253")])
      .toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
  it("refuses hex text with anything before the 0x", () => {
    expect([protocolNumber("10x1f"), protocolNumber(" 0x10"), tableNumber("x0x64")]).toEqual([undefined, undefined, undefined]);
  });
  it("refuses hex text with anything after the digits", () => {
    expect([protocolNumber("0x10g"), protocolNumber("0x10 "), tableNumber("0x64-")]).toEqual([undefined, undefined, undefined]);
    expect([protocolNumber("0x10"), tableNumber("0x64")]).toEqual([16, 100]);
  });
});

describe("addressesEqual: an absent label is the empty label", () => {
  const base: InterfaceAddress = { family: 4, dev: "lo", address: "10.0.0.1", prefixlen: 32, scope: 0 };
  it("no label equals label \"\" either way round, and differs from a real label", () => {
    expect(addressesEqual(base, { ...base, label: "" })).toBe(true);
    expect(addressesEqual({ ...base, label: "" }, base)).toBe(true);
    expect(addressesEqual(base, { ...base, label: "lo:fw" })).toBe(false);
  });
});

describe("compareNexthops: a missing gateway or device sorts as empty text", () => {
  it("a device-only nexthop sorts before any gateway nexthop", () => {
    expect(compareNexthops({ dev: "eth0", weight: 1, onlink: false }, { gateway: "10.0.0.1", weight: 1, onlink: false })).toBe(-1);
    expect(compareNexthops({ gateway: "10.0.0.1", weight: 1, onlink: false }, { dev: "eth0", weight: 1, onlink: false })).toBe(1);
  });
  it("two nexthops with the same gateway and no device compare equal", () => {
    expect(compareNexthops({ gateway: "10.0.0.1", weight: 1, onlink: false }, { gateway: "10.0.0.1", weight: 2, onlink: true })).toBe(0);
  });
  it("with equal gateways, no device sorts before any device (even one in upper case)", () => {
    const gw = { gateway: "10.0.0.1", weight: 1, onlink: false };
    expect(compareNexthops(gw, { ...gw, dev: "Eth0" })).toBe(-1);
    expect(compareNexthops({ ...gw, dev: "Eth0" }, gw)).toBe(1);
  });
});

describe("ruleKey: every selector is part of a rule's identity, in a fixed text form", () => {
  const base = makeRule({ priority: 100, table: 100 });
  const key = (over: Partial<Rule>): string => ruleKey({ ...base, ...over });
  it("a lookup rule with no optional selectors has empty fields in the key", () => {
    expect(ruleKey(base)).toBe("4|100||||||0|lookup|100||");
  });
  it("a goto rule without a table keeps the table field empty", () => {
    expect(ruleKey(makeRule({ priority: 100, action: "goto", gotoPriority: 200 }))).toBe("4|100||||||0|goto||200|");
  });
  it("every selector appears in its own field", () => {
    expect(ruleKey(makeRule({
      priority: 7, from: "10.0.0.0/8", to: "10.1.0.0/16", iif: "eth0", oif: "eth1",
      fwmark: { value: 5, mask: 255 }, tos: 16, table: 9, extra: "not",
    }))).toBe("4|7|10.0.0.0/8|10.1.0.0/16|eth0|eth1|5/255|16|lookup|9||not");
  });
  it("makeRule keeps the selectors fibwarden does not model: such a rule never has a plain rule's key", () => {
    expect(makeRule({ priority: 7, table: 9, extra: "not" }).extra).toBe("not");
    expect(ruleKey(makeRule({ priority: 7, table: 9, extra: "not" }))).not.toBe(ruleKey(makeRule({ priority: 7, table: 9 })));
  });
  it("rules differing only in to, iif, oif, fwmark, goto target or extra selectors have different keys", () => {
    expect(key({ to: "10.1.0.0/16" })).not.toBe(ruleKey(base));
    expect(key({ iif: "eth0" })).not.toBe(ruleKey(base));
    expect(key({ oif: "eth0" })).not.toBe(ruleKey(base));
    expect(key({ fwmark: { value: 1, mask: 0xffffffff } })).not.toBe(ruleKey(base));
    expect(key({ fwmark: { value: 1, mask: 0xffffffff } })).not.toBe(key({ fwmark: { value: 2, mask: 0xffffffff } }));
    expect(key({ action: "goto", table: undefined, gotoPriority: 200 }))
      .not.toBe(key({ action: "goto", table: undefined, gotoPriority: 300 }));
    expect(key({ action: "goto", table: undefined, gotoPriority: 200 })).not.toBe(key({ action: "goto", table: undefined }));
    expect(key({ extra: "not" })).not.toBe(ruleKey(base));
  });
});

describe("builders: absent fields are absent, not present as undefined", () => {
  it("a gateway-only nexthop has no dev field", () => {
    const r = makeRoute({ dst: "10.0.0.0/8", nexthops: [{ gateway: "10.0.0.1" }] });
    expect(r.nexthops).toStrictEqual([{ gateway: "10.0.0.1", weight: 1, onlink: false }]);
    expect(Object.keys(r.nexthops[0] ?? {})).not.toContain("dev");
  });
  it("a rule has only the selectors it was given", () => {
    const r = makeRule({ priority: 100, action: "nop" });
    expect(r).toStrictEqual({ family: 4, priority: 100, tos: 0, action: "nop", protocol: 0 });
    expect(Object.keys(r).sort()).toEqual(["action", "family", "priority", "protocol", "tos"]);
    expect(Object.keys(makeRule({ priority: 100, table: 5 })).sort()).toEqual(["action", "family", "priority", "protocol", "table", "tos"]);
  });
  it("an address without a label has no label field; an IPv6 address drops a label", () => {
    expect(Object.keys(makeAddress({ dev: "lo", address: "10.0.0.1", prefixlen: 32 }))).not.toContain("label");
    const v6 = makeAddress({ dev: "lo", address: "fd00::1", prefixlen: 128, label: "lo:fw" });
    expect(v6).toStrictEqual({ family: 6, dev: "lo", address: "fd00::1", prefixlen: 128, scope: 0 });
    expect(makeAddress({ dev: "lo", address: "10.0.0.1", prefixlen: 32, label: "lo:fw" }).label).toBe("lo:fw");
  });
});

describe("makeRoute: the default scope follows whether any nexthop has a gateway", () => {
  it("an IPv4 route via a gateway is scope global", () => {
    expect(makeRoute({ dst: "10.0.0.0/8", nexthops: [{ gateway: "10.0.0.1" }] }).scope).toBe(0);
    expect(makeRoute({ dst: "10.0.0.0/8", nexthops: [{ gateway: "10.0.0.1", dev: "eth0" }] }).scope).toBe(0);
  });
  it("a multipath route with one gateway nexthop and one device nexthop is scope global", () => {
    expect(makeRoute({ dst: "10.0.0.0/8", nexthops: [{ gateway: "10.0.0.1", dev: "eth0" }, { dev: "eth1" }] }).scope).toBe(0);
  });
  it("a device-only route is scope link", () => {
    expect(makeRoute({ dst: "10.0.0.0/8", nexthops: [{ dev: "eth0" }, { dev: "eth1" }] }).scope).toBe(253);
  });
});
