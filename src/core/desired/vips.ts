// Service VIPs (MetalLB style) and their per-VIP source tables (field reports F3, F5): for each
// VIP, the address on its device, an announce route that BIRD learns from the announce table and
// exports over BGP, and a source table `default via GW dev IF` with a rule `from VIP lookup T`,
// so that replies leave by the path requests came in.
import type { Family } from "../net/ip.js";
import { canonicalAddress, hostPrefix, prefixContains } from "../net/ip.js";
import type { InterfaceAddress } from "../model/address.js";
import { SCOPE } from "../model/names.js";
import type { Route } from "../model/route.js";
import type { Rule } from "../model/rule.js";
import { IPV6_DEFAULT_METRIC } from "../model/normalize.js";
import { classifyRoute, classifyRule, ownedAddressLabel, type NumberRange, type OwnershipPolicy } from "../ownership.js";
import type { LiveState } from "../plan/types.js";

/** Where replies from a VIP leave: a gateway on a device. */
export interface ReturnPath {
  gateway: string;
  device: string;
}

/** One VIP as the desired-state builders need it (resolved from config and BIRD). */
export interface VipSpec {
  /** The VIP address (canonical or not). */
  address: string;
  /** Device carrying the address (default `lo`). */
  device: string;
  /** Kernel table BIRD learns announce routes from; absent: no announce route. */
  announceTable?: number;
  /** Return path for the source table; absent: no source table and no rule. */
  returnPath?: ReturnPath;
  /**
   * When the return path could not be resolved (the BGP peer is down), keep whatever source
   * table route of ours the kernel holds: the last good one.
   */
  keepLastReturn?: boolean;
}

/** A VIP that could not be built completely, and why. */
export interface VipProblem {
  vip: string;
  reason: string;
}

/** Inputs of the VIP builder. */
export interface VipBuildInput {
  vips: readonly VipSpec[];
  policy: OwnershipPolicy;
  /** The range source tables are taken from (a subset of the policy's tables). */
  sourceTables: NumberRange;
  /** Priority of the `from VIP lookup T` rules (inside the policy's rule range). */
  rulePriority: number;
  /** The live kernel: table assignments are read back from it, so they survive restarts. */
  live: LiveState;
  /**
   * True for a table that a live rule names, besides those in `live.rules` (an event pass gives
   * only the rules from the VIPs it composes, and asks the rule tracker about the tables of the
   * others: in use, never orphans).
   */
  ruledTable?: (table: number) => boolean;
}

/** What the VIP builder wants in the kernel. */
export interface VipDesired {
  routes: Route[];
  rules: Rule[];
  addresses: InterfaceAddress[];
  /** VIP address → source table number. */
  tables: Map<string, number>;
  problems: VipProblem[];
}

const familyOf = (addr: string): Family => (addr.includes(":") ? 6 : 4);

/**
 * Assigns each VIP a source table, stable across restarts and across other VIPs coming and going
 * (`ruled`: tables live rules left out of `live.rules` name, see VipBuildInput.ruledTable):
 * a VIP whose rule of ours already exists keeps its table; a VIP without one first takes back an
 * orphaned table (one holding only routes of ours, with no rule of ours pointing at it: what is
 * left when another agent, systemd-networkd say, removed the rules), then the lowest table of the
 * range that no route or rule of anyone uses. Deterministic: VIPs without a rule are served in
 * address order, orphans in table order, which gives each VIP back its own table after its rules
 * were removed (tables were handed out in the same orders); a mismatch costs a route replace.
 */
export function assignSourceTables(vips: readonly string[], live: LiveState, policy: OwnershipPolicy, range: NumberRange, ruled: (table: number) => boolean = () => false): { tables: Map<string, number>; problems: VipProblem[] } {
  const inRange = (t: number | undefined): t is number => t !== undefined && t >= range.from && t <= range.to;
  const wanted = new Set(vips.map((v) => hostPrefix(v)));
  const tables = new Map<string, number>();
  const used = new Set<number>();
  for (const r of live.routes) if (inRange(r.table)) used.add(r.table);
  for (const r of live.rules) if (inRange(r.table)) used.add(r.table);
  const existing = [...live.rules]
    .filter((r) => r.action === "lookup" && inRange(r.table) && r.from !== undefined && wanted.has(r.from) && classifyRule(policy, r) === "ours")
    .sort((a, b) => a.table! - b.table!);
  const taken = new Set<number>(); // tables already kept by a VIP (a Set: 10k VIPs made this quadratic)
  for (const r of existing) {
    const vip = r.from!.slice(0, r.from!.lastIndexOf("/"));
    if (!tables.has(vip) && !taken.has(r.table!)) {
      tables.set(vip, r.table!);
      taken.add(r.table!);
    }
  }
  const problems: VipProblem[] = [];
  let next = range.from;
  const fresh = [...new Set(vips.map((v) => canonicalAddress(v)))].filter((v) => !tables.has(v)).sort();
  const orphans = orphanTables(live, policy, inRange, taken).filter((t) => !ruled(t));
  for (const vip of fresh) {
    const orphan = orphans.shift();
    if (orphan !== undefined) {
      tables.set(vip, orphan);
      continue;
    }
    while (next <= range.to && (used.has(next) || ruled(next))) next++;
    if (next > range.to) {
      problems.push({ vip, reason: `no free source table left in ${range.from}-${range.to}` });
      continue;
    }
    tables.set(vip, next);
    used.add(next);
  }
  return { tables, problems };
}

