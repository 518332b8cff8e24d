// The embeddable reconciler: what a MetalLB-style speaker, the CLI and the daemon all use.
// Create it from a config object, set VIPs at run time, plan, apply, subscribe to drift and
// conflicts, stop. A full pass reads everything again (level-triggered). While the reconciler's
// own kernel watch runs, it keeps the kernel's state in a cache fed by the watch's events and
// its own applies, and `apply()` then runs incremental passes over what changed
// (incremental.ts); anything the cache cannot answer falls back to a full pass. It runs on the
// ports alone (adapters/ports.ts): `createReconciler` (src/index.ts) wires the real adapters.
import type { ApplyResult, BirdPort, Clock, Dataplane, KernelWatch, WatchOptions } from "../adapters/ports.js";
import { bgpPeersOf, readBirdSignature } from "./bird-signature.js";
import { configToPolicy } from "../config/policy.js";
import type { Config, VipConfig } from "../config/schema.js";
import { FibwardenError } from "../core/errors.js";
import { canonicalAddress } from "../core/net/ip.js";
import type { KernelChange, RouteChange } from "../adapters/ports.js";
import { addressEventAgrees, ruleEventAgrees, type AddressEvent, type RuleEvent } from "../core/parse/ip-monitor-objects.js";
import { Findings } from "./findings.js";
import type { BirdObservation } from "./observe-bird.js";
import { cacheFromObservation, applyToCache, emptyScope, runIncrementalPass, scopeKey, type IncrementalScope, type KernelCache } from "./incremental.js";
import { isManagedTable, type OwnershipPolicy } from "../core/ownership.js";
import type { VipProblem } from "../core/desired/vips.js";
import { vipOutsidePolicy } from "./desire.js";
import type { Conflict, Drift } from "../core/plan/types.js";
import { runPass, type PassResult } from "./pass.js";

/** Events a reconciler emits. */
export interface ReconcilerEvents {
  /** Every finished pass. */
  pass: (result: PassResult) => void;
  /** Drift of protected BIRD routes found by a pass (only when there is some). */
  drift: (drift: Drift[], result: PassResult) => void;
  /** Conflicts found by a pass (only when there are some). */
  conflict: (conflicts: Conflict[], result: PassResult) => void;
  /** A pass that could not observe BIRD or the kernel completely. */
  incomplete: (result: PassResult) => void;
}

/**
 * What a reconciler runs on: its config and every port. `createReconciler` (src/index.ts) gives
 * the real adapters for those a caller leaves out.
 */
export interface ReconcilerDeps {
  config: Config;
  /** The kernel. */
  dataplane: Dataplane;
  /** One port per BIRD daemon (`config.bird.sockets`); closed by `stop()`. */
  bird: readonly BirdPort[];
  clock: Clock;
}

type Listener<K extends keyof ReconcilerEvents> = ReconcilerEvents[K];

/** The reconciler. One pass runs at a time; concurrent calls wait their turn. */
export class Reconciler {
  readonly config: Config;
  private readonly dataplane: Dataplane;
  private readonly birds: readonly BirdPort[];
  private readonly clock: Clock;
  private vips: VipConfig[];
  /** Per VIP address: the VIP as last set (to spot changed VIPs). */
  private vipSources = new Map<string, VipConfig>();
  /** Per VIP address: why the policy does not cover it (VIPs it covers are absent); see setVips. */
  private vipsOutsidePolicy = new Map<string, string[]>();
  /** VIP address text → canonical address (bounded). */
  private readonly canonicalVip = new Map<string, string>();
  private readonly listeners = new Map<keyof ReconcilerEvents, Set<(...args: never[]) => void>>();
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  // ---- incremental state (see incremental.ts) ----
  private cache: KernelCache | undefined;
  private lastBird: BirdObservation | undefined;
  private previousVips = new Map<string, VipConfig>();
  private previousTables: ReadonlyMap<string, number> = new Map();
  /** The VIP list `previousVips` was built from (rebuilt only when setVips replaced it). */
  private previousVipsOf: readonly VipConfig[] | undefined;
  /** Conflicts and drift known now (a full pass's, updated by incremental passes). */
  private readonly findings = new Findings();
  private scope: IncrementalScope = emptyScope();
  private pendingRoutes: RouteChange[] = [];
  private pendingRuleEvents: RuleEvent[] = [];
  private pendingAddressEvents: AddressEvent[] = [];
  /** Why the next pass must be full; undefined when an incremental pass may do. */
  private fullReason: string | undefined = "no full pass yet";
  /** Bumped whenever the cache may have missed a change; a full pass only trusts its own epoch. */
  private epoch = 0;
  private watchGeneration = 0;
  private watchActive = false;

