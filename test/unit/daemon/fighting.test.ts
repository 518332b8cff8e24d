import { describe, expect, it } from "vitest";
import type { ApplyResult } from "../../../src/adapters/ports.js";
import { makeAddress, makeRoute, makeRule } from "../../../src/core/model/normalize.js";
import type { PlanOp } from "../../../src/core/plan/types.js";
import { FightWatch, installedObjectId } from "../../../src/daemon/fighting.js";

const rule = makeRule({ family: 4, priority: 1000, from: "10.1.0.1/32", table: 1000, protocol: 201 });
const ours = makeRoute({ dst: "0.0.0.0/0", table: 1000, protocol: 201, nexthops: [{ gateway: "10.0.0.1", dev: "eth1" }] });
const birds = makeRoute({ dst: "10.9.0.0/24", table: 254, protocol: 12, metric: 32, nexthops: [{ gateway: "10.0.0.1", dev: "eth1" }] });
const addRule: PlanOp = { kind: "rule.add", rule, reason: "missing" };
const applied = (...ops: PlanOp[]): ApplyResult => ({ results: ops.map((op) => ({ op, status: "applied" as const })), applied: ops.length, failed: 0, elapsedMs: 1 }) as unknown as ApplyResult;

describe("installedObjectId", () => {
  it("names our installs by kind and kernel key; not BIRD's reinstalls, not deletes", () => {
    expect(installedObjectId(addRule, 201)).toMatch(/^rule\|4\|1000\|/);
    expect(installedObjectId({ kind: "route.add", route: ours, reason: "" }, 201)).toBe("route|4|1000|0.0.0.0/0|0|0");
    expect(installedObjectId({ kind: "route.replace", route: ours, previous: ours, reason: "" }, 201)).toBe("route|4|1000|0.0.0.0/0|0|0");
    expect(installedObjectId({ kind: "route.add", route: birds, reason: "" }, 201)).toBeUndefined();
    expect(installedObjectId({ kind: "address.add", address: makeAddress({ address: "10.1.0.1", prefixlen: 32, dev: "lo", label: "lo:fw" }), reason: "" }, 201)).toBe("address|4|lo|10.1.0.1/32");
    expect(installedObjectId({ kind: "sysctl.set", sysctl: { iface: "eth0", name: "rp_filter", value: 2 }, previous: 1, reason: "" }, 201)).toBe("sysctl|eth0|rp_filter");
    expect(installedObjectId({ kind: "rule.delete", rule, reason: "" }, 201)).toBeUndefined();
  });
});

describe("FightWatch", () => {
  it("holds a rule down after the configured re-installs, and only that rule; failed ops do not count", () => {
    const w = new FightWatch({ restores: 2, windowMs: 10_000, holdMs: 30_000 }, 201);
    expect(w.applied(applied(addRule), 0)).toEqual([]);
    expect(w.applied(applied(addRule), 1000)).toEqual([]);
    expect(w.applied({ ...applied(addRule), results: [{ op: addRule, status: "failed" }] } as unknown as ApplyResult, 1500)).toEqual([]);
    const started = w.applied(applied(addRule), 2000);
    expect(started.map((h) => [h.restores, h.until])).toEqual([[2, 32_000]]);
    expect(w.isHeld(addRule, 2001)).toBe(true);
    expect(w.isHeld({ kind: "route.add", route: ours, reason: "" }, 2001)).toBe(false);
    expect(w.held(2001).map((h) => h.id)).toEqual([installedObjectId(addRule, 201)]);
    expect(w.isHeld(addRule, 32_000)).toBe(false);
    expect(w.applied(undefined, 40_000)).toEqual([]);
  });
});
