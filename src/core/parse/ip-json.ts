// Wire schemas for `ip -json` output and their normalization into the core model. The wire is
// validated with zod at the edge: unknown fields are tolerated, the fields fibwarden relies on
// are checked. Traps handled here: without `-details` iproute2 omits defaults (proto boot, table
// main, type unicast, IPv4 metric 0, scope global), prints host routes without /32 or /128,
// prints `default`, gives numeric protocols and tables as strings, and shows multipath as a
// `nexthops` array with no top-level gateway; IPv6 blackhole-like routes sit on `lo`.
import { z } from "zod";
import { FibwardenError } from "../errors.js";
import { canonicalAddress, canonicalPrefix, type Family } from "../net/ip.js";
import type { InterfaceAddress } from "../model/address.js";
import { protocolNumber, scopeNumber, tableNumber } from "../model/names.js";
import { IPV6_DEFAULT_METRIC, validateRoute } from "../model/normalize.js";
import { compareNexthops, isNexthopLessType, ROUTE_TYPES, type Nexthop, type Route, type RouteType } from "../model/route.js";
import type { Rule, RuleAction } from "../model/rule.js";
import { canonicalJson } from "../plan/canonical-json.js";

const numOrStr = z.union([z.number(), z.string()]);
const flags = z.array(z.string()).optional();

const wireNexthop = z.looseObject({
  gateway: z.string().optional(),
  via: z.looseObject({ family: z.string().optional(), host: z.string() }).optional(),
  dev: z.string().optional(),
  weight: z.number().int().optional(),
  flags,
});

/** One element of `ip -json route show` output. */
export const wireRoute = z.looseObject({
  type: z.string().optional(),
  dst: z.string(),
  gateway: z.string().optional(),
  via: z.looseObject({ family: z.string().optional(), host: z.string() }).optional(),
  dev: z.string().optional(),
  table: numOrStr.optional(),
  protocol: numOrStr.optional(),
  scope: numOrStr.optional(),
  prefsrc: z.string().optional(),
  metric: z.number().int().nonnegative().optional(),
  tos: numOrStr.optional(),
  dsfield: numOrStr.optional(),
  flags,
  nexthops: z.array(wireNexthop).optional(),
});

/** One element of `ip -json rule show` output. */
export const wireRule = z.looseObject({
  priority: z.number().int().nonnegative(),
  src: z.string().optional(),
  srclen: z.number().int().optional(),
  dst: z.string().optional(),
  dstlen: z.number().int().optional(),
  iif: z.string().optional(),
  oif: z.string().optional(),
  fwmark: numOrStr.optional(),
  fwmask: numOrStr.optional(),
  tos: numOrStr.optional(),
  dsfield: numOrStr.optional(),
  table: numOrStr.optional(),
  action: z.string().optional(),
  goto: z.number().int().optional(),
  target: z.number().int().optional(),
  protocol: numOrStr.optional(),
});

const wireAddrInfo = z.looseObject({
  family: z.string(),
  local: z.string().optional(),
  prefixlen: z.number().int(),
  scope: numOrStr.optional(),
  label: z.string().optional(),
});

/** One element of `ip -json addr show` output. */
export const wireLink = z.looseObject({
  ifindex: z.number().int(),
  ifname: z.string(),
  flags: flags,
  operstate: z.string().optional(),
  link_type: z.string().optional(),
  addr_info: z.array(wireAddrInfo).optional(),
});

function fail(what: string, detail: string, item?: unknown): never {
  throw new FibwardenError("FW_KERNEL_READ", `ip -json ${what}: ${detail}`, { details: { item } });
}

function parseTos(v: string | number | undefined, what: string): number {
  if (v === undefined) return 0;
  if (typeof v === "number") return v;
  const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 255) fail(what, `unknown tos ${JSON.stringify(v)}`);
  return n;
}

