// Field report F5 with real BIRD 2, real kernels, a real stateful firewall and real TCP, driven
// through the built `fibwarden` binary: a VIP /32 announced over BGP from a node that sits in the
// same subnet as its clients, an asymmetric return path, and a router that drops INVALID flows.
//
//            client 10.113.0.3 ─┐
//   (default via the router)    │          lan: one bridge (br0) in its own namespace, a switch
//            node   10.113.0.2 ─┼─ br0
//   (VIP 10.113.100.1 on lo,    │
//    BIRD AS 65001)             │
//            router 10.113.0.1 ─┘  BIRD AS 65000, learns the VIP over BGP from the node;
//                                  nftables: forward { ct state invalid counter drop };
//                                  send_redirects=0 (so nobody is told to take the shortcut)
//
// The client reaches the VIP through its gateway, the router, which forwards the SYN back out of
// the same LAN to the node (the BGP route `VIP via 10.113.0.2`). The node replies from the VIP
// straight to the client: same subnet, connected route. The router never sees the SYN-ACK, so the
// client's ACK is, for its conntrack, an ACK to a connection still in SYN_SENT: INVALID, dropped.
// The server never completes the handshake, the client never gets its data: the connection hangs.
//
// fibwarden's per-VIP source table (`return: {bgpPeer: router1}`: gateway and device derived
// from the BGP session that carries the VIP) sends every reply from the VIP back through the
// router: the path is symmetric, conntrack sees the whole handshake and the connection completes.
//
// `fibwarden doctor` must tell the two apart although requests and replies use the same interface
// (lan0) both times: before, the requests' hop (the router) is not the replies' (the client,
// on-link): ASYMMETRIC_RETURN, exit 2; after, both are the router: OK, exit 0.
//
// Every step waits for the exact state the next one relies on (both BGP sessions Established,
// the router's route to the VIP, the node's source table and rule, the reply lookup via the
// router) instead of acting at once: under load a session may still be coming up after apply.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DoctorReportSchema, type DoctorReport } from "../../src/report/doctor-json.js";
import { PlanReportSchema, type PlanReport } from "../../src/report/plan-json.js";
import { checkLabSupport, parseProtocols, pollUntil, waitForBgp, type BirdHandle, type Lab, type LabNamespace } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { ensureBuilt, runFibwarden } from "../support/cli.js";
import { startServer, tryConnect, type TestServer } from "../support/tcp.js";
import { readConfSysctl } from "./support.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[f5-asymmetric-stateful.test] SKIPPING: ${support.reason}\n`);

const LAN = { router: "10.113.0.1", node: "10.113.0.2", client: "10.113.0.3", len: 24 };
const VIP = "10.113.100.1";
const PORT = 8080;
const ANNOUNCE_TABLE = 198;
const SESSION = "router1";
const BGP_TIMERS = "connect delay time 1; connect retry time 2; error wait time 1, 4; hold time 9; keepalive time 3;";

const ROUTER_BIRD = `router id ${LAN.router};
protocol device { scan time 10; }
protocol kernel kernel1 { ipv4 { import none; export where source = RTS_BGP; }; scan time 10; }
protocol bgp node1 {
  local ${LAN.router} as 65000;
  neighbor ${LAN.node} as 65001;
  ${BGP_TIMERS}
  ipv4 { import all; export none; };
}
`;

// The node announces what fibwarden puts into table 198 (MetalLB-style: the speaker's BIRD
// learns the VIP routes from the kernel), and takes nothing from the router.
const NODE_BIRD = `router id ${LAN.node};
protocol device { scan time 10; }
protocol kernel vipk4 { ipv4 { import all; export none; }; kernel table ${ANNOUNCE_TABLE}; learn; scan time 2; }
filter to_router { if proto = "vipk4" then accept; reject; }
protocol bgp ${SESSION} {
  local ${LAN.node} as 65001;
  neighbor ${LAN.router} as 65000;
  ${BGP_TIMERS}
  ipv4 { import none; export filter to_router; };
}
`;

const ROUTER_NFT = `table inet fw {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ct state invalid counter drop
  }
}
`;

interface F5Lab {
  lab: Lab;
  ns: { lan: LabNamespace; client: LabNamespace; node: LabNamespace; router: LabNamespace };
  birds: { router: BirdHandle; node: BirdHandle };
}

