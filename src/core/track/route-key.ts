// The parts of a route key (the inverse of routeKey in src/core/model/keys.ts), and the places
// derived from them: the protected-route group and the (family, table, dst, TOS) site.
import type { Family } from "../net/ip.js";

/** The fields of a route that make its kernel key. */
export interface RouteKeyParts {
  family: Family;
  table: number;
  dst: string;
  tos: number;
  metric: number;
}

/** The key a map last handed out with its parts (see primeRouteKey). */
let primed: string | undefined;
const primedParts: RouteKeyParts = { family: 4, table: 0, dst: "", tos: 0, metric: 0 };

/**
 * Records the parts of a key that was just printed from them (a map walking its keys): the next
 * parseRouteKey of that key copies them instead of reading the text again. A million keys are
 * printed and read back at every first load of a side.
 */
export function primeRouteKey(key: string, family: Family, table: number, dst: string, tos: number, metric: number): void {
  primed = key;
  primedParts.family = family;
  primedParts.table = table;
  primedParts.dst = dst;
  primedParts.tos = tos;
  primedParts.metric = metric;
}

/** Splits a key made by routeKey (IPv4 `4|table|dst|tos|metric`, IPv6 `6|table|dst|metric`). */
export function parseRouteKey(key: string): RouteKeyParts {
  if (key === primed) return { ...primedParts };
  // indexOf and slice, not split: the trackers build routes from keys a million times a resync.
  const a = key.indexOf("|", 2);
  const b = key.indexOf("|", a + 1);
  const table = Number(key.slice(2, a));
  const dst = key.slice(a + 1, b);
  if (key.charCodeAt(0) === 52 /* "4" */) {
    const c = key.indexOf("|", b + 1);
    return { family: 4, table, dst, tos: Number(key.slice(b + 1, c)), metric: Number(key.slice(c + 1)) };
  }
  return { family: 6, table, dst, tos: 0, metric: Number(key.slice(b + 1)) };
}

/** A group of protected routes: what one BIRD kernel protocol installs (family, table, metric). */
export function groupId(r: Pick<RouteKeyParts, "family" | "table" | "metric">): string {
  return `${r.family}|${r.table}|${r.metric}`;
}

/** Where a route sits whatever its metric: family, table, destination, TOS. */
export function siteId(r: Pick<RouteKeyParts, "family" | "table" | "dst" | "tos">): string {
  return `${r.family}|${r.table}|${r.dst}|${r.tos}`;
}
