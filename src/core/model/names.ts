// Numbers and names of route protocols, tables and scopes, as iproute2 6.1 prints them by default
// (its built-in rt_protos/rt_tables/rt_scopes). The model stores numbers; names are for humans.

/** Well-known route protocol numbers (rtm_protocol). */
export const PROTO = {
  unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11,
  bird: 12, dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42, openr: 99,
  bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192,
} as const;

/** Well-known table numbers. */
export const TABLE = { unspec: 0, compat: 252, default: 253, main: 254, local: 255 } as const;

/** Route scopes (rtm_scope). */
export const SCOPE = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 } as const;

const byNumber = <T extends Record<string, number>>(m: T): Map<number, string> =>
  new Map(Object.entries(m).map(([k, v]) => [v, k]));
const protoNames = byNumber(PROTO);
const tableNames = byNumber(TABLE);
const scopeNames = byNumber(SCOPE);
// iproute2 also prints "universe" for scope 0 in some places.
const scopeAliases: Record<string, number> = { ...SCOPE, universe: 0 };

function lookupNumber(text: string | number, names: Record<string, number>, max: number): number | undefined {
  if (typeof text === "number") return Number.isInteger(text) && text >= 0 && text <= max ? text : undefined;
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    return n <= max ? n : undefined;
  }
  if (/^0x[0-9a-fA-F]+$/.test(text)) {
    const n = parseInt(text, 16);
    return n <= max ? n : undefined;
  }
  return Object.prototype.hasOwnProperty.call(names, text) ? names[text] : undefined;
}

/** Resolves a protocol name or number (`"bird"`, `"201"`, 12) to its number. */
export function protocolNumber(text: string | number): number | undefined {
  return lookupNumber(text, PROTO, 255);
}

/** Resolves a table name or number (`"main"`, `"100"`) to its number. */
export function tableNumber(text: string | number): number | undefined {
  return lookupNumber(text, TABLE, 0xffffffff);
}

/** Resolves a scope name or number to its number. */
export function scopeNumber(text: string | number): number | undefined {
  return lookupNumber(text, scopeAliases, 255);
}

/** The name iproute2 prints for a protocol number, or the number as text. */
export function protocolName(n: number): string {
  return protoNames.get(n) ?? String(n);
}

/** The name iproute2 prints for a table number, or the number as text. */
export function tableName(n: number): string {
  return tableNames.get(n) ?? String(n);
}

/** The name iproute2 prints for a scope number, or the number as text. */
export function scopeName(n: number): string {
  return scopeNames.get(n) ?? String(n);
}