  constructor(deps: ReconcilerDeps) {
    this.config = deps.config;
    this.policy = configToPolicy(deps.config);
    this.vips = [...deps.config.vips];
    for (const v of this.vips) this.vipSources.set(v.address, v);
    this.dataplane = deps.dataplane;
    this.birds = [...deps.bird];
    this.clock = deps.clock;
  }

  /** The ownership policy in force: the config's (`configToPolicy`), whatever VIPs are set at run time. */
  readonly policy: OwnershipPolicy;

  /** The VIPs the next pass will use. */
  getVips(): readonly VipConfig[] {
    return this.vips;
  }

  /**
   * Replaces the VIPs (a speaker's view of its services). Each VIP gets the config's defaults for
   * fields it leaves out (`device: lo`). The next pass uses them. The ownership policy comes from
   * the config alone (what fibwarden owns survives a restart): returns the VIPs whose announce
   * table or device the config does not declare, and why; the planner refuses their announce
   * routes or addresses (`not-ownable` conflicts), and each pass lists them in `vipProblems`.
   */
  setVips(vips: ReadonlyArray<Partial<VipConfig> & { address: string }>): VipProblem[] {
    // Canonical addresses from here on (passes compare them as strings, 10k at a time). The
    // caller's objects are remembered: one passed again unchanged is not compared field by field.
    const nextSources = new Map<string, VipConfig>();
    const nextOutside = new Map<string, string[]>();
    const next: VipConfig[] = [];
    for (const v of vips) {
      // Parsing 10k addresses costs more than the rest: reuse the canonical form of an address
      // text seen before (the rest is rebuilt, so a caller that mutates its objects is still seen).
      let address = this.canonicalVip.get(v.address);
      if (address === undefined) {
        address = canonicalAddress(v.address);
        if (this.canonicalVip.size > 1_000_000) this.canonicalVip.clear();
        this.canonicalVip.set(v.address, address);
      }
      const vip = { device: "lo", ...v, address } as VipConfig;
      const prev = this.vipSources.get(vip.address);
      const changed = prev === undefined || !plainEqual(prev, vip);
      if (changed) this.scope.vips.add(vip.address);
      // The policy never changes: only a changed VIP is asked again (10k VIPs per call).
      const outside = changed ? vipOutsidePolicy(this.policy, vip) : this.vipsOutsidePolicy.get(vip.address) ?? [];
      if (outside.length > 0) nextOutside.set(vip.address, outside);
      nextSources.set(vip.address, vip);
      next.push(vip);
    }
    for (const a of this.vipSources.keys()) if (!nextSources.has(a)) this.scope.vips.add(a);
    this.vipSources = nextSources;
    this.vipsOutsidePolicy = nextOutside;
    this.vips = next;
    return [...nextOutside].flatMap(([vip, reasons]) => reasons.map((reason) => ({ vip, reason })));
  }

  /**
   * Why the next `apply()` or `plan()` will be a full pass, or undefined when it can be
   * incremental (the reconciler's kernel watch runs and its cache is current).
   */
  get fullPassReason(): string | undefined {
    if (!this.watchActive) return "no kernel watch: the cache cannot be trusted";
    return this.fullReason ?? (this.cache === undefined || this.lastBird === undefined ? "no cache yet" : undefined);
  }

  /** Forces the next pass to be full (the cache may have missed something). */
  invalidate(reason: string): void {
    this.epoch++;
    this.fullReason ??= reason;
  }

  /** Takes in a batch of kernel changes from the reconciler's own watch. */
  private noteKernelChange(change: KernelChange): void {
    if (change.resync) return this.invalidate("the kernel monitor restarted: events may be lost");
    if (change.routesTruncated) return this.invalidate("more route changes than one batch lists");
    const kinds = new Set(change.kinds);
    // Rule and address events that agree with the cache (echoes of our own applies) cost no
    // re-read; the check waits for the next pass, when the cache holds what that pass applied.
    if (kinds.has("rule")) {
      if (change.rules === undefined || change.rules.some((e) => e === undefined)) this.scope.rereadRules = true;
      else this.pendingRuleEvents.push(...(change.rules as RuleEvent[]));
    }
    if (kinds.has("address")) {
      if (change.addresses === undefined || change.addresses.some((e) => e === undefined)) this.scope.rereadAddresses = true;
      else this.pendingAddressEvents.push(...(change.addresses as AddressEvent[]));
    }
    if (kinds.has("link")) this.scope.rereadLinks = true;
    if (kinds.has("link") || kinds.has("netconf")) this.scope.rereadSysctls = true;
    if ((change.unreadRoutes ?? 0) > 0 || (change.unreadRoutes === undefined && kinds.has("route") && change.routes.length === 0)) {
      return this.invalidate("a route event the monitor parser did not read");
    }
    for (const rc of change.routes) {
      if (rc.route !== undefined) {
        this.pendingRoutes.push(rc);
      } else if (isManagedTable(this.policy, rc.table)) {
        // A managed table is small and never one BIRD syncs (the policy keeps managed, protected
        // and reserved tables apart): cheap to re-read whole.
        this.scope.rereadTables.add(rc.table);
        for (const f of rc.family === undefined ? [4, 6] as const : [rc.family]) this.scope.keys.add(scopeKey(f, rc.table, rc.dst));
      } else {
        return this.invalidate(`a route event in table ${rc.table} without the route's details`);
      }
    }
  }

