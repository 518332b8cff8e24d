// The inputs and the result of `fibwarden doctor`'s analysis of one flow (client -> VIP and the
// replies back). Types only: the analysis is pure (analyze.ts), the I/O lives in gather.ts.
import type { ManagerObservation } from "../core/coexist/check.js";
import type { BirdProtocol } from "../core/bird/protocol-types.js";
import type { Family } from "../core/net/ip.js";
import type { NumberRange, OwnershipPolicy } from "../core/ownership.js";
import type { LiveState } from "../core/plan/types.js";
import type { RouteLookup } from "./route-get.js";

/** What the configuration says about the VIP (absent: the VIP is not configured). */
export interface DoctorVipConfig {
  device: string;
  announceTable?: number;
  return?: { gateway: string; device: string } | { bgpPeer: string };
}

/** One observed BIRD daemon (the part of the reconciler's observation the doctor needs). */
export interface DoctorBirdDaemon {
  socket: string;
  /** 1 for BIRD 1.6 (one family per daemon, told by the socket name), 2 or 3. */
  dialect: number;
  protocols: BirdProtocol[];
}

/** Whether BIRD exports the VIP to one BGP session (`show route for VIP export SESSION`). */
export interface SessionExport {
  socket: string;
  protocol: string;
  /** null when the query failed: see `error`. */
  exportsVip: boolean | null;
  error?: string;
}

/** Everything the analysis reads; gathered by gather.ts, or made by hand in tests. */
export interface DoctorInput {
  vip: string;
  client: string;
  vipConfig?: DoctorVipConfig;
  /** The kernel: routes, rules, addresses and the sysctls of `all` and every interface. */
  live: LiveState;
  bird: { complete: boolean; daemons: DoctorBirdDaemon[] };
  /** Per BGP session of the VIP's family; a session missing here counts as unknown. */
  sessionExports: SessionExport[];
  /** `ip route get NEIGHBOR` per BGP neighbor address; missing ones fall back to the main table. */
  neighborRoutes: Record<string, RouteLookup>;
  /** `ip route get CLIENT from VIP`: the way replies leave. */
  replyRoute: RouteLookup;
  /** `ip route get VIP from CLIENT iif DEV` per candidate ingress device (IPv4): the kernel's own rp_filter verdict. */
  ingressChecks: Record<string, RouteLookup>;
  /** `net.ipv4.conf.{all,IFACE}.forwarding` values that were read. */
  forwarding: Record<string, number>;
  /** The managed ranges (from the config), checked against known and live users (`fibwarden check`); absent: not checked. */
  sharing?: { policy: OwnershipPolicy; tables: NumberRange; announceTables: number[]; managers?: ManagerObservation[] };
}

/** Stable codes of the findings; `OK` is only ever a verdict. */
export const FINDING_CODES = [
  "VIP_NOT_LOCAL", "NOT_ANNOUNCED", "REVERSE_PATH_DROP", "NO_RETURN_ROUTE", "ASYMMETRIC_RETURN", "ICMP_REDIRECTS",
  // Foreign objects live in the managed ranges (the codes of `fibwarden check`), always warnings here.
  "FOREIGN_RULE_IN_RANGE", "FOREIGN_ROUTE_IN_TABLE", "FOREIGN_MANAGER",
] as const;

/** A finding's code. */
export type FindingCode = (typeof FINDING_CODES)[number];

/** Verdict codes: `OK`, or the code of the first finding (in FINDING_CODES order) that breaks the flow. */
export const VERDICT_CODES = ["OK", ...FINDING_CODES] as const;

/** A verdict code. */
export type VerdictCode = (typeof VERDICT_CODES)[number];

/** `error` breaks the flow; `warning` breaks it for some requests (another ingress); `hint` does not. */
export type Severity = "error" | "warning" | "hint";

/** The change that fixes a finding. */
export interface Fix {
  description: string;
  /** Config snippets (YAML), preferred first; empty when the fix is a command or outside fibwarden. */
  config: string[];
  command?: string;
}

/** One thing that breaks (or may break, or deserves a look at) the flow. */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** The interface the finding is about, when it is about one. */
  interface?: string;
  message: string;
  fix: Fix;
}

