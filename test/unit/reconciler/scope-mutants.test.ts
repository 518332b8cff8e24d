// What a pass must observe: when a scope asks for nothing, what each kind of kernel event adds to
// it (events kept, or scopes to re-read) and how a deferred scope merges into the next one.
// Written against the survivors of mutation testing (docs/reliability.md, Mutation testing).
import { describe, expect, it } from "vitest";
import type { KernelChange, RouteChange } from "../../../src/adapters/ports.js";
import { makeRoute } from "../../../src/core/model/normalize.js";
import type { AddressEvent, RuleEvent } from "../../../src/core/parse/ip-monitor-objects.js";
import { emptyScope, isEmptyScope, mergeScope, noteKernelChange, type PassScope } from "../../../src/reconciler/scope.js";

const rule: RuleEvent = { deleted: false, family: 4, priority: 1000, from: "10.111.100.9/32", table: 1000, protocol: 201 };
const address: AddressEvent = { deleted: true, family: 4, dev: "lo", address: "10.111.100.9", prefixlen: 32, label: "lo:fw" };
const routeChange: RouteChange = {
  family: 4, table: 1000, dst: "0.0.0.0/0", deleted: false,
  route: makeRoute({ table: 1000, dst: "0.0.0.0/0", protocol: 201, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] }),
};

/** A batch of kernel changes: nothing unless `over` says so. */
function change(over: Partial<KernelChange>): KernelChange {
  return { kinds: [], routes: [], routesTruncated: false, events: 1, resync: false, ...over };
}

/** The scope after noting `over` into an empty one. */
function noted(over: Partial<KernelChange>): PassScope {
  const s = emptyScope();
  noteKernelChange(s, change(over));
  return s;
}

describe("emptyScope and isEmptyScope", () => {
  it("an empty scope asks for nothing: no resync, no events, nothing to re-read", () => {
    const s = emptyScope();
    expect(s).toEqual({
      resync: undefined, routes: [], ruleEvents: [], addressEvents: [], vips: new Set(),
      reread: { families: new Set(), tables: new Set(), rules: false, addresses: false, links: false, sysctls: false },
    });
    expect(isEmptyScope(s)).toBe(true);
  });

  it("a resync reason alone makes the scope non-empty", () => {
    expect(emptyScope("monitor restarted").resync).toBe("monitor restarted");
    expect(isEmptyScope(emptyScope("monitor restarted"))).toBe(false);
  });

  const oneThing: Array<[string, (s: PassScope) => void]> = [
    ["a route event", (s) => { s.routes.push(routeChange); }],
    ["a rule event", (s) => { s.ruleEvents.push(rule); }],
    ["an address event", (s) => { s.addressEvents.push(address); }],
    ["a changed VIP", (s) => { s.vips.add("10.111.100.9"); }],
    ["a family to re-read", (s) => { s.reread.families.add(6); }],
    ["a table to re-read", (s) => { s.reread.tables.add("4|1000"); }],
    ["rules to re-read", (s) => { s.reread.rules = true; }],
    ["addresses to re-read", (s) => { s.reread.addresses = true; }],
    ["links to re-read", (s) => { s.reread.links = true; }],
    ["sysctls to re-read", (s) => { s.reread.sysctls = true; }],
  ];
  for (const [what, add] of oneThing) {
    it(`${what} alone makes the scope non-empty`, () => {
      const s = emptyScope();
      add(s);
      expect(isEmptyScope(s)).toBe(false);
    });
  }
});

describe("noteKernelChange: resync reasons", () => {
  it("a truncated batch asks for a resync, saying the batch could not list every change", () => {
    const s = noted({ kinds: ["route"], routesTruncated: true });
    expect(s.resync).toBe("more changes than one batch lists");
    expect(isEmptyScope(s)).toBe(false);
  });

  it("a monitor restart is the reason kept when the same batch is also truncated", () => {
    expect(noted({ resync: true, routesTruncated: true }).resync).toBe("the kernel monitor restarted: events may be lost");
  });

  it("a batch neither restarted nor truncated asks for no resync", () => {
    expect(noted({ kinds: ["route"], routes: [routeChange] }).resync).toBeUndefined();
  });
});

