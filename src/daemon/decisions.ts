// The daemon's decisions, apart from its wiring: which kind of pass a trigger asks for, when a
// failed observation is retried, whether a BIRD poll may run and whether its answer is a change,
// when the next full resync is due, and whether the daemon is ready. A state machine over an
// injected clock: `startDaemon` only feeds it events and acts on its answers.
import type { TriggerReason } from "./scheduler.js";

/** Timing of the decisions (from the config's `daemon` section). */
export interface DecisionOptions {
  /** Floor between two full resyncs (`resyncIntervalSeconds` x 1000). */
  resyncFloorMs: number;
  /** Share of a CPU the full resyncs may cost (`resyncCpuPercent`). */
  resyncCpuPercent: number;
  /** First and largest wait before retrying an incomplete observation. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Milliseconds since some epoch; Date.now by default. */
  now?: () => number;
}

/** What a finished pass tells the decisions. */
export interface PassOutcome {
  mode: "full" | "incremental";
  observationComplete: boolean;
  /** CPU milliseconds the pass took (user + system). */
  cpuMs: number;
}

/** Readiness as `/readyz` reports it. */
export interface Readiness {
  ok: boolean;
  reason: string;
}

const DAY_MS = 86_400_000;

/** The daemon's decisions. */
export class DaemonDecisions {
  private readonly now: () => number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private retryMs: number;
  private lastComplete: boolean | undefined;
  private everComplete = false;
  private passRunning = false;
  private fullRunning = false;
  private fullGeneration = 0;
  private pollInFlight = false;
  private lastBirdSignature = "";
  private lastFullAt: number;
  private lastFullCpuMs = 0;

  constructor(private opts: DecisionOptions) {
    this.now = opts.now ?? Date.now;
    this.retryMinMs = opts.retryMinMs ?? 500;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
    this.retryMs = this.retryMinMs;
    this.lastFullAt = this.now();
  }

  /** Takes new resync timing (a reloaded config); the rest of the state stays. */
  retime(timing: Pick<DecisionOptions, "resyncFloorMs" | "resyncCpuPercent">): void {
    this.opts = { ...this.opts, ...timing };
  }

  /** Kernel events and ticks may be handled incrementally; any other reason re-reads everything. */
  isFullPass(reasons: readonly TriggerReason[]): boolean {
    return reasons.some((r) => r !== "kernel" && r !== "tick");
  }

  /** A pass starts. */
  passStarted(full: boolean): void {
    this.passRunning = true;
    if (full) {
      this.fullRunning = true;
      this.fullGeneration++;
    }
  }

  /** A pass ended without a result (it threw). */
  passFailed(): void {
    this.passRunning = false;
    this.fullRunning = false;
  }

  /**
   * A pass finished. Returns the delay after which an incomplete observation is retried (capped
   * exponential backoff), or undefined when the observation was complete.
   */
  passFinished(outcome: PassOutcome, askedFull: boolean): number | undefined {
    this.passRunning = false;
    this.fullRunning = false;
    if (outcome.mode === "full" && !askedFull) this.fullGeneration++; // the reconciler fell back to one
    if (outcome.mode === "full") {
      this.lastFullAt = this.now();
      this.lastFullCpuMs = outcome.cpuMs;
    }
    this.lastComplete = outcome.observationComplete;
    if (outcome.observationComplete) {
      this.everComplete = true;
      this.retryMs = this.retryMinMs;
      return undefined;
    }
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMaxMs, this.retryMs * 2);
    return wait;
  }

  /**
   * Starts a BIRD poll, or refuses (undefined) while a full pass runs or a poll is in flight: a
   * poll queued behind a full table's export on the same connection waits seconds, may time
   * out, and a timed-out poll reads as a change. Returns the poll's generation.
   */
  pollStarting(): number | undefined {
    if (this.fullRunning || this.pollInFlight) return undefined;
    this.pollInFlight = true;
    return this.fullGeneration;
  }

  /**
   * A poll answered with BIRD's signature (`undefined`: the poll failed). True when a pass must
   * follow: the signature changed since the last poll, or BIRD is unreachable on the first poll
   * (a pass then says so and the daemon goes unready). A poll that overlapped a full pass is
   * dropped.
   */
  pollAnswered(generation: number, signature: string | undefined): boolean {
    this.pollInFlight = false;
    if (signature === undefined || generation !== this.fullGeneration || this.fullRunning) return false;
    if (signature === this.lastBirdSignature) return false;
    const first = this.lastBirdSignature === "";
    this.lastBirdSignature = signature;
    return !first || signature.includes("unreachable");
  }

  /**
   * At each resync interval: `resync` when a full pass is due (full passes are spaced so that
   * they cost at most `resyncCpuPercent` of a CPU, never closer than the floor), `tick` for a
   * cheap incremental pass otherwise, nothing while a pass runs.
   */
  resyncDecision(): "resync" | "tick" | undefined {
    if (this.passRunning) return undefined;
    const dueMs = Math.min(DAY_MS, Math.max(this.opts.resyncFloorMs, this.lastFullCpuMs * (100 / this.opts.resyncCpuPercent)));
    return this.now() - this.lastFullAt >= dueMs - 50 ? "resync" : "tick";
  }

  /** Ready once a pass observed everything, and as long as the last one did. */
  readiness(): Readiness {
    if (!this.everComplete) return { ok: false, reason: "no complete observation yet" };
    if (this.lastComplete === false) return { ok: false, reason: "last observation incomplete (BIRD or kernel unreachable): deleting nothing" };
    return { ok: true, reason: "ready" };
  }
}
