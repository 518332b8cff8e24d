// The route tracker's indexes, kept exact on every change of a key (see route-tracker.ts). Each
// answers one question of the planner without a walk over a million routes:
// - tableCounts: live routes per table (a lookup rule needs its table to hold routes);
// - oursByTable: live keys holding a route of ours, per table (what a plan may delete there);
// - desiredByTable / desiredByPrefsrc: keys of our desired routes per table and preferred source;
// - prefsrcSteady: per preferred source, live routes that stay whatever the plan does (neither
//   ours nor proto kernel); prefsrcPending: the keys of the others (ours, or proto kernel, which
//   may belong to the address itself), judged by the planner (keys, not routes: the live side
//   holds the routes, and 10k VIPs' copies were ~3 MB);
// - birdMetricCounts: live routes of BIRD's (protected) per (family, table) and metric: the
//   metrics to probe for where a missing protected route is instead (the kernel-metric guard);
//   a handful of entries, where a per-destination index held a million;
// - shadowSites: live routes in protected tables that are not BIRD's, per site (shadow check);
// - groups: protected routes per (family, table, metric) with their total and the missing keys
//   (no live route at the key); missingByPrefsrc: missing protected keys per preferred source;
// - managedKeys: live keys per managed table (small tables: what a re-read of one replaces, and
//   the source tables a VIP's desired state reads).
import { PROTO } from "../model/names.js";
import type { Route } from "../model/route.js";
import { classifyRoute, isManagedTable, isProtectedTable, type Ownership, type OwnershipPolicy } from "../ownership.js";
import { groupId } from "./route-key.js";
import { SiteIndex } from "./site-index.js";
import { bumpCount, SetIndex } from "./slot.js";

/** What the live counts read of a route. */
export type LiveCounted = Pick<Route, "family" | "table" | "metric" | "protocol" | "prefsrc">;

/** A group of protected routes with its exact total and missing keys. */
export interface TrackedGroup {
  family: 4 | 6;
  table: number;
  metric: number;
  total: number;
  missing: Set<string>;
}

/** The indexes of the route tracker (read-only outside route-tracker.ts). */
export class RouteIndexes {
  readonly tableCounts = new Map<number, number>();
  readonly oursByTable = new SetIndex<number>();
  readonly desiredByTable = new SetIndex<number>();
  readonly desiredByPrefsrc = new SetIndex<string>();
  readonly prefsrcSteady = new Map<string, number>();
  readonly prefsrcPending = new SetIndex<string>();
  readonly birdMetricCounts = new Map<string, Map<number, number>>();
  readonly shadowSites = new SiteIndex();
  readonly groups = new Map<string, TrackedGroup>();
  readonly missingByPrefsrc = new SetIndex<string>();
  readonly managedKeys = new SetIndex<number>();

  constructor(private readonly policy: OwnershipPolicy) {}

  /** Live values at `key` changed; `protectedRoute` is the key's protected route, if any. */
  liveChanged(key: string, before: readonly Route[], after: readonly Route[], protectedRoute: Route | undefined): void {
    for (const r of before) this.indexLive(r, -1);
    for (const r of after) this.indexLive(r, +1);
    for (const r of before) {
      const ip = this.pendingPrefsrc(r);
      if (ip !== undefined && !after.some((a) => this.pendingPrefsrc(a) === ip)) this.prefsrcPending.remove(ip, key);
    }
    for (const r of after) {
      const ip = this.pendingPrefsrc(r);
      if (ip !== undefined) this.prefsrcPending.add(ip, key);
    }
    const table = (after[0] ?? before[0])!.table; // a change has a value on one side at least
    if (after.some((r) => classifyRoute(this.policy, r) === "ours")) this.oursByTable.add(table, key);
    else this.oursByTable.remove(table, key);
    if (isManagedTable(this.policy, table)) {
      if (after.length > 0) this.managedKeys.add(table, key);
      else this.managedKeys.remove(table, key);
    }
    if (protectedRoute !== undefined && (before.length === 0) !== (after.length === 0)) {
      this.setMissing(key, protectedRoute, after.length === 0);
    }
  }

  /** Our desired route at `key` changed. */
  desiredChanged(key: string, before: Route | undefined, after: Route | undefined): void {
    const table = (after ?? before)!.table;
    if (before?.prefsrc !== undefined) this.desiredByPrefsrc.remove(before.prefsrc, key);
    if (after === undefined) this.desiredByTable.remove(table, key);
    else this.desiredByTable.add(table, key);
    if (after?.prefsrc !== undefined) this.desiredByPrefsrc.add(after.prefsrc, key);
  }

