// The JSON form of a pass (`fibwarden reconcile --output json`): a versioned wire contract whose
// JSON Schema is kept in proto/plan.schema.json (generated from the zod schema below).
import { z } from "zod";
import type { ApplyResult } from "../adapters/ports.js";
import type { PassResult } from "../reconciler/pass.js";

const objectSchema = z.record(z.string(), z.unknown());
const op = z.object({ kind: z.string(), reason: z.string(), object: objectSchema, previous: z.unknown().optional() });

/** The schema of `reconcile --output json`. */
export const PlanReportSchema = z.object({
  apiVersion: z.literal("fibwarden/v1"),
  kind: z.literal("ReconcileReport"),
  mode: z.enum(["plan", "apply"]),
  inSync: z.boolean().describe("No operation, withheld deletion, conflict, drift or problem."),
  observation: z.object({
    complete: z.boolean(),
    bird: z.object({
      complete: z.boolean(),
      daemons: z.array(z.object({
        socket: z.string(),
        version: z.string().describe("The version string as BIRD printed it (`v0.3.3+birdv1.6.8`)."),
        release: z.string().optional().describe("The BIRD release read from it (`1.6.8`); absent when none could be read."),
        dialect: z.number().describe("1 (BIRD 1.x), 2 or 3: decides the kernel metric BIRD installs with."),
        dialectSource: z.enum(["version", "replies"]).describe("Read from the version string, or (unreadable version) from BIRD's replies."),
        up: z.boolean(),
      })),
      kernelProtocols: z.array(z.object({ socket: z.string(), name: z.string(), family: z.number(), table: z.number(), metric: z.number(), routes: z.number(), syncErrors: z.array(z.string()) })),
      problems: z.array(z.object({ code: z.string(), socket: z.string().optional(), message: z.string() })),
    }),
    kernel: z.object({ complete: z.boolean(), problems: z.array(z.object({ code: z.string(), message: z.string() })) }),
  }),
  summary: z.object({
    operations: z.number(), add: z.number(), replace: z.number(), delete: z.number(), set: z.number(),
    withheld: z.number(), conflicts: z.number(), drift: z.number(), problems: z.number(),
  }),
  operations: z.array(op),
  withheld: z.array(op),
  conflicts: z.array(z.object({ object: z.string(), key: z.string(), reason: z.string(), message: z.string(), holderOwnership: z.string().optional() })),
  drift: z.array(z.object({ kind: z.string(), key: z.string(), message: z.string(), repaired: z.boolean() })),
  problems: z.array(z.object({
    scope: z.enum(["vip", "sysctl", "protect"]).describe("`protect`: a guard kept a group of protected routes from being reinstalled."),
    code: z.string().optional().describe("`kernel-metric-mismatch` or `mass-reinstall` (scope protect)."),
    subject: z.string(), message: z.string(),
  })),
  tables: z.record(z.string(), z.number()).describe("VIP address -> source table."),
  applied: z.object({
    applied: z.number(), failed: z.number(), elapsedMs: z.number(),
    results: z.array(z.object({ kind: z.string(), status: z.string(), error: z.string().optional(), confirmed: z.boolean().optional() })),
  }).optional(),
  elapsedMs: z.number(),
});

/** A report as `reconcile --output json` prints it. */
export type PlanReport = z.infer<typeof PlanReportSchema>;

function opObject(o: { kind: string } & Record<string, unknown>): Record<string, unknown> {
  const { route, rule, address, sysctl } = o as Record<string, unknown>;
  return (route ?? rule ?? address ?? sysctl) as Record<string, unknown>;
}

function toOps(ops: ReadonlyArray<{ kind: string; reason: string } & object>) {
  return ops.map((o) => {
    const out: { kind: string; reason: string; object: Record<string, unknown>; previous?: unknown } = {
      kind: o.kind, reason: o.reason, object: opObject(o as { kind: string } & Record<string, unknown>),
    };
    const prev = (o as { previous?: unknown }).previous;
    if (prev !== undefined) out.previous = prev;
    return out;
  });
}

