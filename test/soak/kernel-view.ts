/** Reads the node's kernel state numerically (`ip -N -json`) and normalizes the keys the soak compares. */
import type { LabNamespace } from "../lab/index.js";

/** A route as the soak compares it. */
export interface KRoute {
  table: number;
  dst: string;
  metric: number;
  protocol: number;
  type: string;
  gateway?: string;
  dev?: string;
  nexthops: number;
  prefsrc?: string;
}

/** A rule as the soak compares it. */
export interface KRule {
  priority: number;
  src: string;
  table: number;
  protocol: number;
}

/** An address on a device. */
export interface KAddr {
  local: string;
  prefixlen: number;
  label: string;
}

export const routeKey = (table: number, dst: string, metric: number): string => `${table}|${dst}|${metric}`;
export const ruleKey = (r: KRule): string => `${r.priority}|${r.src}|${r.table}|${r.protocol}`;

function normDst(dst: string): string {
  if (dst === "default") return "0.0.0.0/0";
  return dst.includes("/") ? dst : `${dst}/32`;
}

const TYPES: Record<string, string> = { "1": "unicast", "6": "blackhole", "7": "unreachable", "8": "prohibit" };

export async function readRoutes(ns: LabNamespace): Promise<KRoute[]> {
  const out = await ns.ip(["-N", "-4", "-json", "route", "show", "table", "all"]);
  const raw = out.trim() === "" ? [] : (JSON.parse(out) as Record<string, unknown>[]);
  return raw.map((r) => {
    const route: KRoute = {
      table: r.table === undefined ? 254 : Number(r.table),
      dst: normDst(String(r.dst)),
      metric: r.metric === undefined ? 0 : Number(r.metric),
      protocol: r.protocol === undefined ? 3 : Number(r.protocol),
      type: r.type === undefined ? "unicast" : TYPES[String(r.type)] ?? String(r.type),
      nexthops: Array.isArray(r.nexthops) ? r.nexthops.length : 1,
    };
    if (typeof r.gateway === "string") route.gateway = r.gateway;
    if (typeof r.dev === "string") route.dev = r.dev;
    if (typeof r.prefsrc === "string") route.prefsrc = r.prefsrc;
    return route;
  });
}

export async function readRules(ns: LabNamespace): Promise<KRule[]> {
  const out = await ns.ip(["-N", "-4", "-json", "rule", "show"]);
  const raw = out.trim() === "" ? [] : (JSON.parse(out) as Record<string, unknown>[]);
  return raw.map((r) => ({
    priority: Number(r.priority ?? 0),
    src: r.src === "all" || r.src === undefined ? "all" : `${String(r.src)}/${String(r.srclen ?? 32)}`,
    table: Number(r.table ?? 0),
    protocol: r.protocol === undefined ? 0 : Number(r.protocol),
  }));
}

export async function readAddrs(ns: LabNamespace, dev: string): Promise<KAddr[]> {
  const out = await ns.ip(["-4", "-json", "addr", "show", "dev", dev]);
  const raw = JSON.parse(out) as { addr_info?: { family: string; local: string; prefixlen: number; label?: string }[] }[];
  return (raw[0]?.addr_info ?? []).filter((a) => a.family === "inet").map((a) => ({ local: a.local, prefixlen: a.prefixlen, label: a.label ?? dev }));
}

export async function readLinks(ns: LabNamespace): Promise<string[]> {
  const out = await ns.ip(["-json", "link", "show"]);
  return (JSON.parse(out) as { ifname: string }[]).map((l) => l.ifname);
}
