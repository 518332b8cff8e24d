// The array entry point: `plan(desired, live, policy, options)` loads trackers from the arrays and
// plans every key (planKeys, plan-keys.ts). Safety lives in the labels: an operation is emitted
// only for a kernel key that holds nothing, or holds exactly one object that the ownership policy
// says is ours. Everything else is a conflict.
import { assertPolicy, type OwnershipPolicy } from "../ownership.js";
import { loadTrackers } from "../track/trackers.js";
import { planKeys } from "./plan-keys.js";
import type { DesiredState, LiveState, Plan, PlanOptions } from "./types.js";

/**
 * Plans the kernel operations that turn `live` into `desired` without touching anything that
 * `policy` does not classify as ours. Pure and deterministic: the same inputs in any order give
 * the identical plan.
 */
export function plan(desired: DesiredState, live: LiveState, policy: OwnershipPolicy, options: PlanOptions): Plan {
  assertPolicy(policy);
  const trackers = loadTrackers(policy, desired, live);
  return planKeys(trackers, "all", policy, options);
}
