// Reads the `[RULE]` and `[ADDR]` lines of `ip monitor label` (iproute2 6.1 text), just enough to
// tell whether an event agrees with what the reconciler's cache already holds: an event that
// only echoes a change fibwarden made itself (or repeats what a dump showed) needs no re-read.
// Anything beyond the plain forms below returns undefined, and the caller re-reads.
//
//   [RULE]1000:\tfrom 10.112.0.5 lookup 10005 proto 201
//   [RULE]Deleted 1000:\tfrom 10.112.0.5 lookup 10005 proto 201
//   [ADDR]1: lo    inet 10.112.0.5/32 scope global lo:fw
//   [ADDR]Deleted 1: lo    inet6 fd00::5/128 scope global
import type { InterfaceAddress } from "../model/address.js";
import { addressKey, ruleKey } from "../model/keys.js";
import { tableNumber } from "../model/names.js";
import type { Rule } from "../model/rule.js";
import { canonicalAddress, canonicalPrefix, type Family } from "../net/ip.js";

/** A rule event in the plain form `PRIO: from P [to P] lookup T [proto N]`. */
export interface RuleEvent {
  deleted: boolean;
  family: Family;
  priority: number;
  from: string;
  to?: string;
  table: number;
  /** 0 when the line names no protocol. */
  protocol: number;
}

/** An address event. */
export interface AddressEvent {
  deleted: boolean;
  family: Family;
  dev: string;
  address: string;
  prefixlen: number;
  /** The IPv4 label, when it differs from the device name. */
  label?: string;
}

const RULE_PROTOS: Record<string, number> = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4 };

function familyOfPrefix(text: string): Family | undefined {
  if (text.includes(":")) return 6;
  if (text.includes(".")) return 4;
  return undefined;
}

/** Parses the text after `[RULE]`; undefined when it is not the plain form. */
export function parseRuleEvent(text: string): RuleEvent | undefined {
  const m = /^(Deleted )?(\d+):\t(.*)$/.exec(text.trimEnd());
  if (m === null) return undefined;
  const words = m[3]!.trim().split(/\s+/);
  let i = 0;
  if (words[i] !== "from" || words[i + 1] === undefined || words[i + 1] === "all") return undefined;
  const fromText = words[i + 1]!;
  const family = familyOfPrefix(fromText);
  if (family === undefined) return undefined;
  i += 2;
  let to: string | undefined;
  try {
    const from = canonicalPrefix(fromText, family);
    if (words[i] === "to") {
      const t = words[i + 1];
      if (t === undefined || familyOfPrefix(t) !== family) return undefined;
      to = canonicalPrefix(t, family);
      i += 2;
    }
    if (words[i] !== "lookup") return undefined;
    const table = tableNumber(words[i + 1] ?? "");
    if (table === undefined) return undefined;
    i += 2;
    let protocol = 0;
    if (words[i] === "proto") {
      const p = words[i + 1] ?? "";
      const n = /^\d+$/.test(p) ? Number(p) : Object.prototype.hasOwnProperty.call(RULE_PROTOS, p) ? RULE_PROTOS[p] : undefined;
      if (n === undefined) return undefined;
      protocol = n;
      i += 2;
    }
    if (i !== words.length) return undefined;
    const out: RuleEvent = { deleted: m[1] !== undefined, family, priority: Number(m[2]), from, table, protocol };
    if (to !== undefined) out.to = to;
    return out;
  } catch {
    return undefined;
  }
}

const ADDR_FLAGS = new Set(["secondary", "temporary", "dynamic", "noprefixroute", "tentative", "deprecated", "dadfailed", "home", "nodad", "optimistic", "mngtmpaddr", "stable-privacy", "autojoin", "permanent"]);

/** Parses the text after `[ADDR]` (its first line); undefined when it is not understood. */
export function parseAddressEvent(text: string): AddressEvent | undefined {
  const m = /^(Deleted )?\d+: (\S+)\s+(inet6?) (\S+)\/(\d+) (.*)$/.exec(text.trimEnd());
  if (m === null) return undefined;
  const family: Family = m[3] === "inet6" ? 6 : 4;
  let rest = m[6]!.trim().split(/\s+/);
  if (rest[0] === "brd" && family === 4) rest = rest.slice(2);
  if (rest[0] !== "scope" || rest[1] === undefined) return undefined; // peer, brd... forms: re-read
  const tail = rest.slice(2);
  let label: string | undefined;
  if (family === 4) {
    label = tail.pop();
    if (label === undefined || ADDR_FLAGS.has(label)) return undefined;
  }
  if (!tail.every((w) => ADDR_FLAGS.has(w))) return undefined;
  try {
    const dev = m[2]!;
    const out: AddressEvent = { deleted: m[1] !== undefined, family, dev, address: canonicalAddress(m[4]!, family), prefixlen: Number(m[5]) };
    // As in the ip-json normalizer: a label equal to the device name is no label.
    if (label !== undefined && label !== dev) out.label = label;
    return out;
  } catch {
    return undefined;
  }
}

/**
 * The tracker key of the address an event names: every address addressEventAgrees could match
 * sits at this key (the address trackers hold 10k VIPs: an event looks one key up, not a list).
 */
export function addressEventKey(ev: AddressEvent): string {
  return addressKey(ev);
}

/** The tracker key of the rule a plain rule event names (ruleEventAgrees matches only rules there). */
export function ruleEventKey(ev: RuleEvent): string {
  const r: Rule = { family: ev.family, priority: ev.priority, from: ev.from, tos: 0, action: "lookup", table: ev.table, protocol: ev.protocol };
  if (ev.to !== undefined) r.to = ev.to;
  return ruleKey(r);
}

/** True when an address event says what `cache` already holds (present, or gone when deleted). */
export function addressEventAgrees(ev: AddressEvent, cache: readonly InterfaceAddress[]): boolean {
  const hit = cache.find((a) => a.family === ev.family && a.dev === ev.dev && a.address === ev.address && a.prefixlen === ev.prefixlen);
  if (ev.deleted) return hit === undefined;
  return hit !== undefined && (ev.family === 6 || hit.label === ev.label);
}

/** True when a rule event says what `cache` already holds (present, or gone when deleted). */
export function ruleEventAgrees(ev: RuleEvent, cache: readonly Rule[]): boolean {
  const present = cache.some((r) => r.family === ev.family && r.priority === ev.priority && r.from === ev.from
    && r.to === ev.to && r.action === "lookup" && r.table === ev.table && r.protocol === ev.protocol
    && r.iif === undefined && r.oif === undefined && r.fwmark === undefined && r.tos === 0
    && r.extra === undefined && r.gotoPriority === undefined);
  return ev.deleted ? !present : present;
}
