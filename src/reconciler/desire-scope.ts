// The desired side of the trackers, kept per VIP. A resync composes every VIP's objects from the
// whole observation and replaces the side. An event pass recomposes only the VIPs whose inputs
// changed, and sets and deletes their keys: the VIPs set at run time that changed; the VIPs
// without a rule of ours in the kernel (new VIPs take fresh source tables in address order, so
// they compete with each other); the VIPs whose rule or source table changed in the kernel
// (their table, their last good return path); the VIPs whose BGP neighbor's route changed. Each
// VIP's objects depend on nothing else (the source tables are small and read whole from the
// trackers), so the desired side equals what a resync would compose. With 10k VIPs this keeps a
// VIP add from composing all of them (~200 ms).
import type { Config, VipConfig } from "../config/schema.js";
import { buildSysctlDesired } from "../core/desired/sysctls.js";
import { resolvePeerReturn, type ReturnPath } from "../core/desired/vips.js";
import { addressKey, routeKey, ruleKey } from "../core/model/keys.js";
import type { Route } from "../core/model/route.js";
import type { Rule } from "../core/model/rule.js";
import type { SysctlValue } from "../core/model/sysctl.js";
import { hostPrefix, prefixContains } from "../core/net/ip.js";
import { rangeIncludes } from "../core/ownership.js";
import type { DesiredState, LiveState } from "../core/plan/types.js";
import { parseRouteKey } from "../core/track/route-key.js";
import { slotValues } from "../core/track/slot.js";
import type { Trackers } from "../core/track/trackers.js";
import { composeDesired, type DesiredResult } from "./desire.js";
import type { BirdObservation } from "./observe-bird.js";
import { liveValues } from "./observe-scope.js";
import { VipRuleIndex } from "./vip-rules.js";

/** The desired keys of one VIP. */
interface VipKeys {
  readonly routes: readonly string[];
  readonly rules: readonly string[];
  readonly addresses: readonly string[];
}

/** What the desired side was composed from, per VIP, between passes. */
export interface DesireMemory {
  /** VIP → its desired keys. */
  keys: Map<string, VipKeys>;
  /** VIP → source table. */
  tables: Map<string, number>;
  /** Source table → VIP (the inverse of `tables`, kept with it by setTables/setTable). */
  tableVips: Map<number, string>;
  /** BGP neighbor → return path (undefined: none), as resolved from the main table. */
  peers: Map<string, ReturnPath | undefined>;
  /** VIP address → its host prefix (an event pass looks up 10k of them; parsing each costs). */
  hosts: Map<string, string>;
  /**
   * The configured VIPs without a rule of ours, kept up to date by each event pass from what
   * changed; undefined after a resync (rebuilt by the next event pass from every rule and VIP).
   */
  ruled?: VipRuleIndex;
}

/** An empty memory. */
export function emptyDesireMemory(): DesireMemory {
  return { keys: new Map(), tables: new Map(), tableVips: new Map(), peers: new Map(), hosts: new Map() };
}

function setTables(memory: DesireMemory, tables: Map<string, number>): void {
  memory.tables = tables;
  memory.tableVips = new Map([...tables].map(([v, table]) => [table, v] as const));
}

function setTable(memory: DesireMemory, vip: string, table: number | undefined): void {
  const before = memory.tables.get(vip);
  if (before !== undefined && memory.tableVips.get(before) === vip) memory.tableVips.delete(before);
  memory.tables.delete(vip);
  if (table === undefined) return;
  memory.tables.set(vip, table);
  memory.tableVips.set(table, vip);
}

/** The host prefix of VIP `address`, remembered (the memory holds at most twice the VIPs configured). */
function hostOf(memory: DesireMemory, address: string, vips: number): string {
  let host = memory.hosts.get(address);
  if (host === undefined) {
    if (memory.hosts.size > 2 * vips + 16) memory.hosts.clear();
    host = hostPrefix(address);
    memory.hosts.set(address, host);
  }
  return host;
}

