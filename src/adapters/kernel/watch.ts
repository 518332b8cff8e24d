// Watches the kernel with `ip [-n NS] monitor label route rule link address netconf` and emits
// debounced change batches. iproute2 6.1 has no JSON monitor output, so lines are read as text
// (core/parse/ip-monitor*.ts). Route changes carry the whole route when its text was understood,
// so a caller can keep a cached view current; anything else only says "something changed,
// roughly here". If the monitor dies it is restarted with bounded backoff, and the first batch
// after a restart carries `resync: true` since events may be lost.
//
// A multipath route event is several lines, and they may come in separate reads: a route event
// stays open until the next labeled line. A batch due while one is open closes it only when the
// stream has been quiet for a whole debounce period and stopped at a line end; otherwise (the
// batch is due because of the 10x cap, mid-burst) the open event moves to the next batch. If
// lines still turn up for an event that was closed with its route, the next batch says `resync`.
import { execa } from "execa";
import { FibwardenError } from "../../core/errors.js";
import type { ChangeKind, MonitorEvent, RouteChange } from "../../core/parse/ip-monitor.js";
import type { AddressEvent, RuleEvent } from "../../core/parse/ip-monitor-objects.js";
import { MonitorStream } from "../../core/parse/ip-monitor-stream.js";
import type { KernelWatch, WatchOptions } from "../ports.js";
import { describeIp, ipArgv, type IpContext } from "./ip-command.js";

/** The monitor's argument list (`-N`: protocols, tables and types as numbers, see read.ts). */
export const MONITOR_ARGS = ["-N", "monitor", "label", "route", "rule", "link", "address", "netconf"] as const;

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;
/** A monitor that ran this long before dying starts over from the shortest backoff. */
const HEALTHY_RUN_MS = 30_000;
const MAX_STDERR_CHARS = 64 * 1024;

interface Batch {
  kinds: Set<ChangeKind>;
  routes: RouteChange[];
  /** Route events whose line could not be read at all (no table or destination). */
  unreadRoutes: number;
  rules: Array<RuleEvent | undefined>;
  addresses: Array<AddressEvent | undefined>;
  truncated: boolean;
  events: number;
  resync: boolean;
  firstAt: number;
}

