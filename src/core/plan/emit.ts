// Emission: the labels' operations in phase order (then by key), withheld deletes apart, and
// findings sorted, so the plan does not depend on the order keys were labelled in.
import type { PlanGuard } from "./guards.js";
import type { Conflict, Drift, Plan } from "./types.js";
import type { Label, Staged } from "./verdict.js";

const compareStaged = (a: Staged, b: Staged): number =>
  a.phase - b.phase || (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0);

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const compareFinding = <T extends { key: string; message: string }>(a: T, b: T): number =>
  compareText(a.key, b.key) || compareText(a.message, b.message);

/** Builds the plan from the labels of the keys in scope and the guards of the groups in scope. */
export function emitPlan(labels: Iterable<Label>, guards: PlanGuard[]): Plan {
  const ops: Staged[] = [];
  const withheld: Staged[] = [];
  const conflicts: Conflict[] = [];
  const drift: Drift[] = [];
  for (const label of labels) {
    if (label.op !== undefined) (label.withheld ? withheld : ops).push(label.op);
    conflicts.push(...label.conflicts);
    drift.push(...label.drift);
  }
  // Sort keys are unique within a phase (one operation per kernel key and phase).
  ops.sort(compareStaged);
  withheld.sort(compareStaged);
  conflicts.sort((a, b) => compareText(a.object, b.object) || compareFinding(a, b));
  drift.sort(compareFinding); // findings at one key differ in their message (each kind words it its own way)
  guards.sort((a, b) => a.family - b.family || a.table - b.table || a.metric - b.metric);
  return { ops: ops.map((s) => s.op), withheld: withheld.map((s) => s.op), conflicts, drift, guards };
}
