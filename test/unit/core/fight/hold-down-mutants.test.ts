// The hold-down at its edges, against the survivors of a mutation run: settings that must be
// refused, the window's end, that listing the held objects forgets nothing still in the window,
// and the order of several held objects. Times are plain numbers (epoch milliseconds).
import { describe, expect, it } from "vitest";
import { FightDetector } from "../../../../src/core/fight/hold-down.js";

describe("FightDetector settings", () => {
  it("refuses a zero or negative window", () => {
    expect(() => new FightDetector({ restores: 1, windowMs: 0, holdMs: 1000 })).toThrow(RangeError);
    expect(() => new FightDetector({ restores: 1, windowMs: -1, holdMs: 1000 })).toThrow(RangeError);
  });
  it("refuses a zero or negative hold time", () => {
    expect(() => new FightDetector({ restores: 1, windowMs: 1000, holdMs: 0 })).toThrow(RangeError);
    expect(() => new FightDetector({ restores: 1, windowMs: 1000, holdMs: -1 })).toThrow(RangeError);
  });
  it("accepts the smallest positive settings", () => {
    const f = new FightDetector({ restores: 1, windowMs: 1, holdMs: 1 });
    f.installed("x", 10);
    expect(f.installed("x", 10)).toEqual({ id: "x", since: 10, until: 11, restores: 1 });
  });
});

describe("FightDetector window", () => {
  it("an install exactly windowMs before another is out of the window: no restore counted", () => {
    const f = new FightDetector({ restores: 1, windowMs: 1000, holdMs: 5000 });
    expect(f.installed("x", 5000)).toBeUndefined();
    expect(f.installed("x", 6000)).toBeUndefined(); // 6000 - 5000 = window: the first install has left it
    expect(f.installed("x", 6999)).toEqual({ id: "x", since: 6999, until: 11_999, restores: 1 });
  });
});

describe("FightDetector.held() keeps the history still in the window", () => {
  it("listing the held objects between two installs inside the window does not forget the first", () => {
    const f = new FightDetector({ restores: 1, windowMs: 1000, holdMs: 5000 });
    expect(f.installed("x", 5000)).toBeUndefined();
    expect(f.held(5100)).toEqual([]);
    expect(f.installed("x", 5200)).toEqual({ id: "x", since: 5200, until: 10_200, restores: 1 });
    expect(f.isHeld("x", 5300)).toBe(true);
  });
  it("several restores survive listings made between them", () => {
    const f = new FightDetector({ restores: 3, windowMs: 10_000, holdMs: 60_000 });
    for (const t of [100_000, 101_000, 102_000]) {
      expect(f.installed("rule|a", t)).toBeUndefined();
      expect(f.held(t + 500)).toEqual([]);
    }
    expect(f.installed("rule|a", 103_000)).toEqual({ id: "rule|a", since: 103_000, until: 163_000, restores: 3 });
    expect(f.held(104_000)).toEqual([{ id: "rule|a", since: 103_000, until: 163_000, restores: 3 }]);
  });
});

describe("FightDetector.held() order", () => {
  const holdAll = (ids: string[]) => {
    const f = new FightDetector({ restores: 1, windowMs: 1000, holdMs: 5000 });
    for (const id of ids) {
      f.installed(id, 0);
      f.installed(id, 1);
    }
    return f.held(2).map((h) => h.id);
  };
  const permutations = (xs: string[]): string[][] =>
    xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

  it("lists held objects by id whatever order they were held in (every order of three)", () => {
    for (const order of permutations(["route|b", "rule|a", "address|c"])) {
      expect(holdAll(order), order.join(" ")).toEqual(["address|c", "route|b", "rule|a"]);
    }
  });
  it("lists held objects by id, ids compared as strings (code units), not numbers", () => {
    expect(holdAll(["x|9", "x|10", "X|1", "x|1"])).toEqual(["X|1", "x|1", "x|10", "x|9"]);
  });
});
