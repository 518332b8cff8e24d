// `fibwarden run` (the built binary) in a lab with real BIRD 2: each reaction is asserted on the
// kernel state, and nothing foreign is ever removed.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTwoUplinkTopology, checkLabSupport, DEADLINE_MS, SCAN_TIME_QUIET_S, waitFor, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { CLI_PATH, ensureBuilt } from "../support/cli.js";
import { processesWith } from "../support/processes.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[daemon.test] SKIPPING: ${support.reason}\n`);

const VIP1 = "10.111.100.1";
const VIP2 = "10.111.100.2";

function config(t: TwoUplinkTopology, vips: string[]): string {
  return `
bird: {sockets: [${t.birds.node.socketPath}], idleTimeoutMs: 1000, connectTimeoutMs: 1000}
kernel: {netns: ${t.ns.node.name}}
protect: {kernelProtocols: [${t.plan.kernelProtocols.v4}, ${t.plan.kernelProtocols.v6}], repair: reinstall}
sysctls: {rpFilter: {"lxc*": 0}}
daemon: {listen: "127.0.0.1:0", debounceMs: 50, birdPollIntervalMs: 500, birdPollMaxIntervalMs: 600000, resyncIntervalSeconds: 3, logLevel: debug}
vips:
${vips.map((v) => `  - {address: ${v}, announce: {table: ${t.plan.vip.table}}, return: {gateway: ${t.plan.uplinks.a.router.ipv4}, device: ${t.plan.uplinks.a.node.ifname}}}`).join("\n")}
`;
}

