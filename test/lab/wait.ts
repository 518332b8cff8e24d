/** Bounded polling: every wait in the lab stops after a time limit and an attempt limit. */
import { setTimeout as sleep } from "node:timers/promises";

/** Limits for one polling loop. */
export interface PollOptions {
  /** Give up after this many milliseconds (default 30 s). */
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
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 250;
  const maxAttempts = opts.maxAttempts ?? Math.ceil(timeoutMs / Math.max(intervalMs, 1)) + 5;
  const deadline = Date.now() + timeoutMs;
  let lastDetail = "(no attempt finished)";
  for (let i = 0; i < maxAttempts; i++) {
    try {
      const step = await attempt();
      if (step.done) return step.value as T;
      if (step.detail !== undefined) lastDetail = step.detail;
    } catch (err) {
      lastDetail = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() + intervalMs > deadline) break;
    await sleep(intervalMs);
  }
  throw new Error(`lab: timed out after ${timeoutMs} ms waiting for ${opts.what ?? "a condition"}; last: ${lastDetail}`);
}
