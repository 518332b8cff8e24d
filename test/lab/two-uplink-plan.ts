/** Address plan of the two-uplink topology (pure data; see `buildTwoUplinkTopology`). */

/** One end of a link: interface name and its addresses (without prefix length). */
export interface Endpoint {
  ifname: string;
  ipv4: string;
  ipv6: string;
}

/** A point-to-point link between two namespaces. */
export interface LinkPlan {
  net4: string;
  net6: string;
  len4: number;
  len6: number;
}

/** One uplink between router and node, with its BGP session names on each side. */
export interface UplinkPlan extends LinkPlan {
  router: Endpoint;
  node: Endpoint;
  /** Session names on the node (`up_a4`, `up_a6`). */
  nodeSessions: { v4: string; v6: string };
  /** Session names on the router (`node_a4`, `node_a6`). */
  routerSessions: { v4: string; v6: string };
  /** Routes not marked ECMP get this many extra AS-path prepends on this uplink (backup path). */
  prepend: number;
}

/** Tunables of the two-uplink topology. */
export interface TwoUplinkOptions {
  /** Kernel protocol `scan time` on both BIRDs, seconds (default 2). */
  scanTimeS?: number;
  /** Kernel table the node BIRD learns VIP announce routes from (default 198). */
  vipTable?: number;
  /** Router announces the client subnet to the node (default false: the node then replies to the
   *  client by its default route via `gw`, which reproduces the wrong-interface reply of F3). */
  announceClientNet?: boolean;
  /** Prefixes the router announces, best on link A and prepended on link B. */
  routerPrefixes4?: readonly string[];
  routerPrefixes6?: readonly string[];
  /** Prefixes the router announces equally on both links (ECMP on the node). */
  ecmpPrefixes4?: readonly string[];
  ecmpPrefixes6?: readonly string[];
  /** Wait for all BGP sessions to be Established, and for the node's kernel to hold the routes the
   *  router announces (final shape: best over link A, ECMP over both), before returning (default true). */
  waitForSessions?: boolean;
}

/**
 * A kernel `scan time` (seconds) longer than any test: for tests that delete one of BIRD's routes
 * and watch fibwarden notice or repair it. BIRD ignores netlink news about its own routes and puts
 * them back only at its periodic scan; with a 60 s scan, that scan fell between a deletion and
 * the observation once in a few dozen runs (more often on a busy machine, where tests run longer).
 */
export const SCAN_TIME_QUIET_S = 86_400;

/** Fully resolved plan: every address, name and number the topology uses. */
export interface TwoUplinkPlan {
  asn: { router: number; node: number };
  routerId: { router: string; node: string };
  uplinks: { a: UplinkPlan; b: UplinkPlan };
  client: LinkPlan & { router: Endpoint; client: Endpoint };
  gw: LinkPlan & { node: Endpoint; gw: Endpoint };
  vip: { ifname: string; peerIfname: string; table: number };
  kernelProtocols: { v4: string; v6: string; vip4: string; vip6: string };
  scanTimeS: number;
  announceClientNet: boolean;
  prefixes: { routed4: string[]; routed6: string[]; ecmp4: string[]; ecmp6: string[] };
  /** Standard communities the router attaches: to every route, and to ECMP routes. */
  communities: { all: [number, number]; ecmp: [number, number] };
}

/** Builds the address plan, applying `options` over the defaults. */
export function planTwoUplink(options: TwoUplinkOptions = {}): TwoUplinkPlan {
  return {
    asn: { router: 65000, node: 65001 },
    routerId: { router: "10.111.1.1", node: "10.111.1.2" },
    uplinks: { a: planUplink("a", 1, 0), b: planUplink("b", 2, 2) },
    client: {
      ...planLink(50),
      router: { ifname: "rc0", ipv4: "10.111.50.1", ipv6: "fd00:111:50::1" },
      client: { ifname: "eth0", ipv4: "10.111.50.2", ipv6: "fd00:111:50::2" },
    },
    gw: {
      ...planLink(9),
      node: { ifname: "eth0", ipv4: "10.111.9.2", ipv6: "fd00:111:9::2" },
      gw: { ifname: "gw0", ipv4: "10.111.9.1", ipv6: "fd00:111:9::1" },
    },
    vip: { ifname: "vip0", peerIfname: "vip0p", table: options.vipTable ?? 198 },
    kernelProtocols: { v4: "kernel1", v6: "kernel2", vip4: "vipk4", vip6: "vipk6" },
    scanTimeS: options.scanTimeS ?? 2,
    announceClientNet: options.announceClientNet ?? false,
    prefixes: {
      routed4: [...(options.routerPrefixes4 ?? ["10.200.0.0/24", "10.200.1.0/24", "10.200.2.0/24", "10.200.3.0/24"])],
      routed6: [...(options.routerPrefixes6 ?? ["fd00:200::/48"])],
      ecmp4: [...(options.ecmpPrefixes4 ?? ["10.201.0.0/16"])],
      ecmp6: [...(options.ecmpPrefixes6 ?? ["fd00:201::/32"])],
    },
    communities: { all: [65000, 100], ecmp: [65000, 201] },
  };
}

function planLink(n: number): LinkPlan {
  return { net4: `10.111.${n}.0/24`, net6: `fd00:111:${n}::/64`, len4: 24, len6: 64 };
}

function planUplink(letter: "a" | "b", n: number, prepend: number): UplinkPlan {
  return {
    ...planLink(n),
    router: { ifname: `r${letter}0`, ipv4: `10.111.${n}.1`, ipv6: `fd00:111:${n}::1` },
    node: { ifname: `n${letter}0`, ipv4: `10.111.${n}.2`, ipv6: `fd00:111:${n}::2` },
    nodeSessions: { v4: `up_${letter}4`, v6: `up_${letter}6` },
    routerSessions: { v4: `node_${letter}4`, v6: `node_${letter}6` },
    prepend,
  };
}

/** Returns `addr/len` for an endpoint address on a link. */
export function toCidr(addr: string, len: number): string {
  return `${addr}/${len}`;
}
