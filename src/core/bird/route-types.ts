// The version-independent model of a route as BIRD shows it. BIRD 1.6, 2.x and 3.x print the
// same route differently (see route-parser.ts); all of them parse to these records.
import type { Family, Prefix } from "../net/ip.js";

/** What a route does with packets: BIRD 2/3 wording (BIRD 1.6 `via`/`dev`/`multipath` are unicast). */
export type BirdRouteDest = "unicast" | "blackhole" | "unreachable" | "prohibited" | "recursive" | "unknown";

/**
 * One nexthop: a gateway on a device, or a device alone. Nexthops and the BGP attribute
 * values below are frozen and shared between the routes that have the same ones (as BIRD
 * shares attribute sets), which keeps a million-route table small.
 */
export interface BirdNextHop {
  /** Canonical gateway address; absent for device routes. */
  gateway?: string;
  /** Outgoing interface; absent only for BIRD 3 gateways printed without one. */
  device?: string;
  /** ECMP weight as BIRD prints it (1 = default; BIRD prints weights only for multipath). */
  weight: number;
  /** The `onlink` flag. */
  onlink: boolean;
  /** MPLS label stack, outermost first. */
  mpls?: readonly number[];
}

/** BGP origin, from `BGP.origin` / `bgp_origin`. */
export type BgpOrigin = "igp" | "egp" | "incomplete";

/** A non-sequence AS path segment: `{...}` set, `(...)` confed sequence, `[...]` confed set. */
export interface AsPathSet {
  type: "set" | "confed-sequence" | "confed-set";
  asns: readonly number[];
}

/** An AS path: plain numbers are AS_SEQUENCE members. */
export type AsPath = ReadonlyArray<number | AsPathSet>;

/** An extended community as BIRD prints it, e.g. `(rt, 65000, 0)` → kind "rt". */
export interface ExtCommunity {
  kind: string;
  admin: string;
  value: string;
}

/** The BGP attributes fibwarden reads, typed. */
export interface BgpAttributes {
  origin?: BgpOrigin;
  asPath?: AsPath;
  /** Canonical addresses: one, or a global and a link-local for IPv6. */
  nextHop?: readonly string[];
  med?: number;
  localPref?: number;
  /** Standard communities as [asn, value]. */
  communities?: ReadonlyArray<readonly [number, number]>;
  extCommunities?: readonly ExtCommunity[];
  /** Large communities as [global, local1, local2]. */
  largeCommunities?: ReadonlyArray<readonly [number, number, number]>;
}

/** One route of `show route [all]`. */
export interface BirdRoute {
  /** Table name: from `Table X:` headers (BIRD 2/3) or the parser option (BIRD 1.6: "master"). */
  table: string;
  network: Prefix;
  family: Family;
  /** BIRD 3 MPLS-labelled network (`net mpls N`). */
  mplsLabel?: number;
  dest: BirdRouteDest;
  nexthops: BirdNextHop[];
  /** Name of the protocol that the route came from. */
  protocol: string;
  /** Last change time, in BIRD's `timeformat route` format. */
  since: string;
  /** Address the route was received from, when it differs from the first gateway. */
  from?: string;
  /** The best route of its network (`*`, or `!` when kernel sync failed). */
  primary: boolean;
  /** BIRD's kernel protocol could not install this route (`!` in place of `*`). */
  syncError: boolean;
  preference: number;
  /** Text inside the trailing brackets, e.g. `AS65000i` for BGP. */
  summary?: string;
  /** The protocol info text, kept whole when it has more than `(pref) [summary]` (e.g. OSPF). */
  info?: string;
  /** Route source (`show route all`): "BGP", "static", "device", "OSPF-E2"... */
  source?: string;
  /** Typed BGP attributes (`show route all`). */
  bgp?: BgpAttributes;
  /** Other attributes (`show route all`) by BIRD 3 filter names: `BGP.x` → `bgp_x`, `Kernel.x` → `krt_x`. */
  attributes?: Record<string, string>;
}
