// The doctor's analysis on captured state: the kernel of the fixture node (test/fixtures/kernel)
// and BIRD's `show protocols all` of the same node (test/fixtures/bird), BIRD 2 and BIRD 1.6.
// There VIPs 10.111.100.1-2 sit on vip0 and BIRD's static protocol announces them over both
// uplinks; BGP gives the node a default route via link A and ECMP for 10.201.0.0/16.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { frameTranscript, parseProtocols } from "../../../src/core/bird/index.js";
import { analyzeFlow } from "../../../src/doctor/analyze.js";
import type { DoctorBirdDaemon, DoctorInput } from "../../../src/doctor/types.js";
import { loadKernelFixture } from "../../support/fixtures.js";
import { hit } from "./inputs.js";

const BIRD = fileURLToPath(new URL("../../fixtures/bird/", import.meta.url));

function daemon(folder: string, socket: string, dialect: number, legacyFamily?: 4 | 6): DoctorBirdDaemon {
  const lines = frameTranscript(readFileSync(`${BIRD}${folder}/show-protocols-all.txt`));
  return { socket, dialect, protocols: parseProtocols(lines, legacyFamily ? { legacyFamily } : {}) };
}

function capturedInput(node: "bird2-node" | "bird16-node", vip: string, client: string, daemons: DoctorBirdDaemon[], sessions: string[]): DoctorInput {
  return {
    vip, client,
    live: loadKernelFixture(node),
    bird: { complete: true, daemons },
    // what `show route for VIP export SESSION` says there: the VIPs go out on every uplink session
    sessionExports: sessions.map((protocol) => ({ socket: daemons.find((d) => d.protocols.some((p) => p.name === protocol))!.socket, protocol, exportsVip: true })),
    neighborRoutes: {},
    replyRoute: hit("na0", vip.includes(":") ? "fd00:111:1::1" : "10.111.1.1"),
    ingressChecks: {},
    forwarding: {},
  };
}

describe("doctor analysis on the captured BIRD 2 node", () => {
  const bird2 = [daemon("bird-2.0.12", "/run/bird/bird.ctl", 2)];

  it("a VIP on vip0 announced over both uplinks, replies by the BGP default route via na0: OK, nb0 a warning", () => {
    const a = analyzeFlow(capturedInput("bird2-node", "10.111.100.1", "10.111.50.2", bird2, ["up_a4", "up_b4"]));
    expect(a.vipStatus).toEqual({ local: true, devices: ["vip0"], configured: false, announce: null });
    expect(a.sessions.map((s) => [s.protocol, s.state, s.neighbor, s.interface])).toEqual([
      ["up_a4", "Established", "10.111.1.1", "na0"], ["up_b4", "Established", "10.111.2.1", "nb0"],
    ]);
    expect(a.ingress.interfaces.map((i) => [i.name, i.primary, i.sessions])).toEqual([["na0", true, ["up_a4"]], ["nb0", true, ["up_b4"]]]);
    expect(a.egress).toMatchObject({ interface: "na0", table: 254, alternatives: [] });
    expect(a.verdict.code).toBe("OK");
    expect(a.findings.map((f) => [f.code, f.severity])).toEqual([["ASYMMETRIC_RETURN", "warning"]]);
    // the captured state has no sysctls: nothing is guessed
    expect(a.interfaces.every((h) => h.rpFilter?.effective === null)).toBe(true);
  });

  it("a client behind the BGP ECMP route: replies may leave by either uplink, the path is symmetric", () => {
    const a = analyzeFlow(capturedInput("bird2-node", "10.111.100.2", "10.201.7.7", bird2, ["up_a4", "up_b4"]));
    expect(a.egress.alternatives).toEqual(["nb0"]);
    expect(a.verdict.code).toBe("OK");
    expect(a.findings).toEqual([]);
  });

  it("with strict rp_filter everywhere, requests on nb0 from a client routed by na0 only are dropped", () => {
    const input = capturedInput("bird2-node", "10.111.100.1", "10.111.50.2", bird2, ["up_a4", "up_b4"]);
    input.live.sysctls = ["all", "na0", "nb0"].flatMap((iface) => [
      { iface, name: "rp_filter" as const, value: iface === "all" ? 1 : 0 },
      { iface, name: "send_redirects" as const, value: 0 },
    ]);
    const a = analyzeFlow(input);
    expect(a.verdict.code).toBe("REVERSE_PATH_DROP");
    expect(a.findings.filter((f) => f.code === "REVERSE_PATH_DROP").map((f) => f.interface)).toEqual(["nb0"]);
  });

  it("an IPv6 VIP uses only the IPv6 sessions", () => {
    const a = analyzeFlow(capturedInput("bird2-node", "fd00:111:100::1", "fd00:111:50::2", bird2, ["up_a6", "up_b6"]));
    expect(a.sessions.map((s) => [s.protocol, s.interface])).toEqual([["up_a6", "na0"], ["up_b6", "nb0"]]);
    expect(a.verdict.code).toBe("OK");
  });
});

describe("doctor analysis on the captured BIRD 1.6 node (calico style: bird + bird6)", () => {
  const bird16 = [
    daemon("bird-1.6.8", "/var/run/calico/bird.ctl", 1, 4),
    daemon("bird6-1.6.8", "/var/run/calico/bird6.ctl", 1, 6),
  ];

  it("takes the family of a session from its daemon", () => {
    const v4 = analyzeFlow(capturedInput("bird16-node", "10.111.100.1", "10.111.50.2", bird16, ["up_a4", "up_b4"]));
    expect(v4.sessions.map((s) => [s.socket, s.protocol, s.interface])).toEqual([
      ["/var/run/calico/bird.ctl", "up_a4", "na0"], ["/var/run/calico/bird.ctl", "up_b4", "nb0"],
    ]);
    const v6 = analyzeFlow(capturedInput("bird16-node", "fd00:111:100::1", "fd00:111:50::2", bird16, ["up_a6", "up_b6"]));
    expect(v6.sessions.map((s) => [s.socket, s.protocol])).toEqual([
      ["/var/run/calico/bird6.ctl", "up_a6"], ["/var/run/calico/bird6.ctl", "up_b6"],
    ]);
    expect(v6.vipStatus.devices).toEqual(["vip0"]);
  });
});
