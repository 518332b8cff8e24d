// Hand-made doctor inputs shaped like the two-uplink lab: a node with links na0 (router
// 10.111.1.1, BGP session up_a4) and nb0 (10.111.2.1, up_b4), a default route out of eth0 (to
// gw 10.111.9.1), and VIP 10.111.100.1 on lo announced from table 198.
import type { BirdProtocol } from "../../../src/core/bird/protocol-types.js";
import type { SysctlName } from "../../../src/core/model/sysctl.js";
import { makeAddress, makeRoute, makeRule } from "../../../src/core/model/normalize.js";
import type { RouteLookup } from "../../../src/doctor/route-get.js";
import type { DoctorInput } from "../../../src/doctor/types.js";

export const VIP = "10.111.100.1";
export const CLIENT = "10.111.50.2";
export const SOCKET = "/run/bird/bird.ctl";

/** A BGP protocol as `show protocols all` parses it. */
export function bgpProtocol(name: string, neighbor: string, state = "Established", channel = "ipv4"): BirdProtocol {
  return {
    name, proto: "BGP", state: state === "Established" ? "up" : "start", since: "12:00:00", info: state,
    channels: [{ name: channel, state: "UP", details: {} }],
    bgp: { state, neighborAddress: neighbor, details: {} },
    details: {},
  };
}

/** `ip route get` answers. */
export const hit = (dev: string, gateway?: string, table = 254, type = "unicast"): RouteLookup =>
  ({ ok: true, type, dev, table, ...(gateway !== undefined ? { gateway } : {}) });
export const miss = (message: string, failure: "invalid" | "unreachable" | "host-unreachable" | "other" = "other"): RouteLookup =>
  ({ ok: false, failure, message });

const SYSCTL_IFACES = ["all", "default", "lo", "na0", "nb0", "eth0"];

/** The lab node before any source table: replies to the client leave by the default route (eth0). */
export function labInput(): DoctorInput {
  return {
    vip: VIP,
    client: CLIENT,
    vipConfig: { device: "lo", announceTable: 198 },
    live: {
      routes: [
        makeRoute({ dst: "10.111.1.0/24", protocol: 2, prefsrc: "10.111.1.2", nexthops: [{ dev: "na0" }] }),
        makeRoute({ dst: "10.111.2.0/24", protocol: 2, prefsrc: "10.111.2.2", nexthops: [{ dev: "nb0" }] }),
        makeRoute({ dst: "10.111.9.0/24", protocol: 2, prefsrc: "10.111.9.2", nexthops: [{ dev: "eth0" }] }),
        makeRoute({ dst: "0.0.0.0/0", nexthops: [{ gateway: "10.111.9.1", dev: "eth0" }] }),
        makeRoute({ dst: `${VIP}/32`, table: 198, protocol: 201, nexthops: [{ dev: "lo" }] }),
        makeRoute({ dst: `${VIP}/32`, table: 255, type: "local", protocol: 2, prefsrc: VIP, nexthops: [{ dev: "lo" }] }),
      ],
      rules: [],
      addresses: [
        makeAddress({ dev: "lo", address: VIP, prefixlen: 32, label: "lo:fw" }),
        makeAddress({ dev: "na0", address: "10.111.1.2", prefixlen: 24 }),
        makeAddress({ dev: "nb0", address: "10.111.2.2", prefixlen: 24 }),
        makeAddress({ dev: "eth0", address: "10.111.9.2", prefixlen: 24 }),
      ],
      sysctls: SYSCTL_IFACES.flatMap((iface) => [
        { iface, name: "rp_filter" as const, value: 0 },
        { iface, name: "send_redirects" as const, value: 1 },
      ]),
    },
    bird: { complete: true, daemons: [{ socket: SOCKET, dialect: 2, protocols: [bgpProtocol("up_a4", "10.111.1.1"), bgpProtocol("up_b4", "10.111.2.1")] }] },
    sessionExports: [
      { socket: SOCKET, protocol: "up_a4", exportsVip: true },
      { socket: SOCKET, protocol: "up_b4", exportsVip: true },
    ],
    neighborRoutes: {},
    replyRoute: hit("eth0", "10.111.9.1"),
    ingressChecks: {},
    forwarding: { all: 0, na0: 0, nb0: 0, eth0: 0 },
  };
}

