// TEST ONLY: the planner as it was before the trackers (commit a2c257c, src/core/plan/plan.ts,
// one function in section order), kept verbatim as the reference of a differential property:
// the label-then-emit planner must give the identical plan for the same arrays and options.
// Do not change it to follow the product: it is what the product's results are compared with.
import type { InterfaceAddress } from "../../src/core/model/address.js";
import { addressKey, routeKey, ruleKey, sysctlKey } from "../../src/core/model/keys.js";
import { protocolName, tableName } from "../../src/core/model/names.js";
import { nexthopsEqual, routesEqual, type Route } from "../../src/core/model/route.js";
import type { Rule } from "../../src/core/model/rule.js";
import {
  assertPolicy, classifyAddress, classifyRoute, classifyRule, isDerivedFromAddress, type OwnershipPolicy,
} from "../../src/core/ownership.js";
import { canonicalJson } from "../../src/core/plan/canonical-json.js";
import { DEFAULT_REINSTALL_LIMIT, groupProtected, judgeGroup, type GroupVerdict, type PlanGuard } from "../../src/core/plan/guards.js";
import type { Conflict, DesiredState, Drift, LiveState, Plan, PlanOp, PlanOptions } from "../../src/core/plan/types.js";

/** The phase of each operation: the order in which a plan's operations run. */
const PHASE = {
  "address.add": 0, // addresses first: routes may use them as preferred source
  "route.add": 1, // table routes (and reinstalled BIRD routes) before rules point at their tables
  "route.replace": 1,
  "rule.add": 2,
  "rule.delete": 3, // a rule goes before its table is emptied
  "route.delete": 4,
  "address.delete": 6, // after the routes that used the address as preferred source
  "sysctl.set": 7,
} as const;

interface Staged {
  phase: number;
  sortKey: string;
  op: PlanOp;
}

function describeRoute(r: Route): string {
  const via = r.nexthops.map((n) => [n.gateway && `via ${n.gateway}`, n.dev && `dev ${n.dev}`].filter(Boolean).join(" ")).join(", ");
  const type = r.type === "unicast" ? "" : `${r.type} `;
  return `${type}${r.dst}${via ? ` ${via}` : ""} table ${tableName(r.table)} metric ${r.metric} proto ${protocolName(r.protocol)}`;
}

function describeRule(r: Rule): string {
  const sel = [r.from && `from ${r.from}`, r.to && `to ${r.to}`, r.iif && `iif ${r.iif}`, r.oif && `oif ${r.oif}`,
    r.fwmark && `fwmark ${r.fwmark.value}/${r.fwmark.mask}`].filter(Boolean).join(" ") || "all";
  const act = r.action === "lookup" ? `lookup ${tableName(r.table ?? 0)}` : r.action;
  return `${r.priority}: ${sel} ${act}`;
}

function describeAddress(a: InterfaceAddress): string {
  return `${a.address}/${a.prefixlen} dev ${a.dev}${a.label ? ` label ${a.label}` : ""}`;
}

/**
 * Groups items by key, keeping every item (the kernel may hold several per key). A key with
 * several items gets them in canonical order, so that what the plan reports does not depend on
 * the order the kernel listed them in.
 */
