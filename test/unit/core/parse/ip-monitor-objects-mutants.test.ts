// Edge cases of the `[RULE]` and `[ADDR]` monitor line readers and of the cache-agreement checks:
// which lines count as the plain form, how blanks and line ends are tolerated, and which cache
// entries count as "the same" object.
import { describe, expect, it } from "vitest";
import type { InterfaceAddress } from "../../../../src/core/model/address.js";
import { addressKey, ruleKey } from "../../../../src/core/model/keys.js";
import type { Rule } from "../../../../src/core/model/rule.js";
import {
  addressEventAgrees, addressEventKey, parseAddressEvent, parseRuleEvent, ruleEventAgrees, ruleEventKey, type AddressEvent, type RuleEvent,
} from "../../../../src/core/parse/ip-monitor-objects.js";

describe("parseRuleEvent", () => {
  it("reads an IPv6 rule with an IPv6 destination", () => {
    expect(parseRuleEvent("1001:\tfrom fd00::5 to fd00:1::/64 lookup 10006 proto 201")).toStrictEqual(
      { deleted: false, family: 6, priority: 1001, from: "fd00::5/128", to: "fd00:1::/64", table: 10006, protocol: 201 });
  });

  it("reads a rule without proto as protocol 0 and without a to key", () => {
    const ev = parseRuleEvent("1500:\tfrom 10.98.1.0/24 lookup 1001");
    expect(ev).toStrictEqual({ deleted: false, family: 4, priority: 1500, from: "10.98.1.0/24", table: 1001, protocol: 0 });
    expect(Object.keys(ev!)).not.toContain("to");
  });

  it("reads a deleted rule", () => {
    expect(parseRuleEvent("Deleted 1000:\tfrom 10.112.0.5 lookup 10005 proto 201")?.deleted).toBe(true);
  });

  it("tolerates a trailing newline and extra blanks between words", () => {
    const want = { deleted: false, family: 4, priority: 1000, from: "10.112.0.5/32", table: 10005, protocol: 201 };
    expect(parseRuleEvent("1000:\tfrom 10.112.0.5 lookup 10005 proto 201\n")).toStrictEqual(want);
    expect(parseRuleEvent("1000:\t from  10.112.0.5   lookup 10005  proto 201 ")).toStrictEqual(want);
  });

  it("refuses text before the priority or after the first line", () => {
    expect(parseRuleEvent("Replaced 1000:\tfrom 10.112.0.5 lookup 10005")).toBeUndefined();
    expect(parseRuleEvent(" 1000:\tfrom 10.112.0.5 lookup 10005")).toBeUndefined();
    expect(parseRuleEvent("1000:\tfrom 10.112.0.5 lookup 10005\n1001:\tfrom 10.112.0.6 lookup 10006")).toBeUndefined();
  });

  it("refuses a rule that does not start with a from address", () => {
    expect(parseRuleEvent("1000:\tto 10.112.0.5 lookup 10005")).toBeUndefined();
    expect(parseRuleEvent("1000:\tfrom")).toBeUndefined();
    expect(parseRuleEvent("1000:\tfrom all lookup 10005")).toBeUndefined();
    expect(parseRuleEvent("1000:\tfrom default lookup 10005")).toBeUndefined();
  });

  it("refuses a destination that is not an address of the source's family", () => {
    expect(parseRuleEvent("1000:\tfrom 10.112.0.5 to all lookup 10005")).toBeUndefined();
    expect(parseRuleEvent("1000:\tfrom 10.112.0.5 to default lookup 10005")).toBeUndefined();
    expect(parseRuleEvent("1000:\tfrom 10.112.0.5 to fd00::1 lookup 10005")).toBeUndefined();
  });

  it("refuses actions other than lookup", () => {
    expect(parseRuleEvent("1000:\tfrom 10.112.0.5 goto 2000")).toBeUndefined();
  });

  it("refuses a protocol that is not a whole number or a known name", () => {
    expect(parseRuleEvent("1000:\tfrom 10.112.0.5 lookup 10005 proto x201")).toBeUndefined();
    expect(parseRuleEvent("1000:\tfrom 10.112.0.5 lookup 10005 proto 201x")).toBeUndefined();
    expect(parseRuleEvent("1000:\tfrom 10.112.0.5 lookup 10005 proto")).toBeUndefined();
    expect(parseRuleEvent("1000:\tfrom 10.112.0.5 lookup 10005 proto static")?.protocol).toBe(4);
  });
});

