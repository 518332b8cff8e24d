// Composes the desired kernel state of one pass from the configuration (or the VIPs a library
// caller set), what BIRD reports, and the live kernel (for stable table numbers and last-good
// return paths). Pure: no I/O.
import type { Config, VipConfig } from "../config/schema.js";
import { buildSysctlDesired, type SysctlProblem } from "../core/desired/sysctls.js";
import { buildVipDesired, resolvePeerReturn, type VipProblem, type VipSpec } from "../core/desired/vips.js";
import type { OwnershipPolicy } from "../core/ownership.js";
import type { DesiredState, LiveState } from "../core/plan/types.js";
import type { BirdObservation } from "./observe-bird.js";

/** The desired state and what kept parts of it from being built. */
export interface DesiredResult {
  desired: DesiredState;
  vipProblems: VipProblem[];
  sysctlProblems: SysctlProblem[];
  /** VIP address → source table. */
  tables: Map<string, number>;
}

/** Resolves a VIP's return path; `bgpPeer` uses that BGP session's neighbor, if Established. */
function toSpec(vip: VipConfig, bird: BirdObservation, resolvePeer: PeerResolver, problems: VipProblem[]): VipSpec {
  const spec: VipSpec = { address: vip.address, device: vip.device };
  if (vip.announce) spec.announceTable = vip.announce.table;
  const ret = vip.return;
  if (ret === undefined) return spec;
  if ("gateway" in ret) {
    spec.returnPath = { gateway: ret.gateway, device: ret.device };
    return spec;
  }
  const session = bird.daemons.flatMap((d) => d.protocols).find((p) => p.name === ret.bgpPeer);
  const neighbor = session?.bgp?.neighborAddress;
  const up = session?.bgp?.state === "Established";
  const resolved = neighbor !== undefined && up ? resolvePeer(neighbor) : undefined;
  if (resolved) spec.returnPath = resolved;
  else {
    spec.keepLastReturn = true;
    if (!session) problems.push({ vip: vip.address, reason: `BGP protocol ${ret.bgpPeer} not found in BIRD` });
    else if (!up) problems.push({ vip: vip.address, reason: `BGP session ${ret.bgpPeer} is ${session.bgp?.state ?? session.state}` });
    else problems.push({ vip: vip.address, reason: `no kernel route to ${ret.bgpPeer}'s neighbor ${neighbor}` });
  }
  return spec;
}

/** Finds the return path (gateway, device) towards a BGP neighbor, when the kernel has one. */
export type PeerResolver = (neighbor: string) => { gateway: string; device: string } | undefined;

/**
 * Builds the desired state of one pass. `opts.resolvePeer` replaces the scan of `live.routes`
 * for BGP neighbors (an incremental pass passes only part of the routes, and an index).
 */
export function composeDesired(config: Config, vips: readonly VipConfig[], bird: BirdObservation, live: LiveState, policy: OwnershipPolicy, interfaces: readonly string[], opts: { resolvePeer?: PeerResolver } = {}): DesiredResult {
  const vipProblems: VipProblem[] = [];
  const resolvePeer = opts.resolvePeer ?? ((n: string) => resolvePeerReturn(n, live));
  const specs = vips.map((v) => toSpec(v, bird, resolvePeer, vipProblems));
  const built = buildVipDesired({
    vips: specs, policy, live,
    sourceTables: config.ownership.tables,
    rulePriority: config.ownership.rulePriorities.from,
  });
  vipProblems.push(...built.problems);
  const sysctl = buildSysctlDesired(config.sysctls, interfaces, live.sysctls);
  return {
    desired: {
      routes: built.routes,
      rules: built.rules,
      addresses: built.addresses,
      sysctls: sysctl.sysctls,
      protectedRoutes: bird.kernelProtocols.flatMap((k) => k.routes),
    },
    vipProblems,
    sysctlProblems: sysctl.problems,
    tables: built.tables,
  };
}
