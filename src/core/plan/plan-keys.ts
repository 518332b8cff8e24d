// The planner: label every key in scope, apply the guards, emit by phase. The same code plans a
// resync (`keys = "all"`) and an event (the dirty keys, closed by closeKeys).
//
// Steps (planKeys):
//   1. scope: every key the trackers hold ("all"), or the given keys per kind;
//   2. label: one verdict per key from label-routes.ts, label-protected.ts, label-rules.ts,
//      label-addresses.ts and label-sysctls.ts (create, seen, update, delete, ignore, conflict,
//      drift); labels read other keys only through PlanContext (context.ts), which labels them on
//      demand, so a key's label never depends on which other keys are in scope;
//   3. guards (key-guards.ts): preferred source in use, table empty, deletes withheld while the
//      observation is incomplete, and per group of protected routes the mass-reinstall and
//      kernel-metric-mismatch guards of guards.ts;
//   4. emit (emit.ts): operations by phase, withheld deletes, sorted findings, the guards of the
//      groups in scope.
//
// Cross-key dependencies (what a key's label reads besides its own key):
//   - a route's preferred source must be local after this plan's adds: the route key depends on
//     the address keys with that IP (their desired side) and on the live addresses with it;
//   - a lookup rule is installed only if its table holds routes after the plan: the rule key
//     depends on every route key of its table (adds, deletes, reinstalls) and the table's count;
//   - an address of ours is not deleted while a remaining route uses it as preferred source
//     (routes the kernel derived from the address itself do not count, see isDerivedFromAddress)
//     and no other address with its IP stays: the address key depends on every route key using
//     the IP and on every address key with the IP;
//   - missing protected routes are judged per group (family, table, metric): a protected key
//     depends on its group's total and missing keys, on BIRD's live routes at the sites of the
//     missing keys (other metrics), and on the live routes at its own site (shadows).
// closeKeys (close-keys.ts) expands dirty keys along these edges, from both ends: a route key
// reaches the IPs its routes use (before and after the change: the trackers record them), the
// protected keys at its site and its group's missing keys; an IP reaches its address keys and
// the desired and missing protected route keys using it; the route keys' tables reach their
// lookup rules.
// Invariant (for one policy and one set of options): after any changes to the trackers, every
// key outside closeKeys(trackers, dirty) keeps its label, and planKeys(trackers, closed) equals
// planKeys(trackers, "all") restricted to the closed keys (and the guards of their groups).
import { FibwardenError } from "../errors.js";
import { assertPolicy, type OwnershipPolicy } from "../ownership.js";
import { canonicalJson } from "./canonical-json.js";
import type { KeySet } from "../track/dirty.js";
import { groupId, parseRouteKey } from "../track/route-key.js";
import type { Trackers } from "../track/trackers.js";
import { PlanContext } from "./context.js";
import { emitPlan } from "./emit.js";
import type { PlanGuard } from "./guards.js";
import type { Plan, PlanOptions } from "./types.js";
import type { Label } from "./verdict.js";

/** Every key the trackers hold, without building sets: each side's keys not already listed. */
function everyKey(t: Trackers): { [K in keyof KeySet]: Iterable<string> } {
  function* union(...stores: ReadonlyArray<{ keys(): Iterable<string>; has(k: string): boolean }>): Generator<string> {
    for (let i = 0; i < stores.length; i++) {
      for (const k of stores[i]!.keys()) {
        let listed = false;
        for (let j = 0; j < i && !listed; j++) listed = stores[j]!.has(k);
        if (!listed) yield k;
      }
    }
  }
  const { rules, addresses } = t;
  return {
    routes: routeKeys(t),
    rules: union(rules.live, rules.desired),
    addresses: union(addresses.live, addresses.desired),
    sysctls: t.sysctls.desired.keys(),
  };
}

/**
 * Every route key: the live keys, the desired keys not live, and the protected keys not live,
 * which are the groups' missing keys (the index keeps them exact): no lookup per protected route
 * in a second map of a million.
 */
function* routeKeys(t: Trackers): Generator<string> {
  const { live, desired } = t.routes;
  yield* t.routes.liveKeysToLabel(); // in-sync protected keys are not even printed (labelScope skips them)
  for (const k of desired.keys()) if (!live.has(k)) yield k;
  for (const g of t.routes.index.groups.values()) for (const k of g.missing) if (!desired.has(k)) yield k;
}

function* labelScope(ctx: PlanContext, scope: { [K in keyof KeySet]: Iterable<string> }): Generator<Label> {
  for (const k of scope.addresses) yield ctx.address(k);
  const routes = ctx.trackers.routes;
  for (const k of scope.routes) {
    // BIRD's route in sync and nothing else at the key: IGNORE and SEEN, which emit nothing.
    if (routes.protectedInSync(k)) continue;
    yield ctx.route(k);
    const p = ctx.protectedRoute(k);
    if (p !== undefined) yield p;
  }
  for (const k of scope.rules) yield ctx.rule(k);
  for (const k of scope.sysctls) yield ctx.sysctl(k);
}

function groupGuards(ctx: PlanContext, groups: Iterable<string>): PlanGuard[] {
  const out: PlanGuard[] = [];
  for (const gid of groups) {
    const guard = ctx.trackers.routes.index.groups.has(gid) ? ctx.group(gid).guard : undefined;
    if (guard !== undefined) out.push(guard);
  }
  return out;
}

/**
 * Plans the kernel operations for `keys` ("all" for a resync, or the closed dirty keys of events)
 * without touching anything that `policy` does not classify as ours. Pure and deterministic.
 */
export function planKeys(trackers: Trackers, keys: "all" | KeySet, policy: OwnershipPolicy, options: PlanOptions): Plan {
  assertPolicy(policy);
  if (trackers.policy !== policy && canonicalJson(trackers.policy) !== canonicalJson(policy)) {
    throw new FibwardenError("FW_CONFIG_INVALID", "the trackers were built for another ownership policy");
  }
  const ctx = new PlanContext(trackers, policy, options);
  const scope = keys === "all" ? everyKey(trackers) : keys;
  const groups = keys === "all" ? trackers.routes.index.groups.keys() : new Set([...keys.routes].map((k) => groupId(parseRouteKey(k))));
  return emitPlan(labelScope(ctx, scope), groupGuards(ctx, groups));
}
