// Labels the protected route (BIRD's export) at one route key: in sync (seen), missing (drift,
// and a reinstall when repair is on and the group's guard allows it), overwritten by another
// protocol's route (drift and a conflict: never evicted), differing, or shadowed by a
// lower-metric route that forwards another way.
import type { Route } from "../model/route.js";
import { nexthopsEqual, routesEqual } from "../model/route.js";
import { protocolName } from "../model/names.js";
import { classifyRoute } from "../ownership.js";
import { groupId } from "../track/route-key.js";
import { canonicalJson } from "./canonical-json.js";
import type { PlanContext } from "./context.js";
import { describeRoute } from "./describe.js";
import { IGNORE, SEEN, stage, type Label } from "./verdict.js";

function labelMissing(ctx: PlanContext, key: string, p: Route): Label {
  const verdict = ctx.group(groupId(p));
  const reinstall = ctx.options.repairProtected === "reinstall";
  const guarded = reinstall && !verdict.reinstall;
  const repaired = reinstall && verdict.reinstall && (p.prefsrc === undefined || ctx.isLocalAfterAdds(p.prefsrc));
  const why = guarded ? `; not reinstalled: ${verdict.guard!.code} guard`
    : reinstall && !repaired ? `; not reinstalled: its source ${p.prefsrc} is not a local address` : "";
  const drift = [{ kind: "missing" as const, key, expected: p, repaired, message: `protected route ${describeRoute(p)} is missing from the kernel${why}` }];
  if (!repaired) return { verdict: "drift", conflicts: [], drift };
  return { verdict: "create", conflicts: [], drift,
    op: stage({ kind: "route.add", route: p, reason: `reinstall protected route BIRD exports: ${describeRoute(p)}` }, `${key}|protected`) };
}

function labelPresent(ctx: PlanContext, key: string, p: Route, live: readonly Route[]): Label {
  const foreign = live.find((r) => r.protocol !== p.protocol);
  if (foreign !== undefined) {
    return { verdict: "conflict",
      drift: [{ kind: "overwritten", key, expected: p, live: foreign, repaired: false,
        message: `protected route ${describeRoute(p)} was overwritten by ${describeRoute(foreign)}` }],
      conflicts: [{ object: "route", key, reason: "protected-overwritten", desired: p, holder: foreign,
        holderOwnership: classifyRoute(ctx.policy, foreign), message: `BIRD's route ${p.dst} is held by proto ${protocolName(foreign.protocol)}: BIRD's kernel sync fails ("File exists", route marked !) at every scan while it stays, and fibwarden never evicts it` }] };
  }
  if (live.length === 1 && routesEqual(live[0]!, p)) return SEEN;
  return { verdict: "drift", conflicts: [], drift: [{ kind: "differs", key, expected: p, live: live[0], repaired: false,
    message: `kernel copy of ${p.dst} differs from BIRD's export: ${describeRoute(live[0]!)} vs ${describeRoute(p)}` }] };
}

/** The lowest-metric route in p's protected table at p's destination that forwards another way. */
function findShadow(ctx: PlanContext, p: Route): Route | undefined {
  // A lower-metric route that forwards the same way (the kernel's own prefix route of an
  // address on the same device, say) changes nothing: only a different path is reported.
  return ctx.trackers.routes.shadowsAt(p)
    .filter((r) => r.metric < p.metric && (r.type !== p.type || !nexthopsEqual(r.nexthops, p.nexthops)))
    .sort((a, b) => a.metric - b.metric || (canonicalJson(a) < canonicalJson(b) ? -1 : 1))[0];
}

/** The label of the protected route at `key` (undefined when BIRD exports nothing there). */
export function labelProtected(ctx: PlanContext, key: string): Label | undefined {
  const p = ctx.trackers.routes.protected.get(key);
  if (p === undefined) return undefined;
  const live = ctx.trackers.routes.live.get(key);
  // Explained by the kernel-metric guard: reported once, by the guard, and nothing else.
  if (live.length === 0 && ctx.group(groupId(p)).explained.has(key)) return IGNORE;
  const label = live.length === 0 ? labelMissing(ctx, key, p) : labelPresent(ctx, key, p, live);
  const shadow = findShadow(ctx, p);
  if (shadow === undefined) return label;
  return { ...label, verdict: label.verdict === "seen" ? "drift" : label.verdict, drift: [...label.drift, { kind: "shadowed", key, expected: p, live: shadow, repaired: false,
    message: `protected route ${describeRoute(p)} is shadowed by lower-metric ${describeRoute(shadow)}` }] };
}
