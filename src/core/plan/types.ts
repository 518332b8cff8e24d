// The plan is data: typed operations with reasons, conflicts and drift findings.
import type { InterfaceAddress } from "../model/address.js";
import type { Route } from "../model/route.js";
import type { Rule } from "../model/rule.js";
import type { SysctlValue } from "../model/sysctl.js";
import type { Ownership } from "../ownership.js";
import type { PlanGuard, ReinstallLimit } from "./guards.js";

export type { PlanGuard, ReinstallLimit } from "./guards.js";

/** What fibwarden wants the kernel to hold. */
export interface DesiredState {
  /** fibwarden's own routes (VIP announce routes, source-table defaults): protocol = ours. */
  routes: Route[];
  /** fibwarden's own rules (`from VIP lookup T`): protocol = ours. */
  rules: Rule[];
  /** fibwarden's own addresses (VIPs on their devices). */
  addresses: InterfaceAddress[];
  /** sysctl values to keep. */
  sysctls: SysctlValue[];
  /** Routes BIRD exports to the kernel, as the kernel should hold them (`proto bird`). */
  protectedRoutes: Route[];
}

/** What the kernel holds now. */
export interface LiveState {
  routes: Route[];
  rules: Rule[];
  addresses: InterfaceAddress[];
  sysctls: SysctlValue[];
}

/** Options of one planning pass. */
export interface PlanOptions {
  /**
   * False when BIRD or the kernel could not be fully observed: every delete is withheld (fail
   * static) and listed in `withheld`. Nothing is deleted before a complete observation.
   */
  observationComplete: boolean;
  /** `reinstall` re-adds missing protected routes with `proto bird` (add, never replace). */
  repairProtected: "report" | "reinstall";
  /**
   * How many of one kernel protocol's protected routes one pass may reinstall (default: a tenth,
   * and never fewer than 50). More missing at once is refused and reported (`Plan.guards`).
   */
  reinstallLimit?: ReinstallLimit;
}

/** One kernel operation. Deletes carry the full object so that the kernel matches on protocol too. */
export type PlanOp =
  | { kind: "route.add"; route: Route; reason: string }
  | { kind: "route.replace"; route: Route; previous: Route; reason: string }
  | { kind: "route.delete"; route: Route; reason: string }
  | { kind: "rule.add"; rule: Rule; reason: string }
  | { kind: "rule.delete"; rule: Rule; reason: string }
  | { kind: "address.add"; address: InterfaceAddress; reason: string }
  | { kind: "address.delete"; address: InterfaceAddress; reason: string }
  | { kind: "sysctl.set"; sysctl: SysctlValue; previous: number; reason: string };

/** The kind of a plan operation. */
export type PlanOpKind = PlanOp["kind"];

/** A desired item that fibwarden will not write, and why. */
export interface Conflict {
  object: "route" | "rule" | "address" | "sysctl";
  /** Kernel identity key of the item. */
  key: string;
  reason:
    | "held-by-alien" // another owner holds the kernel key: never evicted
    | "held-by-protected" // BIRD's route holds the key
    | "collides-with-protected" // a desired route has the key of a route BIRD exports
    | "not-ownable" // the desired item would not carry our markers (config error)
    | "ambiguous-key" // several kernel objects share the key (e.g. `ip route append`)
    | "duplicate-desired" // two desired items with one key; the first (canonical order) wins
    | "table-empty" // a rule's table would hold no route: the rule is not installed
    | "prefsrc-not-local" // a route's preferred source is not an address of this host
    | "address-in-use" // an address of ours that a remaining route uses as preferred source
    | "protected-overwritten"; // a protected route's key is held by another protocol
  message: string;
  desired?: Route | Rule | InterfaceAddress;
  holder?: Route | Rule | InterfaceAddress;
  holderOwnership?: Ownership;
}

/** A difference between what BIRD exports and what the kernel holds. */
export interface Drift {
  kind: "missing" | "overwritten" | "shadowed" | "differs";
  key: string;
  expected: Route;
  live?: Route;
  message: string;
  /** True when this plan re-adds the route (repair: reinstall). */
  repaired: boolean;
}

/** The result of planning: ordered operations, withheld deletes, conflicts and drift. */
export interface Plan {
  ops: PlanOp[];
  /** Operations not emitted because the observation is incomplete (fail static). */
  withheld: PlanOp[];
  conflicts: Conflict[];
  drift: Drift[];
  /**
   * Groups of protected routes a guard kept from being reinstalled: a kernel metric that does not
   * match what the kernel holds, or more routes missing at once than the reinstall limit.
   */
  guards: PlanGuard[];
}