/** Starts watching; stop with `stop()` or the AbortSignal. Never throws: failures go to onError. */
export function watchKernel(ctx: IpContext, opts: WatchOptions): KernelWatch {
  const debounceMs = opts.debounceMs ?? 100;
  const maxWaitMs = debounceMs * 10;
  const maxRoutes = opts.maxRouteDetails ?? 1000;
  const command = describeIp(ctx, MONITOR_ARGS);
  let stopped = false;
  let batch: Batch | undefined;
  let debounceTimer: NodeJS.Timeout | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let backoffMs = BACKOFF_MIN_MS;
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;
  let resolveStarted!: () => void;
  let rejectStarted!: (err: unknown) => void;
  const started = new Promise<void>((resolve, reject) => { resolveStarted = resolve; rejectStarted = reject; });
  started.catch(() => undefined); // a caller that never awaits `started` must not see an unhandled rejection

  let stream = new MonitorStream();
  /** True when the pending timer fires before the stream has been quiet for `debounceMs`. */
  let timerEarly = false;

  const arm = (now: number): void => {
    const b = batch!;
    clearTimeout(debounceTimer);
    const wait = Math.max(0, Math.min(debounceMs, b.firstAt + maxWaitMs - now));
    timerEarly = wait < debounceMs;
    debounceTimer = setTimeout(flush, wait);
  };

  const startBatch = (now: number): Batch =>
    (batch ??= { kinds: new Set(), routes: [], unreadRoutes: 0, rules: [], addresses: [], truncated: false, events: 0, resync: false, firstAt: now });

  const flush = (): void => {
    clearTimeout(debounceTimer);
    debounceTimer = undefined;
    if (stopped) return;
    // Close an open route event only when its lines can be complete (see the header).
    if (stream.hasOpenEvent && !timerEarly && !stream.midLine) record(stream.close());
    const b = batch;
    batch = undefined;
    if (b !== undefined && (b.events > 0 || b.resync)) {
      opts.onChange({
        kinds: [...b.kinds], routes: b.routes, routesTruncated: b.truncated, unreadRoutes: b.unreadRoutes,
        rules: b.rules, addresses: b.addresses, events: b.events, resync: b.resync,
      });
    }
    if (stream.hasOpenEvent) {
      // The open event goes into the next batch, which waits for it like for any other.
      const now = Date.now();
      startBatch(now);
      arm(now);
    }
  };

  /** Adds a completed event to the batch, in order. */
  const record = (ev: MonitorEvent | undefined): void => {
    if (ev === undefined) return;
    const b = startBatch(Date.now());
    b.kinds.add(ev.kind);
    b.events++;
    if (ev.route !== undefined) {
      if (b.routes.length < maxRoutes) b.routes.push(ev.route);
      else b.truncated = true;
    } else if (ev.kind === "route") {
      b.unreadRoutes++;
    }
    // Rules and addresses: capped like routes; past the cap the batch says truncated.
    if (ev.kind === "rule") {
      if (b.rules.length < maxRoutes) b.rules.push(ev.rule);
      else b.truncated = true;
    }
    if (ev.kind === "address") {
      if (b.addresses.length < maxRoutes) b.addresses.push(ev.address);
      else b.truncated = true;
    }
  };

  /** Records what a chunk (or a restart) brought and restarts the quiet-time wait. */
  const note = (events: readonly MonitorEvent[], resync: boolean): void => {
    if (stopped) return;
    const now = Date.now();
    const b = startBatch(now);
    for (const ev of events) record(ev);
    if (resync) b.resync = true;
    arm(now);
  };

  const fail = (why: string, cause?: unknown): void => {
    if (stopped) return;
    opts.onError?.(new FibwardenError("FW_KERNEL_READ", `\`${command}\` ${why}`, { cause, retryable: true, details: { command } }));
  };

  const runOnce = async (first: boolean): Promise<void> => {
    controller = new AbortController();
    const startedAt = Date.now();
    const sub = execa(ctx.ipPath, ipArgv(ctx, MONITOR_ARGS), {
      reject: false,
      cleanup: false, // see src/adapters/kernel/ip-command.ts
      // Both outputs are read here as they come: execa must not keep a long-lived monitor's output.
      stdin: "ignore", buffer: false,
      cancelSignal: controller.signal, forceKillAfterDelay: 2_000, env: { LC_ALL: "C" },
    });
    let spawned = false;
    stream = new MonitorStream();
    sub.once("spawn", () => {
      spawned = true;
      if (first) resolveStarted();
      else note([], true); // events may have been missed while it was down
    });
    let stderr = "";
    sub.stderr?.setEncoding("utf8");
    sub.stderr?.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(0, MAX_STDERR_CHARS);
      // The monitor goes on after `netlink receive error No buffer space available (105)`: the
      // kernel dropped events while the monitor (or we) read too slowly. Any complaint means
      // events may be missing.
      note([], true);
    });
    sub.stdout?.setEncoding("utf8");
    sub.stdout?.on("data", (chunk: string) => {
      const { events, lost } = stream.push(chunk);
      // Lines of an open route event count as activity too: its batch waits for them.
      if (events.length > 0 || lost || stream.hasOpenEvent) note(events, lost);
    });
    const r = await sub;
    if (stopped) return;
    // Its last event may have been cut short: keep the event, not its route.
    const last = stream.close(false);
    if (last !== undefined) note([last], false);
    const why = r.exitCode !== undefined ? `exited with ${r.exitCode}` : r.signal !== undefined ? `was killed by ${r.signal}` : r.shortMessage ?? "stopped";
    if (first && !spawned) rejectStarted(new FibwardenError("FW_KERNEL_READ", `\`${command}\` ${why}`, { cause: r, details: { command } }));
    fail(`${why}${stderr.trim() ? `: ${stderr.trim()}` : ""}`, r);
    if (Date.now() - startedAt >= HEALTHY_RUN_MS) backoffMs = BACKOFF_MIN_MS;
    const delay = backoffMs;
    backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (!stopped) running = runOnce(false);
    }, delay);
  };

  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      clearTimeout(debounceTimer);
      clearTimeout(restartTimer);
      batch = undefined;
      controller?.abort();
      opts.signal?.removeEventListener("abort", onAbort);
      rejectStarted(new FibwardenError("FW_ABORTED", `\`${command}\` was stopped before it started`));
    }
    await running;
  };
  const onAbort = (): void => { void stop(); };

  if (opts.signal?.aborted) {
    stopped = true;
    rejectStarted(new FibwardenError("FW_ABORTED", `\`${command}\` was stopped before it started`));
  } else {
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    running = runOnce(true);
  }
  return { started, stop };
}
