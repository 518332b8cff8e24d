// Fast paths for the hot loop of a route dump (1M routes): iproute2 prints IPv4 prefixes already
// in canonical form, so recognising that form by char codes beats the general parser by an order
// of magnitude. Anything unusual returns undefined and the caller takes the general path, which
// also produces the error message. Repeated values (gateways, sources, names) are memoized.
import { canonicalAddress, canonicalPrefix, longestZeroRun, type Family } from "../net/ip.js";

/** Parses a canonical dotted quad in text[start, end) into its value, or -1. */
function canonicalQuad(text: string, start: number, end: number): number {
  let value = 0;
  let octets = 0;
  let i = start;
  while (i < end) {
    const first = text.charCodeAt(i);
    if (first < 48 || first > 57) return -1;
    let n = first - 48;
    let j = i + 1;
    for (; j < end; j++) {
      const c = text.charCodeAt(j);
      if (c === 46) break;
      if (c < 48 || c > 57 || first === 48 || j - i >= 3) return -1; // no leading zero, at most 3 digits
      n = n * 10 + (c - 48);
    }
    if (n > 255) return -1;
    value = value * 256 + n;
    octets++;
    if (j === end) break;
    i = j + 1;
    if (i === end) return -1; // trailing dot
  }
  return octets === 4 ? value : -1;
}

/**
 * The canonical form of an IPv4 prefix or host address when `text` is already canonical
 * (`10.0.0.0/24`, `10.0.0.1` → `10.0.0.1/32`), else undefined.
 */
export function fastCanonicalIPv4Prefix(text: string): string | undefined {
  const slash = text.indexOf("/");
  const end = slash < 0 ? text.length : slash;
  const value = canonicalQuad(text, 0, end);
  if (value < 0) return undefined;
  if (slash < 0) return `${text}/32`;
  const lenText = text.length - slash - 1;
  if (lenText < 1 || lenText > 2) return undefined;
  const d0 = text.charCodeAt(slash + 1) - 48;
  const d1 = lenText === 2 ? text.charCodeAt(slash + 2) - 48 : -1;
  if (d0 < 0 || d0 > 9 || (lenText === 2 && (d0 === 0 || d1 < 0 || d1 > 9))) return undefined;
  const len = lenText === 2 ? d0 * 10 + d1 : d0;
  if (len > 32) return undefined;
  const hostMask = len === 32 ? 0 : 2 ** (32 - len) - 1;
  if (value % (hostMask + 1) !== 0) return undefined;
  rememberCanonicalIPv4(text, value, len);
  return text;
}

/**
 * address * 64 + length of `text` when it is a canonical IPv4 prefix with its length
 * (`10.0.0.0/24`, no host bits), else -1 (the memo of rememberCanonicalIPv4 is left as it is).
 */
export function ipv4PrefixValue(text: string): number {
  const slash = text.indexOf("/");
  if (slash < 0) return -1;
  const value = canonicalQuad(text, 0, slash);
  const lenText = text.slice(slash + 1);
  if (value < 0 || !/^(?:[0-9]|[12][0-9]|3[0-2])$/.test(lenText)) return -1;
  const len = Number(lenText);
  const hostMask = len === 32 ? 0 : 2 ** (32 - len) - 1;
  return value % (hostMask + 1) === 0 ? value * 64 + len : -1;
}

// The two IPv4 prefixes last found canonical (`a.b.c.d/len` as given), with address * 64 +
// length each: BIRD's protected routes reach their side one route late (a network's records
// are merged until the next network starts), so the last but one is the one asked for.
let lastPrefix: string | undefined;
let lastPrefixValue = -1;
let prevPrefix: string | undefined;
let prevPrefixValue = -1;

/**
 * Records that `text` is the canonical IPv4 prefix of `address` (0 to 2^32 - 1) and `len`,
 * exactly as its decimal text: the fast paths that just read or printed it say so.
 */
export function rememberCanonicalIPv4(text: string, address: number, len: number): void {
  prevPrefix = lastPrefix;
  prevPrefixValue = lastPrefixValue;
  lastPrefix = text;
  lastPrefixValue = address * 64 + len;
}

