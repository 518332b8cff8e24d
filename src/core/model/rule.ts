// Policy routing rules (`ip rule`) in fibwarden's model.
import type { Family, Prefix } from "../net/ip.js";

/** Rule actions (FR_ACT_*). */
export type RuleAction = "lookup" | "goto" | "nop" | "blackhole" | "unreachable" | "prohibit";

/** A policy rule. Absent selectors match everything. */
export interface Rule {
  family: Family;
  /** Rule priority (preference); lower runs first. main's rule sits at 32766. */
  priority: number;
  /** Source selector, canonical prefix (`from`). */
  from?: Prefix;
  /** Destination selector, canonical prefix (`to`). */
  to?: Prefix;
  iif?: string;
  oif?: string;
  /** fwmark value and mask (mask 0xffffffff when none was given). */
  fwmark?: { value: number; mask: number };
  tos: number;
  /** Target table for `lookup` rules. */
  table?: number;
  /** Target priority for `goto` rules. */
  gotoPriority?: number;
  action: RuleAction;
  /** FRA_PROTOCOL: the ownership marker of a rule (kernel 4.17+); 0 when unset. */
  protocol: number;
  /**
   * Selectors fibwarden does not model (`not`, uidrange, ipproto, ports, l3mdev...), as canonical
   * text. Part of the rule's identity so that such rules never look like ours.
   */
  extra?: string;
}

/** True when two rules match the same packets and do the same thing, ignoring protocol. */
export function ruleSelectorsEqual(a: Rule, b: Rule): boolean {
  return a.family === b.family && a.priority === b.priority && a.from === b.from && a.to === b.to
    && a.iif === b.iif && a.oif === b.oif && a.tos === b.tos && a.action === b.action
    && a.table === b.table && a.gotoPriority === b.gotoPriority && a.extra === b.extra
    && a.fwmark?.value === b.fwmark?.value && a.fwmark?.mask === b.fwmark?.mask;
}

/** True when two rules are identical, protocol included. */
export function rulesEqual(a: Rule, b: Rule): boolean {
  return ruleSelectorsEqual(a, b) && a.protocol === b.protocol;
}