describe("noteKernelChange: rule events", () => {
  it("rule events all read are kept as events, rules are not re-read", () => {
    const s = noted({ kinds: ["rule"], rules: [rule, { ...rule, deleted: true }] });
    expect(s.ruleEvents).toEqual([rule, { ...rule, deleted: true }]);
    expect(s.reread.rules).toBe(false);
  });

  it("a rule event the dataplane does not report (rules absent) re-reads the rules", () => {
    const s = noted({ kinds: ["rule"] });
    expect(s.reread.rules).toBe(true);
    expect(s.ruleEvents).toEqual([]);
  });

  it("one unreadable rule event among readable ones re-reads the rules and keeps no event", () => {
    const s = noted({ kinds: ["rule"], rules: [rule, undefined] });
    expect(s.reread.rules).toBe(true);
    expect(s.ruleEvents).toEqual([]);
  });

  it("a lone unreadable rule event re-reads the rules", () => {
    const s = noted({ kinds: ["rule"], rules: [undefined] });
    expect(s.reread.rules).toBe(true);
    expect(s.ruleEvents).toEqual([]);
  });

  it("a batch without rule events neither re-reads rules nor keeps rule events", () => {
    const s = noted({ kinds: ["link"] });
    expect(s.reread.rules).toBe(false);
    expect(s.ruleEvents).toEqual([]);
  });
});

describe("noteKernelChange: address events", () => {
  it("address events all read are kept as events; nothing is re-read for them", () => {
    const s = noted({ kinds: ["address"], addresses: [address] });
    expect(s.addressEvents).toEqual([address]);
    expect(s.reread.addresses).toBe(false);
    expect(s.reread.families).toEqual(new Set());
  });

  it("address events the dataplane does not report re-read addresses and every route (a removal flushes routes silently)", () => {
    const s = noted({ kinds: ["address"] });
    expect(s.reread.addresses).toBe(true);
    expect(s.reread.families).toEqual(new Set([4, 6]));
    expect(s.addressEvents).toEqual([]);
  });

  it("one unreadable address event among readable ones re-reads addresses and both families", () => {
    const s = noted({ kinds: ["address"], addresses: [address, undefined] });
    expect(s.reread.addresses).toBe(true);
    expect(s.reread.families).toEqual(new Set([4, 6]));
    expect(s.addressEvents).toEqual([]);
  });

  it("a lone unreadable address event re-reads addresses and both families", () => {
    const s = noted({ kinds: ["address"], addresses: [undefined] });
    expect(s.reread.addresses).toBe(true);
    expect(s.reread.families).toEqual(new Set([4, 6]));
  });
});

describe("noteKernelChange: links and sysctls", () => {
  it("a link event re-reads links and sysctls", () => {
    const s = noted({ kinds: ["link"] });
    expect(s.reread.links).toBe(true);
    expect(s.reread.sysctls).toBe(true);
  });

  it("a netconf event alone re-reads sysctls but not links", () => {
    const s = noted({ kinds: ["netconf"] });
    expect(s.reread.sysctls).toBe(true);
    expect(s.reread.links).toBe(false);
  });

  it("route, rule and address events re-read neither links nor sysctls", () => {
    const s = noted({ kinds: ["route", "rule", "address"], routes: [routeChange], rules: [rule], addresses: [address] });
    expect(s.reread.links).toBe(false);
    expect(s.reread.sysctls).toBe(false);
  });
});