function groupByKey<T>(items: readonly T[], keyOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  const shared: T[][] = [];
  for (const item of items) {
    const k = keyOf(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else {
      if (list.length === 1) shared.push(list);
      list.push(item);
    }
  }
  for (const list of shared) {
    const texts = new Map(list.map((t) => [t, canonicalJson(t)] as const));
    list.sort((a, b) => (texts.get(a)! < texts.get(b)! ? -1 : texts.get(a)! > texts.get(b)! ? 1 : 0));
  }
  return out;
}

/**
 * Dedupes desired items by key. On a collision the canonically smallest wins and every other
 * distinct item is a conflict, so the outcome does not depend on input order.
 */
function dedupeDesired<T extends Route | Rule | InterfaceAddress>(
  items: readonly T[], keyOf: (t: T) => string, object: Conflict["object"], conflicts: Conflict[],
): Map<string, T> {
  const out = new Map<string, T>();
  let collisions: Map<string, T[]> | undefined;
  for (const item of items) {
    const k = keyOf(item);
    const prev = out.get(k);
    if (prev === undefined) { out.set(k, item); continue; }
    collisions ??= new Map();
    const list = collisions.get(k) ?? [prev];
    list.push(item);
    collisions.set(k, list);
  }
  for (const [k, list] of collisions ?? []) {
    const unique = new Map(list.map((t) => [canonicalJson(t), t] as const));
    const sorted = [...unique.keys()].sort();
    out.set(k, unique.get(sorted[0]!)!);
    for (const text of sorted.slice(1)) {
      conflicts.push({ object, key: k, reason: "duplicate-desired", desired: unique.get(text)!,
        message: `two desired ${object}s share the kernel key ${k}; only one can exist` });
    }
  }
  return out;
}

const groupOf = (r: Route): string => `${r.family}|${r.table}|${r.metric}`;

/**
 * Judges each group of protected routes (one kernel protocol's: family, table, metric) that has
 * missing routes; `guards` receives what a guard refused. Groups without missing routes are
 * judged too (reinstall allowed, nothing explained) so that every protected route has a verdict.
 */
function judgeProtectedGroups(
  protectedByKey: ReadonlyMap<string, Route>, missing: ReadonlyArray<{ key: string; route: Route }>,
  liveRoutes: readonly Route[], policy: OwnershipPolicy, options: PlanOptions, guards: PlanGuard[],
): Map<string, GroupVerdict> {
  const totals = new Map<string, number>();
  for (const p of protectedByKey.values()) totals.set(groupOf(p), (totals.get(groupOf(p)) ?? 0) + 1);
  const verdicts = new Map<string, GroupVerdict>();
  for (const k of totals.keys()) verdicts.set(k, { reinstall: true, explained: new Set() });
  if (missing.length === 0) return verdicts;
  // Where the kernel holds BIRD's routes at other metrics: table|dst|tos -> metrics.
  const birdMetrics = new Map<string, number[]>();
  const protectedTables = new Set(policy.protectedTables);
  for (const r of liveRoutes) {
    if (r.protocol !== policy.birdProtocol || !protectedTables.has(r.table)) continue;
    const sk = `${r.family}|${r.table}|${r.dst}|${r.tos}`;
    const list = birdMetrics.get(sk);
    if (list) list.push(r.metric); else birdMetrics.set(sk, [r.metric]);
  }
  const limit = options.reinstallLimit ?? DEFAULT_REINSTALL_LIMIT;
  for (const [gk, items] of groupProtected(missing)) {
    const { family, table, metric } = items[0]!.route;
    // A route of BIRD's at the group's own metric would hold the missing route's key: every
    // metric found here is another one.
    const judged = items.map(({ key, route }) => ({
      key, elsewhere: birdMetrics.get(`${route.family}|${route.table}|${route.dst}|${route.tos}`) ?? [],
    }));
    const verdict = judgeGroup({ family, table, metric }, totals.get(gk)!, judged, limit, options.repairProtected);
    verdicts.set(gk, verdict);
    if (verdict.guard) guards.push(verdict.guard);
  }
  return verdicts;
}

function countByTable(routes: readonly Route[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of routes) counts.set(r.table, (counts.get(r.table) ?? 0) + 1);
  return counts;
}

/**
 * Plans the kernel operations that turn `live` into `desired` without touching anything that
 * `policy` does not classify as ours. Pure and deterministic: the same inputs in any order give
 * the identical plan.
 */
export function referencePlan(desired: DesiredState, live: LiveState, policy: OwnershipPolicy, options: PlanOptions): Plan {
  assertPolicy(policy);
  const conflicts: Conflict[] = [];
  const drift: Drift[] = [];
  const guards: PlanGuard[] = [];
  const staged: Staged[] = [];
  const withheld: Staged[] = [];
  const stage = (phase: number, sortKey: string, op: PlanOp, destructive = false): void => {
    (destructive && !options.observationComplete ? withheld : staged).push({ phase, sortKey, op });
  };

  // ---- addresses decided first: a route's preferred source must be a local address ------------
  const liveAddrs = groupByKey(live.addresses, addressKey);
  const desiredAddrs = dedupeDesired(desired.addresses, addressKey, "address", conflicts);
  const keptAddrKeys = new Set<string>();
  for (const [k, d] of desiredAddrs) {
    if (classifyAddress(policy, d) !== "ours") {
      conflicts.push({ object: "address", key: k, reason: "not-ownable", desired: d,
        message: `desired address ${describeAddress(d)} would not carry fibwarden's marker` });
      continue;
    }
    const list = liveAddrs.get(k) ?? [];
    if (list.length > 1) {
      conflicts.push({ object: "address", key: k, reason: "ambiguous-key", desired: d, message: `several addresses share ${k}` });
      continue;
    }
    const holder = list[0];
    if (holder !== undefined && classifyAddress(policy, holder) !== "ours") {
      conflicts.push({ object: "address", key: k, reason: "held-by-alien", desired: d, holder, holderOwnership: "alien",
        message: `address ${describeAddress(d)} is already assigned by someone else (${describeAddress(holder)}); left alone` });
      continue;
    }
    keptAddrKeys.add(k);
    if (holder === undefined) {
      stage(PHASE["address.add"], k, { kind: "address.add", address: d, reason: `missing: ${describeAddress(d)}` });
    }
  }
  // Addresses present once this plan's adds ran (deletes come last and are checked below).
  const localAddrs = new Set<string>();
  for (const a of live.addresses) localAddrs.add(a.address);
  for (const k of keptAddrKeys) localAddrs.add(desiredAddrs.get(k)!.address);
  const prefsrcOk = (r: Route): boolean => r.prefsrc === undefined || localAddrs.has(r.prefsrc);

  // ---- routes -------------------------------------------------------------------------------
  const liveRoutes = groupByKey(live.routes, routeKey);
  const protectedByKey = dedupeDesired(desired.protectedRoutes, routeKey, "route", []);
  const desiredRoutes = dedupeDesired(desired.routes, routeKey, "route", conflicts);
  // Desired keys that will not be written (conflicts): small, unlike the set of kept keys.
  const rejectedRouteKeys = new Set<string>();
  const isKeptRoute = (k: string): boolean => desiredRoutes.has(k) && !rejectedRouteKeys.has(k);
  const tableDelta = new Map<number, number>();
  const bump = (t: number, d: number): void => { tableDelta.set(t, (tableDelta.get(t) ?? 0) + d); };
  const finalPrefsrc: string[] = [];

  for (const [k, d] of desiredRoutes) {
    if (classifyRoute(policy, d) !== "ours") {
      conflicts.push({ object: "route", key: k, reason: "not-ownable", desired: d,
        message: `desired route ${describeRoute(d)} would not carry fibwarden's protocol ${policy.protocol} in a managed table` });
      rejectedRouteKeys.add(k);
      continue;
    }
    if (protectedByKey.has(k)) {
      conflicts.push({ object: "route", key: k, reason: "collides-with-protected", desired: d,
        holder: protectedByKey.get(k), holderOwnership: "protected",
        message: `desired route ${describeRoute(d)} has the kernel key of a route BIRD exports` });
      rejectedRouteKeys.add(k);
      continue;
    }
    if (!prefsrcOk(d)) {
      conflicts.push({ object: "route", key: k, reason: "prefsrc-not-local", desired: d,
        message: `desired route ${describeRoute(d)} uses ${d.prefsrc} as source, which is not a local address` });
      rejectedRouteKeys.add(k);
      continue;
    }
    const list = liveRoutes.get(k) ?? [];
    if (list.length > 1) {
      conflicts.push({ object: "route", key: k, reason: "ambiguous-key", desired: d,
        message: `${list.length} kernel routes share the key of ${describeRoute(d)}; left alone` });
      rejectedRouteKeys.add(k);
      continue;
    }
    const holder = list[0];
    if (holder === undefined) {
      bump(d.table, +1);
      if (d.prefsrc) finalPrefsrc.push(d.prefsrc);
      stage(PHASE["route.add"], k, { kind: "route.add", route: d, reason: `missing: ${describeRoute(d)}` });
      continue;
    }
    // A holder that is not ours is alien: the key's table is managed (the desired route is ours),
    // and protected tables never are (assertPolicy), so BIRD's route there is not protected.
    if (classifyRoute(policy, holder) !== "ours") {
      conflicts.push({ object: "route", key: k, reason: "held-by-alien", desired: d, holder, holderOwnership: "alien",
        message: `kernel key of ${describeRoute(d)} is held by alien route ${describeRoute(holder)}; not replaced` });
      rejectedRouteKeys.add(k);
      continue;
    }
    if (d.prefsrc) finalPrefsrc.push(d.prefsrc);
    if (!routesEqual(holder, d)) {
      stage(PHASE["route.replace"], k, { kind: "route.replace", route: d, previous: holder,
        reason: `differs: ${describeRoute(holder)} -> ${describeRoute(d)}` });
    }
  }

  // Routes the kernel made for an address go with it: they never keep an address "in use".
  const addrsByIp = new Map<string, InterfaceAddress[]>();
  for (const a of live.addresses) addrsByIp.set(a.address, [...(addrsByIp.get(a.address) ?? []), a]);
  const usesPrefsrc = (r: Route): boolean =>
    r.prefsrc !== undefined && !(addrsByIp.get(r.prefsrc) ?? []).some((a) => isDerivedFromAddress(r, a));
  for (const [k, list] of liveRoutes) {
    if (list.length === 1 && classifyRoute(policy, list[0]!) !== "ours") {
      // the common case, without allocating: a single foreign or protected route at the key
      if (usesPrefsrc(list[0]!)) finalPrefsrc.push(list[0]!.prefsrc!);
      continue;
    }
    const ours = list.filter((r) => classifyRoute(policy, r) === "ours");
    if (ours.length === 0) {
      for (const r of list) if (usesPrefsrc(r)) finalPrefsrc.push(r.prefsrc!);
      continue;
    }
    if (list.length > 1) {
      if (!desiredRoutes.has(k)) {
        conflicts.push({ object: "route", key: k, reason: "ambiguous-key", holder: ours[0], holderOwnership: "ours",
          message: `${list.length} kernel routes share key ${k}, ${ours.length} of them ours; left alone` });
      }
      for (const r of list) if (usesPrefsrc(r)) finalPrefsrc.push(r.prefsrc!);
      continue;
    }
    if (isKeptRoute(k)) continue;
    const r = list[0]!;
    stage(PHASE["route.delete"], k, { kind: "route.delete", route: r, reason: `not desired: ${describeRoute(r)}` }, true);
    if (options.observationComplete) {
      bump(r.table, -1);
    } else if (r.prefsrc) {
      finalPrefsrc.push(r.prefsrc);
    }
  }

  // ---- protected routes (BIRD's exports) ------------------------------------------------------
  const shadowIndex = new Map<string, Route[]>();
  if (protectedByKey.size > 0) {
    const protectedTables = new Set(policy.protectedTables);
    for (const r of live.routes) {
      if (r.protocol === policy.birdProtocol || !protectedTables.has(r.table)) continue;
      const sk = `${r.table}|${r.dst}|${r.tos}`;
      const list = shadowIndex.get(sk);
      if (list) list.push(r); else shadowIndex.set(sk, [r]);
    }
  }
  // Missing protected routes are judged per group (what one kernel protocol installs) before any
  // is reinstalled: a wrong metric or a mass of missing routes must not become mass reinstalls.
  const missingProtected: Array<{ key: string; route: Route }> = [];
  for (const [k, p] of protectedByKey) if (!liveRoutes.has(k)) missingProtected.push({ key: k, route: p });
  const verdicts = judgeProtectedGroups(protectedByKey, missingProtected, live.routes, policy, options, guards);
  for (const [k, p] of protectedByKey) {
    const list = liveRoutes.get(k) ?? [];
    // Protected and managed tables are disjoint (assertPolicy), so no route of ours can hold a
    // protected key: a missing protected route is reinstalled with the other adds.
    if (list.length === 0) {
      const verdict = verdicts.get(groupOf(p))!;
      if (verdict.explained.has(k)) continue; // reported once, by the guard
      const guarded = options.repairProtected === "reinstall" && !verdict.reinstall;
      const repaired = options.repairProtected === "reinstall" && verdict.reinstall && prefsrcOk(p);
      if (repaired) {
        if (p.prefsrc) finalPrefsrc.push(p.prefsrc);
        bump(p.table, +1);
        stage(PHASE["route.add"], `${k}|protected`, { kind: "route.add", route: p,
          reason: `reinstall protected route BIRD exports: ${describeRoute(p)}` });
      }
      const why = guarded ? `; not reinstalled: ${verdict.guard!.code} guard`
        : options.repairProtected === "reinstall" && !repaired ? `; not reinstalled: its source ${p.prefsrc} is not a local address` : "";
      drift.push({ kind: "missing", key: k, expected: p, repaired,
        message: `protected route ${describeRoute(p)} is missing from the kernel${why}` });
    } else {
      const foreign = list.find((r) => r.protocol !== p.protocol);
      if (foreign !== undefined) {
        const owner = classifyRoute(policy, foreign);
        drift.push({ kind: "overwritten", key: k, expected: p, live: foreign, repaired: false,
          message: `protected route ${describeRoute(p)} was overwritten by ${describeRoute(foreign)}` });
        conflicts.push({ object: "route", key: k, reason: "protected-overwritten", desired: p, holder: foreign,
          holderOwnership: owner, message: `BIRD's route ${p.dst} is held by proto ${protocolName(foreign.protocol)}: BIRD's kernel sync fails ("File exists", route marked !) at every scan while it stays, and fibwarden never evicts it` });
      } else if (list.length !== 1 || !routesEqual(list[0]!, p)) {
        drift.push({ kind: "differs", key: k, expected: p, live: list[0], repaired: false,
          message: `kernel copy of ${p.dst} differs from BIRD's export: ${describeRoute(list[0]!)} vs ${describeRoute(p)}` });
      }
    }
    const shadows = shadowIndex.get(`${p.table}|${p.dst}|${p.tos}`);
    // A lower-metric route that forwards the same way (the kernel's own prefix route of an
    // address on the same device, say) changes nothing: only a different path is reported.
    const shadow = shadows?.filter((r) => r.metric < p.metric && (r.type !== p.type || !nexthopsEqual(r.nexthops, p.nexthops)))
      .sort((a, b) => a.metric - b.metric || (canonicalJson(a) < canonicalJson(b) ? -1 : 1))[0];
    if (shadow !== undefined) {
      drift.push({ kind: "shadowed", key: k, expected: p, live: shadow, repaired: false,
        message: `protected route ${describeRoute(p)} is shadowed by lower-metric ${describeRoute(shadow)}` });
    }
  }

  // ---- rules --------------------------------------------------------------------------------
  const liveTableCount = countByTable(live.routes);
  const finalTableCount = (t: number): number => (liveTableCount.get(t) ?? 0) + (tableDelta.get(t) ?? 0);

  const liveRules = groupByKey(live.rules, ruleKey);
  const desiredRules = dedupeDesired(desired.rules, ruleKey, "rule", conflicts);
  const keptRuleKeys = new Set<string>();
  for (const [k, d] of desiredRules) {
    if (classifyRule(policy, d) !== "ours") {
      conflicts.push({ object: "rule", key: k, reason: "not-ownable", desired: d,
        message: `desired rule ${describeRule(d)} would not carry protocol ${policy.protocol} inside the managed priorities` });
      continue;
    }
    const list = liveRules.get(k) ?? [];
    if (list.length > 1) {
      conflicts.push({ object: "rule", key: k, reason: "ambiguous-key", desired: d,
        message: `${list.length} kernel rules share the selectors of ${describeRule(d)}; left alone` });
      continue;
    }
    const holder = list[0];
    if (holder !== undefined && classifyRule(policy, holder) !== "ours") {
      conflicts.push({ object: "rule", key: k, reason: "held-by-alien", desired: d, holder, holderOwnership: "alien",
        message: `rule ${describeRule(d)} exists with protocol ${protocolName(holder.protocol)}; not replaced` });
      continue;
    }
    if (d.action === "lookup" && d.table !== undefined && finalTableCount(d.table) <= 0) {
      conflicts.push({ object: "rule", key: k, reason: "table-empty", desired: d,
        message: `rule ${describeRule(d)} would point at an empty table; not installed` });
      continue; // a kept rule of ours at this key is deleted below
    }
    keptRuleKeys.add(k);
    // A holder of ours is the desired rule itself: the key is every selector and the action, and
    // both carry our protocol. Nothing to do.
    if (holder === undefined) {
      stage(PHASE["rule.add"], k, { kind: "rule.add", rule: d, reason: `missing: ${describeRule(d)}` });
    }
  }
  for (const [k, list] of liveRules) {
    if (list.length !== 1 || keptRuleKeys.has(k)) continue;
    const r = list[0]!;
    if (classifyRule(policy, r) !== "ours") continue;
    const reason = desiredRules.has(k) ? `its table would be empty: ${describeRule(r)}` : `not desired: ${describeRule(r)}`;
    stage(PHASE["rule.delete"], k, { kind: "rule.delete", rule: r, reason }, true);
  }

  // ---- address deletes ----------------------------------------------------------------------
  // Removing an address changes other routes: IPv4 flushes every route using it as preferred
  // source (fib_sync_down_addr), IPv6 strips their prefsrc (rt6_remove_prefsrc). Never delete
  // an address that a remaining route still uses.
  const prefsrcInUse = new Set(finalPrefsrc);
  const candidates: InterfaceAddress[] = [];
  for (const [k, list] of liveAddrs) {
    if (list.length !== 1 || keptAddrKeys.has(k)) continue;
    if (classifyAddress(policy, list[0]!) === "ours") candidates.push(list[0]!);
  }
  const leaving = new Map<string, number>();
  for (const a of candidates) leaving.set(a.address, (leaving.get(a.address) ?? 0) + 1);
  const present = new Map<string, number>();
  for (const a of live.addresses) present.set(a.address, (present.get(a.address) ?? 0) + 1);
  for (const k of keptAddrKeys) {
    if (!liveAddrs.has(k)) present.set(desiredAddrs.get(k)!.address, (present.get(desiredAddrs.get(k)!.address) ?? 0) + 1);
  }
  for (const a of candidates) {
    const k = addressKey(a);
    const survivors = (present.get(a.address) ?? 0) - (leaving.get(a.address) ?? 0);
    if (prefsrcInUse.has(a.address) && survivors <= 0) {
      conflicts.push({ object: "address", key: k, reason: "address-in-use", holder: a, holderOwnership: "ours",
        message: `address ${describeAddress(a)} is not desired but a route still uses it as preferred source; deleting it would flush that route` });
      continue;
    }
    stage(PHASE["address.delete"], k, { kind: "address.delete", address: a, reason: `not desired: ${describeAddress(a)}` }, true);
  }

  // ---- sysctls ------------------------------------------------------------------------------
  const liveSysctls = new Map(live.sysctls.map((s) => [sysctlKey(s), s] as const));
  const desiredSysctls = new Map(desired.sysctls.map((s) => [sysctlKey(s), s] as const));
  for (const [k, s] of desiredSysctls) {
    const cur = liveSysctls.get(k);
    if (cur === undefined || cur.value === s.value) continue;
    stage(PHASE["sysctl.set"], k, { kind: "sysctl.set", sysctl: s, previous: cur.value,
      reason: `net.ipv4.conf.${s.iface}.${s.name} is ${cur.value}, want ${s.value}` });
  }

  // Sort keys are unique within a phase (one operation per kernel key and phase).
  const order = (a: Staged, b: Staged): number =>
    a.phase - b.phase || (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0);
  staged.sort(order);
  withheld.sort(order);
  const byKey = <T extends { key: string; message: string }>(a: T, b: T): number =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
  conflicts.sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : 0) || byKey(a, b));
  drift.sort(byKey); // findings at one key differ in their message (each kind words it its own way)
  guards.sort((a, b) => a.family - b.family || a.table - b.table || a.metric - b.metric);
  return { ops: staged.map((s) => s.op), withheld: withheld.map((s) => s.op), conflicts, drift, guards };
}
