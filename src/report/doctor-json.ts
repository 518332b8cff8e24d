// The JSON form of `fibwarden doctor --output json`: a versioned wire contract whose JSON Schema
// is kept in proto/doctor.schema.json (generated from the zod schema below).
import { z } from "zod";
import { FINDING_CODES, VERDICT_CODES, type DoctorAnalysis } from "../doctor/types.js";

const nullableInt = z.number().int().nullable();
const sysctlTriple = z.object({ all: nullableInt, iface: nullableInt, effective: nullableInt })
  .describe("conf.all, conf.<iface> and the value the kernel applies (rp_filter: max; send_redirects: OR).");

const hopRef = z.object({ interface: z.string(), hop: z.string().nullable() });

/** The schema of `doctor --output json`. */
export const DoctorReportSchema = z.object({
  apiVersion: z.literal("fibwarden/v1"),
  kind: z.literal("DoctorReport"),
  vip: z.string(),
  client: z.string(),
  family: z.union([z.literal(4), z.literal(6)]),
  netns: z.string().nullable().describe("Namespace the kernel was read in; null for fibwarden's own."),
  verdict: z.object({
    code: z.enum(VERDICT_CODES).describe("OK, or the code of the first finding that breaks the flow (severity error)."),
    breaks: z.boolean().describe("A finding of severity error breaks the flow."),
    summary: z.string(),
    warnings: z.number().int().describe("Findings of severity warning: requests on another path may fail."),
    expectedPathSymmetric: z.boolean()
      .describe("True only when the expected ingress hop and the replies' next hop were compared and are the same (interface and L3 neighbor), and nothing breaks the flow."),
  }).describe("Derived from the findings and the hop comparison only: it never contradicts them."),
  vipStatus: z.object({
    local: z.boolean(),
    devices: z.array(z.string()),
    configured: z.boolean(),
    announce: z.object({ table: z.number().int(), present: z.boolean() }).nullable(),
  }),
  sessions: z.array(z.object({
    socket: z.string(), protocol: z.string(), state: z.string(), established: z.boolean(),
    neighbor: z.string().nullable(), interface: z.string().nullable(),
    exportsVip: z.boolean().nullable().describe("BIRD exports the VIP to this session; null: unknown."),
  })).describe("BGP sessions of the VIP's address family."),
  ingress: z.object({
    source: z.enum(["config", "bgp", "none"]).describe("config: the VIP's return path; bgp: the sessions that carry the VIP."),
    interfaces: z.array(z.object({
      name: z.string(),
      primary: z.boolean(),
      via: z.enum(["return.device", "return.bgpPeer", "bgp"]),
      sessions: z.array(z.string()),
      gateway: z.string().nullable()
        .describe("The ingress hop: the router on this interface the requests come from (the BGP neighbor, or the kernel's gateway toward it; or the configured gateway)."),
      kernelCheck: z.object({ accepted: z.boolean(), detail: z.string() }).nullable()
        .describe("`ip route get VIP from CLIENT iif IFACE`: whether the kernel accepts such a request (rp_filter included)."),
    })).describe("One entry per (interface, ingress hop)."),
  }),
  egress: z.object({
    lookup: z.string(), ok: z.boolean(), interface: z.string().nullable(), gateway: z.string().nullable(),
    hop: z.string().nullable().describe("The egress hop: the next hop replies are sent to (the gateway, or the client itself when on-link)."),
    table: z.number().int().nullable(), type: z.string().nullable(), alternatives: z.array(z.string()),
    alternativeHops: z.array(hopRef.extend({ hop: z.string() })).describe("The other next hops of a multipath reply route."),
    error: z.string().nullable(),
  }).describe("The kernel's route for replies: `ip route get CLIENT from VIP` (policy rules included)."),
  path: z.union([
    z.object({ compared: z.literal(true), same: z.boolean(), ingress: hopRef, egress: hopRef }),
    z.object({ compared: z.literal(false), reason: z.string() }),
  ]).describe("The expected ingress hop against the replies' next hop: the same interface with another L3 neighbor is asymmetric too."),
  interfaces: z.array(z.object({
    name: z.string(),
    roles: z.array(z.enum(["ingress", "egress"])),
    rpFilter: sysctlTriple.nullable(),
    sendRedirects: sysctlTriple.nullable(),
    forwarding: nullableInt,
  })),
  findings: z.array(z.object({
    code: z.enum(FINDING_CODES),
    severity: z.enum(["error", "warning", "hint"]).describe("error breaks the flow; warning breaks it for requests on another ingress; hint does not."),
    interface: z.string().optional(),
    message: z.string(),
    fix: z.object({ description: z.string(), config: z.array(z.string()), command: z.string().optional() }),
  })),
  notes: z.array(z.string()),
  observation: z.object({
    complete: z.boolean(),
    problems: z.array(z.object({ code: z.string(), message: z.string() })),
  }),
  elapsedMs: z.number(),
});

/** A report as `doctor --output json` prints it. */
export type DoctorReport = z.infer<typeof DoctorReportSchema>;

/** What the report adds to the analysis. */
export interface DoctorReportMeta {
  netns: string | null;
  complete: boolean;
  problems: Array<{ code: string; message: string }>;
  elapsedMs: number;
}

/** Builds the JSON report of an analysis. */
export function buildDoctorReport(a: DoctorAnalysis, meta: DoctorReportMeta): DoctorReport {
  return {
    apiVersion: "fibwarden/v1",
    kind: "DoctorReport",
    vip: a.vip,
    client: a.client,
    family: a.family,
    netns: meta.netns,
    verdict: a.verdict,
    vipStatus: a.vipStatus,
    sessions: a.sessions,
    ingress: a.ingress,
    egress: a.egress,
    path: a.path,
    interfaces: a.interfaces,
    findings: a.findings,
    notes: a.notes,
    observation: { complete: meta.complete, problems: meta.problems },
    elapsedMs: Math.round(meta.elapsedMs),
  };
}

/** The JSON Schema of the report (written to proto/doctor.schema.json). */
export function doctorReportJsonSchema(): unknown {
  return { $id: "https://fibwarden.dev/schemas/doctor.schema.json", ...z.toJSONSchema(DoctorReportSchema, { target: "draft-2020-12" }) };
}

/** The JSON Schema text as committed in proto/doctor.schema.json. */
export function renderDoctorReportJsonSchema(): string {
  return `${JSON.stringify(doctorReportJsonSchema(), null, 2)}\n`;
}
