// Per-interface IPv4 sysctls that fibwarden reads and keeps (net.ipv4.conf.<iface>.<name>).

/** The sysctls fibwarden manages. */
export type SysctlName = "rp_filter" | "send_redirects" | "accept_redirects";

/** One sysctl value: `iface` is an interface name, `all` or `default`. */
export interface SysctlValue {
  iface: string;
  name: SysctlName;
  value: number;
}

/** The kernel's effective rp_filter for an interface: max(conf.all, conf.<iface>). */
export function effectiveRpFilter(all: number, iface: number): number {
  return Math.max(all, iface);
}

/** The kernel's effective send_redirects for an interface: conf.all OR conf.<iface>. */
export function effectiveSendRedirects(all: number, iface: number): number {
  return all !== 0 || iface !== 0 ? 1 : 0;
}

/** The kernel's effective accept_redirects when forwarding is off: conf.all AND conf.<iface>. */
export function effectiveAcceptRedirects(all: number, iface: number): number {
  return all !== 0 && iface !== 0 ? 1 : 0;
}
