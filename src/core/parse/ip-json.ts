// Wire schemas for `ip -json` output and their normalization into the core model. The wire is
// validated with zod at the edge: unknown fields are tolerated, the fields fibwarden relies on
// are checked. Traps handled here: without `-details` iproute2 omits defaults (proto boot, table
// main, type unicast, IPv4 metric 0, scope global), prints host routes without /32 or /128,
// prints `default`, gives numeric protocols and tables as strings, and shows multipath as a
// `nexthops` array with no top-level gateway; IPv6 blackhole-like routes sit on `lo`; IPv6
// local routes really have metric 0 (only a missing metric means the kernel default 1024).
//
// Hot path: a route dump can hold a million elements. Each element is first checked by a
// hand-written guard that accepts a subset of what the zod schema accepts (a property test pins
// that); only elements the guard rejects go through zod, which then produces the error message.
import { z } from "zod";
import { FibwardenError } from "../errors.js";
import { canonicalPrefix, type Family } from "../net/ip.js";
import type { InterfaceAddress } from "../model/address.js";
import { protocolNumber, scopeNumber, tableNumber } from "../model/names.js";
import { IPV6_DEFAULT_METRIC, validateRoute } from "../model/normalize.js";
import { compareNexthops, isNexthopLessType, routeTypeOf, type Nexthop, type Route } from "../model/route.js";
import type { Rule, RuleAction } from "../model/rule.js";
import { canonicalJson } from "../plan/canonical-json.js";
import { canonicalAddressMemo, canonicalPrefixFast, createMemo } from "./fast-canonical.js";

const numOrStr = z.union([z.number(), z.string()]);
const flags = z.array(z.string()).optional();

const wireNexthop = z.looseObject({
  gateway: z.string().optional(),
  via: z.looseObject({ family: z.string().optional(), host: z.string() }).optional(),
  dev: z.string().optional(),
  weight: z.number().int().optional(),
  flags,
});

/** The nexthop object of a route through one (`nhid`), as `-details` prints it (`nh_info`). */
const wireNhInfo = z.looseObject({ gateway: z.string().optional(), dev: z.string().optional(), flags });

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
  nh_info: wireNhInfo.optional(),
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

/**
 * iproute2 prints a TOS by its name from /etc/iproute2/rt_dsfield when it has one (`"tos":
 * "CS1"`): these are the names iproute2 ships. A site-specific name is still an error.
 */
const DSFIELD_NAMES: Readonly<Record<string, number>> = {
  default: 0x00, AF11: 0x28, AF12: 0x30, AF13: 0x38, AF21: 0x48, AF22: 0x50, AF23: 0x58, AF31: 0x68,
  AF32: 0x70, AF33: 0x78, AF41: 0x88, AF42: 0x90, AF43: 0x98, CS1: 0x20, CS2: 0x40, CS3: 0x60,
  CS4: 0x80, CS5: 0xa0, CS6: 0xc0, CS7: 0xe0, EF: 0xb8,
};

function parseTos(v: string | number | undefined, what: string): number {
  if (v === undefined) return 0;
  const n = typeof v === "number" ? v : /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^[0-9]+$/.test(v) ? Number(v)
    : Object.hasOwn(DSFIELD_NAMES, v) ? DSFIELD_NAMES[v]! : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 255) fail(what, `unknown tos ${JSON.stringify(v)}`);
  return n;
}

function parseMark(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "number" ? v : /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^[0-9]+$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : fail("rule", `bad fwmark ${JSON.stringify(v)}`);
}

// Names repeat on every element of a dump: resolve each distinct text once (bounded memo).
const tableOf = createMemo(1024, (t) => tableNumber(t));
const protocolOf = createMemo(1024, (t) => protocolNumber(t));
const scopeOf = createMemo(64, (t) => scopeNumber(t));
const lookupName = (memo: (k: string) => number | undefined, slow: (v: number) => number | undefined, v: string | number): number | undefined =>
  typeof v === "string" ? memo(v) : slow(v);

function toNexthop(w: z.infer<typeof wireNexthop>, family: Family): Nexthop {
  const nh: Nexthop = { weight: w.weight ?? 1, onlink: w.flags !== undefined && w.flags.includes("onlink") };
  const gw = w.gateway ?? w.via?.host;
  if (gw !== undefined) nh.gateway = canonicalAddressMemo(gw, w.via ? undefined : family);
  if (w.dev !== undefined) nh.dev = w.dev;
  return nh;
}

