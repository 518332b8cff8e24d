// The safety check shared by the planner's properties: what the plan may not change.
import { addressesEqual } from "../../src/core/model/address.js";
import { routesEqual } from "../../src/core/model/route.js";
import { rulesEqual } from "../../src/core/model/rule.js";
import { classifyAddress, classifyRoute, classifyRule, isDerivedFromAddress, type OwnershipPolicy } from "../../src/core/ownership.js";
import type { LiveState } from "../../src/core/plan/types.js";

/** Every non-ours object of `before` is still in `after`, identical and as many times. */
export function checkSafety(before: LiveState, after: LiveState, policy: OwnershipPolicy): string | undefined {
  const count = <T>(items: T[], x: T, eq: (a: T, b: T) => boolean): number => items.filter((y) => eq(x, y)).length;
  // Routes the kernel made for an address of ours go with that address (isDerivedFromAddress).
  const removedOurs = before.addresses.filter((a) => classifyAddress(policy, a) === "ours"
    && !after.addresses.some((b) => b.address === a.address));
  for (const r of before.routes) {
    if (classifyRoute(policy, r) === "ours") continue;
    if (removedOurs.some((a) => isDerivedFromAddress(r, a))) continue;
    if (count(after.routes, r, routesEqual) < count(before.routes, r, routesEqual)) return `foreign route changed: ${JSON.stringify(r)}`;
  }
  for (const r of before.rules) {
    if (classifyRule(policy, r) === "ours") continue;
    if (count(after.rules, r, rulesEqual) < count(before.rules, r, rulesEqual)) return `foreign rule changed: ${JSON.stringify(r)}`;
  }
  for (const a of before.addresses) {
    if (classifyAddress(policy, a) === "ours") continue;
    if (count(after.addresses, a, addressesEqual) < count(before.addresses, a, addressesEqual)) return `foreign address changed: ${JSON.stringify(a)}`;
  }
  return undefined;
}

