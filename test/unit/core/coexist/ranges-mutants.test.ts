// Range arithmetic at its edges: blocks that lie below or above the bounds, a block that ends
// exactly where the scan stands or starts exactly at the upper bound, a one-value gap left at the
// top, and how a single value is printed.
import { describe, expect, it } from "vitest";
import { findFreeRange, formatRange, freeGaps } from "../../../../src/core/coexist/ranges.js";

describe("freeGaps: blocks at and beyond the bounds", () => {
  it("a block entirely below the bounds frees nothing below bounds.from", () => {
    expect(freeGaps({ from: 10, to: 20 }, [{ from: 1, to: 3 }])).toEqual([{ from: 10, to: 20 }]);
    expect(freeGaps({ from: 10, to: 20 }, [{ from: 1, to: 3 }, { from: 15, to: 16 }])).toEqual([{ from: 10, to: 14 }, { from: 17, to: 20 }]);
  });

  it("a one-value block at bounds.from takes that value out", () => {
    expect(freeGaps({ from: 1, to: 10 }, [{ from: 1, to: 1 }])).toEqual([{ from: 2, to: 10 }]);
    expect(freeGaps({ from: 1, to: 10 }, [{ from: 1, to: 1 }, { from: 3, to: 3 }])).toEqual([{ from: 2, to: 2 }, { from: 4, to: 10 }]);
  });

  it("a block entirely above the bounds does not stretch the last gap past bounds.to", () => {
    expect(freeGaps({ from: 1, to: 10 }, [{ from: 20, to: 30 }])).toEqual([{ from: 1, to: 10 }]);
    expect(freeGaps({ from: 1, to: 10 }, [{ from: 5, to: 5 }, { from: 20, to: 30 }])).toEqual([{ from: 1, to: 4 }, { from: 6, to: 10 }]);
  });

  it("a block that starts at bounds.to takes bounds.to out", () => {
    expect(freeGaps({ from: 1, to: 10 }, [{ from: 10, to: 12 }])).toEqual([{ from: 1, to: 9 }]);
  });

  it("a single free value left at bounds.to is a gap", () => {
    expect(freeGaps({ from: 1, to: 10 }, [{ from: 1, to: 9 }])).toEqual([{ from: 10, to: 10 }]);
    expect(findFreeRange({ from: 1, to: 10 }, [{ from: 1, to: 9 }], 1)).toEqual({ from: 10, to: 10 });
  });
});

describe("formatRange", () => {
  it("prints a single value without a dash, a wider range as from-to", () => {
    expect(formatRange({ from: 198, to: 198 })).toBe("198");
    expect(formatRange({ from: 1000, to: 1999 })).toBe("1000-1999");
  });
});
