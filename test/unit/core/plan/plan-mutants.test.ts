// The planner's findings in detail: each conflict with its reason, holder and message, the text
// of every operation's reason (what `reconcile --plan` prints), drift, the guards, and the order
// of everything it returns. The properties prove safety; these pin down what an operator reads.
// Written against the survivors of mutation testing (docs/reliability.md, Mutation testing).
import { describe, expect, it } from "vitest";
import { makeAddress, makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import type { Route } from "../../../../src/core/model/route.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { canonicalJson } from "../../../../src/core/plan/canonical-json.js";
import { judgeGroup, reinstallAllowance } from "../../../../src/core/plan/guards.js";
import { plan } from "../../../../src/core/plan/plan.js";
import type { DesiredState, LiveState, PlanOptions } from "../../../../src/core/plan/types.js";

const policy = defaultOwnershipPolicy({ tables: [{ from: 1000, to: 1999 }, { from: 198, to: 198 }], addressRanges: ["fd00:100::/120"] });
const complete: PlanOptions = { observationComplete: true, repairProtected: "report" };
const reinstall: PlanOptions = { observationComplete: true, repairProtected: "reinstall" };
const desired = (d: Partial<DesiredState>): DesiredState => ({ routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: [], ...d });
const live = (l: Partial<LiveState>): LiveState => ({ routes: [], rules: [], addresses: [], sysctls: [], ...l });

const ours = (dst: string, table = 1000, nexthops: Array<{ gateway?: string; dev?: string }> = [{ gateway: "10.2.0.1", dev: "eth1" }], extra = {}) =>
  makeRoute({ dst, family: dst.includes(":") ? 6 : 4, table, protocol: 201, nexthops, ...extra });
const bird = (dst: string, extra = {}) => makeRoute({ dst, metric: 32, protocol: 12, nexthops: [{ gateway: "10.1.0.1", dev: "eth0" }], ...extra });
const rule = (from: string, table = 1000, extra = {}) => makeRule({ priority: 1000, from, table, protocol: 201, ...extra });
const addr = (address: string, extra = {}) => makeAddress({ dev: "lo", address, prefixlen: 32, label: "lo:fw", ...extra });

describe("the text of operations (what --plan prints)", () => {
  it("routes: type unless unicast, each nexthop, table name, metric, protocol name", () => {
    const multipath = ours("10.5.0.0/16", 1000, [{ gateway: "10.2.0.1", dev: "eth1" }, { gateway: "10.3.0.1", dev: "eth2" }]);
    const p = plan(desired({ routes: [
      multipath, ours("10.6.0.0/16", 1000, [{ dev: "lo" }]), makeRoute({ dst: "10.7.0.0/16", table: 1000, type: "blackhole", protocol: 201 }),
    ] }), live({}), policy, complete);
    expect(p.ops.map((o) => o.reason)).toEqual([
      "missing: 10.5.0.0/16 via 10.2.0.1 dev eth1, via 10.3.0.1 dev eth2 table 1000 metric 0 proto 201",
      "missing: 10.6.0.0/16 dev lo table 1000 metric 0 proto 201",
      "missing: blackhole 10.7.0.0/16 table 1000 metric 0 proto 201",
    ]);
  });
  it("a replace says what differs, from the kernel's copy to the desired route", () => {
    const p = plan(desired({ routes: [ours("0.0.0.0/0", 1000, [{ gateway: "10.3.0.1", dev: "eth2" }])] }),
      live({ routes: [ours("0.0.0.0/0")] }), policy, complete);
    expect(p.ops).toEqual([{ kind: "route.replace", route: ours("0.0.0.0/0", 1000, [{ gateway: "10.3.0.1", dev: "eth2" }]), previous: ours("0.0.0.0/0"),
      reason: "differs: 0.0.0.0/0 via 10.2.0.1 dev eth1 table 1000 metric 0 proto 201 -> 0.0.0.0/0 via 10.3.0.1 dev eth2 table 1000 metric 0 proto 201" }]);
  });
  it("an equal route of ours is left alone", () => {
    expect(plan(desired({ routes: [ours("0.0.0.0/0")] }), live({ routes: [ours("0.0.0.0/0")] }), policy, complete).ops).toEqual([]);
  });
  it("rules: every selector, 'all' without one, the action", () => {
    const rules = [
      rule("10.1.1.1"),
      makeRule({ priority: 1001, to: "10.9.0.0/16", iif: "eth0", oif: "eth1", fwmark: { value: 7, mask: 255 }, table: 1000, protocol: 201 }),
      makeRule({ priority: 1002, action: "goto", gotoPriority: 1500, protocol: 201 }),
      makeRule({ priority: 1003, action: "blackhole", protocol: 201 }),
    ];
    const foreign = makeRoute({ dst: "default", family: 4, table: 1000, protocol: 4, nexthops: [{ dev: "eth0" }] });
    const p = plan(desired({ rules }), live({ routes: [foreign] }), policy, complete);
    expect(p.ops.map((o) => o.reason)).toEqual([
      "missing: 1000: from 10.1.1.1/32 lookup 1000",
      "missing: 1001: to 10.9.0.0/16 iif eth0 oif eth1 fwmark 7/255 lookup 1000",
      "missing: 1002: all goto",
      "missing: 1003: all blackhole",
    ]);
  });
  it("a rule into main is named by its table name", () => {
    const p = plan(desired({ rules: [rule("10.1.1.1", 254)] }), live({ routes: [bird("10.9.0.0/16")] }), policy, complete);
    expect(p.ops.map((o) => o.reason)).toEqual(["missing: 1000: from 10.1.1.1/32 lookup main"]);
  });
  it("addresses: with and without a label; deletes say 'not desired'", () => {
    const v6 = makeAddress({ dev: "lo", address: "fd00:100::5", prefixlen: 128 });
    const p = plan(desired({ addresses: [addr("10.1.1.1"), v6] }), live({}), policy, complete);
    expect(p.ops.map((o) => o.reason)).toEqual(["missing: 10.1.1.1/32 dev lo label lo:fw", "missing: fd00:100::5/128 dev lo"]);
    const q = plan(desired({}), live({ addresses: [addr("10.1.1.1")] }), policy, complete);
    expect(q.ops).toEqual([{ kind: "address.delete", address: addr("10.1.1.1"), reason: "not desired: 10.1.1.1/32 dev lo label lo:fw" }]);
  });
  it("route and rule deletes say 'not desired'; a rule whose table would be empty says so", () => {
    const p = plan(desired({}), live({ routes: [ours("0.0.0.0/0")], rules: [rule("10.1.1.1")] }), policy, complete);
    expect(p.ops.map((o) => [o.kind, o.reason])).toEqual([
      ["rule.delete", "not desired: 1000: from 10.1.1.1/32 lookup 1000"],
      ["route.delete", "not desired: 0.0.0.0/0 via 10.2.0.1 dev eth1 table 1000 metric 0 proto 201"],
    ]);
    const q = plan(desired({ rules: [rule("10.1.1.1")] }), live({ rules: [rule("10.1.1.1")] }), policy, complete);
    expect(q.ops.map((o) => [o.kind, o.reason])).toEqual([["rule.delete", "its table would be empty: 1000: from 10.1.1.1/32 lookup 1000"]]);
    expect(q.conflicts).toEqual([{ object: "rule", key: expect.any(String), reason: "table-empty", desired: rule("10.1.1.1"),
      message: "rule 1000: from 10.1.1.1/32 lookup 1000 would point at an empty table; not installed" }]);
  });
  it("sysctls say what is and what is wanted", () => {
    const p = plan(desired({ sysctls: [{ iface: "eth0", name: "send_redirects", value: 0 }] }),
      live({ sysctls: [{ iface: "eth0", name: "send_redirects", value: 1 }] }), policy, complete);
    expect(p.ops).toEqual([{ kind: "sysctl.set", sysctl: { iface: "eth0", name: "send_redirects", value: 0 }, previous: 1,
      reason: "net.ipv4.conf.eth0.send_redirects is 1, want 0" }]);
  });
});

describe("conflicts: reason, holder, message", () => {
  it("a desired route, rule or address without our markers is not ownable", () => {
    const p = plan(desired({
      routes: [makeRoute({ dst: "10.5.0.0/16", table: 1000, protocol: 4, nexthops: [{ dev: "lo" }] })],
      rules: [makeRule({ priority: 1000, from: "10.1.1.1", table: 1000, protocol: 4 })],
      addresses: [makeAddress({ dev: "lo", address: "10.1.1.1", prefixlen: 32 })],
    }), live({ routes: [ours("0.0.0.0/0")] }), policy, complete);
    expect(p.conflicts.map((c) => [c.object, c.reason, c.message])).toEqual([
      ["address", "not-ownable", "desired address 10.1.1.1/32 dev lo would not carry fibwarden's marker"],
      ["route", "not-ownable", "desired route 10.5.0.0/16 dev lo table 1000 metric 0 proto static would not carry fibwarden's protocol 201 in a managed table"],
      ["rule", "not-ownable", "desired rule 1000: from 10.1.1.1/32 lookup 1000 would not carry protocol 201 inside the managed priorities"],
    ]);
    expect(p.ops.map((o) => o.kind)).toEqual(["route.delete"]);
  });
  it("a desired route at the key of a route BIRD exports collides with it", () => {
    // A BIRD kernel protocol configured into a managed table: the export wins over our route.
    const clash = ours("10.9.0.0/16", 1000, [{ dev: "lo" }], { metric: 32 });
    const exported = bird("10.9.0.0/16", { table: 1000 });
    const p = plan(desired({ routes: [clash], protectedRoutes: [exported] }), live({}), policy, complete);
    expect(p.conflicts).toEqual([{ object: "route", key: "4|1000|10.9.0.0/16|0|32", reason: "collides-with-protected", desired: clash,
      holder: exported, holderOwnership: "protected",
      message: "desired route 10.9.0.0/16 dev lo table 1000 metric 32 proto 201 has the kernel key of a route BIRD exports" }]);
    expect(p.ops).toEqual([]);
  });
  it("a preferred source that is no local address is refused; desired and live addresses count as local", () => {
    const r = ours("10.5.0.0/16", 1000, [{ dev: "lo" }], { prefsrc: "10.1.1.1" });
    const p = plan(desired({ routes: [r] }), live({}), policy, complete);
    expect(p.conflicts).toEqual([{ object: "route", key: "4|1000|10.5.0.0/16|0|0", reason: "prefsrc-not-local", desired: r,
      message: "desired route 10.5.0.0/16 dev lo table 1000 metric 0 proto 201 uses 10.1.1.1 as source, which is not a local address" }]);
    expect(plan(desired({ routes: [r], addresses: [addr("10.1.1.1")] }), live({}), policy, complete).conflicts).toEqual([]);
    expect(plan(desired({ routes: [r] }), live({ addresses: [makeAddress({ dev: "eth0", address: "10.1.1.1", prefixlen: 24 })] }), policy, complete).conflicts).toEqual([]);
  });
  it("a desired address the policy would not own is not counted as local", () => {
    const r = ours("10.5.0.0/16", 1000, [{ dev: "lo" }], { prefsrc: "10.1.1.1" });
    const p = plan(desired({ routes: [r], addresses: [makeAddress({ dev: "lo", address: "10.1.1.1", prefixlen: 32 })] }), live({}), policy, complete);
    expect(p.conflicts.map((c) => c.reason).sort()).toEqual(["not-ownable", "prefsrc-not-local"]);
  });
  it("a route key held by several kernel routes is ambiguous; the message counts them", () => {
    const d = ours("0.0.0.0/0");
    const a = makeRoute({ dst: "default", family: 4, table: 1000, protocol: 4, nexthops: [{ dev: "eth0" }] });
    const b = makeRoute({ dst: "default", family: 4, table: 1000, protocol: 201, type: "blackhole" });
    const p = plan(desired({ routes: [d] }), live({ routes: [a, b] }), policy, complete);
    expect(p.conflicts).toEqual([{ object: "route", key: "4|1000|0.0.0.0/0|0|0", reason: "ambiguous-key", desired: d,
      message: "2 kernel routes share the key of 0.0.0.0/0 via 10.2.0.1 dev eth1 table 1000 metric 0 proto 201; left alone" }]);
    expect(p.ops).toEqual([]);
    // not desired: still ambiguous, with the first of ours (canonical order) as holder, nothing deleted
    const q = plan(desired({}), live({ routes: [b, a, ours("0.0.0.0/0")] }), policy, complete);
    expect(q.conflicts).toEqual([{ object: "route", key: "4|1000|0.0.0.0/0|0|0", reason: "ambiguous-key", holder: b, holderOwnership: "ours",
      message: "3 kernel routes share key 4|1000|0.0.0.0/0|0|0, 2 of them ours; left alone" }]);
    expect(q.ops).toEqual([]);
    expect(q.withheld).toEqual([]);
  });
  it("several foreign routes at one key are nobody's business", () => {
    const a = makeRoute({ dst: "default", family: 4, table: 1000, protocol: 4, nexthops: [{ dev: "eth0" }] });
    const b = makeRoute({ dst: "default", family: 4, table: 1000, protocol: 3, type: "blackhole" });
    expect(plan(desired({}), live({ routes: [a, b] }), policy, complete)).toEqual({ ops: [], withheld: [], conflicts: [], drift: [], guards: [] });
  });
  it("a route key held by a foreign or protected route is never replaced", () => {
    const d = ours("10.9.0.0/16", 1000, [{ dev: "lo" }]);
    const alien = makeRoute({ dst: "10.9.0.0/16", table: 1000, protocol: 4, nexthops: [{ dev: "eth0" }] });
    const p = plan(desired({ routes: [d] }), live({ routes: [alien] }), policy, complete);
    expect(p.conflicts).toEqual([{ object: "route", key: "4|1000|10.9.0.0/16|0|0", reason: "held-by-alien", desired: d, holder: alien, holderOwnership: "alien",
      message: "kernel key of 10.9.0.0/16 dev lo table 1000 metric 0 proto 201 is held by alien route 10.9.0.0/16 dev eth0 table 1000 metric 0 proto static; not replaced" }]);
    // BIRD's own route in a managed table is not protected (protected tables are never managed):
    // it is as foreign as any other.
    const birds = makeRoute({ dst: "10.9.0.0/16", table: 1000, protocol: 12, nexthops: [{ dev: "eth0" }] });
    expect(plan(desired({ routes: [d] }), live({ routes: [birds] }), policy, complete).conflicts.map((c) => [c.reason, c.holderOwnership]))
      .toEqual([["held-by-alien", "alien"]]);
  });
  it("duplicate desired items: the canonically smallest wins, in any order; identical copies are no conflict", () => {
    const a = ours("0.0.0.0/0", 1000, [{ gateway: "10.2.0.1", dev: "eth1" }]);
    const b = ours("0.0.0.0/0", 1000, [{ gateway: "10.3.0.1", dev: "eth2" }]);
    for (const routes of [[a, b], [b, a], [b, a, a]]) {
      const p = plan(desired({ routes }), live({}), policy, complete);
      expect(p.ops.map((o) => (o.kind === "route.add" ? o.route : undefined))).toEqual([a]);
      expect(p.conflicts).toEqual([{ object: "route", key: "4|1000|0.0.0.0/0|0|0", reason: "duplicate-desired", desired: b,
        message: "two desired routes share the kernel key 4|1000|0.0.0.0/0|0|0; only one can exist" }]);
    }
    expect(plan(desired({ routes: [a, a] }), live({}), policy, complete).conflicts).toEqual([]);
    const r1 = rule("10.1.1.1", 1000, { protocol: 201 });
    const r2 = rule("10.1.1.1", 1000, { protocol: 4 });
    expect(plan(desired({ rules: [r1, r2] }), live({}), policy, complete).conflicts.map((c) => [c.object, c.reason]))
      .toContainEqual(["rule", "duplicate-desired"]);
  });
  it("rules: ambiguous, held by another protocol, or ours at the key", () => {
    const d = rule("10.1.1.1");
    const foreign = rule("10.1.1.1", 1000, { protocol: 4 });
    const withTable = { routes: [ours("0.0.0.0/0")] };
    const held = plan(desired({ rules: [d], routes: [ours("0.0.0.0/0")] }), live({ ...withTable, rules: [foreign] }), policy, complete);
    expect(held.conflicts).toEqual([{ object: "rule", key: expect.any(String), reason: "held-by-alien", desired: d, holder: foreign, holderOwnership: "alien",
      message: "rule 1000: from 10.1.1.1/32 lookup 1000 exists with protocol static; not replaced" }]);
    expect(held.ops).toEqual([]);
    const amb = plan(desired({ rules: [d], routes: [ours("0.0.0.0/0")] }), live({ ...withTable, rules: [foreign, d] }), policy, complete);
    expect(amb.conflicts.map((c) => [c.reason, c.message])).toEqual([["ambiguous-key", "2 kernel rules share the selectors of 1000: from 10.1.1.1/32 lookup 1000; left alone"]]);
    expect(amb.ops).toEqual([]);
    expect(plan(desired({ rules: [d], routes: [ours("0.0.0.0/0")] }), live({ ...withTable, rules: [d] }), policy, complete).ops).toEqual([]);
    // several rules at a key, ours among them, not desired: left alone
    expect(plan(desired({ routes: [ours("0.0.0.0/0")] }), live({ ...withTable, rules: [foreign, d] }), policy, complete).ops).toEqual([]);
  });
  it("a rule's table counts the routes this plan adds and deletes, or the counts it is given", () => {
    const d = rule("10.1.1.1");
    // the table's only route goes: the rule would be empty
    const p = plan(desired({ rules: [d] }), live({ routes: [ours("0.0.0.0/0")] }), policy, complete);
    expect(p.conflicts.map((c) => c.reason)).toEqual(["table-empty"]);
    // an incomplete observation keeps the route, so the table is not empty
    const q = plan(desired({ rules: [d] }), live({ routes: [ours("0.0.0.0/0")] }), policy, { ...complete, observationComplete: false });
    expect(q.conflicts).toEqual([]);
    expect(q.ops.map((o) => o.kind)).toEqual(["rule.add"]);
    // a non-lookup rule needs no table
    expect(plan(desired({ rules: [makeRule({ priority: 1000, action: "blackhole", protocol: 201 })] }), live({}), policy, complete).ops.map((o) => o.kind)).toEqual(["rule.add"]);
  });
  it("addresses: held by someone else, or ambiguous", () => {
    const d = addr("10.1.1.1");
    const foreign = makeAddress({ dev: "lo", address: "10.1.1.1", prefixlen: 32 });
    const p = plan(desired({ addresses: [d] }), live({ addresses: [foreign] }), policy, complete);
    expect(p.conflicts).toEqual([{ object: "address", key: "4|lo|10.1.1.1/32", reason: "held-by-alien", desired: d, holder: foreign, holderOwnership: "alien",
      message: "address 10.1.1.1/32 dev lo label lo:fw is already assigned by someone else (10.1.1.1/32 dev lo); left alone" }]);
    const q = plan(desired({ addresses: [d] }), live({ addresses: [foreign, d] }), policy, complete);
    expect(q.conflicts.map((c) => [c.reason, c.message])).toEqual([["ambiguous-key", "several addresses share 4|lo|10.1.1.1/32"]]);
    expect(q.ops).toEqual([]);
    expect(plan(desired({ addresses: [d] }), live({ addresses: [d] }), policy, complete).ops).toEqual([]);
  });
  it("an address of ours still used as preferred source stays, unless another copy of it survives", () => {
    const a = addr("10.1.1.1");
    const user = makeRoute({ dst: "10.50.0.0/16", protocol: 4, prefsrc: "10.1.1.1", nexthops: [{ gateway: "10.2.0.1", dev: "eth1" }] });
    const p = plan(desired({}), live({ addresses: [a], routes: [user] }), policy, complete);
    expect(p.conflicts).toEqual([{ object: "address", key: "4|lo|10.1.1.1/32", reason: "address-in-use", holder: a, holderOwnership: "ours",
      message: "address 10.1.1.1/32 dev lo label lo:fw is not desired but a route still uses it as preferred source; deleting it would flush that route" }]);
    expect(p.ops).toEqual([]);
    const other = makeAddress({ dev: "eth1", address: "10.1.1.1", prefixlen: 24 });
    expect(plan(desired({}), live({ addresses: [a, other], routes: [user] }), policy, complete).ops.map((o) => o.kind)).toEqual(["address.delete"]);
    // the same address desired on another device (added by this plan) survives too
    const moved = addr("10.1.1.1", { dev: "lo", prefixlen: 31 });
    expect(plan(desired({ addresses: [moved] }), live({ addresses: [a], routes: [user] }), policy, complete).ops.map((o) => o.kind))
      .toEqual(["address.add", "address.delete"]);
  });
  it("the routes that keep an address in use: desired ones, kept foreign ones, ours withheld", () => {
    const a = addr("10.1.1.1");
    const mine = ours("10.5.0.0/16", 1000, [{ dev: "lo" }], { prefsrc: "10.1.1.1" });
    expect(plan(desired({ routes: [mine] }), live({ addresses: [a] }), policy, complete).conflicts.map((c) => c.reason)).toEqual(["address-in-use"]);
    expect(plan(desired({ routes: [mine] }), live({ addresses: [a], routes: [mine] }), policy, complete).conflicts.map((c) => c.reason)).toEqual(["address-in-use"]);
    // a route of ours that goes (complete observation) no longer keeps it
    expect(plan(desired({}), live({ addresses: [a], routes: [mine] }), policy, complete).ops.map((o) => o.kind)).toEqual(["route.delete", "address.delete"]);
    // withheld deletes keep it: the address is not deleted either
    const q = plan(desired({}), live({ addresses: [a], routes: [mine] }), policy, { ...complete, observationComplete: false });
    expect(q.withheld.map((o) => o.kind)).toEqual(["route.delete"]);
    expect(q.conflicts.map((c) => c.reason)).toEqual(["address-in-use"]);
    // foreign routes sharing a key still use it
    const f1 = makeRoute({ dst: "10.50.0.0/16", protocol: 4, prefsrc: "10.1.1.1", nexthops: [{ dev: "eth1" }] });
    const f2 = makeRoute({ dst: "10.50.0.0/16", protocol: 3, type: "blackhole" });
    expect(plan(desired({}), live({ addresses: [a], routes: [f1, f2] }), policy, complete).conflicts.map((c) => c.reason)).toEqual(["address-in-use"]);
    // and so do routes sharing a key with one of ours
    const o1 = ours("10.50.0.0/16", 1000, [{ dev: "lo" }], { prefsrc: "10.1.1.1" });
    const o2 = makeRoute({ dst: "10.50.0.0/16", table: 1000, protocol: 3, type: "blackhole" });
    expect(plan(desired({}), live({ addresses: [a], routes: [o1, o2] }), policy, complete).conflicts.map((c) => c.reason)).toEqual(["address-in-use", "ambiguous-key"]);
  });
});

describe("protected routes: drift", () => {
  it("a missing route that cannot be reinstalled for its source says why", () => {
    const p = bird("10.9.0.0/16", { prefsrc: "10.1.1.1" });
    const r = plan(desired({ protectedRoutes: [p] }), live({}), policy, reinstall);
    expect(r.drift).toEqual([{ kind: "missing", key: "4|254|10.9.0.0/16|0|32", expected: p, repaired: false,
      message: "protected route 10.9.0.0/16 via 10.1.0.1 dev eth0 table main metric 32 proto bird is missing from the kernel; not reinstalled: its source 10.1.1.1 is not a local address" }]);
    expect(r.ops).toEqual([]);
    const q = plan(desired({ protectedRoutes: [p] }), live({ addresses: [makeAddress({ dev: "eth0", address: "10.1.1.1", prefixlen: 24 })] }), policy, reinstall);
    expect(q.drift[0]).toMatchObject({ repaired: true, message: "protected route 10.9.0.0/16 via 10.1.0.1 dev eth0 table main metric 32 proto bird is missing from the kernel" });
    expect(q.ops).toEqual([{ kind: "route.add", route: p, reason: "reinstall protected route BIRD exports: 10.9.0.0/16 via 10.1.0.1 dev eth0 table main metric 32 proto bird" }]);
  });
  it("a reinstalled route keeps its table non-empty and its source in use", () => {
    const p = bird("10.9.0.0/16", { prefsrc: "10.1.1.1" });
    const a = addr("10.1.1.1");
    const r = plan(desired({ protectedRoutes: [p], rules: [rule("10.3.3.3", 254)] }), live({ addresses: [a] }), policy, reinstall);
    expect(r.ops.map((o) => o.kind)).toEqual(["route.add", "rule.add"]);
    expect(r.conflicts.map((c) => c.reason)).toEqual(["address-in-use"]);
  });
  it("overwritten by another protocol: drift and conflict naming the holder and its owner", () => {
    const p = bird("10.9.0.0/16");
    const usurper = makeRoute({ dst: "10.9.0.0/16", metric: 32, protocol: 4, nexthops: [{ dev: "eth3" }] });
    const r = plan(desired({ protectedRoutes: [p] }), live({ routes: [usurper] }), policy, reinstall);
    expect(r.drift).toEqual([{ kind: "overwritten", key: "4|254|10.9.0.0/16|0|32", expected: p, live: usurper, repaired: false,
      message: "protected route 10.9.0.0/16 via 10.1.0.1 dev eth0 table main metric 32 proto bird was overwritten by 10.9.0.0/16 dev eth3 table main metric 32 proto static" }]);
    expect(r.conflicts).toEqual([{ object: "route", key: "4|254|10.9.0.0/16|0|32", reason: "protected-overwritten", desired: p, holder: usurper, holderOwnership: "alien",
      message: "BIRD's route 10.9.0.0/16 is held by proto static: BIRD's kernel sync fails (\"File exists\", route marked !) at every scan while it stays, and fibwarden never evicts it" }]);
  });
  it("a kernel copy with other nexthops differs; an equal copy is in sync", () => {
    const p = bird("10.9.0.0/16");
    const other = bird("10.9.0.0/16", { nexthops: [{ gateway: "10.1.0.2", dev: "eth0" }] });
    const r = plan(desired({ protectedRoutes: [p] }), live({ routes: [other] }), policy, reinstall);
    expect(r.drift).toEqual([{ kind: "differs", key: "4|254|10.9.0.0/16|0|32", expected: p, live: other, repaired: false,
      message: "kernel copy of 10.9.0.0/16 differs from BIRD's export: 10.9.0.0/16 via 10.1.0.2 dev eth0 table main metric 32 proto bird vs 10.9.0.0/16 via 10.1.0.1 dev eth0 table main metric 32 proto bird" }]);
    expect(r.ops).toEqual([]);
    // two copies of BIRD's protocol at the key differ from one export even when one is equal
    expect(plan(desired({ protectedRoutes: [p] }), live({ routes: [p, other] }), policy, reinstall).drift.map((d) => d.kind)).toEqual(["differs"]);
    expect(plan(desired({ protectedRoutes: [p] }), live({ routes: [p] }), policy, reinstall).drift).toEqual([]);
  });
  it("shadowed: only by a lower metric on another path in the same table, the lowest reported", () => {
    const p = bird("10.9.0.0/16");
    const lower = (metric: number, dev: string, extra = {}) => makeRoute({ dst: "10.9.0.0/16", metric, protocol: 4, nexthops: [{ dev }], ...extra });
    const shadows = (...routes: Route[]) => plan(desired({ protectedRoutes: [p] }), live({ routes: [p, ...routes] }), policy, complete).drift;
    expect(shadows(lower(10, "eth3"), lower(5, "eth4"), lower(20, "eth5"))).toEqual([{ kind: "shadowed", key: "4|254|10.9.0.0/16|0|32", expected: p, live: lower(5, "eth4"), repaired: false,
      message: "protected route 10.9.0.0/16 via 10.1.0.1 dev eth0 table main metric 32 proto bird is shadowed by lower-metric 10.9.0.0/16 dev eth4 table main metric 5 proto static" }]);
    // equal metrics: the canonically first (eth3 before eth4), in any order
    expect(shadows(lower(5, "eth4"), lower(5, "eth3")).map((d) => d.live?.nexthops[0]?.dev)).toEqual(["eth3"]);
    expect(shadows(lower(5, "eth3"), lower(5, "eth4")).map((d) => d.live?.nexthops[0]?.dev)).toEqual(["eth3"]);
    expect(shadows(lower(33, "eth3"), lower(40, "eth3"))).toEqual([]); // not lower
    expect(shadows(lower(5, "eth0", { nexthops: [{ gateway: "10.1.0.1", dev: "eth0" }] }))).toEqual([]); // same path
    expect(shadows(lower(5, "eth3", { table: 100 }))).toEqual([]); // another table
    expect(shadows(lower(5, "eth3", { dst: "10.9.0.0/24" }))).toEqual([]); // another prefix
    expect(shadows(lower(5, "eth3", { tos: 4 }))).toEqual([]); // another TOS
    expect(shadows(makeRoute({ dst: "10.9.0.0/16", metric: 5, protocol: 12, nexthops: [{ dev: "eth3" }] }))).toEqual([]); // BIRD's own
    // a blackhole at a lower metric is another path even with no nexthops to compare
    expect(shadows(makeRoute({ dst: "10.9.0.0/16", metric: 5, protocol: 4, type: "blackhole" })).map((d) => d.kind)).toEqual(["shadowed"]);
    // a missing protected route can be shadowed too
    expect(plan(desired({ protectedRoutes: [p] }), live({ routes: [lower(5, "eth4")] }), policy, complete).drift.map((d) => d.kind)).toEqual(["missing", "shadowed"]);
  });
  it("the kernel-metric-mismatch guard: missing routes explained by the guard are not drift", () => {
    const exported = Array.from({ length: 10 }, (_, i) => bird(`10.${i}.0.0/16`));
    const atZero = exported.map((r) => ({ ...r, metric: 0 }));
    const r = plan(desired({ protectedRoutes: exported }), live({ routes: atZero }), policy, reinstall);
    expect(r.ops).toEqual([]);
    expect(r.drift).toEqual([]);
    expect(r.guards).toHaveLength(1);
    expect(r.guards[0]).toMatchObject({ code: "kernel-metric-mismatch", family: 4, table: 254, metric: 32, total: 10, missing: 10, limit: 50, liveMetric: 0, atLiveMetric: 10 });
  });
  it("the mass-reinstall guard: nothing reinstalled, each route drift that names the guard", () => {
    const exported = Array.from({ length: 10 }, (_, i) => bird(`10.${i}.0.0/16`));
    const r = plan(desired({ protectedRoutes: exported }), live({ routes: exported.slice(0, 5) }), policy, { ...reinstall, reinstallLimit: { share: 0.2, minimum: 1 } });
    expect(r.ops).toEqual([]);
    expect(r.guards.map((g) => [g.code, g.missing, g.limit])).toEqual([["mass-reinstall", 5, 2]]);
    expect(r.drift.map((d) => [d.kind, d.repaired, d.message.endsWith("; not reinstalled: mass-reinstall guard")])).toEqual(Array(5).fill(["missing", false, true]));
    // the same under report: no guard, plain drift
    const q = plan(desired({ protectedRoutes: exported }), live({ routes: exported.slice(0, 5) }), policy, { ...complete, reinstallLimit: { share: 0.2, minimum: 1 } });
    expect(q.guards).toEqual([]);
    expect(q.drift.every((d) => d.message.endsWith("is missing from the kernel"))).toBe(true);
  });
  it("guards are per group and sorted by family, table, metric", () => {
    const g = (i: number, extra: Partial<Route>) => ({ ...bird(`10.${i}.0.0/16`), ...extra });
    const groups = [
      { family: 6 as const, dst: "fd00:9::/48", table: 254, metric: 1024 },
      { family: 4 as const, dst: "10.0.0.0/16", table: 254, metric: 64 },
      { family: 4 as const, dst: "10.0.0.0/16", table: 100, metric: 32 },
      { family: 4 as const, dst: "10.0.0.0/16", table: 254, metric: 32 },
    ];
    const exported = groups.flatMap((x) => Array.from({ length: 3 }, (_, i) => g(i, { family: x.family, table: x.table, metric: x.metric,
      dst: x.family === 6 ? `fd00:${i}::/48` : `10.${i}.0.0/16`, nexthops: x.family === 6 ? [{ dev: "eth0", weight: 1, onlink: false }] : bird("10.0.0.0/16").nexthops })));
    const r = plan(desired({ protectedRoutes: exported }), live({}), { ...policy, protectedTables: [254, 100] },
      { ...reinstall, reinstallLimit: { share: 0, minimum: 0 } });
    expect(r.guards.map((x) => [x.family, x.table, x.metric])).toEqual([[4, 100, 32], [4, 254, 32], [4, 254, 64], [6, 254, 1024]]);
  });
});

describe("order and completeness", () => {
  it("operations run by phase: address adds, route adds/replaces, rule adds, rule deletes, route deletes, address deletes, sysctls", () => {
    const p = plan(desired({
      addresses: [addr("10.1.1.2")], routes: [ours("0.0.0.0/0"), ours("10.7.0.0/16", 1001, [{ dev: "lo" }])], rules: [rule("10.1.1.2")],
      sysctls: [{ iface: "eth0", name: "rp_filter", value: 0 }],
    }), live({
      addresses: [addr("10.1.1.1")], routes: [ours("0.0.0.0/0", 1000, [{ gateway: "10.3.0.1", dev: "eth2" }]), ours("10.6.0.0/16", 1002, [{ dev: "lo" }])],
      rules: [rule("10.1.1.1", 1002)], sysctls: [{ iface: "eth0", name: "rp_filter", value: 1 }],
    }), policy, complete);
    expect(p.ops.map((o) => o.kind)).toEqual(["address.add", "route.replace", "route.add", "rule.add", "rule.delete", "route.delete", "address.delete", "sysctl.set"]);
  });
  it("within a phase, by kernel key; the same plan whatever the input order", () => {
    const routes = [ours("10.9.0.0/16", 1000, [{ dev: "lo" }]), ours("10.10.0.0/16", 1000, [{ dev: "lo" }]), ours("10.8.0.0/16", 1001, [{ dev: "lo" }])];
    const a = plan(desired({ routes }), live({}), policy, complete);
    const b = plan(desired({ routes: [...routes].reverse() }), live({}), policy, complete);
    expect(a).toEqual(b);
    expect(a.ops.map((o) => (o.kind === "route.add" ? o.route.dst : ""))).toEqual(["10.10.0.0/16", "10.9.0.0/16", "10.8.0.0/16"]);
  });
  it("withheld deletes are ordered too", () => {
    const p = plan(desired({}), live({ routes: [ours("10.9.0.0/16", 1000, [{ dev: "lo" }]), ours("10.10.0.0/16", 1000, [{ dev: "lo" }])], rules: [rule("10.1.1.1")] }),
      policy, { ...complete, observationComplete: false });
    expect(p.ops).toEqual([]);
    expect(p.withheld.map((o) => (o.kind === "route.delete" ? o.route.dst : o.kind))).toEqual(["rule.delete", "10.10.0.0/16", "10.9.0.0/16"]);
  });
  it("conflicts by object, then key, then message; drift by key, then kind", () => {
    const p = plan(desired({
      routes: [makeRoute({ dst: "10.5.0.0/16", table: 1000, protocol: 4, nexthops: [{ dev: "lo" }] }), makeRoute({ dst: "10.4.0.0/16", table: 1000, protocol: 4, nexthops: [{ dev: "lo" }] })],
      addresses: [makeAddress({ dev: "lo", address: "10.1.1.1", prefixlen: 32 })],
      rules: [makeRule({ priority: 1000, from: "10.1.1.1", table: 1000, protocol: 4 })],
      protectedRoutes: [bird("10.9.0.0/16"), bird("10.8.0.0/16")],
    }), live({ routes: [makeRoute({ dst: "10.9.0.0/16", metric: 5, protocol: 4, nexthops: [{ dev: "eth3" }] })] }), policy, complete);
    expect(p.conflicts.map((c) => [c.object, c.key])).toEqual([
      ["address", "4|lo|10.1.1.1/32"], ["route", "4|1000|10.4.0.0/16|0|0"], ["route", "4|1000|10.5.0.0/16|0|0"], ["rule", expect.any(String)]]);
    expect(p.drift.map((d) => [d.key, d.kind])).toEqual([
      ["4|254|10.8.0.0/16|0|32", "missing"], ["4|254|10.9.0.0/16|0|32", "missing"], ["4|254|10.9.0.0/16|0|32", "shadowed"]]);
  });
  it("sysctls of interfaces the kernel does not show, or already right, are left alone", () => {
    const p = plan(desired({ sysctls: [{ iface: "gone", name: "rp_filter", value: 0 }, { iface: "eth0", name: "rp_filter", value: 1 }] }),
      live({ sysctls: [{ iface: "eth0", name: "rp_filter", value: 1 }] }), policy, complete);
    expect(p.ops).toEqual([]);
  });
  it("an invalid policy is refused before anything is planned", () => {
    expect(() => plan(desired({}), live({}), { ...policy, protocol: 12 }, complete)).toThrow(/differ from BIRD's/);
  });
});

describe("judgeGroup and reinstallAllowance", () => {
  const group = { family: 4 as const, table: 254, metric: 32 };
  const missing = (n: number, elsewhere: number[] = []) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, elsewhere }));

  it("the allowance is max(minimum, floor(share x total))", () => {
    expect(reinstallAllowance({ share: 0.1, minimum: 50 }, 1000)).toBe(100);
    expect(reinstallAllowance({ share: 0.1, minimum: 50 }, 100)).toBe(50);
    expect(reinstallAllowance({ share: 0.1, minimum: 0 }, 19)).toBe(1);
  });
  it("exactly the allowance is reinstalled; one more is a mass reinstall, under reinstall only", () => {
    expect(judgeGroup(group, 100, missing(10), { share: 0.1, minimum: 0 }, "reinstall")).toEqual({ reinstall: true, explained: new Set() });
    const v = judgeGroup(group, 100, missing(11), { share: 0.1, minimum: 0 }, "reinstall");
    expect(v.reinstall).toBe(false);
    expect(v.guard).toEqual({ code: "mass-reinstall", family: 4, table: 254, metric: 32, total: 100, missing: 11, limit: 10,
      message: "11 of 100 protected routes in table 254 (IPv4) at metric 32 are missing at once, more than the 10 one pass may reinstall (protect.reinstallLimit): a mass change is more often a wrong model (kernel table or metric of the BIRD kernel protocol) than a mass deletion; none reinstalled, each reported as drift" });
    expect(judgeGroup(group, 100, missing(11), { share: 0.1, minimum: 0 }, "report")).toEqual({ reinstall: true, explained: new Set() });
    expect(judgeGroup(group, 100, [], { share: 0, minimum: 0 }, "reinstall")).toEqual({ reinstall: true, explained: new Set() });
  });
  it("a metric mismatch needs 90 % of the missing routes at one other metric, and more than at the expected one", () => {
    const limit = { share: 1, minimum: 0 };
    // 9 of 10 at metric 0: mismatch; the 10th is not explained
    const nine = [...missing(9, [0]), { key: "last", elsewhere: [] }];
    const v = judgeGroup({ ...group, family: 6 }, 12, nine, limit, "report");
    expect(v.reinstall).toBe(false);
    expect([...v.explained].sort()).toEqual(missing(9).map((m) => m.key).sort());
    expect(v.guard).toEqual({ code: "kernel-metric-mismatch", family: 6, table: 254, metric: 32, total: 12, missing: 10, limit: 12, liveMetric: 0, atLiveMetric: 9,
      message: "9 of 12 protected routes in table 254 (IPv6) are in the kernel with BIRD's protocol at metric 0, not at the expected metric 32: BIRD installs at another metric than fibwarden assumes (bird.conf `metric`, or a misread BIRD version); set `protect.metrics.<kernel protocol>.ipv6: 0` in the config. Nothing of this group is reinstalled." });
    // 8 of 10: no mismatch
    expect(judgeGroup(group, 10, [...missing(8, [0]), ...missing(2)], limit, "report").guard).toBeUndefined();
    // 9 of 10 but as many present at the expected metric (9 of 19 missing): no mismatch
    expect(judgeGroup(group, 19, nine, limit, "report").guard).toBeUndefined();
    expect(judgeGroup(group, 18, nine, limit, "report").guard?.code).toBe("kernel-metric-mismatch");
  });
  it("the metric holding most missing routes wins, the lower on a tie; a route counts once per metric", () => {
    const limit = { share: 1, minimum: 0 };
    const v = judgeGroup(group, 10, [...missing(10, [100, 0, 0])], limit, "report");
    expect(v.guard?.liveMetric).toBe(0);
    expect(v.guard?.atLiveMetric).toBe(10);
    const w = judgeGroup(group, 10, [...missing(10, [100, 7])], limit, "report");
    expect(w.guard?.liveMetric).toBe(7);
    const x = judgeGroup(group, 10, [...missing(10, [7, 100])], limit, "report");
    expect(x.guard?.liveMetric).toBe(7);
    const m = [...missing(10, [100]).slice(0, 10)];
    m[0] = { key: "k0", elsewhere: [100, 5] };
    expect(judgeGroup(group, 10, m, limit, "report").guard?.liveMetric).toBe(100);
  });
});

