// One level-triggered pass: observe BIRD and the kernel (in parallel), compose the desired state,
// plan, and (when asked) apply. A pass never throws for BIRD or the kernel failing: it returns
// what it saw, and an incomplete observation plans no deletion.
import type { ApplyResult, BirdPort, Clock, Dataplane } from "../adapters/ports.js";
import type { Config, VipConfig } from "../config/schema.js";
import { FibwardenError } from "../core/errors.js";
import type { OwnershipPolicy } from "../core/ownership.js";
import { plan } from "../core/plan/plan.js";
import type { LiveState, Plan } from "../core/plan/types.js";
import type { FindingCounts } from "./findings.js";
import { composeDesired, type DesiredResult } from "./desire.js";
import { observeBird, type BirdObservation } from "./observe-bird.js";

/** What a pass needs. */
export interface PassDeps {
  config: Config;
  policy: OwnershipPolicy;
  dataplane: Dataplane;
  /** One port per BIRD daemon. */
  birds: readonly BirdPort[];
  clock: Clock;
}

/** Options of one pass. */
export interface PassOptions {
  apply: boolean;
  /** VIPs to use instead of the configuration's (library callers set them at run time). */
  vips?: readonly VipConfig[];
  /**
   * Uninstall: desire nothing, so that the plan deletes every route, rule and address fibwarden
   * owns (and only those). BIRD is not consulted: nothing of BIRD's is desired or touched.
   */
  purge?: boolean;
  signal?: AbortSignal;
}

/** The kernel as observed, or why it could not be. */
export interface KernelObservation {
  complete: boolean;
  live: LiveState;
  interfaces: string[];
  /** Every link with its administrative state (empty when the read failed). */
  links: Array<{ name: string; up: boolean }>;
  problems: Array<{ code: string; message: string }>;
}

/** Everything one pass saw, decided and did. */
export interface PassResult {
  /**
   * `full`: BIRD and the kernel observed whole. `incremental`: only what events or a VIP change
   * named, from the reconciler's event-fed cache (see incremental.ts); `kernel.live` and the
   * plan's drift and conflicts then cover that scope only.
   */
  mode: "full" | "incremental";
  bird: BirdObservation;
  kernel: KernelObservation;
  /** False when BIRD or the kernel could not be fully observed: deletes were withheld. */
  observationComplete: boolean;
  desired?: DesiredResult;
  plan?: Plan;
  applied?: ApplyResult;
  /**
   * Totals of the conflicts and drift the reconciler knows of after this pass: a full pass's
   * own, or an incremental pass's merged into the earlier findings outside its scope (the lists:
   * `Reconciler.currentFindings()`). Set by the Reconciler.
   */
  current?: FindingCounts;
  elapsedMs: number;
}

/** Reads the whole kernel view; never throws. */
export async function observeKernel(dataplane: Dataplane): Promise<KernelObservation> {
  const empty: LiveState = { routes: [], rules: [], addresses: [], sysctls: [] };
  try {
    const [routes, rules, addresses, links, sysctls] = await Promise.all([
      dataplane.readRoutes(), dataplane.readRules(), dataplane.readAddresses(), dataplane.readLinks(), dataplane.readSysctls(),
    ]);
    return {
      complete: true,
      live: { routes, rules, addresses, sysctls: sysctls.map(({ iface, name, value }) => ({ iface, name, value })) },
      interfaces: links.map((l) => l.name),
      links: links.map((l) => ({ name: l.name, up: l.up })),
      problems: [],
    };
  } catch (err) {
    const code = err instanceof FibwardenError ? err.code : "FW_KERNEL_READ";
    return { complete: false, live: empty, interfaces: [], links: [], problems: [{ code, message: err instanceof Error ? err.message : String(err) }] };
  }
}

/** Runs one pass. */
export async function runPass(deps: PassDeps, options: PassOptions): Promise<PassResult> {
  const t0 = deps.clock.now();
  const [bird, kernel] = await Promise.all([
    options.purge
      ? Promise.resolve<BirdObservation>({ complete: true, problems: [], daemons: [], kernelProtocols: [] })
      : observeBird(deps.birds, deps.config.protect, options.signal),
    observeKernel(deps.dataplane),
  ]);
  const observationComplete = bird.complete && kernel.complete;
  const result: PassResult = { mode: "full", bird, kernel, observationComplete, elapsedMs: 0 };
  if (!kernel.complete) {
    // Without the kernel's state nothing can be planned safely: not even an add.
    result.elapsedMs = deps.clock.now() - t0;
    return result;
  }
  const desired = options.purge
    ? { desired: { routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: [] }, vipProblems: [], sysctlProblems: [], tables: new Map<string, number>() }
    : composeDesired(deps.config, options.vips ?? deps.config.vips, bird, kernel.live, deps.policy, kernel.interfaces);
  result.desired = desired;
  result.plan = plan(desired.desired, kernel.live, deps.policy, { observationComplete, repairProtected: deps.config.protect.repair, reinstallLimit: deps.config.protect.reinstallLimit });
  if (options.apply && result.plan.ops.length > 0) {
    result.applied = await deps.dataplane.apply(result.plan.ops, options.signal ? { signal: options.signal } : {});
  }
  result.elapsedMs = deps.clock.now() - t0;
  return result;
}
