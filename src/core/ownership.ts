// The one place that decides who owns a kernel object. Everything the planner may change is
// `ours`; `protected` is what BIRD's kernel protocols installed; everything else is `alien`.
// Alien and protected state is reported, never deleted or replaced.
import { FibwardenError } from "./errors.js";
import type { Prefix } from "./net/ip.js";
import { canonicalPrefix, prefixContains } from "./net/ip.js";
import type { InterfaceAddress } from "./model/address.js";
import { PROTO, TABLE } from "./model/names.js";
import type { Route } from "./model/route.js";
import type { Rule } from "./model/rule.js";

/** An inclusive range of numbers. */
export interface NumberRange {
  from: number;
  to: number;
}

/** Who owns a kernel object, from fibwarden's point of view. */
export type Ownership = "ours" | "protected" | "alien";

/** The ownership policy: fibwarden's markers and the scopes it manages. */
export interface OwnershipPolicy {
  /** fibwarden's route and rule protocol number (default 201). */
  protocol: number;
  /** Tables fibwarden manages: the source-table range plus the VIP announce tables. */
  tables: NumberRange[];
  /** Rule priorities fibwarden manages (must sit before main's 32766 to take effect). */
  rulePriorities: NumberRange;
  /** BIRD's route protocol number (12). */
  birdProtocol: number;
  /** Tables that BIRD's kernel protocols sync; `proto bird` routes there are protected. */
  protectedTables: number[];
  /** Devices that carry VIP addresses; addresses elsewhere are never ours. */
  addressDevices: string[];
  /** IPv4 label suffix marking our addresses: label `<dev>:<suffix>` (default `fw`). */
  addressLabelSuffix: string;
  /**
   * VIP ranges declared fibwarden's: a host address (/32, /128) inside one of them on an address
   * device is ours. This is the only marker IPv6 addresses can have (no labels, and iproute2 6.1
   * cannot set the address protocol).
   */
  addressRanges: Prefix[];
}

/** fibwarden's default route/rule protocol number: unused by BIRD (12), FRR (186-198), Felix (3, 80), kube-router (17), kube-vip (248). */
export const DEFAULT_PROTOCOL = 201;

/** The default policy (tables and rule priorities 1000-1999, protocol 201, main protected). */
export function defaultOwnershipPolicy(overrides: Partial<OwnershipPolicy> = {}): OwnershipPolicy {
  return {
    protocol: DEFAULT_PROTOCOL,
    tables: [{ from: 1000, to: 1999 }],
    rulePriorities: { from: 1000, to: 1999 },
    birdProtocol: PROTO.bird,
    protectedTables: [TABLE.main],
    addressDevices: ["lo"],
    addressLabelSuffix: "fw",
    addressRanges: [],
    ...overrides,
  };
}

/** True when `n` lies in the inclusive range `r`. */
export function rangeIncludes(r: NumberRange, n: number): boolean {
  return n >= r.from && n <= r.to;
}

/** The kernel's own tables, default (253), main (254) and local (255): never managed. */
export const RESERVED_TABLES: readonly number[] = [TABLE.default, TABLE.main, TABLE.local];

/** True when `t` is one of the kernel's own tables (default, main, local). */
export function isReservedTable(t: number): boolean {
  return RESERVED_TABLES.includes(t);
}

/** Checks a policy's invariants; throws FW_CONFIG_INVALID when they do not hold. */
export function assertPolicy(policy: OwnershipPolicy): void {
  const bad = (why: string): never => {
    throw new FibwardenError("FW_CONFIG_INVALID", `ownership policy: ${why}`);
  };
  if (!Number.isInteger(policy.protocol) || policy.protocol < 1 || policy.protocol > 255) bad("protocol must be 1..255");
  if (policy.protocol === policy.birdProtocol) bad("protocol must differ from BIRD's");
  if ([2, 3, 4].includes(policy.protocol)) bad("protocol must not be kernel, boot or static");
  for (const r of [...policy.tables, policy.rulePriorities]) if (r.from > r.to) bad(`empty range ${r.from}-${r.to}`);
  for (const t of policy.protectedTables) if (isManagedTable(policy, t)) bad(`table ${t} is both protected and managed`);
  for (const r of policy.tables) {
    if (RESERVED_TABLES.some((t) => rangeIncludes(r, t))) bad("managed tables must not include default (253), main (254) or local (255)");
    if (r.from < 1) bad("table 0 cannot be managed");
  }
  if (policy.rulePriorities.from < 1 || policy.rulePriorities.to >= 32766) bad("rule priorities must lie in 1..32765, before main");
}

