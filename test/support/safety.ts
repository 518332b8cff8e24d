// The safety check shared by the planner's, the incremental passes' and the simulator's
// properties: what fibwarden may not change. It judges with the independent oracle
// (test/support/oracle/ownership.ts), never with src/core/ownership.ts, so that a bug in the
// product's own classifier cannot hide itself.
import type { LiveState } from "../../src/core/plan/types.js";
import { canonicalJson, classifyAddress, classifyRoute, classifyRule, kernelMadeFor, type OraclePolicy } from "./oracle/ownership.js";

/** How many times each object occurs, by its canonical form. */
function tally(keys: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of keys) out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}

/** The first object of `before` that `mustStay` says must stay and that `after` holds fewer times. */
function firstLost<T>(before: readonly T[], after: readonly T[], mustStay: (x: T) => boolean): T | undefined {
  const keys = before.map(canonicalJson);
  const was = tally(keys);
  const now = tally(after.map(canonicalJson));
  for (let i = 0; i < before.length; i++) {
    const k = keys[i]!;
    if (mustStay(before[i]!) && (now.get(k) ?? 0) < (was.get(k) ?? 0)) return before[i];
  }
  return undefined;
}

/** Every non-ours object of `before` is still in `after`, identical and as many times. */
export function checkSafety(before: LiveState, after: LiveState, policy: OraclePolicy): string | undefined {
  // Routes the kernel made for an address of ours go with that address.
  const removedOurs = before.addresses.filter((a) => classifyAddress(policy, a) === "ours"
    && !after.addresses.some((b) => b.address === a.address));
  const route = firstLost(before.routes, after.routes, (r) => classifyRoute(policy, r) !== "ours" && !removedOurs.some((a) => kernelMadeFor(r, a)));
  if (route !== undefined) return `foreign route changed: ${JSON.stringify(route)}`;
  const rule = firstLost(before.rules, after.rules, (r) => classifyRule(policy, r) !== "ours");
  if (rule !== undefined) return `foreign rule changed: ${JSON.stringify(rule)}`;
  const address = firstLost(before.addresses, after.addresses, (a) => classifyAddress(policy, a) !== "ours");
  if (address !== undefined) return `foreign address changed: ${JSON.stringify(address)}`;
  return undefined;
}

/** Everything in `after` that was not in `before` is ours, or one of `allowed` (reinstalled BIRD routes). */
export function checkCreatedOnlyOurs(before: LiveState, after: LiveState, policy: OraclePolicy, allowed: LiveState["routes"] = []): string | undefined {
  const known = new Set([...before.routes, ...allowed].map(canonicalJson));
  for (const r of after.routes) {
    if (!known.has(canonicalJson(r)) && classifyRoute(policy, r) !== "ours") return `created a foreign route ${JSON.stringify(r)}`;
  }
  const knownRules = new Set(before.rules.map(canonicalJson));
  for (const r of after.rules) {
    if (!knownRules.has(canonicalJson(r)) && classifyRule(policy, r) !== "ours") return `created a foreign rule ${JSON.stringify(r)}`;
  }
  return undefined;
}
