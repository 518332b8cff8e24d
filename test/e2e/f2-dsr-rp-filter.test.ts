// Field report F2 with real kernels and real TCP, driven through the built `fibwarden` binary:
// Direct Server Return needs rp_filter off on exactly the right interfaces.
//
// Topology (test/e2e/dsr-topology.ts): client → lb → (vxlan tunnel, the stand-in for IPVS' IPIP)
// → pod, which holds the VIP; the pod replies from the VIP straight to the client through its veth
// to the node, whose host side is `cali1`. The node is hardened: conf.all, conf.default, eth0 and
// cali1 all have rp_filter=1 (strict), and its default route points at lb, so the reverse-path
// lookup of the VIP says "eth0", not "cali1": the node drops every SYN-ACK (counted as
// IPReversePathFilter) and connections time out.
//
// fibwarden with `sysctls.rpFilter: {all: 0, "cali*": 0}` sets exactly two values: `all` (the
// kernel uses max(all, iface), so the per-interface 0 needs it) and cali1. eth0 keeps 1, so its
// effective value stays strict; no other interface changes; the client connects.
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlanReportSchema, type PlanReport } from "../../src/report/plan-json.js";
import { checkLabSupport, type BirdHandle } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { ensureBuilt, runFibwarden } from "../support/cli.js";
import { startServer, tryConnect, type TestServer } from "../support/tcp.js";
import { buildDsrTopology, configurePodLink, createPodLink, DSR, type DsrTopology } from "./dsr-topology.js";
import { minimalBirdConfig, readConfSysctl, readNetstatCounter } from "./support.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[f2-dsr-rp-filter.test] SKIPPING: ${support.reason}\n`);

const POD_IF = "cali1";

describe.skipIf(!support.ok)("F2: DSR replies need rp_filter off on exactly the workload interfaces", () => {
  const get = useLab(async (lab) => {
    const topo = await buildDsrTopology(lab, { defaultRoute: true });
    await createPodLink(topo, POD_IF);
    await configurePodLink(topo, POD_IF);
    const node = topo.ns.node;
    // the hardened node: strict everywhere, as a CNI that guards against workload IP spoofing sets it
    for (const iface of ["all", "default", DSR.node.uplink, POD_IF]) await lab.setSysctl(node, `net.ipv4.conf.${iface}.rp_filter`, 1);
    const bird = await lab.startBird(node, minimalBirdConfig(DSR.node.ip));
    return { topo, bird };
  }, { name: "f2" });
  const topo = (): DsrTopology => get().value.topo;
  const bird = (): BirdHandle => get().value.bird;
  let cfg = "";
  let server: TestServer | undefined;

  beforeAll(async () => {
    await ensureBuilt();
    cfg = join(topo().lab.dir, "fw-f2.yaml");
    writeFileSync(cfg, `
bird: {sockets: [${bird().socketPath}]}
kernel: {netns: ${topo().ns.node.name}}
sysctls:
  rpFilter: {all: 0, "cali*": 0}
`);
    server = await startServer(topo().ns.pod.name, DSR.vip, DSR.port);
  }, 60_000);
  afterAll(() => { server?.stop(); });

  const plan = async (): Promise<{ exitCode: number; report: PlanReport }> => {
    const r = await runFibwarden(["reconcile", "--plan", "--config", cfg, "--output", "json"]);
    expect(r.stderr).toBe("");
    return { exitCode: r.exitCode, report: PlanReportSchema.parse(JSON.parse(r.stdout)) };
  };
  /** Every interface's rp_filter in the node (`all`, `default` and each device). */
  const rpFilters = async (): Promise<Record<string, number>> => {
    const out = await topo().ns.node.exec(["sh", "-c", "grep -H . /proc/sys/net/ipv4/conf/*/rp_filter"]);
    return Object.fromEntries(out.split("\n").filter(Boolean).map((line) => {
      const m = /^\/proc\/sys\/net\/ipv4\/conf\/([^/]+)\/rp_filter:(\d)$/.exec(line);
      if (!m) throw new Error(`unexpected line ${line}`);
      return [m[1]!, Number(m[2])];
    }));
  };
  let before: Record<string, number> = {};

  it("before: strict rp_filter on the pod's host interface drops the DSR replies; connections time out", async () => {
    const { node, client } = topo().ns;
    before = await rpFilters();
    expect(before).toMatchObject({ all: 1, default: 1, [DSR.node.uplink]: 1, [POD_IF]: 1 });
    // the node's route back to the VIP is not via the pod's interface: that is what strict mode checks
    expect(await node.ip(["-4", "route", "get", DSR.vip])).toContain(`dev ${DSR.node.uplink}`);
    const drops = await readNetstatCounter(node, "TcpExt", "IPReversePathFilter");
    expect(await tryConnect(client.name, DSR.vip, DSR.port)).toBe("timeout");
    expect(await readNetstatCounter(node, "TcpExt", "IPReversePathFilter")).toBeGreaterThan(drops);
  });

  it("reconcile --plan sets all and cali1 only; --apply loosens cali1 (effective 0), eth0 stays strict, and the client connects", async () => {
    const { node, client } = topo().ns;
    const pending = await plan();
    expect(pending.exitCode).toBe(2);
    expect(pending.report.problems).toEqual([]);
    expect(pending.report.operations.map((o) => [o.kind, o.object])).toEqual([
      ["sysctl.set", { iface: "all", name: "rp_filter", value: 0 }],
      ["sysctl.set", { iface: POD_IF, name: "rp_filter", value: 0 }],
    ]);
    const applied = await runFibwarden(["reconcile", "--apply", "--config", cfg]);
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);

    const after = await rpFilters();
    // exactly two values changed: all and cali1
    const changed = Object.keys(after).filter((k) => after[k] !== before[k]).sort();
    expect(changed).toEqual(["all", POD_IF]);
    const all = await readConfSysctl(node, "all", "rp_filter");
    const effective = (iface: string) => Math.max(all, after[iface]!);
    expect({ all, [POD_IF]: effective(POD_IF), [DSR.node.uplink]: effective(DSR.node.uplink) })
      .toEqual({ all: 0, [POD_IF]: 0, [DSR.node.uplink]: 1 });

    const drops = await readNetstatCounter(node, "TcpExt", "IPReversePathFilter");
    expect(await tryConnect(client.name, DSR.vip, DSR.port)).toBe("ok");
    expect(await readNetstatCounter(node, "TcpExt", "IPReversePathFilter")).toBe(drops);

    const again = await plan();
    expect(again.report.operations).toEqual([]);
    expect(again.exitCode).toBe(0);
  });
});
