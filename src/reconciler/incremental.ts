// Incremental passes: between full passes the reconciler keeps the kernel's state in a cache
// (a route index plus rules, addresses and sysctls), fed by the kernel monitor's events and by
// its own applied operations. A pass then plans only what the events (or a VIP change) name:
// the (table, destination) keys of routes that changed, whole small tables (VIP source tables),
// and every rule, address and sysctl (complete in the cache; re-read when events say they
// changed). The protected routes at those keys come fresh from BIRD, one prefix per query.
//
// The plan is exact for what is in scope: rules, addresses and sysctls are complete, and route
// decisions are per (table, destination) with the table sizes supplied from the index. Address
// deletions are the one cross-key decision (a route anywhere may use the address as its source)
// and are left to a full pass. Anything the cache cannot answer makes the caller run a full pass.
import type { ApplyResult, BirdPort, Clock, Dataplane } from "../adapters/ports.js";
import type { Config, VipConfig } from "../config/schema.js";
import { ProtectedRouteBuilder } from "../core/desired/protected.js";
import { LiveRouteIndex } from "../core/live/route-index.js";
import type { InterfaceAddress } from "../core/model/address.js";
import { addressKey, ruleKey } from "../core/model/keys.js";
import type { Route } from "../core/model/route.js";
import type { Rule } from "../core/model/rule.js";
import type { SysctlValue } from "../core/model/sysctl.js";
import { canonicalAddress, type Family } from "../core/net/ip.js";
import { classifyRule, isManagedTable, rangeIncludes, type OwnershipPolicy } from "../core/ownership.js";
import { plan } from "../core/plan/plan.js";
import type { LiveState, PlanOp } from "../core/plan/types.js";
import type { FindingScope } from "./findings.js";
import { composeDesired } from "./desire.js";
import type { BirdObservation } from "./observe-bird.js";
import type { KernelObservation, PassResult } from "./pass.js";

/** At most this many route keys in one incremental pass; more makes a full pass. */
export const MAX_INCREMENTAL_KEYS = 256;

/** The kernel as the cache holds it. */
export interface KernelCache {
  index: LiveRouteIndex;
  rules: Rule[];
  addresses: InterfaceAddress[];
  sysctls: SysctlValue[];
  interfaces: string[];
  /** Link name → administratively up (for routes the kernel drops silently). */
  links: Map<string, boolean>;
}

/** Builds the cache from a complete kernel observation. */
export function cacheFromObservation(k: KernelObservation): KernelCache {
  return {
    index: LiveRouteIndex.from(k.live.routes),
    rules: [...k.live.rules],
    addresses: [...k.live.addresses],
    sysctls: [...k.live.sysctls],
    interfaces: [...k.interfaces],
    links: new Map(k.links.map((l) => [l.name, l.up])),
  };
}

/** What an incremental pass must look at. */
export interface IncrementalScope {
  /** Route keys named by events: `family|table|dst`. */
  keys: Set<string>;
  /** Tables planned whole (VIP source tables). */
  tables: Set<number>;
  /** Tables to re-read before planning (an event in a small table that could not be parsed). */
  rereadTables: Set<number>;
  rereadRules: boolean;
  rereadAddresses: boolean;
  rereadLinks: boolean;
  rereadSysctls: boolean;
  /** VIP addresses (canonical) whose configuration changed (added, removed or edited). */
  vips: Set<string>;
}

/** An empty scope. */
export function emptyScope(): IncrementalScope {
  return { keys: new Set(), tables: new Set(), rereadTables: new Set(), rereadRules: false, rereadAddresses: false, rereadLinks: false, rereadSysctls: false, vips: new Set() };
}

