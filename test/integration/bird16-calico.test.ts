// fibwarden against calico-node's BIRD: two real BIRD 1.6.8 daemons (bird + bird6, calico's
// layout), whose control sockets present calico's own version string `v0.3.3+birdv1.6.8` (the
// greeting and `show status`) through a pass-through proxy (test/lab/version-proxy.ts): calico's
// build is not packaged, and it is BIRD 1.6.8 with another version string.
//
// Before the fix, fibwarden read `v0` as NaN and took the daemon for BIRD 3: it expected metric 32
// where BIRD 1.6 installs 0 (IPv4) and 1024 (IPv6), reported every protected route missing, and
// with `repair: reinstall` would have added a second copy of each. Here: the healthy node plans
// exit 0, a deleted BGP route is named (exit 2), and `repair: reinstall` puts back exactly it.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BirdClient } from "../../src/adapters/bird/client.js";
import { showProtocols } from "../../src/adapters/bird/queries.js";
import { parseIpRoutes } from "../../src/core/parse/ip-json.js";
import type { Route } from "../../src/core/model/route.js";
import { PlanReportSchema, type PlanReport } from "../../src/report/plan-json.js";
import { buildBird16Topology, locateBird16, type Bird16Binaries, type Bird16Topology } from "../lab/bird16.js";
import { checkLabSupport, DEADLINE_MS, pollUntil, SCAN_TIME_QUIET_S } from "../lab/index.js";
import { startVersionProxy, type VersionProxy } from "../lab/version-proxy.js";
import { useLab } from "../lab/vitest.js";
import { ensureBuilt, runFibwarden } from "../support/cli.js";

const CALICO_VERSION = "v0.3.3+birdv1.6.8";
const lab = checkLabSupport();
const bird16 = locateBird16();
const skipReason = !lab.ok ? lab.reason : !bird16.ok ? bird16.reason : undefined;
if (skipReason !== undefined) console.warn(`\n[bird16-calico.test] SKIPPING calico BIRD 1.6 integration tests: ${skipReason}\n`);
const binaries = (): Bird16Binaries => {
  if (!bird16.ok) throw new Error(bird16.reason);
  return bird16.binaries;
};

/** The kernel's routes of one family, as `ip -json -details route show table all` prints them. */
async function kernelRoutes(topo: Bird16Topology, family: 4 | 6): Promise<Route[]> {
  return parseIpRoutes(await topo.ns.node.ip([`-${family}`, "-json", "-details", "route", "show", "table", "all"]), family);
}

const text = (r: Route): string => JSON.stringify(r);