describe("noteKernelChange: route events", () => {
  it("a route event with its route is kept as an event; nothing is re-read", () => {
    const s = noted({ kinds: ["route"], routes: [routeChange] });
    expect(s.routes).toEqual([routeChange]);
    expect(s.reread.tables).toEqual(new Set());
    expect(s.reread.families).toEqual(new Set());
  });

  it("unread route lines re-read both families, even beside route events that were read", () => {
    const s = noted({ kinds: ["route"], routes: [routeChange], unreadRoutes: 2 });
    expect(s.reread.families).toEqual(new Set([4, 6]));
    expect(s.routes).toEqual([routeChange]);
  });

  it("route events without any detail and no unread count re-read both families", () => {
    expect(noted({ kinds: ["route"] }).reread.families).toEqual(new Set([4, 6]));
  });

  it("a route kind with no details but an unread count of zero re-reads no family", () => {
    expect(noted({ kinds: ["route"], unreadRoutes: 0 }).reread.families).toEqual(new Set());
  });

  it("no route kind and no details re-reads no family", () => {
    expect(noted({ kinds: ["link"] }).reread.families).toEqual(new Set());
  });

  it("a route event whose route was not understood re-reads its table in its family", () => {
    const s = noted({ kinds: ["route"], routes: [{ family: 6, table: 1001, dst: "::/0", deleted: true }] });
    expect(s.reread.tables).toEqual(new Set(["6|1001"]));
    expect(s.routes).toEqual([]);
    expect(s.reread.families).toEqual(new Set());
  });

  it("a route event naming no family re-reads its table in both families", () => {
    const s = noted({ kinds: ["route"], routes: [{ table: 1000, dst: "0.0.0.0/0", deleted: false }] });
    expect(s.reread.tables).toEqual(new Set(["4|1000", "6|1000"]));
  });
});

describe("mergeScope", () => {
  it("a deferred resync reason carries over into a scope without one", () => {
    const into = emptyScope();
    mergeScope(into, emptyScope("lost events"));
    expect(into.resync).toBe("lost events");
  });

  it("the newer scope's own resync reason is kept", () => {
    const into = emptyScope("monitor restarted");
    mergeScope(into, emptyScope("lost events"));
    expect(into.resync).toBe("monitor restarted");
  });

  it("the deferred scope's events come before the newer ones; VIPs, families and tables are united", () => {
    const older = emptyScope();
    const newer = emptyScope();
    const r2: RouteChange = { ...routeChange, deleted: true };
    older.routes.push(routeChange);
    newer.routes.push(r2);
    older.ruleEvents.push(rule);
    newer.ruleEvents.push({ ...rule, deleted: true });
    older.addressEvents.push(address);
    newer.addressEvents.push({ ...address, deleted: false });
    older.vips.add("10.111.100.9");
    newer.vips.add("10.111.100.10");
    older.reread.families.add(6);
    newer.reread.families.add(4);
    older.reread.tables.add("4|1000");
    newer.reread.tables.add("6|1001");
    mergeScope(newer, older);
    expect(newer.routes).toEqual([routeChange, r2]);
    expect(newer.ruleEvents).toEqual([rule, { ...rule, deleted: true }]);
    expect(newer.addressEvents).toEqual([address, { ...address, deleted: false }]);
    expect(newer.vips).toEqual(new Set(["10.111.100.9", "10.111.100.10"]));
    expect(newer.reread.families).toEqual(new Set([4, 6]));
    expect(newer.reread.tables).toEqual(new Set(["4|1000", "6|1001"]));
  });

  it("each re-read the deferred scope asked for is kept", () => {
    const into = emptyScope();
    const from = emptyScope();
    Object.assign(from.reread, { rules: true, addresses: true, links: true, sysctls: true });
    mergeScope(into, from);
    expect(into.reread).toMatchObject({ rules: true, addresses: true, links: true, sysctls: true });
  });

  it("each re-read the newer scope asked for stays when the deferred one did not ask", () => {
    const into = emptyScope();
    Object.assign(into.reread, { rules: true, addresses: true, links: true, sysctls: true });
    mergeScope(into, emptyScope());
    expect(into.reread).toMatchObject({ rules: true, addresses: true, links: true, sysctls: true });
  });

  it("two empty scopes merge into an empty scope", () => {
    const into = emptyScope();
    mergeScope(into, emptyScope());
    expect(isEmptyScope(into)).toBe(true);
  });
});
