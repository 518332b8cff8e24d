// The human form of `fibwarden doctor`: the VIP, the BGP sessions, where requests come in, where
// replies leave, the sysctls on those interfaces, the findings with their fixes, the verdict.
// Colour only when asked.
import type { DoctorReport } from "./doctor-json.js";

const COLORS = { green: 32, yellow: 33, red: 31, cyan: 36, dim: 2, bold: 1 } as const;

const RP_MODES = ["off", "strict", "loose"];

function triple(t: { all: number | null; iface: number | null; effective: number | null } | null, names?: readonly string[]): string {
  if (t === null) return "n/a";
  const show = (v: number | null) => (v === null ? "?" : String(v));
  const mode = names !== undefined && t.effective !== null ? ` ${names[t.effective] ?? ""}` : "";
  return `${show(t.all)}/${show(t.iface)} -> ${show(t.effective)}${mode}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}`.trimEnd());
}

/** Renders a doctor report for a terminal. */
export function renderDoctorText(r: DoctorReport, color: boolean): string {
  const c = (name: keyof typeof COLORS, s: string) => (color ? `\u001b[${COLORS[name]}m${s}\u001b[0m` : s);
  const out: string[] = [];
  out.push(c("bold", `flow ${r.client} -> ${r.vip} (IPv${r.family})${r.netns !== null ? ` in netns ${r.netns}` : ""}`), "");

  const v = r.vipStatus;
  const announce = v.announce === null ? "no announce route configured"
    : `announce route in table ${v.announce.table} ${v.announce.present ? "present" : c("red", "MISSING")}`;
  out.push(`VIP ${r.vip}: ${v.local ? `local on ${v.devices.join(", ") || "(local route)"}` : c("red", "NOT local")}; ${v.configured ? "configured" : "not in the config"}; ${announce}`);

  out.push("", c("bold", `BGP sessions (IPv${r.family})`));
  if (r.sessions.length === 0) out.push("  (none)");
  else {
    out.push(...table(r.sessions.map((s) => [
      s.protocol, s.state, `neighbor ${s.neighbor ?? "?"}`, `dev ${s.interface ?? "?"}`,
      s.exportsVip === null ? "exports the VIP: unknown" : s.exportsVip ? "exports the VIP" : "does not export the VIP",
    ])));
  }

  const src = r.ingress.source === "config" ? "the VIP's configured return path" : r.ingress.source === "bgp" ? "the BGP sessions that carry the VIP" : "unknown";
  out.push("", c("bold", `requests come in by (${src})`));
  if (r.ingress.interfaces.length === 0) out.push("  (no candidate interface)");
  else {
    out.push(...table(r.ingress.interfaces.map((i) => [
      i.name, i.primary ? "expected" : "also possible", i.via, i.sessions.join(",") || "-", `router ${i.gateway ?? "?"}`,
      i.kernelCheck === null ? "" : `kernel: ${i.kernelCheck.accepted ? "accepted" : c("red", `refused (${i.kernelCheck.detail})`)}`,
    ])));
  }

  const e = r.egress;
  out.push("", c("bold", "replies leave by"));
  out.push(e.ok
    ? `  ${e.interface}${e.gateway !== null ? ` via ${e.gateway}` : ""}, table ${e.table === 254 ? "main" : String(e.table)}${e.alternatives.length > 0 ? ` (multipath: also ${e.alternatives.join(", ")})` : ""}`
    : `  ${c("red", `no route: ${e.error ?? "?"}`)}`);
  out.push(c("dim", `  (${e.lookup})`));

  out.push("", c("bold", "next hops (the router requests come from, the next hop of the replies)"));
  out.push(`  ${pathLine(r, c)}`);

  if (r.interfaces.length > 0) {
    out.push("", c("bold", "interfaces on the path"));
    out.push(...table([
      ["name", "role", "rp_filter all/if -> eff", "send_redirects all/if -> eff", "forwarding"],
      ...r.interfaces.map((h) => [h.name, h.roles.join("+"), triple(h.rpFilter, RP_MODES), triple(h.sendRedirects), h.forwarding === null ? "?" : String(h.forwarding)]),
    ]));
  }

  if (r.findings.length > 0) {
    out.push("", c("bold", `findings (${r.findings.length})`));
    for (const f of r.findings) {
      const mark = f.severity === "error" ? c("red", "x") : f.severity === "warning" ? c("yellow", "!") : c("cyan", "i");
      out.push(`  ${mark} ${f.code} [${f.severity}]${f.interface !== undefined ? ` ${f.interface}` : ""}: ${f.message}`);
      out.push(`      fix: ${f.fix.description}`);
      f.fix.config.forEach((s, k) => out.push(`        ${k === 0 ? "" : "or: "}${s}`));
      if (f.fix.command !== undefined) out.push(`        then: ${f.fix.command}`);
    }
  }
  const notes = [...r.notes, ...r.observation.problems.map((p) => `${p.code}: ${p.message}`)];
  if (notes.length > 0) {
    out.push("", c("bold", "notes"), ...notes.map((n) => `  - ${n}`));
  }
  if (!r.observation.complete) out.push("", c("red", "observation INCOMPLETE: the verdict may be wrong"));
  const tone = r.verdict.breaks ? "red" : r.verdict.warnings > 0 || !r.verdict.expectedPathSymmetric ? "yellow" : "green";
  out.push("", `${c(tone, `verdict: ${r.verdict.code}`)}: ${r.verdict.summary}`);
  return `${out.join("\n")}\n`;
}

/** `requests from 10.113.0.1 on lan0, replies to 10.113.0.3 on lan0: DIFFERENT`. */
function pathLine(r: DoctorReport, c: (name: keyof typeof COLORS, s: string) => string): string {
  const p = r.path;
  if (!p.compared) return `not compared: ${p.reason}`;
  const onLink = p.egress.hop === r.client ? " (the client, on-link)" : "";
  const hops = `requests from ${p.ingress.hop ?? "?"} on ${p.ingress.interface}, replies to ${p.egress.hop ?? "?"}${onLink} on ${p.egress.interface}`;
  return `${hops}: ${p.same ? c("green", "same hop") : c("red", "DIFFERENT")}`;
}
