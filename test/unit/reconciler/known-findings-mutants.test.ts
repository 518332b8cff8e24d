// The findings known between passes: a full plan replaces all of them, an event pass only those at
// the keys it planned (per object kind), and the totals follow findings as they come and go.
// Written against the survivors of mutation testing (docs/reliability.md, Mutation testing).
import { describe, expect, it } from "vitest";
import { makeRoute } from "../../../src/core/model/normalize.js";
import type { Conflict, Drift } from "../../../src/core/plan/types.js";
import type { KeySet } from "../../../src/core/track/dirty.js";
import { KnownFindings } from "../../../src/reconciler/known-findings.js";

const conflict = (object: Conflict["object"], key: string, reason: Conflict["reason"]): Conflict =>
  ({ object, key, reason, message: `${reason} at ${object} ${key}` });

const drift = (key: string, kind: Drift["kind"]): Drift => ({
  kind, key, message: `${kind} at ${key}`, repaired: false,
  expected: makeRoute({ table: 1000, dst: "0.0.0.0/0", protocol: 201, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] }),
});

/** The keys of an event pass: none unless `over` names some. */
function keys(over: Partial<Record<keyof KeySet, string[]>>): KeySet {
  return {
    routes: new Set(over.routes ?? []), rules: new Set(over.rules ?? []),
    addresses: new Set(over.addresses ?? []), sysctls: new Set(over.sysctls ?? []),
  };
}

const none = { conflicts: [], drift: [] };

describe("KnownFindings", () => {
  it("starts with no findings and zero totals", () => {
    const k = new KnownFindings();
    expect(k.list()).toEqual({ conflicts: [], drift: [] });
    expect(k.totals()).toEqual({ conflicts: 0, drift: 0, conflictReasons: {}, driftKinds: {} });
  });

  it("counts each conflict by reason and each drift by kind", () => {
    const k = new KnownFindings();
    k.replace("all", {
      conflicts: [conflict("route", "r1", "held-by-alien"), conflict("rule", "u1", "held-by-alien"), conflict("address", "a1", "not-ownable")],
      drift: [drift("r2", "missing")],
    });
    expect(k.totals()).toEqual({ conflicts: 3, drift: 1, conflictReasons: { "held-by-alien": 2, "not-ownable": 1 }, driftKinds: { missing: 1 } });
    expect(k.list().conflicts).toHaveLength(3);
  });

  it("a full plan replaces every finding and every total", () => {
    const k = new KnownFindings();
    k.replace("all", { conflicts: [conflict("route", "r1", "held-by-alien")], drift: [drift("r1", "missing")] });
    const second = conflict("rule", "u1", "table-empty");
    k.replace("all", { conflicts: [second], drift: [] });
    expect(k.list()).toEqual({ conflicts: [second], drift: [] });
    expect(k.totals()).toEqual({ conflicts: 1, drift: 0, conflictReasons: { "table-empty": 1 }, driftKinds: {} });
  });

  it("a full plan with no findings clears them all", () => {
    const k = new KnownFindings();
    k.replace("all", { conflicts: [conflict("route", "r1", "held-by-alien")], drift: [drift("r1", "differs")] });
    k.replace("all", none);
    expect(k.list()).toEqual({ conflicts: [], drift: [] });
    expect(k.totals()).toEqual({ conflicts: 0, drift: 0, conflictReasons: {}, driftKinds: {} });
  });

  it("an event pass drops the conflicts at the keys it planned, of each object kind", () => {
    const k = new KnownFindings();
    k.replace("all", {
      conflicts: [
        conflict("route", "r1", "held-by-alien"), conflict("rule", "u1", "table-empty"),
        conflict("address", "a1", "not-ownable"), conflict("sysctl", "s1", "held-by-alien"),
      ],
      drift: [],
    });
    k.replace(keys({ routes: ["r1"], rules: ["u1"], addresses: ["a1"], sysctls: ["s1"] }), none);
    expect(k.list().conflicts).toEqual([]);
    expect(k.totals()).toEqual({ conflicts: 0, drift: 0, conflictReasons: {}, driftKinds: {} });
  });

  it("a planned key drops only the conflict of its own kind, not one of another kind with the same key", () => {
    const k = new KnownFindings();
    const onRule = conflict("rule", "k", "table-empty");
    k.replace("all", { conflicts: [conflict("route", "k", "held-by-alien"), onRule], drift: [] });
    k.replace(keys({ routes: ["k"] }), none);
    expect(k.list().conflicts).toEqual([onRule]);
    expect(k.totals()).toMatchObject({ conflicts: 1, conflictReasons: { "table-empty": 1 } });
  });

  it("an event pass keeps the findings at keys it did not plan and adds its own", () => {
    const k = new KnownFindings();
    const kept = conflict("route", "r2", "held-by-alien");
    k.replace("all", { conflicts: [conflict("route", "r1", "held-by-alien"), kept], drift: [drift("r2", "missing")] });
    const fresh = conflict("route", "r1", "ambiguous-key");
    k.replace(keys({ routes: ["r1"] }), { conflicts: [fresh], drift: [] });
    expect(k.list().conflicts).toEqual(expect.arrayContaining([kept, fresh]));
    expect(k.list().conflicts).toHaveLength(2);
    expect(k.list().drift).toHaveLength(1);
    expect(k.totals()).toEqual({
      conflicts: 2, drift: 1, conflictReasons: { "held-by-alien": 1, "ambiguous-key": 1 }, driftKinds: { missing: 1 },
    });
  });

  it("several conflicts at one key are all dropped together, and the totals fall by each", () => {
    const k = new KnownFindings();
    k.replace("all", { conflicts: [conflict("route", "r1", "held-by-alien"), conflict("route", "r1", "ambiguous-key"), conflict("route", "r2", "held-by-alien")], drift: [] });
    k.replace(keys({ routes: ["r1"] }), none);
    expect(k.list().conflicts).toEqual([conflict("route", "r2", "held-by-alien")]);
    expect(k.totals()).toEqual({ conflicts: 1, drift: 0, conflictReasons: { "held-by-alien": 1 }, driftKinds: {} });
  });

  it("drift at a planned route key is replaced, and its kind total follows", () => {
    const k = new KnownFindings();
    k.replace("all", { conflicts: [], drift: [drift("r1", "missing"), drift("r2", "missing")] });
    k.replace(keys({ routes: ["r1"] }), { conflicts: [], drift: [drift("r1", "overwritten")] });
    expect(k.totals()).toEqual({ conflicts: 0, drift: 2, conflictReasons: {}, driftKinds: { missing: 1, overwritten: 1 } });
  });

  it("totals are a copy: changing them does not change what is known", () => {
    const k = new KnownFindings();
    k.replace("all", { conflicts: [conflict("route", "r1", "held-by-alien")], drift: [] });
    const t = k.totals();
    t.conflicts = 99;
    t.conflictReasons["held-by-alien"] = 99;
    expect(k.totals()).toEqual({ conflicts: 1, drift: 0, conflictReasons: { "held-by-alien": 1 }, driftKinds: {} });
  });
});
