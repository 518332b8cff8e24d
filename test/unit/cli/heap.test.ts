// The commands that hold a table cap V8's old-generation growth (src/cli/heap.ts): 10 % unless
// the environment says otherwise or node was started with its own --heap-growing-percent; a
// value that is not a percent is refused with a stable code, before any work.
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_HEAP_GROWING_PERCENT, heapGrowingPercent, tuneHeap } from "../../../src/cli/heap.js";
import { ensureBuilt, runFibwarden } from "../../support/cli.js";

describe("heap growth cap", () => {
  it("defaults to 10 %; the environment sets another percent, 0 leaves V8's own", () => {
    expect(DEFAULT_HEAP_GROWING_PERCENT).toBe(10);
    expect(heapGrowingPercent([], {})).toEqual({ percent: 10 });
    expect(heapGrowingPercent([], { FIBWARDEN_HEAP_GROWING_PERCENT: "" })).toEqual({ percent: 10 });
    expect(heapGrowingPercent([], { FIBWARDEN_HEAP_GROWING_PERCENT: "25" })).toEqual({ percent: 25 });
    expect(heapGrowingPercent([], { FIBWARDEN_HEAP_GROWING_PERCENT: "0" })).toEqual({ percent: 0 });
    expect(heapGrowingPercent([], { FIBWARDEN_HEAP_GROWING_PERCENT: "400" })).toEqual({ percent: 400 });
  });

  it("leaves a --heap-growing-percent given to node alone (either spelling)", () => {
    expect(heapGrowingPercent(["--heap-growing-percent=30"], { FIBWARDEN_HEAP_GROWING_PERCENT: "25" })).toEqual({ percent: 0 });
    expect(heapGrowingPercent(["--heap_growing_percent", "30"], {})).toEqual({ percent: 0 });
    expect(heapGrowingPercent(["--heap-growing-percentage=30"], {})).toEqual({ percent: 10 }); // another flag
  });

  it("refuses what is not a percent from 0 to 400", () => {
    for (const bad of ["401", "-1", "1.5", "10%", "ten", " 10", "1000"]) {
      const r = heapGrowingPercent([], { FIBWARDEN_HEAP_GROWING_PERCENT: bad });
      expect("error" in r, bad).toBe(true);
    }
    const said: string[] = [];
    expect(tuneHeap((s) => said.push(s), [], { FIBWARDEN_HEAP_GROWING_PERCENT: "x" })).toBe(false);
    expect(said.join("")).toMatch(/FW_CONFIG_INVALID: FIBWARDEN_HEAP_GROWING_PERCENT must be an integer from 0 to 400/);
  });

  describe("the built CLI", () => {
    beforeAll(ensureBuilt, 200_000);
    it("`reconcile` and `run` exit 1 on a bad value before reading any config", async () => {
      for (const cmd of [["reconcile", "--plan"], ["run"]]) {
        const r = await runFibwarden([...cmd, "--config", "/nonexistent/fibwarden.yaml"], { FIBWARDEN_HEAP_GROWING_PERCENT: "lots" });
        expect(r.exitCode, cmd.join(" ")).toBe(1);
        expect(r.stderr).toContain("FW_CONFIG_INVALID: FIBWARDEN_HEAP_GROWING_PERCENT");
      }
    });
  });
});
