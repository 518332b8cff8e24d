// The reply framer: line kinds, codes, limits, EOF handling and chunk boundaries.
import { describe, expect, it } from "vitest";
import {
  frameTranscript, ReplyFramer, utf8Length, type ReplyLine, type ReplyLineKind,
} from "../../../../src/core/bird/index.js";
import { FibwardenError } from "../../../../src/core/errors.js";
import { fixtureBytes, fixtureLines } from "./fixtures.js";

const enc = new TextEncoder();

function lines(text: string, opts = {}): ReplyLine[] {
  return frameTranscript(text, opts);
}

function caught(fn: () => unknown): FibwardenError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FibwardenError) return err;
    throw err;
  }
  throw new Error("expected a FibwardenError");
}

describe("ReplyFramer: line kinds", () => {
  it("the greeting is a final line with code 1", () => {
    expect(fixtureLines("bird-2.0.12", "greeting.txt")).toEqual([{ code: 1, kind: "final", text: "BIRD 2.0.12 ready." }]);
    expect(fixtureLines("bird-1.6.8", "greeting.txt")).toEqual([{ code: 1, kind: "final", text: "BIRD 1.6.8 ready." }]);
  });

  it("continuation lines take the previous code; `NNNN-` starts a block; `NNNN ` ends the reply", () => {
    expect(fixtureLines("bird-2.0.12", "show-status.txt").map((l) => [l.code, l.kind, l.text])).toEqual([
      [1000, "first", "BIRD 2.0.12"],
      [1011, "first", "Router ID is 10.111.255.2"],
      [1011, "continuation", "Hostname is vm"],
      [1011, "continuation", "Current server time is 2026-11-22 18:53:56.815"],
      [1011, "continuation", "Last reboot on 2026-11-22 18:53:14.444"],
      [1011, "continuation", "Last reconfiguration on 2026-11-22 18:53:14.444"],
      [13, "final", "Daemon is up and running"],
    ]);
  });

  it("keeps the text exactly, tabs and trailing spaces included", () => {
    const framed = fixtureLines("bird-2.0.12", "show-route-for-10.201.0.1-all.txt");
    expect(framed[2]).toEqual({ code: 1007, kind: "continuation", text: "\tvia 10.111.1.1 on na0" });
    expect(framed[framed.length - 1]).toEqual({ code: 0, kind: "final", text: "" });
    expect(fixtureLines("bird-2.0.12", "show-protocols.txt")[1]?.text).toBe("device1    Device     ---        up     18:53:14.444  ");
  });

  it("any code followed by a space ends the reply (BIRD 3 `show threads` ends with `1027 `)", () => {
    const framed = fixtureLines("bird-3-synthetic", "show-threads.txt");
    expect(framed.map((l) => l.kind)).toEqual(["first", "continuation", "final"]);
    expect(framed[2]).toEqual({ code: 1027, kind: "final", text: "" });
    const framer = new ReplyFramer();
    framer.push(fixtureBytes("bird-3-synthetic", "show-threads.txt"));
    expect(framer.inReply).toBe(false);
  });

  it("`+` lines are async messages outside the reply; a continuation after one keeps the code before it", () => {
    expect(lines("1007-a\n+log line\n b\n+<2 messages lost>\n0000 \n")).toEqual([
      { code: 1007, kind: "first", text: "a" },
      { code: 0, kind: "async", text: "log line" },
      { code: 1007, kind: "continuation", text: "b" },
      { code: 0, kind: "async", text: "<2 messages lost>" },
      { code: 0, kind: "final", text: "" },
    ]);
    expect(lines("+between replies\n<5 messages lost>\n0000 \n").map((l) => l.kind)).toEqual(["async", "async", "final"]);
  });

  it("several replies in one stream", () => {
    const kinds: ReplyLineKind[] = lines("0001 BIRD 2.0.12 ready.\n1000-BIRD 2.0.12\n0013 Daemon is up\n9001 syntax error\n")
      .map((l) => l.kind);
    expect(kinds).toEqual(["final", "first", "final", "final"]);
  });
});

describe("ReplyFramer: protocol errors", () => {
  for (const [name, text] of [
    ["no code", "hello world\n"],
    ["short line", "000\n"],
    ["code without separator", "0000\n"],
    ["bad separator", "0000:x\n"],
    ["non-digit code", "00a0 x\n"],
    ["empty line", "\n"],
    ["continuation outside a reply", " orphan\n"],
    ["continuation after the final line", "0000 \n more\n"],
    ["CR-only junk", "\r\n"],
  ] as const) {
    it(`${name} → FW_BIRD_PROTOCOL`, () => {
      const err = caught(() => lines(text));
      expect(err.code).toBe("FW_BIRD_PROTOCOL");
      expect(err.retryable).toBe(false);
    });
  }

  it("errors are sticky", () => {
    const framer = new ReplyFramer();
    const first = caught(() => framer.push(enc.encode("garbage\n")));
    expect(caught(() => framer.push(enc.encode("0000 \n")))).toBe(first);
    expect(caught(() => framer.end())).toBe(first);
  });
});