function toApplied(a: ApplyResult): NonNullable<PlanReport["applied"]> {
  return {
    applied: a.applied, failed: a.failed, elapsedMs: Math.round(a.elapsedMs),
    results: a.results.map((r) => ({
      kind: r.op.kind, status: r.status,
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(r.confirmed !== undefined ? { confirmed: r.confirmed } : {}),
    })),
  };
}

/** Builds the JSON report of a pass. */
export function buildPlanReport(pass: PassResult, mode: "plan" | "apply"): PlanReport {
  const p = pass.plan;
  const ops = p?.ops ?? [];
  const count = (suffix: string) => ops.filter((o) => o.kind.endsWith(suffix)).length;
  const problems: PlanReport["problems"] = [
    ...(pass.desired?.vipProblems ?? []).map((x) => ({ scope: "vip" as const, subject: x.vip, message: x.reason })),
    ...(pass.desired?.sysctlProblems ?? []).map((x) => ({ scope: "sysctl" as const, subject: `${x.iface}.${x.name}`, message: x.reason })),
    ...(p?.guards ?? []).map((g) => ({ scope: "protect" as const, code: g.code, subject: `table ${g.table} IPv${g.family} metric ${g.metric}`, message: g.message })),
  ];
  const report: PlanReport = {
    apiVersion: "fibwarden/v1",
    kind: "ReconcileReport",
    mode,
    inSync: pass.observationComplete && p !== undefined && ops.length === 0 && p.withheld.length === 0
      && p.conflicts.length === 0 && p.drift.length === 0 && problems.length === 0,
    observation: {
      complete: pass.observationComplete,
      bird: {
        complete: pass.bird.complete,
        daemons: pass.bird.daemons.map((d) => ({
          socket: d.socket, version: d.version, ...(d.release !== undefined ? { release: d.release } : {}),
          dialect: d.dialect, dialectSource: d.dialectSource, up: d.up,
        })),
        kernelProtocols: pass.bird.kernelProtocols.map((k) => ({ socket: k.socket, name: k.name, family: k.family, table: k.table, metric: k.metric, routes: k.routeCount, syncErrors: k.syncErrors })),
        problems: pass.bird.problems,
      },
      kernel: { complete: pass.kernel.complete, problems: pass.kernel.problems },
    },
    summary: {
      operations: ops.length, add: count(".add"), replace: count(".replace"), delete: count(".delete"), set: count(".set"),
      withheld: p?.withheld.length ?? 0, conflicts: p?.conflicts.length ?? 0, drift: p?.drift.length ?? 0, problems: problems.length,
    },
    operations: toOps(ops),
    withheld: toOps(p?.withheld ?? []),
    conflicts: (p?.conflicts ?? []).map((c) => ({ object: c.object, key: c.key, reason: c.reason, message: c.message, ...(c.holderOwnership ? { holderOwnership: c.holderOwnership } : {}) })),
    drift: (p?.drift ?? []).map((d) => ({ kind: d.kind, key: d.key, message: d.message, repaired: d.repaired })),
    problems,
    tables: Object.fromEntries(pass.desired?.tables ?? []),
    elapsedMs: Math.round(pass.elapsedMs),
  };
  if (pass.applied) report.applied = toApplied(pass.applied);
  return report;
}

/** The JSON Schema of the report (written to proto/plan.schema.json). */
export function planReportJsonSchema(): unknown {
  return { $id: "https://fibwarden.dev/schemas/plan.schema.json", ...z.toJSONSchema(PlanReportSchema, { target: "draft-2020-12" }) };
}

/** The JSON Schema text as committed in proto/plan.schema.json. */
export function renderPlanReportJsonSchema(): string {
  return `${JSON.stringify(planReportJsonSchema(), null, 2)}\n`;
}
