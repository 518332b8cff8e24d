// The doctor's pure analysis on hand-made inputs shaped like the two-uplink lab (F2, F3, F5).
import { describe, expect, it } from "vitest";
import { makeRoute } from "../../../src/core/model/normalize.js";
import { analyzeFlow } from "../../../src/doctor/analyze.js";
import type { DoctorAnalysis, FindingCode } from "../../../src/doctor/types.js";
import { bgpProtocol, CLIENT, F5, f5Input, f5InputWithReturn, hit, labInput, labInputWithReturn, miss, setSysctl, SOCKET, VIP } from "./inputs.js";

const codes = (a: DoctorAnalysis): Array<[FindingCode, string, string | undefined]> => a.findings.map((f) => [f.code, f.severity, f.interface]);

describe("doctor analysis: the F3 flow before and after per-VIP source tables", () => {
  it("before: requests come in by both uplinks, replies leave by eth0: ASYMMETRIC_RETURN with a `return` fix", () => {
    const a = analyzeFlow(labInput());
    expect(a.ingress.source).toBe("bgp");
    expect(a.ingress.interfaces.map((i) => [i.name, i.primary, i.via, i.sessions, i.gateway])).toEqual([
      ["na0", true, "bgp", ["up_a4"], "10.111.1.1"],
      ["nb0", true, "bgp", ["up_b4"], "10.111.2.1"],
    ]);
    expect(a.egress).toMatchObject({ ok: true, interface: "eth0", gateway: "10.111.9.1", table: 254, lookup: `ip -4 route get ${CLIENT} from ${VIP}` });
    expect(codes(a)).toEqual([["ASYMMETRIC_RETURN", "error", undefined]]);
    expect(a.verdict).toMatchObject({ code: "ASYMMETRIC_RETURN", breaks: true, expectedPathSymmetric: false });
    expect(a.findings[0]!.message).toMatch(/^requests come in by na0 from 10\.111\.1\.1 \(up_a4\), nb0 from 10\.111\.2\.1 \(up_b4\) but replies leave by eth0 via 10\.111\.9\.1 \(table main\)/);
    expect(a.path).toEqual({ compared: true, same: false, ingress: { interface: "na0", hop: "10.111.1.1" }, egress: { interface: "eth0", hop: "10.111.9.1" } });
    const fix = a.findings[0]!.fix;
    expect(fix.config).toEqual([
      `vips: [{address: ${VIP}, announce: {table: 198}, return: {bgpPeer: up_a4}}]`,
      `vips: [{address: ${VIP}, announce: {table: 198}, return: {gateway: 10.111.1.1, device: na0}}]`,
    ]);
    expect(fix.command).toBe("fibwarden reconcile --apply");
  });

  it("the sessions: neighbor devices from the main table when the kernel was not asked, from `ip route get` when it was", () => {
    expect(analyzeFlow(labInput()).sessions.map((s) => [s.protocol, s.neighbor, s.interface, s.exportsVip])).toEqual([
      ["up_a4", "10.111.1.1", "na0", true], ["up_b4", "10.111.2.1", "nb0", true],
    ]);
    const input = labInput();
    input.neighborRoutes = { "10.111.1.1": hit("nb0"), "10.111.2.1": miss("RTNETLINK answers: Network is unreachable", "unreachable") };
    expect(analyzeFlow(input).sessions.map((s) => s.interface)).toEqual(["nb0", "nb0"]);
  });

  it("after: the configured return is the ingress and replies leave by it: OK, with a warning for the other session", () => {
    const a = analyzeFlow(labInputWithReturn());
    expect(a.ingress.source).toBe("config");
    expect(a.ingress.interfaces.map((i) => [i.name, i.primary, i.via])).toEqual([["na0", true, "return.device"], ["nb0", false, "bgp"]]);
    expect(a.egress).toMatchObject({ interface: "na0", table: 1000 });
    expect(a.verdict).toMatchObject({ code: "OK", breaks: false, warnings: 1, expectedPathSymmetric: true });
    // the warning is named; "the path is symmetric" is not claimed
    expect(a.verdict.summary).toBe("requests come in by na0 from 10.111.1.1 and replies leave by na0 to 10.111.1.1: "
      + "the expected path is symmetric, but requests that take another path may fail; 1 warning: ASYMMETRIC_RETURN");
    expect(codes(a)).toEqual([["ASYMMETRIC_RETURN", "warning", undefined]]);
    expect(a.findings[0]!.message).toMatch(/nb0 from 10\.111\.2\.1 \(up_b4\) also carries the VIP/);
  });

  it("a return by bgpPeer takes that session's interface as the ingress", () => {
    const input = labInputWithReturn();
    input.vipConfig = { device: "lo", announceTable: 198, return: { bgpPeer: "up_b4" } };
    input.replyRoute = hit("nb0", "10.111.2.1", 1000);
    const a = analyzeFlow(input);
    expect(a.ingress.interfaces.map((i) => [i.name, i.primary, i.via, i.gateway])).toEqual([["nb0", true, "return.bgpPeer", "10.111.2.1"], ["na0", false, "bgp", "10.111.1.1"]]);
    expect(a.verdict.code).toBe("OK");
  });

  it("a bgpPeer return whose session is down falls back to the carrying sessions, with a note", () => {
    const input = labInput();
    input.vipConfig = { device: "lo", announceTable: 198, return: { bgpPeer: "up_c4" } };
    const a = analyzeFlow(input);
    expect(a.ingress.source).toBe("bgp");
    expect(a.notes.join("\n")).toMatch(/return.bgpPeer up_c4: no such BGP session/);
  });

  it("a configured return that is not in effect says to apply it", () => {
    const input = labInputWithReturn();
    input.replyRoute = hit("eth0", "10.111.9.1");
    const a = analyzeFlow(input);
    expect(a.verdict.code).toBe("ASYMMETRIC_RETURN");
    expect(a.findings[0]!.fix).toMatchObject({ config: [], command: "fibwarden reconcile --apply" });
    expect(a.findings[0]!.fix.description).toMatch(/configured but not in effect/);
  });
});

