// The demo's lab part (run by scripts/demo.mjs as `node --import tsx scripts/demo-lab.ts`, as
// root, after fibwarden is built): field report F3 on a throwaway lab of network namespaces with
// real BIRD 2, before and after `fibwarden reconcile`. The lab is torn down at the end, on
// failure, and on Ctrl-C (test/lab registers exit and signal hooks).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { buildTwoUplinkTopology, createLab, pollUntil, type Lab, type TwoUplinkTopology } from "../test/lab/index.js";
import { startServer, tryConnect, type TestServer } from "../test/support/tcp.js";

const CLI = fileURLToPath(new URL("../dist/bin/fibwarden.mjs", import.meta.url));
const VIP1 = "10.111.100.1";
const VIP2 = "10.111.100.2";
const PORT = 8080;

const DIAGRAM = `
  client 10.111.50.2 ── router (BIRD 2, AS 65000) ══ link A 10.111.1.0/24 ══ node (BIRD 2, AS 65001)
                                                 ══ link B 10.111.2.0/24 ══   VIP1 ${VIP1}, VIP2 ${VIP2} on lo
                                                                            eth0 ── gw (default route;
                                                                                   cannot reach the client)
  The router reaches VIP1 over link A and VIP2 over link B. The node has no route to the client
  but its default route, so without per-VIP source tables its replies leave by eth0 towards gw.
`;

const bold = (s: string): string => (process.stdout.isTTY ? `\u001b[1m${s}\u001b[0m` : s);
const say = (s = ""): void => { process.stdout.write(`${s}\n`); };
let stepNo = 0;
const step = (title: string): void => { say(); say(bold(`[${++stepNo}] ${title}`)); };
const indent = (text: string): string => text.trimEnd().split("\n").map((l) => `    ${l}`.trimEnd()).join("\n");

/** Runs the fibwarden CLI with its output on the terminal; returns the exit code. */
async function fibwarden(args: string[]): Promise<number> {
  say(`  $ fibwarden ${args.join(" ")}`);
  const r = await execa(process.execPath, [CLI, ...args], { reject: false, stdout: "inherit", stderr: "inherit", timeout: 120_000 });
  say(`  (exit ${r.exitCode ?? "?"})`);
  return r.exitCode ?? -1;
}

function configText(t: TwoUplinkTopology, withReturn: boolean): string {
  const { plan } = t;
  const ret1 = withReturn ? `\n    return: {gateway: ${plan.uplinks.a.router.ipv4}, device: ${plan.uplinks.a.node.ifname}}` : "";
  const ret2 = withReturn ? `\n    return: {bgpPeer: ${plan.uplinks.b.nodeSessions.v4}}   # gateway and device from this BGP session` : "";
  return `bird: {sockets: [${t.birds.node.socketPath}]}
kernel: {netns: ${t.ns.node.name}}
protect: {kernelProtocols: [${plan.kernelProtocols.v4}, ${plan.kernelProtocols.v6}]}
vips:
  - address: ${VIP1}
    announce: {table: ${plan.vip.table}}${ret1}
  - address: ${VIP2}
    announce: {table: ${plan.vip.table}}${ret2}
`;
}

async function showClients(t: TwoUplinkTopology): Promise<string[]> {
  const results = await Promise.all([VIP1, VIP2].map((vip) => tryConnect(t.ns.client.name, vip, PORT)));
  [VIP1, VIP2].forEach((vip, i) => say(`  client -> ${vip}:${PORT}: ${results[i] === "ok" ? "connected, got \"pong\"" : `FAILED (${results[i]})`}`));
  return results;
}

async function showReplyRoute(t: TwoUplinkTopology): Promise<void> {
  for (const vip of [VIP1, VIP2]) {
    const route = await t.ns.node.ip(["-4", "route", "get", t.plan.client.client.ipv4, "from", vip]);
    say(`  node: ip route get ${t.plan.client.client.ipv4} from ${vip}\n${indent(route)}`);
  }
}

