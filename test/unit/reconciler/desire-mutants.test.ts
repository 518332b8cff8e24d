// The desired state's VIP part as composeDesired builds it from BIRD's BGP sessions: a return path
// through an Established peer, the last good path kept (and the reason why) otherwise; and
// vipOutsidePolicy's host-length check for VIPs covered by a range rather than a label.
// Written against the survivors of mutation testing (docs/reliability.md, Mutation testing).
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/parse.js";
import { configToPolicy } from "../../../src/config/policy.js";
import type { BirdProtocol } from "../../../src/core/bird/protocol-types.js";
import { makeRoute } from "../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy } from "../../../src/core/ownership.js";
import type { LiveState } from "../../../src/core/plan/types.js";
import { composeDesired, vipOutsidePolicy } from "../../../src/reconciler/desire.js";
import type { BirdObservation } from "../../../src/reconciler/observe-bird.js";

const config = parseConfigText(`
vips:
  - {address: 10.111.100.9, return: {bgpPeer: up_a4}}
`);
const policy = configToPolicy(config);
const VIP = "10.111.100.9";

/** The live kernel: the main table reaches the peer 10.111.1.1 over na0. */
const live: LiveState = {
  routes: [makeRoute({ table: 254, dst: "10.111.1.0/24", protocol: 2, scope: 253, nexthops: [{ dev: "na0" }] })],
  rules: [], addresses: [], sysctls: [],
};

/** A BGP protocol as `show protocols all` reports it. */
function bgp(name: string, state: string, bgpState: string | undefined, neighbor = "10.111.1.1"): BirdProtocol {
  return {
    name, proto: "BGP", state, since: "18:53:14", info: bgpState ?? "", channels: [], details: {},
    ...(bgpState === undefined ? {} : { bgp: { state: bgpState, neighborAddress: neighbor, details: {} } }),
  };
}

function birdWith(...protocols: BirdProtocol[]): BirdObservation {
  return {
    complete: true, problems: [], kernelProtocols: [],
    daemons: [{ socket: "/run/bird/bird.ctl", version: "2.0.12", dialect: 2, dialectSource: "version", up: true, protocols }],
  };
}

const compose = (bird: BirdObservation, opts?: Parameters<typeof composeDesired>[6]): ReturnType<typeof composeDesired> =>
  composeDesired(config, config.vips, bird, live, policy, [], opts);

const reasons = (r: ReturnType<typeof composeDesired>): string[] => r.vipProblems.filter((p) => p.vip === VIP).map((p) => p.reason);

/** The default route of the VIP's source table, if one is desired. */
function sourceRoute(r: ReturnType<typeof composeDesired>): { gateway?: string; dev?: string } | undefined {
  const table = r.tables.get(VIP);
  return r.desired.routes.find((x) => x.table === table && x.dst === "0.0.0.0/0")?.nexthops[0];
}

describe("composeDesired: bgpPeer return paths", () => {
  it("an Established peer gives the source table a default route via the neighbor, found in live main routes by default", () => {
    const r = compose(birdWith(bgp("up_a4", "up", "Established")));
    expect(reasons(r)).toEqual([]);
    expect(sourceRoute(r)).toMatchObject({ gateway: "10.111.1.1", dev: "na0" });
    expect(r.desired.rules).toHaveLength(1);
  });

  it("a peer that is not Established is not used even when the kernel reaches its neighbor; the last good path is kept", () => {
    const r = compose(birdWith(bgp("up_a4", "start", "Active")));
    expect(reasons(r)).toEqual([
      "BGP session up_a4 is Active",
      "return path unknown (BGP peer down?) and no last good source table route to keep",
    ]);
    expect(r.tables.has(VIP)).toBe(true);
    expect(sourceRoute(r)).toBeUndefined();
  });

  it("a peer BIRD lists without BGP details is reported with its protocol state", () => {
    const r = compose(birdWith(bgp("up_a4", "down", undefined)));
    expect(reasons(r)[0]).toBe("BGP session up_a4 is down");
  });

  it("a peer BIRD does not have is reported as not found, and the last good path is kept", () => {
    const r = compose(birdWith(bgp("up_b4", "up", "Established")));
    expect(reasons(r)).toEqual([
      "BGP protocol up_a4 not found in BIRD",
      "return path unknown (BGP peer down?) and no last good source table route to keep",
    ]);
    expect(r.tables.has(VIP)).toBe(true);
  });

  it("an Established peer whose neighbor the kernel cannot reach is reported, and the last good path is kept", () => {
    const r = compose(birdWith(bgp("up_a4", "up", "Established", "10.222.0.1")));
    expect(reasons(r)).toEqual([
      "no kernel route to up_a4's neighbor 10.222.0.1",
      "return path unknown (BGP peer down?) and no last good source table route to keep",
    ]);
    expect(sourceRoute(r)).toBeUndefined();
  });

  it("a given resolver replaces the scan of live routes", () => {
    const asked: string[] = [];
    const r = compose(birdWith(bgp("up_a4", "up", "Established")), {
      resolvePeer: (n) => { asked.push(n); return { gateway: n, device: "nb0" }; },
    });
    expect(asked).toEqual(["10.111.1.1"]);
    expect(sourceRoute(r)).toMatchObject({ gateway: "10.111.1.1", dev: "nb0" });
  });
});

describe("vipOutsidePolicy: VIPs covered by a range need a host-length address", () => {
  it("an IPv6 VIP inside a declared range is covered (a /128)", () => {
    const p = defaultOwnershipPolicy({ addressDevices: ["lo"], addressRanges: ["2001:db8:100::/64"] });
    expect(vipOutsidePolicy(p, { address: "2001:db8:100::9", device: "lo" })).toEqual([]);
  });

  it("an IPv6 VIP outside every range is not covered", () => {
    const p = defaultOwnershipPolicy({ addressDevices: ["lo"], addressRanges: ["2001:db8:100::/64"] });
    expect(vipOutsidePolicy(p, { address: "2001:db8:200::9", device: "lo" })).toEqual([
      "address 2001:db8:200::9 on lo would carry no marker of fibwarden's: put it inside ownership.vipRanges",
    ]);
  });

  it("an IPv4 VIP on a device too long for a label is covered by its range (a /32)", () => {
    const dev = "vipdevice0123"; // 13 bytes: `vipdevice0123:fw` exceeds the 15-byte label limit
    const p = defaultOwnershipPolicy({ addressDevices: [dev], addressRanges: ["10.111.100.0/24"] });
    expect(vipOutsidePolicy(p, { address: "10.111.100.9", device: dev })).toEqual([]);
    expect(vipOutsidePolicy(p, { address: "10.111.200.9", device: dev })).toHaveLength(1);
  });
});
