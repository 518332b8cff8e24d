// The trackers of one network namespace, one per kind, sharing one record of dirty keys.
// Events call set/delete on a side; a resync calls replace (or begin/commit/abort); the planner
// (src/core/plan/plan-keys.ts) reads them; `takeDirty` hands the dirty keys to the next plan.
import type { OwnershipPolicy } from "../ownership.js";
import type { DesiredState, LiveState } from "../plan/types.js";
import { AddressTracker } from "./address-tracker.js";
import { emptyDirty, type DirtyKeys } from "./dirty.js";
import { RouteTracker } from "./route-tracker.js";
import { RuleTracker } from "./rule-tracker.js";
import { SysctlTracker } from "./sysctl-tracker.js";

/** Every tracker of a namespace. */
export interface Trackers {
  readonly policy: OwnershipPolicy;
  readonly routes: RouteTracker;
  readonly rules: RuleTracker;
  readonly addresses: AddressTracker;
  readonly sysctls: SysctlTracker;
  /** The keys changed since the last `takeDirty` (everything until the first one). */
  readonly dirty: DirtyKeys;
  /** Returns the dirty keys and starts a new, empty record. */
  takeDirty(): DirtyKeys;
}

/** Creates empty trackers for `policy` (the indexes classify with it). */
export function createTrackers(policy: OwnershipPolicy): Trackers {
  let dirty = emptyDirty(true);
  const current = (): DirtyKeys => dirty;
  return {
    policy,
    routes: new RouteTracker(policy, current),
    rules: new RuleTracker(current),
    addresses: new AddressTracker(current),
    sysctls: new SysctlTracker(current),
    get dirty() { return dirty; },
    takeDirty() {
      const out = dirty;
      dirty = emptyDirty();
      return out;
    },
  };
}

/** Replaces every desired side with `desired` (a resync of what fibwarden wants). */
export function replaceDesired(t: Trackers, desired: DesiredState): void {
  t.routes.desired.replace(desired.routes);
  t.routes.protected.replace(desired.protectedRoutes);
  t.rules.desired.replace(desired.rules);
  t.addresses.desired.replace(desired.addresses);
  t.sysctls.desired.replace(desired.sysctls);
}

/**
 * Replaces every live side with `live` (a resync from a full dump); the routes' side too unless
 * `routesDone` (a resync that streamed them into it).
 */
export function replaceLive(t: Trackers, live: LiveState, routesDone = false): void {
  if (!routesDone) t.routes.live.replace(live.routes);
  t.rules.live.replace(live.rules);
  t.addresses.live.replace(live.addresses);
  t.sysctls.live.replace(live.sysctls);
}

/** Trackers holding `desired` and `live` (what the array-based `plan` does). */
export function loadTrackers(policy: OwnershipPolicy, desired: DesiredState, live: LiveState): Trackers {
  const t = createTrackers(policy);
  replaceLive(t, live);
  replaceDesired(t, desired);
  return t;
}
