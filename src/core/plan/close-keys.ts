// The dependency closure of a set of dirty keys: every key whose label may have changed because
// the keys in `dirty` changed. See plan-keys.ts for the dependencies and the invariant.
import { addressKey } from "../model/keys.js";
import type { DirtyKeys, KeySet } from "../track/dirty.js";
import { groupId, parseRouteKey } from "../track/route-key.js";
import type { Trackers } from "../track/trackers.js";

/** Every key the trackers hold, per kind. */
export function allKeys(t: Trackers): KeySet {
  return {
    routes: new Set([...t.routes.live.keys(), ...t.routes.desired.keys(), ...t.routes.protected.keys()]),
    rules: new Set([...t.rules.live.keys(), ...t.rules.desired.keys()]),
    addresses: new Set([...t.addresses.live.keys(), ...t.addresses.desired.keys()]),
    sysctls: new Set(t.sysctls.desired.keys()),
  };
}

interface Closure {
  routes: Set<string>;
  addresses: Set<string>;
  ips: Set<string>;
  groups: Set<string>;
  routeQueue: string[];
  ipQueue: string[];
}

function addRoute(c: Closure, key: string): void {
  if (c.routes.has(key)) return;
  c.routes.add(key);
  c.routeQueue.push(key);
}

function addIp(c: Closure, ip: string): void {
  if (c.ips.has(ip)) return;
  c.ips.add(ip);
  c.ipQueue.push(ip);
}

/** A route key reaches: the IPs its routes use as source, the protected keys at its site, its group's missing keys. */
function expandRoute(t: Trackers, c: Closure, key: string): void {
  const routes = t.routes;
  for (const r of [routes.desired.get(key), routes.protected.get(key), ...routes.live.get(key)]) {
    if (r?.prefsrc !== undefined) addIp(c, r.prefsrc);
  }
  for (const k of routes.protectedKeysAtSite(key)) addRoute(c, k);
  const gid = groupId(parseRouteKey(key));
  if (c.groups.has(gid)) return;
  c.groups.add(gid);
  for (const k of routes.index.groups.get(gid)?.missing ?? []) addRoute(c, k);
}

/** An IP reaches: the addresses with it, and the desired and missing protected routes using it as source. */
function expandIp(t: Trackers, c: Closure, ip: string): void {
  for (const a of t.addresses.liveAt(ip)) c.addresses.add(addressKey(a));
  for (const k of t.addresses.desiredByIp.get(ip)) c.addresses.add(k);
  for (const k of t.routes.index.desiredByPrefsrc.get(ip)) addRoute(c, k);
  for (const k of t.routes.index.missingByPrefsrc.get(ip)) addRoute(c, k);
}

/**
 * Expands dirty keys by the planner's cross-key dependencies (valid for one policy and one set of
 * plan options): route keys and IPs reach each other until nothing new is found, then every
 * route key's table reaches the desired lookup rules of that table.
 */
export function closeKeys(t: Trackers, dirty: DirtyKeys): KeySet {
  if (dirty.everything) return allKeys(t);
  const c: Closure = { routes: new Set(), addresses: new Set(dirty.addresses), ips: new Set(), groups: new Set(), routeQueue: [], ipQueue: [] };
  for (const k of dirty.routes) addRoute(c, k);
  for (const ip of dirty.ips) addIp(c, ip);
  while (c.routeQueue.length > 0 || c.ipQueue.length > 0) {
    for (let k = c.routeQueue.pop(); k !== undefined; k = c.routeQueue.pop()) expandRoute(t, c, k);
    for (let ip = c.ipQueue.pop(); ip !== undefined; ip = c.ipQueue.pop()) expandIp(t, c, ip);
  }
  const rules = new Set(dirty.rules);
  for (const table of new Set([...c.routes].map((k) => parseRouteKey(k).table))) {
    for (const k of t.rules.desiredByTable.get(table)) rules.add(k);
  }
  return { routes: c.routes, rules, addresses: c.addresses, sysctls: new Set(dirty.sysctls) };
}
