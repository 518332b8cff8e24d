// Field report F1 with real BIRD (2, and 1.6 run as calico-node runs it), real kernels and real
// TCP, driven through the built `fibwarden` binary: a foreign agent (think Felix's route sync)
// deletes routes BIRD learned over BGP and installed with `proto bird`, and replaces one with a
// route of its own, while `fibwarden run` (repair: reinstall) guards them.
//
//   client ── rc0 ─ router ═ link A (best) ═ node      VIP 10.111.100.1 on the node's lo
//                          ═ link B (backup) ═
//
// The router announces the client's subnet over BGP; the node's BIRD installs it (`proto bird`,
// via link A), and that route is the node's only way back to the client: with BIRD 2 the node's
// default route leads to `gw`, which cannot reach the client (the F3 topology); with BIRD 1.6 the
// node has no default route at all. So when the agent deletes that BGP route, the node's replies
// go nowhere useful and connections to the VIP fail: that is the outage.
//
// 1. before: the agent deletes the route while fibwarden is not running: the client times out,
//    and `reconcile --plan` reports the route as missing (drift).
// 2. after: `fibwarden run` reinstalls it with `proto bird`, logs the drift; the client connects.
// 3. the agent keeps at it (a separate process in the node): for about 4 s it deletes two
//    protected routes every 300 ms, replaces a third with `proto static` and adds a route of its
//    own. fibwarden logs each deletion as drift and reinstalls the route, reports the replaced
//    one as a conflict and leaves it, and never deletes or replaces a route: the agent's routes
//    are all still there at the end.
//
// BIRD's kernel scan runs once a day here (SCAN_TIME_QUIET_S), so BIRD itself repairs nothing
// during the test.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlanReportSchema } from "../../src/report/plan-json.js";
import { buildBird16Topology, locateBird16 } from "../lab/bird16.js";
import {
  buildTwoUplinkTopology, checkLabSupport, DEADLINE_MS, pollUntil, SCAN_TIME_QUIET_S, waitFor, type Lab, type LabNamespace, type TwoUplinkPlan,
} from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { ensureBuilt, runFibwarden } from "../support/cli.js";
import { startServer, tryConnect, type TestServer } from "../support/tcp.js";
import { startDaemon, type DaemonProcess, type LogEntry } from "./support.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[f1-foreign-agent.test] SKIPPING: ${support.reason}\n`);
const bird16 = locateBird16();
if (support.ok && !bird16.ok) console.warn(`\n[f1-foreign-agent.test] SKIPPING the BIRD 1.6 variant: ${bird16.reason}\n`);

const VIP = "10.111.100.1";
const PORT = 8080;
/** Protected routes the agent deletes (besides the client's subnet), replaces, and its own route. */
const VICTIM = "10.200.1.0/24";
const REPLACED = "10.200.2.0/24";
const AGENT_OWN = "10.250.0.0/24";
const AGENT_ROUNDS = 12;
const AGENT_INTERVAL_S = "0.3";
const DAEMON_TIMING = `daemon: {listen: "127.0.0.1:0", debounceMs: 20, birdPollIntervalMs: 500, resyncIntervalSeconds: 2, resyncCpuPercent: 100}`;

/**
 * The foreign agent, run as `sh -c AGENT sh <metric> <replaced> <own> <dev> <route>...` in the
 * node: every round deletes each route with `proto bird` (printing `deleted <route>` when there
 * was one to delete); in the second round it replaces <replaced> and adds <own>, both `proto static`.
 */
const AGENT = `
metric=$1 replaced=$2 own=$3 dev=$4; shift 4
i=0
while [ $i -lt ${AGENT_ROUNDS} ]; do
  for r in "$@"; do
    if ip route del "$r" proto bird metric "$metric" 2>/dev/null; then echo "deleted $r"; fi
  done
  if [ $i -eq 1 ]; then
    ip route replace "$replaced" dev "$dev" proto static metric "$metric" && echo "replaced $replaced"
    ip route add "$own" dev "$dev" proto static && echo "added $own"
  fi
  i=$((i + 1))
  sleep ${AGENT_INTERVAL_S}
done
`;

/** What a variant (BIRD 2 or BIRD 1.6) provides to the common scenario. */
interface F1Env {
  lab: Lab;
  plan: TwoUplinkPlan;
  ns: { router: LabNamespace; node: LabNamespace; client: LabNamespace };
  /** fibwarden's config (YAML text). */
  config: string;
  /** Kernel metric of BIRD's IPv4 routes (32 for BIRD 2, 0 for BIRD 1.6). */
  metric: number;
  /** Makes the router route the VIP to the node once fibwarden has put it in place. */
  routeVip(): Promise<void>;
}

