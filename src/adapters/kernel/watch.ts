// Watches the kernel with `ip [-n NS] monitor label route rule link address netconf` and emits
// debounced change batches. iproute2 6.1 has no JSON monitor output, so lines are read as text
// (core/parse/ip-monitor.ts). Events only say "something changed, roughly here": the reconciler
// still re-reads everything (level-triggered). If the monitor dies it is restarted with bounded
// backoff, and the first batch after a restart carries `resync: true` since events may be lost.
import { execa } from "execa";
import { FibwardenError } from "../../core/errors.js";
import { parseMonitorLine, type ChangeKind, type RouteChange } from "../../core/parse/ip-monitor.js";
import type { KernelWatch, WatchOptions } from "../ports.js";
import { describeIp, ipArgv, type IpContext } from "./ip-command.js";

/** The monitor's argument list. */
export const MONITOR_ARGS = ["monitor", "label", "route", "rule", "link", "address", "netconf"] as const;

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;
/** A monitor that ran this long before dying starts over from the shortest backoff. */
const HEALTHY_RUN_MS = 30_000;
const MAX_LINE_CHARS = 64 * 1024;

interface Batch {
  kinds: Set<ChangeKind>;
  routes: RouteChange[];
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

  const flush = (): void => {
    clearTimeout(debounceTimer);
    debounceTimer = undefined;
    const b = batch;
    batch = undefined;
    if (b === undefined || stopped) return;
    opts.onChange({ kinds: [...b.kinds], routes: b.routes, routesTruncated: b.truncated, events: b.events, resync: b.resync });
  };

  const note = (kind: ChangeKind | undefined, route: RouteChange | undefined, resync = false): void => {
    const now = Date.now();
    batch ??= { kinds: new Set(), routes: [], truncated: false, events: 0, resync: false, firstAt: now };
    if (kind !== undefined) {
      batch.kinds.add(kind);
      batch.events++;
    }
    if (resync) batch.resync = true;
    if (route !== undefined) {
      if (batch.routes.length < maxRoutes) batch.routes.push(route);
      else batch.truncated = true;
    }
    clearTimeout(debounceTimer);
    const wait = Math.max(0, Math.min(debounceMs, batch.firstAt + maxWaitMs - now));
    debounceTimer = setTimeout(flush, wait);
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
      cleanup: false, // see src/adapters/kernel/ip-command.ts stdin: "ignore", buffer: { stdout: false, stderr: true }, maxBuffer: { stderr: 64 * 1024 },
      cancelSignal: controller.signal, forceKillAfterDelay: 2_000, env: { LC_ALL: "C" },
    });
    let spawned = false;
    sub.once("spawn", () => {
      spawned = true;
      if (first) resolveStarted();
      else note(undefined, undefined, true); // events may have been missed while it was down
    });
    let rest = "";
    sub.stdout?.setEncoding("utf8");
    sub.stdout?.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      if (rest.length > MAX_LINE_CHARS) rest = ""; // a runaway line: drop it, keep the stream in sync
      for (const line of lines) {
        const ev = parseMonitorLine(line);
        if (ev !== undefined) note(ev.kind, ev.route);
      }
    });
    const r = await sub;
    if (stopped) return;
    const stderr = String(r.stderr ?? "").trim();
    const why = r.exitCode !== undefined ? `exited with ${r.exitCode}` : r.signal !== undefined ? `was killed by ${r.signal}` : r.shortMessage ?? "stopped";
    if (first && !spawned) rejectStarted(new FibwardenError("FW_KERNEL_READ", `\`${command}\` ${why}`, { cause: r, details: { command } }));
    fail(`${why}${stderr ? `: ${stderr}` : ""}`, r);
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
