// `fibwarden doctor`'s analysis of one flow, client -> VIP and the replies back: where requests
// come in, which way replies leave, the effective rp_filter / send_redirects on those interfaces,
// and what would break the flow (field reports F2, F3, F5). Pure: no I/O, nothing from node:*.
//
// Kernel rules it relies on: the reverse-path check of a packet from CLIENT to VIP arriving on
// IF is the route lookup of CLIENT from VIP (policy rules included), the same lookup replies
// use; strict mode (1) accepts only if that route can leave by IF (any nexthop), loose mode (2)
// if there is any unicast route; the mode in force is max(conf.all, conf.IF). ICMP redirects go
// out when a forwarded packet leaves by the interface it came in on and conf.all OR conf.IF
// send_redirects is set.
//
// Symmetry is judged by next hops, not interfaces (path.ts): the router the requests come from
// against the next hop of the replies.
import { checkSharedRanges } from "../core/coexist/check.js";
import { FibwardenError } from "../core/errors.js";
import { effectiveRpFilter, effectiveSendRedirects, type SysctlName } from "../core/model/sysctl.js";
import { addressFamily, canonicalAddress, hostPrefix, prefixContains, type Family } from "../core/net/ip.js";
import type { LiveState } from "../core/plan/types.js";
import { returnSnippets, sysctlSnippet } from "./fixes.js";
import { carrierSessions, findIngress, listSessions } from "./ingress.js";
import { comparePath, describeEgress, egressHops, sameHop } from "./path.js";
import type { RouteLookup } from "./route-get.js";
import type { DoctorAnalysis, DoctorInput, EgressView, Finding, HopInterface, IngressInterface, SessionView, SysctlTriple, VipStatus } from "./types.js";
import { byImportance, deriveVerdict } from "./verdict.js";

/** Analyzes the flow from `input.client` to `input.vip`; throws FW_INVALID_ADDRESS for bad addresses. */
export function analyzeFlow(input: DoctorInput): DoctorAnalysis {
  const vip = canonicalAddress(input.vip);
  const client = canonicalAddress(input.client);
  const family = addressFamily(vip)!;
  if (addressFamily(client) !== family) {
    throw new FibwardenError("FW_INVALID_ADDRESS", `client ${client} and VIP ${vip} are not of the same address family`);
  }
  const notes: string[] = [];
  if (!input.bird.complete) notes.push("BIRD was not fully observed: the BGP sessions listed may be incomplete");
  const vipStatus = findVipStatus(vip, input);
  const sessions = listSessions(input);
  const candidates = findIngress(input, sessions);
  notes.push(...candidates.notes);
  const ingress: IngressInterface[] = candidates.interfaces.map((i) => ({ ...i, kernelCheck: kernelCheck(input.ingressChecks[i.name]) }));
  const egress = describeEgress(vip, client, family, input.replyRoute, input.live);
  const interfaces = describeHops(family, ingress, egress, input);
  const ctx: Ctx = { vip, client, family, input, vipStatus, sessions, ingress, egress, interfaces };
  const sharing = checkSharing(input);
  const findings = [
    ...checkVipLocal(ctx), ...checkAnnounced(ctx), ...checkReversePath(ctx), ...checkReturnRoute(ctx),
    ...checkAsymmetry(ctx), ...checkRedirects(ctx), ...sharing.findings,
  ].sort(byImportance);
  notes.push(...sharing.notes);
  const path = comparePath(ingress, egress);
  return {
    vip, client, family, vipStatus, sessions,
    ingress: { source: candidates.source, interfaces: ingress },
    egress, interfaces, findings, notes, path,
    verdict: deriveVerdict(findings, path),
  };
}

interface Ctx {
  vip: string;
  client: string;
  family: Family;
  input: DoctorInput;
  vipStatus: VipStatus;
  sessions: SessionView[];
  ingress: IngressInterface[];
  egress: EgressView;
  interfaces: HopInterface[];
}

