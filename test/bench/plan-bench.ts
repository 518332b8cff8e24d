// Benchmark of the pure planner: plan() time and heap for N desired vs N live routes with 1%
// differences (a third missing, a third changed, a third stale). Not a test: no assertions.
// Run alone: node --expose-gc --import tsx test/bench/plan-bench.ts [N]
import { routeKey } from "../../src/core/model/keys.js";
import type { Route } from "../../src/core/model/route.js";
import { defaultOwnershipPolicy } from "../../src/core/ownership.js";
import { plan } from "../../src/core/plan/plan.js";
import type { DesiredState, LiveState } from "../../src/core/plan/types.js";
import { formatTable, median, type BenchRow } from "./stats.js";

const policy = defaultOwnershipPolicy({ tables: [{ from: 1000, to: 1999 }, { from: 198, to: 198 }] });

function hostRoute(i: number, gw: string): Route {
  return {
    family: 4, table: 198, dst: `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}/32`, type: "unicast",
    protocol: 201, metric: 0, tos: 0, scope: 0, nexthops: [{ gateway: gw, dev: "eth1", weight: 1, onlink: false }],
  };
}

/** Builds N desired and N live routes differing in 1% of keys. */
export function buildPlanInputs(n: number): { desired: DesiredState; live: LiveState } {
  const desiredRoutes: Route[] = new Array(n);
  const liveRoutes: Route[] = [];
  for (let i = 0; i < n; i++) {
    const d = hostRoute(i, "10.111.2.1");
    desiredRoutes[i] = d;
    const m = i % 300;
    if (m === 0) continue; // missing in the kernel
    if (m === 1) liveRoutes.push(hostRoute(i, "10.111.1.1")); // changed
    else liveRoutes.push(d);
    if (m === 2) liveRoutes.push(hostRoute(n + i, "10.111.1.1")); // stale route of ours
  }
  return {
    desired: { routes: desiredRoutes, rules: [], addresses: [], sysctls: [], protectedRoutes: [] },
    live: { routes: liveRoutes, rules: [], addresses: [], sysctls: [] },
  };
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Runs the planner benchmark at `n` routes, `runs` times; returns table rows. */
export function benchPlan(n: number, runs = 5): BenchRow[] {
  const { desired, live } = buildPlanInputs(n);
  gc?.();
  const base = process.memoryUsage().heapUsed;
  const times: number[] = [];
  let peakHeap = 0;
  let opCount = 0;
  for (let r = 0; r < runs; r++) {
    gc?.();
    const t0 = performance.now();
    const p = plan(desired, live, policy, { observationComplete: true, repairProtected: "report" });
    times.push(performance.now() - t0);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed - base);
    opCount = p.ops.length;
  }
  // A cheap reference in the same run: one Map build over the live keys (the floor of any diff).
  const refTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const m = new Map<string, Route>();
    for (const x of live.routes) m.set(routeKey(x), x);
    refTimes.push(performance.now() - t0);
  }
  const med = median(times);
  return [
    { name: `plan() ${n} desired vs ${live.routes.length} live (${opCount} ops)`, ms: times, ratio: med / median(refTimes), goal: "-" },
    { name: `  reference: Map of live keys`, ms: refTimes },
    { name: `  heap retained by plan() (MB, after-before, no gc)`, value: peakHeap / 1e6 },
    { name: `  heap of the inputs (MB)`, value: base / 1e6 },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1_000_000);
  process.stdout.write(formatTable(benchPlan(n)));
}
