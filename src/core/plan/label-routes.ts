// Labels one route key (our routes; BIRD's exports at the key are labelled by
// label-protected.ts). The desired side decides create, update, seen or a conflict; a route of
// ours the kernel holds alone at a key where nothing is kept is a delete; a key the kernel holds
// several routes at, some ours, is left alone.
import type { Route } from "../model/route.js";
import { routesEqual } from "../model/route.js";
import { classifyRoute } from "../ownership.js";
import type { PlanContext } from "./context.js";
import { describeRoute } from "./describe.js";
import { withholdDelete } from "./key-guards.js";
import type { Conflict } from "./types.js";
import { duplicateConflicts, IGNORE, isKept, SEEN, stage, withConflicts, type Label } from "./verdict.js";

/** The desired side: create, update, seen, or the first reason the desired route cannot be written. */
function labelDesiredRoute(ctx: PlanContext, key: string, d: Route, live: readonly Route[]): Label {
  const conflict = (reason: Conflict["reason"], message: string, extra: Partial<Conflict> = {}): Label =>
    ({ verdict: "conflict", drift: [], conflicts: [{ object: "route", key, reason, desired: d, message, ...extra }] });
  if (classifyRoute(ctx.policy, d) !== "ours") {
    return conflict("not-ownable", `desired route ${describeRoute(d)} would not carry fibwarden's protocol ${ctx.policy.protocol} in a managed table`);
  }
  const p = ctx.trackers.routes.protected.get(key);
  if (p !== undefined) {
    return conflict("collides-with-protected", `desired route ${describeRoute(d)} has the kernel key of a route BIRD exports`,
      { holder: p, holderOwnership: "protected" });
  }
  if (d.prefsrc !== undefined && !ctx.isLocalAfterAdds(d.prefsrc)) {
    return conflict("prefsrc-not-local", `desired route ${describeRoute(d)} uses ${d.prefsrc} as source, which is not a local address`);
  }
  if (live.length > 1) return conflict("ambiguous-key", `${live.length} kernel routes share the key of ${describeRoute(d)}; left alone`);
  const holder = live[0];
  if (holder === undefined) return { verdict: "create", conflicts: [], drift: [], op: stage({ kind: "route.add", route: d, reason: `missing: ${describeRoute(d)}` }, key) };
  // A holder that is not ours is alien: the key's table is managed (the desired route is ours),
  // and protected tables never are (assertPolicy), so BIRD's route there is not protected.
  if (classifyRoute(ctx.policy, holder) !== "ours") {
    return conflict("held-by-alien", `kernel key of ${describeRoute(d)} is held by alien route ${describeRoute(holder)}; not replaced`,
      { holder, holderOwnership: "alien" });
  }
  if (routesEqual(holder, d)) return SEEN;
  return { verdict: "update", conflicts: [], drift: [], op: stage({ kind: "route.replace", route: d, previous: holder,
    reason: `differs: ${describeRoute(holder)} -> ${describeRoute(d)}` }, key) };
}

/** The live side where nothing is kept: delete a lone route of ours, report a shared key without a desired route. */
function labelLiveRoutes(ctx: PlanContext, key: string, live: readonly Route[], desired: boolean): Label {
  const ours = live.filter((r) => classifyRoute(ctx.policy, r) === "ours");
  if (ours.length === 0) return IGNORE;
  if (live.length > 1) {
    if (desired) return IGNORE; // the desired side reported the key
    return { verdict: "conflict", drift: [], conflicts: [{ object: "route", key, reason: "ambiguous-key", holder: ours[0], holderOwnership: "ours",
      message: `${live.length} kernel routes share key ${key}, ${ours.length} of them ours; left alone` }] };
  }
  const r = live[0]!;
  return withholdDelete(ctx, { verdict: "delete", conflicts: [], drift: [],
    op: stage({ kind: "route.delete", route: r, reason: `not desired: ${describeRoute(r)}` }, key) });
}

/** The label of a route key (our side), guards applied. */
export function labelRoute(ctx: PlanContext, key: string): Label {
  const routes = ctx.trackers.routes;
  const dups = duplicateConflicts("route", key, routes.desired.duplicatesAt(key));
  const d = routes.desired.get(key);
  const live = routes.live.get(key);
  const desired = d === undefined ? undefined : labelDesiredRoute(ctx, key, d, live);
  if (desired !== undefined && isKept(desired)) return withConflicts(desired, dups);
  const rest = labelLiveRoutes(ctx, key, live, d !== undefined);
  const earlier = desired === undefined ? dups : [...dups, ...desired.conflicts];
  if (earlier.length === 0) return rest;
  return { ...rest, verdict: rest.verdict === "ignore" ? "conflict" : rest.verdict, conflicts: [...earlier, ...rest.conflicts] };
}
