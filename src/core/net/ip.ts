// IPv4/IPv6 addresses and prefixes in one canonical text form, so that a host route read back
// from the kernel as `10.0.0.1` and one written as `10.0.0.1/32` compare equal, and `default`
// is `0.0.0.0/0` or `::/0`. IPv6 text follows RFC 5952 (lower case, longest zero run as `::`).
import { FibwardenError } from "../errors.js";

/** Address family: 4 or 6. */
export type Family = 4 | 6;

/** A prefix in canonical form, e.g. `10.0.0.0/24`, `fd00::1/128`, `0.0.0.0/0`. */
export type Prefix = string;

/** Parses a dotted-quad IPv4 address into its 32-bit value, or returns undefined. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (part.length === 0 || part.length > 3 || !/^[0-9]+$/.test(part)) return undefined;
    if (part.length > 1 && part[0] === "0") return undefined; // no octal-looking octets
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/** Formats a 32-bit value as a dotted-quad IPv4 address. */
export function formatIPv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Parses an IPv6 address (with optional embedded IPv4 tail) into 8 16-bit groups. */
export function parseIPv6(text: string): number[] | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  let head = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (lastColon >= 0 && text.indexOf(".", lastColon) > lastColon) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [(v4 >>> 16) & 0xffff, v4 & 0xffff];
    head = text.slice(0, lastColon + 1);
    if (!head.endsWith("::")) head = head.slice(0, -1); // keep a `::` that ends right before the tail
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0] ?? "");
  if (left === undefined) return undefined;
  if (halves.length === 1) {
    const all = [...left, ...tail];
    return all.length === 8 ? all : undefined;
  }
  const right = parseGroups(halves[1] ?? "");
  if (right === undefined) return undefined;
  const fill = 8 - left.length - right.length - tail.length;
  if (fill < 1) return undefined;
  return [...left, ...new Array<number>(fill).fill(0), ...right, ...tail];
}

/** The first longest run of zero groups among 8 (RFC 5952's `::`): its start (-1: none) and length. */
export function longestZeroRun(groups: readonly number[]): { start: number; length: number } {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  return { start: bestStart, length: bestLen };
}

/** Formats 8 16-bit groups as RFC 5952 canonical IPv6 text. */
export function formatIPv6(groups: readonly number[]): string {
  const { start: bestStart, length: bestLen } = longestZeroRun(groups);
  const hex = (g: number | undefined): string => (g ?? 0).toString(16);
  if (bestLen < 2) return groups.map(hex).join(":");
  const left = groups.slice(0, bestStart).map(hex).join(":");
  const right = groups.slice(bestStart + bestLen).map(hex).join(":");
  return `${left}::${right}`;
}

/** Returns the family of an address text, or undefined if it is neither. */
export function addressFamily(text: string): Family | undefined {
  if (parseIPv4(text) !== undefined) return 4;
  if (parseIPv6(text) !== undefined) return 6;
  return undefined;
}

/** Canonicalizes an address; throws `FW_INVALID_ADDRESS` when it is not an IPv4/IPv6 address. */
export function canonicalAddress(text: string, family?: Family): string {
  const v4 = family !== 6 ? parseIPv4(text) : undefined;
  if (v4 !== undefined) return formatIPv4(v4);
  const v6 = family !== 4 ? parseIPv6(text) : undefined;
  if (v6 !== undefined) return formatIPv6(v6);
  throw new FibwardenError("FW_INVALID_ADDRESS", `not an IPv${family ?? "4/6"} address: ${JSON.stringify(text)}`);
}

/** Returns true when `text` is a valid address (of `family`, if given). */
export function isAddress(text: string, family?: Family): boolean {
  if (family !== 6 && parseIPv4(text) !== undefined) return true;
  return family !== 4 && parseIPv6(text) !== undefined;
}

function maskIPv6(groups: number[], len: number): number[] {
  return groups.map((g, i) => {
    const bits = Math.max(0, Math.min(16, len - i * 16));
    return bits === 16 ? g : bits === 0 ? 0 : g & ((0xffff << (16 - bits)) & 0xffff);
  });
}

/**
 * Canonicalizes a prefix. Accepts `default`, a bare host address (→ /32 or /128) and `addr/len`.
 * With `strict` (the default) host bits set beyond the length are an error, as the kernel refuses
 * them; with `strict: false` they are masked off.
 */
export function canonicalPrefix(text: string, family?: Family, opts: { strict?: boolean } = {}): Prefix {
  const strict = opts.strict ?? true;
  if (text === "default" || text === "all") {
    if (family === undefined) throw new FibwardenError("FW_INVALID_PREFIX", `"${text}" needs a known family`);
    return family === 4 ? "0.0.0.0/0" : "::/0";
  }
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? undefined : text.slice(slash + 1);
  if (lenText !== undefined && !/^[0-9]{1,3}$/.test(lenText)) {
    throw new FibwardenError("FW_INVALID_PREFIX", `bad prefix length in ${JSON.stringify(text)}`);
  }
  const v4 = family !== 6 ? parseIPv4(addrText) : undefined;
  if (v4 !== undefined) {
    const len = lenText === undefined ? 32 : Number(lenText);
    if (len > 32) throw new FibwardenError("FW_INVALID_PREFIX", `IPv4 prefix length over 32: ${text}`);
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    const net = (v4 & mask) >>> 0;
    if (strict && net !== v4) throw new FibwardenError("FW_INVALID_PREFIX", `host bits set in ${text}`);
    return `${formatIPv4(net)}/${len}`;
  }
  const v6 = family !== 4 ? parseIPv6(addrText) : undefined;
  if (v6 !== undefined) {
    const len = lenText === undefined ? 128 : Number(lenText);
    if (len > 128) throw new FibwardenError("FW_INVALID_PREFIX", `IPv6 prefix length over 128: ${text}`);
    const masked = maskIPv6(v6, len);
    if (strict && masked.some((g, i) => g !== v6[i])) {
      throw new FibwardenError("FW_INVALID_PREFIX", `host bits set in ${text}`);
    }
    return `${formatIPv6(masked)}/${len}`;
  }
  throw new FibwardenError("FW_INVALID_PREFIX", `not an IPv${family ?? "4/6"} prefix: ${JSON.stringify(text)}`);
}

/** Returns the family of a canonical prefix. */
export function prefixFamily(prefix: Prefix): Family {
  return prefix.includes(":") ? 6 : 4;
}

/** Splits a canonical prefix into address and length. */
export function splitPrefix(prefix: Prefix): { address: string; length: number } {
  const slash = prefix.lastIndexOf("/");
  return { address: prefix.slice(0, slash), length: Number(prefix.slice(slash + 1)) };
}

/** Returns true when `address` lies inside canonical `prefix` (same family). */
export function prefixContains(prefix: Prefix, address: string): boolean {
  const { address: net, length } = splitPrefix(prefix);
  const fam = prefixFamily(prefix);
  try {
    return canonicalPrefix(`${address}/${length}`, fam, { strict: false }) === `${net}/${length}`;
  } catch {
    return false;
  }
}

/** The host prefix (/32 or /128) of an address. */
export function hostPrefix(address: string): Prefix {
  const fam = addressFamily(address);
  if (fam === undefined) throw new FibwardenError("FW_INVALID_ADDRESS", `not an address: ${JSON.stringify(address)}`);
  return canonicalPrefix(address, fam);
}