  /** The protected route at `key` changed; `liveEmpty` when the kernel holds nothing at the key. */
  protectedChanged(key: string, before: Route | undefined, after: Route | undefined, liveEmpty: boolean): void {
    const gid = groupId((after ?? before)!);
    if (before !== undefined) {
      this.setMissing(key, before, false);
      const g = this.groups.get(gid)!;
      if (--g.total === 0) this.groups.delete(gid);
    }
    if (after !== undefined) {
      this.addToGroup(after).total++;
      if (liveEmpty) this.setMissing(key, after, true);
    }
  }

  private setMissing(key: string, p: Route, missing: boolean): void {
    const g = this.groups.get(groupId(p));
    if (missing) {
      g?.missing.add(key);
      if (p.prefsrc !== undefined) this.missingByPrefsrc.add(p.prefsrc, key);
    } else {
      g?.missing.delete(key);
      if (p.prefsrc !== undefined) this.missingByPrefsrc.remove(p.prefsrc, key);
    }
  }

  /** Metrics at which the kernel holds BIRD's routes in (family, table). */
  birdMetrics(family: 4 | 6, table: number): Iterable<number> {
    return this.birdMetricCounts.get(`${family}|${table}`)?.keys() ?? [];
  }

  /** True when `r` is one of BIRD's protected routes. */
  isBirds(r: Route): boolean {
    return classifyRoute(this.policy, r) === "protected";
  }

  /** The preferred source of a live route the planner judges (ours, or proto kernel). */
  private pendingPrefsrc(r: Pick<Route, "prefsrc" | "protocol" | "table">): string | undefined {
    return r.prefsrc !== undefined && (r.protocol === PROTO.kernel || classifyRoute(this.policy, r) === "ours") ? r.prefsrc : undefined;
  }

  /**
   * A first load's live route (the only value at its key, no protected route there: the caller
   * checked) whose change is counts only: not in a managed table (so not ours), no preferred
   * source pending, not a shadow (a foreign route in a protected table). (A first load starts from an empty
   * live side, so no key of ours is indexed that liveChanged would remove.) Counts it and returns
   * true; otherwise changes nothing and returns false, and the caller reports the key as a
   * change (liveChanged).
   */
  countPlainLive(r: LiveCounted): boolean {
    if (isManagedTable(this.policy, r.table)) return false; // (ours, too: our routes are in managed tables)
    const owner = classifyRoute(this.policy, r);
    if (this.pendingPrefsrc(r) !== undefined || (owner !== "protected" && isProtectedTable(this.policy, r.table))) return false;
    this.countLive(r, owner, 1);
    return true;
  }

  /**
   * A first load's protected route whose key the kernel holds (the caller checked): its change
   * only counts it in its group (protectedChanged with nothing before and the live side not empty).
   */
  countPresentProtected(p: Pick<Route, "family" | "table" | "metric">): void {
    this.addToGroup(p).total++;
  }

  private addToGroup(p: Pick<Route, "family" | "table" | "metric">): TrackedGroup {
    const gid = groupId(p);
    let g = this.groups.get(gid);
    if (g === undefined) {
      g = { family: p.family, table: p.table, metric: p.metric, total: 0, missing: new Set() };
      this.groups.set(gid, g);
    }
    return g;
  }

  private indexLive(r: Route, n: 1 | -1): void {
    const owner = classifyRoute(this.policy, r);
    this.countLive(r, owner, n);
    if (owner !== "protected" && isProtectedTable(this.policy, r.table)) {
      if (n > 0) this.shadowSites.add(r);
      else this.shadowSites.remove(r);
    }
  }

  /** The counts of a live route (`owner`: its class). */
  private countLive(r: LiveCounted, owner: Ownership, n: 1 | -1): void {
    bumpCount(this.tableCounts, r.table, n);
    if (r.prefsrc !== undefined && owner !== "ours" && r.protocol !== PROTO.kernel) bumpCount(this.prefsrcSteady, r.prefsrc, n); // not pending
    if (owner === "protected") {
      const gid = `${r.family}|${r.table}`;
      let metrics = this.birdMetricCounts.get(gid);
      if (metrics === undefined) {
        metrics = new Map();
        this.birdMetricCounts.set(gid, metrics);
      }
      bumpCount(metrics, r.metric, n);
      if (metrics.size === 0) this.birdMetricCounts.delete(gid);
    }
  }
}
