// What `fibwarden check` (and `doctor`) report about sharing a node: the stable finding codes and
// the shape of a finding. Types only.
import type { NumberRange } from "../ownership.js";

/** Stable codes of the sharing findings, most urgent first. */
export const SHARING_FINDING_CODES = [
  "FOREIGN_RULE_IN_RANGE", "FOREIGN_ROUTE_IN_TABLE", "RANGE_OVERLAP_TABLES", "RANGE_OVERLAP_PRIORITIES", "FOREIGN_MANAGER",
] as const;

/** A sharing finding's code. */
export type SharingFindingCode = (typeof SHARING_FINDING_CODES)[number];

/** `error`: a foreign object lives in fibwarden's ranges now; `warning`: a known agent may put one there. */
export type SharingSeverity = "error" | "warning";

/** The config field a finding is about. */
export type SharingField = "ownership.tables" | "ownership.rulePriorities" | "announce table";

/** One overlap (or one foreign agent), with the change that avoids it. */
export interface SharingFinding {
  code: SharingFindingCode;
  severity: SharingSeverity;
  /** The agent (a known agent's id, a list of candidates joined by `|`, or `unknown`). */
  agent: string;
  /** Where the agent's range comes from, or what was seen live. */
  source: string;
  message: string;
  /** The overlapping ranges: fibwarden's (the config field) and the other agent's. */
  overlap?: { field: SharingField; ours: NumberRange; theirs: NumberRange };
  fix: { description: string; config: string[] };
}
