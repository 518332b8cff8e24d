// fibwarden's public library API. Explicit re-exports only (what is not listed here is
// internal), and createReconciler: the one place a reconciler meets the real adapters.
import { withRealAdapters, type ReconcilerOptions } from "./adapters/real-ports.js";
import { Reconciler } from "./reconciler/reconciler.js";

export { ERROR_CODES, FibwardenError, isFibwardenError } from "./core/errors.js";
export type { ErrorCode, FibwardenErrorOptions } from "./core/errors.js";
export {
  canonicalAddress, canonicalPrefix, hostPrefix, isAddress, prefixContains, prefixFamily,
} from "./core/net/ip.js";
export type { Family, Prefix } from "./core/net/ip.js";
export {
  addressKey, effectiveAcceptRedirects, effectiveRpFilter, effectiveSendRedirects, makeAddress, makeRoute,
  makeRule, protocolName, protocolNumber, PROTO, routeKey, routesEqual, ruleKey, rulesEqual, SCOPE, TABLE,
  tableName, tableNumber,
} from "./core/model/index.js";
export type { InterfaceAddress, Nexthop, Route, RouteInput, RouteType, Rule, RuleAction, RuleInput, SysctlName, SysctlValue } from "./core/model/index.js";
export {
  assertPolicy, classifyAddress, classifyRoute, classifyRule, DEFAULT_PROTOCOL, defaultOwnershipPolicy, ownedAddressLabel,
} from "./core/ownership.js";
export type { NumberRange, Ownership, OwnershipPolicy } from "./core/ownership.js";
export { plan } from "./core/plan/plan.js";
export type { Conflict, DesiredState, Drift, LiveState, Plan, PlanOp, PlanOpKind, PlanOptions } from "./core/plan/types.js";
export { parseIpAddrs, parseIpRoutes, parseIpRules } from "./core/parse/ip-json.js";
export type { LinkInfo } from "./core/parse/ip-json.js";

// Configuration.
export { configToPolicy, DEFAULT_CONFIG_PATH, loadConfig, parseConfigText } from "./config/index.js";
export type { Config, ConfigInput, LoadedConfig, ReturnConfig, VipConfig } from "./config/index.js";

// The embeddable reconciler.
export type { ReconcilerOptions } from "./adapters/real-ports.js";
export { Reconciler } from "./reconciler/reconciler.js";
export type { ReconcilerDeps, ReconcilerEvents } from "./reconciler/reconciler.js";
export type { VipProblem } from "./core/desired/vips.js";
export type { KernelObservation, PassResult } from "./reconciler/pass.js";
export type { BirdObservation, KernelProtocolObservation } from "./reconciler/observe-bird.js";
export { buildPlanReport, PlanReportSchema } from "./report/plan-json.js";
export type { PlanReport } from "./report/plan-json.js";
export { renderPlanText } from "./report/plan-text.js";

// Adapters a speaker may want directly.
export { BirdClient } from "./adapters/bird/client.js";
export type { BirdClientOptions, BirdDialect } from "./adapters/bird/client.js";
export { createKernelDataplane } from "./adapters/kernel/index.js";
export type { KernelDataplaneOptions } from "./adapters/kernel/index.js";
export { birdPortOf, createBirdPort } from "./adapters/bird/port.js";
export { systemClock } from "./adapters/clock.js";
export type { ApplyResult, BirdPort, BirdQueryOptions, Clock, Dataplane, OpResult } from "./adapters/ports.js";

/**
 * Creates a reconciler from a validated configuration: the ports given in `options`, the real
 * adapters (BIRD sockets of `config.bird`, iproute2 in `config.kernel`, the system clock) for
 * the others. The CLI and the daemon get theirs here too.
 */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  return new Reconciler(withRealAdapters(options));
}