function findVipStatus(vip: string, input: DoctorInput): VipStatus {
  const host = hostPrefix(vip);
  const devices = [...new Set(input.live.addresses.filter((a) => a.address === vip).map((a) => a.dev))].sort();
  // AnyIP: a `local` route in the local table covering the VIP makes it local too.
  const anyIp = input.live.routes.some((r) => r.table === 255 && r.type === "local" && prefixContains(r.dst, vip));
  const cfg = input.vipConfig;
  const announce = cfg?.announceTable === undefined ? null : {
    table: cfg.announceTable,
    present: input.live.routes.some((r) => r.table === cfg.announceTable && r.dst === host && r.type === "unicast"),
  };
  return { local: devices.length > 0 || anyIp, devices, configured: cfg !== undefined, announce };
}

function kernelCheck(got: RouteLookup | undefined): IngressInterface["kernelCheck"] {
  if (got === undefined) return null;
  if (got.ok) return { accepted: true, detail: `accepted: ${got.type} via ${got.dev}` };
  return { accepted: false, detail: got.message };
}

function sysctlTriple(live: LiveState, name: SysctlName, iface: string): SysctlTriple {
  const value = (i: string) => live.sysctls.find((s) => s.iface === i && s.name === name)?.value ?? null;
  const all = value("all");
  const own = value(iface);
  const effective = all === null || own === null ? null
    : name === "rp_filter" ? effectiveRpFilter(all, own) : effectiveSendRedirects(all, own);
  return { all, iface: own, effective };
}

function describeHops(family: Family, ingress: readonly IngressInterface[], egress: EgressView, input: DoctorInput): HopInterface[] {
  const names = [...new Set([...ingress.map((i) => i.name), ...(egress.interface !== null ? [egress.interface] : [])])];
  return names.map((name) => {
    const roles: HopInterface["roles"] = [];
    if (ingress.some((i) => i.name === name)) roles.push("ingress");
    if (egress.interface === name) roles.push("egress");
    const v4 = family === 4;
    return {
      name, roles,
      rpFilter: v4 ? sysctlTriple(input.live, "rp_filter", name) : null,
      sendRedirects: v4 ? sysctlTriple(input.live, "send_redirects", name) : null,
      forwarding: v4 ? input.forwarding[name] ?? input.forwarding.all ?? null : null,
    };
  });
}

function checkVipLocal(ctx: Ctx): Finding[] {
  if (ctx.vipStatus.local) return [];
  const configured = ctx.vipStatus.configured;
  return [{
    code: "VIP_NOT_LOCAL", severity: "error",
    message: `${ctx.vip} is not an address of this node: requests to it are ${ctx.input.forwarding.all === 1 ? "forwarded elsewhere" : ctx.input.forwarding.all === 0 ? "dropped" : "not answered here"}`,
    fix: configured
      ? { description: "the VIP is configured but its address is missing: let fibwarden add it", config: [], command: "fibwarden reconcile --apply" }
      : {
        description: `configure the VIP (its address goes on \`lo\` unless \`device\` says otherwise) and apply${ctx.family === 6 ? `; an IPv6 VIP must also lie inside ownership.vipRanges (e.g. ${hostPrefix(ctx.vip)})` : ""}`,
        config: [`vips: [{address: ${ctx.vip}}]`], command: "fibwarden reconcile --apply",
      },
  }];
}

