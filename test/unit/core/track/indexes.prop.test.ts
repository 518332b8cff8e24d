// The trackers' indexes stay exact: after any random sequence of set, delete, resync (one that
// fails midway included) and applied plans, every index equals one recomputed from scratch from
// what the trackers hold, with the independent ownership oracle (test/support/oracle).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routeKey } from "../../../../src/core/model/keys.js";
import type { Route } from "../../../../src/core/model/route.js";
import { planKeys } from "../../../../src/core/plan/plan-keys.js";
import type { DesiredState, LiveState, Plan } from "../../../../src/core/plan/types.js";
import { createTrackers, type Trackers } from "../../../../src/core/track/trackers.js";
import { testPolicy } from "../../../support/arbitraries.js";
import { canonicalJson, classifyRoute } from "../../../support/oracle/ownership.js";
import { applyEvent, desiredOf, eventArb, liveOf } from "../../../support/tracker-events.js";

const RUNS = Math.max(20, Math.round(Number(process.env.FC_RUNS ?? 2000) / 20));
const KERNEL = 2;

type Multi = Record<string, string[]>;

function put(m: Multi, k: string | number, v: unknown): void {
  (m[String(k)] ??= []).push(typeof v === "string" ? v : canonicalJson(v));
}

function sorted(m: Multi): Multi {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v].sort()]));
}

const siteOf = (r: Route): string => `${r.family}|${r.table}|${r.dst}|${r.tos}`;

/** Every index, computed from the arrays with plain loops. */
function recompute(live: LiveState, desired: DesiredState): Record<string, Multi> {
  const m: Record<string, Multi> = Object.fromEntries(["tableCounts", "oursByTable", "desiredByTable", "desiredByPrefsrc", "prefsrcSteady",
    "prefsrcPending", "birdMetricCounts", "birdMetricsAt", "shadowSites", "groups", "missing", "missingByPrefsrc", "liveByIp", "desiredByIp", "rulesByTable", "managedKeys"].map((k) => [k, {}]));
  const counts: Record<string, number> = {};
  const liveKeys = new Set(live.routes.map(routeKey));
  for (const r of live.routes) {
    counts[r.table] = (counts[r.table] ?? 0) + 1;
    const owner = classifyRoute(testPolicy, r);
    if (owner === "ours" && !m.oursByTable![r.table]?.includes(routeKey(r))) put(m.oursByTable!, r.table, routeKey(r));
    const managed = testPolicy.tables.some((t) => t.from <= r.table && r.table <= t.to);
    if (managed && !m.managedKeys![r.table]?.includes(routeKey(r))) put(m.managedKeys!, r.table, routeKey(r));
    if (r.prefsrc !== undefined && (owner === "ours" || r.protocol === KERNEL)) {
      if (!m.prefsrcPending![r.prefsrc]?.includes(routeKey(r))) put(m.prefsrcPending!, r.prefsrc, routeKey(r));
    } else if (r.prefsrc !== undefined) put(m.prefsrcSteady!, r.prefsrc, r);
    if (owner === "protected") put(m.birdMetricCounts!, `${r.family}|${r.table}`, String(r.metric));
    else if (testPolicy.protectedTables.includes(r.table)) put(m.shadowSites!, siteOf(r), r);
  }
  for (const [t, n] of Object.entries(counts)) put(m.tableCounts!, t, String(n));
  const firstByKey = <T>(items: T[], key: (t: T) => string): Map<string, T> => {
    const out = new Map<string, T>();
    for (const x of items) if (!out.has(key(x)) || canonicalJson(x) < canonicalJson(out.get(key(x)))) out.set(key(x), x);
    return out;
  };
  for (const [k, d] of firstByKey(desired.routes, routeKey)) {
    put(m.desiredByTable!, d.table, k);
    if (d.prefsrc !== undefined) put(m.desiredByPrefsrc!, d.prefsrc, k);
  }
  for (const [k, p] of firstByKey(desired.protectedRoutes, routeKey)) {
    for (const r of live.routes) if (classifyRoute(testPolicy, r) === "protected" && siteOf(r) === siteOf(p)) put(m.birdMetricsAt!, k, String(r.metric));
    put(m.groups!, `${p.family}|${p.table}|${p.metric}`, k);
    if (liveKeys.has(k)) continue;
    put(m.missing!, `${p.family}|${p.table}|${p.metric}`, k);
    if (p.prefsrc !== undefined) put(m.missingByPrefsrc!, p.prefsrc, k);
  }
  for (const a of live.addresses) put(m.liveByIp!, a.address, a);
  const addressKeyOf = (a: DesiredState["addresses"][number]): string => (a.family === 4 ? `4|${a.dev}|${a.address}/${a.prefixlen}` : `6|${a.dev}|${a.address}`);
  for (const [k, a] of firstByKey(desired.addresses, addressKeyOf)) put(m.desiredByIp!, a.address, k);
  for (const r of desired.rules) if (r.action === "lookup" && r.table !== undefined) put(m.rulesByTable!, r.table, canonicalJson(r));
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, sorted(v)]));
}

