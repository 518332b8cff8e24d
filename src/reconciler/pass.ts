// One pass, for a resync and for events alike: observe(scope) -> desire(scope) -> plan(keys) ->
// apply -> write the applied operations back into the trackers' live side.
//   - A resync (scope "all") reads BIRD and the kernel whole: the kernel's dump replaces the live
//     side (a failed dump leaves it as it was), BIRD's exports the protected side, and every VIP
//     is composed into the desired side; every key is planned (the plan options may have changed
//     since the last pass: an observation that was incomplete withheld every delete).
//   - An event pass sets the route events on the live side, re-reads what the events marked
//     (observe-scope.ts), asks BIRD per prefix at the changed keys of its tables, recomposes the
//     VIPs whose inputs changed (desire-scope.ts), and plans the dirty keys closed over their
//     dependencies (closeKeys): the same labels a resync would give them.
// The findings at the planned keys replace the earlier ones there (known-findings.ts). A pass
// never throws for BIRD or the kernel failing: it returns what it saw.
import type { ApplyResult, BirdPort, Clock, Dataplane, RouteSink } from "../adapters/ports.js";
import type { Config, VipConfig } from "../config/schema.js";
import { FibwardenError } from "../core/errors.js";
import type { Route } from "../core/model/route.js";
import { addressKey, ruleKey } from "../core/model/keys.js";
import type { OwnershipPolicy } from "../core/ownership.js";
import { closeKeys } from "../core/plan/close-keys.js";
import { planKeys } from "../core/plan/plan-keys.js";
import type { LiveState, Plan, PlanOp, PlanOptions } from "../core/plan/types.js";
import type { KeySet } from "../core/track/dirty.js";
import { createTrackers, replaceLive, type Trackers } from "../core/track/trackers.js";
import { desireAll, desireScope, emptyDesireMemory, type DesireMemory } from "./desire-scope.js";
import type { DesiredResult } from "./desire.js";
import { KnownFindings, type FindingCounts } from "./known-findings.js";
import { observeBird, type BirdObservation } from "./observe-bird.js";
import { observeProtectedAt, observeScope, type LinkStates } from "./observe-scope.js";
import type { PassScope } from "./scope.js";

/** What a pass needs. */
export interface PassDeps {
  config: Config;
  policy: OwnershipPolicy;
  dataplane: Dataplane;
  /** One port per BIRD daemon. */
  birds: readonly BirdPort[];
  clock: Clock;
}

/** What passes keep between them: the trackers (the cache) and what the desired side came from. */
export interface PassState {
  trackers: Trackers;
  desire: DesireMemory;
  findings: KnownFindings;
  /** BIRD as the last resync saw it (its kernel protocols without their routes). */
  bird: BirdObservation | undefined;
  links: LinkStates;
  interfaces: string[];
}

/** Empty trackers and memories for `policy`: the state before the first resync. */
export function newPassState(policy: OwnershipPolicy): PassState {
  return { trackers: createTrackers(policy), desire: emptyDesireMemory(), findings: new KnownFindings(), bird: undefined, links: new Map(), interfaces: [] };
}

/** Options of one pass. */
export interface PassOptions {
  apply: boolean;
  /** The VIPs (a library caller sets them at run time). */
  vips: readonly VipConfig[];
  /**
   * Uninstall: desire nothing, so that the plan deletes every route, rule and address fibwarden
   * owns (and only those). BIRD is not consulted: nothing of BIRD's is desired or touched.
   */
  purge?: boolean;
  /**
   * Operations the caller holds back (the daemon's hold-down against an agent that keeps
   * removing what fibwarden installs): planned, not applied, listed in `PassResult.held`.
   */
  hold?: (op: PlanOp) => boolean;
  /**
   * Keep a resync's observation as lists in the result (`kernel.live.routes`, each kernel
   * protocol's `routes`): what `doctor` reads. Without it a resync streams the kernel's routes and
   * BIRD's exports into the trackers as they are read, and the result carries their counts only
   * (a full table is never held twice).
   */
  keepObservation?: boolean;
  signal?: AbortSignal;
}

/** The kernel as observed, or why it could not be. */
export interface KernelObservation {
  complete: boolean;
  /**
   * A resync's whole dump, its routes only with `keepObservation` (else streamed into the
   * trackers: see routeCount); empty in an event pass (the trackers hold the kernel).
   */
  live: LiveState;
  /** Number of routes a resync read (both families, every table). */
  routeCount: number;
  interfaces: string[];
  /** Every link with its administrative state (empty when the read failed). */
  links: Array<{ name: string; up: boolean }>;
  problems: Array<{ code: string; message: string }>;
}

