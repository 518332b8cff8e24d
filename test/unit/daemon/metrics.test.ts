// DaemonMetrics.record: the VIP and sysctl problem gauges follow full passes only (an incremental
// pass builds only the VIPs it touches), and keep their value across incremental passes.
import { describe, expect, it } from "vitest";
import { DaemonMetrics } from "../../../src/daemon/metrics.js";
import type { PassResult } from "../../../src/reconciler/pass.js";

/** A pass that observed everything (no plan: the gauges under test do not read it), with the given problems. */
function pass(mode: PassResult["mode"], vipProblems: number, sysctlProblems: number): PassResult {
  return {
    mode,
    bird: { complete: true, problems: [], daemons: [], kernelProtocols: [] },
    kernel: { complete: true, live: { routes: [], rules: [], addresses: [], sysctls: [] }, routeCount: 0, interfaces: [], links: [], problems: [] },
    observationComplete: true,
    desired: {
      desired: { routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: [] },
      vipProblems: Array.from({ length: vipProblems }, (_, i) => ({ vip: `10.0.0.${i + 1}`, reason: "BGP session up_a4 is Active" })),
      sysctlProblems: Array.from({ length: sysctlProblems }, (_, i) => ({ iface: `eth${i}`, name: "rp_filter" as const, desired: 0, effective: 2, reason: "conf.all" })),
      tables: new Map(),
    },
    elapsedMs: 3,
  };
}

/** The value of an unlabelled gauge in the registry's text output. */
async function sample(m: DaemonMetrics, name: string): Promise<number | undefined> {
  const line = (await m.registry.metrics()).split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

describe("DaemonMetrics VIP and sysctl problems", () => {
  it("reports the problems of the last full pass", async () => {
    const m = new DaemonMetrics();
    expect(await sample(m, "fibwarden_vip_problems")).toBe(0);
    m.record(pass("full", 2, 1));
    expect(await sample(m, "fibwarden_vip_problems")).toBe(2);
    expect(await sample(m, "fibwarden_sysctl_problems")).toBe(1);
    m.record(pass("full", 0, 0));
    expect(await sample(m, "fibwarden_vip_problems")).toBe(0);
    expect(await sample(m, "fibwarden_sysctl_problems")).toBe(0);
  });

  it("an incremental pass, which sees only the VIPs it touched, leaves them as they were", async () => {
    const m = new DaemonMetrics();
    m.record(pass("full", 3, 2));
    m.record(pass("incremental", 0, 0));
    expect(await sample(m, "fibwarden_vip_problems")).toBe(3);
    expect(await sample(m, "fibwarden_sysctl_problems")).toBe(2);
  });

  it("a full pass that could not read the kernel (nothing desired) leaves them as they were", async () => {
    const m = new DaemonMetrics();
    m.record(pass("full", 1, 0));
    const { desired: _desired, ...rest } = pass("full", 0, 0);
    m.record({ ...rest, kernel: { ...rest.kernel, complete: false }, observationComplete: false });
    expect(await sample(m, "fibwarden_vip_problems")).toBe(1);
  });
});
