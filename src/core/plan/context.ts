// The context of one planning call: the trackers (whose indexes answer the live questions), the
// policy and options, and memoized answers. Labels
// and cross-key queries are computed on demand and once: labelling a key may ask about other keys
// (an address's desired side, the routes of a table, a group's guard), and those answers come
// from the same functions whether the call plans every key or a few.
import type { OwnershipPolicy } from "../ownership.js";
import type { Trackers } from "../track/trackers.js";
import type { GroupVerdict } from "./guards.js";
import { countTableAfter, isPrefsrcInUse, judgeTrackedGroup } from "./key-guards.js";
import { countAddressSurvivors, labelAddress, labelDesiredAddress } from "./label-addresses.js";
import { labelProtected } from "./label-protected.js";
import { labelRoute } from "./label-routes.js";
import { labelRule } from "./label-rules.js";
import { labelSysctl } from "./label-sysctls.js";
import type { PlanOptions } from "./types.js";
import { isKept, type Label } from "./verdict.js";

function memo<K, V>(cache: Map<K, V>, key: K, compute: () => V): V {
  if (cache.has(key)) return cache.get(key) as V;
  const v = compute();
  cache.set(key, v);
  return v;
}

/** Memoized labels and cross-key answers of one planning call. */
export class PlanContext {
  private readonly addresses = new Map<string, Label>();
  private readonly desiredAddresses = new Map<string, Label | undefined>();
  private readonly groups = new Map<string, GroupVerdict>();
  private readonly tables = new Map<number, number>();
  private readonly inUse = new Map<string, boolean>();
  private readonly survivors = new Map<string, number>();

  constructor(readonly trackers: Trackers, readonly policy: OwnershipPolicy, readonly options: PlanOptions) {}

  // Route labels are not memoized: they are cheap given the memoized answers below, and a resync
  // labels a million of them.
  /** Label of our route side at a route key. */
  route(key: string): Label { return labelRoute(this, key); }
  /** Label of the protected route at a route key (undefined when none). */
  protectedRoute(key: string): Label | undefined { return labelProtected(this, key); }
  /** Label of an address key. */
  address(key: string): Label { return memo(this.addresses, key, () => labelAddress(this, key)); }
  /** Label of the desired side of an address key. */
  addressDesired(key: string): Label | undefined { return memo(this.desiredAddresses, key, () => labelDesiredAddress(this, key)); }
  /** Label of a rule key (rules depend on nothing later, so no memo is needed). */
  rule(key: string): Label { return labelRule(this, key); }
  /** Label of a sysctl key. */
  sysctl(key: string): Label { return labelSysctl(this, key); }
  /** The guard's verdict for a group of protected routes. */
  group(gid: string): GroupVerdict { return memo(this.groups, gid, () => judgeTrackedGroup(this, gid)); }
  /** Routes in `table` after the plan. */
  tableCountAfter(table: number): number { return memo(this.tables, table, () => countTableAfter(this, table)); }
  /** True when a route remaining after the plan uses `ip` as preferred source. */
  prefsrcInUse(ip: string): boolean { return memo(this.inUse, ip, () => isPrefsrcInUse(this, ip)); }
  /** Addresses with IP `ip` after the plan's adds and deletes. */
  addressSurvivors(ip: string): number { return memo(this.survivors, ip, () => countAddressSurvivors(this, ip)); }

  /** True when `ip` is local once this plan's address adds ran. */
  isLocalAfterAdds(ip: string): boolean {
    if (this.trackers.addresses.localCount(ip) > 0) return true;
    for (const k of this.trackers.addresses.desiredByIp.get(ip)) {
      const d = this.addressDesired(k);
      if (d !== undefined && isKept(d)) return true;
    }
    return false;
  }
}