describe("canonicalJson", () => {
  it("sorts object keys at every depth, drops undefined fields, keeps arrays in order", () => {
    expect(canonicalJson({ b: 1, a: [2, "x", null, { d: undefined, c: true }] })).toBe('{"a":[2,"x",null,{"c":true}],"b":1}');
    expect(canonicalJson([{ z: 1, y: [3, 1] }, []])).toBe('[{"y":[3,1],"z":1},[]]');
    expect(canonicalJson({})).toBe("{}");
    expect(canonicalJson(undefined)).toBe("null");
    expect(canonicalJson("s")).toBe('"s"');
    expect(canonicalJson(null)).toBe("null");
  });
});

describe("ties the planner breaks the same way whatever the input order", () => {
  it("several routes of ours at one key: the canonically first is the ambiguous key's holder", () => {
    const uni = ours("0.0.0.0/0");
    const hole = makeRoute({ dst: "default", family: 4, table: 1000, protocol: 201, type: "blackhole" });
    const foreign = makeRoute({ dst: "default", family: 4, table: 1000, protocol: 4, nexthops: [{ dev: "eth0" }] });
    for (const routes of [[uni, hole], [hole, uni], [uni, foreign, hole], [foreign, uni, hole]]) {
      expect(plan(desired({}), live({ routes }), policy, complete).conflicts.map((c) => c.holder), JSON.stringify(routes.map((r) => r.type))).toEqual([hole]);
    }
  });
  it("conflicts at one key are ordered by message", () => {
    const a = ours("10.9.0.0/16", 1000, [{ gateway: "10.2.0.1", dev: "eth1" }]);
    const b = ours("10.9.0.0/16", 1000, [{ gateway: "10.3.0.1", dev: "eth2" }]);
    const alien = makeRoute({ dst: "10.9.0.0/16", table: 1000, protocol: 4, nexthops: [{ dev: "eth0" }] });
    const p = plan(desired({ routes: [a, b] }), live({ routes: [alien] }), policy, complete);
    expect(p.conflicts.map((c) => c.reason)).toEqual(["held-by-alien", "duplicate-desired"]); // "kernel key of ..." < "two desired ..."
  });
  it("drift at one key is ordered by message: shadowed before overwritten", () => {
    const p = bird("10.9.0.0/16");
    const usurper = makeRoute({ dst: "10.9.0.0/16", metric: 32, protocol: 4, nexthops: [{ dev: "eth3" }] });
    const lower = makeRoute({ dst: "10.9.0.0/16", metric: 5, protocol: 4, nexthops: [{ dev: "eth4" }] });
    const r = plan(desired({ protectedRoutes: [p] }), live({ routes: [usurper, lower] }), policy, complete);
    expect(r.drift.map((d) => d.kind)).toEqual(["shadowed", "overwritten"]);
  });
  it("guards are sorted by table within a family, whatever order the groups come in", () => {
    const mk = (table: number, i: number) => ({ ...bird(`10.${i}.0.0/16`), table });
    const exported = [mk(254, 1), mk(254, 2), mk(100, 1), mk(100, 2)];
    const r = plan(desired({ protectedRoutes: exported }), live({}), { ...policy, protectedTables: [254, 100] },
      { ...reinstall, reinstallLimit: { share: 0, minimum: 0 } });
    expect(r.guards.map((g) => g.table)).toEqual([100, 254]);
  });
});

