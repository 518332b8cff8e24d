/** Test lab library: namespaces, veth links, BIRD daemons and canned topologies. */
export { createLab, Lab, type CreateLabOptions, type LabLink, type LabNamespace, type LinkOptions, type StartBirdOptions } from "./lab.js";
export type { BirdHandle } from "./bird-daemon.js";
export { queryBird, parseProtocols, type ProtocolRow } from "./bird-socket.js";
export { waitForBgp, waitForBirdRoute } from "./wait-bird.js";
export { readKernelRoutes, waitForKernelRoutes, type KernelRoute } from "./kernel.js";
export { DEADLINE_MS, pollUntil, waitFor, type PollOptions, type PollStep, type WaitForOptions } from "./wait.js";
export { announcedPrefixes, pendingAnnouncedRoutes, waitForAnnouncedRoutes } from "./wait-routes.js";
export { runCommand, runInNamespace, type RunOptions } from "./exec.js";
export { sweepStaleLabs, type SweepReport } from "./sweep.js";
export { checkLabSupport, type LabSupport } from "./preflight.js";
export { DEFAULT_LAB_ROOT } from "./state.js";
export { LAB_PREFIX_PATTERN, MAX_IFNAME_LENGTH } from "./names.js";
export { buildTwoUplinkTopology, type TwoUplinkTopology } from "./two-uplink.js";
export { planTwoUplink, SCAN_TIME_QUIET_S, type TwoUplinkOptions, type TwoUplinkPlan, type UplinkPlan, type Endpoint } from "./two-uplink-plan.js";
export { renderNodeBirdConfig, renderRouterBirdConfig } from "./two-uplink-bird.js";
export { buildFrrTopology, FRR_PLAN, frrAvailable, readNumericRoutes, startFrr, waitForFrrBgp, waitForZebraRoutes, type FrrConfigs, type FrrDaemon, type FrrHandle, type FrrTopology, type FrrTopologyOptions, type NhidRoute } from "./frr.js";
export { DEFAULT_FLUSH_LINK, flushLinkNetwork, networkdAvailable, NETWORKD_BINARY, parseRemovals, startNetworkd, type FlushResult, type NetworkdHandle, type NetworkdOptions, type RemovedObject } from "./networkd.js";
