// Kernel routes in fibwarden's model: one object per kernel route, multipath as several nexthops.
import type { Family, Prefix } from "../net/ip.js";

/** Kernel route types (rtm_type) that fibwarden reads and writes. */
export const ROUTE_TYPES = [
  "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable",
  "prohibit", "throw", "nat", "xresolve",
] as const;

/** A kernel route type. */
export type RouteType = (typeof ROUTE_TYPES)[number];

const ROUTE_TYPE_SET: ReadonlySet<string> = new Set(ROUTE_TYPES);

/**
 * A route type as iproute2 prints it: its name, or its number under `ip -N` (RTN_UNICAST 1 to
 * RTN_XRESOLVE 11, the order of ROUTE_TYPES); undefined for anything else.
 */
export function routeTypeOf(text: string): RouteType | undefined {
  if (ROUTE_TYPE_SET.has(text)) return text as RouteType;
  return /^(?:[1-9]|1[01])$/.test(text) ? ROUTE_TYPES[Number(text) - 1] : undefined;
}

/** One nexthop of a route. A single-path route has exactly one; blackhole-like routes none. */
export interface Nexthop {
  /** Gateway address (canonical), absent for a direct (`dev` only) nexthop. */
  gateway?: string;
  /** Output device name. */
  dev?: string;
  /** Multipath weight, 1..256 (the kernel's default is 1). */
  weight: number;
  /** The `onlink` flag: the gateway is taken as reachable on `dev` without a route to it. */
  onlink: boolean;
}

/** A kernel route. All fields are explicit: defaults are filled in when reading. */
export interface Route {
  family: Family;
  /** Table number (main = 254, local = 255). */
  table: number;
  /** Destination in canonical form (`0.0.0.0/0` for default, `/32` or `/128` for hosts). */
  dst: Prefix;
  type: RouteType;
  /** rtm_protocol: the ownership marker (bird = 12, ours = configured). */
  protocol: number;
  /** Priority / metric. IPv6 stores the kernel's effective value (0 becomes 1024). */
  metric: number;
  /** IPv4 TOS (DSCP) selector; always 0 for IPv6. */
  tos: number;
  /** rtm_scope as a number (global 0, link 253, host 254). IPv6 routes are always 0. */
  scope: number;
  /** Preferred source address (`src` in iproute2), canonical. */
  prefsrc?: string;
  /** Nexthops, sorted canonically; empty for blackhole/unreachable/prohibit/throw. */
  nexthops: Nexthop[];
}

/** Route types that carry no nexthop in the kernel. */
export function isNexthopLessType(type: RouteType): boolean {
  return type === "blackhole" || type === "unreachable" || type === "prohibit" || type === "throw";
}

/** Orders nexthops canonically (by gateway, then device) so equal sets compare equal. */
export function compareNexthops(a: Nexthop, b: Nexthop): number {
  const ga = a.gateway ?? "";
  const gb = b.gateway ?? "";
  if (ga !== gb) return ga < gb ? -1 : 1;
  const da = a.dev ?? "";
  const db = b.dev ?? "";
  return da === db ? 0 : da < db ? -1 : 1;
}

/** True when two routes are the same in every field the kernel keeps. */
export function routesEqual(a: Route, b: Route): boolean {
  if (a.family !== b.family || a.table !== b.table || a.dst !== b.dst || a.type !== b.type) return false;
  if (a.protocol !== b.protocol || a.metric !== b.metric || a.tos !== b.tos || a.scope !== b.scope) return false;
  if ((a.prefsrc ?? "") !== (b.prefsrc ?? "")) return false;
  return nexthopsEqual(a.nexthops, b.nexthops);
}

/** True when two canonical nexthop lists are the same. */
export function nexthopsEqual(a: readonly Nexthop[], b: readonly Nexthop[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.gateway !== y.gateway || x.dev !== y.dev || x.weight !== y.weight || x.onlink !== y.onlink) return false;
  }
  return true;
}