/**
 * Normalizes one validated wire route of a known family into the model. `defaultTable` is the
 * table of routes that print none: main (254) for `table all`, and the filtered table for
 * `route show table N`, where iproute2 leaves the `table` key out of every route.
 */
export function normalizeRoute(w: z.infer<typeof wireRoute>, family: Family, defaultTable = 254): Route {
  const type = routeTypeOf(w.type ?? "unicast");
  if (type === undefined) fail("route", `unknown type ${JSON.stringify(w.type)}`, w);
  const table = w.table === undefined ? defaultTable : lookupName(tableOf, tableNumber, w.table);
  if (table === undefined) fail("route", `unknown table ${JSON.stringify(w.table)}`, w);
  const protocol = w.protocol === undefined ? 3 : lookupName(protocolOf, protocolNumber, w.protocol);
  if (protocol === undefined) fail("route", `unknown protocol ${JSON.stringify(w.protocol)}`, w);
  const scope = w.scope === undefined ? 0 : lookupName(scopeOf, scopeNumber, w.scope);
  if (scope === undefined) fail("route", `unknown scope ${JSON.stringify(w.scope)}`, w);
  let nexthops: Nexthop[];
  if (isNexthopLessType(type)) nexthops = [];
  else if (w.nexthops) {
    nexthops = [];
    for (const n of w.nexthops) nexthops.push(toNexthop(n, family));
  } else if (w.gateway !== undefined || w.via !== undefined || w.dev !== undefined) {
    nexthops = [toNexthop({ gateway: w.gateway, via: w.via, dev: w.dev, flags: w.flags }, family)];
  } else if (w.nh_info !== undefined && (w.nh_info.gateway !== undefined || w.nh_info.dev !== undefined)) {
    // A route through a nexthop object (zebra's, `nhid`) shows its nexthop only while
    // net.ipv4.nexthop_compat_mode is 1; at 0 it carries the `nhid` alone, and `-details` adds
    // the object. A group object lists member ids only: such a route stays without nexthops here.
    nexthops = [toNexthop(w.nh_info, family)];
  } else nexthops = [];
  if (nexthops.length > 1) nexthops.sort(compareNexthops);
  // IPv6: the kernel turns a requested metric 0 into 1024, but its own local routes do carry
  // metric 0 and iproute2 prints it; only a missing metric means the default.
  const metric = w.metric ?? (family === 6 ? IPV6_DEFAULT_METRIC : 0);
  const route: Route = {
    family, table, dst: canonicalPrefixFast(w.dst, family), type, protocol, metric,
    tos: family === 6 ? 0 : parseTos(w.tos ?? w.dsfield, "route"),
    scope: family === 6 ? 0 : scope,
    nexthops,
  };
  if (w.prefsrc !== undefined) route.prefsrc = canonicalAddressMemo(w.prefsrc, family);
  // A unicast route through an nhid group shows no nexthop: looksValid passes it, so
  // validateRoute (which refuses a unicast route without nexthop) only runs when its table or
  // metric is out of range, and then throws for that.
  if (!looksValid(route)) validateRoute(route);
  return route;
}

/**
 * The checks of validateRoute that a normalized route can still fail, without allocating (the
 * hot path of a 1M-route dump). When it says no, validateRoute runs and throws the real error.
 */
function looksValid(r: Route): boolean {
  if (r.table === 0 || r.table > 0xffffffff || r.metric > 0xffffffff) return false;
  const v6 = r.family === 6;
  for (let i = 0; i < r.nexthops.length; i++) {
    const nh = r.nexthops[i]!;
    if (nh.gateway === undefined ? nh.dev === undefined : nh.gateway.includes(":") !== v6) return false;
  }
  return true;
}