/** What an incremental pass needs besides the scope. */
export interface IncrementalDeps {
  config: Config;
  policy: OwnershipPolicy;
  dataplane: Dataplane;
  /** One port per BIRD daemon. */
  birds: readonly BirdPort[];
  clock: Clock;
  /** The BIRD observation of the last full pass (kernel protocols and sessions). */
  bird: BirdObservation;
  cache: KernelCache;
  vips: readonly VipConfig[];
  /** The VIPs of the previous pass, by canonical address (to find a removed VIP's announce table). */
  previousVips: ReadonlyMap<string, VipConfig>;
  /** VIP → source table as of the previous pass (to find a removed VIP's table). */
  previousTables: ReadonlyMap<string, number>;
}

/** The outcome of an incremental pass, or why a full pass is needed instead. */
export type IncrementalOutcome =
  | { ok: true; result: PassResult; needFull?: string; scope: FindingScope }
  | { ok: false; needFull: string };

/** Splits a `family|table|dst` scope key. */
export function parseScopeKey(k: string): { family: Family; table: number; dst: string } {
  const [f, t, ...rest] = k.split("|");
  return { family: f === "6" ? 6 : 4, table: Number(t), dst: rest.join("|") };
}

/** The scope key of a route. */
export function scopeKey(family: Family, table: number, dst: string): string {
  return `${family}|${table}|${dst}`;
}

/**
 * The host prefix of a VIP address. VIP addresses are canonical (the config schema and
 * `setVips` canonicalize them), so this is string work, not parsing: a pass may do it for every
 * one of 10k VIPs.
 */
function hostOf(address: string): { family: Family; dst: string } {
  const family: Family = address.includes(":") ? 6 : 4;
  return { family, dst: `${address}/${family === 4 ? 32 : 128}` };
}

/**
 * Refreshes what the scope says changed; throws on a read failure. Routes the kernel removed or
 * changed without an event (below) are taken out of the cache and their keys put in the scope,
 * so that this pass plans them as a full pass would (a protected route such a route held off
 * is reinstalled now, not at the next full pass).
 */
async function refresh(deps: IncrementalDeps, scope: IncrementalScope): Promise<void> {
  const { dataplane, cache } = deps;
  const jobs: Array<Promise<void>> = [];
  const flushed = (drop: (r: Route) => boolean) => (r: Route): boolean => {
    if (!drop(r)) return false;
    scope.keys.add(scopeKey(r.family, r.table, r.dst));
    return true;
  };
  if (scope.rereadRules) jobs.push(dataplane.readRules().then((r) => { cache.rules = r; }));
  if (scope.rereadAddresses || scope.rereadLinks) {
    jobs.push(dataplane.readAddresses().then((a) => {
      // A deleted address: IPv4 flushes the routes using it as preferred source, IPv6 strips it
      // from them; neither tells.
      const now = new Set(a.map((x) => x.address));
      const gone = new Set(cache.addresses.filter((x) => !now.has(x.address)).map((x) => x.address));
      const uses = (r: Route): boolean => r.prefsrc !== undefined && gone.has(r.prefsrc);
      if (gone.size > 0) {
        const stripped: Route[] = [];
        cache.index.removeWhere(flushed((r) => {
          if (uses(r) && r.family === 6) {
            const { prefsrc: _, ...rest } = r;
            stripped.push(rest);
          }
          return uses(r);
        }));
        for (const r of stripped) cache.index.insert(r);
      }
      cache.addresses = a;
    }));
  }
  if (scope.rereadLinks) {
    jobs.push(dataplane.readLinks().then((l) => {
      // Routes over a link that went away go with it. A link that went down takes (IPv4 without
      // events) the routes all of whose nexthops use it, but not its local routes (the address
      // stays reachable), and a multipath route with a nexthop elsewhere stays, that nexthop dead.
      const now = new Map(l.map((x) => [x.name, x.up]));
      const away = new Set([...cache.links].filter(([name]) => !now.has(name)).map(([name]) => name));
      const down = new Set([...cache.links].filter(([name, up]) => up && now.get(name) === false).map(([name]) => name));
      const on = (set: Set<string>) => (n: Route["nexthops"][number]): boolean => n.dev !== undefined && set.has(n.dev);
      if (away.size > 0 || down.size > 0) {
        cache.index.removeWhere(flushed((r) => r.nexthops.some(on(away))
          || (r.nexthops.length > 0 && r.nexthops.every(on(down)) && !(r.family === 4 && r.type === "local"))));
      }
      cache.links = now;
      cache.interfaces = l.map((x) => x.name);
    }));
  }
  if (scope.rereadSysctls) jobs.push(dataplane.readSysctls().then((s) => { cache.sysctls = s.map(({ iface, name, value }) => ({ iface, name, value })); }));
  for (const t of scope.rereadTables) {
    for (const f of [4, 6] as const) jobs.push(dataplane.readRoutes(f, t).then((routes) => cache.index.replaceTable(f, t, routes)));
  }
  await Promise.all(jobs);
}