async function buildF5(lab: Lab): Promise<F5Lab> {
  const lan = await lab.addNamespace("lan");
  const client = await lab.addNamespace("client");
  const node = await lab.addNamespace("node");
  const router = await lab.addNamespace("router");
  await lan.ip(["link", "add", "br0", "type", "bridge"]);
  await lan.ip(["link", "set", "br0", "up"]);
  const members: Array<[LabNamespace, string]> = [[client, LAN.client], [node, LAN.node], [router, LAN.router]];
  for (const [ns, addr] of members) {
    const port = `p${ns.localName}`;
    await lab.link(lan, port, ns, "lan0", { addrsB: [`${addr}/${LAN.len}`] });
    await lan.ip(["link", "set", port, "master", "br0"]);
  }
  await client.ip(["route", "add", "default", "via", LAN.router]);
  await node.ip(["route", "add", "default", "via", LAN.router]);
  await lab.setSysctl(router, "net.ipv4.ip_forward", 1);
  for (const iface of ["all", "default", "lan0"]) await lab.setSysctl(router, `net.ipv4.conf.${iface}.send_redirects`, 0);
  await router.exec(["nft", "-f", "-"], { input: ROUTER_NFT });
  const birds = { router: await lab.startBird(router, ROUTER_BIRD), node: await lab.startBird(node, NODE_BIRD) };
  await waitForBgp(birds.node, [SESSION]);
  await waitForBgp(birds.router, ["node1"]);
  return { lab, ns: { lan, client, node, router }, birds };
}

/** Packets the router's `ct state invalid counter drop` rule has dropped. */
async function invalidDrops(router: LabNamespace): Promise<number> {
  const out = JSON.parse(await router.exec(["nft", "-j", "list", "chain", "inet", "fw", "forward"])) as { nftables: Array<Record<string, unknown>> };
  for (const item of out.nftables) {
    const rule = item.rule as { expr?: Array<Record<string, unknown>> } | undefined;
    const counter = rule?.expr?.find((e) => "counter" in e)?.counter as { packets: number } | undefined;
    if (counter) return counter.packets;
  }
  throw new Error("no counter in the router's forward chain");
}

/** Both ends of a BGP session Established, as each BIRD reports it. */
async function sessionsPending(t: F5Lab): Promise<string[]> {
  const pending: string[] = [];
  for (const [bird, session] of [[t.birds.node, SESSION], [t.birds.router, "node1"]] as const) {
    const row = parseProtocols(await bird.query("show protocols")).find((r) => r.name === session);
    if (row === undefined || !/^Established\b/.test(row.info)) pending.push(`${bird.name} ${session}: ${row?.info ?? "missing"}`);
  }
  return pending;
}

/**
 * Waits until the path a connection takes is in place: both BGP sessions Established and the
 * router's BGP route to the VIP via the node; with the return path also the node's `from VIP`
 * rule (proto 201), its source table's default route via the router, and the kernel's reply
 * lookup from the VIP to the client via the router. Without it, replies go on-link.
 */
async function waitForPath(t: F5Lab, withReturn: boolean): Promise<void> {
  const { router, node } = t.ns;
  await pollUntil(async () => {
    const pending = await sessionsPending(t);
    const learned = await router.ip(["-4", "route", "show", `${VIP}/32`, "proto", "bird"]);
    if (!learned.includes(`via ${LAN.node} dev lan0`)) pending.push(`router's route to ${VIP}: ${JSON.stringify(learned)}`);
    const reply = await node.ip(["-4", "route", "get", LAN.client, "from", VIP]);
    if (withReturn) {
      const rule = new RegExp(`from ${VIP.replace(/\./g, "\\.")} lookup (\\d+) proto 201`).exec(await node.ip(["-4", "rule", "show"]));
      const table = rule === null ? "" : await node.ip(["-4", "route", "show", "table", rule[1]!]);
      if (rule === null) pending.push(`node: no rule from ${VIP}`);
      else if (!table.includes(`default via ${LAN.router} dev lan0 proto 201`)) pending.push(`node: table ${rule[1]}: ${JSON.stringify(table)}`);
      if (!reply.includes(`via ${LAN.router} dev lan0`)) pending.push(`node: reply lookup ${JSON.stringify(reply)}`);
    } else if (reply.includes(`via ${LAN.router}`) || !reply.includes("dev lan0")) {
      pending.push(`node: reply lookup not on-link: ${JSON.stringify(reply)}`);
    }
    return { done: pending.length === 0, detail: pending.join("; ") };
  }, { timeoutMs: 90_000, intervalMs: 250, what: `the F5 path ${withReturn ? "with" : "without"} the VIP's return (BGP, router route, node rule and table)` });
}

