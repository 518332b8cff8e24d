// Parses the text of `ip monitor label route rule link address netconf`. iproute2 6.1 has no
// JSON monitor output (`ip -json monitor` prints text), so this reads the `label` prefixes
// (`[ROUTE]`, `[RULE]`, `[LINK]`, `[ADDR]`, `[NETCONF]`) and, for routes, the few words that are
// cheap and unambiguous: `Deleted`, the destination and `table`. Lines that start with blanks
// continue the previous event (multipath nexthops, link/ether, lifetimes) and are skipped here;
// the watcher keeps them with their route event for ip-monitor-route.ts, which reads the whole route.
import { tableNumber } from "../model/names.js";
import { parseAddressEvent, parseRuleEvent, type AddressEvent, type RuleEvent } from "./ip-monitor-objects.js";
import { routeTypeOf, type Route } from "../model/route.js";
import { canonicalPrefix, type Family } from "../net/ip.js";

/** The kinds of kernel objects a monitor event can be about. */
export type ChangeKind = "route" | "rule" | "link" | "address" | "netconf";

/** A route change, when the monitor line said which one. */
export interface RouteChange {
  /** Absent when the line did not say (an IPv4/IPv6 `default` without gateway). */
  family?: Family;
  table: number;
  /** Canonical destination prefix. */
  dst: string;
  deleted: boolean;
  /**
   * The whole route as the kernel reported it (see ip-monitor-route.ts), equal to what a dump
   * would read; absent when the event's text (continuation lines included) was not fully
   * understood, and the caller must then re-read. For a deleted event this is what the kernel
   * said it deleted: when one nexthop of an IPv6 multipath route is deleted, that is the one
   * nexthop, and the route stays with the others without a new event. A new route does not say
   * whether it replaced the route of its key or was appended beside it (`ip route append`).
   * Events are not a complete log either: IPv4 routes over a link that goes down or away vanish
   * without any event, and the kernel drops events when the reader falls behind (`resync`).
   */
  route?: Route;
}

/** One monitor event. */
export interface MonitorEvent {
  kind: ChangeKind;
  /** Set for route events whose line could be read. */
  route?: RouteChange;
  /** Set for rule events in the plain form ip-monitor-objects.ts reads. */
  rule?: RuleEvent;
  /** Set for address events ip-monitor-objects.ts reads. */
  address?: AddressEvent;
}

const LABELS: Record<string, ChangeKind> = {
  "[ROUTE]": "route", "[RULE]": "rule", "[LINK]": "link", "[ADDR]": "address", "[NETCONF]": "netconf",
};

function routeFamily(dst: string, words: readonly string[]): Family | undefined {
  if (dst.includes(":")) return 6;
  if (dst.includes(".")) return 4;
  const via = words.indexOf("via");
  if (via >= 0) {
    // RTA_VIA prints the gateway's family first, and the kernel uses it only for an IPv6 gateway
    // of an IPv4 route (`via inet6 fe80::1`, RFC 5549): the route is IPv4.
    if (words[via + 1] === "inet6") return 4;
    const gw = words[via + 1] === "inet" ? words[via + 2] : words[via + 1];
    if (gw !== undefined) return gw.includes(":") ? 6 : 4;
  }
  // Only IPv6 routes carry a router preference.
  return words.includes("pref") ? 6 : undefined;
}

/** Reads the route words after the `[ROUTE]` label; undefined when the line is not understood. */
export function parseRouteWords(text: string): RouteChange | undefined {
  const words = text.trim().split(/\s+/);
  let i = 0;
  let deleted = false;
  if (words[i] === "Deleted") { deleted = true; i++; }
  else if (words[i] === "Replaced") i++;
  if (words[i] !== undefined && routeTypeOf(words[i]!) !== undefined) i++; // a type name, or its number (`ip -N`)
  const dstText = words[i];
  if (dstText === undefined) return undefined;
  const family = routeFamily(dstText, words);
  let dst: string;
  if (dstText === "default" && family === undefined) {
    dst = "default";
  } else {
    try {
      dst = canonicalPrefix(dstText, family);
    } catch {
      return undefined;
    }
  }
  const t = words.indexOf("table", i + 1);
  const table = t >= 0 ? tableNumber(words[t + 1] ?? "") : 254;
  if (table === undefined) return undefined;
  const out: RouteChange = { table, dst, deleted };
  if (family !== undefined) out.family = family;
  return out;
}

/** Parses one monitor line; undefined for continuation lines and anything unlabeled. */
export function parseMonitorLine(line: string): MonitorEvent | undefined {
  if (!line.startsWith("[")) return undefined;
  const close = line.indexOf("]");
  if (close < 0) return undefined;
  const kind = LABELS[line.slice(0, close + 1)];
  if (kind === undefined) return undefined;
  if (kind === "rule") {
    const rule = parseRuleEvent(line.slice(close + 1));
    return rule === undefined ? { kind } : { kind, rule };
  }
  if (kind === "address") {
    const address = parseAddressEvent(line.slice(close + 1));
    return address === undefined ? { kind } : { kind, address };
  }
  if (kind !== "route") return { kind };
  const route = parseRouteWords(line.slice(close + 1));
  return route === undefined ? { kind } : { kind, route };
}
