// Sysctl policy (field reports F2, F4, F5): rp_filter and send_redirects per interface pattern,
// for the interfaces that exist now (the daemon re-runs this when one appears). The kernel uses
// max(all, iface) for rp_filter and (all OR iface) for send_redirects, so a per-interface value
// can be made ineffective by `conf.all`: that is reported with the fix, never silently "fixed" by
// rewriting `all` unless the config names `all`.
import { effectiveRpFilter, effectiveSendRedirects, type SysctlName, type SysctlValue } from "../model/sysctl.js";

/** Pattern → value maps, as in the config's `sysctls` section. */
export interface SysctlPolicy {
  rpFilter?: Record<string, number>;
  sendRedirects?: Record<string, number>;
}

/** A desired value the kernel will not honour, and what would fix it. */
export interface SysctlProblem {
  iface: string;
  name: SysctlName;
  desired: number;
  effective: number;
  reason: string;
}

/** True when a glob (`*`, `?`) matches an interface name. `all`/`default` match only themselves. */
export function matchInterfacePattern(pattern: string, iface: string): boolean {
  if (iface === "all" || iface === "default") return pattern === iface;
  let re = "^";
  for (const ch of pattern) re += ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`${re}$`).test(iface);
}

/** How specific a pattern is: exact names first, then more literal characters. */
function specificity(pattern: string): number {
  const wild = (pattern.match(/[*?]/g) ?? []).length;
  return wild === 0 ? 1e6 : pattern.length - wild * 2;
}

/** The value the most specific matching pattern gives `iface`, if any. */
export function pickPatternValue(map: Record<string, number>, iface: string): number | undefined {
  let best: string | undefined;
  for (const p of Object.keys(map)) {
    if (!matchInterfacePattern(p, iface)) continue;
    if (best === undefined || specificity(p) > specificity(best) || (specificity(p) === specificity(best) && p < best)) best = p;
  }
  return best === undefined ? undefined : map[best];
}

/** Builds the desired sysctl values for `interfaces` and the problems that make some ineffective. */
export function buildSysctlDesired(policy: SysctlPolicy, interfaces: readonly string[], live: readonly SysctlValue[]): { sysctls: SysctlValue[]; problems: SysctlProblem[] } {
  const sysctls: SysctlValue[] = [];
  const problems: SysctlProblem[] = [];
  const liveValue = (iface: string, name: SysctlName) => live.find((s) => s.iface === iface && s.name === name)?.value;
  const targets = ["all", "default", ...[...new Set(interfaces)].filter((i) => i !== "all" && i !== "default").sort()];
  const sections: Array<[SysctlName, Record<string, number> | undefined]> = [["rp_filter", policy.rpFilter], ["send_redirects", policy.sendRedirects]];
  for (const [name, map] of sections) {
    if (map === undefined) continue;
    const allDesired = map.all;
    for (const iface of targets) {
      const v = pickPatternValue(map, iface);
      if (v === undefined || liveValue(iface, name) === undefined) continue;
      sysctls.push({ iface, name, value: v });
      if (iface === "all" || iface === "default") continue;
      const all = allDesired ?? liveValue("all", name) ?? 0;
      const effective = name === "rp_filter" ? effectiveRpFilter(all, v) : effectiveSendRedirects(all, v);
      const wantEffective = name === "rp_filter" ? v : v !== 0 ? 1 : 0;
      if (effective !== wantEffective) {
        problems.push({ iface, name, desired: v, effective,
          reason: `net.ipv4.conf.all.${name}=${all} makes ${iface}=${v} ineffective (the kernel uses ${name === "rp_filter" ? "max(all, iface)" : "all OR iface"}); set sysctls.${name === "rp_filter" ? "rpFilter" : "sendRedirects"}.all to ${v} (or lower conf.all) if that is intended` });
      }
    }
  }
  return { sysctls, problems };
}
