import { describe, expect, it } from "vitest";
import { DriftReporter } from "../../../src/daemon/drift-report.js";
import { makeRoute } from "../../../src/core/model/normalize.js";
import type { Drift } from "../../../src/core/plan/types.js";

const route = makeRoute({ family: 4, table: 254, dst: "10.0.0.0/24", protocol: 12, metric: 32, nexthops: [{ dev: "eth0" }] });
const drift = (key: string): Drift => ({ kind: "missing", key, expected: route, message: `missing ${key}`, repaired: false });

describe("DriftReporter (daemon.driftSettleMs)", () => {
  it("reports a finding once it settles, once, and asks for a re-check while it settles", () => {
    const r = new DriftReporter(3000);
    const a = drift("a");
    expect(r.observe([a], 0)).toEqual({ newlySettled: [], settled: [], pending: 1, recheckInMs: 3000 });
    expect(r.observe([a], 2999)).toEqual({ newlySettled: [], settled: [], pending: 1, recheckInMs: 3000 });
    expect(r.observe([a], 3000)).toEqual({ newlySettled: [a], settled: [a], pending: 0 });
    expect(r.observe([a], 4000)).toEqual({ newlySettled: [], settled: [a], pending: 0 });
  });

  it("drift gone before the window ends is never reported; drift that comes back settles again", () => {
    const r = new DriftReporter(1000);
    const a = drift("a");
    r.observe([a], 0);
    expect(r.observe([], 500)).toEqual({ newlySettled: [], settled: [], pending: 0 });
    r.observe([a], 600);
    expect(r.observe([a], 1600).newlySettled).toEqual([a]);
    expect(r.observe([], 1700).settled).toEqual([]);
    r.observe([a], 1800);
    expect(r.observe([a], 2800).newlySettled).toEqual([a]);
  });

  it("with a zero window reports at once; retime starts over", () => {
    const r = new DriftReporter(0);
    const a = drift("a");
    expect(r.observe([a], 5).newlySettled).toEqual([a]);
    r.retime(1000);
    expect(r.observe([a], 6)).toMatchObject({ newlySettled: [], pending: 1, recheckInMs: 1000 });
  });
});
