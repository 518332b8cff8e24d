// `fibwarden run` (the built binary) in a lab with real BIRD 2: each reaction is asserted on the
// kernel state, and nothing foreign is ever removed.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTwoUplinkTopology, checkLabSupport, pollUntil, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { CLI_PATH, ensureBuilt } from "../support/cli.js";

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
daemon: {listen: "127.0.0.1:0", debounceMs: 50, birdPollIntervalMs: 500, resyncIntervalSeconds: 3, logLevel: debug}
vips:
${vips.map((v) => `  - {address: ${v}, announce: {table: ${t.plan.vip.table}}, return: {gateway: ${t.plan.uplinks.a.router.ipv4}, device: ${t.plan.uplinks.a.node.ifname}}}`).join("\n")}
`;
}

describe.skipIf(!support.ok)("fibwarden run", () => {
  const get = useLab((lab) => buildTwoUplinkTopology(lab, { scanTimeS: 60 }), { name: "daemon" });
  const topo = (): TwoUplinkTopology => get().value;
  let proc: ResultPromise;
  let logs = "";
  let url = "";
  let cfgPath = "";
  const ip = (args: string[]) => topo().ns.node.ip(args);
  const waitFor = (what: string, check: () => Promise<boolean>, timeoutMs = 10_000) =>
    pollUntil(async () => ({ done: await check() }), { timeoutMs, intervalMs: 100, what });
  const readyz = async () => (await fetch(`${url}/readyz`)).status;

  beforeAll(async () => {
    await ensureBuilt();
    cfgPath = join(topo().lab.dir, "daemon.yaml");
    writeFileSync(cfgPath, config(topo(), [VIP1]));
    proc = execa(process.execPath, [CLI_PATH, "run", "--config", cfgPath], { reject: false, all: true });
    proc.all?.on("data", (d: Buffer) => { logs += d.toString(); });
    await waitFor("daemon url in the logs", async () => {
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
    await waitFor("readyz 200", async () => (await readyz()) === 200);
    await waitFor("VIP1 rule", async () => (await ip(["-4", "rule", "show"])).includes(`from ${VIP1} lookup`));
    expect(await ip(["-4", "addr", "show", "dev", "lo"])).toContain(`${VIP1}/32`);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/fibwarden_passes_total\{result="ok"\} [1-9]/);
    expect(metrics).toMatch(/fibwarden_observation_complete\{source="bird"\} 1/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("reinstalls a protected route a foreign agent deleted, and logs the drift", async () => {
    const victim = "10.200.1.0/24";
    await ip(["route", "del", victim, "proto", "bird", "metric", "32"]);
    await waitFor("reinstalled", async () => (await ip(["-4", "route", "show", victim, "proto", "bird"])).includes(victim));
    expect(logs).toMatch(new RegExp(`"drift":"missing","route":"${victim.replace(/\./g, "\\.")}"`));
  });

  it("leaves a foreign replace of a protected route alone and reports the conflict", async () => {
    const victim = "10.200.2.0/24";
    await ip(["route", "replace", victim, "dev", topo().plan.gw.node.ifname, "proto", "static", "metric", "32"]);
    await waitFor("conflict logged", async () => logs.includes('"conflict":"protected-overwritten"'));
    await new Promise((r) => setTimeout(r, 500));
    expect(await ip(["-4", "route", "show", victim, "proto", "static"])).toContain(victim);
    await ip(["route", "del", victim, "proto", "static", "metric", "32"]);
  });

  it("sets rp_filter on an interface created later that matches a pattern (default 2)", async () => {
    const ns = topo().ns.node;
    await ns.exec(["sysctl", "-qw", "net.ipv4.conf.default.rp_filter=2"]);
    await ip(["link", "add", "lxc1", "type", "veth", "peer", "name", "vpeer1"]);
    await waitFor("lxc1 rp_filter 0", async () => (await ns.exec(["cat", "/proc/sys/net/ipv4/conf/lxc1/rp_filter"])).trim() === "0");
    // only the interface matching the pattern is loosened
    expect((await ns.exec(["cat", "/proc/sys/net/ipv4/conf/vpeer1/rp_filter"])).trim()).toBe("2");
  });

  it("fails static while BIRD is down (unready, nothing deleted), and recovers when it is back", async () => {
    const bird = topo().birds.node;
    await bird.stop();
    await waitFor("readyz 503", async () => (await readyz()) === 503);
    expect(await ip(["-4", "rule", "show"])).toContain(`from ${VIP1} lookup`);
    expect(logs).toMatch(/observation incomplete: nothing deleted/);
    await bird.restart();
    await waitFor("readyz 200 again", async () => (await readyz()) === 200, 30_000);
  });

  it("reloads a changed config file and installs the new VIP", async () => {
    writeFileSync(cfgPath, config(topo(), [VIP1, VIP2]));
    await waitFor("VIP2 rule", async () => (await ip(["-4", "rule", "show"])).includes(`from ${VIP2} lookup`));
    expect(logs).toMatch(/config reloaded/);
  });

  it("stops on SIGTERM with exit 0, leaving the kernel as it is", async () => {
    proc.kill("SIGTERM");
    const r = await proc;
    expect({ exitCode: r.exitCode, signal: r.signal }, logs.slice(-2000)).toEqual({ exitCode: 0, signal: undefined });
    expect(await ip(["-4", "rule", "show"])).toContain(`from ${VIP2} lookup`);
    expect(await ip(["-4", "addr", "show", "dev", "lo"])).toContain(`${VIP1}/32`);
  });
});
