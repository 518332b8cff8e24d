/**
 * Bounded polling: the one way lab, integration and end-to-end tests wait. Every wait names what
 * it awaits and stops after a time limit and an attempt limit; none waits for a fixed time.
 *
 * Deadlines are generous on purpose (see `DEADLINE_MS`): a wait returns as soon as its condition
 * holds, so a long deadline costs time only when something is really broken, while a short one
 * fails a healthy run on a machine whose cores are busy (`npm run test:stress`).
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Default deadlines, by what is awaited. */
export const DEADLINE_MS = {
  /** BIRD: sessions Established, routes imported and exported, the kernel written (2 busy cores). */
  bird: 60_000,
  /** A kernel change, a log line, an HTTP status, a process starting or exiting. */
  state: 30_000,
} as const;

/** Limits for one polling loop. */
export interface PollOptions {
  /** Give up after this many milliseconds (default `DEADLINE_MS.state`). */
  timeoutMs?: number;
  /** Pause between attempts (default 250 ms). */
  intervalMs?: number;
  /** Give up after this many attempts (default: enough for timeoutMs at intervalMs, plus slack). */
  maxAttempts?: number;
  /** Words for the error message, e.g. "BGP sessions up_a4, up_b4". */
  what?: string;
}

/** Result of one attempt: `done` ends the loop; `detail` is kept for the timeout message. */
export interface PollStep<T> {
  done: boolean;
  value?: T;
  detail?: string;
}

/** Calls `attempt` until it reports done or a limit is hit; throws with the last detail. */
export async function pollUntil<T>(attempt: () => Promise<PollStep<T>>, opts: PollOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? DEADLINE_MS.state;
  const intervalMs = opts.intervalMs ?? 250;
  const maxAttempts = opts.maxAttempts ?? Math.ceil(timeoutMs / Math.max(intervalMs, 1)) + 5;
  const deadline = Date.now() + timeoutMs;
  let lastDetail = "(no attempt finished)";
  for (let i = 0; i < maxAttempts; i++) {
    try {
      const step = await attempt();
      if (step.done) return step.value as T;
      lastDetail = step.detail ?? "(not yet; no detail)";
    } catch (err) {
      lastDetail = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() + intervalMs > deadline) break;
    await sleep(intervalMs);
  }
  throw new Error(`lab: timed out after ${timeoutMs} ms waiting for ${opts.what ?? "a condition"}; last: ${lastDetail}`);
}

/** Options of `waitFor`: `what` is required, so that a timeout says what never happened. */
export interface WaitForOptions extends PollOptions {
  what: string;
  /** Describes the state for the timeout message when the predicate is false (e.g. a log tail). */
  detail?: () => string | Promise<string>;
}

/** Polls `predicate` until it is true (bounded; see `pollUntil`). */
export async function waitFor(predicate: () => boolean | Promise<boolean>, opts: WaitForOptions): Promise<void> {
  await pollUntil(async () => {
    if (await predicate()) return { done: true };
    return { done: false, detail: opts.detail === undefined ? "the condition was false" : await opts.detail() };
  }, opts);
}