describe("doctor analysis: next hops, not only interfaces (F5)", () => {
  it("same interface, another next hop: requests from the router, replies on-link to the client: ASYMMETRIC_RETURN error naming both hops, with the fix", () => {
    const a = analyzeFlow(f5Input());
    expect(a.ingress.interfaces.map((i) => [i.name, i.primary, i.via, i.sessions, i.gateway])).toEqual([["lan0", true, "bgp", [F5.session], F5.router]]);
    expect(a.egress).toMatchObject({ ok: true, interface: "lan0", gateway: null, hop: F5.client, table: 254 });
    expect(a.path).toEqual({ compared: true, same: false, ingress: { interface: "lan0", hop: F5.router }, egress: { interface: "lan0", hop: F5.client } });
    expect(codes(a)).toEqual([["ASYMMETRIC_RETURN", "error", "lan0"]]);
    const f = a.findings[0]!;
    expect(f.message).toBe(`requests come in by lan0 from ${F5.router} (${F5.session}) but replies leave by lan0 straight to the client ${F5.client} `
      + `(on-link, table main): same interface, different next hop; a stateful firewall on ${F5.router} sees only one direction of the flow and drops it`);
    expect(f.fix.config).toEqual([
      `vips: [{address: ${F5.vip}, announce: {table: 198}, return: {bgpPeer: ${F5.session}}}]`,
      `vips: [{address: ${F5.vip}, announce: {table: 198}, return: {gateway: ${F5.router}, device: lan0}}]`,
    ]);
    expect(f.fix.command).toBe("fibwarden reconcile --apply");
    expect(a.verdict).toEqual({ code: "ASYMMETRIC_RETURN", breaks: true, summary: f.message, warnings: 0, expectedPathSymmetric: false });
  });

  it("the same interface and a gateway that is not the router the requests come from is asymmetric too", () => {
    const input = f5Input();
    input.replyRoute = hit("lan0", "10.113.0.254");
    const a = analyzeFlow(input);
    expect(codes(a)).toEqual([["ASYMMETRIC_RETURN", "error", "lan0"]]);
    expect(a.findings[0]!.message).toMatch(/but replies leave by lan0 via 10\.113\.0\.254 \(table main\): same interface, different next hop/);
  });

  it("the same hop: replies go back through the router that delivered the requests: OK, the path is symmetric", () => {
    const a = analyzeFlow(f5InputWithReturn());
    expect(a.ingress.interfaces.map((i) => [i.name, i.primary, i.via, i.sessions, i.gateway])).toEqual([["lan0", true, "return.bgpPeer", [F5.session], F5.router]]);
    expect(a.egress).toMatchObject({ interface: "lan0", gateway: F5.router, hop: F5.router, table: 1000 });
    expect(a.findings).toEqual([]);
    expect(a.path).toMatchObject({ compared: true, same: true });
    expect(a.verdict).toEqual({
      code: "OK", breaks: false, warnings: 0, expectedPathSymmetric: true,
      summary: `requests come in by lan0 from ${F5.router} and replies leave by lan0 to ${F5.router}: the path is symmetric`,
    });
  });

  it("the client that is itself the router: on-link replies to it are the same hop", () => {
    const input = f5Input();
    input.client = F5.router;
    const a = analyzeFlow(input);
    expect(a.findings).toEqual([]);
    expect(a.verdict.expectedPathSymmetric).toBe(true);
  });

  it("a configured return that is not in effect (replies still on-link) says to apply it", () => {
    const input = f5InputWithReturn();
    input.replyRoute = hit("lan0");
    const a = analyzeFlow(input);
    expect(codes(a)).toEqual([["ASYMMETRIC_RETURN", "error", "lan0"]]);
    expect(a.findings[0]!.fix).toMatchObject({ config: [], command: "fibwarden reconcile --apply" });
    expect(a.findings[0]!.fix.description).toMatch(/return path \(lan0 via 10\.113\.0\.1\) is configured but not in effect/);
  });

  it("two routers on one LAN are two ingress hops; the one that is not the replies' next hop is a warning", () => {
    const input = f5InputWithReturn();
    input.bird.daemons[0]!.protocols.push(bgpProtocol("router2", "10.113.0.9"));
    input.sessionExports.push({ socket: SOCKET, protocol: "router2", exportsVip: true });
    input.neighborRoutes["10.113.0.9"] = hit("lan0");
    const a = analyzeFlow(input);
    expect(a.ingress.interfaces.map((i) => [i.name, i.primary, i.sessions, i.gateway])).toEqual([
      ["lan0", true, [F5.session], F5.router], ["lan0", false, ["router2"], "10.113.0.9"],
    ]);
    expect(codes(a)).toEqual([["ASYMMETRIC_RETURN", "warning", undefined]]);
    expect(a.findings[0]!.message).toMatch(/^lan0 from 10\.113\.0\.9 \(router2\) also carries the VIP/);
    expect(a.verdict).toMatchObject({ code: "OK", warnings: 1, expectedPathSymmetric: true });
    expect(a.verdict.summary).not.toMatch(/the path is symmetric/);
    // rp_filter is per interface: one interface row, not one per hop
    expect(a.interfaces.map((h) => h.name)).toEqual(["lan0"]);
  });

  it("a neighbor that is not on-link: the ingress hop is the kernel's gateway toward it", () => {
    const input = f5Input();
    input.bird.daemons[0]!.protocols = [bgpProtocol(F5.session, "192.0.2.1")];
    input.neighborRoutes = { "192.0.2.1": hit("lan0", F5.router) };
    input.replyRoute = hit("lan0", F5.router);
    const a = analyzeFlow(input);
    expect(a.ingress.interfaces.map((i) => [i.name, i.gateway])).toEqual([["lan0", F5.router]]);
    expect(a.findings).toEqual([]);
    // not asked: the main table's route toward it says the same
    input.neighborRoutes = {};
    expect(analyzeFlow(input).ingress.interfaces.map((i) => [i.name, i.gateway])).toEqual([["lan0", F5.router]]);
  });

  it("multipath: one of the route's next hops being the ingress hop is enough, and the others are listed with their hops", () => {
    const input = labInput();
    input.live.routes.push(makeRoute({ dst: "10.111.50.0/24", protocol: 12, metric: 32, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }, { gateway: "10.111.2.1", dev: "nb0" }] }));
    input.replyRoute = hit("nb0", "10.111.2.1");
    const a = analyzeFlow(input);
    expect(a.egress).toMatchObject({ hop: "10.111.2.1", alternatives: ["na0"], alternativeHops: [{ interface: "na0", hop: "10.111.1.1" }] });
    expect(a.findings).toEqual([]);
  });

  it("an unknown ingress: nothing breaks, but the verdict does not claim symmetry", () => {
    const input = f5Input();
    input.bird = { complete: false, daemons: [] };
    input.sessionExports = [];
    const a = analyzeFlow(input);
    expect(a.findings).toEqual([]);
    expect(a.path).toMatchObject({ compared: false });
    expect(a.verdict).toMatchObject({ code: "OK", breaks: false, expectedPathSymmetric: false });
    expect(a.verdict.summary).toMatch(/^nothing found that breaks the flow, but the path was not verified: the ingress is unknown/);
  });
});

