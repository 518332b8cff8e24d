// The embeddable reconciler: what a MetalLB-style speaker, the CLI and the daemon all use.
// Create it from a config object, set VIPs at run time, plan, apply, subscribe to drift and
// conflicts, stop. It holds one set of trackers (the kernel as last observed, BIRD's exports and
// what fibwarden wants) and runs one pass function (pass.ts) for everything: a resync observes
// everything again; while the reconciler's own kernel watch runs, `apply()` runs event passes
// over what the watch's events and `setVips` named (scope.ts). It runs on the ports alone
// (adapters/ports.ts): `createReconciler` (src/index.ts) wires the real adapters.
import type { BirdPort, Clock, Dataplane, KernelWatch, WatchOptions } from "../adapters/ports.js";
import { bgpPeersOf, readBirdSignature } from "./bird-signature.js";
import { configToPolicy } from "../config/policy.js";
import type { Config, VipConfig } from "../config/schema.js";
import { FibwardenError } from "../core/errors.js";
import { canonicalJson } from "../core/plan/canonical-json.js";
import { canonicalAddress } from "../core/net/ip.js";
import type { OwnershipPolicy } from "../core/ownership.js";
import type { VipProblem } from "../core/desired/vips.js";
import { vipOutsidePolicy } from "./desire.js";
import type { Conflict, Drift, PlanOp } from "../core/plan/types.js";
import { newPassState, runPass, type PassResult, type PassState } from "./pass.js";
import { emptyScope, mergeScope, noteKernelChange, type PassScope } from "./scope.js";

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
  /** Keep each resync's observation as lists in its result (see PassOptions.keepObservation). */
  keepObservation?: boolean;
}

type Listener<K extends keyof ReconcilerEvents> = ReconcilerEvents[K];

/** The reconciler. One pass runs at a time; concurrent calls wait their turn. */
export class Reconciler {
  private currentConfig: Config;
  private readonly dataplane: Dataplane;
  private readonly birds: readonly BirdPort[];
  private readonly clock: Clock;
  private readonly keepObservation: boolean;
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
  /** The trackers and what passes keep between them (pass.ts). */
  private readonly state: PassState;
  /** What the next pass must observe (scope.ts). */
  private scope: PassScope = emptyScope("no complete observation yet");
  private watchGeneration = 0;
  private watchActive = false;

  constructor(deps: ReconcilerDeps) {
    this.currentConfig = deps.config;
    this.keepObservation = deps.keepObservation === true;
    this.policy = configToPolicy(deps.config);
    this.vips = [...deps.config.vips];
    for (const v of this.vips) this.vipSources.set(v.address, v);
    this.dataplane = deps.dataplane;
    this.birds = [...deps.bird];
    this.clock = deps.clock;
    this.state = newPassState(this.policy);
  }

  /** The config in force (`reconfigure` may replace it). */
  get config(): Config {
    return this.currentConfig;
  }

