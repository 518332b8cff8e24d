import { describe, expect, it } from "vitest";
import { DEFAULT_HOLD_DOWN, FightDetector } from "../../../../src/core/fight/hold-down.js";

describe("FightDetector", () => {
  it("holds an object down at the Nth re-install within the window (the first install is no restore), for holdMs", () => {
    const f = new FightDetector({ restores: 3, windowMs: 10_000, holdMs: 60_000 });
    expect(f.installed("rule|a", 0)).toBeUndefined(); // install
    expect(f.installed("rule|a", 1000)).toBeUndefined(); // restore 1
    expect(f.installed("rule|a", 2000)).toBeUndefined(); // restore 2
    expect(f.installed("rule|a", 3000)).toEqual({ id: "rule|a", since: 3000, until: 63_000, restores: 3 });
    expect(f.isHeld("rule|a", 62_999)).toBe(true);
    expect(f.isHeld("rule|a", 63_000)).toBe(false);
    expect(f.isHeld("rule|b", 3000)).toBe(false);
    expect(f.held(5000)).toEqual([{ id: "rule|a", since: 3000, until: 63_000, restores: 3 }]);
    expect(f.held(63_000)).toEqual([]);
  });

  it("restores spread wider than the window never start a hold-down", () => {
    const f = new FightDetector({ restores: 2, windowMs: 1000, holdMs: 5000 });
    for (let t = 0; t < 20_000; t += 600) expect(f.installed("x", t), `at ${t}`).toBeUndefined();
    // the last installs were at 19,200 and 19,800: one more now makes two restores within 1 s
    expect(f.installed("x", 19_900)).toMatchObject({ restores: 2 });
  });

  it("after a hold-down ends, a new burst is needed to start another", () => {
    const f = new FightDetector({ restores: 1, windowMs: 1000, holdMs: 5000 });
    f.installed("x", 0);
    expect(f.installed("x", 100)).toMatchObject({ since: 100, until: 5100 });
    expect(f.installed("x", 5200)).toBeUndefined(); // first install after the hold-down
    expect(f.installed("x", 5300)).toMatchObject({ since: 5300 });
  });

  it("forgets objects whose history left the window; refuses nonsense settings; has sane defaults", () => {
    const f = new FightDetector({ restores: 2, windowMs: 1000, holdMs: 5000 });
    f.installed("x", 0);
    expect(f.held(2000)).toEqual([]);
    expect(f.installed("x", 2100)).toBeUndefined();
    expect(() => new FightDetector({ restores: 0, windowMs: 1, holdMs: 1 })).toThrow(RangeError);
    expect(DEFAULT_HOLD_DOWN).toEqual({ restores: 5, windowMs: 60_000, holdMs: 300_000 });
  });
});
