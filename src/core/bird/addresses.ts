// Canonical prefixes and addresses for the route parser, with a fast path for the common case.
import { canonicalAddress, canonicalPrefix, type Prefix } from "../net/ip.js";
import { fastCanonicalIPv6Prefix, rememberCanonicalIPv4 } from "../parse/fast-canonical.js";
import { detach, parseUint } from "./strings.js";

/**
 * Parses an IPv4 prefix that is already canonical (as BIRD prints it) without regexes or
 * splits, and returns a freshly built string. Anything unusual returns undefined so that the
 * caller falls back to `canonicalPrefix`, which either canonicalizes or explains the error.
 */
export function fastIPv4Prefix(s: string): Prefix | undefined {
  const n = s.length;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined; // leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255) return undefined;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c === 47) {
      break;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0 || i >= n) return undefined;
  value = value * 256 + octet;
  const len = parseUint(s.slice(i + 1));
  if (len === undefined || len > 32) return undefined;
  if (len < 32) {
    const hostMask = len === 0 ? 0xffffffff : (0xffffffff >>> len);
    if (((value & hostMask) >>> 0) !== 0) return undefined;
  }
  const text = `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}/${len}`;
  rememberCanonicalIPv4(text, value, len);
  return text;
}

/** Canonicalizes a network as BIRD prints it (`10.0.0.0/24`, `fd00::/48`); throws FW_INVALID_PREFIX. */
export function canonicalNetwork(text: string): Prefix {
  if (text.indexOf(":") < 0) return fastIPv4Prefix(text) ?? canonicalPrefix(text, 4);
  const fast = fastCanonicalIPv6Prefix(text);
  return fast === undefined ? canonicalPrefix(text, 6) : detach(fast);
}

/** Canonicalizes addresses through a bounded cache (a table has few distinct gateways). */
export class AddressCache {
  private readonly map = new Map<string, string>();

  constructor(private readonly limit = 65536) {}

  /** Returns the canonical form of `text`; throws FW_INVALID_ADDRESS. */
  canonical(text: string): string {
    const hit = this.map.get(text);
    if (hit !== undefined) return hit;
    const canon = canonicalAddress(text);
    if (this.map.size < this.limit) this.map.set(canon === text ? canon : detach(text), canon);
    return canon;
  }
}
