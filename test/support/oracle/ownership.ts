// The reference statement of ownership that fibwarden's safety properties judge by. It is written
// from the policy's definition (docs/architecture.md "Ownership model", docs/config.md) and
// shares no code with src/ (not ownership.ts, not the model's keys or prefix helpers): a bug in
// src/core/ownership.ts must not be able to hide itself from the proof that fibwarden only
// changes what it owns. test/unit/support/oracle.prop.test.ts checks that the two agree.
//
//   route    ours      iff protocol = policy.protocol AND table in one of policy.tables
//            protected iff protocol = policy.birdProtocol AND table in policy.protectedTables
//            alien     otherwise
//   rule     ours      iff protocol = policy.protocol AND priority in policy.rulePriorities
//            alien     otherwise
//   address  ours      iff dev in policy.addressDevices AND
//                        (IPv4 AND label = "<dev>:<suffix>" AND that label is at most 15 bytes
//                         OR a host address (/32, /128) inside one of policy.addressRanges)
//            alien     otherwise
//   a route the kernel made for an address (proto kernel, the address as preferred source: the
//   local or broadcast route in table local, the link-scope prefix route in main) goes with it.

/** Who owns a kernel object. */
export type Owner = "ours" | "protected" | "alien";

/** The policy fields the definition reads (an OwnershipPolicy fits). */
export interface OraclePolicy {
  protocol: number;
  tables: ReadonlyArray<{ from: number; to: number }>;
  rulePriorities: { from: number; to: number };
  birdProtocol: number;
  protectedTables: readonly number[];
  addressDevices: readonly string[];
  addressLabelSuffix: string;
  addressRanges: readonly string[];
}

/** The route fields ownership depends on. */
export interface OracleRoute {
  family: 4 | 6;
  table: number;
  dst: string;
  type: string;
  protocol: number;
  scope: number;
  prefsrc?: string | undefined;
}

/** The address fields ownership depends on. */
export interface OracleAddress {
  family: 4 | 6;
  dev: string;
  address: string;
  prefixlen: number;
  label?: string | undefined;
}

const KERNEL_PROTOCOL = 2;
const TABLE_MAIN = 254;
const TABLE_LOCAL = 255;
const SCOPE_LINK = 253;
const LABEL_MAX_BYTES = 15; // IFNAMSIZ - 1

const within = (n: number, r: { from: number; to: number }): boolean => r.from <= n && n <= r.to;

/** Route ownership. */
export function classifyRoute(policy: OraclePolicy, r: { protocol: number; table: number }): Owner {
  if (r.protocol === policy.protocol && policy.tables.some((t) => within(r.table, t))) return "ours";
  if (r.protocol === policy.birdProtocol && policy.protectedTables.includes(r.table)) return "protected";
  return "alien";
}

/** Rule ownership. */
export function classifyRule(policy: OraclePolicy, r: { protocol: number; priority: number }): Owner {
  return r.protocol === policy.protocol && within(r.priority, policy.rulePriorities) ? "ours" : "alien";
}

/** Address ownership. */
export function classifyAddress(policy: OraclePolicy, a: OracleAddress): Owner {
  if (!policy.addressDevices.includes(a.dev)) return "alien";
  const label = `${a.dev}:${policy.addressLabelSuffix}`;
  if (a.family === 4 && a.label === label && Buffer.byteLength(label, "utf8") <= LABEL_MAX_BYTES) return "ours";
  const isHost = a.prefixlen === (a.family === 4 ? 32 : 128);
  if (isHost && policy.addressRanges.some((range) => rangeHolds(range, a.address))) return "ours";
  return "alien";
}

/** True when the kernel made `r` for address `a` (and removes it with the address). */
export function kernelMadeFor(r: OracleRoute, a: OracleAddress): boolean {
  if (r.protocol !== KERNEL_PROTOCOL || r.family !== a.family || r.prefsrc === undefined) return false;
  const self = toBits(a.address, a.family);
  if (self === undefined || toBits(r.prefsrc, a.family) !== self) return false;
  const dst = splitPrefix(r.dst, a.family);
  if (dst === undefined) return false;
  if (r.table === TABLE_LOCAL) {
    if (r.type === "broadcast") return true;
    return r.type === "local" && dst.length === self.length && dst.bits === self;
  }
  if (r.table === TABLE_MAIN && r.type === "unicast" && r.scope === SCOPE_LINK) {
    // the prefix route: the address's own network, host bits zero
    return dst.length === a.prefixlen && dst.bits === self.slice(0, a.prefixlen).padEnd(self.length, "0");
  }
  return false;
}

/** True when `address` lies inside `range` ("addr/len"); false across families. */
export function rangeHolds(range: string, address: string): boolean {
  const family = range.includes(":") ? 6 : 4;
  const net = splitPrefix(range, family);
  const addr = toBits(address, family);
  if (net === undefined || addr === undefined) return false;
  return addr.slice(0, net.length) === net.bits.slice(0, net.length);
}

/** A prefix "addr/len" as its address bits and length, or undefined when it is not one of `family`. */
function splitPrefix(prefix: string, family: 4 | 6): { bits: string; length: number } | undefined {
  const slash = prefix.indexOf("/");
  if (slash < 0) return undefined;
  const bits = toBits(prefix.slice(0, slash), family);
  const lengthText = prefix.slice(slash + 1);
  if (bits === undefined || !/^\d{1,3}$/.test(lengthText)) return undefined;
  const length = Number(lengthText);
  return length <= bits.length ? { bits, length } : undefined;
}

/** An address as a string of 32 or 128 "0"/"1" characters, or undefined when it is not one of `family`. */
export function toBits(address: string, family: 4 | 6): string | undefined {
  const groups = family === 4 ? ipv4Octets(address) : ipv6Groups(address);
  if (groups === undefined) return undefined;
  const width = family === 4 ? 8 : 16;
  return groups.map((g) => g.toString(2).padStart(width, "0")).join("");
}

function ipv4Octets(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function ipv6Groups(text: string): number[] | undefined {
  // A dotted IPv4 tail (::ffff:10.0.0.1) is two groups.
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = ipv4Octets(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail.push(v4[0]! * 256 + v4[1]!, v4[2]! * 256 + v4[3]!);
    head = text.slice(0, lastColon + 1);
    if (!head.endsWith("::")) head = head.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const parse = (s: string): number[] | undefined => {
    if (s === "") return [];
    const gs = s.split(":");
    return gs.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? gs.map((g) => parseInt(g, 16)) : undefined;
  };
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  if (left === undefined || right === undefined) return undefined;
  const known = left.length + right.length + tail.length;
  if (halves.length === 1) return known === 8 ? [...left, ...tail] : undefined;
  if (known > 7) return undefined;
  return [...left, ...new Array<number>(8 - known).fill(0), ...right, ...tail];
}

/**
 * Deep equality of kernel objects (every field, nexthops in order; an absent field and one set
 * to undefined are the same): "identical" for the safety check, without the model's own equality.
 */
export function sameObject(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The canonical JSON text of a value: object keys sorted, undefined fields left out. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "undefined";
}
