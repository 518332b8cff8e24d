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

/** Splits a key made by routeKey (IPv4 `4|table|dst|tos|metric`, IPv6 `6|table|dst|metric`). */
export function parseRouteKey(key: string): RouteKeyParts {
  const f = key.split("|");
  if (f[0] === "4") return { family: 4, table: Number(f[1]), dst: f[2]!, tos: Number(f[3]), metric: Number(f[4]) };
  return { family: 6, table: Number(f[1]), dst: f[2]!, tos: 0, metric: Number(f[3]) };
}

/** A group of protected routes: what one BIRD kernel protocol installs (family, table, metric). */
export function groupId(r: Pick<RouteKeyParts, "family" | "table" | "metric">): string {
  return `${r.family}|${r.table}|${r.metric}`;
}

/** Where a route sits whatever its metric: family, table, destination, TOS. */
export function siteId(r: Pick<RouteKeyParts, "family" | "table" | "dst" | "tos">): string {
  return `${r.family}|${r.table}|${r.dst}|${r.tos}`;
}
