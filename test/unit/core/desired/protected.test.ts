// From BIRD's captured exports to the kernel routes BIRD installed: parser + builder + planner
// together must find the captured kernel exactly in sync (no drift), for BIRD 2 and BIRD 1.6.
import { describe, expect, it } from "vitest";
import { frameTranscript } from "../../../../src/core/bird/framing.js";
import { parseRoutes } from "../../../../src/core/bird/route-parser.js";
import { buildProtectedRoutes, defaultBirdKernelMetric } from "../../../../src/core/desired/protected.js";
import { routeKey } from "../../../../src/core/model/keys.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { plan } from "../../../../src/core/plan/plan.js";
import { loadKernelFixture, readFixture } from "../../../support/fixtures.js";

const policy = defaultOwnershipPolicy();
const empty = { routes: [], rules: [], addresses: [], sysctls: [] };

function exported(path: string) {
  return parseRoutes(frameTranscript(readFixture(path)));
}

const cases = [
  { node: "bird2-node" as const, major: 2, v4: "bird/bird-2.0.12/show-route-export-kernel1.txt", v6: "bird/bird-2.0.12/show-route-export-kernel2.txt" },
  { node: "bird16-node" as const, major: 1, v4: "bird/bird-1.6.8/show-route-export-kernel1.txt", v6: "bird/bird6-1.6.8/show-route-export-kernel1.txt" },
];

describe.each(cases)("protected routes of $node", ({ node, major, v4, v6 }) => {
  const live = loadKernelFixture(node);
  const p4 = buildProtectedRoutes(exported(v4), { protocol: "kernel1", family: 4, table: 254, metric: defaultBirdKernelMetric(major, 4) });
  const p6 = buildProtectedRoutes(exported(v6), { protocol: major >= 2 ? "kernel2" : "kernel1", family: 6, table: 254, metric: defaultBirdKernelMetric(major, 6) });
  const protectedRoutes = [...p4.routes, ...p6.routes];

  it("builds one kernel route per exported network, ECMP merged", () => {
    expect(p4.skipped).toEqual([]);
    expect(p6.skipped).toEqual([]);
    expect(new Set(protectedRoutes.map(routeKey)).size).toBe(protectedRoutes.length);
    const ecmp = p4.routes.find((r) => r.dst === "10.111.196.0/24")!;
    expect(ecmp.nexthops.map((n) => [n.gateway, n.dev])).toEqual([["10.111.1.1", "na0"], ["10.111.2.1", "nb0"]]);
    expect(p4.routes.find((r) => r.dst === "10.111.197.0/24")!.type).toBe("prohibit");
    expect(p4.routes.find((r) => r.dst === "10.111.100.1/32")!.scope).toBe(253);
  });

  it("matches the captured kernel: IPv4 in sync; IPv6 drift exactly where the dump was damaged", () => {
    const p = plan({ ...empty, protectedRoutes }, live, policy, { observationComplete: true, repairProtected: "reinstall" });
    expect(p.conflicts).toEqual([]);
    expect(p.drift.every((d) => d.expected.family === 6)).toBe(true);
    const liveKeys = new Set(live.routes.filter((r) => r.protocol === 12).map(routeKey));
    const absent = protectedRoutes.filter((r) => !liveKeys.has(routeKey(r)));
    const missing = p.drift.filter((d) => d.kind === "missing");
    const differs = p.drift.filter((d) => d.kind === "differs");
    if (major >= 2) {
      // The BIRD 2 capture's IPv6 kernel dump lacks 12 exported routes and has 10 ECMP routes
      // (fd00:201::/48 and its /48 neighbours) down to their nb0 leg.
      expect(missing.map((d) => d.expected.dst).sort()).toEqual(absent.map((r) => r.dst).sort());
      expect(missing).toHaveLength(12);
      expect(differs).toHaveLength(10);
      for (const d of differs) {
        expect(d.expected.dst).toMatch(/^fd00:201:/);
        expect(d.expected.nexthops.map((n) => n.dev)).toEqual(["na0", "nb0"]);
        expect(d.live?.nexthops.map((n) => n.dev)).toEqual(["nb0"]);
      }
      expect(p.drift).toHaveLength(22);
      expect(p.ops.map((o) => o.kind)).toEqual(absent.map(() => "route.add"));
    } else {
      expect(p.drift).toEqual([]);
      expect(p.ops).toEqual([]);
    }
  });

  it("a wrong metric assumption is one problem naming the override, never per-route drift or reinstalls", () => {
    // The calico-node case: BIRD 1.6 taken for BIRD 2/3 expects metric 32 where the kernel holds
    // BIRD's routes at 0 (and the reverse): every IPv4 route would look missing.
    const actual = defaultBirdKernelMetric(major, 4);
    const wrongMetric = actual === 32 ? 0 : 32;
    const wrong = buildProtectedRoutes(exported(v4), { protocol: "kernel1", family: 4, table: 254, metric: wrongMetric });
    for (const repairProtected of ["report", "reinstall"] as const) {
      const p = plan({ ...empty, protectedRoutes: wrong.routes }, live, policy, { observationComplete: true, repairProtected });
      expect(p.ops).toEqual([]);
      expect(p.guards).toHaveLength(1);
      const g = p.guards[0]!;
      expect(g).toMatchObject({ code: "kernel-metric-mismatch", family: 4, table: 254, metric: wrongMetric, liveMetric: actual, total: wrong.routes.length });
      expect(g.message).toContain(`protect.metrics.<kernel protocol>.ipv4: ${actual}`);
      // Routes the kernel holds at the other metric are explained by the guard; what is left
      // (routes absent at every metric) is still drift, each named.
      const elsewhere = new Set(live.routes.filter((r) => r.protocol === 12 && r.family === 4 && r.table === 254).map((r) => r.dst));
      expect(p.drift.map((d) => d.expected.dst).sort()).toEqual(wrong.routes.filter((r) => !elsewhere.has(r.dst)).map((r) => r.dst).sort());
      expect(g.atLiveMetric).toBe(wrong.routes.length - p.drift.length);
    }
  });

  it("a metric that some routes share by accident is no mismatch: missing routes stay drift", () => {
    // One BIRD route deleted from the kernel while the rest sit at the expected metric.
    const metric = defaultBirdKernelMetric(major, 4);
    const victim = p4.routes[0]!;
    const damaged = { ...live, routes: live.routes.filter((r) => routeKey(r) !== routeKey(victim)) };
    const p = plan({ ...empty, protectedRoutes: p4.routes }, damaged, policy, { observationComplete: true, repairProtected: "reinstall" });
    expect(p.guards).toEqual([]);
    expect(p.drift).toHaveLength(1);
    expect(p.drift[0]).toMatchObject({ kind: "missing", repaired: true });
    expect(p.ops).toHaveLength(1);
    expect(p.ops[0]).toMatchObject({ kind: "route.add", route: { dst: victim.dst, metric } });
  });
});
