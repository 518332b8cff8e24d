// The parser's string helpers give back the text they were given (whether a string is a shared
// copy is not observable from JS; memory is checked by the bench and the daemon's RSS figures).
import { describe, expect, it } from "vitest";
import { StringInterner } from "../../../../src/core/bird/strings.js";

describe("StringInterner", () => {
  it("answers every text with itself, short or long", () => {
    const s = new StringInterner();
    const line = " 11.26.6.0/24 unicast [peer 02:20:32.556] * (100) [AS4200000000i]";
    const time = line.slice(28, 40);
    expect(time).toBe("02:20:32.556");
    expect(s.short(time)).toBe(time);
    const long = line.slice(51, 64);
    expect(long).toBe("AS4200000000i");
    expect(s.short(long)).toBe(long);
    expect(s.short(` ${long}`.slice(1))).toBe(long);
    expect(s.intern("AS4200000000i")).toBe(long);
  });

  it("stops storing after its limit, still answering every text", () => {
    const s = new StringInterner(2);
    for (const t of ["aaaaaaaaaaaaaa", "bbbbbbbbbbbbbb", "cccccccccccccc"]) expect(s.intern(t)).toBe(t);
    expect(s.short("dddddddddddddd")).toBe("dddddddddddddd");
  });
});
