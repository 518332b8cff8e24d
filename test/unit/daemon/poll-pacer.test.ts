import { describe, expect, it } from "vitest";
import { PollPacer } from "../../../src/daemon/poll-pacer.js";

describe("PollPacer", () => {
  it("starts at the minimum and doubles after each quiet poll up to the maximum", () => {
    const p = new PollPacer(1000, 10_000);
    const seen = [p.delayMs];
    for (let i = 0; i < 6; i++) { p.quiet(); seen.push(p.delayMs); }
    expect(seen).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it("goes back to the minimum when something moves", () => {
    const p = new PollPacer(500, 8000);
    p.quiet(); p.quiet(); p.quiet();
    expect(p.delayMs).toBe(4000);
    p.wake();
    expect(p.delayMs).toBe(500);
    p.quiet();
    expect(p.delayMs).toBe(1000);
  });

  it("with equal bounds polls at a fixed pace (the old behaviour)", () => {
    const p = new PollPacer(300, 300);
    p.quiet(); p.quiet();
    expect(p.delayMs).toBe(300);
  });

  it("takes new bounds on retime and starts over at the new minimum", () => {
    const p = new PollPacer(1000, 10_000);
    p.quiet(); p.quiet();
    p.retime(200, 400);
    expect(p.delayMs).toBe(200);
    p.quiet(); p.quiet();
    expect(p.delayMs).toBe(400);
  });

  it("refuses bounds that cannot pace anything", () => {
    expect(() => new PollPacer(0, 10)).toThrow(RangeError);
    expect(() => new PollPacer(100, 50)).toThrow(RangeError);
    expect(() => new PollPacer(100, 100).retime(100, 99)).toThrow(RangeError);
  });
});
