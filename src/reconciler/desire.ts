// Composes the desired kernel state of one pass from the configuration (or the VIPs a library
// caller set), what BIRD reports, and the live kernel (for stable table numbers and last-good
// return paths). Pure: no I/O.
import type { Config, VipConfig } from "../config/schema.js";
import { buildSysctlDesired, type SysctlProblem } from "../core/desired/sysctls.js";
import { buildVipDesired, resolvePeerReturn, type VipProblem, type VipSpec } from "../core/desired/vips.js";
import type { InterfaceAddress } from "../core/model/address.js";
import { SCOPE } from "../core/model/names.js";
import { classifyAddress, classifyRoute, isAddressDevice, ownedAddressLabel, type OwnershipPolicy } from "../core/ownership.js";
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

/**
 * Why a VIP's announce route or address would carry no ownership marker under `policy` (the
 * planner then refuses them as `not-ownable`), naming the config field that makes them
 * fibwarden's; empty when the policy covers the VIP. Config VIPs are always covered (the policy
 * is built from them); a VIP set at run time is covered only by what the config declares.
 */
export function vipOutsidePolicy(policy: OwnershipPolicy, vip: Pick<VipConfig, "address" | "device" | "announce">): string[] {
  const out: string[] = [];
  const t = vip.announce?.table;
  if (t !== undefined && classifyRoute(policy, { protocol: policy.protocol, table: t }) !== "ours") {
    out.push(`announce table ${t} is not fibwarden's: list it in ownership.announceTables`);
  }
  const family = vip.address.includes(":") ? 6 : 4;
  const label = family === 4 ? ownedAddressLabel(policy, vip.device) : undefined;
  const address: InterfaceAddress = {
    family, dev: vip.device, address: vip.address, prefixlen: family === 4 ? 32 : 128, scope: SCOPE.global, ...(label ? { label } : {}),
  };
  if (classifyAddress(policy, address) !== "ours") {
    out.push(isAddressDevice(policy, vip.device)
      ? `address ${vip.address} on ${vip.device} would carry no marker of fibwarden's: put it inside ownership.vipRanges`
      : `device ${vip.device} is not an address device: list it in ownership.addressDevices`);
  }
  return out;
}

/** Finds the return path (gateway, device) towards a BGP neighbor, when the kernel has one. */
export type PeerResolver = (neighbor: string) => { gateway: string; device: string } | undefined;

/**
 * Builds the desired state of one pass. `opts.resolvePeer` replaces the scan of `live.routes`
 * for BGP neighbors (an incremental pass passes only part of the routes, and an index).
 */
export function composeDesired(config: Config, vips: readonly VipConfig[], bird: BirdObservation, live: LiveState, policy: OwnershipPolicy, interfaces: readonly string[], opts: { resolvePeer?: PeerResolver; ruledTable?: (table: number) => boolean } = {}): DesiredResult {
  const vipProblems: VipProblem[] = [];
  const resolvePeer = opts.resolvePeer ?? ((n: string) => resolvePeerReturn(n, live));
  for (const v of vips) for (const reason of vipOutsidePolicy(policy, v)) vipProblems.push({ vip: v.address, reason });
  const specs = vips.map((v) => toSpec(v, bird, resolvePeer, vipProblems));
  const built = buildVipDesired({
    vips: specs, policy, live,
    sourceTables: config.ownership.tables,
    rulePriority: config.ownership.rulePriorities.from,
    ...(opts.ruledTable ? { ruledTable: opts.ruledTable } : {}),
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