/** Asks BIRD what it exports, now, at each protected key of the scope. */
async function protectedAt(deps: IncrementalDeps, keys: Iterable<string>, signal?: AbortSignal): Promise<Route[]> {
  const out: Route[] = [];
  for (const k of keys) {
    const { family, table, dst } = parseScopeKey(k);
    for (const kp of deps.bird.kernelProtocols) {
      if (kp.family !== family || kp.table !== table) continue;
      const port = deps.birds.find((b) => b.socket === kp.socket);
      if (port === undefined) throw new Error(`no BIRD port for ${kp.socket}`);
      const builder = new ProtectedRouteBuilder({ protocol: kp.name, family, table, metric: kp.metric });
      // BIRD answers 8001 (network not found) when it has no such net: that is zero routes.
      await port.exportedRoutesAt(kp.name, dst, (r) => { if (r.network === dst) builder.add(r); }, signal ? { signal } : {});
      out.push(...builder.routes());
    }
  }
  return out;
}

/** Updates the cache with what an apply did. */
export function applyToCache(cache: KernelCache, applied: ApplyResult): void {
  for (const r of applied.results) {
    if (r.status !== "applied") continue;
    applyOpToCache(cache, r.op);
  }
}

function applyOpToCache(cache: KernelCache, op: PlanOp): void {
  switch (op.kind) {
    case "route.add": cache.index.upsert(op.route); break;
    case "route.replace": cache.index.remove(op.previous); cache.index.upsert(op.route); break;
    case "route.delete": cache.index.remove(op.route); break;
    case "rule.add": cache.rules = [...cache.rules, op.rule]; break;
    case "rule.delete": {
      const k = ruleKey(op.rule);
      cache.rules = cache.rules.filter((x) => !(ruleKey(x) === k && x.protocol === op.rule.protocol));
      break;
    }
    case "address.add": cache.addresses = [...cache.addresses, op.address]; break;
    case "address.delete": {
      const k = addressKey(op.address);
      cache.addresses = cache.addresses.filter((x) => addressKey(x) !== k);
      break;
    }
    case "sysctl.set":
      cache.sysctls = cache.sysctls.map((s) => (s.iface === op.sysctl.iface && s.name === op.sysctl.name ? { ...s, value: op.sysctl.value } : s));
      break;
  }
}