/** What a failed connection saw: the node's sockets on the VIP, its reply lookup, the router's drops. */
async function pathState(t: F5Lab): Promise<string> {
  const { router, node } = t.ns;
  const sockets = await node.exec(["ss", "-tanH", "sport", "=", `:${PORT}`]).catch((e: Error) => e.message);
  const reply = await node.ip(["-4", "route", "get", LAN.client, "from", VIP]).catch((e: Error) => e.message);
  return `node sockets on :${PORT}: ${JSON.stringify(sockets)}; reply lookup: ${JSON.stringify(reply)}; router INVALID drops: ${await invalidDrops(router)}`;
}

function configText(t: F5Lab, withReturn: boolean): string {
  return `
bird: {sockets: [${t.birds.node.socketPath}]}
kernel: {netns: ${t.ns.node.name}}
vips:
  - {address: ${VIP}, announce: {table: ${ANNOUNCE_TABLE}}${withReturn ? `, return: {bgpPeer: ${SESSION}}` : ""}}
`;
}

describe.skipIf(!support.ok)("F5: VIP over BGP + asymmetric return + stateful firewall", () => {
  const get = useLab(buildF5, { name: "f5" });
  const t = (): F5Lab => get().value;
  let cfgBefore = "";
  let cfgAfter = "";
  let server: TestServer | undefined;

  beforeAll(async () => {
    await ensureBuilt();
    cfgBefore = join(t().lab.dir, "fw-f5-before.yaml");
    cfgAfter = join(t().lab.dir, "fw-f5-after.yaml");
    writeFileSync(cfgBefore, configText(t(), false));
    writeFileSync(cfgAfter, configText(t(), true));
  }, 60_000);
  afterAll(() => { server?.stop(); });

  const plan = async (cfg: string): Promise<{ exitCode: number; report: PlanReport }> => {
    const r = await runFibwarden(["reconcile", "--plan", "--config", cfg, "--output", "json"]);
    expect(r.stderr).toBe("");
    return { exitCode: r.exitCode, report: PlanReportSchema.parse(JSON.parse(r.stdout)) };
  };
  const doctor = async (cfg: string): Promise<{ exitCode: number; report: DoctorReport }> => {
    const r = await runFibwarden(["doctor", "--vip", VIP, "--client", LAN.client, "--config", cfg, "--output", "json"]);
    expect(r.stderr).toBe("");
    return { exitCode: r.exitCode, report: DoctorReportSchema.parse(JSON.parse(r.stdout)) };
  };

  it("before: the VIP is announced over BGP, the node replies directly, the router drops the ACK as INVALID: connections hang; doctor names both hops", async () => {
    const { router, node, client } = t().ns;
    const applied = await runFibwarden(["reconcile", "--apply", "--config", cfgBefore]);
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
    // the router learns the VIP over BGP and routes it to the node, back out of the LAN it came
    // from; the reply from the VIP goes straight to the client (connected route), not via the router
    await waitForPath(t(), false);
    server = await startServer(node.name, VIP, PORT);
    // no redirects from the router: the effective send_redirects (all OR iface) is 0
    expect([await readConfSysctl(router, "all", "send_redirects"), await readConfSysctl(router, "lan0", "send_redirects")]).toEqual([0, 0]);
    const drops = await invalidDrops(router);
    expect(await tryConnect(client.name, VIP, PORT)).toBe("timeout");
    expect(await invalidDrops(router)).toBeGreaterThan(drops);

    // same interface both ways, different next hops: the doctor must not call this symmetric
    const { exitCode, report } = await doctor(cfgBefore);
    expect(exitCode).toBe(2);
    expect(report.ingress.interfaces.map((i) => [i.name, i.primary, i.via, i.sessions, i.gateway])).toEqual([["lan0", true, "bgp", [SESSION], LAN.router]]);
    expect(report.egress).toMatchObject({ ok: true, interface: "lan0", gateway: null, hop: LAN.client, table: 254 });
    expect(report.path).toEqual({ compared: true, same: false, ingress: { interface: "lan0", hop: LAN.router }, egress: { interface: "lan0", hop: LAN.client } });
    expect(report.findings.map((f) => [f.code, f.severity, f.interface])).toEqual([["ASYMMETRIC_RETURN", "error", "lan0"]]);
    const finding = report.findings[0]!;
    expect(finding.message).toContain(`requests come in by lan0 from ${LAN.router} (${SESSION}) but replies leave by lan0 straight to the client ${LAN.client}`);
    expect(finding.fix.config[0]).toBe(`vips: [{address: ${VIP}, announce: {table: ${ANNOUNCE_TABLE}}, return: {bgpPeer: ${SESSION}}}]`);
    expect(report.verdict).toMatchObject({ code: "ASYMMETRIC_RETURN", breaks: true, expectedPathSymmetric: false });
    const text = await runFibwarden(["doctor", "--vip", VIP, "--client", LAN.client, "--config", cfgBefore]);
    expect(text.exitCode).toBe(2);
    expect(text.stdout).toContain(`requests from ${LAN.router} on lan0, replies to ${LAN.client} (the client, on-link) on lan0: DIFFERENT\n`);
    expect(text.stdout).toMatch(/\nverdict: ASYMMETRIC_RETURN: requests come in by lan0 from 10\.113\.0\.1 \(router1\) but replies leave by lan0 straight to the client 10\.113\.0\.3/);
    expect(text.stdout).not.toMatch(/symmetric\n$/);
  });

  it("after: fibwarden's source table for the VIP returns replies via the BGP peer; doctor says OK; the handshake completes", async () => {
    const { router, client } = t().ns;
    // the bgpPeer return is derived from the session: plan only once it is Established
    await waitForPath(t(), false);
    const pending = await plan(cfgAfter);
    expect(pending.exitCode).toBe(2);
    expect(pending.report.problems).toEqual([]);
    expect(pending.report.operations.map((o) => o.kind)).toEqual(["route.add", "rule.add"]);
    const applied = await runFibwarden(["reconcile", "--apply", "--config", cfgAfter]);
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
    await waitForPath(t(), true);

    const { exitCode, report } = await doctor(cfgAfter);
    expect(exitCode, JSON.stringify(report.findings)).toBe(0);
    expect(report.ingress.interfaces.map((i) => [i.name, i.primary, i.via, i.gateway])).toEqual([["lan0", true, "return.bgpPeer", LAN.router]]);
    expect(report.egress).toMatchObject({ interface: "lan0", gateway: LAN.router, hop: LAN.router });
    expect(report.egress.table).not.toBe(254);
    expect(report.path).toEqual({ compared: true, same: true, ingress: { interface: "lan0", hop: LAN.router }, egress: { interface: "lan0", hop: LAN.router } });
    expect(report.findings).toEqual([]);
    expect(report.verdict).toMatchObject({ code: "OK", breaks: false, warnings: 0, expectedPathSymmetric: true });
    expect(report.verdict.summary).toBe(`requests come in by lan0 from ${LAN.router} and replies leave by lan0 to ${LAN.router}: the path is symmetric`);

    // The "before" connection left a half-open one on the node (SYN-RECV): its SYN-ACK is
    // retransmitted for about a minute, and one sent now leaves via the router, which drops it as
    // INVALID, counted against this handshake on a slow machine. A fresh listener has none.
    expect(server?.exited(), "the test server on the VIP is still running").toBeUndefined();
    server?.stop();
    server = await startServer(t().ns.node.name, VIP, PORT);
    await pollUntil(async () => {
      const halfOpen = (await t().ns.node.exec(["ss", "-Htn", "state", "syn-recv", `sport = :${PORT}`])).trim();
      return { done: halfOpen === "", detail: halfOpen };
    }, { what: "no half-open connection of the before phase left on the node" });
    const drops = await invalidDrops(router);
    expect(await tryConnect(client.name, VIP, PORT), await pathState(t())).toBe("ok");
    expect(await invalidDrops(router)).toBe(drops);
    const again = await plan(cfgAfter);
    expect(again.report.operations).toEqual([]);
    expect(again.exitCode).toBe(0);
  });
});