/** Everything one pass saw, decided and did. */
export interface PassResult {
  /**
   * `full`: a resync, BIRD and the kernel observed whole. `incremental`: an event pass over what
   * events and VIP changes named; its plan, drift and conflicts cover the keys it planned.
   */
  mode: "full" | "incremental";
  bird: BirdObservation;
  kernel: KernelObservation;
  /** False when BIRD or the kernel could not be fully observed: deletes were withheld. */
  observationComplete: boolean;
  /** The desired state composed by this pass (an event pass: the VIPs it recomposed). */
  desired?: DesiredResult;
  plan?: Plan;
  applied?: ApplyResult;
  /** Planned operations not applied because `PassOptions.hold` held them back. */
  held?: PlanOp[];
  /**
   * Totals of the conflicts and drift known after this pass: the findings of every key as last
   * planned (the lists: `Reconciler.currentFindings()`).
   */
  current?: FindingCounts;
  elapsedMs: number;
}

/** The outcome of a pass: its result, the keys it planned, and why the next pass must be a resync (if it must). */
export interface PassOutcome {
  result: PassResult;
  /** "all" (a resync) or the closed dirty keys (an event pass); absent when nothing was planned. */
  keys?: "all" | KeySet;
  /** Why the next pass must be a resync. */
  resync?: string;
  /** Why this pass, asked for events, ran as a resync (a read or a BIRD query failed, too much changed). */
  fellBack?: string;
}

/**
 * Reads the whole kernel view; never throws. With `part`, the routes are streamed into sinks from
 * it (as Dataplane.streamRoutes; a dataplane without it reads the list and hands it to one sink)
 * and `live.routes` stays empty.
 */
export async function observeKernel(dataplane: Dataplane, part?: () => RouteSink): Promise<KernelObservation> {
  const empty: LiveState = { routes: [], rules: [], addresses: [], sysctls: [] };
  const readRoutes = async (): Promise<{ routes: Route[]; count: number }> => {
    if (part === undefined) {
      const routes = await dataplane.readRoutes();
      return { routes, count: routes.length };
    }
    if (dataplane.streamRoutes !== undefined) return { routes: [], count: await dataplane.streamRoutes(part) };
    const routes = await dataplane.readRoutes();
    const sink = part();
    for (const r of routes) sink.add(r);
    sink.commit();
    return { routes: [], count: routes.length };
  };
  try {
    // Links and addresses from one read where the dataplane offers it (one `ip` process fewer).
    const linksAndAddresses = dataplane.readLinksAndAddresses !== undefined
      ? dataplane.readLinksAndAddresses()
      : Promise.all([dataplane.readAddresses(), dataplane.readLinks()]).then(([addresses, links]) => ({ addresses, links }));
    const [routes, rules, { addresses, links }, sysctls] = await Promise.all([
      readRoutes(), dataplane.readRules(), linksAndAddresses, dataplane.readSysctls(),
    ]);
    return {
      complete: true,
      live: { routes: routes.routes, rules, addresses, sysctls: sysctls.map(({ iface, name, value }) => ({ iface, name, value })) },
      routeCount: routes.count,
      interfaces: links.map((l) => l.name),
      links: links.map((l) => ({ name: l.name, up: l.up })),
      problems: [],
    };
  } catch (err) {
    const code = err instanceof FibwardenError ? err.code : "FW_KERNEL_READ";
    return { complete: false, live: empty, routeCount: 0, interfaces: [], links: [], problems: [{ code, message: err instanceof Error ? err.message : String(err) }] };
  }
}

const noBird = (): BirdObservation => ({ complete: true, problems: [], daemons: [], kernelProtocols: [] });

/**
 * Observes and desires everything (a resync); undefined keys when the kernel could not be read.
 * Unless `keepObservation`, the kernel's routes and BIRD's exports stream into resyncs of the
 * live and protected sides while both are read (each dump and each kernel protocol in a part of
 * its own, kept only when read whole), so a full table is held once, compactly, in the trackers.
 */
async function observeAll(deps: PassDeps, state: PassState, options: PassOptions): Promise<{ result: PassResult; keys?: "all" }> {
  const t = state.trackers;
  const stream = options.keepObservation !== true;
  const liveRoutes = stream ? t.routes.live.beginParts() : undefined;
  const protectedRoutes = stream ? t.routes.protected.beginParts() : undefined;
  const [bird, kernel] = await Promise.all([
    options.purge ? Promise.resolve(noBird()) : observeBird(deps.birds, deps.config.protect, options.signal, protectedRoutes && (() => protectedRoutes.part())),
    observeKernel(deps.dataplane, liveRoutes && (() => liveRoutes.part())),
  ]);
  const result: PassResult = { mode: "full", bird, kernel, observationComplete: bird.complete && kernel.complete, elapsedMs: 0 };
  // Without the kernel's state nothing can be planned safely, not even an add: the trackers stay.
  if (!kernel.complete) {
    liveRoutes?.abort();
    protectedRoutes?.abort();
    return { result };
  }
  liveRoutes?.commit();
  replaceLive(t, kernel.live, stream);
  // BIRD's exports of the protocols read whole (those of a protocol that failed are not desired).
  protectedRoutes?.commit();
  state.links = new Map(kernel.links.map((l) => [l.name, l.up]));
  state.interfaces = kernel.interfaces;
  // Event passes ask BIRD per prefix: keep its protocols, not their routes (1M at full table).
  state.bird = { ...bird, kernelProtocols: bird.kernelProtocols.map((k) => ({ ...k, routes: [], skipped: [], syncErrors: [] })) };
  result.desired = desireAll(t, state.desire, deps.config, options.purge ? [] : options.vips, bird, kernel.live, kernel.interfaces, stream);
  if (options.purge) t.sysctls.desired.replace([]); // purge leaves sysctls as they are
  return { result, keys: "all" };
}

