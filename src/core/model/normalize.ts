// Builders that turn partial route/rule/address descriptions into canonical model objects,
// filling in what the kernel fills in, so that what we write and what we read back compare equal.
import { FibwardenError } from "../errors.js";
import { canonicalAddress, canonicalPrefix, type Family } from "../net/ip.js";
import type { InterfaceAddress } from "./address.js";
import { PROTO, SCOPE, TABLE } from "./names.js";
import { compareNexthops, isNexthopLessType, type Nexthop, type Route, type RouteType } from "./route.js";
import type { Rule } from "./rule.js";

/** A route as a caller describes it: omitted fields take the kernel's defaults. */
export interface RouteInput {
  family?: Family;
  table?: number;
  dst: string;
  type?: RouteType;
  protocol?: number;
  metric?: number;
  tos?: number;
  scope?: number;
  prefsrc?: string;
  nexthops?: Array<Partial<Nexthop>>;
}

/** The IPv6 metric the kernel uses when none (0) is given (IP6_RT_PRIO_USER). */
export const IPV6_DEFAULT_METRIC = 1024;

/** The scope the kernel (through iproute2) gives a route when none is given. */
export function defaultRouteScope(type: RouteType, hasGateway: boolean): number {
  if (type === "local" || type === "nat") return SCOPE.host;
  if (type === "broadcast" || type === "multicast" || type === "anycast") return SCOPE.link;
  if (type === "unicast" && !hasGateway) return SCOPE.link;
  return SCOPE.global;
}

function familyOf(dst: string, family?: Family): Family {
  if (family) return family;
  if (dst === "default") throw new FibwardenError("FW_INVALID_MODEL", "`default` needs an explicit family");
  return dst.includes(":") ? 6 : 4;
}

/** Builds a canonical route; throws FW_INVALID_MODEL/FW_INVALID_PREFIX on bad input. */
export function makeRoute(input: RouteInput): Route {
  const family = familyOf(input.dst, input.family);
  const dst = canonicalPrefix(input.dst, family);
  const type = input.type ?? "unicast";
  const nexthops: Nexthop[] = (input.nexthops ?? []).map((nh) => {
    const out: Nexthop = { weight: nh.weight ?? 1, onlink: nh.onlink ?? false };
    if (nh.gateway !== undefined) out.gateway = canonicalAddress(nh.gateway);
    if (nh.dev !== undefined) out.dev = nh.dev;
    if (!Number.isInteger(out.weight) || out.weight < 1 || out.weight > 256) {
      throw new FibwardenError("FW_INVALID_MODEL", `nexthop weight out of 1..256 for ${dst}`);
    }
    return out;
  });
  if (isNexthopLessType(type)) {
    // IPv6 reports blackhole-like routes on `lo`; the device is not part of such a route.
    nexthops.length = 0;
  }
  nexthops.sort(compareNexthops);
  const hasGateway = nexthops.some((n) => n.gateway !== undefined);
  let metric = input.metric ?? 0;
  if (family === 6 && metric === 0) metric = IPV6_DEFAULT_METRIC;
  const route: Route = {
    family,
    table: input.table ?? TABLE.main,
    dst,
    type,
    protocol: input.protocol ?? PROTO.boot,
    metric,
    tos: family === 6 ? 0 : input.tos ?? 0,
    scope: family === 6 ? 0 : input.scope ?? defaultRouteScope(type, hasGateway),
    nexthops,
  };
  if (input.prefsrc !== undefined) route.prefsrc = canonicalAddress(input.prefsrc, family);
  validateRoute(route);
  return route;
}

/** Checks the invariants of a canonical route; throws FW_INVALID_MODEL. */
export function validateRoute(r: Route): void {
  const bad = (why: string): never => {
    throw new FibwardenError("FW_INVALID_MODEL", `invalid route ${r.dst} table ${r.table}: ${why}`);
  };
  if (!Number.isInteger(r.table) || r.table < 0 || r.table > 0xffffffff || r.table === 0) bad("table");
  if (!Number.isInteger(r.protocol) || r.protocol < 0 || r.protocol > 255) bad("protocol");
  if (!Number.isInteger(r.metric) || r.metric < 0 || r.metric > 0xffffffff) bad("metric");
  if (!Number.isInteger(r.tos) || r.tos < 0 || r.tos > 255) bad("tos");
  if (!Number.isInteger(r.scope) || r.scope < 0 || r.scope > 255) bad("scope");
  if (isNexthopLessType(r.type) && r.nexthops.length > 0) bad(`${r.type} route with nexthops`);
  if (r.type === "unicast" && r.nexthops.length === 0) bad("unicast route without nexthop");
  for (const nh of r.nexthops) {
    if (nh.gateway === undefined && nh.dev === undefined) bad("nexthop without gateway or device");
    // An IPv4 route may have an IPv6 gateway (RFC 5549: `via inet6 fe80::1`, FRR's unnumbered
    // BGP); an IPv6 route never has an IPv4 one.
    if (nh.gateway !== undefined && r.family === 6 && !nh.gateway.includes(":")) bad("gateway family");
  }
}

/** A rule as a caller describes it. */
export interface RuleInput extends Partial<Omit<Rule, "priority">> {
  priority: number;
}

/** Builds a canonical rule (family from `from`/`to` when not given; action lookup when a table is). */
export function makeRule(input: RuleInput): Rule {
  const family: Family = input.family ?? ((input.from ?? input.to ?? "").includes(":") ? 6 : 4);
  const rule: Rule = {
    family,
    priority: input.priority,
    tos: input.tos ?? 0,
    action: input.action ?? "lookup",
    protocol: input.protocol ?? 0,
  };
  if (input.from !== undefined) rule.from = canonicalPrefix(input.from, family);
  if (input.to !== undefined) rule.to = canonicalPrefix(input.to, family);
  if (input.iif !== undefined) rule.iif = input.iif;
  if (input.oif !== undefined) rule.oif = input.oif;
  if (input.fwmark !== undefined) rule.fwmark = { ...input.fwmark };
  if (input.table !== undefined) rule.table = input.table;
  if (input.gotoPriority !== undefined) rule.gotoPriority = input.gotoPriority;
  if (input.extra !== undefined) rule.extra = input.extra;
  if (!Number.isInteger(rule.priority) || rule.priority < 0 || rule.priority > 0xffffffff) {
    throw new FibwardenError("FW_INVALID_MODEL", `rule priority out of range: ${rule.priority}`);
  }
  if (rule.action === "lookup" && rule.table === undefined) {
    throw new FibwardenError("FW_INVALID_MODEL", `lookup rule at ${rule.priority} without a table`);
  }
  return rule;
}

/** Builds a canonical interface address. */
export function makeAddress(input: Omit<InterfaceAddress, "family" | "scope"> & Partial<InterfaceAddress>): InterfaceAddress {
  const address = canonicalAddress(input.address);
  const family: Family = address.includes(":") ? 6 : 4;
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(input.prefixlen) || input.prefixlen < 0 || input.prefixlen > max) {
    throw new FibwardenError("FW_INVALID_MODEL", `prefix length out of range for ${address}`);
  }
  const out: InterfaceAddress = { family, dev: input.dev, address, prefixlen: input.prefixlen, scope: input.scope ?? 0 };
  if (input.label !== undefined && family === 4) out.label = input.label;
  return out;
}
