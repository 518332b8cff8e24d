// BIRD's printed times jitter (1.6 by a whole second, 2/3 by milliseconds): the same instant
// must sign the same, a real change must not be absorbed.
import { describe, expect, it } from "vitest";
import { steadyBirdTime } from "../../../../src/core/bird/steady-time.js";

describe("steadyBirdTime", () => {
  it("BIRD 1.6: the second that alternates keeps the first printing", () => {
    expect(steadyBirdTime("22:35:37", "22:35:36")).toBe("22:35:36");
    expect(steadyBirdTime("2026-11-22 22:35:37", "2026-11-22 22:35:36")).toBe("2026-11-22 22:35:36");
  });

  it("a change of more than the jitter is a change", () => {
    expect(steadyBirdTime("22:35:38", "22:35:36")).toBe("22:35:38");
    expect(steadyBirdTime("18:53:16.444", "18:53:14.444")).toBe("18:53:16.444");
    expect(steadyBirdTime("2026-11-23 22:35:36", "2026-11-22 22:35:36")).toBe("2026-11-23 22:35:36");
  });

  it("times of day compare around midnight", () => {
    expect(steadyBirdTime("00:00:00.300", "23:59:59.900")).toBe("23:59:59.900");
  });

  it("a first printing, a date alone, an unknown format, or a change of format compare as text", () => {
    expect(steadyBirdTime("18:53:14.444", undefined)).toBe("18:53:14.444");
    expect(steadyBirdTime("2026-11-23", "2026-11-22")).toBe("2026-11-23");
    expect(steadyBirdTime("Nov23", "Nov22")).toBe("Nov23");
    expect(steadyBirdTime("2026-11-22", "18:53:14.444")).toBe("2026-11-22");
    expect(steadyBirdTime("18:53:14.444", "2026-11-22 18:53:14.444")).toBe("18:53:14.444");
  });
});