/** Groups the desired objects by the VIP they serve. */
function keysByVip(desired: Pick<DesiredState, "routes" | "rules" | "addresses">, tables: ReadonlyMap<string, number>, vips: readonly VipConfig[], host: (address: string) => string = hostPrefix): Map<string, VipKeys> {
  type Building = { routes: string[]; rules: string[]; addresses: string[] };
  const out = new Map<string, Building>();
  const byHost = new Map<string, Building>();
  const byTable = new Map<number, Building>();
  for (const v of vips) {
    const keys: Building = { routes: [], rules: [], addresses: [] };
    out.set(v.address, keys);
    byHost.set(host(v.address), keys);
    const t = tables.get(v.address);
    if (t !== undefined) byTable.set(t, keys);
  }
  for (const r of desired.routes) (byTable.get(r.table) ?? byHost.get(r.dst))?.routes.push(routeKey(r));
  for (const r of desired.rules) if (r.from !== undefined) byHost.get(r.from)?.rules.push(ruleKey(r));
  for (const a of desired.addresses) out.get(a.address)?.addresses.push(addressKey(a));
  // Kept between passes: each list pushed to is copied to its exact length. A pushed-to array
  // keeps room for 17 entries (~150 bytes); three per VIP were 4-5 MB at 10k VIPs (heap
  // snapshot, issue #17). An array never pushed to has no room to give back.
  const tight = (list: string[]): string[] => (list.length === 0 ? list : list.slice());
  for (const k of out.values()) {
    k.routes = tight(k.routes);
    k.rules = tight(k.rules);
    k.addresses = tight(k.addresses);
  }
  return out;
}

/**
 * The resync: composes every VIP from the whole observation and replaces the desired side.
 * `live` is the whole kernel; or, when `streamed` (the routes went into the trackers as they were
 * read, BIRD's exports into the protected side), its routes are empty and the VIPs read the
 * source tables and the main table from the trackers, as an event pass does.
 */
export function desireAll(t: Trackers, memory: DesireMemory, config: Config, vips: readonly VipConfig[], bird: BirdObservation, live: LiveState, interfaces: readonly string[], streamed = false): DesiredResult {
  memory.peers.clear();
  memory.ruled = undefined;
  const view = streamed ? { ...live, routes: sourceTableRoutes(t, config) } : live;
  const desired = composeDesired(config, vips, bird, view, t.policy, interfaces, {
    resolvePeer: (n) => remember(memory.peers, n, () => (streamed ? resolvePeerFromTrackers(t, n) : resolvePeerReturn(n, live))),
  });
  t.routes.desired.replace(desired.desired.routes);
  if (!streamed) t.routes.protected.replace(desired.desired.protectedRoutes);
  t.rules.desired.replace(desired.desired.rules);
  t.addresses.desired.replace(desired.desired.addresses);
  t.sysctls.desired.replace(desired.desired.sysctls);
  setTables(memory, desired.tables);
  memory.keys = keysByVip(desired.desired, desired.tables, vips, (a) => hostOf(memory, a, vips.length));
  return desired;
}

function remember<K, V>(map: Map<K, V>, k: K, compute: () => V): V {
  if (!map.has(k)) map.set(k, compute());
  return map.get(k)!;
}

/**
 * The live routes of the source tables: managed, hence small and indexed (the VIP builder reads
 * them whole). With `touched` (an event pass), only the tables the VIP builder can learn anything
 * from for those VIPs: their own tables, and the tables in range no VIP holds (free, orphaned or
 * foreign ones). Another VIP's table is in use through that VIP's rule, which the builder sees
 * (a VIP without its rule is itself recomposed); its routes are that VIP's business. With 10k
 * VIPs this is the difference between decoding 20k routes per VIP added and a handful.
 */
