// MonitorStream edge cases: dropping a runaway line exactly up to its newline (whatever the chunk
// split), the line-length bound itself, when a lost route is reported, and route events whose
// labeled line could not be read.
import { describe, expect, it } from "vitest";
import type { MonitorEvent } from "../../../../src/core/parse/ip-monitor.js";
import { MonitorStream } from "../../../../src/core/parse/ip-monitor-stream.js";

/** Pushes each chunk, then closes; returns the destinations of all events (undefined when unread). */
function dsts(stream: MonitorStream, chunks: readonly string[]): (string | undefined)[] {
  const events: MonitorEvent[] = [];
  for (const c of chunks) events.push(...stream.push(c).events);
  const last = stream.close();
  if (last !== undefined) events.push(last);
  return events.map((e) => e.route?.dst);
}

const RUNAWAY = `[ROUTE]10.1.0.0/24 dev v0 ${"x".repeat(40)}`; // longer than maxLineChars 20, no newline

describe("MonitorStream runaway lines", () => {
  it("drops the rest of a runaway line even when it looks like a labeled line", () => {
    const s = new MonitorStream({ maxLineChars: 20 });
    expect(dsts(s, [RUNAWAY, "[ROUTE]10.9.0.0/24 dev v0 \n[ROUTE]10.2.0.0/24 dev v0 \n"])).toEqual(["10.2.0.0/24"]);
  });

  it("drops the whole rest of a runaway line, not just its first character", () => {
    const s = new MonitorStream({ maxLineChars: 20 });
    expect(dsts(s, [RUNAWAY, "x[ROUTE]10.9.0.0/24 dev v0 \n[ROUTE]10.2.0.0/24 dev v0 \n"])).toEqual(["10.2.0.0/24"]);
  });

  it("keeps dropping across chunks without a newline", () => {
    const s = new MonitorStream({ maxLineChars: 20 });
    // The middle chunk alone is within the limit: it must still be dropped, not kept as a partial line.
    expect(dsts(s, [RUNAWAY, "[ROUTE]10.9.0.0/24", "\n[ROUTE]10.2.0.0/24 dev v0 \n"])).toEqual(["10.2.0.0/24"]);
  });

  it("resumes right after the newline when the next chunk starts with it", () => {
    const s = new MonitorStream({ maxLineChars: 20 });
    expect(dsts(s, [RUNAWAY, "\n[ROUTE]10.2.0.0/24 dev v0 \n"])).toEqual(["10.2.0.0/24"]);
  });

  it("reads every line after the one it dropped", () => {
    const s = new MonitorStream({ maxLineChars: 20 });
    expect(dsts(s, [RUNAWAY, "xx\n", "[ROUTE]10.2.0.0/24 dev v0 \n", "[ROUTE]10.3.0.0/24 dev v0 \n"]))
      .toEqual(["10.2.0.0/24", "10.3.0.0/24"]);
  });

  it("is mid-line while dropping and not after the newline", () => {
    const s = new MonitorStream({ maxLineChars: 20 });
    s.push(RUNAWAY);
    expect(s.midLine).toBe(true);
    s.push("xx\n");
    expect(s.midLine).toBe(false);
  });

  it("keeps a partial line of exactly maxLineChars", () => {
    const line = "[ROUTE]10.2.0.0/24 dev v0 \n";
    const s = new MonitorStream({ maxLineChars: line.length - 1 });
    const head = line.slice(0, line.length - 1); // the whole line but its newline: exactly the limit
    expect(dsts(s, [head, "\n"])).toEqual(["10.2.0.0/24"]);
    const t = new MonitorStream({ maxLineChars: line.length - 2 });
    expect(dsts(t, [head, "\n"])).toEqual([]);
  });
});

describe("MonitorStream lost routes", () => {
  it("does not report continuation lines on a fresh stream as lost", () => {
    const s = new MonitorStream();
    expect(s.push("\tnexthop via 10.0.0.2 dev v0 weight 2 \n")).toEqual({ events: [], lost: false });
  });

  it("reports a route closed too early once, not again for each later line", () => {
    const s = new MonitorStream();
    s.push("[ROUTE]10.13.0.0/24 proto 201 \n\tnexthop via 10.0.0.2 dev v0 weight 2 \n");
    expect(s.close()?.route?.route).toBeDefined();
    expect(s.push("\tnexthop via 10.0.1.2 dev v1 weight 3 \n").lost).toBe(true);
    expect(s.push("\tnexthop via 10.0.2.2 dev v2 weight 4 \n").lost).toBe(false);
  });
});

describe("MonitorStream unread route lines", () => {
  it("emits a route event whose line it cannot read at once instead of keeping it open", () => {
    const s = new MonitorStream();
    expect(s.push("[ROUTE]something odd\n").events).toEqual([{ kind: "route" }]);
    expect(s.hasOpenEvent).toBe(false);
    expect(s.close()).toBeUndefined();
  });
});
