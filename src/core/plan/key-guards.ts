// The guards: cross-key checks that turn a label into a finding, run as their own step after
// labelling. Each reads the other keys it depends on through the plan context (context.ts),
// which labels them on demand; see plan-keys.ts for the dependencies and their closure.
// - withholdDelete: nothing is deleted while the observation is incomplete (fail static);
// - guardAddressInUse: an address of ours stays while a remaining route uses it as preferred
//   source (removing it would flush IPv4 routes and strip IPv6 ones);
// - guardTableEmpty: a lookup rule is not installed while its table would hold no route;
// - judgeTrackedGroup: the mass-reinstall and kernel-metric-mismatch guards of guards.ts for one
//   group of protected routes.
import type { InterfaceAddress } from "../model/address.js";
import { PROTO } from "../model/names.js";
import type { Rule } from "../model/rule.js";
import { classifyRoute, isDerivedFromAddress } from "../ownership.js";
import type { PlanContext } from "./context.js";
import { describeAddress, describeRule } from "./describe.js";
import { DEFAULT_REINSTALL_LIMIT, judgeGroup, type GroupVerdict } from "./guards.js";
import { isKept, type Label } from "./verdict.js";

/** Moves a label's delete (if it still has one) to the withheld list when the observation is incomplete. */
export function withholdDelete(ctx: PlanContext, label: Label): Label {
  return ctx.options.observationComplete || label.op === undefined ? label : { ...label, withheld: true };
}

/** Refuses to delete address `a` (at `key`) while a remaining route uses it and no copy of it stays. */
export function guardAddressInUse(ctx: PlanContext, key: string, a: InterfaceAddress, label: Label): Label {
  if (ctx.addressSurvivors(a.address) > 0 || !ctx.prefsrcInUse(a.address)) return label;
  return { verdict: "conflict", drift: [], conflicts: [...label.conflicts, {
    object: "address", key, reason: "address-in-use", holder: a, holderOwnership: "ours",
    message: `address ${describeAddress(a)} is not desired but a route still uses it as preferred source; deleting it would flush that route` }] };
}

/** Refuses a lookup rule whose table would hold no route once the plan ran. */
export function guardTableEmpty(ctx: PlanContext, key: string, d: Rule, label: Label): Label {
  if (d.action !== "lookup" || d.table === undefined || ctx.tableCountAfter(d.table) > 0) return label;
  return { verdict: "conflict", drift: [], conflicts: [{ object: "rule", key, reason: "table-empty", desired: d,
    message: `rule ${describeRule(d)} would point at an empty table; not installed` }] };
}

/** The guard's verdict for one group of protected routes (all reinstalls allowed when none is missing). */
export function judgeTrackedGroup(ctx: PlanContext, gid: string): GroupVerdict {
  const routes = ctx.trackers.routes;
  const g = routes.index.groups.get(gid);
  if (g === undefined || g.missing.size === 0) return { reinstall: true, explained: new Set() };
  // A route of BIRD's at the group's own metric would hold the missing route's key: every metric
  // found at the site is another one.
  const missing = [...g.missing].map((key) => ({ key, elsewhere: routes.birdMetricsAt(routes.protected.get(key)!) }));
  const limit = ctx.options.reinstallLimit ?? DEFAULT_REINSTALL_LIMIT;
  return judgeGroup({ family: g.family, table: g.table, metric: g.metric }, g.total, missing, limit, ctx.options.repairProtected);
}

/** Routes in `table` once the plan ran: live (or the wrapper's override), plus adds, minus deletes. */
export function countTableAfter(ctx: PlanContext, table: number): number {
  const index = ctx.trackers.routes.index;
  let n = ctx.trackers.routes.tableCount(table);
  for (const k of index.desiredByTable.get(table)) if (ctx.route(k).verdict === "create") n++;
  for (const k of index.oursByTable.get(table)) {
    const label = ctx.route(k);
    if (label.verdict === "delete" && !label.withheld) n--;
  }
  for (const g of index.groups.values()) {
    if (g.table !== table) continue;
    for (const k of g.missing) if (ctx.protectedRoute(k)?.verdict === "create") n++;
  }
  return n;
}

/**
 * True when a route that remains after the plan uses `ip` as preferred source: a live route that
 * is not ours (unless the kernel made it for an address with this IP, see isDerivedFromAddress),
 * a live route of ours that stays (a shared key, or a withheld delete), a desired route kept, or
 * a protected route reinstalled.
 */
export function isPrefsrcInUse(ctx: PlanContext, ip: string): boolean {
  const { index, live } = ctx.trackers.routes;
  if ((index.prefsrcSteady.get(ip) ?? 0) > 0) return true;
  const addresses = ctx.trackers.addresses.liveAt(ip);
  for (const key of index.prefsrcPending.get(ip)) {
    const routes = live.get(key);
    for (const r of routes) {
      if (r.prefsrc !== ip) continue;
      if (classifyRoute(ctx.policy, r) !== "ours") {
        if (r.protocol === PROTO.kernel && !addresses.some((a) => isDerivedFromAddress(r, a))) return true;
        continue;
      }
      const label = ctx.route(key);
      if (routes.length > 1 || (label.verdict === "delete" && label.withheld === true)) return true;
    }
  }
  for (const k of index.desiredByPrefsrc.get(ip)) if (isKept(ctx.route(k))) return true;
  for (const k of index.missingByPrefsrc.get(ip)) if (ctx.protectedRoute(k)?.verdict === "create") return true;
  return false;
}