const isStr = (v: unknown): boolean => v === undefined || typeof v === "string";
const isNumOrStr = (v: unknown): boolean => v === undefined || typeof v === "string" || typeof v === "number";
// zod's int() means a safe integer: 2**53 is not one.
const isInt = (v: unknown): boolean => v === undefined || Number.isSafeInteger(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function isFlags(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (const f of v) if (typeof f !== "string") return false;
  return true;
}

function isVia(v: unknown): boolean {
  return v === undefined || (isObj(v) && typeof v.host === "string" && isStr(v.family));
}

function isWireNexthop(v: unknown): boolean {
  return isObj(v) && isStr(v.gateway) && isVia(v.via) && isStr(v.dev) && isInt(v.weight) && isFlags(v.flags);
}

/**
 * Hand-written guard for one route element: accepts a subset of what `wireRoute` accepts, so
 * that elements passing it can skip zod on the hot path.
 */
export function isWireRoute(v: unknown): v is z.infer<typeof wireRoute> {
  if (!isObj(v) || typeof v.dst !== "string") return false;
  if (!isStr(v.type) || !isStr(v.gateway) || !isStr(v.dev) || !isStr(v.prefsrc) || !isVia(v.via)) return false;
  if (!isNumOrStr(v.table) || !isNumOrStr(v.protocol) || !isNumOrStr(v.scope) || !isNumOrStr(v.tos) || !isNumOrStr(v.dsfield)) return false;
  const m = v.metric;
  if (m !== undefined && !(Number.isSafeInteger(m) && (m as number) >= 0)) return false;
  if (!isFlags(v.flags)) return false;
  const nh = v.nh_info;
  if (nh !== undefined && !(isObj(nh) && isStr(nh.gateway) && isStr(nh.dev) && isFlags(nh.flags))) return false;
  const nhs = v.nexthops;
  if (nhs !== undefined) {
    if (!Array.isArray(nhs)) return false;
    for (const nh of nhs) if (!isWireNexthop(nh)) return false;
  }
  return true;
}

/** Validates (guard first, zod on a miss) and normalizes one element of a route dump. */
export function normalizeWireRoute(item: unknown, family: Family, defaultTable = 254): Route {
  if (isWireRoute(item)) return normalizeRoute(item, family, defaultTable);
  const res = wireRoute.safeParse(item);
  if (!res.success) fail("route", z.prettifyError(res.error), item);
  return normalizeRoute(res.data, family, defaultTable);
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

/**
 * Parses and normalizes `ip -<family> -json [-details] route show table all` output; pass the
 * table as `defaultTable` for `route show table N` output, which names no table.
 */
export function parseIpRoutes(text: string, family: Family, defaultTable = 254): Route[] {
  return parseArray(text, "route").map((item) => normalizeWireRoute(item, family, defaultTable));
}

const ACTIONS: Record<string, RuleAction> = {
  lookup: "lookup", to_tbl: "lookup", goto: "goto", nop: "nop", blackhole: "blackhole",
  unreachable: "unreachable", prohibit: "prohibit",
};
const MODELED_RULE_KEYS = new Set(["priority", "src", "srclen", "dst", "dstlen", "iif", "oif", "fwmark",
  "fwmask", "tos", "dsfield", "table", "action", "goto", "target", "protocol", "flags", "nop",
  // State, not selectors: `[unresolved]` (goto target missing), `[detached]` (device missing).
  // They change with the rest of the system and must not change the rule's identity.
  "unresolved", "iif_detached", "oif_detached"]);

function ruleAction(w: z.infer<typeof wireRule>): RuleAction | undefined {
  if (w.action !== undefined) return Object.prototype.hasOwnProperty.call(ACTIONS, w.action) ? ACTIONS[w.action] : undefined;
  // iproute2 prints a nop rule as `"nop": null` with no action key.
  if (Object.prototype.hasOwnProperty.call(w, "nop")) return "nop";
  return w.goto !== undefined ? "goto" : "lookup";
}

/** Normalizes one validated wire rule into the model. */
export function normalizeRule(w: z.infer<typeof wireRule>, family: Family): Rule {
  const action = ruleAction(w);
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
      const addr: InterfaceAddress = { family, dev: l.ifname, address: canonicalAddressMemo(a.local, family), prefixlen: a.prefixlen, scope };
      // iproute2 prints the label of every IPv4 address; it equals the device name unless set.
      if (family === 4 && a.label !== undefined && a.label !== l.ifname) addr.label = a.label;
      addresses.push(addr);
    }
  }
  return { links, addresses };
}
