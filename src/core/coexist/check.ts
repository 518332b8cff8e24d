// Checks fibwarden's managed ranges against the ranges other agents are known to use and against
// the foreign rules and routes live in them now; each overlap is a finding with the config change
// that avoids it (a free range computed against everything known and live, when one exists).
// Ownership is decided by ownership.ts alone: a live object in a managed range is foreign when
// classifyRule/classifyRoute do not call it fibwarden's. Pure.
import { describeRoute, describeRule } from "../plan/describe.js";
import type { Route } from "../model/route.js";
import type { Rule } from "../model/rule.js";
import { TABLE } from "../model/names.js";
import {
  classifyRoute, classifyRule, isManagedRulePriority, isManagedTable, rangeIncludes, RESERVED_TABLES,
  type NumberRange, type OwnershipPolicy,
} from "../ownership.js";
import type { SharingField, SharingFinding } from "./findings.js";
import { SHARING_FINDING_CODES } from "./findings.js";
import { agentName, KERNEL_TABLE_MAX, KNOWN_MANAGERS, KNOWN_RANGES, type AgentId, type KnownRange } from "./known-ranges.js";
import { findFreeRange, formatRange, intersectRanges, rangeSize } from "./ranges.js";

/** The highest rule priority fibwarden may use (main's rule is 32766). */
export const PRIORITY_MAX = 32765;

/** What was observed about an agent that removes foreign rules or routes (systemd-networkd). */
export interface ManagerObservation {
  agent: AgentId;
  running: boolean;
  removesForeignRules: boolean;
  removesForeignRoutes: boolean;
  /** The files the settings were read from (none: the defaults). */
  configFiles: string[];
}

/** What the check reads. */
export interface SharingInput {
  /** The ownership policy of the config (configToPolicy): what fibwarden manages and owns. */
  policy: OwnershipPolicy;
  /** `ownership.tables`: the source-table range. */
  tables: NumberRange;
  /** The announce tables (ownership.announceTables and the VIPs'). */
  announceTables: readonly number[];
  /** The kernel now; absent: only the known ranges are checked. */
  live?: { rules: readonly Rule[]; routes: readonly Route[] };
  managers?: readonly ManagerObservation[];
  /** Agents the operator says are not on this node: their known ranges are not checked. */
  ignore?: readonly AgentId[];
  /** The known ranges (default KNOWN_RANGES). */
  known?: readonly KnownRange[];
}

/** The findings, and the free ranges the fixes suggest (undefined: none is free). */
export interface SharingReport {
  findings: SharingFinding[];
  suggested: { tables: NumberRange | undefined; rulePriorities: NumberRange | undefined; announceTable: number | undefined };
}

const LIVE_SOURCE = "live kernel state";

