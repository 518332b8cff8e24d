// Field report F3 (and the heart of F5) with real BIRD 2, real kernels and real TCP, driven
// through the built `fibwarden` binary: a node with two uplinks to a router, VIP1 reached over
// link A and VIP2 over link B, and a default route out of a third interface (to `gw`, which
// cannot reach the client). Before per-VIP source tables, the SYN-ACK leaves by the default
// route and the connection never forms; after `reconcile --apply`, replies leave by the link the
// request came in on.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DoctorReportSchema } from "../../src/report/doctor-json.js";
import { PlanReportSchema, type PlanReport } from "../../src/report/plan-json.js";
import { buildTwoUplinkTopology, checkLabSupport, SCAN_TIME_QUIET_S, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { pinVipsToUplinks, twoUplinkVipConfig } from "../support/two-uplink-vips.js";
import { ensureBuilt, runFibwarden } from "../support/cli.js";
import { startServer, tryConnect, type TestServer } from "../support/tcp.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[f3-source-tables.test] SKIPPING: ${support.reason}\n`);

const VIP1 = "10.111.100.1";
const VIP2 = "10.111.100.2";
const PORT = 8080;


describe.skipIf(!support.ok)("F3: per-VIP source tables over two uplinks", () => {
  // No kernel scan during the test: BIRD restores a route deleted behind its back only at its
  // next scan, and the drift tests below must see the deletion before BIRD does.
  const get = useLab((lab) => buildTwoUplinkTopology(lab, { scanTimeS: SCAN_TIME_QUIET_S }), { name: "f3" });
  const topo = (): TwoUplinkTopology => get().value;
  let cfgNoReturn: string;
  let cfgReturn: string;
  let cfgReinstall: string;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    const dir = topo().lab.dir;
    cfgNoReturn = join(dir, "fw-noreturn.yaml");
    cfgReturn = join(dir, "fw-return.yaml");
    cfgReinstall = join(dir, "fw-reinstall.yaml");
    writeFileSync(cfgNoReturn, twoUplinkVipConfig(topo(), false));
    writeFileSync(cfgReturn, twoUplinkVipConfig(topo(), true));
    writeFileSync(cfgReinstall, twoUplinkVipConfig(topo(), true, "reinstall"));
  }, 180_000);
  afterAll(() => { for (const s of servers) s.stop(); });

  const plan = async (cfg: string): Promise<{ exitCode: number; report: PlanReport }> => {
    const r = await runFibwarden(["reconcile", "--plan", "--config", cfg, "--output", "json"]);
    expect(r.stderr).toBe("");
    return { exitCode: r.exitCode, report: PlanReportSchema.parse(JSON.parse(r.stdout)) };
  };
  const routeGet = async (src: string): Promise<string> =>
    topo().ns.node.ip(["-4", "route", "get", topo().plan.client.client.ipv4, "from", src]);

  it("before: VIPs announced without source tables; the SYN-ACK leaves by the default route and connections fail", async () => {
    const { plan: p, ns } = topo();
    const first = await plan(cfgNoReturn);
    expect(first.exitCode).toBe(2);
    expect(first.report.operations.map((o) => o.kind)).toEqual(["address.add", "address.add", "route.add", "route.add"]);
    const applied = await runFibwarden(["reconcile", "--apply", "--config", cfgNoReturn]);
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
    await pinVipsToUplinks(topo(), VIP1, VIP2);
    servers.push(await startServer(ns.node.name, VIP1, PORT), await startServer(ns.node.name, VIP2, PORT));
    expect(await routeGet(VIP1)).toContain(`dev ${p.gw.node.ifname}`);
    expect(await tryConnect(ns.client.name, VIP1, PORT)).toBe("timeout");
    expect(await tryConnect(ns.client.name, VIP2, PORT)).toBe("timeout");
  });

  it("reconcile --plan shows the source tables; --apply installs them; both VIPs connect, replies leave by the request's link", async () => {
    const { plan: p, ns } = topo();
    const pending = await plan(cfgReturn);
    expect(pending.exitCode).toBe(2);
    expect(pending.report.operations.map((o) => o.kind)).toEqual(["route.add", "route.add", "rule.add", "rule.add"]);
    const applied = await runFibwarden(["reconcile", "--apply", "--config", cfgReturn]);
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/4 to add/);
    const r1 = await routeGet(VIP1);
    const r2 = await routeGet(VIP2);
    expect(r1).toContain(`via ${p.uplinks.a.router.ipv4} dev ${p.uplinks.a.node.ifname}`);
    expect(r2).toContain(`via ${p.uplinks.b.router.ipv4} dev ${p.uplinks.b.node.ifname}`);
    expect(await tryConnect(ns.client.name, VIP1, PORT)).toBe("ok");
    expect(await tryConnect(ns.client.name, VIP2, PORT)).toBe("ok");
    const again = await plan(cfgReturn);
    expect(again.report.operations).toEqual([]);
    expect(again.exitCode).toBe(0);
    expect(again.report.inSync).toBe(true);
  });

  it("strict rp_filter (1) on both uplinks and all: with the source tables both VIPs still connect, and doctor says OK for each", async () => {
    // The reverse-path check looks up the client from the VIP (the request's destination is the
    // reply's source), so the `from VIP lookup T` rule applies: T's default leaves by the link the
    // request came in on, which is what strict mode demands (fib_validate_source).
    const { plan: p, ns, lab } = topo();
    const keys = ["net.ipv4.conf.all.rp_filter", `net.ipv4.conf.${p.uplinks.a.node.ifname}.rp_filter`, `net.ipv4.conf.${p.uplinks.b.node.ifname}.rp_filter`];
    for (const k of keys) await lab.setSysctl(ns.node, k, 1);
    try {
      expect(await tryConnect(ns.client.name, VIP1, PORT)).toBe("ok");
      expect(await tryConnect(ns.client.name, VIP2, PORT)).toBe("ok");
      for (const [vip, link] of [[VIP1, p.uplinks.a], [VIP2, p.uplinks.b]] as const) {
        const r = await runFibwarden(["doctor", "--vip", vip, "--client", p.client.client.ipv4, "--config", cfgReturn, "--output", "json"]);
        const report = DoctorReportSchema.parse(JSON.parse(r.stdout));
        expect(r.exitCode, r.stdout).toBe(0);
        expect(report.verdict.code).toBe("OK");
        // no drop where the requests come in; the other uplink (replies do not leave there) is named
        expect(report.findings.filter((f) => f.code === "REVERSE_PATH_DROP").map((f) => [f.severity, f.interface]))
          .toEqual([["warning", (link === p.uplinks.a ? p.uplinks.b : p.uplinks.a).node.ifname]]);
      }
    } finally {
      for (const k of keys) await lab.setSysctl(ns.node, k, 0);
    }
  });

  it("a foreign deletion of a protected route is drift (exit 2), and reinstall puts it back with proto bird", async () => {
    const { ns } = topo();
    const victim = "10.200.1.0/24";
    await ns.node.ip(["route", "del", victim, "proto", "bird", "metric", "32"]);
    const drifted = await plan(cfgReturn);
    expect(drifted.exitCode).toBe(2);
    expect(drifted.report.drift.map((d) => [d.kind, d.key])).toEqual([["missing", `4|254|${victim}|0|32`]]);
    const repaired = await runFibwarden(["reconcile", "--apply", "--config", cfgReinstall]);
    expect([0, 2]).toContain(repaired.exitCode);
    expect(await ns.node.ip(["-4", "route", "show", victim, "proto", "bird", "metric", "32"])).toContain(victim);
  });

  it("a foreign replace over a protected route is reported as overwritten, and never removed", async () => {
    const { ns, plan: p } = topo();
    const victim = "10.200.2.0/24";
    await ns.node.ip(["route", "replace", victim, "dev", p.gw.node.ifname, "proto", "static", "metric", "32"]);
    const r = await plan(cfgReinstall);
    expect(r.exitCode).toBe(2);
    expect(r.report.drift.map((d) => d.kind)).toEqual(["overwritten"]);
    expect(r.report.conflicts.map((c) => c.reason)).toEqual(["protected-overwritten"]);
    const applied = await runFibwarden(["reconcile", "--apply", "--config", cfgReinstall]);
    expect(applied.exitCode).toBe(2);
    expect(await ns.node.ip(["-4", "route", "show", victim, "proto", "static"])).toContain(victim);
    await ns.node.ip(["route", "del", victim, "proto", "static", "metric", "32"]);
  });

  it("an incomplete observation (BIRD socket gone) exits 1 and withholds deletions", async () => {
    const cfg = join(topo().lab.dir, "fw-nobird.yaml");
    writeFileSync(cfg, twoUplinkVipConfig(topo(), false).replace(topo().birds.node.socketPath, `${topo().birds.node.socketPath}.gone`));
    const r = await runFibwarden(["reconcile", "--plan", "--config", cfg, "--output", "json"]);
    expect(r.exitCode).toBe(1);
    const report = PlanReportSchema.parse(JSON.parse(r.stdout));
    expect(report.observation.complete).toBe(false);
    // without returns, the source tables and rules are not desired: deleting them is withheld
    expect(report.operations.filter((o) => o.kind.endsWith(".delete"))).toEqual([]);
    expect(report.withheld.map((o) => o.kind).sort()).toEqual(["route.delete", "route.delete", "rule.delete", "rule.delete"]);
  });
});