describe("doctor analysis: rp_filter (F2) — effective value max(all, iface)", () => {
  it("strict on the ingress with the reply route elsewhere: REVERSE_PATH_DROP, reasoned from the reply route", () => {
    const input = setSysctl(setSysctl(labInput(), "all", "rp_filter", 1), "na0", "rp_filter", 1);
    const a = analyzeFlow(input);
    expect(a.verdict.code).toBe("REVERSE_PATH_DROP");
    expect(codes(a)).toEqual([
      ["REVERSE_PATH_DROP", "error", "na0"], ["REVERSE_PATH_DROP", "error", "nb0"], ["ASYMMETRIC_RETURN", "error", undefined],
    ]);
    const nb0 = a.findings[1]!;
    expect(nb0.message).toMatch(/strict rp_filter \(1\) on nb0 \(conf.all.rp_filter=1 overrides nb0=0: the kernel uses the max\)/);
    expect(nb0.message).toMatch(/leaves by eth0, not nb0/);
    expect(nb0.fix.config.at(-1)).toBe("sysctls: {rpFilter: {all: 0, nb0: 2}}");
    expect(a.interfaces.find((h) => h.name === "nb0")!.rpFilter).toEqual({ all: 1, iface: 0, effective: 1 });
  });

  it("the kernel's own input lookup decides when it was made", () => {
    const input = setSysctl(labInput(), "na0", "rp_filter", 1);
    input.ingressChecks = { na0: miss("RTNETLINK answers: Invalid argument", "invalid"), nb0: hit("lo", undefined, 255, "local") };
    const a = analyzeFlow(input);
    expect(a.ingress.interfaces.map((i) => i.kernelCheck?.accepted)).toEqual([false, true]);
    expect(codes(a).filter(([c]) => c === "REVERSE_PATH_DROP")).toEqual([["REVERSE_PATH_DROP", "error", "na0"]]);
    expect(a.findings[0]!.message).toMatch(/kernel's own input lookup on na0 refuses the source/);
    // accepted by the kernel although the reasoning would drop it (e.g. a multipath reply route)
    input.ingressChecks.na0 = hit("lo", undefined, 255, "local");
    expect(codes(analyzeFlow(input)).map(([c]) => c)).not.toContain("REVERSE_PATH_DROP");
  });

  it("strict passes when the reply route leaves by the ingress (the source table fixes F2 and F3 at once)", () => {
    const input = setSysctl(labInputWithReturn(), "all", "rp_filter", 1);
    const a = analyzeFlow(input);
    expect(a.verdict.code).toBe("OK");
    // nb0 also carries the VIP: requests there would be dropped (warning, not the verdict)
    expect(codes(a)).toEqual([["REVERSE_PATH_DROP", "warning", "nb0"], ["ASYMMETRIC_RETURN", "warning", undefined]]);
  });

  it("loose mode drops only when there is no route back", () => {
    const input = setSysctl(labInput(), "all", "rp_filter", 2);
    expect(codes(analyzeFlow(input)).map(([c]) => c)).toEqual(["ASYMMETRIC_RETURN"]);
    input.replyRoute = miss("RTNETLINK answers: Network is unreachable", "unreachable");
    const a = analyzeFlow(input);
    expect(codes(a)).toEqual([
      ["REVERSE_PATH_DROP", "error", "na0"], ["REVERSE_PATH_DROP", "error", "nb0"], ["NO_RETURN_ROUTE", "error", undefined],
    ]);
    expect(a.findings[0]!.message).toMatch(/loose rp_filter \(2\).*no route back/);
    expect(a.findings[0]!.fix.config).toEqual(["sysctls: {rpFilter: {all: 0, na0: 0}}"]);
  });

  it("rp_filter off on the interface but on in all: the interface's 0 is not what counts", () => {
    const input = setSysctl(setSysctl(labInput(), "all", "rp_filter", 1), "na0", "rp_filter", 0);
    expect(analyzeFlow(input).interfaces.find((h) => h.name === "na0")!.rpFilter).toEqual({ all: 1, iface: 0, effective: 1 });
  });
});

describe("doctor analysis: ICMP redirects (F5) — effective value all OR iface", () => {
  it("a forwarding node with send_redirects on is a hint that does not change the verdict", () => {
    const input = labInputWithReturn();
    input.forwarding = { all: 1, na0: 1, nb0: 1 };
    setSysctl(input, "na0", "send_redirects", 0); // all=1 keeps it on
    const a = analyzeFlow(input);
    expect(a.verdict.code).toBe("OK");
    const hint = a.findings.find((f) => f.code === "ICMP_REDIRECTS")!;
    expect(hint.severity).toBe("hint");
    expect(hint.message).toMatch(/forwards on na0, nb0 .*all=1, na0=0, nb0=1/);
    expect(hint.fix.config).toEqual(["sysctls: {sendRedirects: {all: 0, na0: 0, nb0: 0}}"]);
  });

  it("no hint when the node does not forward, or when redirects are off everywhere", () => {
    expect(analyzeFlow(labInputWithReturn()).findings.map((f) => f.code)).not.toContain("ICMP_REDIRECTS");
    const input = labInputWithReturn();
    input.forwarding = { all: 1 };
    for (const i of ["all", "na0", "nb0"]) setSysctl(input, i, "send_redirects", 0);
    expect(analyzeFlow(input).findings.map((f) => f.code)).not.toContain("ICMP_REDIRECTS");
    expect(analyzeFlow(input).interfaces.find((h) => h.name === "na0")!.forwarding).toBe(1);
  });
});

describe("doctor analysis: the VIP itself", () => {
  it("VIP_NOT_LOCAL when no address (or local route) holds it", () => {
    const input = labInput();
    input.live.addresses = input.live.addresses.filter((x) => x.address !== VIP);
    input.live.routes = input.live.routes.filter((r) => r.table !== 255);
    const a = analyzeFlow(input);
    expect(a.vipStatus).toMatchObject({ local: false, devices: [], configured: true });
    expect(a.verdict.code).toBe("VIP_NOT_LOCAL");
    expect(a.findings[0]!.fix.command).toBe("fibwarden reconcile --apply");
    // not configured: the fix is the config
    delete input.vipConfig;
    input.live.routes = input.live.routes.filter((r) => r.table !== 198);
    expect(analyzeFlow(input).findings[0]!.fix.config).toEqual([`vips: [{address: ${VIP}}]`]);
  });

  it("an AnyIP local route covering the VIP makes it local", () => {
    const input = labInput();
    input.live.addresses = input.live.addresses.filter((x) => x.address !== VIP);
    input.live.routes = input.live.routes.filter((r) => r.table !== 255);
    input.live.routes.push(makeRoute({ dst: "10.111.100.0/24", table: 255, type: "local", nexthops: [{ dev: "lo" }] }));
    expect(analyzeFlow(input).vipStatus.local).toBe(true);
  });

  it("NOT_ANNOUNCED: the announce route is missing", () => {
    const input = labInput();
    input.live.routes = input.live.routes.filter((r) => r.table !== 198);
    const a = analyzeFlow(input);
    expect(a.vipStatus.announce).toEqual({ table: 198, present: false });
    expect(a.verdict.code).toBe("NOT_ANNOUNCED");
    expect(a.findings[0]!.message).toMatch(/missing from table 198.*withdrawal pending/);
  });

  it("NOT_ANNOUNCED: no session exports it, or none is Established", () => {
    const input = labInput();
    input.sessionExports = input.sessionExports.map((e) => ({ ...e, exportsVip: false }));
    let a = analyzeFlow(input);
    expect(a.verdict.code).toBe("NOT_ANNOUNCED");
    expect(a.ingress).toEqual({ source: "none", interfaces: [] });
    expect(a.findings[0]!.message).toMatch(/announce route is in table 198, but no Established BGP session exports/);
    input.bird.daemons[0]!.protocols = [bgpProtocol("up_a4", "10.111.1.1", "Active"), bgpProtocol("up_b4", "10.111.2.1", "Connect")];
    a = analyzeFlow(input);
    expect(a.findings[0]!.message).toMatch(/no IPv4 BGP session is Established \(up_a4 Active, up_b4 Connect\)/);
    input.bird.daemons = [];
    expect(analyzeFlow(input).findings[0]!.message).toMatch(/no BIRD daemon is configured/);
    input.bird.complete = false;
    expect(analyzeFlow(input).findings.map((f) => f.code)).not.toContain("NOT_ANNOUNCED");
  });

  it("an export that could not be checked counts as carrying the VIP, with a note", () => {
    const input = labInput();
    input.sessionExports = [{ socket: SOCKET, protocol: "up_a4", exportsVip: null, error: "timeout" }];
    const a = analyzeFlow(input);
    expect(a.ingress.interfaces.map((i) => i.name)).toEqual(["na0", "nb0"]);
    expect(a.notes.filter((n) => n.includes("assumed it does"))).toHaveLength(2);
  });

  it("sessions of the other family are left out", () => {
    const input = labInput();
    input.bird.daemons[0]!.protocols.push(bgpProtocol("up_a6", "fd00:111:1::1", "Established", "ipv6"));
    expect(analyzeFlow(input).sessions.map((s) => s.protocol)).toEqual(["up_a4", "up_b4"]);
  });

  it("multipath reply routes list the other devices; one of them matching the ingress is enough", () => {
    const input = labInput();
    input.live.routes.push(makeRoute({ dst: "10.111.50.0/24", protocol: 12, metric: 32, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }, { gateway: "10.111.2.1", dev: "nb0" }] }));
    input.replyRoute = hit("nb0", "10.111.2.1");
    setSysctl(input, "all", "rp_filter", 1);
    const a = analyzeFlow(input);
    expect(a.egress.alternatives).toEqual(["na0"]);
    expect(a.verdict.code).toBe("OK");
    expect(a.findings).toEqual([]);
  });

  it("IPv6: no rp_filter or redirects, the rest the same", () => {
    const input = labInput();
    const vip6 = "fd00:111:100::1";
    input.vip = vip6;
    input.client = "fd00:111:50::2";
    input.vipConfig = { device: "lo" };
    input.live.addresses.push({ family: 6, dev: "lo", address: vip6, prefixlen: 128, scope: 0 });
    input.bird.daemons[0]!.protocols.push(bgpProtocol("up_a6", "fd00:111:1::1", "Established", "ipv6"));
    input.sessionExports = [{ socket: SOCKET, protocol: "up_a6", exportsVip: true }];
    input.neighborRoutes = { "fd00:111:1::1": hit("na0") };
    input.replyRoute = hit("eth0", "fd00:111:9::1");
    const a = analyzeFlow(input);
    expect(a.family).toBe(6);
    expect(a.interfaces.map((h) => [h.name, h.rpFilter, h.sendRedirects, h.forwarding])).toEqual([["na0", null, null, null], ["eth0", null, null, null]]);
    expect(codes(a)).toEqual([["ASYMMETRIC_RETURN", "error", undefined]]);
  });

  it("refuses a client of the other family", () => {
    const input = labInput();
    input.client = "fd00::2";
    expect(() => analyzeFlow(input)).toThrow(/same address family/);
  });
});
