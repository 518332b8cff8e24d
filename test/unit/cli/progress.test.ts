import { describe, expect, it } from "vitest";
import { startProgress } from "../../../src/cli/progress.js";

describe("startProgress", () => {
  it("draws a spinner with the elapsed time and erases it when stopped", async () => {
    let out = "";
    const p = startProgress("applying", true, (s) => { out += s; });
    await new Promise((r) => setTimeout(r, 250));
    p.stop();
    expect(out).toMatch(/^\r\| applying 0\.\ds/);
    expect(out.split("\r").length).toBeGreaterThan(2);
    expect(out.endsWith("\r\u001b[2K")).toBe(true);
  });
  it("writes nothing when not on a terminal", async () => {
    let out = "";
    const p = startProgress("applying", false, (s) => { out += s; });
    await new Promise((r) => setTimeout(r, 150));
    p.stop();
    expect(out).toBe("");
  });
});
