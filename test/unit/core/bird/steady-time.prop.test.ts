// Property: one instant printed by BIRD with up to the jitter either way signs as its first
// printing; two instants farther apart never do.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BIRD_TIME_JITTER_MS, steadyBirdTime } from "../../../../src/core/bird/steady-time.js";

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");
function ofDay(ms: number, fraction: boolean): string {
  const d = new Date(((ms % 86_400_000) + 86_400_000) % 86_400_000);
  const t = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return fraction ? `${t}.${pad(d.getUTCMilliseconds(), 3)}` : t;
}
function absolute(ms: number, fraction: boolean): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${ofDay(ms, fraction)}`;
}

describe("steadyBirdTime properties", () => {
  it("one instant printed with up to the jitter either way is the first printing; farther is not", () => {
    const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) });
    fc.assert(fc.property(instant, fc.integer({ min: -BIRD_TIME_JITTER_MS, max: BIRD_TIME_JITTER_MS }), fc.boolean(), fc.boolean(),
      (t, jitter, fraction, long) => {
        const print = long ? absolute : ofDay;
        // whole-second printings jitter by whole seconds (BIRD 1.6)
        const j = fraction ? jitter : Math.sign(jitter) * 1000;
        const t0 = fraction ? t : t - (t % 1000);
        expect(steadyBirdTime(print(t0 + j, fraction), print(t0, fraction))).toBe(print(t0, fraction));
      }));
    fc.assert(fc.property(instant, fc.integer({ min: BIRD_TIME_JITTER_MS + 1, max: 43_200_000 }), fc.boolean(),
      (t, gap, long) => {
        const print = long ? absolute : ofDay;
        expect(steadyBirdTime(print(t + gap, true), print(t, true))).toBe(print(t + gap, true));
      }));
  });
});
