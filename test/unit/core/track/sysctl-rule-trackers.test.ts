// The sysctl and rule trackers' own behaviour (src/core/track/sysctl-tracker.ts, rule-tracker.ts):
// a value change at a key is a change, a resync is applied once and never after an abort, and the
// desired lookup rules are indexed per table as they come and go.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routeKey, ruleKey } from "../../../../src/core/model/keys.js";
import { makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import type { SysctlValue } from "../../../../src/core/model/sysctl.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { slotValues } from "../../../../src/core/track/slot.js";
import { createTrackers } from "../../../../src/core/track/trackers.js";

const policy = defaultOwnershipPolicy();
const rp = (iface: string, value: number): SysctlValue => ({ iface, name: "rp_filter", value });

describe("sysctl tracker", () => {
  it("a new value at a key replaces the old one and marks the key dirty; the same value marks nothing", () => {
    const t = createTrackers(policy);
    t.sysctls.live.set(rp("eth0", 1));
    t.takeDirty();
    t.sysctls.live.set(rp("eth0", 1));
    expect(t.takeDirty().sysctls.size).toBe(0);
    t.sysctls.live.set(rp("eth0", 2));
    expect([...t.takeDirty().sysctls]).toEqual(["eth0|rp_filter"]);
    expect(t.sysctls.live.get("eth0|rp_filter")?.value).toBe(2);
  });

  it("a resync sets what it saw and deletes what it did not, once; an aborted one changes nothing", () => {
    const t = createTrackers(policy);
    t.sysctls.desired.replace([rp("eth0", 1), rp("eth1", 2)]);
    t.takeDirty();
    const aborted = t.sysctls.desired.begin();
    aborted.add(rp("eth9", 0));
    aborted.abort();
    aborted.commit();
    expect([...t.sysctls.desired.keys()].sort()).toEqual(["eth0|rp_filter", "eth1|rp_filter"]);
    expect(t.takeDirty().sysctls.size).toBe(0);
    const r = t.sysctls.desired.begin();
    r.add(rp("eth1", 0));
    r.commit();
    expect([...t.sysctls.desired.keys()]).toEqual(["eth1|rp_filter"]);
    expect(t.sysctls.desired.get("eth1|rp_filter")?.value).toBe(0);
    expect([...t.takeDirty().sysctls].sort()).toEqual(["eth0|rp_filter", "eth1|rp_filter"]);
    t.sysctls.desired.set(rp("eth5", 1));
    r.commit(); // a second commit of the same resync must not undo later changes
    expect(t.sysctls.desired.get("eth5|rp_filter")?.value).toBe(1);
    expect(t.sysctls.desired.delete("eth5|rp_filter")).toBe(true);
    expect(t.sysctls.desired.delete("eth5|rp_filter")).toBe(false);
  });
});

describe("rule tracker", () => {
  it("indexes desired lookup rules per table as they are set and deleted; other actions are not indexed", () => {
    const t = createTrackers(policy);
    const a = makeRule({ priority: 1000, from: "10.0.0.1/32", action: "lookup", table: 1000, protocol: 201 });
    const b = makeRule({ priority: 1001, from: "10.0.0.2/32", action: "lookup", table: 1000, protocol: 201 });
    const c = makeRule({ priority: 1002, from: "10.0.0.3/32", action: "blackhole", protocol: 201 });
    t.rules.desired.replace([a, b, c]);
    expect([...(t.rules.desiredByTable.get(1000) ?? [])].sort()).toEqual([ruleKey(a), ruleKey(b)].sort());
    expect([...t.rules.desiredByTable.keys()]).toEqual([1000]);
    t.rules.desired.delete(ruleKey(a));
    expect([...t.rules.desiredByTable.get(1000)]).toEqual([ruleKey(b)]);
    t.rules.desired.delete(ruleKey(b));
    expect([...t.rules.desiredByTable.get(1000)]).toEqual([]);
    expect(t.rules.desiredByTable.has(1000)).toBe(false);
    t.rules.desired.delete(ruleKey(c));
    expect([...t.rules.desired.keys()]).toEqual([]);
  });
});

describe("route tracker: protectedKeysAtSite", () => {
  it("names the protected keys at a site (family, table, dst, TOS) at every protected metric, nothing elsewhere", () => {
    const t = createTrackers(policy);
    const bird = (dst: string, metric: number, table = 254) => makeRoute({ dst, table, metric, protocol: 12, nexthops: [{ gateway: "10.1.0.1", dev: "eth0" }] });
    const bird6 = makeRoute({ dst: "fd00::/64", table: 254, metric: 32, protocol: 12, nexthops: [{ gateway: "fe80::1", dev: "eth0" }] });
    const here32 = bird("10.9.0.0/24", 32);
    const here64 = bird("10.9.0.0/24", 64);
    const otherTable = bird("10.9.0.0/24", 32, 100);
    const otherDst = bird("10.9.1.0/24", 32);
    t.routes.protected.replace([here32, here64, otherTable, otherDst, bird6]);
    const got = t.routes.protectedKeysAtSite(routeKey({ ...here32, metric: 7 })).sort();
    expect(got).toEqual([routeKey(here32), routeKey(here64)].sort());
    expect(t.routes.protectedKeysAtSite(routeKey(otherTable))).toEqual([routeKey(otherTable)]);
    expect(t.routes.protectedKeysAtSite(routeKey({ ...bird6, metric: 1 }))).toEqual([routeKey(bird6)]);
    expect(t.routes.protectedKeysAtSite(routeKey(bird("10.9.2.0/24", 32)))).toEqual([]);
  });
});

describe("rule tracker: live tables and rules by source", () => {
  it("under any adds, removes and resyncs, count each table's live rules and list each source's keys", () => {
    const rule = fc.record({
      priority: fc.constantFrom(1000, 1001), from: fc.constantFrom("10.1.1.1/32", "10.1.1.2/32", undefined),
      table: fc.constantFrom(1000, 1001, 1002), protocol: fc.constantFrom(201, 4), action: fc.constantFrom("lookup" as const, "goto" as const),
    }).map((r) => makeRule({
      priority: r.priority, ...(r.from ? { from: r.from } : {}), protocol: r.protocol,
      ...(r.action === "lookup" ? { table: r.table } : { action: "goto", gotoPriority: 1500 }),
    }));
    const step = fc.oneof(
      fc.record({ t: fc.constant("add" as const), r: rule }),
      fc.record({ t: fc.constant("remove" as const), pick: fc.nat() }),
      fc.record({ t: fc.constant("resync" as const), rs: fc.array(rule, { maxLength: 6 }) }),
    );
    fc.assert(fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
      const t = createTrackers(policy);
      for (const s of steps) {
        if (s.t === "add") t.rules.live.add(s.r);
        else if (s.t === "remove") {
          const all = [...t.rules.live.keys()].flatMap((k) => t.rules.live.get(k));
          if (all.length > 0) t.rules.live.remove(all[s.pick % all.length]!);
        } else t.rules.live.replace(s.rs);
        const all = [...t.rules.live.keys()].flatMap((k) => t.rules.live.get(k));
        const tables = new Map<number, number>();
        for (const r of all) if (r.table !== undefined) tables.set(r.table, (tables.get(r.table) ?? 0) + 1);
        expect(new Map([...t.rules.liveTables].sort())).toEqual(new Map([...tables].sort()));
        const byFrom = new Map<string, string[]>();
        for (const k of t.rules.live.keys()) {
          const from = t.rules.live.get(k)[0]!.from;
          if (from !== undefined) byFrom.set(from, [...(byFrom.get(from) ?? []), k].sort());
        }
        const got = new Map([...t.rules.liveByFrom].map(([f, s]) => [f, [...slotValues(s)].sort()] as const));
        expect(new Map([...got].sort())).toEqual(new Map([...byFrom].sort()));
      }
    }), { numRuns: 300 });
  });
});