function sourceTableRoutes(t: Trackers, config: Config, memory?: DesireMemory, touched?: ReadonlySet<string>): Route[] {
  const range = config.ownership.tables;
  const out: Route[] = [];
  for (const [table, keys] of t.routes.index.managedKeys) {
    if (!rangeIncludes(range, table)) continue;
    const holder = memory?.tableVips.get(table);
    if (holder !== undefined && touched !== undefined && !touched.has(holder)) continue;
    for (const k of keys) out.push(...t.routes.live.get(k));
  }
  return out;
}

/** The return path to `neighbor` from the main table the trackers hold. */
function resolvePeerFromTrackers(t: Trackers, neighbor: string): ReturnPath | undefined {
  const family = neighbor.includes(":") ? 6 : 4;
  const routes: Route[] = [];
  const prefix = `${family}|254|`;
  for (const k of t.routes.live.keys()) if (k.startsWith(prefix)) routes.push(...t.routes.live.get(k));
  return resolvePeerReturn(neighbor, { routes, rules: [], addresses: [], sysctls: [] });
}

/** The BGP neighbor of each VIP whose return path names a BGP session. */
function neighborsOf(vips: readonly VipConfig[], bird: BirdObservation): Map<string, string[]> {
  const sessions = new Map(bird.daemons.flatMap((d) => d.protocols).map((p) => [p.name, p.bgp?.neighborAddress] as const));
  const out = new Map<string, string[]>();
  for (const v of vips) {
    const ret = v.return;
    const n = ret !== undefined && "bgpPeer" in ret ? sessions.get(ret.bgpPeer) : undefined;
    if (n === undefined) continue;
    const list = out.get(n);
    if (list === undefined) out.set(n, [v.address]);
    else list.push(v.address);
  }
  return out;
}

/** What an event pass needs to recompose VIPs. */
export interface DesireScopeInput {
  config: Config;
  vips: readonly VipConfig[];
  /** VIPs whose configuration changed. */
  changed: ReadonlySet<string>;
  bird: BirdObservation;
  interfaces: readonly string[];
  /** True when links or sysctls were re-read: the sysctl side is composed again. */
  sysctls: boolean;
}

/** The VIP rule index brought up to date with the dirty rule keys and the changed VIPs (vip-rules.ts). */
function vipRules(t: Trackers, memory: DesireMemory, input: DesireScopeInput): VipRuleIndex {
  const host = (a: string): string => hostOf(memory, a, input.vips.length);
  if (memory.ruled === undefined || t.dirty.everything) {
    memory.ruled = new VipRuleIndex(t.policy, input.config.ownership.tables, t.rules.live, input.vips, host);
    return memory.ruled;
  }
  const index = memory.ruled;
  for (const k of t.dirty.rules) index.ruleChanged(k, t.rules.live);
  if (input.changed.size > 0) {
    const configured = new Set<string>();
    for (const v of input.vips) if (input.changed.has(v.address)) configured.add(v.address);
    index.vipsChanged(input.changed, (a) => configured.has(a));
  }
  return index;
}

/** The VIPs an event pass recomposes (see the file comment). */
function touchedVips(t: Trackers, memory: DesireMemory, input: DesireScopeInput): Set<string> {
  const touched = new Set(input.changed);
  const index = vipRules(t, memory, input);
  for (const v of index.unruled()) touched.add(v);
  for (const k of t.dirty.rules) {
    for (const r of [t.rules.desired.get(k), ...t.rules.live.get(k)]) {
      const v = r?.from === undefined ? undefined : index.vipAt(r.from);
      if (v !== undefined) touched.add(v);
    }
  }
  const vipOfTable = memory.tableVips;
  const main: Array<{ family: number; dst: string }> = [];
  for (const k of t.dirty.routes) {
    const p = parseRouteKey(k);
    const v = vipOfTable.get(p.table);
    if (v !== undefined) touched.add(v);
    if (p.table === 254) main.push(p);
  }
  if (main.length > 0 && memory.peers.size > 0) {
    const byNeighbor = neighborsOf(input.vips, input.bird);
    for (const n of [...memory.peers.keys()]) {
      const family = n.includes(":") ? 6 : 4;
      if (!main.some((p) => p.family === family && prefixContains(p.dst, n))) continue;
      memory.peers.delete(n); // resolved again from the trackers when asked
      for (const v of byNeighbor.get(n) ?? []) touched.add(v);
    }
  }
  return touched;
}

