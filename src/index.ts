// fibwarden's public library API. Explicit re-exports only: what is not listed here is internal.
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
