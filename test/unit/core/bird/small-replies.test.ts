// `show status`, `show route count`, `show memory` and the reply-code helpers.
import { describe, expect, it } from "vitest";
import {
  BIRD_CODE_STOPPED_BY_RECONFIGURATION, BirdCommandError, checkFinalReplyCode, classifyReplyCode, frameTranscript,
  isBirdCommandError, parseMemory, parseRouteCount, parseStatus, sizeToBytes,
} from "../../../../src/core/bird/index.js";
import { FibwardenError, isFibwardenError } from "../../../../src/core/errors.js";
import { fixtureLines } from "./fixtures.js";

describe("show status", () => {
  it("BIRD 2", () => {
    expect(parseStatus(fixtureLines("bird-2.0.12", "show-status.txt"))).toEqual({
      version: "2.0.12", routerId: "10.111.255.2", hostname: "vm", serverTime: "2026-11-22 18:53:56.815",
      lastReboot: "2026-11-22 18:53:14.444", lastReconfiguration: "2026-11-22 18:53:14.444",
      message: "Daemon is up and running", up: true, notes: [],
    });
  });

  it("BIRD 1.6 (no hostname, times to the second) and BIRD 3", () => {
    const v16 = parseStatus(fixtureLines("bird-1.6.8", "show-status.txt"));
    expect(v16).toMatchObject({ version: "1.6.8", routerId: "10.111.255.2", serverTime: "2026-11-22 18:59:15", up: true });
    expect(v16.hostname).toBeUndefined();
    expect(parseStatus(fixtureLines("bird6-1.6.8", "show-status.txt")).version).toBe("1.6.8");
    expect(parseStatus(fixtureLines("bird-3-synthetic", "show-status.txt"))).toMatchObject({ version: "3.3.0", up: true });
  });

  it("a daemon that is not up, and unknown lines", () => {
    const s = parseStatus(frameTranscript("1000-BIRD 2.0.12\n1011-Router ID is 1.2.3.4\n Graceful restart recovery in progress\n0013 Shutdown in progress\n"));
    expect(s).toMatchObject({ up: false, message: "Shutdown in progress", notes: ["Graceful restart recovery in progress"] });
  });

  it("a status reply without a version or with a foreign final code is FW_BIRD_PARSE", () => {
    expect(() => parseStatus(frameTranscript("0013 Daemon is up and running\n"))).toThrow(FibwardenError);
    expect(() => parseStatus(frameTranscript("1000-BIRD 2.0.12\n0000 \n"))).toThrow(expect.objectContaining({ code: "FW_BIRD_PARSE" }) as Error);
  });
});

describe("show route count", () => {
  it("BIRD 2: per table and the total line", () => {
    expect(parseRouteCount(fixtureLines("bird-2.0.12", "show-route-count.txt"))).toEqual({
      tables: [
        { table: "master4", shown: 355, routes: 355, networks: 311 },
        { table: "master6", shown: 66, routes: 66, networks: 56 },
      ],
      total: { shown: 421, routes: 421, networks: 367, tables: 2 },
    });
    expect(parseRouteCount(fixtureLines("bird-2.0.12", "show-route-primary-count.txt")).total)
      .toEqual({ shown: 367, routes: 367, networks: 367, tables: 2 });
  });

  it("BIRD 2 with one table has no total line: the total is the table", () => {
    expect(parseRouteCount(fixtureLines("bird-2.0.12", "show-route-export-kernel1-count.txt")).total)
      .toEqual({ shown: 311, routes: 355, networks: 311, tables: 1 });
  });

  it("BIRD 1.6: the count is on the final 0014 line and names no table", () => {
    expect(parseRouteCount(fixtureLines("bird-1.6.8", "show-route-count.txt"))).toEqual({
      tables: [{ table: "master", shown: 355, routes: 355, networks: 311 }],
      total: { shown: 355, routes: 355, networks: 311, tables: 1 },
    });
    expect(parseRouteCount(fixtureLines("bird6-1.6.8", "show-route-export-kernel1-count.txt"), "master6").tables)
      .toEqual([{ table: "master6", shown: 56, routes: 66, networks: 56 }]);
  });

  it("BIRD 3 (synthetic) counts as BIRD 2 does", () => {
    expect(parseRouteCount(fixtureLines("bird-3-synthetic", "show-route-count.txt")))
      .toEqual(parseRouteCount(fixtureLines("bird-2.0.12", "show-route-count.txt")));
  });

  it("junk is FW_BIRD_PARSE", () => {
    expect(() => parseRouteCount(frameTranscript("1007-many routes\n0000 \n"))).toThrow(expect.objectContaining({ code: "FW_BIRD_PARSE" }) as Error);
  });
});