  /** Moves the pending route events into the cache and the scope; returns the scope. */
  private takeScope(cache: KernelCache): IncrementalScope {
    for (const rc of this.pendingRoutes) {
      const r = rc.route!;
      if (rc.deleted && r.family === 6 && cache.index.at(6, r.table, r.dst).some((x) => x.metric === r.metric && x.protocol === r.protocol && x.nexthops.length > r.nexthops.length)) {
        // IPv6 reports the deletion of one nexthop of a multipath route as that nexthop alone;
        // what remains is not reported. The index cannot tell: re-read.
        this.invalidate(`a partial IPv6 multipath deletion at ${r.dst}`);
      }
      if (rc.deleted) cache.index.remove(r);
      else cache.index.upsert(r);
      this.scope.keys.add(scopeKey(r.family, r.table, r.dst));
    }
    this.pendingRoutes = [];
    if (this.pendingRuleEvents.some((e) => !ruleEventAgrees(e, cache.rules))) this.scope.rereadRules = true;
    if (this.pendingAddressEvents.some((e) => !addressEventAgrees(e, cache.addresses))) this.scope.rereadAddresses = true;
    this.pendingRuleEvents = [];
    this.pendingAddressEvents = [];
    const scope = this.scope;
    this.scope = emptyScope();
    return scope;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof ReconcilerEvents>(event: K, listener: Listener<K>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (...args: never[]) => void);
    this.listeners.set(event, set);
    return () => set.delete(listener as (...args: never[]) => void);
  }

  private emit<K extends keyof ReconcilerEvents>(event: K, ...args: Parameters<Listener<K>>): void {
    for (const l of this.listeners.get(event) ?? []) {
      try {
        (l as unknown as (...a: Parameters<Listener<K>>) => void)(...args);
      } catch {
        // a listener's failure never breaks a pass
      }
    }
  }

  /** Observes and plans; changes nothing. Always a full pass (an audit sees everything). */
  plan(signal?: AbortSignal): Promise<PassResult> {
    return this.enqueue(false, signal, false, true);
  }

  /**
   * Observes, plans and applies the plan: incrementally when the reconciler's kernel watch runs
   * and nothing forces a full pass (`options.full`, a monitor restart, a failed operation...).
   */
  apply(options: AbortSignal | { signal?: AbortSignal; full?: boolean } = {}): Promise<PassResult> {
    const o = options instanceof AbortSignal ? { signal: options } : options;
    return this.enqueue(true, o.signal, false, o.full ?? false);
  }

  /**
   * Uninstall: plans (and with `apply`, applies) the removal of every route, rule and address
   * fibwarden owns, and nothing else. Sysctl values are left as they are (fibwarden keeps no
   * record of earlier values; docs/operations.md says how to restore them).
   */
  purge(apply: boolean, signal?: AbortSignal): Promise<PassResult> {
    return this.enqueue(apply, signal, true);
  }

