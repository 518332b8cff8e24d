// Typed values of BGP attributes, in the text form BIRD 1.6, 2 and 3 share. Each parser
// returns undefined for text it does not recognise, so that the caller can keep it raw.
// The `...At(text, from)` forms read the value in place (no substring per attribute line).
import { canonicalAddress } from "../net/ip.js";
import type { AsPath, AsPathSet, BgpOrigin, ExtCommunity } from "./route-types.js";
import { TextScanner } from "./scanner.js";

const MAX_U32 = 0xffffffff;
const MAX_U16 = 0xffff;
const CC_OPEN = 40; // (
const CC_CLOSE = 41; // )
const CC_COMMA = 44;

// Parsing is synchronous and never calls out, so one scanner serves every call.
const sc = new TextScanner();

/** Parses `IGP`, `EGP` or `Incomplete`. */
export function parseBgpOrigin(text: string): BgpOrigin | undefined {
  return parseBgpOriginAt(text, 0);
}

/** `parseBgpOrigin` of `text` from offset `from`. */
export function parseBgpOriginAt(text: string, from: number): BgpOrigin | undefined {
  const len = text.length - from;
  if (len === 3 && text.startsWith("IGP", from)) return "igp";
  if (len === 3 && text.startsWith("EGP", from)) return "egp";
  if (len === 10 && text.startsWith("Incomplete", from)) return "incomplete";
  return undefined;
}

/** Parses a decimal number that is the whole of `text` from `from`, up to 2^32-1. */
export function parseU32At(text: string, from: number): number | undefined {
  sc.reset(text, from);
  const v = sc.uint(MAX_U32);
  return v >= 0 && sc.atEnd() ? v : undefined;
}

const SET_CLOSERS: Record<string, [string, AsPathSet["type"]]> = {
  "{": ["}", "set"],
  "(": [")", "confed-sequence"],
  "[": ["]", "confed-set"],
};

/** Parses an AS path such as `65000 65011 {65020 65021}`; an empty text is an empty path. */
export function parseAsPath(text: string): AsPath | undefined {
  return parseAsPathAt(text, 0);
}

/** `parseAsPath` of `text` from offset `from`. */
export function parseAsPathAt(text: string, from: number): AsPath | undefined {
  const out: number[] = [];
  sc.reset(text, from);
  for (;;) {
    sc.skipBlanks();
    if (sc.atEnd()) return out;
    const v = sc.uint(MAX_U32);
    if (v < 0) return parseAsPathWithSets(text.slice(from));
    out.push(v);
    const c = sc.peek();
    if (!sc.atEnd() && c !== 32 && c !== 9) return parseAsPathWithSets(text.slice(from));
  }
}

/** The general AS path parser, for paths with set or confederation segments. */
function parseAsPathWithSets(text: string): AsPath | undefined {
  const out: Array<number | AsPathSet> = [];
  let set: { type: AsPathSet["type"]; asns: number[] } | undefined;
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
      const asn = parseU32At(token, 0);
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

/** Reads `( n , n [, n] )` at the scanner; fills `into` and returns false on any mismatch. */
function readTuple(into: number[], arity: number, max: number): boolean {
  if (!sc.eat(CC_OPEN)) return false;
  for (let k = 0; k < arity; k++) {
    if (k > 0) {
      sc.skipBlanks();
      if (!sc.eat(CC_COMMA)) return false;
    }
    sc.skipBlanks();
    const v = sc.uint(max);
    if (v < 0) return false;
    into[k] = v;
  }
  sc.skipBlanks();
  return sc.eat(CC_CLOSE);
}

/** Parses standard communities `(65000,100) (65000,200)`. */
export function parseCommunities(text: string): Array<[number, number]> | undefined {
  return parseCommunitiesAt(text, 0);
}

/** `parseCommunities` of `text` from offset `from`. */
export function parseCommunitiesAt(text: string, from: number): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  sc.reset(text, from);
  for (;;) {
    sc.skipBlanks();
    if (sc.atEnd()) return out;
    const pair: [number, number] = [0, 0];
    if (!readTuple(pair, 2, MAX_U16)) return undefined;
    out.push(pair);
  }
}

/** Parses large communities `(65000, 1, 0) (65000, 2, 3)`. */
export function parseLargeCommunities(text: string): Array<[number, number, number]> | undefined {
  return parseLargeCommunitiesAt(text, 0);
}

/** `parseLargeCommunities` of `text` from offset `from`. */
export function parseLargeCommunitiesAt(text: string, from: number): Array<[number, number, number]> | undefined {
  const out: Array<[number, number, number]> = [];
  sc.reset(text, from);
  for (;;) {
    sc.skipBlanks();
    if (sc.atEnd()) return out;
    const triple: [number, number, number] = [0, 0, 0];
    if (!readTuple(triple, 3, MAX_U32)) return undefined;
    out.push(triple);
  }
}

/** Parses extended communities `(rt, 65000, 0) (ro, 10.0.0.1, 5) (generic, 0x1, 0x2)`. */
export function parseExtCommunities(text: string): ExtCommunity[] | undefined {
  const out: ExtCommunity[] = [];
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 9) { pos++; continue; }
    if (c !== CC_OPEN) return undefined;
    const close = text.indexOf(")", pos + 1);
    if (close < 0) return undefined;
    const parts = text.slice(pos + 1, close).split(",");
    if (parts.length !== 3) return undefined;
    const kind = (parts[0] ?? "").trim();
    const admin = (parts[1] ?? "").trim();
    const value = (parts[2] ?? "").trim();
    if (kind === "" || admin === "" || value === "") return undefined;
    out.push({ kind, admin, value });
    pos = close + 1;
  }
  return out;
}

/** Something that canonicalizes addresses (e.g. a cache in front of `canonicalAddress`). */
export interface AddressCanonicalizer {
  canonical(text: string): string;
}

const DIRECT: AddressCanonicalizer = { canonical: (text) => canonicalAddress(text) };

/** Parses the BGP next hop: one address, or a global and a link-local address for IPv6. */
export function parseNextHopList(text: string, canon: AddressCanonicalizer = DIRECT): string[] | undefined {
  return parseNextHopListAt(text, 0, canon);
}

/** `parseNextHopList` of `text` from offset `from`. */
export function parseNextHopListAt(text: string, from: number, canon: AddressCanonicalizer = DIRECT): string[] | undefined {
  try {
    if (text.indexOf(" ", from) < 0) return from < text.length ? [canon.canonical(text.slice(from))] : undefined;
    const out: string[] = [];
    for (const token of text.slice(from).split(" ")) {
      if (token !== "") out.push(canon.canonical(token));
    }
    return out.length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}
