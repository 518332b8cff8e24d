// The rule tracker: our desired rules and the kernel's, keyed by ruleKey, with our desired lookup
// rules per table (a rule is installed only while its table holds routes).
import { ruleKey } from "../model/keys.js";
import { rulesEqual, type Rule } from "../model/rule.js";
import type { DirtyKeys } from "./dirty.js";
import { addToSet, removeFromSet } from "./slot.js";
import { DesiredStore, LiveStore, type StoreSpec } from "./stores.js";

const spec: StoreSpec<Rule> = { keyOf: ruleKey, equal: rulesEqual };

const lookupTable = (r: Rule): number | undefined => (r.action === "lookup" ? r.table : undefined);

/** Desired and live rules with the desired lookup rules per table. */
export class RuleTracker {
  readonly desired: DesiredStore<Rule>;
  readonly live: LiveStore<Rule>;
  /** Keys of desired lookup rules per table. */
  readonly desiredByTable = new Map<number, Set<string>>();

  constructor(dirty: () => DirtyKeys) {
    this.desired = new DesiredStore(spec, (k, b, a) => {
      dirty().rules.add(k);
      for (const r of b) if (lookupTable(r) !== undefined) removeFromSet(this.desiredByTable, lookupTable(r)!, k);
      for (const r of a) if (lookupTable(r) !== undefined) addToSet(this.desiredByTable, lookupTable(r)!, k);
    });
    this.live = new LiveStore(spec, (k) => { dirty().rules.add(k); });
  }
}