/** Checks the managed ranges against the known and the live users of tables and priorities. */
export function checkSharedRanges(input: SharingInput): SharingReport {
  const ignored = new Set(input.ignore ?? []);
  const allKnown = input.known ?? KNOWN_RANGES;
  const known = allKnown.filter((k) => !ignored.has(k.agent));
  const { policy } = input;
  const rules = input.live?.rules ?? [];
  const routes = input.live?.routes ?? [];
  const foreignRules = rules.filter((r) => classifyRule(policy, r) !== "ours");
  const foreignRoutes = routes.filter((r) => classifyRoute(policy, r) !== "ours");

  // Free ranges: clear of the kernel's and BIRD's tables, every known range and everything foreign live now.
  const single = (n: number): NumberRange => ({ from: n, to: n });
  const tablesBlocked = [
    ...[TABLE.unspec, TABLE.compat, ...RESERVED_TABLES, ...policy.protectedTables].map(single),
    ...known.filter((k) => k.kind === "tables").map((k) => k.range),
    ...foreignRoutes.map((r) => single(r.table)),
    ...foreignRules.flatMap((r) => (r.table !== undefined ? [single(r.table)] : [])),
  ];
  const prioritiesBlocked = [...known.filter((k) => k.kind === "priorities").map((k) => k.range), ...foreignRules.map((r) => single(r.priority))];
  const tables = findFreeRange({ from: 1, to: KERNEL_TABLE_MAX }, [...tablesBlocked, ...input.announceTables.map(single)], rangeSize(input.tables));
  const rulePriorities = findFreeRange({ from: 1, to: PRIORITY_MAX }, prioritiesBlocked, rangeSize(policy.rulePriorities));
  const announce = findFreeRange({ from: 1, to: KERNEL_TABLE_MAX }, [...tablesBlocked, ...input.announceTables.map(single), input.tables, ...(tables ? [tables] : [])], 1);
  const suggested = { tables, rulePriorities, announceTable: announce?.from };
  const fixes: Fixes = { tables: input.tables, policy, suggested, someIgnored: known.length < allKnown.length };

  const findings: SharingFinding[] = [];
  for (const r of rules) {
    if (!isManagedRulePriority(policy, r.priority) || classifyRule(policy, r) === "ours") continue;
    findings.push({
      code: "FOREIGN_RULE_IN_RANGE", severity: "error", agent: guessAgent(known, "priorities", r.priority), source: LIVE_SOURCE,
      message: `rule ${describeRule(r)} (proto ${r.protocol}) lies in ownership.rulePriorities ${formatRange(policy.rulePriorities)} but is not fibwarden's: it takes part in the same lookups as fibwarden's rules, and fibwarden never removes it`,
      overlap: { field: "ownership.rulePriorities", ours: policy.rulePriorities, theirs: single(r.priority) },
      fix: withLeftover(fixFor({ field: "ownership.rulePriorities" }, fixes), "rule"),
    });
  }
  const byTable = new Map<number, Route[]>();
  for (const r of foreignRoutes) if (isManagedTable(policy, r.table)) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r]);
  for (const [table, found] of [...byTable].sort((a, b) => a[0] - b[0])) {
    const field = fieldOfTable(input, table);
    const shown = found.slice(0, 3).map(describeRoute).join("; ");
    findings.push({
      code: "FOREIGN_ROUTE_IN_TABLE", severity: "error", agent: guessAgent(known, "tables", table), source: LIVE_SOURCE,
      message: `table ${table} (${field === "ownership.tables" ? `in ownership.tables ${formatRange(input.tables)}` : "an announce table"}) holds ${found.length} route${found.length === 1 ? "" : "s"} that ${found.length === 1 ? "is" : "are"} not fibwarden's (protocols ${[...new Set(found.map((r) => r.protocol))].sort((a, b) => a - b).join(", ")}): ${shown}${found.length > 3 ? "; ..." : ""}`,
      overlap: { field, ours: field === "ownership.tables" ? input.tables : single(table), theirs: single(table) },
      fix: withLeftover(fixFor(field === "announce table" ? { field, table } : { field }, fixes), "route"),
    });
  }
  for (const k of known) {
    const ours: Array<FixTarget & { range: NumberRange }> = k.kind === "priorities"
      ? [{ field: "ownership.rulePriorities", range: policy.rulePriorities }]
      : [{ field: "ownership.tables", range: input.tables }, ...input.announceTables.map((t) => ({ field: "announce table" as const, range: single(t), table: t }))];
    for (const o of ours) {
      const both = intersectRanges(o.range, k.range);
      if (both === undefined) continue;
      const what = o.field === "announce table" ? `announce table ${o.table}` : `${o.field} ${formatRange(o.range)}`;
      findings.push({
        code: k.kind === "tables" ? "RANGE_OVERLAP_TABLES" : "RANGE_OVERLAP_PRIORITIES", severity: "warning", agent: k.agent, source: k.source,
        message: `${what} overlaps ${agentName(k.agent)}'s ${k.kind === "tables" ? "tables" : "rule priorities"} ${formatRange(k.range)} (${k.what}) at ${formatRange(both)}${k.modelled !== undefined ? `; range modelled: ${k.modelled}` : ""}`,
        overlap: { field: o.field, ours: o.range, theirs: k.range },
        fix: fixFor(o, fixes),
      });
    }
  }
  for (const m of input.managers ?? []) {
    const known = KNOWN_MANAGERS.find((k) => k.agent === m.agent);
    if (known === undefined || ignored.has(m.agent) || !m.running || !(m.removesForeignRules || m.removesForeignRoutes)) continue;
    const what = [m.removesForeignRules && "ManageForeignRoutingPolicyRules=yes", m.removesForeignRoutes && "ManageForeignRoutes=yes"].filter(Boolean).join(" and ");
    findings.push({
      code: "FOREIGN_MANAGER", severity: "warning", agent: m.agent, source: known.source,
      message: `${agentName(m.agent)} runs with ${what} (${m.configFiles.length > 0 ? `read from ${m.configFiles.join(", ")}` : "the defaults"}): it removes fibwarden's rules and routes whatever their range; ${known.what}`,
      fix: { description: known.fix, config: [] },
    });
  }
  findings.sort(bySeverityThenCode);
  return { findings, suggested };
}

