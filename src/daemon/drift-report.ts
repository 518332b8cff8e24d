// What the daemon reports of drift: findings that passes kept seeing for the settle window
// (`daemon.driftSettleMs`), each logged once when it settles, and a re-check scheduled while some
// are still settling (no other pass may come on a quiet node). Drift the pass repaired is an
// action, reported at once.
import { DriftSettler, driftId } from "../core/drift/settle.js";
import type { Drift } from "../core/plan/types.js";

/** What to report after one pass. */
export interface DriftReport {
  /** Findings that settled with this pass: log them. */
  newlySettled: Drift[];
  /** Every settled finding now: the `fibwarden_drift` gauge. */
  settled: Drift[];
  /** Findings still settling. */
  pending: number;
  /** Run a pass this much later so the pending findings are judged (undefined: nothing pending). */
  recheckInMs?: number;
}

/** Turns each pass's known drift into what the daemon reports. */
export class DriftReporter {
  private settler: DriftSettler;
  private reported = new Set<string>();

  constructor(private settleMs: number) {
    this.settler = new DriftSettler(settleMs);
  }

  /** Takes in the drift known after a complete observation made at `nowMs`. */
  observe(known: readonly Drift[], nowMs: number): DriftReport {
    const view = this.settler.observe(known, nowMs);
    const newlySettled = view.settled.filter((d) => !this.reported.has(driftId(d)));
    this.reported = new Set(view.settled.map(driftId));
    const report: DriftReport = { newlySettled, settled: view.settled, pending: view.pending.length };
    if (view.pending.length > 0) report.recheckInMs = this.settleMs;
    return report;
  }

  /** A new settle window (config reload); findings settle again from zero. */
  retime(settleMs: number): void {
    this.settleMs = settleMs;
    this.settler = new DriftSettler(settleMs);
    this.reported.clear();
  }
}
