// The embeddable reconciler: what a MetalLB-style speaker, the CLI and the daemon all use.
// Create it from a config object, set VIPs at run time, plan, apply, subscribe to drift and
// conflicts, stop. Every pass is level-triggered: it reads everything again.
import { BirdClient } from "../adapters/bird/client.js";
import { createKernelDataplane } from "../adapters/kernel/index.js";
import type { Dataplane, KernelWatch, WatchOptions } from "../adapters/ports.js";
import { bgpPeersOf, readBirdSignature } from "./bird-signature.js";
import { configToPolicy } from "../config/policy.js";
import type { Config, VipConfig } from "../config/schema.js";
import { FibwardenError } from "../core/errors.js";
import { assertPolicy, type OwnershipPolicy } from "../core/ownership.js";
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

/** Options to create a reconciler. */
export interface ReconcilerOptions {
  config: Config;
  /** A dataplane to use instead of the kernel's (tests, dry runs). */
  dataplane?: Dataplane;
  /** BIRD clients to use instead of ones built from `config.bird`. */
  birdClients?: BirdClient[];
}

type Listener<K extends keyof ReconcilerEvents> = ReconcilerEvents[K];

/** The reconciler. One pass runs at a time; concurrent calls wait their turn. */
export class Reconciler {
  readonly config: Config;
  private currentPolicy: OwnershipPolicy;
  private readonly dataplane: Dataplane;
  private readonly birdClients: BirdClient[];
  private vips: VipConfig[];
  private readonly listeners = new Map<keyof ReconcilerEvents, Set<(...args: never[]) => void>>();
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(options: ReconcilerOptions) {
    this.config = options.config;
    this.currentPolicy = configToPolicy(options.config);
    this.vips = [...options.config.vips];
    this.dataplane = options.dataplane ?? createKernelDataplane({
      timeoutMs: 60_000, ownProtocol: this.config.ownership.protocol,
      ...(this.config.kernel.netns ? { netns: this.config.kernel.netns } : {}),
    });
    this.birdClients = options.birdClients ?? this.config.bird.sockets.map((socketPath) => new BirdClient({
      socketPath,
      restrict: this.config.bird.restrict,
      connectTimeoutMs: this.config.bird.connectTimeoutMs,
      idleTimeoutMs: this.config.bird.idleTimeoutMs,
      replyTimeoutMs: this.config.bird.replyTimeoutMs,
      maxReplyBytes: this.config.bird.maxReplyBytes,
    }));
  }

  /** The ownership policy in force: the config's, widened by VIPs set at run time. */
  get policy(): OwnershipPolicy {
    return this.currentPolicy;
  }

  /** The VIPs the next pass will use. */
  getVips(): readonly VipConfig[] {
    return this.vips;
  }

  /**
   * Replaces the VIPs (a speaker's view of its services). Each VIP gets the config's defaults for
   * fields it leaves out (`device: lo`). The next pass uses them.
   */
  setVips(vips: ReadonlyArray<Partial<VipConfig> & { address: string }>): void {
    const next = vips.map((v) => ({ device: "lo", ...v }) as VipConfig);
    this.currentPolicy = widenPolicy(this.currentPolicy, next);
    this.vips = next;
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

  /** Observes and plans; changes nothing. */
  plan(signal?: AbortSignal): Promise<PassResult> {
    return this.enqueue(false, signal);
  }

  /** Observes, plans and applies the plan. */
  apply(signal?: AbortSignal): Promise<PassResult> {
    return this.enqueue(true, signal);
  }

  /**
   * Uninstall: plans (and with `apply`, applies) the removal of every route, rule and address
   * fibwarden owns, and nothing else. Sysctl values are left as they are (fibwarden keeps no
   * record of earlier values; docs/operations.md says how to restore them).
   */
  purge(apply: boolean, signal?: AbortSignal): Promise<PassResult> {
    return this.enqueue(apply, signal, true);
  }

  private enqueue(apply: boolean, signal?: AbortSignal, purge = false): Promise<PassResult> {
    if (this.stopped) return Promise.reject(new FibwardenError("FW_ABORTED", "the reconciler is stopped"));
    const run = this.queue.then(async () => {
      const result = await runPass(
        { config: this.config, policy: this.currentPolicy, dataplane: this.dataplane, birdClients: this.birdClients },
        { apply, vips: this.vips, purge, ...(signal ? { signal } : {}) },
      );
      this.emit("pass", result);
      if (!result.observationComplete) this.emit("incomplete", result);
      if (result.plan && result.plan.drift.length > 0) this.emit("drift", result.plan.drift, result);
      if (result.plan && result.plan.conflicts.length > 0) this.emit("conflict", result.plan.conflicts, result);
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Watches the kernel for changes (routes, rules, links, addresses); events only trigger passes. */
  watchKernel(options: WatchOptions): KernelWatch {
    return this.dataplane.watch(options);
  }

  /**
   * A cheap signature of the BIRD state whose change needs a full re-read (core/bird/signature.ts):
   * each daemon's reachability and status, the protected kernel protocols' state and since-time,
   * and the state and neighbor of the BGP protocols VIP return paths name. Route changes leave it
   * as it is (BIRD writes exported routes to the kernel, whose events are handled on their own).
   */
  async birdSignature(signal?: AbortSignal): Promise<string> {
    const scope = { kernelProtocols: this.config.protect.kernelProtocols, bgpPeers: bgpPeersOf(this.vips) };
    return readBirdSignature(this.birdClients, scope, signal);
  }

  /** Stops: closes the BIRD connections. The kernel is left as it is (routes persist). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    for (const c of this.birdClients) c.close();
  }
}

/**
 * Widens a policy with the announce tables and devices of run-time VIPs. Only ever widens: a
 * table or device once managed stays managed for the life of the reconciler, so that what
 * fibwarden wrote there is still recognised as its own (and cleaned up) after the VIP goes.
 * Across restarts, list announce tables and VIP devices in the config (a VIP, or
 * `ownership.addressDevices`) for the same effect.
 */
export function widenPolicy(policy: OwnershipPolicy, vips: readonly VipConfig[]): OwnershipPolicy {
  const tables = [...policy.tables];
  const devices = [...policy.addressDevices];
  for (const v of vips) {
    const t = v.announce?.table;
    if (t !== undefined && !tables.some((r) => t >= r.from && t <= r.to)) tables.push({ from: t, to: t });
    if (!devices.includes(v.device)) devices.push(v.device);
  }
  const widened = { ...policy, tables, addressDevices: devices };
  assertPolicy(widened);
  return widened;
}

/** Creates a reconciler from a validated configuration. */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  return new Reconciler(options);
}