  /**
   * Takes a reloaded config and keeps what the reconciler knows of the kernel and BIRD, when the
   * config leaves the ownership policy (`configToPolicy`: its ownership section, the VIPs' announce
   * tables and devices, the protected tables), its kernel and its BIRD sections as they are (what
   * the trackers and ports were built from): the VIPs become the config's (as `setVips`) and the
   * next pass is a full one.
   * False, and nothing changed, otherwise (or when stopped): build a new reconciler then. A
   * daemon reloading its config so does not learn a full table again from nothing beside the old
   * one (docs/performance.md, issue #17).
   */
  reconfigure(config: Config): boolean {
    if (this.stopped) return false;
    const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);
    const was = this.currentConfig;
    let policy: OwnershipPolicy;
    try {
      policy = configToPolicy(config);
    } catch {
      return false; // a new reconciler reports it
    }
    if (!same(policy, this.policy) || !same(config.kernel, was.kernel) || !same(config.bird, was.bird)) return false;
    this.currentConfig = config;
    this.setVips(config.vips);
    this.invalidate("the config was reloaded");
    return true;
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
      const prev = this.vipSources.get(address);
      // Unchanged: the VIP as set before stays (no object built per VIP per call).
      const changed = prev === undefined || !equalsWithDefaults(prev, v, address);
      const vip = changed ? { device: "lo", ...v, address } as VipConfig : prev;
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
   * Why the next `apply()` will be a resync (a full pass), or undefined when it can be an event
   * pass (the reconciler's kernel watch runs and the trackers are current).
   */
  get fullPassReason(): string | undefined {
    if (!this.watchActive) return "no kernel watch: the trackers cannot be trusted";
    return this.scope.resync;
  }

  /** Forces the next pass to be a resync (the trackers may have missed something). */
  invalidate(reason: string): void {
    this.scope.resync ??= reason;
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
  apply(options: AbortSignal | { signal?: AbortSignal; full?: boolean; hold?: (op: PlanOp) => boolean } = {}): Promise<PassResult> {
    const o = options instanceof AbortSignal ? { signal: options } : options;
    return this.enqueue(true, o.signal, false, o.full ?? false, o.hold);
  }

  /**
   * Uninstall: plans (and with `apply`, applies) the removal of every route, rule and address
   * fibwarden owns, and nothing else. Sysctl values are left as they are (fibwarden keeps no
   * record of earlier values; docs/operations.md says how to restore them).
   */
  purge(apply: boolean, signal?: AbortSignal): Promise<PassResult> {
    return this.enqueue(apply, signal, true);
  }

  private enqueue(apply: boolean, signal?: AbortSignal, purge = false, full = false, hold?: (op: PlanOp) => boolean): Promise<PassResult> {
    if (this.stopped) return Promise.reject(new FibwardenError("FW_ABORTED", "the reconciler is stopped"));
    const run = this.queue.then(async () => {
      const resync = !apply || purge || full || this.fullPassReason !== undefined;
      // A resync sees every change made before its dump; events queued from here on are applied after it.
      const scope = this.scope;
      this.scope = emptyScope();
      const deps = { config: this.config, policy: this.policy, dataplane: this.dataplane, birds: this.birds, clock: this.clock };
      const options = { apply, vips: this.vips, purge, keepObservation: this.keepObservation, ...(signal ? { signal } : {}), ...(hold ? { hold } : {}) };
      let outcome;
      try {
        outcome = await runPass(deps, this.state, resync ? "all" : scope, options);
      } catch (err) {
        // Nothing was observed into the trackers for sure: the next pass looks at everything.
        mergeScope(this.scope, scope);
        this.invalidate("the last pass failed");
        throw err;
      }
      if (outcome.resync !== undefined) this.invalidate(outcome.resync);
      const result = outcome.result;
      this.emit("pass", result);
      if (!result.observationComplete) this.emit("incomplete", result);
      if (result.plan && result.plan.drift.length > 0) this.emit("drift", result.plan.drift, result);
      if (result.plan && result.plan.conflicts.length > 0) this.emit("conflict", result.plan.conflicts, result);
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Every conflict and drift known now: each key's findings as last planned. */
  currentFindings(): { conflicts: Conflict[]; drift: Drift[] } {
    return this.state.findings.list();
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
        if (generation === this.watchGeneration) noteKernelChange(this.scope, change);
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

  /**
   * Calls `listener` when the control connection to any BIRD closes other than by stop() (BIRD
   * stopped or restarted), for ports that report it; returns the function that removes it.
   */
  onBirdDisconnect(listener: () => void): () => void {
    const removers = this.birds.map((b) => b.onDisconnect?.(listener));
    return () => { for (const remove of removers) remove?.(); };
  }

  /**
   * Stops: closes the BIRD connections and lets go of the trackers (a full table's worth: a
   * daemon reloading its config builds a new reconciler and must not hold two). The kernel is
   * left as it is (routes persist).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    for (const b of this.birds) b.close();
    await this.dataplane.close?.();
    Object.assign(this.state, newPassState(this.policy));
  }
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * True when `prev` equals `{ device: "lo", ...v, address }` (as plainEqual), without building it:
 * setVips compares 10k VIPs per call, and building each made most of its cost (in the GC).
 */
export function equalsWithDefaults(prev: VipConfig, v: object, address: string): boolean {
  const p = prev as unknown as Record<string, unknown>;
  const x = v as Record<string, unknown>;
  let fields = 0;
  for (const k in x) {
    if (!own(x, k)) continue;
    const value = k === "address" ? address : x[k];
    if (value === undefined) continue;
    if (!own(p, k) || !plainEqual(value, p[k])) return false;
    fields++;
  }
  if (!own(x, "address")) {
    if (p.address !== address) return false;
    fields++;
  }
  if (!own(x, "device")) {
    if (p.device !== "lo") return false;
    fields++;
  }
  for (const k in p) if (own(p, k) && p[k] !== undefined) fields--;
  return fields === 0;
}

/**
 * Deep equality of JSON-like values (VIP configs), without serializing 10k of them per call; an
 * own field set to undefined counts as absent. Walks the fields without making key lists: setVips
 * compares 10k VIPs per call.
 */
export function plainEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let fields = 0;
  for (const k in x) {
    if (!own(x, k) || x[k] === undefined) continue;
    if (!own(y, k) || !plainEqual(x[k], y[k])) return false;
    fields++;
  }
  for (const k in y) if (own(y, k) && y[k] !== undefined) fields--;
  return fields === 0;
}