/** One BGP session of the VIP's family. */
export interface SessionView {
  socket: string;
  protocol: string;
  /** BGP state (`Established`, `Active`...) or the protocol state. */
  state: string;
  established: boolean;
  neighbor: string | null;
  /** The kernel's device toward the neighbor. */
  interface: string | null;
  /** null: unknown (not checked, or the query failed). */
  exportsVip: boolean | null;
}

/** Where a candidate ingress interface comes from. */
export type IngressVia = "return.device" | "return.bgpPeer" | "bgp";

/** One interface requests may come in by. */
export interface IngressInterface {
  name: string;
  /** Primary: the way requests are expected (the configured return, else every carrying session). */
  primary: boolean;
  via: IngressVia;
  /** BGP sessions that carry the VIP over this interface. */
  sessions: string[];
  /**
   * The ingress hop: the L3 neighbor on this interface that requests come from (the BGP session's
   * neighbor, or the kernel's gateway toward it when the neighbor is not on-link; the configured
   * gateway for a `return.device`). Entries are one per (interface, hop).
   */
  gateway: string | null;
  /** The kernel's input lookup from the client on this interface (IPv4): does rp_filter accept it? */
  kernelCheck: { accepted: boolean; detail: string } | null;
}

/** The way replies leave. */
export interface EgressView {
  /** The lookup, as an `ip` command (without the namespace option). */
  lookup: string;
  ok: boolean;
  interface: string | null;
  gateway: string | null;
  /** The egress hop: the L3 next hop replies are sent to (the gateway, or the client itself when on-link); null without a route. */
  hop: string | null;
  table: number | null;
  type: string | null;
  /** Other devices of the same (multipath) route: a flow hash may pick them too. */
  alternatives: string[];
  /** The other next hops of the same (multipath) route, with their devices. */
  alternativeHops: Array<{ interface: string; hop: string }>;
  error: string | null;
}

/** A sysctl on one interface: `conf.all`, `conf.IFACE` and the value the kernel applies. */
export interface SysctlTriple {
  all: number | null;
  iface: number | null;
  effective: number | null;
}

/** The sysctls of one interface on the path. */
export interface HopInterface {
  name: string;
  roles: Array<"ingress" | "egress">;
  /** IPv4 only (null for an IPv6 flow, or when not read). */
  rpFilter: SysctlTriple | null;
  sendRedirects: SysctlTriple | null;
  /** `conf.IFACE.forwarding` (or `conf.all.forwarding`), null when not read. */
  forwarding: number | null;
}

/** What the doctor found out about the VIP itself. */
export interface VipStatus {
  local: boolean;
  /** Devices that hold the address. */
  devices: string[];
  configured: boolean;
  /** The announce route BIRD learns from (configured table), or null when none is configured. */
  announce: { table: number; present: boolean } | null;
}

/** One hop of the path: an interface and the L3 neighbor on it (null: unknown). */
export interface HopRef {
  interface: string;
  hop: string | null;
}

/**
 * What the hop comparison found: the expected ingress hop (the router requests come from)
 * against the egress hop (the next hop of the replies). `same` is true only when both the
 * interface and the L3 neighbor are equal.
 */
export type PathComparison =
  | { compared: true; same: boolean; ingress: HopRef; egress: HopRef }
  | { compared: false; reason: string };

/** The verdict: derived from the findings and the hop comparison only (verdict.ts). */
export interface Verdict {
  /** `OK`, or the code of the first finding of severity error. */
  code: VerdictCode;
  /** True when a finding of severity error breaks the flow. */
  breaks: boolean;
  summary: string;
  /** Findings of severity warning: requests on another path may fail. */
  warnings: number;
  /** True only when the expected ingress hop and the egress hop were compared and are the same, and no error says otherwise. */
  expectedPathSymmetric: boolean;
}

/** The result of the analysis. */
export interface DoctorAnalysis {
  vip: string;
  client: string;
  family: Family;
  vipStatus: VipStatus;
  sessions: SessionView[];
  ingress: { source: "config" | "bgp" | "none"; interfaces: IngressInterface[] };
  egress: EgressView;
  interfaces: HopInterface[];
  findings: Finding[];
  /** Facts that limit the analysis (BIRD not observed, a query that failed...). */
  notes: string[];
  /** The hop comparison behind the verdict. */
  path: PathComparison;
  verdict: Verdict;
}
