// An index of the kernel's routes kept current between full observations: built from a complete
// dump, then updated by the route events the kernel monitor reports (and by fibwarden's own
// applied operations). It lets an incremental pass look up what the kernel holds at one
// (table, destination) without dumping a table of a million routes.
//
// Memory: one Map per (family, table), keyed by the routes' own `dst` strings (no new key
// strings), with a single Route as the value when a destination holds one route (the common
// case) and an array only when it holds several (metrics, TOS, IPv6 per-device routes).
//
// The update rules follow the kernel's route identity (see model/keys.ts): an IPv4 route added or
// replaced at a key (table, dst, TOS, metric) takes the key's place; an IPv6 route replaces the
// route of the same key with the same first nexthop device, else joins the key. A deleted route
// removes the entry of the same key and protocol. Where the index and the kernel could still
// disagree (`ip route append`, IPv6 multipath merging), the operations an incremental pass plans
// are still safe: adds are exclusive and deletes carry the protocol, so the kernel refuses the
// wrong ones, and the next full pass rebuilds the index.
import type { Route } from "../model/route.js";
import { canonicalPrefix, type Family } from "../net/ip.js";

type Slot = Route | Route[];

function toList(slot: Slot | undefined): Route[] {
  return slot === undefined ? [] : Array.isArray(slot) ? slot : [slot];
}

function fromList(list: Route[]): Slot | undefined {
  return list.length === 0 ? undefined : list.length === 1 ? list[0] : list;
}

function sameIdentity(a: Route, b: Route): boolean {
  return a.family === b.family && a.table === b.table && a.dst === b.dst && a.tos === b.tos && a.metric === b.metric;
}

/** The live routes of the kernel, indexed by family, table and destination. */
export class LiveRouteIndex {
  private readonly tables = new Map<string, Map<string, Slot>>();
  private readonly counts = new Map<number, number>();
  private total = 0;

  /** Builds an index from a complete route dump. */
  static from(routes: Iterable<Route>): LiveRouteIndex {
    const idx = new LiveRouteIndex();
    for (const r of routes) idx.insert(r);
    return idx;
  }

  /** Number of routes indexed. */
  get size(): number {
    return this.total;
  }

  /** Number of routes (both families) in `table`. */
  tableCount(table: number): number {
    return this.counts.get(table) ?? 0;
  }

  /** Route counts of every table that holds routes. */
  tableCounts(): ReadonlyMap<number, number> {
    return this.counts;
  }

  /** Every route at (family, table, dst), any metric or TOS. */
  at(family: Family, table: number, dst: string): Route[] {
    return toList(this.tables.get(`${family}|${table}`)?.get(dst));
  }

  /** Every route of one table (both families when `family` is omitted). */
  inTable(table: number, family?: Family): Route[] {
    const out: Route[] = [];
    for (const f of family === undefined ? [4, 6] as const : [family]) {
      for (const slot of this.tables.get(`${f}|${table}`)?.values() ?? []) out.push(...toList(slot));
    }
    return out;
  }

  /**
   * The routes of the longest prefix in `table` that contains `address` (IPv4 /32 to /0, IPv6
   * /128 to /0) and holds at least one route that `accept` takes; empty when none.
   */
  longestMatch(family: Family, table: number, address: string, accept: (r: Route) => boolean): Route[] {
    const map = this.tables.get(`${family}|${table}`);
    if (map === undefined) return [];
    for (let len = family === 4 ? 32 : 128; len >= 0; len--) {
      const slot = map.get(canonicalPrefix(`${address}/${len}`, family, { strict: false }));
      const hits = toList(slot).filter(accept);
      if (hits.length > 0) return hits;
    }
    return [];
  }

  /** Adds a route as a full dump reports it (no replacement: a dump may hold several per key). */
  insert(r: Route): void {
    const map = this.tableMap(r.family, r.table);
    const slot = map.get(r.dst);
    if (slot === undefined) map.set(r.dst, r);
    else if (Array.isArray(slot)) slot.push(r);
    else map.set(r.dst, [slot, r]);
    this.bump(r.table, 1);
  }

  /** A route the kernel added or replaced (monitor event, or an add fibwarden applied). */
  upsert(r: Route): void {
    const list = this.at(r.family, r.table, r.dst);
    const firstDev = (x: Route): string | undefined => x.nexthops[0]?.dev;
    const kept = list.filter((x) => !sameIdentity(x, r) || (r.family === 6 && firstDev(x) !== firstDev(r)));
    kept.push(r);
    this.store(r.family, r.table, r.dst, list.length, kept);
  }

  /**
   * A route the kernel deleted. Removes the entry of the same key and protocol (the one with the
   * same first nexthop device first); returns false when the index held no such route.
   */
  remove(r: Route): boolean {
    const list = this.at(r.family, r.table, r.dst);
    const candidates = list.filter((x) => sameIdentity(x, r) && x.protocol === r.protocol);
    if (candidates.length === 0) return false;
    const victim = candidates.find((x) => x.nexthops[0]?.dev === r.nexthops[0]?.dev) ?? candidates[0]!;
    this.store(r.family, r.table, r.dst, list.length, list.filter((x) => x !== victim));
    return true;
  }

  /**
   * Removes every route `drop` selects (a full scan): for the routes the kernel removes without
   * telling anyone, such as IPv4 routes over a link that went down or away, and IPv4 routes
   * whose preferred source address was deleted. Returns how many were removed.
   */
  removeWhere(drop: (r: Route) => boolean): number {
    let removed = 0;
    for (const [k, map] of this.tables) {
      const table = Number(k.slice(k.indexOf("|") + 1));
      for (const [dst, slot] of map) {
        const list = toList(slot);
        const kept = list.filter((r) => !drop(r));
        if (kept.length === list.length) continue;
        removed += list.length - kept.length;
        this.bump(table, kept.length - list.length);
        const next = fromList(kept);
        if (next === undefined) map.delete(dst);
        else map.set(dst, next);
      }
    }
    return removed;
  }

  /** Replaces every route of (family, table) with a fresh read of that table. */
  replaceTable(family: Family, table: number, routes: readonly Route[]): void {
    const old = this.tables.get(`${family}|${table}`);
    let removed = 0;
    for (const slot of old?.values() ?? []) removed += toList(slot).length;
    this.tables.delete(`${family}|${table}`);
    this.bump(table, -removed);
    for (const r of routes) this.insert(r);
  }

  private tableMap(family: Family, table: number): Map<string, Slot> {
    const k = `${family}|${table}`;
    let map = this.tables.get(k);
    if (map === undefined) {
      map = new Map();
      this.tables.set(k, map);
    }
    return map;
  }

  private store(family: Family, table: number, dst: string, before: number, list: Route[]): void {
    const map = this.tableMap(family, table);
    const slot = fromList(list);
    if (slot === undefined) map.delete(dst);
    else map.set(dst, slot);
    this.bump(table, list.length - before);
  }

  private bump(table: number, delta: number): void {
    if (delta === 0) return;
    const n = (this.counts.get(table) ?? 0) + delta;
    if (n <= 0) this.counts.delete(table);
    else this.counts.set(table, n);
    this.total += delta;
  }
}
