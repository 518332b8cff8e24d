// Protected routes: what a BIRD kernel protocol exports, as the kernel must hold it. BIRD
// installs its routes with `proto bird` in the kernel table its kernel protocol syncs, with its
// configured metric (BIRD 2 default 32; BIRD 1.6: IPv4 0, IPv6 1024), and with `merge paths on`
// as one multipath route.
import type { BirdNextHop, BirdRoute } from "../bird/route-types.js";
import type { Family } from "../net/ip.js";
import { defaultRouteScope } from "../model/normalize.js";
import { PROTO } from "../model/names.js";
import { compareNexthops, type Nexthop, type Route, type RouteType } from "../model/route.js";

/** Where one BIRD kernel protocol installs routes. */
export interface KernelSyncTarget {
  /** BIRD kernel protocol name (`kernel1`). */
  protocol: string;
  family: Family;
  /** Kernel table number (`kernel table N`; main = 254 by default). */
  table: number;
  /** Kernel metric BIRD installs with (`metric N`). */
  metric: number;
}

/** The default metric BIRD installs with, per major version and family. */
export function defaultBirdKernelMetric(birdMajor: number, family: Family): number {
  if (birdMajor >= 2) return 32;
  return family === 4 ? 0 : 1024;
}

/** A BIRD route that cannot become a kernel route, and why. */
export interface SkippedExport {
  network: string;
  reason: string;
}

const DEST_TO_TYPE: Partial<Record<BirdRoute["dest"], RouteType>> = {
  unicast: "unicast", blackhole: "blackhole", unreachable: "unreachable", prohibited: "prohibit",
};

function toNexthop(nh: BirdNextHop): Nexthop {
  const out: Nexthop = { weight: nh.weight, onlink: nh.onlink };
  if (nh.gateway !== undefined) out.gateway = nh.gateway;
  if (nh.device !== undefined) out.dev = nh.device;
  return out;
}

/**
 * Turns the routes BIRD exports to one kernel protocol (`show route export <proto>`) into the
 * kernel routes that must exist. Several records for one network (ECMP merged by BIRD) become
 * one multipath route. Non-primary records are ignored unless they add nexthops to the primary.
 */
export class ProtectedRouteBuilder {
  private readonly byNetwork = new Map<string, Route>();
  /** Streaming: the route of the network being read, not yet handed on. */
  private pending: Route | undefined;
  private built = 0;
  readonly skipped: SkippedExport[] = [];

  /**
   * With `onRoute`, routes are handed on as they are complete instead of kept (a full table is
   * never held): BIRD lists the records of one network together, so a network's route is
   * complete when the next network starts, or at `finish`.
   */
  constructor(private readonly target: KernelSyncTarget, private readonly onRoute?: (r: Route) => void) {}

  /** Number of kernel routes built (merged records count once). */
  get count(): number {
    return this.built;
  }

  /** Hands on the last route (streaming); call once the export has been read whole. */
  finish(): void {
    if (this.pending !== undefined) this.onRoute!(this.pending);
    this.pending = undefined;
  }

  private known(network: string): Route | undefined {
    if (this.onRoute === undefined) return this.byNetwork.get(network);
    return this.pending?.dst === network ? this.pending : undefined;
  }

  private keep(route: Route): void {
    this.built++;
    if (this.onRoute === undefined) {
      this.byNetwork.set(route.dst, route);
      return;
    }
    if (this.pending !== undefined) this.onRoute(this.pending);
    this.pending = route;
  }

  /** Adds one exported route. */
  add(r: BirdRoute): void {
    if (r.family !== this.target.family) return;
    const type = DEST_TO_TYPE[r.dest];
    if (type === undefined) {
      this.skipped.push({ network: r.network, reason: `destination ${r.dest} has no kernel equivalent` });
      return;
    }
    if (r.mplsLabel !== undefined || r.nexthops.some((n) => n.mpls !== undefined)) {
      this.skipped.push({ network: r.network, reason: "MPLS routes are not modeled" });
      return;
    }
    const nexthops = type === "unicast" ? r.nexthops.map(toNexthop) : [];
    if (type === "unicast" && (nexthops.length === 0 || nexthops.some((n) => n.dev === undefined && n.gateway === undefined))) {
      this.skipped.push({ network: r.network, reason: "unicast route without a usable nexthop" });
      return;
    }
    const prev = this.known(r.network);
    if (prev !== undefined) {
      if (prev.type !== "unicast" || type !== "unicast") return;
      for (const nh of nexthops) {
        if (!prev.nexthops.some((p) => compareNexthops(p, nh) === 0)) prev.nexthops.push(nh);
      }
      prev.nexthops.sort(compareNexthops);
      // A single path has no weight in the kernel's view: normalize both to 1.
      if (prev.nexthops.length === 1) prev.nexthops[0]!.weight = 1;
      return;
    }
    nexthops.sort(compareNexthops);
    if (nexthops.length === 1) nexthops[0]!.weight = 1;
    const hasGateway = nexthops.some((n) => n.gateway !== undefined);
    this.keep({
      family: this.target.family,
      table: this.target.table,
      dst: r.network,
      type,
      protocol: PROTO.bird,
      metric: this.target.metric,
      tos: 0,
      scope: this.target.family === 6 ? 0 : defaultRouteScope(type, hasGateway),
      nexthops,
    });
  }

  /** The kernel routes built so far (none when streaming). */
  routes(): Route[] {
    return [...this.byNetwork.values()];
  }
}

/** Builds the protected kernel routes for one kernel protocol from its exported routes. */
export function buildProtectedRoutes(exported: Iterable<BirdRoute>, target: KernelSyncTarget): { routes: Route[]; skipped: SkippedExport[] } {
  const b = new ProtectedRouteBuilder(target);
  for (const r of exported) b.add(r);
  return { routes: b.routes(), skipped: b.skipped };
}