/** BIRD 2: the F3 two-uplink topology; the VIP is announced over BGP (fibwarden's announce route). */
async function buildBird2Env(lab: Lab): Promise<F1Env> {
  const topo = await buildTwoUplinkTopology(lab, { scanTimeS: SCAN_TIME_QUIET_S, announceClientNet: true });
  const { plan, ns, birds } = topo;
  return {
    lab, plan, ns, metric: 32,
    config: `
bird: {sockets: [${birds.node.socketPath}], idleTimeoutMs: 2000}
kernel: {netns: ${ns.node.name}}
protect: {kernelProtocols: [${plan.kernelProtocols.v4}, ${plan.kernelProtocols.v6}], repair: reinstall}
vips:
  - {address: ${VIP}, announce: {table: ${plan.vip.table}}}
${DAEMON_TIMING}
`,
    routeVip: async () => {
      await pollUntil(async () => {
        const out = await ns.router.ip(["-4", "route", "show", `${VIP}/32`, "proto", "bird"]);
        return { done: out.includes(VIP), detail: out };
      }, { timeoutMs: DEADLINE_MS.bird, what: `router learns ${VIP} over BGP` });
    },
  };
}

/** BIRD 1.6 (bird + bird6 on the node, as calico-node); a client is added to the router. */
async function buildBird16Env(lab: Lab): Promise<F1Env> {
  if (!bird16.ok) throw new Error(bird16.reason);
  const topo = await buildBird16Topology(lab, bird16.binaries, { scanTimeS: SCAN_TIME_QUIET_S, announceClientNet: true });
  const { plan, ns, birds } = topo;
  const client = await lab.addNamespace("client");
  const c = plan.client;
  await lab.link(ns.router, c.router.ifname, client, c.client.ifname, {
    addrsA: [`${c.router.ipv4}/${c.len4}`], addrsB: [`${c.client.ipv4}/${c.len4}`],
  });
  await client.ip(["-4", "route", "add", "default", "via", c.router.ipv4]);
  await lab.setSysctl(ns.router, "net.ipv4.ip_forward", 1);
  // BIRD's direct protocol on the router sees rc0 appear and announces the client's subnet
  await pollUntil(async () => {
    const out = await ns.node.ip(["-4", "route", "show", c.net4, "proto", "bird"]);
    return { done: out.includes(c.net4), detail: out };
  }, { timeoutMs: DEADLINE_MS.bird, what: `node learns ${c.net4} over BGP from BIRD 1.6` });
  return {
    lab, plan, ns: { ...ns, client }, metric: 0,
    config: `
bird: {sockets: [${birds.node4.socketPath}, ${birds.node6.socketPath}], idleTimeoutMs: 2000}
kernel: {netns: ${ns.node.name}}
protect: {kernelProtocols: [kernel1], repair: reinstall, metrics: {kernel1: {ipv4: 0, ipv6: 1024}}}
vips:
  - {address: ${VIP}}
${DAEMON_TIMING}
`,
    // calico's BIRD here exports nothing to the router: route the VIP to the node by hand
    routeVip: async () => {
      await ns.router.ip(["-4", "route", "replace", `${VIP}/32`, "via", plan.uplinks.a.node.ipv4, "dev", plan.uplinks.a.router.ifname]);
    },
  };
}

function driftEntries(entries: LogEntry[], route: string): LogEntry[] {
  return entries.filter((e) => e.msg === "protected route drift" && e.drift === "missing" && e.route === route);
}

