// The system clock (the Clock port): performance.now() and the event loop's timers.
import type { Clock } from "./ports.js";

/** The process's monotonic clock and timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
