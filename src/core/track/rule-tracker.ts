// The rule tracker: our desired rules and the kernel's, keyed by ruleKey, with our desired lookup
// rules per table (a rule is installed only while its table holds routes).
import { ruleKey } from "../model/keys.js";
import { rulesEqual, type Rule } from "../model/rule.js";
import type { DirtyKeys } from "./dirty.js";
import { addToSlot, bumpCount, removeFromSlot, SetIndex, type Slot } from "./slot.js";
import { DesiredStore, LiveStore, type StoreSpec } from "./stores.js";

const spec: StoreSpec<Rule> = { keyOf: ruleKey, equal: rulesEqual };

const lookupTable = (r: Rule): number | undefined => (r.action === "lookup" ? r.table : undefined);

/**
 * Desired and live rules with the desired lookup rules per table, and two indexes of the live
 * rules for an event pass's VIP builder (10k VIPs have 10k rules; it needs a few of them).
 */
export class RuleTracker {
  readonly desired: DesiredStore<Rule>;
  readonly live: LiveStore<Rule>;
  /** Keys of desired lookup rules per table. */
  readonly desiredByTable = new SetIndex<number>();
  /** Live rules per table they name (rules of anyone: the tables rules keep in use). */
  readonly liveTables = new Map<number, number>();
  /** Keys of live rules per source selector (`from`, part of the key: one per key). */
  readonly liveByFrom = new Map<string, Slot<string>>();

  constructor(dirty: () => DirtyKeys) {
    this.desired = new DesiredStore(spec, (k, b, a) => {
      dirty().rules.add(k);
      for (const r of b) if (lookupTable(r) !== undefined) this.desiredByTable.remove(lookupTable(r)!, k);
      for (const r of a) if (lookupTable(r) !== undefined) this.desiredByTable.add(lookupTable(r)!, k);
    });
    this.live = new LiveStore(spec, (k, b, a) => {
      dirty().rules.add(k);
      for (const r of b) if (r.table !== undefined) bumpCount(this.liveTables, r.table, -1);
      for (const r of a) if (r.table !== undefined) bumpCount(this.liveTables, r.table, 1);
      const from = (a[0] ?? b[0])?.from;
      if (from === undefined || (b.length > 0) === (a.length > 0)) return;
      if (a.length > 0) addToSlot(this.liveByFrom, from, k);
      else removeFromSlot(this.liveByFrom, from, k);
    });
  }
}
