// Kernel events and scoped re-reads on the live side of the route tracker. A route event sets or
// deletes one route at its kernel key; a re-read replaces the live routes of one scope (a family,
// or one table of a family) with a fresh dump of that scope, marking dirty exactly the keys whose
// routes changed. Nothing here imitates what the kernel does silently: a change the events cannot
// describe (a partial IPv6 multipath delete) is reported to the caller, which re-reads.
import { routeKey } from "../model/keys.js";
import type { Route } from "../model/route.js";
import type { Family } from "../net/ip.js";
import { isManagedTable } from "../ownership.js";
import { parseRouteKey } from "./route-key.js";
import type { Trackers } from "./trackers.js";

const firstDev = (r: Route): string | undefined => r.nexthops[0]?.dev;

/**
 * A route the kernel added or replaced (RTM_NEWROUTE): it takes its key. IPv4 keeps one route per
 * key (a replace overwrites whatever held it); IPv6 keeps the routes of other devices at the key
 * (the kernel holds IPv6 routes per nexthop device).
 */
export function setLiveRoute(t: Trackers, r: Route): void {
  const k = routeKey(r);
  const kept = r.family === 6 ? t.routes.live.get(k).filter((x) => firstDev(x) !== firstDev(r)) : [];
  t.routes.live.setAt(k, [...kept, r]);
}

/**
 * A route the kernel deleted (RTM_DELROUTE): removes the route of the same key and protocol (the
 * same first device first). Returns `partial` when the event names fewer nexthops than the IPv6
 * route it deletes from: the kernel removed one nexthop of a multipath route and does not say
 * what remains; the caller must re-read that table. Nothing is changed then.
 */
export function deleteLiveRoute(t: Trackers, r: Route): "deleted" | "absent" | "partial" {
  const k = routeKey(r);
  const list = t.routes.live.get(k);
  const candidates = list.filter((x) => x.protocol === r.protocol && (r.family === 6 || x.type === r.type));
  if (candidates.length === 0) return "absent";
  const victim = candidates.find((x) => firstDev(x) === firstDev(r)) ?? candidates[0]!;
  if (r.family === 6 && victim.nexthops.length > r.nexthops.length) return "partial";
  t.routes.live.setAt(k, list.filter((x) => x !== victim));
  return "deleted";
}

/** A scope of live routes to re-read: one family, or one table of one family. */
export interface RouteScope {
  family: Family;
  table?: number;
}

/** True when `key` lies in `scope`. */
function inScope(key: string, scope: RouteScope): boolean {
  const p = parseRouteKey(key);
  return p.family === scope.family && (scope.table === undefined || p.table === scope.table);
}

/**
 * Replaces the live routes of `scope` with `routes` (a fresh dump of exactly that scope). Runs
 * synchronously, so a caller that awaits the dump first never leaves the side half replaced.
 * Routes outside the scope are ignored.
 */
export function replaceLiveRoutes(t: Trackers, scope: RouteScope, routes: readonly Route[]): void {
  const next = new Map<string, Route[]>();
  for (const r of routes) {
    if (r.family !== scope.family || (scope.table !== undefined && r.table !== scope.table)) continue;
    const k = routeKey(r);
    const list = next.get(k);
    if (list === undefined) next.set(k, [r]);
    else list.push(r);
  }
  // A managed table's keys are indexed; any other scope is found among every live key.
  const managed = scope.table !== undefined && isManagedTable(t.policy, scope.table);
  const current = managed ? [...t.routes.index.managedKeys.get(scope.table!)] : [...t.routes.live.keys()];
  for (const k of current) if (!next.has(k) && inScope(k, scope)) t.routes.live.setAt(k, []);
  for (const [k, list] of next) t.routes.live.setAt(k, list);
}
