// SetIndex (slot.ts): a compact map of key -> set of members, against a plain Map<K, Set>.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SetIndex } from "../../../../src/core/track/slot.js";

type Op = { add: boolean; key: number; member: string };

const ops = fc.array(fc.record({ add: fc.boolean(), key: fc.integer({ min: 0, max: 3 }), member: fc.constantFrom("a", "b", "c", "d") }), { maxLength: 60 });

function model(list: readonly Op[]): Map<number, Set<string>> {
  const m = new Map<number, Set<string>>();
  for (const op of list) {
    const set = m.get(op.key) ?? new Set<string>();
    if (op.add) set.add(op.member);
    else set.delete(op.member);
    if (set.size > 0) m.set(op.key, set);
    else m.delete(op.key);
  }
  return m;
}

const sortedEntries = (it: Iterable<[number, Iterable<string>]>) =>
  [...it].map(([k, v]) => [k, [...v].sort()] as const).sort((a, b) => a[0] - b[0]);

describe("SetIndex", () => {
  it("holds what a Map of Sets holds after any adds and removes (keys, members, has, size)", () => {
    fc.assert(fc.property(ops, (list) => {
      const ix = new SetIndex<number>();
      for (const op of list) {
        if (op.add) ix.add(op.key, op.member);
        else ix.remove(op.key, op.member);
      }
      const m = model(list);
      expect(sortedEntries(ix)).toEqual(sortedEntries(m));
      expect(ix.size).toBe(m.size);
      expect([...ix.keys()].sort()).toEqual([...m.keys()].sort());
      for (let k = 0; k <= 3; k++) {
        expect(ix.has(k)).toBe(m.has(k));
        expect([...ix.get(k)].sort()).toEqual([...(m.get(k) ?? [])].sort());
      }
    }), { numRuns: 500 });
  });

  it("keeps one member as the member itself, and goes back to it when a set shrinks to one", () => {
    const ix = new SetIndex<number>();
    ix.add(1, "a");
    ix.add(1, "a");
    expect([...ix.get(1)]).toEqual(["a"]);
    ix.add(1, "b");
    expect([...ix.get(1)].sort()).toEqual(["a", "b"]);
    ix.remove(1, "a");
    expect([...ix.get(1)]).toEqual(["b"]);
    ix.remove(1, "a");
    expect([...ix.get(1)]).toEqual(["b"]);
    ix.remove(1, "b");
    expect(ix.has(1)).toBe(false);
    expect(ix.size).toBe(0);
  });
});