describe("parseAddressEvent", () => {
  it("reads IPv6 addresses without a label key, with DAD flags, and deleted ones", () => {
    const ev = parseAddressEvent("1: lo    inet6 fd00::5/128 scope global ");
    expect(ev).toStrictEqual({ deleted: false, family: 6, dev: "lo", address: "fd00::5", prefixlen: 128 });
    expect(parseAddressEvent("1: lo    inet6 fd00::5/128 scope global tentative ")).toStrictEqual(ev);
    expect(parseAddressEvent("Deleted 1: lo    inet6 fd00::5/128 scope global")).toStrictEqual({ ...ev, deleted: true });
    expect(parseAddressEvent("Deleted 1: lo    inet 10.112.0.5/32 scope global lo:fw")).toStrictEqual(
      { deleted: true, family: 4, dev: "lo", address: "10.112.0.5", prefixlen: 32, label: "lo:fw" });
  });

  it("reads interface indexes of several digits, a trailing newline and extra blanks", () => {
    const want = { deleted: false, family: 4, dev: "eth0", address: "10.0.0.1", prefixlen: 24 };
    expect(parseAddressEvent("12: eth0    inet 10.0.0.1/24 scope global eth0")).toStrictEqual(want);
    expect(parseAddressEvent("12: eth0    inet 10.0.0.1/24 scope global eth0\n")).toStrictEqual(want);
    expect(parseAddressEvent("12: eth0    inet 10.0.0.1/24  brd 10.0.0.255  scope  global   eth0 ")).toStrictEqual(want);
  });

  it("refuses text before the index or after the first line", () => {
    expect(parseAddressEvent("Replaced 1: lo    inet 10.112.0.5/32 scope global lo:fw")).toBeUndefined();
    expect(parseAddressEvent(" 1: lo    inet 10.112.0.5/32 scope global lo:fw")).toBeUndefined();
    expect(parseAddressEvent("1: lo    inet 10.112.0.5/32 scope global lo:fw\n       valid_lft forever preferred_lft forever")).toBeUndefined();
  });

  it("refuses lines without a scope word right after the prefix (or brd, for IPv4)", () => {
    expect(parseAddressEvent("2: eth0    inet 10.0.0.1/24 metric 100 eth0")).toBeUndefined();
    expect(parseAddressEvent("2: eth0    inet6 fd00::1/64 proto 3")).toBeUndefined();
    expect(parseAddressEvent("2: eth0    inet6 fd00::1/64 brd fd00::ff scope global")).toBeUndefined();
    expect(parseAddressEvent("2: eth0    inet6 fd00::1/64 scope")).toBeUndefined();
  });

  it("refuses an IPv4 line whose last word is a flag rather than a label", () => {
    expect(parseAddressEvent("2: eth0    inet 10.0.0.1/24 scope global secondary")).toBeUndefined();
  });

  it("refuses words after the scope that are not address flags", () => {
    expect(parseAddressEvent("2: eth0    inet6 fd00::1/64 scope global wobbly")).toBeUndefined();
    expect(parseAddressEvent("2: eth0    inet 10.0.0.1/24 scope global wobbly eth0")).toBeUndefined();
  });
});

describe("addressEventAgrees", () => {
  const ev: AddressEvent = { deleted: false, family: 4, dev: "lo", address: "10.112.0.5", prefixlen: 32, label: "lo:fw" };
  const held: InterfaceAddress = { family: 4, dev: "lo", address: "10.112.0.5", prefixlen: 32, label: "lo:fw", scope: 0 };

  it("does not count an address on another device, another address or another length as held", () => {
    expect(addressEventAgrees(ev, [held])).toBe(true);
    for (const other of [{ ...held, dev: "eth0" }, { ...held, address: "10.112.0.6" }, { ...held, prefixlen: 31 }]) {
      expect(addressEventAgrees(ev, [other]), JSON.stringify(other)).toBe(false);
      expect(addressEventAgrees({ ...ev, deleted: true }, [other]), JSON.stringify(other)).toBe(true);
    }
  });
});

