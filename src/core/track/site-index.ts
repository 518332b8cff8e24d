// Live routes per site (family, table, destination, TOS; any metric), stored compactly for a
// million routes: one map per (family, table) keyed by the routes' own `dst` strings (no new key
// string per route), the route itself as the value when a destination holds one. Routes are
// matched by value (the trackers build Route objects on demand, so identity means nothing).
import { routesEqual, type Route } from "../model/route.js";
import { siteId } from "./route-key.js";
import { addToSlot, removeFromSlot, slotValues, type Slot } from "./slot.js";

/** Routes indexed by site. */
export class SiteIndex {
  private readonly tables = new Map<string, Map<string, Slot<Route>>>();

  /** Indexes `r`. */
  add(r: Route): void {
    const k = `${r.family}|${r.table}`;
    let map = this.tables.get(k);
    if (map === undefined) {
      map = new Map();
      this.tables.set(k, map);
    }
    addToSlot(map, r.dst, r);
  }

  /** Removes one route equal to `r` (one was added: its table map exists). */
  remove(r: Route): void {
    const k = `${r.family}|${r.table}`;
    const map = this.tables.get(k)!;
    removeFromSlot(map, r.dst, r, routesEqual);
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

  /** Every indexed route with its site id (for tests and debugging). */
  *entries(): Generator<[string, Route]> {
    for (const map of this.tables.values()) for (const slot of map.values()) for (const r of slotValues(slot)) yield [siteId(r), r];
  }
}