function checkAnnounced(ctx: Ctx): Finding[] {
  const carriers = carrierSessions(ctx.sessions);
  const announce = ctx.vipStatus.announce;
  const table = announce?.table;
  if (announce !== null && !announce.present) {
    return [{
      code: "NOT_ANNOUNCED", severity: "error",
      message: `the announce route ${hostPrefix(ctx.vip)} is missing from table ${announce.table}: BIRD has nothing to export for the VIP${carriers.length > 0 ? ` (BIRD still exports it to ${carriers.map((s) => s.protocol).join(", ")}: withdrawal pending)` : ""}`,
      fix: { description: "let fibwarden add the announce route", config: [], command: "fibwarden reconcile --apply" },
    }];
  }
  if (carriers.length > 0) return [];
  if (ctx.input.bird.daemons.length === 0) {
    if (!ctx.input.bird.complete) return []; // BIRD unreachable: nothing can be concluded (see notes)
    return [{
      code: "NOT_ANNOUNCED", severity: "error",
      message: `no BIRD daemon is configured: nothing announces ${ctx.vip} over BGP`,
      fix: { description: "point fibwarden at BIRD's control socket(s)", config: ["bird: {sockets: [/run/bird/bird.ctl]}"] },
    }];
  }
  const ofFamily = ctx.sessions;
  const up = ofFamily.filter((s) => s.established);
  let message: string;
  let fix: Finding["fix"];
  if (ofFamily.length === 0) {
    message = `BIRD has no IPv${ctx.family} BGP session: nothing announces ${ctx.vip}`;
    fix = { description: "configure a BGP session toward the router in bird.conf", config: [] };
  } else if (up.length === 0) {
    message = `no IPv${ctx.family} BGP session is Established (${ofFamily.map((s) => `${s.protocol} ${s.state}`).join(", ")}): nothing announces ${ctx.vip}`;
    fix = { description: "bring the BGP session(s) up (check `fibwarden bird show protocols all`: last error, neighbor address, AS numbers)", config: [] };
  } else if (table === undefined) {
    message = `no Established BGP session exports ${ctx.vip} (${up.map((s) => s.protocol).join(", ")} do not)`;
    fix = {
      description: "give the VIP an announce route in the kernel table a BIRD kernel protocol learns from (`kernel table N; learn;`), which BIRD then exports over BGP",
      config: [`vips: [{address: ${ctx.vip}${ctx.input.vipConfig && ctx.input.vipConfig.device !== "lo" ? `, device: ${ctx.input.vipConfig.device}` : ""}, announce: {table: TABLE_BIRD_LEARNS}}]`],
      command: "fibwarden reconcile --apply",
    };
  } else {
    message = `the announce route is in table ${table}, but no Established BGP session exports ${ctx.vip} (${up.map((s) => s.protocol).join(", ")} do not)`;
    fix = { description: `check bird.conf: a kernel protocol must learn table ${table} (\`kernel table ${table}; learn;\`) into a table the BGP sessions export from, and their export filters must accept the VIP`, config: [] };
  }
  return [{ code: "NOT_ANNOUNCED", severity: "error", message, fix }];
}

/** The devices the reverse-path lookup can leave by (the reply route and its multipath siblings). */
const replyDevices = (egress: EgressView): string[] => (egress.interface === null ? [] : [egress.interface, ...egress.alternatives]);

/** Why the reverse-path check fails, from the reply route. */
function reasonOf(mode: number, ctx: Ctx, devs: readonly string[], iface: string): string {
  if (!ctx.egress.ok) return `there is no route back to ${ctx.client}`;
  if (mode === 1 && !devs.includes(iface)) return `the route back to ${ctx.client} leaves by ${devs.join("/")}, not ${iface}`;
  if (ctx.egress.type !== "unicast") return `the route back to ${ctx.client} is not unicast (${ctx.egress.type ?? "?"})`;
  return "the source is refused";
}

/** Why requests arriving on `i` fail the reverse-path check, or undefined when they pass. */
function reversePathDrop(ctx: Ctx, i: IngressInterface, mode: number | null, devs: readonly string[]): string | undefined {
  if (i.kernelCheck?.accepted || mode === null || mode === 0) return undefined;
  if (i.kernelCheck !== null && /Invalid argument/i.test(i.kernelCheck.detail)) {
    return `${reasonOf(mode, ctx, devs, i.name)} (the kernel's own input lookup on ${i.name} refuses the source)`;
  }
  const drops = mode === 1 ? !ctx.egress.ok || !devs.includes(i.name) : !ctx.egress.ok || ctx.egress.type !== "unicast";
  return drops ? reasonOf(mode, ctx, devs, i.name) : undefined;
}

function checkReversePath(ctx: Ctx): Finding[] {
  if (ctx.family !== 4 || !ctx.vipStatus.local) return [];
  const out: Finding[] = [];
  const devs = replyDevices(ctx.egress);
  // rp_filter is per interface: one finding per interface, primary when any hop on it is
  const names = [...new Set(ctx.ingress.map((i) => i.name))];
  for (const name of names) {
    const i = ctx.ingress.find((x) => x.name === name && x.primary) ?? ctx.ingress.find((x) => x.name === name)!;
    const rp = ctx.interfaces.find((h) => h.name === i.name)?.rpFilter ?? null;
    const mode = rp?.effective ?? null;
    const why = reversePathDrop(ctx, i, mode, devs);
    if (why === undefined || rp === null) continue;
    const cause = rp.all !== null && rp.iface !== null && rp.all > rp.iface
      ? ` (conf.all.rp_filter=${rp.all} overrides ${i.name}=${rp.iface}: the kernel uses the max)` : "";
    out.push({
      code: "REVERSE_PATH_DROP", severity: i.primary ? "error" : "warning", interface: i.name,
      message: `${mode === 1 ? "strict" : "loose"} rp_filter (${mode}) on ${i.name}${cause} drops requests from ${ctx.client} arriving there: ${why}`,
      fix: reversePathFix(ctx, i),
    });
  }
  return out;
}

