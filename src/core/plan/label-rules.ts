// Labels one rule key. The desired side decides create, seen or a conflict (the table-empty
// guard included: a lookup rule waits for its table to hold routes); a rule of ours the kernel
// holds alone at a key where nothing is kept is a delete.
import type { Rule } from "../model/rule.js";
import { protocolName } from "../model/names.js";
import { classifyRule } from "../ownership.js";
import type { PlanContext } from "./context.js";
import { describeRule } from "./describe.js";
import { guardTableEmpty, withholdDelete } from "./key-guards.js";
import type { Conflict } from "./types.js";
import { duplicateConflicts, IGNORE, isKept, SEEN, stage, withConflicts, type Label } from "./verdict.js";

function labelDesiredRule(ctx: PlanContext, key: string, d: Rule, live: readonly Rule[]): Label {
  const conflict = (reason: Conflict["reason"], message: string, extra: Partial<Conflict> = {}): Label =>
    ({ verdict: "conflict", drift: [], conflicts: [{ object: "rule", key, reason, desired: d, message, ...extra }] });
  if (classifyRule(ctx.policy, d) !== "ours") {
    return conflict("not-ownable", `desired rule ${describeRule(d)} would not carry protocol ${ctx.policy.protocol} inside the managed priorities`);
  }
  if (live.length > 1) return conflict("ambiguous-key", `${live.length} kernel rules share the selectors of ${describeRule(d)}; left alone`);
  const holder = live[0];
  if (holder !== undefined && classifyRule(ctx.policy, holder) !== "ours") {
    return conflict("held-by-alien", `rule ${describeRule(d)} exists with protocol ${protocolName(holder.protocol)}; not replaced`,
      { holder, holderOwnership: "alien" });
  }
  // A holder of ours is the desired rule itself: the key is every selector and the action, and
  // both carry our protocol. Nothing to do.
  const label: Label = holder !== undefined ? SEEN
    : { verdict: "create", conflicts: [], drift: [], op: stage({ kind: "rule.add", rule: d, reason: `missing: ${describeRule(d)}` }, key) };
  return guardTableEmpty(ctx, key, d, label);
}

/** The label of a rule key, guards applied. */
export function labelRule(ctx: PlanContext, key: string): Label {
  const rules = ctx.trackers.rules;
  const dups = duplicateConflicts("rule", key, rules.desired.duplicatesAt(key));
  const d = rules.desired.get(key);
  const live = rules.live.get(key);
  const desired = d === undefined ? undefined : labelDesiredRule(ctx, key, d, live);
  if (desired !== undefined && isKept(desired)) return withConflicts(desired, dups);
  const conflicts = [...dups, ...(desired?.conflicts ?? [])];
  const r = live[0];
  if (live.length !== 1 || classifyRule(ctx.policy, r!) !== "ours") return conflicts.length > 0 ? { verdict: "conflict", conflicts, drift: [] } : IGNORE;
  const reason = d !== undefined ? `its table would be empty: ${describeRule(r!)}` : `not desired: ${describeRule(r!)}`;
  return withholdDelete(ctx, { verdict: "delete", conflicts, drift: [], op: stage({ kind: "rule.delete", rule: r!, reason }, key) });
}
