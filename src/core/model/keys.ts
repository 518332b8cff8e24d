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
  // Joined, not concatenated: V8 builds a concatenation as a tree of string pieces (a cons
  // string), and flattening one later leaves the flat text behind a 32-byte wrapper that the
  // collector removes only when it is not marking (20 % of a million keys kept theirs in a daemon
  // with the heap growth capped, heap snapshot). A join allocates the flat string directly. Keys
  // live in maps of a million entries: a flat key takes half the memory of a tree and a lookup
  // with it a quarter of the time (docs/performance.md, issue #17).
  KEY_PARTS[0] = keyHead(r.family, r.table);
  KEY_PARTS[1] = r.dst;
  KEY_PARTS[2] = keyTail(r.family, r.tos, r.metric);
  return KEY_PARTS.join("");
}

/** routeKey's pieces, reused (a key is joined from them at once; nothing else holds the array). */
const KEY_PARTS: string[] = ["", "", ""];

// A dump's routes share a handful of tables, TOS values and metrics: their key pieces before and
// after the destination are built once and reused, so a key costs two joins instead of eight (a
// resync builds two million keys at a full table; each join leaves a piece of garbage). Values
// outside the kernel's ranges (u32 table and metric, u8 TOS) are not cached, only joined.
const PIECES_MAX = 256;
const heads = new Map<number, string>();
const tails = new Map<number, string>();
const U32 = 0x1_0000_0000;
const isU32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n < U32;

function remember(map: Map<number, string>, id: number, piece: string): string {
  if (map.size >= PIECES_MAX) map.clear(); // bounded: odd inputs cost speed, never memory
  map.set(id, piece);
  return piece;
}

/** `4|table|`, or `6|table|` for any other family (as IPv6 keys always were). */
function keyHead(family: 4 | 6, table: number): string {
  const f = family === 4 ? "4" : "6";
  if (!isU32(table)) return `${f}|${table}|`;
  const id = family === 4 ? table : table + U32;
  return heads.get(id) ?? remember(heads, id, `${f}|${table}|`);
}

/** `|tos|metric` (IPv4) or `|metric` (IPv6). */
function keyTail(family: 4 | 6, tos: number, metric: number): string {
  if (family !== 4) {
    if (!isU32(metric)) return `|${metric}`;
    return tails.get(-1 - metric) ?? remember(tails, -1 - metric, `|${metric}`);
  }
  if (!isU32(metric) || !Number.isInteger(tos) || tos < 0 || tos > 255) return `|${tos}|${metric}`;
  const id = tos * U32 + metric;
  return tails.get(id) ?? remember(tails, id, `|${tos}|${metric}`);
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