/** Observes and desires what `scope` names (an event pass); throws when it cannot (resync instead). */
async function observeEvents(deps: PassDeps, state: PassState, scope: PassScope, options: PassOptions): Promise<{ result: PassResult; keys: KeySet }> {
  const t = state.trackers;
  const bird = state.bird!;
  const relinked = await observeScope(deps.dataplane, t, state.links, scope);
  if (relinked !== state.links) {
    state.links = relinked;
    state.interfaces = [...relinked.keys()];
  }
  await observeProtectedAt(t, bird, deps.birds, options.signal);
  const desired = desireScope(t, state.desire, {
    config: deps.config, vips: options.vips, changed: scope.vips, bird, interfaces: state.interfaces,
    sysctls: scope.reread.links || scope.reread.sysctls,
  });
  const kernel: KernelObservation = {
    complete: true, live: { routes: [], rules: [], addresses: [], sysctls: [] }, routeCount: 0, interfaces: state.interfaces,
    links: [...state.links].map(([name, up]) => ({ name, up })), problems: [],
  };
  const result: PassResult = { mode: "incremental", bird, kernel, observationComplete: true, desired, elapsedMs: 0 };
  return { result, keys: closeKeys(t, t.takeDirty()) };
}

/** Writes what an apply did into the live side (the kernel's echo events then change nothing). */
export function writeBack(t: Trackers, applied: ApplyResult): void {
  for (const r of applied.results) if (r.status === "applied") writeOp(t, r.op);
}

function writeOp(t: Trackers, op: PlanOp): void {
  switch (op.kind) {
    case "route.add": t.routes.live.add(op.route); break;
    case "route.replace": t.routes.live.remove(op.previous); t.routes.live.add(op.route); break;
    case "route.delete": t.routes.live.remove(op.route); break;
    case "rule.add": t.rules.live.add(op.rule); break;
    case "rule.delete": {
      const k = ruleKey(op.rule);
      const gone = t.rules.live.get(k).find((x) => x.protocol === op.rule.protocol);
      if (gone) t.rules.live.remove(gone);
      break;
    }
    case "address.add": t.addresses.live.add(op.address); break;
    case "address.delete": t.addresses.live.setAt(addressKey(op.address), []); break;
    case "sysctl.set": t.sysctls.live.set(op.sysctl); break;
  }
}

/**
 * Runs one pass over `scope` ("all": a resync). An event pass that cannot observe its scope (a
 * read or a BIRD query failed, too much changed) runs as a resync instead.
 */
export async function runPass(deps: PassDeps, state: PassState, scope: "all" | PassScope, options: PassOptions): Promise<PassOutcome> {
  const t0 = deps.clock.now();
  let observed: { result: PassResult; keys?: "all" | KeySet } | undefined;
  let fellBack: string | undefined;
  if (scope !== "all" && state.bird !== undefined) {
    try {
      observed = await observeEvents(deps, state, scope, options);
    } catch (err) {
      fellBack = `an event pass could not observe its scope: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  observed ??= await observeAll(deps, state, options);
  const { result, keys } = observed;
  const extra = fellBack === undefined ? {} : { fellBack };
  if (keys === undefined) {
    result.elapsedMs = deps.clock.now() - t0;
    return { result, resync: "the kernel could not be read", ...extra };
  }
  let resync: string | undefined;
  const planOptions: PlanOptions = {
    observationComplete: result.observationComplete, repairProtected: deps.config.protect.repair, reinstallLimit: deps.config.protect.reinstallLimit,
  };
  if (keys === "all") state.trackers.takeDirty();
  result.plan = planKeys(state.trackers, keys, deps.policy, planOptions);
  state.findings.replace(keys, result.plan);
  result.current = state.findings.totals();
  const hold = options.hold;
  const ops = options.apply && hold !== undefined ? result.plan.ops.filter((op) => !hold(op)) : result.plan.ops;
  if (ops.length < result.plan.ops.length) result.held = result.plan.ops.filter((op) => !ops.includes(op));
  if (options.apply && ops.length > 0) {
    result.applied = await deps.dataplane.apply(ops, options.signal ? { signal: options.signal } : {});
    writeBack(state.trackers, result.applied);
    if (result.applied.failed > 0) resync = `${result.applied.failed} operation(s) failed`;
  }
  if (!result.observationComplete) resync ??= "the observation was incomplete";
  if (options.purge) resync ??= "a purge desired nothing";
  result.elapsedMs = deps.clock.now() - t0;
  return resync === undefined ? { result, keys, ...extra } : { result, keys, resync, ...extra };
}
