// The observation of an event pass: the route events are set or deleted on the trackers' live
// side; rule and address events that disagree with it, links that went down or away, and the
// scopes the events marked are re-read from the kernel (all reads first, then every replace at
// once: a failed read changes nothing); then BIRD is asked, one prefix at a time, what it exports
// at the route keys that changed in its tables, and the protected side is set to that.
import type { BirdPort, Dataplane } from "../adapters/ports.js";
import { ProtectedRouteBuilder } from "../core/desired/protected.js";
import { routeKey } from "../core/model/keys.js";
import type { Route } from "../core/model/route.js";
import type { Rule } from "../core/model/rule.js";
import type { InterfaceAddress } from "../core/model/address.js";
import type { SysctlValue } from "../core/model/sysctl.js";
import type { Family } from "../core/net/ip.js";
import { addressEventAgrees, addressEventKey, ruleEventAgrees, ruleEventKey } from "../core/parse/ip-monitor-objects.js";
import { deleteLiveRoute, replaceLiveRoutes, setLiveRoute } from "../core/track/live-events.js";
import { parseRouteKey, siteId } from "../core/track/route-key.js";
import type { Trackers } from "../core/track/trackers.js";
import type { BirdObservation } from "./observe-bird.js";
import type { PassScope } from "./scope.js";

/** More protected sites than this in one event pass: a resync reads BIRD whole instead. */
export const MAX_PREFIX_QUERIES = 256;

/** Every value of a live store, as an array. */
export function liveValues<T>(side: { keys(): IterableIterator<string>; get(k: string): readonly T[] }): T[] {
  const out: T[] = [];
  for (const k of side.keys()) out.push(...side.get(k));
  return out;
}

/** Link name → administratively up. */
export type LinkStates = Map<string, boolean>;

/** Sets and deletes the route events on the live side; marks what they cannot tell for re-reading. */
function takeRouteEvents(t: Trackers, scope: PassScope): void {
  for (const rc of scope.routes) {
    const r = rc.route!;
    if (!rc.deleted) setLiveRoute(t, r);
    else if (deleteLiveRoute(t, r) === "partial") scope.reread.tables.add(`${r.family}|${r.table}`);
  }
}

/**
 * Checks rule and address events against the live side; a disagreement re-reads the kind. Each
 * event is checked against the live values at its key (10k VIPs hold 10k rules and addresses).
 */
function checkObjectEvents(t: Trackers, scope: PassScope): void {
  const reread = scope.reread;
  if (!reread.rules && scope.ruleEvents.some((e) => !ruleEventAgrees(e, t.rules.live.get(ruleEventKey(e))))) reread.rules = true;
  if (scope.addressEvents.length > 0) {
    for (const e of scope.addressEvents) {
      if (addressEventAgrees(e, t.addresses.live.get(addressEventKey(e)))) continue;
      reread.addresses = true;
      // A removed address takes (IPv4) or strips (IPv6) the routes using it as source, silently.
      if (e.deleted) reread.families.add(e.family);
    }
  }
}

/** What the kernel answered to the re-reads, applied at once by `commitReads`. */
interface Reads {
  families: Array<[Family, Route[]]>;
  tables: Array<[Family, number, Route[]]>;
  rules?: Rule[];
  addresses?: InterfaceAddress[];
  sysctls?: SysctlValue[];
}

/**
 * Reads the links; a link that went down or away re-reads routes and addresses. Returns the new
 * states. Whatever the states say, the tables fibwarden manages are re-read on any link event: a
 * link that went down and came back up before this read (a flap shorter than a pass) reads as
 * up, yet the kernel flushed every IPv4 route through it, silently (the integration test
 * `link-flap.test.ts` saw fibwarden's source-table route lost so). Those tables are small; main
 * is re-read only when a link is seen down or gone (BIRD restores its own routes after a flap),
 * or when there are more managed tables than MAX_TABLE_REREADS.
 */
async function readLinkChanges(dataplane: Dataplane, t: Trackers, links: LinkStates, scope: PassScope): Promise<LinkStates> {
  const now = new Map((await dataplane.readLinks()).map((l) => [l.name, l.up] as const));
  for (const [name, up] of links) {
    if (up && now.get(name) !== true) {
      scope.reread.families.add(4).add(6);
      scope.reread.addresses = true;
    }
  }
  // IPv4 only: IPv6 reports the routes a link takes with it. One `ip` per table while there are
  // few (a source table per VIP: 10k VIPs would be 10k processes), else one IPv4 dump.
  const managed = new Set([...t.routes.index.managedKeys.keys(), ...t.routes.index.desiredByTable.keys()]);
  if (managed.size > MAX_TABLE_REREADS) scope.reread.families.add(4);
  else for (const table of managed) scope.reread.tables.add(`4|${table}`);
  return now;
}