describe("ruleEventAgrees", () => {
  const ev: RuleEvent = { deleted: false, family: 4, priority: 1000, from: "10.112.0.5/32", table: 10005, protocol: 201 };
  const held: Rule = { family: 4, priority: 1000, from: "10.112.0.5/32", tos: 0, action: "lookup", table: 10005, protocol: 201 };

  it("counts only a plain lookup rule with the same selectors, table and protocol as held", () => {
    expect(ruleEventAgrees(ev, [held])).toBe(true);
    const others: Rule[] = [
      { ...held, priority: 1001 },
      { ...held, from: "10.112.0.6/32" },
      { ...held, to: "10.0.0.0/8" },
      { ...held, action: "unreachable" },
      { ...held, table: 10006 },
      { ...held, protocol: 4 },
      { ...held, iif: "eth0" },
      { ...held, oif: "eth1" },
      { ...held, fwmark: { value: 16, mask: 255 } },
      { ...held, tos: 16 },
      { ...held, extra: "not" },
      { ...held, gotoPriority: 2000 },
    ];
    for (const other of others) {
      expect(ruleEventAgrees(ev, [other]), JSON.stringify(other)).toBe(false);
      expect(ruleEventAgrees({ ...ev, deleted: true }, [other]), JSON.stringify(other)).toBe(true);
    }
  });

  it("matches the event's destination too", () => {
    const withTo = { ...ev, to: "10.0.0.0/8" };
    expect(ruleEventAgrees(withTo, [{ ...held, to: "10.0.0.0/8" }])).toBe(true);
    expect(ruleEventAgrees(withTo, [held])).toBe(false);
  });

  it("names the tracker key of every rule it can match (the reconciler looks only there)", () => {
    expect(ruleEventKey(ev)).toBe(ruleKey(held));
    expect(ruleEventKey({ ...ev, to: "10.0.0.0/8" })).toBe(ruleKey({ ...held, to: "10.0.0.0/8" }));
    // The protocol is not part of a rule's key: a rule of another protocol sits at the same key.
    expect(ruleEventKey({ ...ev, protocol: 0 })).toBe(ruleKey(held));
    expect(ruleEventKey({ ...ev, family: 6, from: "fd00::5/128" })).toBe(ruleKey({ ...held, family: 6, from: "fd00::5/128" }));
  });
});

describe("addressEventKey", () => {
  it("names the tracker key of every address an event can match (IPv6 keys hold every length)", () => {
    const v4: AddressEvent = { deleted: false, family: 4, dev: "lo", address: "10.112.0.5", prefixlen: 32 };
    expect(addressEventKey(v4)).toBe(addressKey({ family: 4, dev: "lo", address: "10.112.0.5", prefixlen: 32 }));
    expect(addressEventKey({ ...v4, prefixlen: 24 })).not.toBe(addressEventKey(v4));
    const v6: AddressEvent = { deleted: false, family: 6, dev: "lo", address: "fd00::5", prefixlen: 128 };
    expect(addressEventKey(v6)).toBe(addressKey({ family: 6, dev: "lo", address: "fd00::5", prefixlen: 64 }));
  });
});

describe("parseRuleEvent protocol names", () => {
  it("refuses protocol names that are only properties of every object (constructor, toString, __proto__)", () => {
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(parseRuleEvent(`1000:\tfrom 10.112.0.5 lookup 10005 proto ${name}`), name).toBeUndefined();
    }
  });

  it("does not take a deleted rule with such a protocol name for one already gone from the cache", () => {
    const held: Rule = { family: 4, priority: 1000, from: "10.112.0.5/32", tos: 0, action: "lookup", table: 10005, protocol: 77 };
    const ev = parseRuleEvent("Deleted 1000:\tfrom 10.112.0.5 lookup 10005 proto constructor");
    // Unread (the caller re-reads) or read as disagreeing: never "already gone" while the cache holds it.
    expect(ev === undefined || !ruleEventAgrees(ev, [held])).toBe(true);
  });
});
