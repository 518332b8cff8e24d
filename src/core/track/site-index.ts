// Live routes per site (family, table, destination, TOS; any metric), stored compactly for a
// million routes: one map per (family, table) keyed by the routes' own `dst` strings (no new key
// string per route), the route itself as the value when a destination holds one. Routes are
// matched by value (the trackers build Route objects on demand, so identity means nothing).
import { routesEqual, type Route } from "../model/route.js";
import { ipv4PrefixValue } from "../parse/fast-canonical.js";
import type { KeyAt } from "./route-key-map.js";
import { siteId } from "./route-key.js";
import { addToSlot, bumpCount, removeFromSlot, slotValues, type Slot } from "./slot.js";

/** Routes indexed by site. */
export class SiteIndex {
  private readonly tables = new Map<string, Map<string, Slot<Route>>>();
  /**
   * IPv4 routes per table and destination (address * 64 + length): how many (mayHoldAt asks
   * without a key's text). A destination that does not read as a canonical prefix (never in the
   * trackers; kept exact anyway) counts in `v4Other` for its table, whose keys are then asked by text.
   */
  private readonly v4 = new Map<number, Map<number, number>>();
  private readonly v4Other = new Map<number, number>();
  /** IPv6 routes per table: how many (mayHoldAt answers without a key's text for a table with none). */
  private readonly v6 = new Map<number, number>();

  /** Indexes `r`. */
  add(r: Route): void {
    const k = `${r.family}|${r.table}`;
    let map = this.tables.get(k);
    if (map === undefined) {
      map = new Map();
      this.tables.set(k, map);
    }
    addToSlot(map, r.dst, r);
    if (r.family === 4) this.countV4(r, 1);
    else bumpCount(this.v6, r.table, 1);
  }

  private countV4(r: Route, n: 1 | -1): void {
    const v = ipv4PrefixValue(r.dst);
    if (v < 0) {
      bumpCount(this.v4Other, r.table, n);
      return;
    }
    let counts = this.v4.get(r.table);
    if (counts === undefined) {
      counts = new Map();
      this.v4.set(r.table, counts);
    }
    bumpCount(counts, v, n);
    if (counts.size === 0) this.v4.delete(r.table);
  }

  /** Removes one route equal to `r` (one was added: its table map exists). */
  remove(r: Route): void {
    const k = `${r.family}|${r.table}`;
    const map = this.tables.get(k)!;
    if (removeFromSlot(map, r.dst, r, routesEqual)) {
      if (r.family === 4) this.countV4(r, -1);
      else bumpCount(this.v6, r.table, -1);
    }
    if (map.size === 0) this.tables.delete(k);
  }

  /** The routes at the site of `r` (same family, table, destination and TOS). */
  at(r: Pick<Route, "family" | "table" | "dst" | "tos">): Route[] {
    return slotValues(this.tables.get(`${r.family}|${r.table}`)?.get(r.dst)).filter((x) => x.tos === r.tos);
  }

  /**
   * False when no route is indexed at the family, table and destination of route key `key` (any
   * TOS): the planner's cheap test before it builds a key's routes.
   */
  mayHoldAtKey(key: string): boolean {
    if (this.tables.size === 0) return false;
    const i1 = key.indexOf("|");
    const i2 = key.indexOf("|", i1 + 1);
    const map = this.tables.get(key.slice(0, i2));
    if (map === undefined) return false;
    return map.has(key.slice(i2 + 1, key.indexOf("|", i2 + 1)));
  }

  /** mayHoldAtKey for the key of `at` (a walk's KeyAt), without its text where it is numeric. */
  mayHoldAt(at: KeyAt): boolean {
    if (this.tables.size === 0) return false;
    if (at.v6 && !this.v6.has(at.table)) return false; // no IPv6 route indexed in its table
    if (!at.v4 || this.v4Other.has(at.table)) return this.mayHoldAtKey(at.key());
    return this.v4.get(at.table)?.has((at.addr >>> 0) * 64 + at.len) === true;
  }

  /** Every indexed route with its site id (for tests and debugging). */
  *entries(): Generator<[string, Route]> {
    for (const map of this.tables.values()) for (const slot of map.values()) for (const r of slotValues(slot)) yield [siteId(r), r];
  }
}
