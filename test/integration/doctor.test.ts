// `fibwarden doctor` through the built binary, with real BIRD 2, real kernels and real TCP, in
// the two-uplink lab of the F3 test: VIP1 pinned to link A and VIP2 to link B on the router, a
// default route out of eth0 toward `gw`, which cannot reach the client. The doctor must name
// what breaks the flow before per-VIP source tables (ASYMMETRIC_RETURN, exit 2), with strict
// rp_filter (REVERSE_PATH_DROP, exit 2), when replies leave by the request's interface but
// through another next hop than the router that delivered them (ASYMMETRIC_RETURN, exit 2), and
// say OK once `reconcile --apply` installed them, naming (not hiding) the warning for the other
// uplink that also carries the VIP.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DoctorReportSchema, type DoctorReport } from "../../src/report/doctor-json.js";
import { buildTwoUplinkTopology, checkLabSupport, waitForBgp, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { pinVipsToUplinks, twoUplinkVipConfig } from "../support/two-uplink-vips.js";
import { ensureBuilt, runFibwarden } from "../support/cli.js";
import { startServer, tryConnect, type TestServer } from "../support/tcp.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[doctor.test] SKIPPING: ${support.reason}\n`);

const VIP1 = "10.111.100.1";
const VIP2 = "10.111.100.2";
const PORT = 8080;


describe.skipIf(!support.ok)("fibwarden doctor in the two-uplink lab", () => {
  const get = useLab((lab) => buildTwoUplinkTopology(lab), { name: "doctor" });
  const topo = (): TwoUplinkTopology => get().value;
  let cfgNoReturn: string;
  let cfgReturn: string;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    const dir = topo().lab.dir;
    cfgNoReturn = join(dir, "fw-noreturn.yaml");
    cfgReturn = join(dir, "fw-return.yaml");
    writeFileSync(cfgNoReturn, twoUplinkVipConfig(topo(), false));
    writeFileSync(cfgReturn, twoUplinkVipConfig(topo(), true));
  }, 180_000);
  afterAll(() => { for (const s of servers) s.stop(); });

  const client = (): string => topo().plan.client.client.ipv4;
  const doctor = async (cfg: string, vip: string, extra: string[] = []): Promise<{ exitCode: number; report: DoctorReport }> => {
    const r = await runFibwarden(["doctor", "--vip", vip, "--client", client(), "--config", cfg, "--output", "json", ...extra]);
    expect(r.stderr).toBe("");
    return { exitCode: r.exitCode, report: DoctorReportSchema.parse(JSON.parse(r.stdout)) };
  };
  const sysctl = (key: string, value: number) => topo().lab.setSysctl(topo().ns.node, key, value);
  /** The doctor's ingress comes from the node's BGP sessions: wait until both are Established (a busy machine may still be bringing one up). */
  const sessionsUp = () => waitForBgp(topo().birds.node, [topo().plan.uplinks.a.nodeSessions.v4, topo().plan.uplinks.b.nodeSessions.v4], { timeoutMs: 90_000 });

  it("before source tables: ASYMMETRIC_RETURN, replies leave by the gw-facing interface (exit 2); TCP fails", async () => {
    const { plan: p, ns } = topo();
    const applied = await runFibwarden(["reconcile", "--apply", "--config", cfgNoReturn]);
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
    await pinVipsToUplinks(topo(), VIP1, VIP2);
    servers.push(await startServer(ns.node.name, VIP1, PORT), await startServer(ns.node.name, VIP2, PORT));
    expect(await tryConnect(ns.client.name, VIP1, PORT)).toBe("timeout");

    await sessionsUp();
    const { exitCode, report } = await doctor(cfgNoReturn, VIP1);
    expect(exitCode).toBe(2);
    expect(report.verdict).toMatchObject({ code: "ASYMMETRIC_RETURN", breaks: true });
    expect(report.netns).toBe(ns.node.name);
    expect(report.vipStatus).toEqual({ local: true, devices: ["lo"], configured: true, announce: { table: p.vip.table, present: true } });
    expect(report.sessions.map((s) => [s.protocol, s.established, s.neighbor, s.interface, s.exportsVip])).toEqual([
      [p.uplinks.a.nodeSessions.v4, true, p.uplinks.a.router.ipv4, p.uplinks.a.node.ifname, true],
      [p.uplinks.b.nodeSessions.v4, true, p.uplinks.b.router.ipv4, p.uplinks.b.node.ifname, true],
    ]);
    expect(report.ingress.source).toBe("bgp");
    expect(report.ingress.interfaces.map((i) => [i.name, i.primary, i.kernelCheck?.accepted])).toEqual([
      [p.uplinks.a.node.ifname, true, true], [p.uplinks.b.node.ifname, true, true],
    ]);
    expect(report.egress).toMatchObject({ ok: true, interface: p.gw.node.ifname, gateway: p.gw.gw.ipv4, hop: p.gw.gw.ipv4, table: 254 });
    expect(report.path).toEqual({
      compared: true, same: false,
      ingress: { interface: p.uplinks.a.node.ifname, hop: p.uplinks.a.router.ipv4 }, egress: { interface: p.gw.node.ifname, hop: p.gw.gw.ipv4 },
    });
    expect(report.findings.map((f) => [f.code, f.severity])).toEqual([["ASYMMETRIC_RETURN", "error"]]);
    expect(report.findings[0]!.fix.config[0]).toBe(`vips: [{address: ${VIP1}, announce: {table: ${p.vip.table}}, return: {bgpPeer: ${p.uplinks.a.nodeSessions.v4}}}]`);

    const text = await runFibwarden(["doctor", "--vip", VIP1, "--client", client(), "--config", cfgNoReturn]);
    expect(text.exitCode).toBe(2);
    expect(text.stdout).toContain(`replies leave by\n  ${p.gw.node.ifname} via ${p.gw.gw.ipv4}, table main\n`);
    expect(text.stdout).toContain(`\nverdict: ASYMMETRIC_RETURN: requests come in by ${p.uplinks.a.node.ifname} from ${p.uplinks.a.router.ipv4} (${p.uplinks.a.nodeSessions.v4}), `
      + `${p.uplinks.b.node.ifname} from ${p.uplinks.b.router.ipv4} (${p.uplinks.b.nodeSessions.v4}) but replies leave by ${p.gw.node.ifname} via ${p.gw.gw.ipv4} (table main)`);
  });

  it("replies by the request's interface but through another next hop than its router: ASYMMETRIC_RETURN naming both hops (exit 2)", async () => {
    const { plan: p, ns } = topo();
    const ingress = p.uplinks.a.node.ifname;
    // an on-link next hop on link A that is not the router the requests come from
    const other = p.uplinks.a.router.ipv4.replace(/\.\d+$/, ".99");
    const route = [`${client()}/32`, "via", other, "dev", ingress, "proto", "static"];
    await ns.node.ip(["-4", "route", "add", ...route]);
    try {
      await sessionsUp();
      const { exitCode, report } = await doctor(cfgNoReturn, VIP1);
      expect(exitCode).toBe(2);
      expect(report.egress).toMatchObject({ interface: ingress, gateway: other, hop: other, table: 254 });
      expect(report.path).toEqual({ compared: true, same: false, ingress: { interface: ingress, hop: p.uplinks.a.router.ipv4 }, egress: { interface: ingress, hop: other } });
      expect(report.findings.map((f) => [f.code, f.severity, f.interface])).toEqual([["ASYMMETRIC_RETURN", "error", ingress]]);
      expect(report.findings[0]!.message).toContain(
        `requests come in by ${ingress} from ${p.uplinks.a.router.ipv4} (${p.uplinks.a.nodeSessions.v4}) but replies leave by ${ingress} via ${other} (table main): same interface, different next hop`);
      expect(report.findings[0]!.fix.config[0]).toBe(`vips: [{address: ${VIP1}, announce: {table: ${p.vip.table}}, return: {bgpPeer: ${p.uplinks.a.nodeSessions.v4}}}]`);
      expect(report.verdict).toMatchObject({ code: "ASYMMETRIC_RETURN", breaks: true, expectedPathSymmetric: false });
    } finally {
      await ns.node.ip(["-4", "route", "del", ...route]);
    }
  });

  it("strict rp_filter on the ingress (and all=1) with the reply route elsewhere: REVERSE_PATH_DROP (exit 2)", async () => {
    const { plan: p } = topo();
    const ingress = p.uplinks.a.node.ifname;
    await sysctl(`net.ipv4.conf.${ingress}.rp_filter`, 1);
    await sysctl("net.ipv4.conf.all.rp_filter", 1);
    try {
      await sessionsUp();
      const { exitCode, report } = await doctor(cfgNoReturn, VIP1);
      expect(exitCode).toBe(2);
      expect(report.verdict.code).toBe("REVERSE_PATH_DROP");
      const drop = report.findings.find((f) => f.code === "REVERSE_PATH_DROP" && f.interface === ingress)!;
      expect(drop.severity).toBe("error");
      expect(drop.message).toMatch(new RegExp(`strict rp_filter \\(1\\) on ${ingress} drops requests from ${client().replace(/\./g, "\\.")}.*leaves by ${p.gw.node.ifname}, not ${ingress}`));
      expect(report.ingress.interfaces.find((i) => i.name === ingress)!.kernelCheck).toEqual({ accepted: false, detail: "RTNETLINK answers: Invalid argument" });
      expect(report.interfaces.find((h) => h.name === ingress)!.rpFilter).toEqual({ all: 1, iface: 1, effective: 1 });
      // nb0 is 0 itself, but all=1 makes it strict too
      expect(report.interfaces.find((h) => h.name === p.uplinks.b.node.ifname)!.rpFilter).toEqual({ all: 1, iface: 0, effective: 1 });
      expect(report.findings.map((f) => f.code)).toContain("ASYMMETRIC_RETURN");
    } finally {
      await sysctl("net.ipv4.conf.all.rp_filter", 0);
      await sysctl(`net.ipv4.conf.${ingress}.rp_filter`, 0);
    }
    expect((await doctor(cfgNoReturn, VIP1)).report.verdict.code).toBe("ASYMMETRIC_RETURN");
  });

  it("after reconcile --apply with a return per VIP: OK (exit 0), replies leave by the request's link; TCP connects", async () => {
    const { plan: p, ns } = topo();
    const applied = await runFibwarden(["reconcile", "--apply", "--config", cfgReturn]);
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);

    await sessionsUp();
    const one = await doctor(cfgReturn, VIP1);
    expect(one.exitCode).toBe(0);
    expect(one.report.verdict).toMatchObject({ code: "OK", breaks: false });
    expect(one.report.ingress.source).toBe("config");
    expect(one.report.ingress.interfaces.map((i) => [i.name, i.primary, i.via])).toEqual([
      [p.uplinks.a.node.ifname, true, "return.device"], [p.uplinks.b.node.ifname, false, "bgp"],
    ]);
    expect(one.report.egress).toMatchObject({ interface: p.uplinks.a.node.ifname, gateway: p.uplinks.a.router.ipv4 });
    expect(one.report.egress.table).not.toBe(254);
    expect(one.report.path).toMatchObject({ compared: true, same: true, ingress: { interface: p.uplinks.a.node.ifname, hop: p.uplinks.a.router.ipv4 } });
    // the router may send VIP1 over link B too (it carries the VIP): a warning, not a break,
    // and the verdict says so instead of calling the whole path symmetric
    expect(one.report.findings.map((f) => [f.code, f.severity])).toEqual([["ASYMMETRIC_RETURN", "warning"]]);
    expect(one.report.verdict).toMatchObject({ warnings: 1, expectedPathSymmetric: true });
    expect(one.report.verdict.summary).not.toContain("the path is symmetric");

    const two = await doctor(cfgReturn, VIP2);
    expect(two.exitCode).toBe(0);
    expect(two.report.ingress.interfaces[0]).toMatchObject({ name: p.uplinks.b.node.ifname, via: "return.bgpPeer", gateway: p.uplinks.b.router.ipv4 });
    expect(two.report.egress).toMatchObject({ interface: p.uplinks.b.node.ifname });

    expect(await tryConnect(ns.client.name, VIP1, PORT)).toBe("ok");
    expect(await tryConnect(ns.client.name, VIP2, PORT)).toBe("ok");

    const text = await runFibwarden(["doctor", "--vip", VIP1, "--client", client(), "--config", cfgReturn]);
    expect(text.exitCode).toBe(0);
    const a = p.uplinks.a;
    expect(text.stdout.endsWith(`\nverdict: OK: requests come in by ${a.node.ifname} from ${a.router.ipv4} and replies leave by ${a.node.ifname} to ${a.router.ipv4}: `
      + "the expected path is symmetric, but requests that take another path may fail; 1 warning: ASYMMETRIC_RETURN"), text.stdout).toBe(true);
  });

  it("after: strict rp_filter everywhere passes for the return link; a forwarding node gets an ICMP redirect hint; TCP still connects", async () => {
    const { plan: p, ns } = topo();
    await sysctl("net.ipv4.conf.all.rp_filter", 1);
    await sysctl("net.ipv4.ip_forward", 1);
    try {
      await sessionsUp();
      const { exitCode, report } = await doctor(cfgReturn, VIP1);
      expect(exitCode).toBe(0);
      expect(report.verdict.code).toBe("OK");
      expect(report.findings.map((f) => [f.code, f.severity, f.interface])).toEqual([
        ["REVERSE_PATH_DROP", "warning", p.uplinks.b.node.ifname],
        ["ASYMMETRIC_RETURN", "warning", undefined],
        ["ICMP_REDIRECTS", "hint", undefined],
      ]);
      expect(report.interfaces.map((h) => [h.name, h.forwarding, h.sendRedirects?.effective])).toEqual([
        [p.uplinks.a.node.ifname, 1, 1], [p.uplinks.b.node.ifname, 1, 1],
      ]);
      expect(await tryConnect(ns.client.name, VIP1, PORT)).toBe("ok");
    } finally {
      await sysctl("net.ipv4.conf.all.rp_filter", 0);
      await sysctl("net.ipv4.ip_forward", 0);
    }
  });

  it("a VIP that is not on the node: VIP_NOT_LOCAL and NOT_ANNOUNCED (exit 2); bad arguments exit 1", async () => {
    const { exitCode, report } = await doctor(cfgReturn, "10.111.100.9");
    expect(exitCode).toBe(2);
    expect(report.verdict.code).toBe("VIP_NOT_LOCAL");
    expect(report.findings.map((f) => f.code)).toEqual(["VIP_NOT_LOCAL", "NOT_ANNOUNCED"]);
    expect(report.sessions.every((s) => s.exportsVip === false)).toBe(true);

    const noClient = await runFibwarden(["doctor", "--vip", VIP1, "--config", cfgReturn]);
    expect(noClient.exitCode).toBe(1);
    expect(noClient.stderr).toMatch(/--vip and --client are required/);
    const bad = await runFibwarden(["doctor", "--vip", "10.111.100.300", "--client", client(), "--config", cfgReturn]);
    expect(bad.exitCode).toBe(1);
    const mixed = await runFibwarden(["doctor", "--vip", VIP1, "--client", "fd00::1", "--config", cfgReturn]);
    expect(mixed.exitCode).toBe(1);
    expect(mixed.stderr).toMatch(/FW_INVALID_ADDRESS/);
  });
});
