// The VIP rule index (src/reconciler/vip-rules.ts) kept from changes equals the index built
// from scratch, and both equal the definition: the configured VIPs whose host prefix no rule of
// ours (a lookup into a source table) comes from.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { VipConfig } from "../../../src/config/schema.js";
import { ruleKey } from "../../../src/core/model/keys.js";
import type { Rule } from "../../../src/core/model/rule.js";
import { hostPrefix } from "../../../src/core/net/ip.js";
import { configToPolicy } from "../../../src/config/policy.js";
import { parseConfigText } from "../../../src/config/parse.js";
import { VipRuleIndex, type RuleSource } from "../../../src/reconciler/vip-rules.js";

const config = parseConfigText("bird: {sockets: [/run/bird.ctl]}\nownership: {tables: {from: 1000, to: 1999}, rulePriorities: {from: 1000, to: 1999}}\n");
const policy = configToPolicy(config);
const range = config.ownership.tables;
const addresses = ["10.112.0.1", "10.112.0.2", "10.112.0.3", "fd00::5"];

type Step =
  | { t: "rule"; vip: number; table: number; protocol: number; action: "lookup" | "blackhole"; prio: number; del: boolean }
  | { t: "ruleDel"; pick: number }
  | { t: "vips"; set: boolean[] };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    t: fc.constant("rule" as const), vip: fc.nat(addresses.length - 1), table: fc.constantFrom(1000, 1001, 50),
    protocol: fc.constantFrom(201, 4), action: fc.constantFrom("lookup" as const, "blackhole" as const), prio: fc.constantFrom(1000, 1001, 5000), del: fc.boolean(),
  }),
  fc.record({ t: fc.constant("ruleDel" as const), pick: fc.nat() }),
  fc.record({ t: fc.constant("vips" as const), set: fc.array(fc.boolean(), { minLength: addresses.length, maxLength: addresses.length }) }),
);

/** A live rule side: several rules per key (protocol is not part of the key). */
class Rules implements RuleSource {
  readonly byKey = new Map<string, Rule[]>();
  keys() { return this.byKey.keys(); }
  get(k: string) { return this.byKey.get(k) ?? []; }
  set(r: Rule, del: boolean): string {
    const k = ruleKey(r);
    const rest = this.get(k).filter((x) => x.protocol !== r.protocol || x.table !== r.table || x.action !== r.action);
    const next = del ? rest : [...rest, r];
    if (next.length === 0) this.byKey.delete(k);
    else this.byKey.set(k, next);
    return k;
  }
}

const ruleOf = (s: Extract<Step, { t: "rule" }>): Rule => {
  const address = addresses[s.vip]!;
  const family = address.includes(":") ? 6 : 4;
  return s.action === "lookup"
    ? { family, priority: s.prio, from: hostPrefix(address), tos: 0, action: "lookup", table: s.table, protocol: s.protocol }
    : { family, priority: s.prio, from: hostPrefix(address), tos: 0, action: "blackhole", protocol: s.protocol };
};

/** The definition, from every rule. */
function unruled(rules: Rules, vips: readonly VipConfig[]): string[] {
  const ruled = new Set<string>();
  for (const list of rules.byKey.values()) {
    for (const r of list) if (r.action === "lookup" && r.table! >= 1000 && r.table! <= 1999 && r.protocol === 201 && r.priority < 2000) ruled.add(r.from!);
  }
  return vips.filter((v) => !ruled.has(hostPrefix(v.address))).map((v) => v.address).sort();
}

describe("VipRuleIndex", () => {
  it("kept from changed rule keys and changed VIPs, equals the index built from scratch and the definition", () => {
    fc.assert(fc.property(fc.array(step, { minLength: 5, maxLength: 40 }), (steps) => {
      const rules = new Rules();
      let vips: VipConfig[] = [{ address: addresses[0]!, device: "lo" } as VipConfig];
      const index = new VipRuleIndex(policy, range, rules, vips, hostPrefix);
      for (const s of steps) {
        if (s.t === "rule") {
          index.ruleChanged(rules.set(ruleOf(s), s.del), rules);
        } else if (s.t === "ruleDel") {
          const all = [...rules.byKey.values()].flat();
          if (all.length > 0) index.ruleChanged(rules.set(all[s.pick % all.length]!, true), rules);
        } else {
          const next = addresses.filter((_, i) => s.set[i]).map((address) => ({ address, device: "lo" }) as VipConfig);
          const changed = new Set([...vips, ...next].map((v) => v.address));
          vips = next;
          index.vipsChanged(changed, (a) => next.some((v) => v.address === a));
        }
        const fresh = new VipRuleIndex(policy, range, rules, vips, hostPrefix);
        expect([...index.unruled()].sort()).toEqual(unruled(rules, vips));
        expect([...fresh.unruled()].sort()).toEqual(unruled(rules, vips));
        for (const a of addresses) {
          expect(index.vipAt(hostPrefix(a))).toBe(vips.some((v) => v.address === a) ? a : undefined);
        }
      }
    }), { numRuns: 400 });
  });
});
