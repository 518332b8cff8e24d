// Which configured VIPs have no rule of ours in the kernel, kept between event passes. An event
// pass recomposes every such VIP (desire-scope.ts); with 10k VIPs, finding them by walking all
// VIPs and all rules cost more than the rest of a VIP add. Kept exact from what changed: the
// dirty rule keys (a rule of ours that looks up a source table, from a VIP's host prefix, came or
// went) and the VIPs whose configuration changed (added, edited, removed). A resync starts over
// from every rule and every VIP.
import type { VipConfig } from "../config/schema.js";
import { classifyRule, rangeIncludes, type NumberRange, type OwnershipPolicy } from "../core/ownership.js";
import type { Rule } from "../core/model/rule.js";

/** What the index reads from the trackers. */
export interface RuleSource {
  /** Every key of a live rule. */
  keys(): Iterable<string>;
  /** The live rules at `key`. */
  get(key: string): readonly Rule[];
}

/** The configured VIPs without a rule of ours, and the VIP of each host prefix. */
export class VipRuleIndex {
  /** Rule key → the host prefix its rule of ours comes from. */
  private readonly ruledBy = new Map<string, string>();
  /** Host prefix → number of rule keys of ours from it. */
  private readonly ruleCount = new Map<string, number>();
  /** Host prefix → configured VIP address. */
  private readonly vipOfHost = new Map<string, string>();
  /** Configured VIP address → its host prefix. */
  private readonly hostOfVip = new Map<string, string>();
  /** Configured VIPs whose host prefix no rule of ours comes from. */
  private readonly without = new Set<string>();

  /**
   * Builds the index from every live rule and every configured VIP; `host` gives a VIP's host
   * prefix. `tables`: the source tables (a rule of ours into another table does not count).
   */
  constructor(private readonly policy: OwnershipPolicy, private readonly tables: NumberRange, rules: RuleSource, vips: readonly VipConfig[], private readonly host: (address: string) => string) {
    for (const k of rules.keys()) this.ruleChanged(k, rules);
    for (const v of vips) this.vipSet(v.address);
  }

  /** The VIP configured at host prefix `host`, if any. */
  vipAt(host: string): string | undefined {
    return this.vipOfHost.get(host);
  }

  /** The configured VIPs without a rule of ours. */
  unruled(): ReadonlySet<string> {
    return this.without;
  }

  /** The rules at `key` changed (a dirty rule key). */
  ruleChanged(key: string, rules: RuleSource): void {
    const before = this.ruledBy.get(key);
    const after = this.ruledHostAt(rules.get(key));
    if (before === after) return;
    if (before !== undefined) {
      this.ruledBy.delete(key);
      const n = this.ruleCount.get(before)! - 1;
      if (n > 0) this.ruleCount.set(before, n);
      else {
        this.ruleCount.delete(before);
        const vip = this.vipOfHost.get(before);
        if (vip !== undefined) this.without.add(vip);
      }
    }
    if (after !== undefined) {
      this.ruledBy.set(key, after);
      const n = (this.ruleCount.get(after) ?? 0) + 1;
      this.ruleCount.set(after, n);
      if (n === 1) {
        const vip = this.vipOfHost.get(after);
        if (vip !== undefined) this.without.delete(vip);
      }
    }
  }

  /** The VIPs whose configuration changed: `configured` those still configured (others are gone). */
  vipsChanged(changed: Iterable<string>, configured: (address: string) => boolean): void {
    for (const a of changed) {
      if (configured(a)) this.vipSet(a);
      else this.vipGone(a);
    }
  }

  private vipSet(address: string): void {
    if (this.hostOfVip.has(address)) return;
    const host = this.host(address);
    this.hostOfVip.set(address, host);
    this.vipOfHost.set(host, address);
    if (!this.ruleCount.has(host)) this.without.add(address);
  }

  private vipGone(address: string): void {
    const host = this.hostOfVip.get(address);
    if (host === undefined) return;
    this.hostOfVip.delete(address);
    if (this.vipOfHost.get(host) === address) this.vipOfHost.delete(host);
    this.without.delete(address);
  }

  /** The host prefix a rule of ours at one key comes from (a lookup into a source table). */
  private ruledHostAt(rules: readonly Rule[]): string | undefined {
    for (const r of rules) {
      if (r.action === "lookup" && r.from !== undefined && r.table !== undefined && rangeIncludes(this.tables, r.table) && classifyRule(this.policy, r) === "ours") return r.from;
    }
    return undefined;
  }
}