/** Sets one sysctl of the input. */
export function setSysctl(input: DoctorInput, iface: string, name: SysctlName, value: number): DoctorInput {
  const s = input.live.sysctls.find((x) => x.iface === iface && x.name === name);
  if (s) s.value = value;
  else input.live.sysctls.push({ iface, name, value });
  return input;
}

/** The lab node after `reconcile --apply` with `return: {gateway: 10.111.1.1, device: na0}`. */
export function labInputWithReturn(): DoctorInput {
  const input = labInput();
  input.vipConfig = { device: "lo", announceTable: 198, return: { gateway: "10.111.1.1", device: "na0" } };
  input.live.routes.push(makeRoute({ dst: "0.0.0.0/0", table: 1000, protocol: 201, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] }));
  input.live.rules.push(makeRule({ priority: 1000, from: `${VIP}/32`, table: 1000, protocol: 201 }));
  input.replyRoute = hit("na0", "10.111.1.1", 1000);
  return input;
}

export const F5 = { router: "10.113.0.1", node: "10.113.0.2", client: "10.113.0.3", vip: "10.113.100.1", session: "router1" };

/**
 * Field report F5: the node, its clients and the router share one LAN (lan0). The router is the
 * clients' gateway and the VIP's BGP peer, so requests come from the router; the client is
 * on-link, so replies from the VIP go straight to it, by the same interface.
 */
export function f5Input(): DoctorInput {
  return {
    vip: F5.vip,
    client: F5.client,
    vipConfig: { device: "lo", announceTable: 198 },
    live: {
      routes: [
        makeRoute({ dst: "10.113.0.0/24", protocol: 2, prefsrc: F5.node, nexthops: [{ dev: "lan0" }] }),
        makeRoute({ dst: "0.0.0.0/0", nexthops: [{ gateway: F5.router, dev: "lan0" }] }),
        makeRoute({ dst: `${F5.vip}/32`, table: 198, protocol: 201, nexthops: [{ dev: "lo" }] }),
        makeRoute({ dst: `${F5.vip}/32`, table: 255, type: "local", protocol: 2, prefsrc: F5.vip, nexthops: [{ dev: "lo" }] }),
      ],
      rules: [],
      addresses: [
        makeAddress({ dev: "lo", address: F5.vip, prefixlen: 32, label: "lo:fw" }),
        makeAddress({ dev: "lan0", address: F5.node, prefixlen: 24 }),
      ],
      sysctls: ["all", "default", "lo", "lan0"].flatMap((iface) => [
        { iface, name: "rp_filter" as const, value: 0 },
        { iface, name: "send_redirects" as const, value: 1 },
      ]),
    },
    bird: { complete: true, daemons: [{ socket: SOCKET, dialect: 2, protocols: [bgpProtocol(F5.session, F5.router)] }] },
    sessionExports: [{ socket: SOCKET, protocol: F5.session, exportsVip: true }],
    neighborRoutes: { [F5.router]: hit("lan0") },
    replyRoute: hit("lan0"),
    ingressChecks: { lan0: hit("lo", undefined, 255, "local") },
    forwarding: { all: 0, lan0: 0 },
  };
}

/** F5 after `reconcile --apply` with `return: {bgpPeer: router1}`: replies go back through the router. */
export function f5InputWithReturn(): DoctorInput {
  const input = f5Input();
  input.vipConfig = { device: "lo", announceTable: 198, return: { bgpPeer: F5.session } };
  input.live.routes.push(makeRoute({ dst: "0.0.0.0/0", table: 1000, protocol: 201, nexthops: [{ gateway: F5.router, dev: "lan0" }] }));
  input.live.rules.push(makeRule({ priority: 1000, from: `${F5.vip}/32`, table: 1000, protocol: 201 }));
  input.replyRoute = hit("lan0", F5.router, 1000);
  return input;
}
