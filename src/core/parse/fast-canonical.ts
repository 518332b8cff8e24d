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

/** The eight groups of the IPv6 address scanIPv6 last read (module scratch: nothing allocated per call). */
const groups = [0, 0, 0, 0, 0, 0, 0, 0];

/**
 * Reads `text` as a canonical IPv6 prefix or host address (RFC 5952: lowercase, no leading zeros,
 * `::` for the first longest run of two or more zero groups; no host bits set; a canonical
 * length) into `groups`: its prefix length, or -1 when the text is not in that form.
 */
function scanIPv6(text: string): number {
  const slash = text.indexOf("/");
  const end = slash < 0 ? text.length : slash;
  let len = 128;
  if (slash >= 0) {
    const digits = text.length - slash - 1;
    if (digits < 1 || digits > 3) return -1;
    len = 0;
    for (let i = slash + 1; i < text.length; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9 || (i === slash + 1 && d === 0 && digits > 1)) return -1;
      len = len * 10 + d;
    }
    if (len > 128) return -1;
  }
  let n = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) { // leading `::`
    if (text.charCodeAt(1) !== 58) return -1;
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
    if (width < 1 || width > 4 || (width > 1 && text.charCodeAt(start) === 48) || n === 8) return -1;
    groups[n++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return -1;
    i++;
    if (i === end) return -1; // a trailing single colon
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return -1;
      gap = n;
      i++;
    }
  }
  const fill = gap < 0 ? 0 : 8 - n;
  if (gap < 0 ? n !== 8 : fill < 2) return -1;
  if (gap >= 0) {
    for (let k = n - 1; k >= gap; k--) groups[k + fill] = groups[k]!;
    for (let k = gap; k < gap + fill; k++) groups[k] = 0;
  }
  // `::` must stand for the first longest run of zero groups (and nothing shorter than two).
  const { start: bestStart, length: bestLen } = longestZeroRun(groups);
  if (bestLen >= 2 ? bestStart !== gap || bestLen !== fill : gap >= 0) return -1;
  for (let k = 0; k < 8; k++) {
    const bits = Math.max(0, Math.min(16, len - k * 16));
    if (bits < 16 && (groups[k]! & (0xffff >> bits)) !== 0) return -1; // host bits: the general path says why
  }
  return len;
}

/** Longest IPv6 prefix whose network fits a number exactly (its first 52 bits: 2^52 values). */
export const IPV6_NET_MAX_LEN = 52;

/**
 * The first 52 bits of the address in `groups` as an integer (exact in a double), or -1 when any
 * later bit is set.
 */
function netOfGroups(): number {
  if ((groups[3]! & 0x0fff) !== 0 || groups[4] !== 0 || groups[5] !== 0 || groups[6] !== 0 || groups[7] !== 0) return -1;
  return ((groups[0]! * 65536 + groups[1]!) * 65536 + groups[2]!) * 16 + (groups[3]! >>> 12);
}

/**
 * The canonical form of an IPv6 prefix or host address when `text` is already in it (see
 * scanIPv6), as BIRD and iproute2 print them; else undefined. Scans the text once: the general
 * parser (split, regexes, then formatting again) cost 2.2 µs a prefix, most of BIRD's IPv6
 * export parse. A prefix of at most IPV6_NET_MAX_LEN bits is remembered with its network (for
 * ipv6PrefixNet), as rememberCanonicalIPv4 remembers an IPv4 one.
 */
export function fastCanonicalIPv6Prefix(text: string): string | undefined {
  const len = scanIPv6(text);
  if (len < 0) return undefined;
  if (text.indexOf("/") < 0) return `${text}/128`;
  if (len <= IPV6_NET_MAX_LEN) {
    prevV6 = lastV6;
    prevV6Net = lastV6Net;
    prevV6Len = lastV6Len;
    lastV6 = text;
    lastV6Net = netOfGroups();
    lastV6Len = len;
  }
  return text;
}

// The two IPv6 prefixes last found canonical with a network that fits a number (see
// rememberCanonicalIPv4 for why two), each with its network and length.
let lastV6: string | undefined;
let lastV6Net = -1;
let lastV6Len = 0;
let prevV6: string | undefined;
let prevV6Net = -1;
let prevV6Len = 0;

/** The network (first 52 bits, an integer) that ipv6PrefixNet read last; its length is the return value. */
export let ipv6Net = 0;

/**
 * The prefix length of `text` when it is a canonical IPv6 prefix with its length and at most
 * IPV6_NET_MAX_LEN bits (`2001:db8::/32`), its network then in `ipv6Net`; else -1. Answers from
 * the two prefixes last found canonical by fastCanonicalIPv6Prefix without reading the text again.
 */
export function ipv6PrefixNet(text: string): number {
  if (text === lastV6 && lastV6Net >= 0) {
    ipv6Net = lastV6Net;
    return lastV6Len;
  }
  if (text === prevV6 && prevV6Net >= 0) {
    ipv6Net = prevV6Net;
    return prevV6Len;
  }
  if (text.indexOf("/") < 0) return -1;
  const len = scanIPv6(text);
  if (len < 0 || len > IPV6_NET_MAX_LEN) return -1;
  const net = netOfGroups();
  if (net < 0) return -1;
  ipv6Net = net;
  return len;
}

/** Hex texts of 0-65535, made on first use. */
const HEX: string[] = [];
const hex = (g: number): string => HEX[g] ?? (HEX[g] = g.toString(16));

/** Decimal texts of the lengths 0-52 after their `::/`. */
const TAILS: readonly string[] = Array.from({ length: IPV6_NET_MAX_LEN + 1 }, (_, len) => `::/${len}`);

/**
 * The canonical text (RFC 5952, as scanIPv6 accepts it) of the prefix whose first 52 bits are
 * `net` (an integer, later bits zero) and whose length is `len` (at most IPV6_NET_MAX_LEN). The
 * last four groups are zero, so the longest run of zero groups is the one that ends the address
 * (four or more; any other is inside the first four, three at most): the text is the groups up to
 * the last that is not zero, then `::`.
 */
export function formatIPv6Net(net: number, len: number): string {
  const hi = Math.floor(net / 2 ** 20); // the first 32 bits
  const lo = net % 2 ** 20; // the next 20 bits
  const g0 = Math.floor(hi / 65536);
  const g1 = hi % 65536;
  const g2 = Math.floor(lo / 16);
  const g3 = (lo % 16) * 4096;
  const tail = TAILS[len]!;
  if (g3 !== 0) return `${hex(g0)}:${hex(g1)}:${hex(g2)}:${hex(g3)}${tail}`;
  if (g2 !== 0) return `${hex(g0)}:${hex(g1)}:${hex(g2)}${tail}`;
  if (g1 !== 0) return `${hex(g0)}:${hex(g1)}${tail}`;
  if (g0 !== 0) return `${hex(g0)}${tail}`;
  return tail;
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