/** True when fibwarden manages table `t` (never a reserved or protected one: assertPolicy). */
export function isManagedTable(policy: OwnershipPolicy, t: number): boolean {
  return policy.tables.some((r) => rangeIncludes(r, t));
}

/** True when BIRD's kernel protocols sync table `t`: `proto bird` routes there are protected. */
export function isProtectedTable(policy: OwnershipPolicy, t: number): boolean {
  return policy.protectedTables.includes(t);
}

/** True when fibwarden may use rule priority `p`. */
export function isManagedRulePriority(policy: OwnershipPolicy, p: number): boolean {
  return rangeIncludes(policy.rulePriorities, p);
}

/** True when a route or rule carries fibwarden's protocol number (one of its ownership markers). */
export function hasOwnProtocol(policy: OwnershipPolicy, o: { protocol: number }): boolean {
  return o.protocol === policy.protocol;
}

/** Classifies a route: ours = our protocol in a managed table; protected = proto bird in a protected table. */
export function classifyRoute(policy: OwnershipPolicy, r: Pick<Route, "protocol" | "table">): Ownership {
  if (hasOwnProtocol(policy, r) && isManagedTable(policy, r.table)) return "ours";
  if (r.protocol === policy.birdProtocol && isProtectedTable(policy, r.table)) return "protected";
  return "alien";
}

/** Classifies a rule: ours = stamped with our protocol and inside our priority range. */
export function classifyRule(policy: OwnershipPolicy, r: Pick<Rule, "protocol" | "priority">): Ownership {
  return hasOwnProtocol(policy, r) && isManagedRulePriority(policy, r.priority) ? "ours" : "alien";
}

/** True when fibwarden may own addresses on device `dev`: addresses on other devices are never ours. */
export function isAddressDevice(policy: OwnershipPolicy, dev: string): boolean {
  return policy.addressDevices.includes(dev);
}

/** Linux limits interface names and IPv4 labels to 15 bytes. */
export const IFNAME_MAX = 15;

/** The IPv4 label that marks our addresses on `dev`, or undefined when it would not fit. */
export function ownedAddressLabel(policy: OwnershipPolicy, dev: string): string | undefined {
  const label = `${dev}:${policy.addressLabelSuffix}`;
  return label.length <= IFNAME_MAX ? label : undefined;
}

/**
 * Classifies an address: ours when it sits on an address device and either carries our IPv4
 * label, or is a host address inside a declared VIP range.
 */
export function classifyAddress(policy: OwnershipPolicy, a: InterfaceAddress): Ownership {
  if (!isAddressDevice(policy, a.dev)) return "alien";
  if (a.family === 4) {
    const label = ownedAddressLabel(policy, a.dev);
    if (label !== undefined && a.label === label) return "ours";
  }
  const hostLen = a.family === 4 ? 32 : 128;
  if (a.prefixlen === hostLen && policy.addressRanges.some((p) => prefixContains(p, a.address))) return "ours";
  return "alien";
}

/**
 * True when the kernel created `route` for `address` (and removes it with the address): the
 * `local` (and `broadcast`) routes in table local and the link-scope prefix route in main, all
 * `proto kernel` with the address as preferred source. Such routes belong to the address: they
 * do not keep it "in use", and they go when it goes.
 */
export function isDerivedFromAddress(route: Route, address: InterfaceAddress): boolean {
  if (route.protocol !== PROTO.kernel || route.prefsrc !== address.address || route.family !== address.family) return false;
  if (route.table === TABLE.local) {
    return route.type === "broadcast" || (route.type === "local" && route.dst === `${address.address}/${address.family === 4 ? 32 : 128}`);
  }
  if (route.table === TABLE.main && route.type === "unicast" && route.scope === 253) {
    return route.dst === canonicalPrefix(`${address.address}/${address.prefixlen}`, address.family, { strict: false });
  }
  return false;
}