function reversePathFix(ctx: Ctx, i: IngressInterface): Finding["fix"] {
  const loosen = sysctlSnippet("rpFilter", i.name, ctx.egress.ok ? 2 : 0, 0);
  const how = `loosen rp_filter on ${i.name} (and keep all no higher: the kernel uses max(all, iface))`;
  if (!i.primary) {
    return {
      description: `replies leave by ${ctx.egress.interface ?? "another interface"}, so requests the router sends over ${i.name} fail the check: ${how}, or announce the VIP only where replies leave`,
      config: [loosen],
    };
  }
  if (ctx.input.vipConfig?.return !== undefined) {
    return { description: `the VIP's return path is configured but not in effect: apply it; or ${how}`, config: [loosen], command: "fibwarden reconcile --apply" };
  }
  return {
    description: `send replies from the VIP back out of ${i.name} (a \`return\` for the VIP: strict rp_filter then passes), or ${how}`,
    config: [...(ctx.egress.ok ? returnSnippets(ctx.vip, ctx.input.vipConfig, i) : []), loosen],
    command: "fibwarden reconcile --apply",
  };
}

function checkReturnRoute(ctx: Ctx): Finding[] {
  if (ctx.egress.ok || !ctx.vipStatus.local) return [];
  const primary = ctx.ingress.find((i) => i.primary);
  return [{
    code: "NO_RETURN_ROUTE", severity: "error",
    message: `replies from ${ctx.vip} to ${ctx.client} cannot leave: \`${ctx.egress.lookup}\` fails (${ctx.egress.error ?? "?"})`,
    fix: primary !== undefined && ctx.input.vipConfig?.return === undefined
      ? { description: `give the VIP a return path out of ${primary.name}`, config: returnSnippets(ctx.vip, ctx.input.vipConfig, primary) }
      : { description: "add a route back to the client (or apply the VIP's configured return path)", config: [], command: "fibwarden reconcile --apply" },
  }];
}

/** `na0 from 10.111.1.1 (up_a4)`. */
const ingressText = (i: IngressInterface): string => `${i.name} from ${i.gateway ?? "?"}${i.sessions.length > 0 ? ` (${i.sessions.join(", ")})` : ""}`;

/** `lan0 via 10.113.0.1 (table main)` / `lan0 straight to the client 10.113.0.3 (on-link, table main)`. */
function egressText(ctx: Ctx): string {
  const table = ctx.egress.table === 254 ? "main" : String(ctx.egress.table);
  return ctx.egress.gateway !== null
    ? `${ctx.egress.interface ?? "?"} via ${ctx.egress.gateway} (table ${table})`
    : `${ctx.egress.interface ?? "?"} straight to the client ${ctx.client} (on-link, table ${table})`;
}