describe.skipIf(skipReason !== undefined)("calico-node's BIRD 1.6 (version v0.3.3+birdv1.6.8)", () => {
  // No kernel scan during the test: BIRD 1.6 would restore a deleted route at its next scan.
  const get = useLab((l) => buildBird16Topology(l, binaries(), { scanTimeS: SCAN_TIME_QUIET_S }), { name: "calico16" });
  const topo = (): Bird16Topology => get().value;
  const proxies: VersionProxy[] = [];
  let cfgReport: string;
  let cfgReinstall: string;

  const expectedCount = (family: 4 | 6): number => {
    const p = topo().plan.prefixes;
    return family === 4 ? p.routed4.length + p.ecmp4.length : p.routed6.length + p.ecmp6.length;
  };

  beforeAll(async () => {
    await ensureBuilt();
    const dir = join(topo().lab.dir, "calico");
    mkdirSync(dir, { recursive: true });
    // calico's socket names: bird.ctl (IPv4) and bird6.ctl (IPv6).
    proxies.push(await startVersionProxy(topo().birds.node4.socketPath, join(dir, "bird.ctl"), CALICO_VERSION));
    proxies.push(await startVersionProxy(topo().birds.node6.socketPath, join(dir, "bird6.ctl"), CALICO_VERSION));
    const config = (repair: string): string => `
bird: {sockets: [${proxies.map((p) => p.socketPath).join(", ")}]}
kernel: {netns: ${topo().ns.node.name}}
protect: {kernelProtocols: [kernel1], repair: ${repair}}
`;
    cfgReport = join(dir, "report.yaml");
    cfgReinstall = join(dir, "reinstall.yaml");
    writeFileSync(cfgReport, config("report"));
    writeFileSync(cfgReinstall, config("reinstall"));
    // Healthy: each daemon exports everything the router announces, and the kernel holds it.
    for (const [family, bird] of [[4, topo().birds.node4], [6, topo().birds.node6]] as const) {
      const client = new BirdClient({ socketPath: bird.socketPath });
      try {
        await pollUntil(async () => {
          const kernel1 = (await showProtocols(client, true, family)).find((p) => p.name === "kernel1");
          const exported = kernel1?.channels[0]?.routes?.exported;
          const installed = (await kernelRoutes(topo(), family)).filter((r) => r.protocol === 12).length;
          return { done: exported === expectedCount(family) && installed === expectedCount(family), detail: `exported ${String(exported)}, in the kernel ${installed}` };
        }, { timeoutMs: DEADLINE_MS.bird, what: `bird${family === 6 ? "6" : ""} to export ${expectedCount(family)} routes to kernel1 and the kernel to hold them` });
      } finally { client.close(); }
    }
  }, 180_000);
  afterAll(async () => { for (const p of proxies.splice(0)) await p.close(); });

  const plan = async (cfg: string): Promise<{ exitCode: number; report: PlanReport }> => {
    const r = await runFibwarden(["reconcile", "--plan", "--config", cfg, "--output", "json"]);
    expect(r.stderr).toBe("");
    return { exitCode: r.exitCode, report: PlanReportSchema.parse(JSON.parse(r.stdout)) };
  };

  it("the proxy presents calico's version string, and fibwarden reads BIRD 1.6.8 (dialect 1) out of it", async () => {
    const c = new BirdClient({ socketPath: proxies[0]!.socketPath });
    try {
      expect(await c.connect()).toBe(CALICO_VERSION);
      expect(c.dialect).toBe(1);
    } finally { c.close(); }
    const { exitCode, report } = await plan(cfgReport);
    expect(report.observation.bird.daemons.map((d) => [d.version, d.release, d.dialect, d.dialectSource])).toEqual([
      [CALICO_VERSION, "1.6.8", 1, "version"], [CALICO_VERSION, "1.6.8", 1, "version"],
    ]);
    // BIRD 1.6's own metrics: 0 for IPv4, 1024 for IPv6 (not BIRD 2/3's 32).
    expect(report.observation.bird.kernelProtocols.map((k) => [k.family, k.metric, k.routes])).toEqual([
      [4, 0, expectedCount(4)], [6, 1024, expectedCount(6)],
    ]);
    expect(report.drift).toEqual([]);
    expect(report.problems).toEqual([]);
    expect(report.inSync).toBe(true);
    expect(exitCode).toBe(0);
    const textPlan = await runFibwarden(["reconcile", "--plan", "--config", cfgReport]);
    expect(textPlan.stdout).toContain(`BIRD ${CALICO_VERSION} at ${proxies[0]!.socketPath}: BIRD 1.6.8, dialect 1`);
    expect(textPlan.exitCode).toBe(0);
  });

  it("a deleted BGP route: plan exits 2 naming exactly it; repair: reinstall puts back exactly it", async () => {
    const victim = topo().plan.prefixes.routed4[1]!;
    const before = await kernelRoutes(topo(), 4);
    const expected = before.find((r) => r.dst === victim && r.protocol === 12);
    expect(expected, `BIRD's route ${victim} in the kernel`).toBeDefined();
    await topo().ns.node.ip(["-4", "route", "del", victim, "proto", "bird", "metric", "0"]);

    const { exitCode, report } = await plan(cfgReport);
    expect(exitCode).toBe(2);
    expect(report.drift).toHaveLength(1);
    expect(report.drift[0]).toMatchObject({ kind: "missing", repaired: false });
    expect(report.drift[0]!.message).toContain(`protected route ${victim} `);
    expect(report.drift[0]!.message).toContain("metric 0 proto bird");
    expect(report.operations).toEqual([]);
    expect(report.problems).toEqual([]);

    const applied = await runFibwarden(["reconcile", "--apply", "--config", cfgReinstall, "--output", "json"]);
    expect(applied.stderr).toBe("");
    const appliedReport = PlanReportSchema.parse(JSON.parse(applied.stdout));
    expect(appliedReport.operations).toEqual([expect.objectContaining({ kind: "route.add" })]);
    expect(appliedReport.operations[0]!.object).toMatchObject({ dst: victim, metric: 0, protocol: 12, table: 254 });
    expect(applied.exitCode).toBe(0);
    // Exactly the deleted route is back, and nothing else changed: the kernel is as before.
    const after = await kernelRoutes(topo(), 4);
    expect(after.map(text).sort()).toEqual(before.map(text).sort());
    expect((await plan(cfgReport)).exitCode).toBe(0);
  });
});
