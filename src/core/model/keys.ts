// Identity keys: the tuple the kernel uses to decide that two objects are "the same" for `add`
// (EEXIST) and `replace` (overwrite). These keys, not the whole object, decide collisions, which
// is why a replace of a key held by another protocol's route destroys that route.
import type { InterfaceAddress } from "./address.js";
import type { Route } from "./route.js";
import type { Rule } from "./rule.js";
import type { SysctlValue } from "./sysctl.js";

/**
 * The kernel's identity of a route. IPv4 (fib_table_insert): table, destination, TOS and
 * priority; IPv6 (fib6_add_rt2): table, destination and metric. Type and protocol are not part
 * of it: a blackhole and a unicast route with the same key collide.
 */
export function routeKey(r: Pick<Route, "family" | "table" | "dst" | "tos" | "metric">): string {
  const key = r.family === 4 ? `4|${r.table}|${r.dst}|${r.tos}|${r.metric}` : `6|${r.table}|${r.dst}|${r.metric}`;
  // V8 builds a template as a tree of string pieces; reading a character flattens it into one
  // string now, once. Keys live in maps of a million entries: a flat key takes half the memory
  // and a lookup with it about a quarter of the time (docs/performance.md, issue #17).
  key.charCodeAt(key.length - 1);
  return key;
}

/**
 * The identity of a rule: every selector and the action (fib_nl_newrule's rule_exists compares
 * all of them; two rules may share a priority if any selector differs). Protocol is not part of it.
 */
export function ruleKey(r: Rule): string {
  const mark = r.fwmark ? `${r.fwmark.value}/${r.fwmark.mask}` : "";
  return [r.family, r.priority, r.from ?? "", r.to ?? "", r.iif ?? "", r.oif ?? "", mark, r.tos,
    r.action, r.table ?? "", r.gotoPriority ?? "", r.extra ?? ""].join("|");
}

/**
 * The identity of an address. IPv4 allows one address with several prefix lengths on a device
 * (keyed by address and mask); IPv6 keys by address only.
 */
export function addressKey(a: Pick<InterfaceAddress, "family" | "dev" | "address" | "prefixlen">): string {
  return a.family === 4 ? `4|${a.dev}|${a.address}/${a.prefixlen}` : `6|${a.dev}|${a.address}`;
}

/** The identity of a sysctl value. */
export function sysctlKey(s: Pick<SysctlValue, "iface" | "name">): string {
  return `${s.iface}|${s.name}`;
}
