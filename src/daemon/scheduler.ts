// Schedules passes: events only ask for a pass; bursts are squashed (debounce, with a cap on how
// long a steady stream of events can postpone one); one pass runs at a time and a request that
// arrives during a pass gets exactly one more pass after it.

/** Why a pass was asked for. */
export type TriggerReason = "start" | "kernel" | "bird" | "config" | "resync" | "tick" | "retry" | "manual";

/** Options of the scheduler. */
export interface SchedulerOptions {
  debounceMs: number;
  /** A pass waits at most this long after the first request of a burst (default 10x debounce). */
  maxDelayMs?: number;
  /** Runs one pass; the reasons gathered since the last pass are passed in. */
  runPass: (reasons: TriggerReason[]) => Promise<void>;
  /** setTimeout/clearTimeout, replaceable in tests. */
  timers?: { set: (fn: () => void, ms: number) => unknown; clear: (h: unknown) => void };
}

/** The pass scheduler. */
export class PassScheduler {
  private pending = new Set<TriggerReason>();
  private firstRequestAt = 0;
  private timer: unknown;
  private running: Promise<void> | undefined;
  private stopped = false;
  private held = false;
  private readonly timers: NonNullable<SchedulerOptions["timers"]>;

  constructor(private readonly opts: SchedulerOptions) {
    this.timers = opts.timers ?? { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };
  }

  /** Asks for a pass. */
  trigger(reason: TriggerReason): void {
    if (this.stopped) return;
    const now = Date.now();
    if (this.pending.size === 0) this.firstRequestAt = now;
    this.pending.add(reason);
    if (this.running || this.held) return; // the pass in progress (or release) re-arms
    this.arm(now);
  }

  private arm(now: number): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    const maxDelay = this.opts.maxDelayMs ?? this.opts.debounceMs * 10;
    const wait = Math.max(0, Math.min(this.opts.debounceMs, this.firstRequestAt + maxDelay - now));
    this.timer = this.timers.set(() => { this.timer = undefined; void this.fire(); }, wait);
  }

  private async fire(): Promise<void> {
    if (this.stopped || this.held || this.running || this.pending.size === 0) return;
    const reasons = [...this.pending];
    this.pending.clear();
    this.running = this.opts.runPass(reasons).catch(() => undefined);
    await this.running;
    this.running = undefined;
    if (this.pending.size > 0 && !this.stopped && !this.held) this.arm(Date.now());
  }

  /** Holds passes (requests are kept) and waits for the one in progress: for a config swap. */
  async hold(): Promise<void> {
    this.held = true;
    await this.running;
  }

  /** Releases a hold; requests kept meanwhile run after the debounce. */
  release(): void {
    this.held = false;
    if (this.pending.size > 0 && !this.stopped && !this.running) this.arm(Date.now());
  }

  /** Stops scheduling; waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    await this.running;
  }
}
