import { describe, expect, it } from "vitest";
import { DriftSettler, driftId, settledDrift } from "../../../../src/core/drift/settle.js";
import type { Drift } from "../../../../src/core/plan/types.js";
import { makeRoute } from "../../../../src/core/model/normalize.js";

const route = makeRoute({ family: 4, table: 254, dst: "10.0.0.0/24", protocol: 12, metric: 32, nexthops: [{ dev: "eth0" }] });
const drift = (kind: Drift["kind"], key: string): Drift => ({ kind, key, expected: route, message: `${kind} at ${key}`, repaired: false });

describe("settledDrift (reconcile --plan --settle)", () => {
  it("keeps only the findings seen at both observations, same kind at the same key, in the second one's order", () => {
    const before = [drift("missing", "a"), drift("differs", "b"), drift("shadowed", "c")];
    const after = [drift("shadowed", "c"), drift("missing", "b"), drift("missing", "a"), drift("missing", "d")];
    expect(settledDrift(before, after).map(driftId)).toEqual(["shadowed|c", "missing|a"]);
    expect(settledDrift([], after)).toEqual([]);
    expect(settledDrift(before, [])).toEqual([]);
  });
});

describe("DriftSettler (the daemon's settle window)", () => {
  it("reports a finding once it has been seen without a gap for the whole window, boundary included", () => {
    const s = new DriftSettler(3000);
    const a = drift("missing", "a");
    expect(s.observe([a], 1000)).toEqual({ settled: [], pending: [a] });
    expect(s.observe([a], 3999)).toEqual({ settled: [], pending: [a] });
    expect(s.observe([a], 4000)).toEqual({ settled: [a], pending: [] });
    expect(s.observe([a], 9000).settled).toEqual([a]);
  });

  it("starts a finding again from zero after an observation without it, and after reset()", () => {
    const s = new DriftSettler(1000);
    const a = drift("missing", "a");
    s.observe([a], 0);
    s.observe([], 500);
    expect(s.observe([a], 1200).pending).toEqual([a]);
    expect(s.observe([a], 2200).settled).toEqual([a]);
    s.reset();
    expect(s.observe([a], 2300).pending).toEqual([a]);
  });

  it("tells kinds apart at one key, and reports at once with a zero window", () => {
    const s = new DriftSettler(1000);
    s.observe([drift("missing", "k")], 0);
    expect(s.observe([drift("overwritten", "k")], 5000).pending.map(driftId)).toEqual(["overwritten|k"]);
    expect(new DriftSettler(0).observe([drift("missing", "k")], 7).settled.map(driftId)).toEqual(["missing|k"]);
    expect(() => new DriftSettler(-1)).toThrow(RangeError);
  });
});