describe("edges of the address-in-use and guard logic", () => {
  it("a kernel route derived from one copy of an address does not keep another copy in use", () => {
    const host = addr("10.1.1.1");
    const wide = addr("10.1.1.1", { prefixlen: 24 });
    // the kernel's prefix route of the /24: derived from it, not from the /32
    const prefixRoute = makeRoute({ dst: "10.1.1.0/24", protocol: 2, scope: 253, prefsrc: "10.1.1.1", nexthops: [{ dev: "lo" }] });
    const p = plan(desired({}), live({ addresses: [host, wide], routes: [prefixRoute] }), policy, complete);
    expect(p.conflicts).toEqual([]);
    expect(p.ops.map((o) => o.kind)).toEqual(["address.delete", "address.delete"]);
  });
  it("a derived route sharing its key with a foreign route does not keep the address in use", () => {
    const a = addr("10.1.1.1");
    const local = makeRoute({ dst: "10.1.1.1/32", table: 255, type: "local", protocol: 2, scope: 254, prefsrc: "10.1.1.1", nexthops: [{ dev: "lo" }] });
    const other = makeRoute({ dst: "10.1.1.1/32", table: 255, protocol: 4, nexthops: [{ dev: "eth0" }] });
    const p = plan(desired({}), live({ addresses: [a], routes: [local, other] }), policy, complete);
    expect(p.conflicts).toEqual([]);
    expect(p.ops.map((o) => o.kind)).toEqual(["address.delete"]);
  });
  it("under report a metric mismatch reinstalls nothing anyway: an unexplained missing route is plain drift", () => {
    const exported = Array.from({ length: 10 }, (_, i) => bird(`10.${i}.0.0/16`));
    const atZero = exported.slice(1).map((r) => ({ ...r, metric: 0 }));
    const r = plan(desired({ protectedRoutes: exported }), live({ routes: atZero }), policy, complete);
    expect(r.guards.map((g) => g.code)).toEqual(["kernel-metric-mismatch"]);
    expect(r.drift.map((d) => d.message)).toEqual(["protected route 10.0.0.0/16 via 10.1.0.1 dev eth0 table main metric 32 proto bird is missing from the kernel"]);
    const q = plan(desired({ protectedRoutes: exported }), live({ routes: atZero }), policy, reinstall);
    expect(q.drift.map((d) => d.message)).toEqual(["protected route 10.0.0.0/16 via 10.1.0.1 dev eth0 table main metric 32 proto bird is missing from the kernel; not reinstalled: kernel-metric-mismatch guard"]);
  });
  it("a lower-metric route of another type shadows even with the same (no) nexthops", () => {
    const hole = makeRoute({ dst: "10.9.0.0/16", metric: 32, protocol: 12, type: "blackhole" });
    const unreach = makeRoute({ dst: "10.9.0.0/16", metric: 5, protocol: 4, type: "unreachable" });
    const r = plan(desired({ protectedRoutes: [hole] }), live({ routes: [hole, unreach] }), policy, complete);
    expect(r.drift.map((d) => [d.kind, d.live?.type])).toEqual([["shadowed", "unreachable"]]);
  });
  it("only a lookup rule needs routes in its table", () => {
    const r = makeRule({ priority: 1000, action: "blackhole", table: 1000, protocol: 201 });
    expect(plan(desired({ rules: [r] }), live({}), policy, complete).ops.map((o) => o.kind)).toEqual(["rule.add"]);
  });
});