/** Runs one incremental pass. */
export async function runIncrementalPass(deps: IncrementalDeps, scope: IncrementalScope, options: { apply: boolean; signal?: AbortSignal }): Promise<IncrementalOutcome> {
  const t0 = deps.clock.now();
  const { config, cache, policy } = deps;
  if (scope.keys.size > MAX_INCREMENTAL_KEYS) return { ok: false, needFull: `${scope.keys.size} route keys changed` };
  try {
    await refresh(deps, scope);
  } catch (err) {
    return { ok: false, needFull: `kernel re-read failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (scope.keys.size > MAX_INCREMENTAL_KEYS) return { ok: false, needFull: `${scope.keys.size} route keys changed (some flushed by the kernel)` };

  // Source tables are small: the planner needs them whole (table numbers, last return paths).
  const sourceRange = config.ownership.tables;
  const sourceRoutes: Route[] = [];
  for (const t of cache.index.tableCounts().keys()) {
    if (rangeIncludes(sourceRange, t)) sourceRoutes.push(...cache.index.inTable(t));
  }
  const view: LiveState = { routes: sourceRoutes, rules: cache.rules, addresses: cache.addresses, sysctls: cache.sysctls };
  const birdNoRoutes: BirdObservation = { ...deps.bird, kernelProtocols: [] };
  // Desire only the VIPs this pass touches when that is exact (building 10k VIPs costs ~200 ms).
  const touched = touchedVips(deps, scope);
  const desireVips = touched === undefined ? deps.vips : deps.vips.filter((v) => touched.has(v.address));
  const peers = new Map<string, ReturnType<typeof resolvePeerFromIndex>>(); // few neighbors, many VIPs
  const desired = composeDesired(config, desireVips, birdNoRoutes, view, policy, cache.interfaces, {
    resolvePeer: (neighbor) => {
      if (!peers.has(neighbor)) peers.set(neighbor, resolvePeerFromIndex(cache.index, neighbor));
      return peers.get(neighbor);
    },
  });
  if (touched !== undefined) {
    // The VIP → table map of every VIP: the previous one, with the touched VIPs' entries redone
    // (the same object when nothing moved, so that lookups built on it stay valid).
    const moved = [...touched].some((v) => desired.tables.get(v) !== deps.previousTables.get(v));
    if (moved) {
      const merged = new Map(deps.previousTables);
      for (const v of touched) merged.delete(v);
      for (const [v, t] of desired.tables) merged.set(v, t);
      desired.tables = merged;
    } else {
      desired.tables = deps.previousTables as Map<string, number>;
    }
  }

  // The scope: event keys, and the announce keys and whole source tables of VIPs that changed.
  const keys = new Set(scope.keys);
  const tables = new Set(scope.tables);
  for (const v of scope.vips) {
    for (const t of [desired.tables.get(v), deps.previousTables.get(v)]) if (t !== undefined) tables.add(t);
  }
  if (touched !== undefined) {
    // The source tables of the touched VIPs are planned whole, as the VIPs' own.
    for (const v of touched) for (const t of [desired.tables.get(v), deps.previousTables.get(v)]) if (t !== undefined) tables.add(t);
  }
  if (scope.rereadRules || scope.rereadAddresses || scope.rereadLinks) {
    // Rules or addresses changed under us: a VIP may move to another source table, so every
    // source table is planned (they are small; this is not the per-VIP fast path).
    for (const r of sourceRoutes) tables.add(r.table);
    for (const r of desired.desired.routes) if (rangeIncludes(sourceRange, r.table)) tables.add(r.table);
  }
  const configured = new Map(deps.vips.map((v) => [v.address, v]));
  for (const v of scope.vips) {
    // A VIP's announce route is its host prefix in its announce table (before and after).
    const { family, dst } = hostOf(v);
    for (const cfg of [configured.get(v), deps.previousVips.get(v)]) {
      const announce = cfg?.announce?.table;
      if (announce !== undefined) keys.add(scopeKey(family, announce, dst));
    }
  }
  if (keys.size > MAX_INCREMENTAL_KEYS * 64) return { ok: false, needFull: `${keys.size} route keys in scope` };

  const inScope = (r: Route): boolean => tables.has(r.table) || keys.has(scopeKey(r.family, r.table, r.dst));
  let protectedRoutes: Route[];
  try {
    protectedRoutes = await protectedAt(deps, [...keys].filter((k) => {
      const { family, table } = parseScopeKey(k);
      return deps.bird.kernelProtocols.some((kp) => kp.family === family && kp.table === table);
    }), options.signal);
  } catch (err) {
    return { ok: false, needFull: `BIRD query failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  if ([...tables].some((t) => deps.bird.kernelProtocols.some((kp) => kp.table === t))) {
    return { ok: false, needFull: "a table planned whole is one BIRD syncs" };
  }
  const liveRoutes: Route[] = [];
  for (const t of tables) liveRoutes.push(...cache.index.inTable(t));
  for (const k of keys) {
    const { family, table, dst } = parseScopeKey(k);
    if (!tables.has(table)) liveRoutes.push(...cache.index.at(family, table, dst));
  }
  // Rules and addresses: those of the VIPs this pass desires (a VIP's rule follows its source
  // table: held back while the table is empty, added with its route) or that changed, or all of
  // them when events said they changed.
  const allRules = scope.rereadRules;
  const allAddresses = scope.rereadAddresses || scope.rereadLinks;
  const vipIps = new Set([...scope.vips, ...desireVips.map((v) => v.address)]);
  const vipHosts = new Set([...vipIps].map((v) => hostOf(v).dst));
  const ruleIn = (r: Rule): boolean => allRules || (r.from !== undefined && vipHosts.has(r.from));
  const addressIn = (a: InterfaceAddress): boolean => allAddresses || vipIps.has(a.address);
  const desiredScoped = {
    ...desired.desired,
    routes: desired.desired.routes.filter(inScope),
    rules: allRules ? desired.desired.rules : desired.desired.rules.filter(ruleIn),
    addresses: allAddresses ? desired.desired.addresses : desired.desired.addresses.filter(addressIn),
    protectedRoutes,
  };
  const live: LiveState = {
    routes: liveRoutes,
    rules: allRules ? cache.rules : cache.rules.filter(ruleIn),
    addresses: allAddresses ? cache.addresses : cache.addresses.filter(addressIn),
    sysctls: cache.sysctls,
  };
  const p = plan(desiredScoped, live, policy, {
    observationComplete: true, repairProtected: config.protect.repair, reinstallLimit: config.protect.reinstallLimit,
    liveTableCounts: cache.index.tableCounts(), localAddresses: new Set(cache.addresses.map((a) => a.address)),
  });
  // An address deletion depends on every route in the kernel (its preferred sources): full pass.
  const deferred = p.ops.filter((o) => o.kind === "address.delete");
  if (deferred.length > 0) p.ops = p.ops.filter((o) => o.kind !== "address.delete");

  const kernel: KernelObservation = { complete: true, live, interfaces: cache.interfaces, links: [...cache.links].map(([name, up]) => ({ name, up })), problems: [] };
  const result: PassResult = {
    mode: "incremental", bird: deps.bird, kernel, observationComplete: true,
    desired: { ...desired, desired: desiredScoped }, plan: p, elapsedMs: 0,
  };
  if (options.apply && p.ops.length > 0) {
    result.applied = await deps.dataplane.apply(p.ops, options.signal ? { signal: options.signal } : {});
    applyToCache(cache, result.applied);
  }
  result.elapsedMs = deps.clock.now() - t0;
  const failed = result.applied?.failed ?? 0;
  const needFull = deferred.length > 0 ? `${deferred.length} address deletion(s) need a full pass`
    : failed > 0 ? `${failed} operation(s) failed` : undefined;
  // What this pass looked at: its findings replace earlier ones there (the reconciler's totals).
  const looked: FindingScope = { keys, tables, ruleIn, addressIn };
  return needFull === undefined ? { ok: true, result, scope: looked } : { ok: true, result, needFull, scope: looked };
}

/**
 * The VIPs whose desired objects this pass needs: those that changed, and those whose announce
 * key or source table an event named. Undefined means "all of them": when rules, addresses or
 * links changed (a VIP can move table), or when an event names a key in a managed table that
 * no VIP explains (its fate depends on every VIP).
 */
function touchedVips(deps: IncrementalDeps, scope: IncrementalScope): Set<string> | undefined {
  if (scope.rereadRules || scope.rereadAddresses || scope.rereadLinks) return undefined;
  const idx = vipIndex(deps);
  const touched = new Set(scope.vips);
  // A VIP without its rule in the kernel competes for a fresh source table with new VIPs (in
  // address order): it is always desired, so that the subset assigns tables as all VIPs would.
  for (const v of idx.unruled) touched.add(v);
  const explain = (table: number, dst?: string): boolean => {
    if (!isManagedTable(deps.policy, table)) return true;
    const a = dst === undefined ? undefined : idx.byAnnounce.get(`${table}|${dst}`);
    if (a !== undefined) { touched.add(a); return true; }
    const s = idx.bySource.get(table);
    if (s !== undefined) { for (const v of s) touched.add(v); return true; }
    return false;
  };
  for (const k of scope.keys) {
    const { table, dst } = parseScopeKey(k);
    if (!explain(table, dst)) return undefined;
  }
  for (const t of [...scope.tables, ...scope.rereadTables]) if (!explain(t)) return undefined;
  return touched;
}

interface VipIndex {
  vips: readonly VipConfig[];
  previousVips: ReadonlyMap<string, VipConfig>;
  previousTables: ReadonlyMap<string, number>;
  rules: readonly Rule[];
  /** VIPs with no rule of ours in the kernel. */
  unruled: string[];
  /** `table|host` → VIP. */
  byAnnounce: Map<string, string>;
  /** Source table → VIPs. */
  bySource: Map<number, string[]>;
}

let lastVipIndex: VipIndex | undefined;

/**
 * Lookups over every VIP for touchedVips, rebuilt only when the VIPs, the previous tables or the
 * cached rules change (each is replaced, never mutated): with 10k VIPs, building them on every
 * pass cost ~18 ms of a ~60 ms pass.
 */
function vipIndex(deps: IncrementalDeps): VipIndex {
  const last = lastVipIndex;
  if (last !== undefined && last.vips === deps.vips && last.previousVips === deps.previousVips
    && last.previousTables === deps.previousTables && last.rules === deps.cache.rules) return last;
  const ruled = new Set<string>();
  for (const r of deps.cache.rules) if (classifyRule(deps.policy, r) === "ours" && r.from !== undefined) ruled.add(r.from);
  const unruled: string[] = [];
  for (const v of deps.vips) if (!ruled.has(hostOf(v.address).dst)) unruled.push(v.address);
  const byAnnounce = new Map<string, string>();
  for (const list of [deps.vips, deps.previousVips.values()]) {
    for (const v of list) {
      const t = v.announce?.table;
      if (t !== undefined) byAnnounce.set(`${t}|${hostOf(v.address).dst}`, v.address);
    }
  }
  const bySource = new Map<number, string[]>();
  for (const [v, t] of deps.previousTables) {
    const l = bySource.get(t);
    if (l) l.push(v); else bySource.set(t, [v]);
  }
  lastVipIndex = { vips: deps.vips, previousVips: deps.previousVips, previousTables: deps.previousTables, rules: deps.cache.rules, unruled, byAnnounce, bySource };
  return lastVipIndex;
}

/** The return path to a BGP neighbor from the route index (longest match in main). */
function resolvePeerFromIndex(index: LiveRouteIndex, neighbor: string): { gateway: string; device: string } | undefined {
  const gw = canonicalAddress(neighbor);
  const family: Family = gw.includes(":") ? 6 : 4;
  const hits = index.longestMatch(family, 254, gw, (r) => r.type === "unicast" && r.nexthops.length === 1);
  const best = [...hits].sort((a, b) => a.metric - b.metric)[0];
  const dev = best?.nexthops[0]?.dev;
  return dev === undefined ? undefined : { gateway: gw, device: dev };
}