function checkAsymmetry(ctx: Ctx): Finding[] {
  if (!ctx.egress.ok || !ctx.vipStatus.local || ctx.ingress.length === 0) return [];
  const hops = egressHops(ctx.egress);
  const primary = ctx.ingress.filter((i) => i.primary);
  const hasReturn = ctx.input.vipConfig?.return !== undefined;
  if (primary.length > 0 && !primary.some((i) => sameHop(i, hops))) {
    // a primary on the replies' interface whose router is not their next hop: F5
    const sameDev = primary.filter((i) => i.gateway !== null && hops.some((h) => h.interface === i.name));
    const unknownHop = primary.filter((i) => i.gateway === null && hops.some((h) => h.interface === i.name));
    if (sameDev.length === 0 && unknownHop.length > 0) return []; // the interface matches and the router is unknown: see notes
    const target = sameDev[0] ?? primary[0]!;
    const message = sameDev.length > 0
      ? `requests come in by ${sameDev.map(ingressText).join(", ")} but replies leave by ${egressText(ctx)}: same interface, different next hop; `
        + `a stateful firewall on ${target.gateway ?? "the router"} sees only one direction of the flow and drops it`
      : `requests come in by ${primary.map(ingressText).join(", ")} but replies leave by ${egressText(ctx)}: a stateful hop drops them, or they never reach the client`;
    return [{
      code: "ASYMMETRIC_RETURN", severity: "error", ...(sameDev.length === 1 ? { interface: target.name } : {}),
      message,
      fix: hasReturn
        ? {
          description: `the VIP's return path (${target.name} via ${target.gateway ?? "?"}) is configured but not in effect: apply it (its source table and \`from ${ctx.vip}\` rule are missing, or an earlier rule wins)`,
          config: [], command: "fibwarden reconcile --apply",
        }
        : {
          description: `give the VIP a \`return\`: a source table and a \`from ${ctx.vip}\` rule that send replies back through ${target.gateway ?? "the router"} on ${target.name}, the hop the requests come from`,
          config: returnSnippets(ctx.vip, ctx.input.vipConfig, target),
          command: "fibwarden reconcile --apply",
        },
    }];
  }
  const others = ctx.ingress.filter((i) => !sameHop(i, hops) && !(i.gateway === null && hops.some((h) => h.interface === i.name)));
  if (others.length === 0) return [];
  const egressName = ctx.egress.interface!;
  return [{
    code: "ASYMMETRIC_RETURN", severity: "warning",
    message: `${others.map(ingressText).join(", ")} also ${others.length === 1 ? "carries" : "carry"} the VIP: requests that come that way get replies by ${egressText(ctx)}`,
    fix: {
      description: `announce the VIP only over the session(s) whose router is the replies' next hop (${egressName} via ${ctx.egress.hop ?? "?"}), or make the router prefer them (one return path per VIP); or accept the asymmetry on the router`,
      config: [],
    },
  }];
}

function checkRedirects(ctx: Ctx): Finding[] {
  if (ctx.family !== 4) return [];
  const hops = ctx.interfaces.filter((h) => h.forwarding === 1 && h.sendRedirects?.effective === 1);
  if (hops.length === 0) return [];
  const values = hops.map((h) => `${h.name}=${h.sendRedirects?.iface ?? "?"}`).join(", ");
  const all = hops[0]!.sendRedirects?.all ?? "?";
  return [{
    code: "ICMP_REDIRECTS", severity: "hint", ...(hops.length === 1 ? { interface: hops[0]!.name } : {}),
    message: `the node forwards on ${hops.map((h) => h.name).join(", ")} and sends ICMP redirects there (send_redirects all=${all}, ${values}; the kernel uses all OR iface): `
      + "clients that follow a redirect bypass this node and others (Android, Windows) do not, which hides an asymmetric path from some clients only (F5)",
    fix: {
      description: "turn redirects off on these interfaces and on all (either one keeps them on)",
      config: [`sysctls: {sendRedirects: {all: 0, ${hops.map((h) => `${h.name}: 0`).join(", ")}}}`],
    },
  }];
}

/**
 * The managed ranges against known and live users, as `fibwarden check` reports them: a foreign
 * rule or route live in them, or systemd-networkd set to remove foreign rules and routes (it
 * removes the VIP's rule on its next link event), is a finding, but only a warning (it does not by
 * itself break this flow now); an overlap with an agent's known range (RANGE_OVERLAP_*: the agent may not run here) is
 * a note naming its code.
 */
function checkSharing(input: DoctorInput): { findings: Finding[]; notes: string[] } {
  if (input.sharing === undefined) return { findings: [], notes: [] };
  const { findings } = checkSharedRanges({ ...input.sharing, live: { rules: input.live.rules, routes: input.live.routes } });
  const out: Finding[] = [];
  const notes: string[] = [];
  for (const f of findings) {
    if (f.code === "FOREIGN_RULE_IN_RANGE" || f.code === "FOREIGN_ROUTE_IN_TABLE" || f.code === "FOREIGN_MANAGER") {
      out.push({
        code: f.code, severity: "warning", message: `${f.message} (agent: ${f.agent})`,
        fix: { description: f.fix.description, config: f.fix.config, command: "fibwarden check" },
      });
    } else {
      notes.push(`${f.code} (${f.agent}): ${f.message}; fix: ${f.fix.description} (see \`fibwarden check\`)`);
    }
  }
  return { findings: out, notes };
}