describe("ReplyFramer: limits", () => {
  it("a line longer than maxLineBytes is refused, complete or not", () => {
    const long = `1007-${"x".repeat(100)}`;
    expect(caught(() => lines(`${long}\n0000 \n`, { maxLineBytes: 64 })).code).toBe("FW_BIRD_PROTOCOL");
    const framer = new ReplyFramer({ maxLineBytes: 64 });
    framer.push(enc.encode(long.slice(0, 50)));
    expect(caught(() => framer.push(enc.encode(long.slice(50)))).code).toBe("FW_BIRD_PROTOCOL");
  });

  it("maxLineBytes counts UTF-8 bytes", () => {
    const text = `1007-${"é".repeat(40)}\n0000 \n`; // 85 bytes, 45 characters
    expect(lines(text, { maxLineBytes: 90 })).toHaveLength(2);
    expect(caught(() => lines(text, { maxLineBytes: 60 })).code).toBe("FW_BIRD_PROTOCOL");
    expect(utf8Length("aé東😀")).toBe(1 + 2 + 3 + 4);
  });

  it("a reply larger than maxReplyBytes is FW_BIRD_REPLY_TOO_LARGE; the count restarts with each reply", () => {
    const reply = `1007-${"x".repeat(40)}\n ${"y".repeat(40)}\n0000 \n`; // 94 bytes
    expect(lines(reply + reply, { maxReplyBytes: 100 })).toHaveLength(6);
    const err = caught(() => lines(reply, { maxReplyBytes: 80 }));
    expect(err.code).toBe("FW_BIRD_REPLY_TOO_LARGE");
    expect(err.details).toMatchObject({ maxReplyBytes: 80 });
  });
});

describe("ReplyFramer: EOF", () => {
  it("EOF between replies is fine", () => {
    const framer = new ReplyFramer();
    framer.push(fixtureBytes("bird-2.0.12", "show-route-count.txt"));
    expect(() => framer.end()).not.toThrow();
  });

  it("EOF in the middle of a reply or a line is a retryable FW_BIRD_PROTOCOL", () => {
    for (const text of ["1007-a\n", "1007-a\n b", "0000 partial"]) {
      const framer = new ReplyFramer();
      framer.push(enc.encode(text));
      const err = caught(() => framer.end());
      expect(err.code).toBe("FW_BIRD_PROTOCOL");
      expect(err.retryable).toBe(true);
    }
  });
});

describe("ReplyFramer: chunk boundaries", () => {
  it("splits inside UTF-8 sequences and codes, one byte at a time", () => {
    const text = "1000-BIRD ü 東京 😀\n1011-Hostname is rëuter\n ünïcode\n0013 Daemon is up and running\n";
    const bytes = enc.encode(text);
    const framer = new ReplyFramer();
    const out: ReplyLine[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...framer.push(bytes.subarray(i, i + 1)));
    framer.end();
    expect(out).toEqual(lines(text));
    expect(out[0]?.text).toBe("BIRD ü 東京 😀");
    expect(out[2]).toEqual({ code: 1011, kind: "continuation", text: "ünïcode" });
  });

  it("a long line in many chunks is assembled once", () => {
    const body = "z".repeat(50_000);
    const bytes = enc.encode(`1007-${body}\n0000 \n`);
    const framer = new ReplyFramer({ maxLineBytes: 60_000 });
    const out: ReplyLine[] = [];
    for (let i = 0; i < bytes.length; i += 7) out.push(...framer.push(bytes.subarray(i, i + 7)));
    framer.end();
    expect(out.map((l) => l.text.length)).toEqual([50_000, 0]);
  });

  it("when a sink throws, the lines after it are kept for the next feed or flush", () => {
    const framer = new ReplyFramer();
    const seen: string[] = [];
    let fail = true;
    const sink = {
      acceptLine(_code: number, _kind: ReplyLineKind, text: string): void {
        if (text === "boom" && fail) { fail = false; throw new Error("sink failed"); }
        seen.push(text);
      },
    };
    expect(() => framer.feed(enc.encode("1007-a\n boom\n c\n0000 d\n"), sink)).toThrow("sink failed");
    expect(seen).toEqual(["a"]);
    framer.flush(sink);
    expect(seen).toEqual(["a", "c", "d"]);
    expect(framer.inReply).toBe(false);
  });
});

describe("ReplyFramer: every real transcript", () => {
  it("frames every fixture and ends each on a final line", () => {
    for (const daemon of ["bird-2.0.12", "bird-1.6.8", "bird6-1.6.8", "bird-3-synthetic"] as const) {
      for (const file of ["greeting.txt", "show-status.txt", "show-route-all.txt", "show-protocols-all.txt"]) {
        const framed = fixtureLines(daemon, file);
        expect(framed.filter((l) => l.kind === "final"), `${daemon}/${file}`).toHaveLength(1);
        expect(framed[framed.length - 1]?.kind).toBe("final");
      }
    }
  });
});