/**
 * Source tables holding only routes of ours that no rule of ours points at (and no rule of anyone
 * else, and no VIP kept), in table order.
 */
function orphanTables(live: LiveState, policy: OwnershipPolicy, inRange: (t: number | undefined) => t is number, taken: ReadonlySet<number>): number[] {
  const pointed = new Set<number>();
  for (const r of live.rules) if (inRange(r.table)) pointed.add(r.table);
  const ours = new Set<number>();
  const foreign = new Set<number>();
  for (const r of live.routes) {
    if (!inRange(r.table)) continue;
    (classifyRoute(policy, r) === "ours" ? ours : foreign).add(r.table);
  }
  return [...ours].filter((t) => !pointed.has(t) && !foreign.has(t) && !taken.has(t)).sort((a, b) => a - b);
}

/** Builds the desired addresses, announce routes, source tables and rules of the VIPs. */
export function buildVipDesired(input: VipBuildInput): VipDesired {
  const { policy, live } = input;
  const out: VipDesired = { routes: [], rules: [], addresses: [], tables: new Map(), problems: [] };
  const needTable = input.vips.filter((v) => v.returnPath !== undefined || v.keepLastReturn).map((v) => v.address);
  const assigned = assignSourceTables(needTable, live, policy, input.sourceTables, input.ruledTable);
  out.tables = assigned.tables;
  out.problems.push(...assigned.problems);
  for (const spec of input.vips) {
    const vip = canonicalAddress(spec.address);
    const family = familyOf(vip);
    const host = hostPrefix(vip);
    const addr: InterfaceAddress = { family, dev: spec.device, address: vip, prefixlen: family === 4 ? 32 : 128, scope: SCOPE.global };
    if (family === 4) {
      const label = ownedAddressLabel(policy, spec.device);
      if (label === undefined) out.problems.push({ vip, reason: `device name ${spec.device} is too long for an ownership label; declare the VIP in ownership.vipRanges` });
      else addr.label = label;
    }
    out.addresses.push(addr);
    if (spec.announceTable !== undefined) {
      out.routes.push({
        family, table: spec.announceTable, dst: host, type: "unicast", protocol: policy.protocol,
        metric: family === 6 ? IPV6_DEFAULT_METRIC : 0, tos: 0, scope: family === 6 ? 0 : SCOPE.link,
        nexthops: [{ dev: spec.device, weight: 1, onlink: false }],
      });
    }
    const table = out.tables.get(vip);
    if (table === undefined) continue;
    let via: ReturnPath | undefined = spec.returnPath;
    if (via === undefined && spec.keepLastReturn) {
      const last = live.routes.find((r) => r.table === table && r.dst === (family === 4 ? "0.0.0.0/0" : "::/0")
        && classifyRoute(policy, r) === "ours" && r.nexthops.length === 1 && r.nexthops[0]!.gateway && r.nexthops[0]!.dev);
      if (last === undefined) {
        out.problems.push({ vip, reason: "return path unknown (BGP peer down?) and no last good source table route to keep" });
        continue;
      }
      via = { gateway: last.nexthops[0]!.gateway!, device: last.nexthops[0]!.dev! };
      out.problems.push({ vip, reason: `return path unknown; keeping the last good one via ${via.gateway} dev ${via.device}` });
    }
    if (via === undefined) continue;
    const gateway = canonicalAddress(via.gateway);
    if (familyOf(gateway) !== family) {
      out.problems.push({ vip, reason: `return gateway ${gateway} is not IPv${family}` });
      continue;
    }
    out.routes.push({
      family, table, dst: family === 4 ? "0.0.0.0/0" : "::/0", type: "unicast", protocol: policy.protocol,
      metric: family === 6 ? IPV6_DEFAULT_METRIC : 0, tos: 0, scope: SCOPE.global,
      nexthops: [{ gateway, dev: via.device, weight: 1, onlink: false }],
    });
    out.rules.push({ family, priority: input.rulePriority, from: host, tos: 0, action: "lookup", table, protocol: policy.protocol });
  }
  return out;
}

/**
 * Resolves a `bgpPeer` return path: the gateway is the BGP neighbor's address, the device the one
 * the kernel's main table routes that address through (longest prefix match over the live routes).
 */
export function resolvePeerReturn(neighborAddress: string, live: LiveState): ReturnPath | undefined {
  const gw = canonicalAddress(neighborAddress);
  const family = familyOf(gw);
  let best: Route | undefined;
  let bestLen = -1;
  for (const r of live.routes) {
    if (r.family !== family || r.table !== 254 || r.type !== "unicast" || r.nexthops.length !== 1) continue;
    const len = Number(r.dst.slice(r.dst.lastIndexOf("/") + 1));
    if (len < bestLen || !prefixContains(r.dst, gw)) continue;
    if (len === bestLen && best !== undefined && r.metric >= best.metric) continue;
    best = r;
    bestLen = len;
  }
  const dev = best?.nexthops[0]?.dev;
  return dev === undefined ? undefined : { gateway: gw, device: dev };
}
