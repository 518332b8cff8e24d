// Fast paths for the hot loop of a route dump (1M routes): iproute2 prints IPv4 prefixes already
// in canonical form, so recognising that form by char codes beats the general parser by an order
// of magnitude. Anything unusual returns undefined and the caller takes the general path, which
// also produces the error message. Repeated values (gateways, sources, names) are memoized.
import { canonicalAddress, canonicalPrefix, type Family } from "../net/ip.js";

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
  return value % (hostMask + 1) === 0 ? text : undefined;
}

/** canonicalPrefix with the IPv4 fast path; same results and errors. */
export function canonicalPrefixFast(text: string, family: Family): string {
  if (family === 4) {
    const fast = fastCanonicalIPv4Prefix(text);
    if (fast !== undefined) return fast;
  }
  return canonicalPrefix(text, family);
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
