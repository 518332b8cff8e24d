// Property tests of the framer and parsers: chunking never changes the result, and hostile or
// cut input only ever produces a typed FibwardenError. fast-check prints the seed on failure.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MemoryParser, ProtocolsParser, ReplyConsumer, ReplyFramer, RouteCountParser, RouteParser, StatusParser,
  type ReplyLine, type ReplyLineKind,
} from "../../../../src/core/bird/index.js";
import { FibwardenError } from "../../../../src/core/errors.js";
import {
  DAEMONS, fixtureBytes, fixtureLines, listTranscripts, parserKindFor, runParser, type Daemon,
} from "./fixtures.js";

// FC_RUNS when set (mutation testing sets it low), else 200.
const NUM_RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 200;
const enc = new TextEncoder();

const ALL: Array<[Daemon, string]> = DAEMONS.flatMap((d) => listTranscripts(d).map((f): [Daemon, string] => [d, f]));
/** Transcripts that are one complete, accepted reply (not a refusal). */
const REPLIES = ALL.filter(([d, f]) => {
  const lines = fixtureLines(d, f);
  return (lines[lines.length - 1]?.code ?? 9999) < 8000;
});

/** Splits `bytes` at the given offsets (any order, duplicates allowed). */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) { out.push(bytes.subarray(prev, p)); prev = p; }
  out.push(bytes.subarray(prev));
  return out;
}

function frameChunks(chunks: Uint8Array[], opts = {}): ReplyLine[] {
  const framer = new ReplyFramer(opts);
  const lines: ReplyLine[] = [];
  for (const c of chunks) lines.push(...framer.push(c));
  framer.end();
  return lines;
}

/** Accepts any well-framed reply (for transcripts no parser reads, such as the greeting). */
class AnyReply extends ReplyConsumer {
  protected onLine(): void {}
  protected onFinal(): void {}
}

const PARSER_KINDS = ["routes", "protocols", "status", "count", "memory", "lines"] as const;

/** The index in PARSER_KINDS of the parser that reads `file`. */
function parserIndex(file: string): number {
  return PARSER_KINDS.indexOf(parserKindFor(file));
}

/** A streaming parser of each kind, feeding a throwaway sink. */
function newParser(kind: number): ReplyConsumer {
  switch (kind) {
    case 0: return new RouteParser({ onRoute: () => {} });
    case 1: return new ProtocolsParser({ onProtocol: () => {} });
    case 2: return new StatusParser();
    case 3: return new RouteCountParser();
    case 4: return new MemoryParser();
    default: return new AnyReply();
  }
}

/** Runs bytes through a framer straight into a parser; returns nothing or throws. */
function frameAndParse(chunks: Uint8Array[], parserKind: number, opts = {}): void {
  const framer = new ReplyFramer(opts);
  const parser = newParser(parserKind);
  for (const c of chunks) {
    framer.feed(c, parser);
  }
  framer.end();
  parser.end();
}

/** Asserts that `fn` returns, or throws a FibwardenError (and nothing else). */
function onlyTypedErrors(fn: () => void): FibwardenError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof FibwardenError)) throw err;
    return err;
  }
}

const cutsArb = fc.array(fc.nat({ max: 200_000 }), { maxLength: 40 });