describe.skipIf(!support.ok)("fibwarden run", () => {
  // BIRD's own kernel scan must not repair a deleted route before the daemon does (see SCAN_TIME_QUIET_S)
  const get = useLab((lab) => buildTwoUplinkTopology(lab, { scanTimeS: SCAN_TIME_QUIET_S }), { name: "daemon" });
  const topo = (): TwoUplinkTopology => get().value;
  let proc: ResultPromise;
  let logs = "";
  let url = "";
  let cfgPath = "";
  const ip = (args: string[]) => topo().ns.node.ip(args);
  const waitUntil = (what: string, check: () => boolean | Promise<boolean>, timeoutMs: number = DEADLINE_MS.state) =>
    waitFor(check, { timeoutMs, intervalMs: 100, what, detail: () => `daemon log tail: ${logs.slice(-1500)}` });
  /** Waits for a daemon log line matching `pattern` printed after offset `from` of the log. */
  const waitForLog = (pattern: RegExp, from = 0) => waitUntil(`daemon log line ${String(pattern)}`, () => pattern.test(logs.slice(from)));
  const readyz = async () => (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;
  /** The daemon's JSON log lines after offset `from`. */
  const entries = (from = 0): Array<Record<string, unknown>> => logs.slice(from).split("\n").flatMap((l) => {
    try {
      return l.startsWith("{") ? [JSON.parse(l) as Record<string, unknown>] : [];
    } catch {
      return []; // a line cut at `from` or still being written
    }
  });

  beforeAll(async () => {
    await ensureBuilt();
    cfgPath = join(topo().lab.dir, "daemon.yaml");
    writeFileSync(cfgPath, config(topo(), [VIP1]));
    proc = execa(process.execPath, [CLI_PATH, "run", "--config", cfgPath], { reject: false, all: true });
    proc.all?.on("data", (d: Buffer) => { logs += d.toString(); });
    await waitUntil("daemon url in the logs", () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(logs);
      if (m) url = m[1]!;
      return url !== "";
    });
  }, 60_000);
  afterAll(async () => {
    if (process.env.FW_DEBUG_LOGS) writeFileSync(process.env.FW_DEBUG_LOGS, logs);
    proc?.kill("SIGKILL");
    await proc?.catch(() => undefined);
  });

  it("becomes ready after a complete pass and installs the VIP", async () => {
    await waitUntil("readyz 200", async () => (await readyz()) === 200, DEADLINE_MS.bird);
    await waitUntil("VIP1 rule and address", async () => (await ip(["-4", "rule", "show"])).includes(`from ${VIP1} lookup`)
      && (await ip(["-4", "addr", "show", "dev", "lo"])).includes(`${VIP1}/32`));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/fibwarden_passes_total\{result="ok"\} [1-9]/);
    expect(metrics).toMatch(/fibwarden_observation_complete\{source="bird"\} 1/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("reinstalls a protected route a foreign agent deleted, and logs the drift", async () => {
    const victim = "10.200.1.0/24";
    const from = logs.length;
    await ip(["route", "del", victim, "proto", "bird", "metric", "32"]);
    await waitUntil("reinstalled", async () => (await ip(["-4", "route", "show", victim, "proto", "bird"])).includes(victim));
    // the pass logs its drift after applying: the route can be back before the line is printed
    await waitForLog(new RegExp(`"drift":"missing","route":"${victim.replace(/\./g, "\\.")}"`), from);
  });

  it("leaves a foreign replace of a protected route alone and reports the conflict", async () => {
    const victim = "10.200.2.0/24";
    const from = logs.length;
    await ip(["route", "replace", victim, "dev", topo().plan.gw.node.ifname, "proto", "static", "metric", "32"]);
    await waitForLog(/"conflict":"protected-overwritten"/, from);
    // "left alone" must hold beyond the pass that saw it: wait for a later pass to finish (a tick
    // every 3 s), then look
    const seenIn = Math.max(...entries(from).filter((e) => e.conflict === "protected-overwritten").map((e) => Number(e.pass)));
    await waitUntil(`a pass after pass ${seenIn} to finish`, () => entries(from).some((e) => e.msg === "pass done" && Number(e.pass) > seenIn));
    expect(await ip(["-4", "route", "show", victim, "proto", "static"])).toContain(victim);
    expect(entries(from).filter((e) => e.msg === "applied" && JSON.stringify(e).includes(victim))).toEqual([]);
    await ip(["route", "del", victim, "proto", "static", "metric", "32"]);
  });

  it("sets rp_filter on an interface created later that matches a pattern (default 2)", async () => {
    const ns = topo().ns.node;
    await ns.exec(["sysctl", "-qw", "net.ipv4.conf.default.rp_filter=2"]);
    await ip(["link", "add", "lxc1", "type", "veth", "peer", "name", "vpeer1"]);
    await waitUntil("lxc1 rp_filter 0", async () => (await ns.exec(["cat", "/proc/sys/net/ipv4/conf/lxc1/rp_filter"])).trim() === "0");
    // only the interface matching the pattern is loosened
    expect((await ns.exec(["cat", "/proc/sys/net/ipv4/conf/vpeer1/rp_filter"])).trim()).toBe("2");
  });

  it("fails static while BIRD is down (unready, nothing deleted), and recovers when it is back", async () => {
    const bird = topo().birds.node;
    const from = logs.length;
    await bird.stop();
    // Polls have slowed down on the quiet node (up to birdPollMaxIntervalMs, 10 minutes here):
    // the closed control connection is what makes the daemon look at once.
    await waitForLog(/BIRD control connection closed: polling now/, from);
    await waitUntil("readyz 503", async () => (await readyz()) === 503);
    // readiness flips before the pass prints why
    await waitForLog(/observation incomplete: nothing deleted/, from);
    expect(await ip(["-4", "rule", "show"])).toContain(`from ${VIP1} lookup`);
    await bird.restart();
    await waitUntil("readyz 200 again", async () => (await readyz()) === 200, DEADLINE_MS.bird);
  });

  it("reloads a changed config file and installs the new VIP", async () => {
    const from = logs.length;
    writeFileSync(cfgPath, config(topo(), [VIP1, VIP2]));
    await waitUntil("VIP2 rule", async () => (await ip(["-4", "rule", "show"])).includes(`from ${VIP2} lookup`));
    await waitForLog(/config reloaded/, from);
    // Same announce table, device, kernel and BIRD: the reconciler kept what it knew.
    const reloaded = entries(from).find((e) => e.msg === "config reloaded");
    expect(reloaded).toMatchObject({ vips: 2, kept: true });
  });

  it("stops on SIGTERM with exit 0, leaving the kernel as it is and no ip process of its own", async () => {
    // It applied through its long-lived `ip -batch -` processes (one per family in use).
    const batches = () => processesWith(topo().ns.node.name, "-batch");
    expect(batches().length).toBeGreaterThan(0);
    proc.kill("SIGTERM");
    const r = await proc;
    expect({ exitCode: r.exitCode, signal: r.signal }, logs.slice(-2000)).toEqual({ exitCode: 0, signal: undefined });
    expect(batches()).toEqual([]);
    expect(processesWith(topo().ns.node.name, "monitor")).toEqual([]);
    expect(await ip(["-4", "rule", "show"])).toContain(`from ${VIP2} lookup`);
    expect(await ip(["-4", "addr", "show", "dev", "lo"])).toContain(`${VIP1}/32`);
  });
});
