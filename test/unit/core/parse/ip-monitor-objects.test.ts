// Rule and address lines of `ip monitor label` as iproute2 6.1 printed them in a namespace
// (test/fixtures/ip-monitor/rules-addresses-6.1.txt), and the cache-agreement checks.
import { describe, expect, it } from "vitest";
import { addressEventAgrees, parseAddressEvent, parseRuleEvent, ruleEventAgrees } from "../../../../src/core/parse/ip-monitor-objects.js";
import type { Rule } from "../../../../src/core/model/rule.js";
import { readFixture } from "../../../support/fixtures.js";

const lines = readFixture("ip-monitor/rules-addresses-6.1.txt").split("\n");
// Parsed inside each test, never at module load: a mutation tester activates its mutant per
// test, so results computed when the file loads would hide every mutant from these tests.
const parseRules = () => lines.filter((l) => l.startsWith("[RULE]")).map((l) => parseRuleEvent(l.slice(6)));
const parseAddrs = () => lines.filter((l) => l.startsWith("[ADDR]")).map((l) => parseAddressEvent(l.slice(6)));

describe("rule monitor lines", () => {
  it("reads the plain forms and refuses the rest", () => {
    const rules = parseRules();
    expect(rules).toEqual([
      { deleted: false, family: 4, priority: 1000, from: "10.112.0.5/32", table: 10005, protocol: 201 },
      { deleted: false, family: 4, priority: 1500, from: "10.98.1.0/24", table: 1001, protocol: 0 },
      undefined, // from all fwmark ...
      { deleted: false, family: 6, priority: 1001, from: "fd00::5/128", table: 10006, protocol: 201 },
      undefined, // from all iif eth0 [detached]
      { deleted: true, family: 4, priority: 1000, from: "10.112.0.5/32", table: 10005, protocol: 201 },
    ]);
    expect(parseRuleEvent("1000:\tfrom 10.1.0.0/24 to 10.2.0.0/24 lookup main proto static")).toEqual(
      { deleted: false, family: 4, priority: 1000, from: "10.1.0.0/24", to: "10.2.0.0/24", table: 254, protocol: 4 });
    expect(parseRuleEvent("1000:\tfrom 10.1.0.0/24 lookup 5 proto 201 extra")).toBeUndefined();
    expect(parseRuleEvent("1000:\tnot from 10.1.0.0/24 lookup 5")).toBeUndefined();
  });

  it("agrees with a cache that holds the rule (added) or lacks it (deleted)", () => {
    const rules = parseRules();
    const ours: Rule = { family: 4, priority: 1000, from: "10.112.0.5/32", tos: 0, action: "lookup", table: 10005, protocol: 201 };
    expect(ruleEventAgrees(rules[0]!, [ours])).toBe(true);
    expect(ruleEventAgrees(rules[0]!, [])).toBe(false);
    expect(ruleEventAgrees(rules[0]!, [{ ...ours, protocol: 4 }])).toBe(false);
    expect(ruleEventAgrees(rules[5]!, [])).toBe(true);
    expect(ruleEventAgrees(rules[5]!, [ours])).toBe(false);
  });
});

describe("address monitor lines", () => {
  it("reads IPv4 labels and IPv6 DAD states; continuation lines are not events", () => {
    const addrs = parseAddrs();
    expect(addrs).toEqual([
      { deleted: false, family: 4, dev: "lo", address: "10.112.0.5", prefixlen: 32, label: "lo:fw" },
      { deleted: false, family: 4, dev: "lo", address: "10.97.1.0", prefixlen: 28 },
      { deleted: false, family: 6, dev: "lo", address: "fd00::5", prefixlen: 128 },
      { deleted: false, family: 6, dev: "lo", address: "fd00::5", prefixlen: 128 },
      { deleted: true, family: 4, dev: "lo", address: "10.112.0.5", prefixlen: 32, label: "lo:fw" },
      { deleted: true, family: 6, dev: "lo", address: "fd00::5", prefixlen: 128 },
    ]);
    expect(parseAddressEvent("2: eth0    inet 10.0.0.1/24 brd 10.0.0.255 scope global eth0")).toEqual(
      { deleted: false, family: 4, dev: "eth0", address: "10.0.0.1", prefixlen: 24 });
    expect(parseAddressEvent("2: eth0    inet 10.0.0.1 peer 10.0.0.2/32 scope global eth0")).toBeUndefined();
  });

  it("agrees only when device, address, length and label match", () => {
    const addrs = parseAddrs();
    const vip = { family: 4 as const, dev: "lo", address: "10.112.0.5", prefixlen: 32, label: "lo:fw", scope: 0 };
    const { label: _drop, ...unlabeled } = vip;
    expect(addressEventAgrees(addrs[0]!, [vip])).toBe(true);
    expect(addressEventAgrees(addrs[0]!, [unlabeled])).toBe(false);
    expect(addressEventAgrees(addrs[0]!, [])).toBe(false);
    expect(addressEventAgrees(addrs[4]!, [])).toBe(true);
    expect(addressEventAgrees(addrs[4]!, [vip])).toBe(false);
  });
});
