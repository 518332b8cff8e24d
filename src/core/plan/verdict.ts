// What labelling decides for one kernel key (BIRD's krt.c labels every kernel route seen,
// update, delete or ignore; here every key of every kind gets one verdict), and the phase order
// in which emission runs the operations.
import type { Conflict, Drift, PlanOp } from "./types.js";

/**
 * The verdict for one key: `create` (add), `update` (replace ours), `delete` (ours, not wanted),
 * `seen` (in sync), `ignore` (nothing of ours to do), `conflict` (a finding instead of a write),
 * `drift` (a protected route differs from BIRD's export).
 */
export type Verdict = "create" | "seen" | "update" | "delete" | "ignore" | "conflict" | "drift";

/** An operation with where it goes in the plan. */
export interface Staged {
  phase: number;
  sortKey: string;
  op: PlanOp;
}

/** The label of one key: its verdict, its operation if any, and its findings. */
export interface Label {
  verdict: Verdict;
  op?: Staged;
  /** True when `op` is a delete withheld because the observation is incomplete. */
  withheld?: boolean;
  conflicts: readonly Conflict[];
  drift: readonly Drift[];
}

/** The label of a key with nothing to do and nothing to report (shared: labels are never mutated). */
export const IGNORE: Label = Object.freeze({ verdict: "ignore", conflicts: [], drift: [] });

/** The label of a key in sync (shared). */
export const SEEN: Label = Object.freeze({ verdict: "seen", conflicts: [], drift: [] });

/** `label` with `extra` conflicts in front (the label itself when there are none). */
export function withConflicts(label: Label, extra: readonly Conflict[]): Label {
  return extra.length === 0 ? label : { ...label, conflicts: [...extra, ...label.conflicts] };
}

/** The phase of each operation: the order in which a plan's operations run. */
export const PHASE = {
  "address.add": 0, // addresses first: routes may use them as preferred source
  "route.add": 1, // table routes (and reinstalled BIRD routes) before rules point at their tables
  "route.replace": 1,
  "rule.add": 2,
  "rule.delete": 3, // a rule goes before its table is emptied
  "route.delete": 4,
  "address.delete": 6, // after the routes that used the address as preferred source
  "sysctl.set": 7,
} as const;

/** The staged form of `op` at `sortKey`. */
export function stage(op: PlanOp, sortKey: string): Staged {
  return { phase: PHASE[op.kind], sortKey, op };
}

/** True when the key's object stays or comes: created, updated or in sync. */
export function isKept(label: Label): boolean {
  return label.verdict === "create" || label.verdict === "update" || label.verdict === "seen";
}

const NONE: readonly Conflict[] = Object.freeze([]);

/** The conflicts a resync's duplicate desired values at `key` cause (the canonically smallest won). */
export function duplicateConflicts(object: Conflict["object"], key: string, losers: readonly Conflict["desired"][]): readonly Conflict[] {
  if (losers.length === 0) return NONE;
  return losers.map((d) => ({ object, key, reason: "duplicate-desired", desired: d,
    message: `two desired ${object}s share the kernel key ${key}; only one can exist` }));
}