describe("chunking", () => {
  it("splitting any transcript anywhere gives the same lines and the same parse", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL), cutsArb, ([daemon, file], cuts) => {
        const bytes = fixtureBytes(daemon, file);
        const whole = fixtureLines(daemon, file);
        const split = frameChunks(chunk(bytes, cuts.map((c) => c % (bytes.length + 1))));
        expect(split).toEqual(whole);
        const kind = parserKindFor(file);
        let a: unknown;
        let b: unknown;
        try { a = runParser(kind, daemon, whole); } catch (err) { a = err; }
        try { b = runParser(kind, daemon, split); } catch (err) { b = err; }
        expect(b).toEqual(a);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("streaming straight from the framer into a parser gives the same parse as framing first", () => {
    fc.assert(
      fc.property(fc.constantFrom(...REPLIES.filter(([, f]) => parserKindFor(f) === "routes")), cutsArb, ([daemon, file], cuts) => {
        const bytes = fixtureBytes(daemon, file);
        const expected = runParser("routes", daemon, fixtureLines(daemon, file));
        const got: unknown[] = [];
        const framer = new ReplyFramer();
        const parser = new RouteParser({ defaultTable: "master", onRoute: (r) => got.push(r) });
        for (const c of chunk(bytes, cuts)) framer.feed(c, parser);
        framer.end();
        parser.end();
        expect(got).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  // Arbitrary replies with any Unicode text, rendered to bytes and split anywhere, including
  // inside multi-byte UTF-8 sequences and inside reply codes.
  const textArb = fc.string({ unit: "grapheme", maxLength: 30 }).filter((s) => !s.includes("\n") && !s.includes("\r"));
  const codeArb = fc.integer({ min: 0, max: 9999 });
  const lineArb = fc.oneof(
    fc.record({ kind: fc.constant<ReplyLineKind>("first"), code: codeArb, text: textArb }),
    fc.record({ kind: fc.constant<ReplyLineKind>("continuation"), code: fc.constant(0), text: textArb }),
    fc.record({ kind: fc.constant<ReplyLineKind>("async"), code: fc.constant(0), text: textArb }),
  );
  const replyArb = fc.record({ body: fc.array(lineArb, { maxLength: 8 }), code: codeArb, text: textArb });

  it("any well-formed stream of Unicode replies frames to exactly its lines, however it is split", () => {
    fc.assert(
      fc.property(fc.array(replyArb, { minLength: 1, maxLength: 5 }), cutsArb, (replies, cuts) => {
        let wire = "";
        const expected: ReplyLine[] = [];
        for (const reply of replies) {
          let last = -1;
          for (const l of reply.body) {
            if (l.kind === "async") {
              wire += `+${l.text}\n`;
              expected.push({ code: 0, kind: "async", text: l.text });
            } else if (l.kind === "continuation" && last >= 0) {
              wire += ` ${l.text}\n`;
              expected.push({ code: last, kind: "continuation", text: l.text });
            } else if (l.kind === "first") {
              wire += `${String(l.code).padStart(4, "0")}-${l.text}\n`;
              expected.push({ code: l.code, kind: "first", text: l.text });
              last = l.code;
            }
          }
          wire += `${String(reply.code).padStart(4, "0")} ${reply.text}\n`;
          expected.push({ code: reply.code, kind: "final", text: reply.text });
        }
        const bytes = enc.encode(wire);
        expect(frameChunks(chunk(bytes, cuts.map((c) => c % (bytes.length + 1))))).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe("hostile input gives typed errors only", () => {
  it("random bytes, in random chunks, into every parser", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), cutsArb, fc.integer({ min: 0, max: 5 }), (bytes, cuts, kind) => {
        onlyTypedErrors(() => frameAndParse(chunk(bytes, cuts), kind));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("random bytes made of BIRD's alphabet (codes, separators, tabs, brackets)", () => {
    const alphabet = fc.constantFrom(..."0123456789- +\n\t.:/[]()*!,abcdefTvia onlinkweight".split(""));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 2000 }), cutsArb, fc.integer({ min: 0, max: 5 }), (chars, cuts, kind) => {
        onlyTypedErrors(() => frameAndParse(chunk(enc.encode(chars.join("")), cuts), kind));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("real transcripts with random bytes overwritten, inserted or deleted", () => {
    const editArb = fc.array(
      fc.record({ at: fc.nat(), op: fc.constantFrom("set", "insert", "delete"), byte: fc.integer({ min: 0, max: 255 }) }),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...ALL), editArb, cutsArb, ([daemon, file], edits, cuts) => {
        const bytes = [...fixtureBytes(daemon, file)];
        for (const e of edits) {
          const at = e.at % (bytes.length + 1);
          if (e.op === "set" && at < bytes.length) bytes[at] = e.byte;
          else if (e.op === "insert") bytes.splice(at, 0, e.byte);
          else bytes.splice(at, 1);
        }
        onlyTypedErrors(() => frameAndParse(chunk(Uint8Array.from(bytes), cuts), parserIndex(file)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("a reply cut anywhere before its end is a retryable FW_BIRD_PROTOCOL, never a result", () => {
    fc.assert(
      fc.property(fc.constantFrom(...REPLIES), fc.nat(), cutsArb, ([daemon, file], cutAt, cuts) => {
        const bytes = fixtureBytes(daemon, file);
        const cut = 1 + (cutAt % (bytes.length - 1));
        const truncated = bytes.subarray(0, cut);
        const framer = new ReplyFramer();
        const lines: ReplyLine[] = [];
        for (const c of chunk(truncated, cuts)) lines.push(...framer.push(c));
        const err = onlyTypedErrors(() => framer.end());
        expect(err?.code).toBe("FW_BIRD_PROTOCOL");
        expect(err?.retryable).toBe(true);
        // A parser fed the complete lines before the cut refuses to finish, too.
        const parser = newParser(parserIndex(file));
        const perr = onlyTypedErrors(() => { for (const l of lines) parser.push(l); parser.end(); });
        expect(perr?.code).toBe("FW_BIRD_PROTOCOL");
        expect(perr?.retryable).toBe(true);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("a reply over maxReplyBytes is FW_BIRD_REPLY_TOO_LARGE, a line over maxLineBytes FW_BIRD_PROTOCOL", () => {
    fc.assert(
      fc.property(fc.constantFrom(...REPLIES), fc.nat(), cutsArb, ([daemon, file], n, cuts) => {
        const bytes = fixtureBytes(daemon, file);
        const lines = fixtureLines(daemon, file);
        const kind = parserIndex(file);
        const maxReplyBytes = n % bytes.length; // strictly smaller than the reply
        const tooLarge = onlyTypedErrors(() => frameAndParse(chunk(bytes, cuts), kind, { maxReplyBytes }));
        expect(tooLarge?.code).toBe("FW_BIRD_REPLY_TOO_LARGE");
        const longest = Math.max(...new TextDecoder().decode(bytes).split("\n").map((l) => enc.encode(l).length));
        if (longest > 1) {
          const maxLineBytes = n % longest; // strictly shorter than the longest line
          const tooLong = onlyTypedErrors(() => frameAndParse(chunk(bytes, cuts), kind, { maxLineBytes }));
          expect(tooLong?.code).toBe("FW_BIRD_PROTOCOL");
        }
        expect(lines.length).toBeGreaterThan(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
