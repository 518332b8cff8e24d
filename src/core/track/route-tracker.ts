// The route tracker: our desired routes, BIRD's exports (protected routes, a second desired
// side), and the kernel's routes, each keyed by routeKey; with the indexes of route-indexes.ts
// kept exact on every set, delete and resync, and every changed key marked dirty.
import { routeKey } from "../model/keys.js";
import { routesEqual, type Route } from "../model/route.js";
import type { OwnershipPolicy } from "../ownership.js";
import type { DirtyKeys } from "./dirty.js";
import { parseRouteKey } from "./route-key.js";
import { RouteIndexes } from "./route-indexes.js";
import { DesiredStore, LiveStore, type StoreSpec } from "./stores.js";

const spec: StoreSpec<Route> = { keyOf: routeKey, equal: routesEqual };

/** Desired, protected and live routes with the planner's indexes. */
export class RouteTracker {
  /** Our desired routes (one per key; a resync's duplicates are kept to be reported). */
  readonly desired: DesiredStore<Route>;
  /** BIRD's exports as the kernel should hold them (one per key). */
  readonly protected: DesiredStore<Route>;
  /** The kernel's routes (several per key where the kernel holds several). */
  readonly live: LiveStore<Route>;
  /** Exact indexes, see route-indexes.ts. */
  readonly index: RouteIndexes;

  constructor(policy: OwnershipPolicy, private readonly dirty: () => DirtyKeys) {
    this.index = new RouteIndexes(policy);
    this.desired = new DesiredStore(spec, (k, b, a) => {
      this.touch(k, b, a);
      this.index.desiredChanged(k, b[0], a[0]);
    });
    this.protected = new DesiredStore(spec, (k, b, a) => {
      this.touch(k, b, a);
      this.index.protectedChanged(k, b[0], a[0], this.live.get(k).length === 0);
    });
    this.live = new LiveStore(spec, (k, b, a) => {
      this.touch(k, b, a);
      this.index.liveChanged(k, b, a, this.protected.get(k));
    });
  }

  /** Live routes in `table` (both families). */
  tableCount(table: number): number {
    return this.index.tableCounts.get(table) ?? 0;
  }

  /** Keys of protected routes at the site of `key` (same family, table, dst and TOS; any metric). */
  protectedKeysAtSite(key: string): string[] {
    const parts = parseRouteKey(key);
    const out: string[] = [];
    for (const g of this.index.groups.values()) {
      if (g.family !== parts.family || g.table !== parts.table) continue;
      const k = routeKey({ ...parts, metric: g.metric });
      if (this.protected.get(k) !== undefined) out.push(k);
    }
    return out;
  }

  /** Metrics at which the kernel holds BIRD's routes at the site of `r`. */
  birdMetricsAt(r: Route): readonly number[] {
    return this.index.birdSites.at(r).map((x) => x.metric);
  }

  /** Live routes in a protected table that are not BIRD's, at the site of `r`. */
  shadowsAt(r: Route): readonly Route[] {
    return this.index.shadowSites.at(r);
  }

  private touch(key: string, before: readonly Route[], after: readonly Route[]): void {
    const d = this.dirty();
    if (d.everything) return;
    d.routes.add(key);
    for (const r of before) if (r.prefsrc !== undefined) d.ips.add(r.prefsrc);
    for (const r of after) if (r.prefsrc !== undefined) d.ips.add(r.prefsrc);
  }
}