function fromMap(map: Iterable<[string | number, unknown]>, values: (v: unknown) => unknown[]): Multi {
  const m: Multi = {};
  for (const [k, v] of map) for (const x of values(v)) put(m, k, x);
  return sorted(m);
}

function fromEntries(entries: Iterable<[string, Route]>, value: (r: Route) => unknown): Multi {
  const m: Multi = {};
  for (const [k, r] of entries) put(m, k, value(r));
  return sorted(m);
}

const each = (v: unknown): unknown[] => (v instanceof Set ? [...v] : Array.isArray(v) ? v : [v]);
const asText = (v: unknown): unknown[] => each(v).map((x) => (typeof x === "number" ? String(x) : x));

/** The trackers' indexes in the same shape as `recompute`. */
function indexesOf(t: Trackers): Record<string, Multi> {
  const ix = t.routes.index;
  const groups = new Map([...ix.groups].map(([g]) => [g, [...t.routes.protected.keys()].filter((k) => {
    const p = t.routes.protected.get(k)!;
    return `${p.family}|${p.table}|${p.metric}` === g;
  })] as const));
  const ruleTables = new Map([...t.rules.desiredByTable].map(([table, keys]) => [table, [...keys].flatMap((k) => {
    const d = t.rules.desired.get(k)!;
    return [d, ...t.rules.desired.duplicatesAt(k)].filter((r) => r.action === "lookup" && r.table === table).map(canonicalJson);
  })] as const));
  return {
    tableCounts: fromMap(ix.tableCounts, asText), oursByTable: fromMap(ix.oursByTable, each), desiredByTable: fromMap(ix.desiredByTable, each),
    desiredByPrefsrc: fromMap(ix.desiredByPrefsrc, each), prefsrcSteady: fromMap(new Map([...ix.prefsrcSteady].map(([ip]) => [ip, liveOf(t).routes.filter((r) => r.prefsrc === ip && classifyRoute(testPolicy, r) !== "ours" && r.protocol !== KERNEL)] as const)), each),
    prefsrcPending: fromMap(ix.prefsrcPending, each), birdMetricCounts: fromMap(new Map([...ix.birdMetricCounts].map(([g, metrics]) => [g, [...metrics].flatMap(([metric, n]) => Array<string>(n).fill(String(metric)))] as const)), each),
    birdMetricsAt: fromMap(new Map([...t.routes.protected.keys()].map((k) => [k, t.routes.birdMetricsAt(t.routes.protected.get(k)!).map(String)] as const)), each), shadowSites: fromEntries(ix.shadowSites.entries(), (r) => r),
    groups: fromMap(groups, each), missing: fromMap(new Map([...ix.groups].map(([g, v]) => [g, [...v.missing]] as const)), each),
    missingByPrefsrc: fromMap(ix.missingByPrefsrc, each), liveByIp: fromMap(t.addresses.liveByIp, each),
    desiredByIp: fromMap(t.addresses.desiredByIp, each), rulesByTable: fromMap(ruleTables, each), managedKeys: fromMap(ix.managedKeys, each),
  };
}

describe("tracker indexes (property)", () => {
  it("every index equals the one recomputed from scratch after every step of a random event sequence", () => {
    fc.assert(fc.property(fc.array(eventArb(), { minLength: 10, maxLength: 40 }), (events) => {
      const t = createTrackers(testPolicy);
      let last: Plan | undefined;
      for (const ev of events) {
        applyEvent(t, ev, last);
        const steady = new Map([...t.routes.index.prefsrcSteady]);
        expect(indexesOf(t)).toEqual(recompute(liveOf(t), desiredOf(t)));
        // the steady counts are counts: they equal the number of such routes
        for (const [ip, n] of steady) expect(n).toBe(liveOf(t).routes.filter((r) => r.prefsrc === ip && classifyRoute(testPolicy, r) !== "ours" && r.protocol !== KERNEL).length);
        last = planKeys(t, "all", testPolicy, { observationComplete: true, repairProtected: "reinstall" });
      }
    }), { numRuns: RUNS });
  });
});
