// The way replies leave (`ip route get CLIENT from VIP`, with the siblings of a multipath route)
// and the comparison of next hops: the expected ingress hop (the router the requests come from)
// against the egress hop (the replies' gateway, or the client itself when it is on-link). The
// same interface with another L3 neighbor is not symmetric: a stateful firewall on the router
// sees one direction only (F5). Pure.
import type { LiveState } from "../core/plan/types.js";
import { prefixContains, type Family } from "../core/net/ip.js";
import type { RouteLookup } from "./route-get.js";
import type { EgressView, HopRef, IngressInterface, PathComparison } from "./types.js";

/** The live route a lookup matched (longest prefix, lowest metric), to list multipath siblings. */
function matchLiveRoute(live: LiveState, family: Family, table: number, dst: string) {
  let best: LiveState["routes"][number] | undefined;
  let bestLen = -1;
  for (const r of live.routes) {
    if (r.family !== family || r.table !== table || r.type !== "unicast" || r.tos !== 0) continue;
    const len = Number(r.dst.slice(r.dst.lastIndexOf("/") + 1));
    if (len < bestLen || !prefixContains(r.dst, dst)) continue;
    if (len === bestLen && best !== undefined && r.metric >= best.metric) continue;
    best = r;
    bestLen = len;
  }
  return best;
}

/** The way replies leave, from the kernel's lookup and the live route it matched. */
export function describeEgress(vip: string, client: string, family: Family, reply: RouteLookup, live: LiveState): EgressView {
  const lookup = `ip -${family} route get ${client} from ${vip}`;
  if (!reply.ok) {
    return { lookup, ok: false, interface: null, gateway: null, hop: null, table: null, type: null, alternatives: [], alternativeHops: [], error: reply.message };
  }
  const hop = reply.gateway ?? client;
  const route = matchLiveRoute(live, family, reply.table, client);
  const nexthops = (route?.nexthops ?? []).flatMap((n) => (n.dev === undefined ? [] : [{ interface: n.dev, hop: n.gateway ?? client }]));
  const multipath = nexthops.some((n) => n.interface === reply.dev);
  const alternatives = multipath ? [...new Set(nexthops.map((n) => n.interface).filter((d) => d !== reply.dev))].sort() : [];
  const seen = new Set([`${reply.dev} ${hop}`]);
  const alternativeHops = multipath ? nexthops.filter((n) => !seen.has(`${n.interface} ${n.hop}`) && seen.add(`${n.interface} ${n.hop}`)) : [];
  return {
    lookup, ok: true, interface: reply.dev, gateway: reply.gateway ?? null, hop, table: reply.table, type: reply.type,
    alternatives, alternativeHops, error: null,
  };
}

/** Every (interface, next hop) the replies may take: the lookup's and its multipath siblings'. */
export function egressHops(egress: EgressView): HopRef[] {
  return egress.interface === null ? [] : [{ interface: egress.interface, hop: egress.hop }, ...egress.alternativeHops];
}

/** The egress hop that is the ingress hop `i` itself (same interface, same L3 neighbor), if replies may take it. */
const backHop = (i: IngressInterface, hops: readonly HopRef[]): HopRef | undefined =>
  hops.find((h) => h.interface === i.name && i.gateway !== null && h.hop === i.gateway);

/** True when replies may leave by the ingress hop itself (same interface, same L3 neighbor). */
export const sameHop = (i: IngressInterface, hops: readonly HopRef[]): boolean => backHop(i, hops) !== undefined;

/** Compares the expected ingress hop with the replies' next hop. */
export function comparePath(ingress: readonly IngressInterface[], egress: EgressView): PathComparison {
  if (!egress.ok || egress.interface === null) return { compared: false, reason: `replies have no route (${egress.error ?? "?"})` };
  const primary = ingress.filter((i) => i.primary);
  if (primary.length === 0) {
    return { compared: false, reason: "the ingress is unknown (no Established BGP session carries the VIP, or BIRD was not observed)" };
  }
  const hops = egressHops(egress);
  for (const i of primary) {
    const back = backHop(i, hops);
    if (back !== undefined) return { compared: true, same: true, ingress: { interface: i.name, hop: i.gateway }, egress: back };
  }
  const known = primary.find((i) => i.gateway !== null);
  if (known === undefined) return { compared: false, reason: `the router requests come from on ${primary.map((i) => i.name).join(", ")} is unknown` };
  return { compared: true, same: false, ingress: { interface: known.name, hop: known.gateway }, egress: { interface: egress.interface, hop: egress.hop } };
}
