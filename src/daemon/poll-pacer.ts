// How long the daemon waits before its next BIRD poll. A poll asks BIRD for its status and
// protocols to notice what no kernel event reports (a protocol reconfigured, a BGP neighbour's
// address, a BIRD that stopped answering); on a quiet node nearly every poll finds nothing, so
// the pace adapts: `minMs` while something moves (BIRD unreachable, its signature just changed,
// the kernel just changed, the config was reloaded, the control connection closed), doubling
// after each poll that found nothing new, up to `maxMs`. The bound on how late a change seen
// only by polling is noticed is `maxMs` (plus the poll's own reply time); BIRD stopping is seen
// at once, because its control connection closes (`wake`).

/** The pace of BIRD polls. */
export class PollPacer {
  private current: number;

  constructor(private minMs: number, private maxMs: number) {
    if (!(minMs > 0) || maxMs < minMs) throw new RangeError(`poll interval bounds ${minMs}..${maxMs} ms`);
    this.current = minMs;
  }

  /** The wait before the next poll. */
  get delayMs(): number {
    return this.current;
  }

  /** A poll found nothing new: slow down (double, at most maxMs). */
  quiet(): void {
    this.current = Math.min(this.maxMs, this.current * 2);
  }

  /** Something moved (see the module comment): poll at the fastest pace again. */
  wake(): void {
    this.current = this.minMs;
  }

  /** New bounds (a reloaded config); the pace starts over at the new minimum. */
  retime(minMs: number, maxMs: number): void {
    if (!(minMs > 0) || maxMs < minMs) throw new RangeError(`poll interval bounds ${minMs}..${maxMs} ms`);
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.current = minMs;
  }
}
