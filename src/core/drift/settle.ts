// Drift that settles: a protected route can look missing or different for a moment while BIRD
// converges (an export changes between BIRD's answer and the kernel dump). A drift finding counts
// only when it is still there after a settle window, re-observed: the CLI plans twice
// (`reconcile --plan --settle`), the daemon reports what consecutive passes kept seeing.
import type { Drift } from "../plan/types.js";

/** The identity of a drift finding across observations: its kind and kernel key. */
export function driftId(d: Pick<Drift, "kind" | "key">): string {
  return `${d.kind}|${d.key}`;
}

/** The findings of `after` that `before` held too (same kind at the same key), in `after`'s order. */
export function settledDrift(before: readonly Drift[], after: readonly Drift[]): Drift[] {
  const seen = new Set(before.map(driftId));
  return after.filter((d) => seen.has(driftId(d)));
}

/** What a settler makes of one observation. */
export interface SettledView {
  /** Seen in every observation for at least the settle window: report these. */
  settled: Drift[];
  /** Seen, but for less than the window (or only now): not reported yet. */
  pending: Drift[];
}

/**
 * Remembers since when each drift finding has been seen without a gap, over a stream of complete
 * observations. A finding missing from one observation starts again from zero; so does every
 * finding after `reset()` (an incomplete observation says nothing about drift).
 */
export class DriftSettler {
  private readonly since = new Map<string, number>();

  constructor(private readonly settleMs: number) {
    if (!Number.isFinite(settleMs) || settleMs < 0) throw new RangeError(`settleMs must be >= 0 (${settleMs})`);
  }

  /** Takes in the drift of one complete observation made at `nowMs`. */
  observe(drift: readonly Drift[], nowMs: number): SettledView {
    const current = new Set<string>();
    const view: SettledView = { settled: [], pending: [] };
    for (const d of drift) {
      const id = driftId(d);
      current.add(id);
      const first = this.since.get(id) ?? nowMs;
      this.since.set(id, first);
      (nowMs - first >= this.settleMs ? view.settled : view.pending).push(d);
    }
    for (const id of this.since.keys()) if (!current.has(id)) this.since.delete(id);
    return view;
  }

  /** Forgets every finding. */
  reset(): void {
    this.since.clear();
  }
}