/**
 * The address * 64 + length of `text` when it is one of the two prefixes last recorded by
 * rememberCanonicalIPv4, else -1: what the route trackers need to place the route that was just
 * parsed without reading its prefix again (route-key-map.ts).
 */
export function lastCanonicalIPv4(text: string): number {
  return text === lastPrefix ? lastPrefixValue : text === prevPrefix ? prevPrefixValue : -1;
}

/** The value of a lowercase hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * The canonical form of an IPv6 prefix or host address when `text` is already in it (RFC 5952:
 * lowercase, no leading zeros, `::` for the first longest run of two or more zero groups; no
 * host bits set; a canonical length), as BIRD and iproute2 print them; else undefined. Scans the
 * text once: the general parser (split, regexes, then formatting again) cost 2.2 µs a prefix,
 * most of BIRD's IPv6 export parse.
 */
export function fastCanonicalIPv6Prefix(text: string): string | undefined {
  const slash = text.indexOf("/");
  const end = slash < 0 ? text.length : slash;
  let len = 128;
  if (slash >= 0) {
    const digits = text.length - slash - 1;
    if (digits < 1 || digits > 3) return undefined;
    len = 0;
    for (let i = slash + 1; i < text.length; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9 || (i === slash + 1 && d === 0 && digits > 1)) return undefined;
      len = len * 10 + d;
    }
    if (len > 128) return undefined;
  }
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let n = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) { // leading `::`
    if (text.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    const start = i;
    let value = 0;
    for (; i < end; i++) {
      const d = hexDigit(text.charCodeAt(i));
      if (d < 0) break;
      value = value * 16 + d;
    }
    const width = i - start;
    if (width < 1 || width > 4 || (width > 1 && text.charCodeAt(start) === 48) || n === 8) return undefined;
    groups[n++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return undefined;
    i++;
    if (i === end) return undefined; // a trailing single colon
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined;
      gap = n;
      i++;
    }
  }
  const fill = gap < 0 ? 0 : 8 - n;
  if (gap < 0 ? n !== 8 : fill < 2) return undefined;
  if (gap >= 0) {
    for (let k = n - 1; k >= gap; k--) groups[k + fill] = groups[k]!;
    for (let k = gap; k < gap + fill; k++) groups[k] = 0;
  }
  // `::` must stand for the first longest run of zero groups (and nothing shorter than two).
  const { start: bestStart, length: bestLen } = longestZeroRun(groups);
  if (bestLen >= 2 ? bestStart !== gap || bestLen !== fill : gap >= 0) return undefined;
  for (let k = 0; k < 8; k++) {
    const bits = Math.max(0, Math.min(16, len - k * 16));
    if (bits < 16 && (groups[k]! & (0xffff >> bits)) !== 0) return undefined; // host bits: the general path says why
  }
  return slash < 0 ? `${text}/128` : text;
}

/** canonicalPrefix with the IPv4 and IPv6 fast paths; same results and errors. */
export function canonicalPrefixFast(text: string, family: Family): string {
  const fast = family === 4 ? fastCanonicalIPv4Prefix(text) : fastCanonicalIPv6Prefix(text);
  return fast ?? canonicalPrefix(text, family);
}

/** A small memo: a Map that forgets everything when it reaches `limit` entries (bounded memory). */
export function createMemo<V>(limit: number, compute: (key: string) => V): (key: string) => V {
  let cache = new Map<string, V>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as V;
    const value = compute(key);
    if (cache.size >= limit) cache = new Map();
    cache.set(key, value);
    return value;
  };
}

const address4 = createMemo(4096, (t) => canonicalAddress(t, 4));
const address6 = createMemo(4096, (t) => canonicalAddress(t, 6));
const addressAny = createMemo(4096, (t) => canonicalAddress(t));

/** canonicalAddress memoized (gateways and sources repeat across a dump). Errors are not cached. */
export function canonicalAddressMemo(text: string, family?: Family): string {
  return family === 4 ? address4(text) : family === 6 ? address6(text) : addressAny(text);
}