interface Fixes {
  tables: NumberRange;
  policy: OwnershipPolicy;
  suggested: SharingReport["suggested"];
  /** Some known ranges were left out because their agent is ignored. */
  someIgnored: boolean;
}

/** Which config field holds table `t` (a managed table is in the source range or an announce table). */
function fieldOfTable(input: SharingInput, t: number): SharingField {
  return rangeIncludes(input.tables, t) ? "ownership.tables" : "announce table";
}

/** The agents whose known range holds `n`, joined by `|`, or `unknown`. */
function guessAgent(known: readonly KnownRange[], kind: KnownRange["kind"], n: number): string {
  const agents = [...new Set(known.filter((k) => k.kind === kind && rangeIncludes(k.range, n)).map((k) => k.agent))];
  return agents.length > 0 ? agents.join("|") : "unknown";
}

const MOVE_NOTE = "before the change, remove what fibwarden owns in the old range (`fibwarden reconcile --apply --purge` with the old config, in a maintenance window): what it wrote there is no longer fibwarden's after the change and stays";

/** What a fix moves: one announce table, or a whole managed range. */
type FixTarget = { field: "announce table"; table: number } | { field: Exclude<SharingField, "announce table"> };

/** The config change that avoids an overlap on `target`. */
function fixFor(target: FixTarget, f: Fixes): SharingFinding["fix"] {
  if (target.field === "announce table") {
    const t = f.suggested.announceTable;
    if (t === undefined) return { description: `no table is free of every known agent and live route; pass --ignore for agents that do not run on this node`, config: [] };
    return {
      description: `use table ${t} instead of ${target.table} as the announce table (in vips[].announce.table and ownership.announceTables; the BIRD kernel protocol that learns the VIP routes must read table ${t})`,
      config: [`ownership: {announceTables: [${t}]}`],
    };
  }
  const field = target.field;
  const current = field === "ownership.tables" ? f.tables : f.policy.rulePriorities;
  const free = field === "ownership.tables" ? f.suggested.tables : f.suggested.rulePriorities;
  const what = field === "ownership.tables" ? "table" : "rule priority";
  if (free === undefined) {
    return { description: `no ${what} range is free of every known agent and live object; pass --ignore for agents that do not run on this node`, config: [] };
  }
  const narrower = rangeSize(free) < rangeSize(current) ? ` (the widest free range: ${rangeSize(free)} values, fewer than the ${rangeSize(current)} now)` : "";
  const key = field === "ownership.tables" ? "tables" : "rulePriorities";
  return {
    description: `set ${field} to ${formatRange(free)}${narrower}, clear of every known agent${f.someIgnored ? " not ignored" : ""} and everything live; ${MOVE_NOTE}`,
    config: [`ownership: {${key}: {from: ${free.from}, to: ${free.to}}}`],
  };
}

/** Adds the other way out for a live object: remove it, if it is a leftover (fibwarden never will). */
function withLeftover(fix: SharingFinding["fix"], kind: "rule" | "route"): SharingFinding["fix"] {
  return { ...fix, description: `${fix.description}; or, if the ${kind} is a leftover nothing needs, remove it by hand (fibwarden never removes what is not its own)` };
}

const SEVERITY_RANK = { error: 0, warning: 1 } as const;

function bySeverityThenCode(a: SharingFinding, b: SharingFinding): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]
    || SHARING_FINDING_CODES.indexOf(a.code) - SHARING_FINDING_CODES.indexOf(b.code)
    || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}
