// The config snippets the doctor proposes as fixes (YAML flow style, one line each, to merge
// into the configuration). Pure.
import type { DoctorVipConfig, IngressInterface } from "./types.js";

/** A `vips:` entry for `vip` with the given `return`, keeping its configured device and announce table. */
export function vipReturnSnippet(vip: string, cfg: DoctorVipConfig | undefined, ret: string): string {
  const device = cfg !== undefined && cfg.device !== "lo" ? `, device: ${cfg.device}` : "";
  const announce = cfg?.announceTable !== undefined ? `, announce: {table: ${cfg.announceTable}}` : "";
  return `vips: [{address: ${vip}${device}${announce}, return: ${ret}}]`;
}

/** `return` snippets that send replies out of `ingress`: by its BGP session first, then gateway + device. */
export function returnSnippets(vip: string, cfg: DoctorVipConfig | undefined, ingress: Pick<IngressInterface, "name" | "sessions" | "gateway">): string[] {
  const out: string[] = [];
  const session = [...ingress.sessions].sort()[0];
  if (session !== undefined) out.push(vipReturnSnippet(vip, cfg, `{bgpPeer: ${session}}`));
  out.push(vipReturnSnippet(vip, cfg, `{gateway: ${ingress.gateway ?? "ROUTER_ON_" + ingress.name}, device: ${ingress.name}}`));
  return out;
}

/** A `sysctls:` snippet setting one sysctl on `iface` and on `all` (which the kernel combines with it). */
export function sysctlSnippet(key: "rpFilter" | "sendRedirects", iface: string, value: number, all: number): string {
  return `sysctls: {${key}: {all: ${all}, ${iface}: ${value}}}`;
}
