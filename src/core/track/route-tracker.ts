// The route tracker: our desired routes, BIRD's exports (protected routes, a second desired
// side), and the kernel's routes, each keyed by routeKey; with the indexes of route-indexes.ts
// kept exact on every set, delete and resync, and every changed key marked dirty.
import { routeKey } from "../model/keys.js";
import { routesEqual, type Route } from "../model/route.js";
import { hasOwnProtocol, type OwnershipPolicy } from "../ownership.js";
import type { DirtyKeys } from "./dirty.js";
import { RouteCodec } from "./route-codec.js";
import { parseRouteKey } from "./route-key.js";
import { RouteIndexes, type LiveCounted } from "./route-indexes.js";
import { primeV4Key, primeV6Key, RouteKeyMap, type KeyAt } from "./route-key-map.js";
import { DesiredStore, LiveStore, type StoreSpec } from "./stores.js";

/** routeKey, and the key's fields handed to RouteKeyMap (the route's prefix was just parsed). */
function keyOf(r: Route): string {
  const k = routeKey(r);
  if (r.family === 4) primeV4Key(k, r.table, r.dst, r.tos, r.metric);
  else primeV6Key(k, r.table, r.dst, r.metric);
  return k;
}

const spec: StoreSpec<Route> = { keyOf, equal: routesEqual, newMap: () => new RouteKeyMap() };

/** Desired, protected and live routes with the planner's indexes. */
export class RouteTracker {
  /** Our desired routes (one per key; a resync's duplicates are kept to be reported). */
  readonly desired: DesiredStore<Route, number>;
  /** BIRD's exports as the kernel should hold them (one per key). */
  readonly protected: DesiredStore<Route, number>;
  /** The kernel's routes (several per key where the kernel holds several). */
  readonly live: LiveStore<Route, number>;
  /** The compact form of routes, shared by the three sides (equal routes encode alike). */
  readonly codec = new RouteCodec();
  /** Exact indexes, see route-indexes.ts. */
  readonly index: RouteIndexes;

  constructor(private readonly policy: OwnershipPolicy, private readonly dirty: () => DirtyKeys) {
    this.index = new RouteIndexes(policy);
    this.desired = new DesiredStore(spec, (k, b, a) => {
      this.touch(k, b, a);
      this.index.desiredChanged(k, b[0], a[0]);
    }, this.codec);
    this.protected = new DesiredStore(spec, (k, b, a) => {
      this.touch(k, b, a);
      this.index.protectedChanged(k, b[0], a[0], !this.live.has(k));
    }, this.codec);
    this.live = new LiveStore(spec, (k, b, a) => {
      this.touch(k, b, a);
      this.index.liveChanged(k, b, a, (b.length === 0) !== (a.length === 0) ? this.protected.get(k) : undefined);
    }, this.codec);
    // A first load of a million routes: the common key changes counts only, taken without
    // building its route or printing its key (every key is dirty then: nothing to mark). An
    // IPv6 key held as text is split for its family, table and metric.
    const counted: { -readonly [K in keyof LiveCounted]: LiveCounted[K] } = { family: 4, table: 0, metric: 0, protocol: 0, prefsrc: undefined };
    const place = (at: KeyAt): void => {
      if (at.v4 || at.v6) {
        counted.family = at.v4 ? 4 : 6;
        counted.table = at.table;
        counted.metric = at.metric;
      } else {
        const parts = parseRouteKey(at.key());
        counted.family = parts.family;
        counted.table = parts.table;
        counted.metric = parts.metric;
      }
    };
    this.live.takeFirstLoads((e, at) => {
      if (!this.dirty().everything || this.protected.encodedAtAt(at) !== undefined) return false;
      place(at);
      counted.protocol = this.codec.protocolOf(e);
      counted.prefsrc = this.codec.prefsrcOf(e);
      return this.index.countPlainLive(counted);
    });
    this.protected.takeFirstLoads((_e, at) => {
      if (!this.dirty().everything || !this.live.hasAt(at)) return false; // a missing key is indexed by its text
      place(at);
      this.index.countPresentProtected(counted);
      return true;
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

  /** Metrics at which the kernel holds BIRD's (protected) routes at the site of `r`. */
  birdMetricsAt(r: Route): readonly number[] {
    const out: number[] = [];
    for (const metric of this.index.birdMetrics(r.family, r.table)) {
      for (const x of this.live.get(routeKey({ ...r, metric }))) if (this.index.isBirds(x)) out.push(metric);
    }
    return out;
  }

  /**
   * True when the protected route at `key` is in sync and nothing else is to be done there: the
   * kernel holds exactly BIRD's route (same encoding), nothing of ours is desired at the key, and
   * no other route sits at its site (no shadow to judge). The planner labels such a key without
   * building its routes (its labels would be IGNORE for our side and SEEN for BIRD's).
   */
  protectedInSync(key: string): boolean {
    const p = this.protected.encodedAt(key);
    // A route with our protocol number could be ours (in a managed table): left to the labels.
    return p !== undefined && this.live.soleEncodedAt(key) === p && !hasOwnProtocol(this.policy, { protocol: this.codec.protocolOf(p) })
      && !this.desired.has(key) && !this.index.shadowSites.mayHoldAtKey(key);
  }

  /**
   * protectedInSync for a key of the live side's walk (LiveStore.entriesAt: `at`, with `sole`,
   * the key's sole live encoding or undefined), asked without the key's text where it is numeric.
   */
  protectedInSyncAt(at: KeyAt, sole: number | undefined): boolean {
    if (!at.v4 && !at.v6) return this.protectedInSync(at.key());
    const p = this.protected.encodedAtAt(at);
    return p !== undefined && sole === p && !hasOwnProtocol(this.policy, { protocol: this.codec.protocolOf(p) })
      && this.desired.encodedAtAt(at) === undefined && !this.index.shadowSites.mayHoldAt(at);
  }

  /**
   * The live keys but the keys held as numbers that are protectedInSync (judged without their
   * text): what the planner labels (it asks protectedInSync of each key it gets, so the other
   * keys are judged there).
   */
  *liveKeysToLabel(): Generator<string> {
    for (const at of this.live.entriesAt()) {
      if ((at.v4 || at.v6) && this.protectedInSyncAt(at, this.live.soleEncodingOf(at.value))) continue;
      yield at.key();
    }
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
