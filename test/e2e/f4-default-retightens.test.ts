// Field report F4 with real kernels and real TCP, driven through the built `fibwarden` binary:
// a distribution default (`net.ipv4.conf.default.rp_filter=2`) silently re-tightens rp_filter on
// every new pod interface (`lxc*`), and the pod's traffic is dropped as martian.
//
// Topology: the DSR lab of test/e2e/dsr-topology.ts (client → lb → vxlan → pod holding the VIP;
// the pod's replies, sourced from the VIP, enter the node by the host side of its veth, `lxc1`),
// with the node holding no route to the VIP at all (no default route), so that even loose mode
// (2) drops the replies. The node has conf.all=0 and conf.default=2 (and eth0=2), as a security
// sysctl file leaves it, so every new interface starts at 2.
//
// 1. before: without fibwarden, a new lxc1 gets 2 and the client cannot connect.
// 2. after: with `fibwarden run` and `rpFilter: {"lxc*": 0}`, the pod's interface is re-created
//    (a pod restart); fibwarden sets it to 0 on the link's kernel event, within milliseconds on
//    an idle machine (measured and printed; asserted under a generous bound, and the pass that
//    set it must have been triggered by a kernel event), and the client connects.
// 3. the trap: with conf.all=1 the per-interface 0 cannot take effect (max(all, iface)):
//    `reconcile --plan --output json` reports it as a sysctl problem, and connections fail again.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlanReportSchema } from "../../src/report/plan-json.js";
import { checkLabSupport, type BirdHandle } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { ensureBuilt, runFibwarden } from "../support/cli.js";
import { startServer, tryConnect, type TestServer } from "../support/tcp.js";
import { buildDsrTopology, configurePodLink, createPodLink, DSR, type DsrTopology } from "./dsr-topology.js";
import { minimalBirdConfig, readConfSysctl, readNetstatCounter, startDaemon, waitForKernelWatch, type DaemonProcess, type LogEntry } from "./support.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[f4-default-retightens.test] SKIPPING: ${support.reason}\n`);

const POD_IF = "lxc1";
/**
 * Generous: the daemon reacts to the link event in well under a second on an idle machine, but
 * took 6 s once with both cores busy (`npm run test:stress`). What matters is that the kernel
 * event made the pass: the resync is an hour away in this test's config, and the test checks the
 * applying pass's reasons.
 */
const REAPPLY_BOUND_MS = 20_000;

/**
 * Run inside the node's namespace: creates the pod's veth (`lxc1` here, `eth0` in the pod), then
 * polls the new interface's rp_filter every 2 ms and prints what it saw as one JSON line.
 */
const CREATE_AND_WATCH = `
const { spawnSync } = require("child_process");
const { readFileSync } = require("fs");
const [ifname, podNs, limitMs] = process.argv.slice(1);
const add = spawnSync("ip", ["link", "add", ifname, "type", "veth", "peer", "name", "eth0", "netns", podNs], { encoding: "utf8" });
if (add.status !== 0) { console.log(JSON.stringify({ error: add.stderr })); process.exit(1); }
const t0 = performance.now();
const path = "/proc/sys/net/ipv4/conf/" + ifname + "/rp_filter";
const first = Number(readFileSync(path, "utf8"));
const tick = () => {
  const v = Number(readFileSync(path, "utf8"));
  const ms = performance.now() - t0;
  if (v === 0 || ms > Number(limitMs)) { console.log(JSON.stringify({ first, last: v, ms })); process.exit(0); }
  setTimeout(tick, 2);
};
tick();
`;

