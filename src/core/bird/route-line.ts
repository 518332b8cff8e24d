// Pieces of a `show route` line: destination words, nexthops and the protocol info tail.
import type { AddressCache } from "./addresses.js";
import type { BirdNextHop, BirdRouteDest } from "./route-types.js";
import { parseUint, type StringInterner } from "./strings.js";

/** Thrown for text that does not fit; the parser adds the line to the message. */
export class RouteSyntaxError extends Error {}

/** Maps a BIRD 2/3 destination word (and BIRD 1.6's `multipath`) to a dest type. */
export function destFromWord(word: string): BirdRouteDest | undefined {
  switch (word) {
    case "unicast":
    case "multipath": return "unicast";
    case "blackhole": return "blackhole";
    case "unreachable": return "unreachable";
    case "prohibited": return "prohibited";
    case "recursive": return "recursive";
    case "": return "unknown";
    default: return undefined;
  }
}

/**
 * Parses nexthop words: `via <gw> [on <dev>]` or `dev <dev>`, then any of `mpls a/b/c`,
 * `onlink`, `weight <n>`, `table <t>` (BIRD 3 recursive). `words` may start with empty strings.
 */
export function parseNextHopWords(words: string[], addresses: AddressCache, strings: StringInterner): BirdNextHop {
  let i = 0;
  while (words[i] === "") i++;
  let gateway: string | undefined;
  let device: string | undefined;
  let weight = 1;
  let onlink = false;
  let mpls: number[] | undefined;
  const head = words[i];
  if (head === "via") {
    gateway = addresses.canonical(requireWord(words, i + 1));
    i += 2;
    if (words[i] === "on") {
      device = strings.intern(requireWord(words, i + 1));
      i += 2;
    }
  } else if (head === "dev") {
    device = strings.intern(requireWord(words, i + 1));
    i += 2;
  } else {
    throw new RouteSyntaxError(`expected "via" or "dev", found ${JSON.stringify(head ?? "")}`);
  }
  for (; i < words.length; i++) {
    const w = words[i];
    if (w === "" || w === undefined) continue;
    if (w === "onlink") onlink = true;
    else if (w === "weight") weight = requireUint(requireWord(words, ++i));
    else if (w === "mpls") mpls = requireWord(words, ++i).split("/").map(requireUint);
    else if (w === "table") i++;
    else throw new RouteSyntaxError(`unexpected nexthop word ${JSON.stringify(w)}`);
  }
  // Only the keys that are present, so that records compare equal across BIRD versions.
  const nh: BirdNextHop = gateway === undefined
    ? { device, weight, onlink }
    : device === undefined ? { gateway, weight, onlink } : { gateway, device, weight, onlink };
  if (mpls !== undefined) nh.mpls = mpls;
  return nh;
}

function requireWord(words: string[], i: number): string {
  const w = words[i];
  if (w === undefined || w === "") throw new RouteSyntaxError("a nexthop word is missing");
  return w;
}

function requireUint(s: string): number {
  const v = parseUint(s);
  if (v === undefined) throw new RouteSyntaxError(`not a number: ${JSON.stringify(s)}`);
  return v;
}

/** The fields of a route that the info tail fills in. */
export interface RouteInfoTarget {
  preference: number;
  summary?: string;
  info?: string;
}

/**
 * Parses the tail after the route's bracket and best-route marker into `route`:
 * `(100) [AS65000i]`, `(200)`, or protocol-specific forms such as OSPF's
 * `E2 (150/10/10000) [10.0.0.1]`, which are also kept whole in `info`.
 */
export function parseRouteInfo(text: string, strings: StringInterner, route: RouteInfoTarget): void {
  const open = text.indexOf("(");
  const close = open < 0 ? -1 : text.indexOf(")", open);
  if (close < 0) throw new RouteSyntaxError("the route line has no (preference)");
  let p = open + 1;
  let preference = 0;
  let digits = 0;
  for (; p < close; p++) {
    const d = text.charCodeAt(p) - 48;
    if (!(d >= 0 && d <= 9)) break;
    preference = preference * 10 + d;
    digits++;
  }
  if (digits === 0) throw new RouteSyntaxError("the route line has no preference number");
  route.preference = preference;
  let standard = open === 0 && p === close;
  const rest = text.slice(close + 1).trim();
  if (rest.length > 0) {
    if (rest.charCodeAt(0) === 91 /* [ */ && rest.charCodeAt(rest.length - 1) === 93 /* ] */) {
      route.summary = strings.intern(rest.slice(1, -1));
    } else {
      standard = false;
    }
  }
  if (!standard) route.info = strings.intern(text);
}
