// Typed values of BGP attributes, in the text form BIRD 1.6, 2 and 3 share. Each parser
// returns undefined for text it does not recognise, so that the caller can keep it raw.
import { canonicalAddress } from "../net/ip.js";
import type { AsPath, AsPathSet, BgpOrigin, ExtCommunity } from "./route-types.js";
import { parseUint } from "./strings.js";

const MAX_U32 = 0xffffffff;

function parseU32(s: string): number | undefined {
  const v = parseUint(s);
  return v !== undefined && v <= MAX_U32 ? v : undefined;
}

/** Parses `IGP`, `EGP` or `Incomplete`. */
export function parseBgpOrigin(text: string): BgpOrigin | undefined {
  switch (text) {
    case "IGP": return "igp";
    case "EGP": return "egp";
    case "Incomplete": return "incomplete";
    default: return undefined;
  }
}

const SET_CLOSERS: Record<string, [string, AsPathSet["type"]]> = {
  "{": ["}", "set"],
  "(": [")", "confed-sequence"],
  "[": ["]", "confed-set"],
};

/** Parses an AS path such as `65000 65011 {65020 65021}`; an empty text is an empty path. */
export function parseAsPath(text: string): AsPath | undefined {
  const out: AsPath = [];
  let set: AsPathSet | undefined;
  let closer = "";
  for (let token of text.split(" ")) {
    if (token === "") continue;
    if (set === undefined) {
      const open = SET_CLOSERS[token[0] ?? ""];
      if (open !== undefined) {
        set = { type: open[1], asns: [] };
        closer = open[0];
        token = token.slice(1);
      }
    }
    let closing = false;
    if (set !== undefined && token.endsWith(closer)) {
      closing = true;
      token = token.slice(0, -1);
    }
    if (token !== "") {
      const asn = parseU32(token);
      if (asn === undefined) return undefined;
      if (set !== undefined) set.asns.push(asn); else out.push(asn);
    }
    if (closing && set !== undefined) {
      out.push(set);
      set = undefined;
    }
  }
  return set === undefined ? out : undefined;
}

/** Calls `each` with the inside of every `( ... )` group; false if anything else is in between. */
function forEachGroup(text: string, each: (inner: string) => boolean): boolean {
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 9) { pos++; continue; }
    if (c !== 40 /* ( */) return false;
    const close = text.indexOf(")", pos + 1);
    if (close < 0) return false;
    if (!each(text.slice(pos + 1, close))) return false;
    pos = close + 1;
  }
  return true;
}

/** Parses standard communities `(65000,100) (65000,200)`. */
export function parseCommunities(text: string): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  const ok = forEachGroup(text, (inner) => {
    const comma = inner.indexOf(",");
    if (comma < 0) return false;
    const a = parseU32(inner.slice(0, comma).trim());
    const b = parseU32(inner.slice(comma + 1).trim());
    if (a === undefined || b === undefined || a > 0xffff || b > 0xffff) return false;
    out.push([a, b]);
    return true;
  });
  return ok ? out : undefined;
}

/** Parses large communities `(65000, 1, 0) (65000, 2, 3)`. */
export function parseLargeCommunities(text: string): Array<[number, number, number]> | undefined {
  const out: Array<[number, number, number]> = [];
  const ok = forEachGroup(text, (inner) => {
    const parts = inner.split(",");
    if (parts.length !== 3) return false;
    const a = parseU32((parts[0] ?? "").trim());
    const b = parseU32((parts[1] ?? "").trim());
    const c = parseU32((parts[2] ?? "").trim());
    if (a === undefined || b === undefined || c === undefined) return false;
    out.push([a, b, c]);
    return true;
  });
  return ok ? out : undefined;
}

/** Parses extended communities `(rt, 65000, 0) (ro, 10.0.0.1, 5) (generic, 0x1, 0x2)`. */
export function parseExtCommunities(text: string): ExtCommunity[] | undefined {
  const out: ExtCommunity[] = [];
  const ok = forEachGroup(text, (inner) => {
    const parts = inner.split(",");
    if (parts.length !== 3) return false;
    const kind = (parts[0] ?? "").trim();
    const admin = (parts[1] ?? "").trim();
    const value = (parts[2] ?? "").trim();
    if (kind === "" || admin === "" || value === "") return false;
    out.push({ kind, admin, value });
    return true;
  });
  return ok ? out : undefined;
}

/** Something that canonicalizes addresses (e.g. a cache in front of `canonicalAddress`). */
export interface AddressCanonicalizer {
  canonical(text: string): string;
}

const DIRECT: AddressCanonicalizer = { canonical: (text) => canonicalAddress(text) };

/** Parses the BGP next hop: one address, or a global and a link-local address for IPv6. */
export function parseNextHopList(text: string, canon: AddressCanonicalizer = DIRECT): string[] | undefined {
  const out: string[] = [];
  for (const token of text.split(" ")) {
    if (token === "") continue;
    try {
      out.push(canon.canonical(token));
    } catch {
      return undefined;
    }
  }
  return out.length > 0 ? out : undefined;
}