function parseMark(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "number") return v;
  const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : fail("rule", `bad fwmark ${v}`);
}

function toNexthop(w: z.infer<typeof wireNexthop>, family: Family): Nexthop {
  const nh: Nexthop = { weight: w.weight ?? 1, onlink: (w.flags ?? []).includes("onlink") };
  const gw = w.gateway ?? w.via?.host;
  if (gw !== undefined) nh.gateway = canonicalAddress(gw, w.via ? undefined : family);
  if (w.dev !== undefined) nh.dev = w.dev;
  return nh;
}

/** Normalizes one validated wire route of a known family into the model. */
export function normalizeRoute(w: z.infer<typeof wireRoute>, family: Family): Route {
  const type = (w.type ?? "unicast") as RouteType;
  if (!ROUTE_TYPES.includes(type)) fail("route", `unknown type ${JSON.stringify(w.type)}`, w);
  const table = w.table === undefined ? 254 : tableNumber(w.table);
  if (table === undefined) fail("route", `unknown table ${JSON.stringify(w.table)}`, w);
  const protocol = w.protocol === undefined ? 3 : protocolNumber(w.protocol);
  if (protocol === undefined) fail("route", `unknown protocol ${JSON.stringify(w.protocol)}`, w);
  const scope = w.scope === undefined ? 0 : scopeNumber(w.scope);
  if (scope === undefined) fail("route", `unknown scope ${JSON.stringify(w.scope)}`, w);
  let nexthops: Nexthop[];
  if (isNexthopLessType(type)) nexthops = [];
  else if (w.nexthops) nexthops = w.nexthops.map((n) => toNexthop(n, family));
  else if (w.gateway !== undefined || w.via !== undefined || w.dev !== undefined) {
    nexthops = [toNexthop({ gateway: w.gateway, via: w.via, dev: w.dev, flags: w.flags }, family)];
  } else nexthops = [];
  nexthops.sort(compareNexthops);
  let metric = w.metric ?? 0;
  if (family === 6 && metric === 0) metric = IPV6_DEFAULT_METRIC;
  const route: Route = {
    family, table, dst: canonicalPrefix(w.dst, family), type, protocol, metric,
    tos: family === 6 ? 0 : parseTos(w.tos ?? w.dsfield, "route"),
    scope: family === 6 ? 0 : scope,
    nexthops,
  };
  if (w.prefsrc !== undefined) route.prefsrc = canonicalAddress(w.prefsrc, family);
  // local/broadcast/multicast routes have a device but may lack a gateway: still valid.
  if (type !== "unicast" || nexthops.length > 0) validateRoute(route);
  return route;
}

function parseArray(text: string, what: string): unknown[] {
  let data: unknown;
  try {
    data = JSON.parse(text.trim() === "" ? "[]" : text);
  } catch (cause) {
    throw new FibwardenError("FW_KERNEL_READ", `ip -json ${what}: output is not JSON`, { cause });
  }
  if (!Array.isArray(data)) fail(what, "output is not a JSON array");
  return data;
}

/** Parses and normalizes `ip -<family> -json [-details] route show table all` output. */
export function parseIpRoutes(text: string, family: Family): Route[] {
  return parseArray(text, "route").map((item) => {
    const res = wireRoute.safeParse(item);
    if (!res.success) fail("route", z.prettifyError(res.error), item);
    return normalizeRoute(res.data, family);
  });
}

const ACTIONS: Record<string, RuleAction> = {
  lookup: "lookup", to_tbl: "lookup", goto: "goto", nop: "nop", blackhole: "blackhole",
  unreachable: "unreachable", prohibit: "prohibit",
};
const MODELED_RULE_KEYS = new Set(["priority", "src", "srclen", "dst", "dstlen", "iif", "oif", "fwmark",
  "fwmask", "tos", "dsfield", "table", "action", "goto", "target", "protocol", "flags"]);