function defineF1(variant: string, skip: boolean, build: (lab: Lab) => Promise<F1Env>): void {
  describe.skipIf(skip)(`F1 (${variant}): a foreign agent deletes and replaces BIRD's routes`, () => {
    const get = useLab(build, { name: `f1-${variant.replace(/\W/g, "")}` });
    const env = (): F1Env => get().value;
    let cfg = "";
    let server: TestServer | undefined;
    let daemon: DaemonProcess | undefined;
    const clientNet = (): string => env().plan.client.net4;
    const hasBirdRoute = async (dst: string): Promise<boolean> =>
      (await env().ns.node.ip(["-4", "route", "show", dst, "proto", "bird"])).includes(dst);
    const connect = (): Promise<string> => tryConnect(env().ns.client.name, VIP, PORT);

    beforeAll(async () => {
      await ensureBuilt();
      cfg = join(env().lab.dir, "fw-f1.yaml");
      writeFileSync(cfg, env().config);
    }, 60_000);
    afterAll(async () => {
      server?.stop();
      await daemon?.stop();
    });

    it("before: the agent deletes the BGP route to the client's subnet; connections to the VIP fail, and the plan reports the drift", async () => {
      const { node } = env().ns;
      const applied = await runFibwarden(["reconcile", "--apply", "--config", cfg]);
      expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
      await env().routeVip();
      server = await startServer(node.name, VIP, PORT);
      expect(await connect()).toBe("ok"); // the path works while BIRD's route is there
      await node.ip(["-4", "route", "del", clientNet(), "proto", "bird", "metric", String(env().metric)]);
      expect(await hasBirdRoute(clientNet())).toBe(false);
      expect(await connect()).toBe("timeout");
      const r = await runFibwarden(["reconcile", "--plan", "--config", cfg, "--output", "json"]);
      expect(r.exitCode, r.stderr).toBe(2);
      const report = PlanReportSchema.parse(JSON.parse(r.stdout));
      expect(report.drift.map((d) => [d.kind, d.key])).toEqual([["missing", `4|254|${clientNet()}|0|${env().metric}`]]);
    });

    it("after: fibwarden run reinstalls it with proto bird and logs the drift; the client connects", async () => {
      // As the DaemonSet runs it (deploy/kubernetes/base/daemonset.yaml): V8's lite mode.
      daemon = await startDaemon(cfg, ["--lite-mode", "--no-expose-wasm"]);
      await daemon.waitReady();
      await waitFor(() => hasBirdRoute(clientNet()), { intervalMs: 100, what: `${clientNet()} reinstalled` });
      // the pass logs its drift after applying: the route can be back before the line is printed
      const d = daemon;
      await waitFor(() => driftEntries(d.entries(), clientNet()).some((e) => e.repaired === true),
        { intervalMs: 100, what: `a reinstalling drift report of ${clientNet()} in the daemon's log` });
      expect(await connect()).toBe("ok");
      // how fast: one deletion, timed until the route is back
      const t0 = performance.now();
      await env().ns.node.ip(["-4", "route", "del", VICTIM, "proto", "bird", "metric", String(env().metric)]);
      await waitFor(() => hasBirdRoute(VICTIM), { intervalMs: 10, what: `${VICTIM} reinstalled` });
      const passMs = daemon.entries().filter((e) => e.msg === "pass done").map((e) => Number(e.ms)).sort((a, b) => a - b);
      console.log(`[F1 ${variant}] a deleted route is back after ${Math.round(performance.now() - t0)} ms; pass duration median ${passMs[passMs.length >> 1]} ms, max ${passMs[passMs.length - 1]} ms`);
    });

    it("the agent keeps deleting and replacing: each deletion is drift and is reinstalled; foreign routes are never removed", async () => {
      const d = daemon!;
      const { node } = env().ns;
      const dev = env().plan.uplinks.a.node.ifname;
      const agent = await execa("ip", ["netns", "exec", node.name, "sh", "-c", AGENT, "sh",
        String(env().metric), REPLACED, AGENT_OWN, dev, clientNet(), VICTIM], { timeout: 60_000 });
      const lines = agent.stdout.split("\n");
      const deleted = (route: string) => lines.filter((l) => l === `deleted ${route}`).length;
      expect(lines).toContain(`replaced ${REPLACED}`);
      expect(lines).toContain(`added ${AGENT_OWN}`);
      expect(deleted(clientNet())).toBeGreaterThanOrEqual(2);
      expect(deleted(VICTIM)).toBeGreaterThanOrEqual(2);
      for (const route of [clientNet(), VICTIM]) {
        await waitFor(() => hasBirdRoute(route), { intervalMs: 100, what: `${route} reinstalled` });
      }
      // let two more passes run (the resync runs every 2 s: resyncCpuPercent 100 lifts the CPU spacing)
      // so that "never removed" means something
      const passes = d.entries().filter((e) => e.msg === "pass done").length;
      await waitFor(() => d.entries().filter((e) => e.msg === "pass done").length >= passes + 2, { intervalMs: 200, what: "two more passes" });

      const entries = d.entries();
      for (const route of [clientNet(), VICTIM]) {
        const repaired = driftEntries(entries, route).filter((e) => e.repaired === true).length;
        console.log(`[F1 ${variant}] agent deleted ${route} ${deleted(route)} times; fibwarden logged ${repaired} reinstalling drift reports`);
        // every successful deletion found the route present, so fibwarden had reinstalled it (and logged it) in between
        expect(repaired).toBeGreaterThanOrEqual(deleted(route));
      }
      expect(entries.some((e) => e.conflict === "protected-overwritten" && String(e.key).includes(REPLACED))).toBe(true);
      // nothing foreign was removed or overwritten: the agent's routes are all there
      expect(await node.ip(["-4", "route", "show", REPLACED, "proto", "static"])).toContain(REPLACED);
      expect(await node.ip(["-4", "route", "show", AGENT_OWN, "proto", "static"])).toContain(AGENT_OWN);
      expect(entries.filter((e) => e.op === "route.delete" || e.op === "route.replace")).toEqual([]);
      expect(await connect()).toBe("ok");
    });
  });
}

defineF1("BIRD 2", !support.ok, buildBird2Env);
defineF1("BIRD 1.6", !support.ok || !bird16.ok, buildBird16Env);