/** Sets the desired keys of `vips` to `desired`'s, deleting those they no longer want. */
function setVipKeys(t: Trackers, memory: DesireMemory, vips: Iterable<string>, desired: DesiredResult, configured: readonly VipConfig[]): void {
  // Only the VIPs recomposed (an event pass touches a few of 10k): their objects are all `desired` holds.
  const touched = new Set(vips);
  const next = keysByVip(desired.desired, desired.tables, configured.filter((c) => touched.has(c.address)), (a) => hostOf(memory, a, configured.length));
  for (const v of touched) {
    const before = memory.keys.get(v);
    const after = next.get(v);
    if (before !== undefined) {
      const keep = new Set([...(after?.routes ?? []), ...(after?.rules ?? []), ...(after?.addresses ?? [])]);
      for (const k of before.routes) if (!keep.has(k)) t.routes.desired.delete(k);
      for (const k of before.rules) if (!keep.has(k)) t.rules.desired.delete(k);
      for (const k of before.addresses) if (!keep.has(k)) t.addresses.desired.delete(k);
    }
    if (after === undefined) memory.keys.delete(v);
    else memory.keys.set(v, after);
    setTable(memory, v, desired.tables.get(v));
  }
  for (const r of desired.desired.routes) t.routes.desired.set(r);
  for (const r of desired.desired.rules) t.rules.desired.set(r);
  for (const a of desired.desired.addresses) t.addresses.desired.set(a);
}

/**
 * An event pass's desire: recomposes the VIPs whose inputs changed (and the sysctls when links or
 * sysctls were re-read) from the trackers, and updates the desired side at their keys.
 */
export function desireScope(t: Trackers, memory: DesireMemory, input: DesireScopeInput): DesiredResult {
  const touched = touchedVips(t, memory, input);
  let desired: DesiredResult;
  if (touched.size === 0) {
    // A repair of a protected route, an echo of our own change: no VIP to compose, nothing read.
    desired = { desired: { routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: [] }, vipProblems: [], sysctlProblems: [], tables: new Map() };
  } else {
    const vips = input.vips.filter((v) => touched.has(v.address));
    // The VIP builder reads back the rules from the VIPs it composes (their tables); of the
    // others it needs only which tables they name, which the rule tracker counts.
    const rules: Rule[] = [];
    for (const v of vips) {
      for (const k of slotValues(t.rules.liveByFrom.get(hostOf(memory, v.address, input.vips.length)))) rules.push(...t.rules.live.get(k));
    }
    const view: LiveState = { routes: sourceTableRoutes(t, input.config, memory, touched), rules, addresses: [], sysctls: [] };
    const birdNoRoutes: BirdObservation = { ...input.bird, kernelProtocols: [] };
    desired = composeDesired(input.config, vips, birdNoRoutes, view, t.policy, input.interfaces, {
      resolvePeer: (n) => remember(memory.peers, n, () => resolvePeerFromTrackers(t, n)),
      ruledTable: (table) => t.rules.liveTables.has(table),
    });
    setVipKeys(t, memory, touched, desired, vips);
  }
  if (input.sysctls) {
    const sysctl = buildSysctlDesired(input.config.sysctls, input.interfaces, liveValues<SysctlValue>({
      keys: () => t.sysctls.live.keys(), get: (k) => { const s = t.sysctls.live.get(k); return s === undefined ? [] : [s]; },
    }));
    t.sysctls.desired.replace(sysctl.sysctls);
    desired.desired.sysctls = sysctl.sysctls;
    desired.sysctlProblems = sysctl.problems;
  } else desired.desired.sysctls = [];
  desired.tables = memory.tables;
  return desired;
}
