// Pure helpers around per-interface sysctls: valid ranges, text parsing, and the value the
// kernel actually applies on an interface (which also depends on `conf.all`).
import { FibwardenError } from "../errors.js";
import {
  effectiveAcceptRedirects, effectiveRpFilter, effectiveSendRedirects, type SysctlName, type SysctlValue,
} from "./sysctl.js";

/** Every sysctl fibwarden reads and writes, in a stable order. */
export const SYSCTL_NAMES: readonly SysctlName[] = ["rp_filter", "send_redirects", "accept_redirects"];

const RANGES: Record<SysctlName, { min: number; max: number }> = {
  rp_filter: { min: 0, max: 2 },
  send_redirects: { min: 0, max: 1 },
  accept_redirects: { min: 0, max: 1 },
};

/** True when `name` is a sysctl fibwarden manages. */
export function isSysctlName(name: string): name is SysctlName {
  return Object.prototype.hasOwnProperty.call(RANGES, name);
}

/** The values fibwarden accepts for a sysctl (rp_filter 0..2, the others 0..1). */
export function sysctlRange(name: SysctlName): { min: number; max: number } {
  return RANGES[name];
}

/** Parses the text of a /proc/sys file (`"1\n"`) into an integer; throws FW_SYSCTL. */
export function parseSysctlText(text: string, what: string): number {
  const t = text.trim();
  if (!/^-?[0-9]{1,10}$/.test(t)) throw new FibwardenError("FW_SYSCTL", `${what}: not an integer: ${JSON.stringify(text)}`);
  return Number(t);
}

/** The value the kernel applies on `iface` given `conf.all` (for `all`/`default`: the value itself). */
export function effectiveSysctl(name: SysctlName, all: number, value: number, iface: string): number {
  if (iface === "all" || iface === "default") return value;
  switch (name) {
    case "rp_filter": return effectiveRpFilter(all, value);
    case "send_redirects": return effectiveSendRedirects(all, value);
    case "accept_redirects": return effectiveAcceptRedirects(all, value);
  }
}

/** Adds the effective value to each reading, using the `all` value of the same name from the list. */
export function withEffectiveValues(values: readonly SysctlValue[]): Array<SysctlValue & { effective: number }> {
  const all = new Map<SysctlName, number>();
  for (const v of values) if (v.iface === "all") all.set(v.name, v.value);
  return values.map((v) => {
    const a = all.get(v.name);
    return { ...v, effective: a === undefined ? v.value : effectiveSysctl(v.name, a, v.value, v.iface) };
  });
}