/** More managed tables than this: a link event re-reads IPv4 routes whole instead of per table. */
export const MAX_TABLE_REREADS = 32;

async function readScopes(dataplane: Dataplane, scope: PassScope): Promise<Reads> {
  const r = scope.reread;
  const tables = [...r.tables].map((k) => {
    const [f, table] = k.split("|");
    return { family: (f === "6" ? 6 : 4) as Family, table: Number(table) };
  }).filter((p) => !r.families.has(p.family));
  const [families, tableRoutes, rules, addresses, sysctls] = await Promise.all([
    Promise.all([...r.families].map(async (f) => [f, await dataplane.readRoutes(f)] as [Family, Route[]])),
    Promise.all(tables.map(async (p) => [p.family, p.table, await dataplane.readRoutes(p.family, p.table)] as [Family, number, Route[]])),
    r.rules ? dataplane.readRules() : undefined,
    r.addresses ? dataplane.readAddresses() : undefined,
    r.sysctls ? dataplane.readSysctls() : undefined,
  ]);
  const out: Reads = { families, tables: tableRoutes };
  if (rules) out.rules = rules;
  if (addresses) out.addresses = addresses;
  if (sysctls) out.sysctls = sysctls.map(({ iface, name, value }) => ({ iface, name, value }));
  return out;
}

function commitReads(t: Trackers, reads: Reads): void {
  for (const [family, routes] of reads.families) replaceLiveRoutes(t, { family }, routes);
  for (const [family, table, routes] of reads.tables) replaceLiveRoutes(t, { family, table }, routes);
  if (reads.rules) t.rules.live.replace(reads.rules);
  if (reads.addresses) t.addresses.live.replace(reads.addresses);
  if (reads.sysctls) t.sysctls.live.replace(reads.sysctls);
}

/**
 * Observes an event pass's scope into the trackers' live side; returns the link states (new
 * when links were re-read). Throws when a read fails (the caller resyncs).
 */
export async function observeScope(dataplane: Dataplane, t: Trackers, links: LinkStates, scope: PassScope): Promise<LinkStates> {
  takeRouteEvents(t, scope);
  checkObjectEvents(t, scope);
  const nextLinks = scope.reread.links ? await readLinkChanges(dataplane, t, links, scope) : links;
  commitReads(t, await readScopes(dataplane, scope));
  return nextLinks;
}

/**
 * Asks BIRD what it exports now at each protected site whose live or protected routes changed
 * (the dirty route keys in the tables of its kernel protocols), and sets the protected side to
 * that. Throws when BIRD cannot be asked, or when too many sites changed (the caller resyncs).
 */
export async function observeProtectedAt(t: Trackers, bird: BirdObservation, ports: readonly BirdPort[], signal?: AbortSignal): Promise<void> {
  const sites = new Map<string, { family: Family; table: number; dst: string; keys: string[] }>();
  for (const k of t.dirty.routes) {
    const p = parseRouteKey(k);
    if (!bird.kernelProtocols.some((kp) => kp.family === p.family && kp.table === p.table)) continue;
    const id = siteId({ ...p, tos: 0 });
    if (!sites.has(id)) sites.set(id, { family: p.family, table: p.table, dst: p.dst, keys: t.routes.protectedKeysAtSite(routeKey({ ...p, tos: 0 })) });
  }
  if (sites.size > MAX_PREFIX_QUERIES) throw new Error(`${sites.size} protected prefixes changed`);
  for (const site of sites.values()) {
    const exported: Route[] = [];
    for (const kp of bird.kernelProtocols) {
      if (kp.family !== site.family || kp.table !== site.table) continue;
      const port = ports.find((b) => b.socket === kp.socket);
      if (port === undefined) throw new Error(`no BIRD port for ${kp.socket}`);
      const builder = new ProtectedRouteBuilder({ protocol: kp.name, family: site.family, table: site.table, metric: kp.metric });
      // BIRD answers 8001 (network not found) when it has no such net: that is zero routes.
      await port.exportedRoutesAt(kp.name, site.dst, (r) => { if (r.network === site.dst) builder.add(r); }, signal ? { signal } : {});
      exported.push(...builder.routes());
    }
    const now = new Set(exported.map(routeKey));
    for (const k of site.keys) if (!now.has(k)) t.routes.protected.delete(k);
    for (const r of exported) t.routes.protected.set(r);
  }
}
