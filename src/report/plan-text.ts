// The human form of a pass: grouped by kind, `+` add, `~` replace/set, `-` delete, `!` conflict
// or drift. Colour only when asked (the CLI asks on a TTY without NO_COLOR).
import type { PlanReport } from "./plan-json.js";

const COLORS = { green: 32, yellow: 33, red: 31, cyan: 36, dim: 2, bold: 1 } as const;

function describeDialect(d: PlanReport["observation"]["bird"]["daemons"][number]): string {
  const release = d.release === undefined ? "" : d.release === d.version ? "" : `BIRD ${d.release}, `;
  return `${release}dialect ${d.dialect}${d.dialectSource === "replies" ? " (from its replies: the version names no BIRD release)" : ""}`;
}

/** Renders a report for a terminal. */
export function renderPlanText(r: PlanReport, color: boolean): string {
  const c = (name: keyof typeof COLORS, s: string) => (color ? `\u001b[${COLORS[name]}m${s}\u001b[0m` : s);
  const out: string[] = [];
  const obs = r.observation;
  for (const d of obs.bird.daemons) out.push(c("dim", `BIRD ${d.version} at ${d.socket}${d.up ? "" : " (not up)"}: ${describeDialect(d)}`));
  for (const k of obs.bird.kernelProtocols) {
    out.push(c("dim", `  ${k.name} (IPv${k.family}): ${k.routes} routes to protect in table ${k.table}, metric ${k.metric}${k.syncErrors.length ? `, ${k.syncErrors.length} kernel sync errors` : ""}`));
  }
  if (!obs.complete) {
    out.push(c("red", "observation INCOMPLETE: nothing will be deleted (fail static)"));
    for (const p of [...obs.bird.problems, ...obs.kernel.problems]) out.push(c("red", `  ${p.code}: ${p.message}`));
  }
  const section = (title: string, lines: string[]) => {
    if (lines.length === 0) return;
    out.push("", c("bold", `${title} (${lines.length})`), ...lines);
  };
  const marker = (kind: string) => (kind.endsWith(".add") ? c("green", "+") : kind.endsWith(".delete") ? c("red", "-") : c("yellow", "~"));
  const groups = ["address", "route", "rule", "sysctl"] as const;
  for (const g of groups) {
    section(`${g} operations`, r.operations.filter((o) => o.kind.startsWith(`${g}.`)).map((o) => `  ${marker(o.kind)} ${o.reason}`));
  }
  section("withheld (observation incomplete)", r.withheld.map((o) => `  ${c("dim", "-")} ${o.reason}`));
  section("conflicts (left alone)", r.conflicts.map((x) => `  ${c("red", "!")} [${x.reason}] ${x.message}`));
  section("drift of protected BIRD routes", r.drift.map((d) => `  ${c("yellow", "!")} [${d.kind}${d.repaired ? ", reinstalled" : ""}] ${d.message}`));
  section("problems", r.problems.map((p) => `  ${c("yellow", "?")} ${p.scope}${p.code ? ` [${p.code}]` : ""} ${p.subject}: ${p.message}`));
  if (r.applied) {
    section("apply results", r.applied.results.filter((x) => x.status !== "applied").map((x) => `  ${c("red", "x")} ${x.kind}: ${x.status} ${x.error ?? ""}`));
  }
  const s = r.summary;
  out.push("", r.inSync ? c("green", "in sync: nothing to do")
    : `${r.mode === "apply" ? "applied" : "plan"}: ${s.add} to add, ${s.replace} to replace, ${s.delete} to delete, ${s.set} sysctls to set; ${s.withheld} withheld, ${s.conflicts} conflicts, ${s.drift} drift, ${s.problems} problems`
      + (r.applied ? ` (${r.applied.applied} applied, ${r.applied.failed} failed)` : ""));
  return `${out.join("\n")}\n`;
}