async function runDemo(lab: Lab): Promise<void> {
  step("Building the lab: network namespaces, veth links, BIRD 2 on the router and the node");
  say(DIAGRAM.trimEnd());
  const t0 = performance.now();
  const t = await buildTwoUplinkTopology(lab);
  say(`  lab ${lab.prefix} up, BGP sessions established, in ${((performance.now() - t0) / 1000).toFixed(1)} s (state in ${lab.dir})`);
  const cfgBefore = join(lab.dir, "fibwarden-announce-only.yaml");
  const cfgAfter = join(lab.dir, "fibwarden.yaml");
  writeFileSync(cfgBefore, configText(t, false));
  writeFileSync(cfgAfter, configText(t, true));

  step("The node announces both VIPs over BGP (fibwarden, VIPs without a return path)");
  say(indent(configText(t, false)));
  if (await fibwarden(["reconcile", "--apply", "--config", cfgBefore]) !== 0) throw new Error("announcing the VIPs failed");
  for (const vip of [VIP1, VIP2]) {
    await pollUntil(async () => {
      const out = await t.ns.router.ip(["-4", "route", "show", `${vip}/32`, "proto", "bird"]);
      return { done: out.includes(vip), detail: out };
    }, { timeoutMs: 30_000, what: `the router learning ${vip} over BGP` });
  }
  const { plan } = t;
  await t.ns.router.ip(["route", "replace", `${VIP1}/32`, "via", plan.uplinks.a.node.ipv4, "dev", plan.uplinks.a.router.ifname, "proto", "static", "metric", "1"]);
  await t.ns.router.ip(["route", "replace", `${VIP2}/32`, "via", plan.uplinks.b.node.ipv4, "dev", plan.uplinks.b.router.ifname, "proto", "static", "metric", "1"]);
  say("  the router learned both VIPs over BGP; VIP1 is pinned to link A and VIP2 to link B");

  step("A client connects to each VIP: the SYN arrives, the SYN-ACK leaves by the default route");
  const servers: TestServer[] = [await startServer(t.ns.node.name, VIP1, PORT), await startServer(t.ns.node.name, VIP2, PORT)];
  try {
    const before = await showClients(t);
    await showReplyRoute(t);
    if (before.some((r) => r === "ok")) throw new Error("the client connected before fibwarden's source tables: the lab does not show the problem");

    step("The operator adds a return path to each VIP; fibwarden reconcile --plan shows what it would do");
    say(indent(configText(t, true)));
    await fibwarden(["reconcile", "--plan", "--config", cfgAfter]);

    step("fibwarden reconcile --apply");
    if (await fibwarden(["reconcile", "--apply", "--config", cfgAfter]) !== 0) throw new Error("apply failed");
    say(`  node: ip rule\n${indent(await t.ns.node.ip(["-4", "rule", "show"]))}`);

    step("The client connects again: replies leave by the link each request came in on");
    const after = await showClients(t);
    await showReplyRoute(t);
    if (after.some((r) => r !== "ok")) throw new Error("the client still cannot connect after apply");

    step("fibwarden doctor: how does a flow from the client to VIP2 go, and what could break it?");
    const help = await execa(process.execPath, [CLI, "help"], { reject: false });
    if (!/\bdoctor\b/.test(help.stdout)) {
      say("  (skipped: this build of fibwarden has no `doctor` command yet)");
    } else {
      await fibwarden(["doctor", "--config", cfgAfter, "--vip", VIP2, "--client", plan.client.client.ipv4]);
    }
  } finally {
    for (const s of servers) s.stop();
  }
}

async function main(): Promise<number> {
  const lab = await createLab({ name: "demo" });
  try {
    await runDemo(lab);
    step("Tearing the lab down");
    await lab.destroy();
    say("  done: namespaces deleted, BIRD stopped");
    return 0;
  } catch (err) {
    say(`\ndemo FAILED: ${err instanceof Error ? err.message : String(err)}`);
    say("tearing the lab down");
    await lab.destroy().catch((e: unknown) => { say(`teardown: ${String(e)}`); });
    return 1;
  }
}

process.exitCode = await main();