  private enqueue(apply: boolean, signal?: AbortSignal, purge = false, full = false): Promise<PassResult> {
    if (this.stopped) return Promise.reject(new FibwardenError("FW_ABORTED", "the reconciler is stopped"));
    const run = this.queue.then(async () => {
      let result: PassResult | undefined;
      const cache = this.cache;
      const bird = this.lastBird;
      if (apply && !purge && !full && this.fullPassReason === undefined && cache !== undefined && bird !== undefined) {
        const out = await runIncrementalPass({
          config: this.config, policy: this.policy, dataplane: this.dataplane, birds: this.birds, clock: this.clock,
          bird, cache, vips: this.vips, previousVips: this.previousVips, previousTables: this.previousTables,
        }, this.takeScope(cache), { apply, ...(signal ? { signal } : {}) });
        if (out.ok) result = out.result;
        if (out.needFull !== undefined) this.invalidate(out.needFull);
        if (out.ok && this.fullReason === undefined && out.result.plan) {
          this.findings.replaceInScope(out.scope, out.result.plan.conflicts, out.result.plan.drift);
          out.result.current = this.findings.totals();
        }
      }
      if (result === undefined || this.fullReason !== undefined) {
        const incremental = result;
        result = await this.fullPass(apply, purge, signal);
        if (incremental?.applied) result.applied = mergeApplied(incremental.applied, result.applied);
        if (result.plan) {
          this.findings.replaceAll(result.plan.conflicts, result.plan.drift);
          result.current = this.findings.totals();
        }
      }
      if (this.previousVipsOf !== this.vips) {
        this.previousVips = new Map(this.vips.map((v) => [v.address, v]));
        this.previousVipsOf = this.vips;
      }
      if (result.desired) this.previousTables = result.desired.tables;
      this.emit("pass", result);
      if (!result.observationComplete) this.emit("incomplete", result);
      if (result.plan && result.plan.drift.length > 0) this.emit("drift", result.plan.drift, result);
      if (result.plan && result.plan.conflicts.length > 0) this.emit("conflict", result.plan.conflicts, result);
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Every conflict and drift known now: the last full pass's, updated by incremental passes. */
  currentFindings(): { conflicts: Conflict[]; drift: Drift[] } {
    return this.findings.list();
  }

  private async fullPass(apply: boolean, purge: boolean, signal?: AbortSignal): Promise<PassResult> {
    const epoch = this.epoch;
    const active = this.watchActive;
    this.fullReason = undefined;
    this.cache = undefined; // the dump below replaces it; let its routes go during the pass (memory)
    this.pendingRoutes = []; // the dump below reflects them; later events are applied after it
    this.pendingRuleEvents = [];
    this.pendingAddressEvents = [];
    this.scope = emptyScope();
    const result = await runPass(
      { config: this.config, policy: this.policy, dataplane: this.dataplane, birds: this.birds, clock: this.clock },
      { apply, vips: this.vips, purge, ...(signal ? { signal } : {}) },
    );
    if (active && this.watchActive && this.epoch === epoch && result.observationComplete && !purge) {
      this.cache = cacheFromObservation(result.kernel);
      if (result.applied) applyToCache(this.cache, result.applied);
      // Incremental passes ask BIRD per prefix: keep the protocols, not their routes (1M at full table).
      this.lastBird = { ...result.bird, kernelProtocols: result.bird.kernelProtocols.map((k) => ({ ...k, routes: [], skipped: [], syncErrors: [] })) };
      if ((result.applied?.failed ?? 0) > 0) this.invalidate("operations failed");
    } else {
      this.cache = undefined;
      this.invalidate(result.observationComplete ? "the kernel may have changed unseen during the pass" : "the last observation was incomplete");
    }
    return result;
  }

  /**
   * Watches the kernel for changes (routes, rules, links, addresses). Besides calling
   * `options.onChange`, the watch feeds the reconciler's cache, which is what makes `apply()`
   * incremental; one watch at a time should run per reconciler.
   */
  watchKernel(options: WatchOptions): KernelWatch {
    const generation = ++this.watchGeneration;
    this.watchActive = false;
    this.invalidate("a new kernel watch");
    const watch = this.dataplane.watch({
      ...options,
      onChange: (change) => {
        if (generation === this.watchGeneration) this.noteKernelChange(change);
        options.onChange(change);
      },
      onError: (err) => {
        if (generation === this.watchGeneration) this.invalidate("the kernel monitor failed");
        options.onError?.(err);
      },
    });
    watch.started.then(() => {
      if (generation !== this.watchGeneration) return;
      this.watchActive = true;
      this.invalidate("the kernel watch started");
    }, () => undefined);
    return {
      started: watch.started,
      stop: async () => {
        if (generation === this.watchGeneration) {
          this.watchActive = false;
          this.invalidate("the kernel watch stopped");
        }
        await watch.stop();
      },
    };
  }

  /**
   * A cheap signature of the BIRD state whose change needs a full re-read (core/bird/signature.ts):
   * each daemon's reachability and status, the protected kernel protocols' state and since-time,
   * and the state and neighbor of the BGP protocols VIP return paths name. Route changes leave it
   * as it is (BIRD writes exported routes to the kernel, whose events are handled on their own).
   */
  async birdSignature(signal?: AbortSignal): Promise<string> {
    const scope = { kernelProtocols: this.config.protect.kernelProtocols, bgpPeers: bgpPeersOf(this.vips) };
    return readBirdSignature(this.birds, scope, signal);
  }

  /** Stops: closes the BIRD connections. The kernel is left as it is (routes persist). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    for (const b of this.birds) b.close();
  }
}

/** Deep equality of JSON-like values (VIP configs), without serializing 10k of them per call. */
export function plainEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => plainEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The results of an incremental pass followed by a full one, in order. */
function mergeApplied(first: ApplyResult, second: ApplyResult | undefined): ApplyResult {
  if (second === undefined) return first;
  return {
    results: [...first.results, ...second.results],
    applied: first.applied + second.applied,
    failed: first.failed + second.failed,
    elapsedMs: first.elapsedMs + second.elapsedMs,
    ...(second.verifyError ?? first.verifyError ? { verifyError: second.verifyError ?? first.verifyError } : {}),
  };
}