describe.skipIf(!support.ok)("F4: conf.default re-tightens rp_filter on new interfaces; fibwarden re-applies the pattern", () => {
  const get = useLab(async (lab) => {
    const topo = await buildDsrTopology(lab, { defaultRoute: false });
    await lab.setSysctl(topo.ns.node, "net.ipv4.conf.all.rp_filter", 0);
    await lab.setSysctl(topo.ns.node, "net.ipv4.conf.default.rp_filter", 2);
    // the sysctl file applied at boot to the interfaces that existed then, too
    await lab.setSysctl(topo.ns.node, `net.ipv4.conf.${DSR.node.uplink}.rp_filter`, 2);
    const bird = await lab.startBird(topo.ns.node, minimalBirdConfig(DSR.node.ip));
    return { topo, bird };
  }, { name: "f4" });
  const topo = (): DsrTopology => get().value.topo;
  const bird = (): BirdHandle => get().value.bird;
  let cfg = "";
  let server: TestServer | undefined;
  let daemon: DaemonProcess | undefined;

  beforeAll(async () => {
    await ensureBuilt();
    cfg = join(topo().lab.dir, "fw-f4.yaml");
    writeFileSync(cfg, `
bird: {sockets: [${bird().socketPath}]}
kernel: {netns: ${topo().ns.node.name}}
sysctls:
  rpFilter: {"lxc*": 0}
daemon: {listen: "127.0.0.1:0", debounceMs: 20, birdPollIntervalMs: 1000, resyncIntervalSeconds: 3600}
`);
    server = await startServer(topo().ns.pod.name, DSR.vip, DSR.port);
  }, 60_000);
  afterAll(async () => {
    server?.stop();
    await daemon?.stop();
  });

  it("before: a new lxc interface inherits rp_filter=2 from conf.default and the pod's replies are dropped", async () => {
    const { node, client } = topo().ns;
    await createPodLink(topo(), POD_IF);
    await configurePodLink(topo(), POD_IF);
    expect(await readConfSysctl(node, POD_IF, "rp_filter")).toBe(2);
    expect(await readConfSysctl(node, "all", "rp_filter")).toBe(0);
    const drops = await readNetstatCounter(node, "TcpExt", "IPReversePathFilter");
    expect(await tryConnect(client.name, DSR.vip, DSR.port)).toBe("timeout");
    expect(await readNetstatCounter(node, "TcpExt", "IPReversePathFilter")).toBeGreaterThan(drops);
    // the pod restarts: its interface goes away (and comes back below, while fibwarden runs)
    await node.ip(["link", "del", POD_IF]);
  });

  it("after: fibwarden run sets the re-created lxc1 to 0 on its kernel event, and the client connects", async () => {
    const { node, pod, client } = topo().ns;
    daemon = await startDaemon(cfg);
    await daemon.waitReady();
    // the reaction below is to a kernel event: the daemon's kernel monitor must be live first
    await waitForKernelWatch(daemon, node);
    const r = await execa("ip", ["netns", "exec", node.name, process.execPath, "-e", CREATE_AND_WATCH, POD_IF, pod.name, String(REAPPLY_BOUND_MS * 2)], { timeout: 30_000 });
    const seen = JSON.parse(r.stdout) as { first: number; last: number; ms: number };
    console.log(`[F4] new interface ${POD_IF}: rp_filter ${seen.first} at creation, ${seen.last} after ${seen.ms.toFixed(1)} ms (fibwarden run)`);
    expect(seen.last).toBe(0);
    expect(seen.ms).toBeLessThan(REAPPLY_BOUND_MS);
    await configurePodLink(topo(), POD_IF);
    expect(await readConfSysctl(node, POD_IF, "rp_filter")).toBe(0);
    // only the pattern's interfaces: the uplink and the defaults keep their values
    expect(await readConfSysctl(node, DSR.node.uplink, "rp_filter")).toBe(2);
    expect(await readConfSysctl(node, "default", "rp_filter")).toBe(2);
    const drops = await readNetstatCounter(node, "TcpExt", "IPReversePathFilter");
    expect(await tryConnect(client.name, DSR.vip, DSR.port)).toBe("ok");
    expect(await readNetstatCounter(node, "TcpExt", "IPReversePathFilter")).toBe(drops);
    // the pass logs what it applied after applying it: the lines may follow the sysctl's change
    const d = daemon;
    const applying = (e: LogEntry): boolean => e.msg === "applied" && JSON.stringify(e).includes(POD_IF);
    await d.waitForEntry(`"applied" naming ${POD_IF}`, applying);
    const pass = d.entries().find(applying)!.pass;
    await d.waitForEntry(`"pass done" of pass ${String(pass)}`, (e) => e.msg === "pass done" && e.pass === pass);
    expect(d.entries().find((e) => e.msg === "pass done" && e.pass === pass)?.reasons).toContain("kernel");
  });

  it("with conf.all=1 the per-interface 0 cannot take effect: reconcile --plan reports a sysctl problem", async () => {
    const { node, client } = topo().ns;
    await daemon?.stop();
    await topo().lab.setSysctl(node, "net.ipv4.conf.all.rp_filter", 1);
    const r = await runFibwarden(["reconcile", "--plan", "--config", cfg, "--output", "json"]);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(2);
    const report = PlanReportSchema.parse(JSON.parse(r.stdout));
    expect(report.operations).toEqual([]);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ scope: "sysctl", subject: `${POD_IF}.rp_filter` });
    expect(report.problems[0]!.message).toMatch(/all\.rp_filter=1 makes lxc1=0 ineffective/);
    // and it is real: the effective value is max(1, 0) = 1, strict, and the replies are dropped again
    expect(await readConfSysctl(node, POD_IF, "rp_filter")).toBe(0);
    expect(await tryConnect(client.name, DSR.vip, DSR.port)).toBe("timeout");
  });
});
