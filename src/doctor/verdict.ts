// The doctor's verdict, derived from the findings and the hop comparison only, so that it can
// never contradict them: an error breaks the flow and names itself; warnings are counted and
// named, and then the verdict does not claim the path is symmetric; "the path is symmetric" is
// said only when the expected ingress hop and the egress hop were compared and are the same and
// no finding is an error or a warning. Pure.
import { FINDING_CODES, type Finding, type HopRef, type PathComparison, type Verdict } from "./types.js";

const SEVERITY_RANK = { error: 0, warning: 1, hint: 2 } as const;

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Orders findings by importance: errors first, then warnings, then hints; within one severity by
 * FINDING_CODES, then interface and message, so that the order (and the verdict) never depends
 * on the order the checks ran in.
 */
export function byImportance(a: Finding, b: Finding): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || FINDING_CODES.indexOf(a.code) - FINDING_CODES.indexOf(b.code)
    || compareText(a.interface ?? "", b.interface ?? "") || compareText(a.message, b.message);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `lan0 from 10.113.0.1` / `lan0 to 10.113.0.3`. */
const hopText = (h: HopRef, preposition: string): string => `${h.interface} ${preposition} ${h.hop ?? "an unknown hop"}`;

/** `REVERSE_PATH_DROP on nb0, ASYMMETRIC_RETURN`. */
const codesOf = (findings: readonly Finding[]): string =>
  findings.map((f) => `${f.code}${f.interface !== undefined ? ` on ${f.interface}` : ""}`).join(", ");

/** Derives the verdict from the findings (in any order) and the hop comparison. */
export function deriveVerdict(findings: readonly Finding[], path: PathComparison): Verdict {
  const sorted = [...findings].sort(byImportance);
  const errors = sorted.filter((f) => f.severity === "error");
  const warnings = sorted.filter((f) => f.severity === "warning");
  const hints = sorted.filter((f) => f.severity === "hint");
  const first = errors[0];
  if (first !== undefined) {
    const more = errors.length > 1 ? ` (and ${plural(errors.length - 1, "more error")}: ${codesOf(errors.slice(1))})` : "";
    return { code: first.code, breaks: true, summary: `${first.message}${more}`, warnings: warnings.length, expectedPathSymmetric: false };
  }
  const symmetric = path.compared && path.same;
  let summary: string;
  if (!path.compared) {
    summary = `nothing found that breaks the flow, but the path was not verified: ${path.reason}`;
  } else {
    const route = `requests come in by ${hopText(path.ingress, "from")} and replies leave by ${hopText(path.egress, "to")}`;
    summary = !path.same
      ? `nothing found that breaks the flow, but the hops differ: ${route}`
      : warnings.length === 0
        ? `${route}: the path is symmetric`
        : `${route}: the expected path is symmetric, but requests that take another path may fail`;
  }
  if (warnings.length > 0) summary += `; ${plural(warnings.length, "warning")}: ${codesOf(warnings)}`;
  if (hints.length > 0) summary += ` (${plural(hints.length, "hint")})`;
  return { code: "OK", breaks: false, summary, warnings: warnings.length, expectedPathSymmetric: symmetric };
}
