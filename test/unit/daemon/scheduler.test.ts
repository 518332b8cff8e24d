// The pass scheduler over manual timers: bursts squashed into one pass, a cap on how long a
// stream of events postpones a pass, one pass at a time with exactly one more for requests made
// during it, hold/release for a config swap, and stop.
import { describe, expect, it } from "vitest";
import { PassScheduler, type TriggerReason } from "../../../src/daemon/scheduler.js";

/** Manual timers: `tick(ms)` runs every timer due by then, in order. */
function manualTimers() {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    timers: {
      set: (fn: () => void, ms: number) => { const id = ++seq; timers.set(id, { at: now + ms, fn }); return id; },
      clear: (h: unknown) => { timers.delete(h as number); },
    },
    now: () => now,
    pending: () => timers.size,
    async tick(ms: number) {
      const until = now + ms;
      await new Promise((r) => setImmediate(r)); // let finished passes re-arm first
      for (let guard = 0; guard < 1_000; guard++) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await Promise.resolve();
        await new Promise((r) => setImmediate(r));
      }
      now = until;
    },
  };
}

function setup(debounceMs = 100, maxDelayMs?: number) {
  const clock = manualTimers();
  const realNow = Date.now;
  const passes: TriggerReason[][] = [];
  let release: (() => void) | undefined;
  let blocking = false;
  const scheduler = new PassScheduler({
    debounceMs, ...(maxDelayMs !== undefined ? { maxDelayMs } : {}), timers: clock.timers,
    runPass: async (reasons) => {
      passes.push(reasons);
      if (blocking) await new Promise<void>((r) => { release = r; });
    },
  });
  // The scheduler reads Date.now for the burst cap: follow the manual clock.
  Date.now = () => clock.now();
  return {
    scheduler, clock, passes,
    block: () => { blocking = true; },
    unblock: () => { blocking = false; release?.(); },
    restore: () => { Date.now = realNow; },
  };
}

describe("PassScheduler", () => {
  it("squashes a burst into one pass with every reason, after the debounce", async () => {
    const t = setup(100);
    try {
      t.scheduler.trigger("kernel");
      await t.clock.tick(50);
      t.scheduler.trigger("bird");
      t.scheduler.trigger("kernel");
      await t.clock.tick(99);
      expect(t.passes).toEqual([]);
      await t.clock.tick(1);
      expect(t.passes).toEqual([["kernel", "bird"]]);
    } finally { t.restore(); }
  });

  it("a steady stream of events postpones a pass at most maxDelayMs after the first", async () => {
    const t = setup(100, 300);
    try {
      // Events every 60 ms (each would push a plain debounce by another 100 ms).
      for (let i = 0; i < 5; i++) {
        if (i > 0) await t.clock.tick(60);
        t.scheduler.trigger(i === 0 ? "kernel" : "bird");
      }
      await t.clock.tick(59);
      expect(t.passes).toEqual([]);
      await t.clock.tick(1);
      expect(t.clock.now()).toBe(300);
      // The pass ran at 300 ms, exactly maxDelayMs after the first event, with both reasons.
      expect(t.passes).toEqual([["kernel", "bird"]]);
    } finally { t.restore(); }
  });

  it("one pass at a time; requests during a pass get exactly one more pass after it", async () => {
    const t = setup(100);
    try {
      t.block();
      t.scheduler.trigger("start");
      await t.clock.tick(100);
      expect(t.passes).toEqual([["start"]]);
      t.scheduler.trigger("kernel");
      t.scheduler.trigger("bird");
      await t.clock.tick(1_000);
      expect(t.passes).toHaveLength(1); // still running
      t.unblock();
      await t.clock.tick(0);
      await t.clock.tick(100);
      expect(t.passes).toEqual([["start"], ["kernel", "bird"]]);
      await t.clock.tick(1_000);
      expect(t.passes).toHaveLength(2);
    } finally { t.restore(); }
  });

  it("hold keeps requests until release; stop ends scheduling", async () => {
    const t = setup(100);
    try {
      await t.scheduler.hold();
      t.scheduler.trigger("config");
      await t.clock.tick(1_000);
      expect(t.passes).toEqual([]);
      t.scheduler.release();
      await t.clock.tick(100);
      expect(t.passes).toEqual([["config"]]);
      await t.scheduler.stop();
      t.scheduler.trigger("kernel");
      await t.clock.tick(1_000);
      expect(t.passes).toHaveLength(1);
      expect(t.clock.pending()).toBe(0);
    } finally { t.restore(); }
  });
});