/** Normalizes one validated wire rule into the model. */
export function normalizeRule(w: z.infer<typeof wireRule>, family: Family): Rule {
  const action: RuleAction | undefined = w.action === undefined ? (w.goto !== undefined ? "goto" : "lookup") : ACTIONS[w.action];
  if (action === undefined) fail("rule", `unknown action ${JSON.stringify(w.action)}`, w);
  const rule: Rule = { family, priority: w.priority, tos: parseTos(w.tos ?? w.dsfield, "rule"), action, protocol: 0 };
  if (w.src !== undefined && w.src !== "all") rule.from = canonicalPrefix(`${w.src}/${w.srclen ?? (family === 4 ? 32 : 128)}`, family);
  if (w.dst !== undefined && w.dst !== "all") rule.to = canonicalPrefix(`${w.dst}/${w.dstlen ?? (family === 4 ? 32 : 128)}`, family);
  if (w.iif !== undefined) rule.iif = w.iif;
  if (w.oif !== undefined) rule.oif = w.oif;
  const mark = parseMark(w.fwmark);
  if (mark !== undefined) rule.fwmark = { value: mark, mask: parseMark(w.fwmask) ?? 0xffffffff };
  if (action === "lookup") {
    const t = tableNumber(w.table ?? "main");
    if (t === undefined) fail("rule", `unknown table ${JSON.stringify(w.table)}`, w);
    rule.table = t;
  }
  if (action === "goto") rule.gotoPriority = w.goto ?? w.target;
  if (w.protocol !== undefined) {
    const p = protocolNumber(w.protocol);
    if (p === undefined) fail("rule", `unknown protocol ${JSON.stringify(w.protocol)}`, w);
    rule.protocol = p;
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(w)) if (!MODELED_RULE_KEYS.has(k)) extra[k] = v;
  if (Object.keys(extra).length > 0) rule.extra = canonicalJson(extra);
  return rule;
}

/** Parses and normalizes `ip -<family> -json [-details] rule show` output. */
export function parseIpRules(text: string, family: Family): Rule[] {
  return parseArray(text, "rule").map((item) => {
    const res = wireRule.safeParse(item);
    if (!res.success) fail("rule", z.prettifyError(res.error), item);
    return normalizeRule(res.data, family);
  });
}

/** A link as fibwarden needs it: name, index, state, type. */
export interface LinkInfo {
  ifindex: number;
  name: string;
  up: boolean;
  linkType?: string;
}

/** Parses `ip -json addr show` into links and their addresses. */
export function parseIpAddrs(text: string): { links: LinkInfo[]; addresses: InterfaceAddress[] } {
  const links: LinkInfo[] = [];
  const addresses: InterfaceAddress[] = [];
  for (const item of parseArray(text, "addr")) {
    const res = wireLink.safeParse(item);
    if (!res.success) fail("addr", z.prettifyError(res.error), item);
    const l = res.data;
    const link: LinkInfo = { ifindex: l.ifindex, name: l.ifname, up: (l.flags ?? []).includes("UP") };
    if (l.link_type !== undefined) link.linkType = l.link_type;
    links.push(link);
    for (const a of l.addr_info ?? []) {
      if ((a.family !== "inet" && a.family !== "inet6") || a.local === undefined) continue;
      const family: Family = a.family === "inet" ? 4 : 6;
      const scope = a.scope === undefined ? 0 : scopeNumber(a.scope);
      if (scope === undefined) fail("addr", `unknown scope ${JSON.stringify(a.scope)}`, a);
      const addr: InterfaceAddress = { family, dev: l.ifname, address: canonicalAddress(a.local, family), prefixlen: a.prefixlen, scope };
      // iproute2 prints the label of every IPv4 address; it equals the device name unless set.
      if (family === 4 && a.label !== undefined && a.label !== l.ifname) addr.label = a.label;
      addresses.push(addr);
    }
  }
  return { links, addresses };
}
