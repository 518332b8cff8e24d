// The route tracker answers some questions without printing a key (round 6 of issue #17): the
// planner's walk of the live side judges in-sync protected keys from the numbers the side keeps
// (protectedInSyncAt, SiteIndex.mayHoldAt, RouteKeyMap.getAt), and a first load counts plain
// routes into the indexes without building them (takeFirstLoads). Each must give exactly what the
// text path gives, after every step of random event sequences over colliding pools (the indexes'
// own property, indexes.prop.test.ts, checks the first loads against a recomputation).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeRoute } from "../../../../src/core/model/normalize.js";
import type { Plan } from "../../../../src/core/plan/types.js";
import { planKeys } from "../../../../src/core/plan/plan-keys.js";
import { RouteKeyMap } from "../../../../src/core/track/route-key-map.js";
import { SiteIndex } from "../../../../src/core/track/site-index.js";
import { createTrackers } from "../../../../src/core/track/trackers.js";
import { routeKey } from "../../../../src/core/model/keys.js";
import { BIRD as BIRD_PROTOCOL, testPolicy } from "../../../support/arbitraries.js";
import { applyEvent, eventArb } from "../../../support/tracker-events.js";

const RUNS = Math.max(20, Math.round(Number(process.env.FC_RUNS ?? 2000) / 20));

describe("judgments without key text (property)", () => {
  it("protectedInSyncAt and liveKeysToLabel agree with protectedInSync on every live key, after every step", () => {
    let numericSeen = 0;
    let numeric6Seen = 0;
    let inSyncSeen = 0;
    fc.assert(fc.property(fc.array(eventArb(), { minLength: 5, maxLength: 30 }), (events) => {
      const t = createTrackers(testPolicy);
      let last: Plan | undefined;
      for (const ev of events) {
        applyEvent(t, ev, last);
        const r = t.routes;
        const byText = new Map<string, boolean>(); // key -> in sync and numeric (skipped by liveKeysToLabel)
        for (const at of r.live.entriesAt()) {
          const key = at.key();
          const expected = r.protectedInSync(key);
          byText.set(key, expected && (at.v4 || at.v6));
          if (at.v4) numericSeen++;
          if (at.v6) numeric6Seen++;
          if (expected) inSyncSeen++;
          expect(r.protectedInSyncAt(at, r.live.soleEncodingOf(at.value)), key).toBe(expected);
        }
        expect([...byText.keys()].sort()).toEqual([...r.live.keys()].sort());
        expect([...r.liveKeysToLabel()].sort()).toEqual([...byText].filter(([, s]) => !s).map(([k]) => k).sort());
        last = planKeys(t, "all", testPolicy, { observationComplete: true, repairProtected: "reinstall" });
      }
    }), { numRuns: RUNS });
    // the pools reach both paths: numeric keys (IPv4, and IPv6 ones such as ::/0), and keys in sync
    expect(numericSeen).toBeGreaterThan(0);
    expect(numeric6Seen).toBeGreaterThan(0);
    expect(inSyncSeen).toBeGreaterThan(0);
  });

  it("a protected route with our own protocol number in a managed table is left to the labels on both paths", () => {
    for (const [protocol, table, inSync] of [[12, 254, true], [201, 1000, false], [12, 1000, true]] as const) {
      const t = createTrackers(testPolicy);
      const r = makeRoute({ family: 4, dst: "10.9.0.0/24", table, protocol, metric: 32, nexthops: [{ dev: "eth0", gateway: "10.1.1.1" }] });
      t.routes.live.replace([r]);
      t.routes.protected.replace([r]);
      const [at] = [...t.routes.live.entriesAt()];
      expect(at!.v4).toBe(true);
      expect(t.routes.protectedInSync(routeKey(r))).toBe(inSync);
      expect(t.routes.protectedInSyncAt(at!, t.routes.live.soleEncodingOf(at!.value))).toBe(inSync);
    }
  });

  it("a first load counts IPv6 keys held as numbers under their own family, table and metric", () => {
    // fd00:1::/48 is held as numbers (52 bits or fewer), fd00::/64 as text: the two paths of a first load.
    const bird = (dst: string, metric: number) => makeRoute({ family: 6, dst, table: 254, protocol: BIRD_PROTOCOL, metric, nexthops: [{ dev: "eth0", gateway: "fd00:1::1" }] });
    const live = [bird("fd00:1::/48", 1024), bird("fd00::/64", 32), bird("2001:db8::/32", 1024)];
    const t = createTrackers(testPolicy);
    t.routes.live.replace(live);
    t.routes.protected.replace([live[0]!, live[1]!]);
    const walked: Array<[string, boolean]> = [];
    for (const at of t.routes.live.entriesAt()) walked.push([at.key(), at.v6]); // one KeyAt reused per step
    expect(walked).toEqual(expect.arrayContaining([
      ["6|254|fd00:1::/48|1024", true], ["6|254|fd00::/64|32", false],
    ]));
    expect([...t.routes.index.birdMetricCounts].map(([g, m]) => [g, [...m].sort((a, b) => a[0] - b[0])])).toEqual([["6|254", [[32, 1], [1024, 2]]]]);
    expect([...t.routes.index.groups.keys()].sort()).toEqual(["6|254|1024", "6|254|32"]);
    expect([...t.routes.index.groups.values()].map((g) => [g.total, g.missing.size])).toEqual([[1, 0], [1, 0]]);
  });

  it("SiteIndex.mayHoldAt answers as mayHoldAtKey for every key of a RouteKeyMap walk, as routes come and go", () => {
    const dst = fc.constantFrom("10.0.0.0/24", "10.0.1.0/24", "192.168.100.1/32", "200.1.2.0/24", "255.255.255.255/32", "0.0.0.0/0", "fd00::/64", "fd00:1::/48", "::/0");
    const route = fc.record({ dst, table: fc.constantFrom(254, 100), tos: fc.constantFrom(0, 8), metric: fc.constantFrom(0, 32) })
      .map((x) => makeRoute({ family: x.dst.includes(":") ? 6 : 4, dst: x.dst, table: x.table, tos: x.dst.includes(":") ? 0 : x.tos, metric: x.metric, protocol: 3, nexthops: [{ dev: "eth0" }] }));
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), route), { maxLength: 30 }), fc.array(route, { minLength: 1, maxLength: 10 }), (ops, probes) => {
      const sites = new SiteIndex();
      const held: ReturnType<typeof makeRoute>[] = [];
      for (const [add, r] of ops) {
        if (add) {
          sites.add(r);
          held.push(r);
        } else {
          const i = held.findIndex((h) => routeKey(h) === routeKey(r));
          if (i >= 0) sites.remove(held.splice(i, 1)[0]!);
        }
      }
      const keys = new RouteKeyMap<number>();
      for (const p of probes) keys.set(routeKey(p), 1);
      keys.forEachAt((_v, at) => expect(sites.mayHoldAt(at), at.key()).toBe(sites.mayHoldAtKey(at.key())));
    }), { numRuns: RUNS * 5 });
  });
});