describe("show memory", () => {
  it("BIRD 2: effective and overhead in bytes", () => {
    const m = parseMemory(fixtureLines("bird-2.0.12", "show-memory.txt"));
    expect(m.entries.map((e) => e.name)).toEqual(["Routing tables", "Route attributes", "Protocols", "Current config", "Standby memory"]);
    expect(m.entries[0]).toEqual({ name: "Routing tables", effective: Math.round(58.4 * 1024), overhead: 6352 });
    expect(m.total).toEqual({ name: "Total", effective: Math.round(171.9 * 1024), overhead: Math.round(110.8 * 1024) });
  });

  it("BIRD 1.6: one column", () => {
    const m = parseMemory(fixtureLines("bird-1.6.8", "show-memory.txt"));
    expect(m.entries).toContainEqual({ name: "ROA tables", effective: 192 });
    expect(m.total).toEqual({ name: "Total", effective: 151 * 1024 });
  });

  it("sizes", () => {
    expect(sizeToBytes("1.5", "MB")).toBe(1572864);
    expect(sizeToBytes("1", "XB")).toBeUndefined();
    expect(sizeToBytes("-1", "B")).toBeUndefined();
    expect(() => parseMemory(frameTranscript("1018-BIRD memory usage\n Total: lots\n0000 \n"))).toThrow(FibwardenError);
  });
});

describe("reply codes", () => {
  it("classifies by thousands", () => {
    expect([0, 13, 1007, 2002, 8004, 9001, 3000].map(classifyReplyCode))
      .toEqual(["ok", "ok", "data", "heading", "runtime-error", "parse-error", "unknown"]);
  });

  it("8xxx/9xxx final lines are BirdCommandError; only 8004 is retryable", () => {
    for (const [code, retryable] of [[9001, false], [8001, false], [8003, false], [BIRD_CODE_STOPPED_BY_RECONFIGURATION, true]] as const) {
      let err: unknown;
      try { checkFinalReplyCode(code, "text"); } catch (e) { err = e; }
      expect(isBirdCommandError(err, code)).toBe(true);
      expect(err).toMatchObject({ code: "FW_BIRD_COMMAND", birdCode: code, birdText: "text", retryable });
      expect(isFibwardenError(err, "FW_BIRD_COMMAND")).toBe(true);
      expect((err as BirdCommandError).name).toBe("BirdCommandError");
    }
  });

  it("0xxx/1xxx/2xxx final lines pass; undefined codes are FW_BIRD_PROTOCOL", () => {
    expect(() => checkFinalReplyCode(0, "")).not.toThrow();
    expect(() => checkFinalReplyCode(1027, "")).not.toThrow();
    expect(() => checkFinalReplyCode(5000, "")).toThrow(expect.objectContaining({ code: "FW_BIRD_PROTOCOL" }) as Error);
  });

  it("the error transcripts of every daemon are refusals with their BIRD code", () => {
    for (const daemon of ["bird-2.0.12", "bird-1.6.8", "bird6-1.6.8"] as const) {
      for (const file of ["invalid-command.txt", "invalid-command2.txt", "empty-line.txt"]) {
        const [line] = fixtureLines(daemon, file);
        expect(line?.kind).toBe("final");
        expect(() => checkFinalReplyCode(line?.code ?? 0, line?.text ?? "")).toThrow(expect.objectContaining({ birdCode: 9001 }) as Error);
      }
    }
  });
});
