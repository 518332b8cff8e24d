// Live routes per site (family, table, destination, TOS; any metric), stored compactly for a
// million routes: one map per (family, table) keyed by the routes' own `dst` strings (no new key
// string per route), the route itself as the value when a destination holds one.
import type { Route } from "../model/route.js";
import { siteId } from "./route-key.js";
import { addToSlot, removeFromSlot, slotValues, type Slot } from "./slot.js";

/** Routes indexed by site. */
export class SiteIndex {
  private readonly tables = new Map<string, Map<string, Slot<Route>>>();

  /** Indexes `r` (the stored object: removal matches it by identity). */
  add(r: Route): void {
    const k = `${r.family}|${r.table}`;
    let map = this.tables.get(k);
    if (map === undefined) {
      map = new Map();
      this.tables.set(k, map);
    }
    addToSlot(map, r.dst, r);
  }

  /** Removes `r` (the object given to `add`). */
  remove(r: Route): void {
    const k = `${r.family}|${r.table}`;
    const map = this.tables.get(k)!; // `r` was added: its table map exists
    removeFromSlot(map, r.dst, r);
    if (map.size === 0) this.tables.delete(k);
  }

  /** The routes at the site of `r` (same family, table, destination and TOS). */
  at(r: Pick<Route, "family" | "table" | "dst" | "tos">): Route[] {
    return slotValues(this.tables.get(`${r.family}|${r.table}`)?.get(r.dst)).filter((x) => x.tos === r.tos);
  }

  /** Every indexed route with its site id (for tests and debugging). */
  *entries(): Generator<[string, Route]> {
    for (const map of this.tables.values()) for (const slot of map.values()) for (const r of slotValues(slot)) yield [siteId(r), r];
  }
}
