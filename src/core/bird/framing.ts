// Streaming framer for BIRD's control-socket protocol: bytes in, reply lines out.
//
// Wire format (BIRD nest/cli.c, client/client.c): every line ends with "\n" and is one of
//   "NNNN-text"  a line of a reply that continues,
//   "NNNN text"  the last line of a reply, whatever the code (BIRD 3 `show threads` ends with
//                `1027 `), including the greeting `0001 BIRD x.y.z ready.`,
//   " text"      a line with the same code as the previous one (BIRD drops the repeated prefix),
//   "+text"      an asynchronous log message (no code), never part of a reply; BIRD may insert
//                it between two lines of a long reply, and the line after it still continues
//                the code before it.
// BIRD also writes a bare "<N messages lost>" line when its log echo ring overflows; it is
// reported as an async line too.
import { FibwardenError } from "../errors.js";

/** How a line sits in a reply. */
export type ReplyLineKind = "first" | "continuation" | "final" | "async";

/** One framed line: its code (the previous code for continuations, 0 for async), kind and text. */
export interface ReplyLine {
  readonly code: number;
  readonly kind: ReplyLineKind;
  readonly text: string;
}

/** Receives framed lines one by one, without an intermediate object per line. */
export interface ReplyLineSink {
  acceptLine(code: number, kind: ReplyLineKind, text: string): void;
}

/** Limits that keep a runaway or hostile peer from exhausting memory. */
export interface ReplyFramerOptions {
  /** Largest reply, in characters (equal to bytes for BIRD's ASCII output). Default 1 GiB. */
  maxReplyBytes?: number;
  /** Longest line, in bytes. Default 64 KiB. */
  maxLineBytes?: number;
}

/** Default `maxReplyBytes`: a 1M-route `show route all` is about 250 MB. */
export const DEFAULT_MAX_REPLY_BYTES = 1024 * 1024 * 1024;

/** Default `maxLineBytes`: BIRD formats lines in buffers well under 1 KiB. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const CH_NL = "\n";
const CC_SPACE = 32;
const CC_PLUS = 43;
const CC_MINUS = 45;
const CC_ZERO = 48;
const CC_LT = 60;
const LOST_MESSAGES = /^<\d+ messages lost>$/;

/** UTF-8 length of a string (lone surrogates count 3, as TextEncoder would write U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { bytes += 4; i++; } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Parses the 4-digit code at `buf[start]`, or returns -1. */
function readCode(buf: string, start: number): number {
  let code = 0;
  for (let i = start; i < start + 4; i++) {
    const d = buf.charCodeAt(i) - CC_ZERO;
    if (!(d >= 0 && d <= 9)) return -1;
    code = code * 10 + d;
  }
  return code;
}

/** A sink that collects lines into an array. */
class LineCollector implements ReplyLineSink {
  constructor(readonly lines: ReplyLine[]) {}
  acceptLine(code: number, kind: ReplyLineKind, text: string): void {
    this.lines.push({ code, kind, text });
  }
}

/**
 * Splits a BIRD byte stream into reply lines, incrementally: each chunk is decoded once (UTF-8
 * sequences split across chunks are carried by a streaming TextDecoder) and scanned once from
 * where the previous scan stopped, so a reply of any size costs linear time. A framing error
 * is sticky: once thrown, every later call throws it again.
 */
export class ReplyFramer {
  private readonly decoder = new TextDecoder("utf-8");
  private readonly maxReplyBytes: number;
  private readonly maxLineBytes: number;
  /** Text not yet delivered: one partial line, or more if a sink threw mid-chunk. */
  private buf = "";
  /** Offset in `buf` before which there is no newline. */
  private scanFrom = 0;
  /** Code of the previous line of the reply in progress, -1 between replies. */
  private lastCode = -1;
  private replyBytes = 0;
  private lineNo = 0;
  private failure: FibwardenError | undefined;
  // The line being framed, kept in fields so that framing allocates nothing per line.
  private curCode = 0;
  private curKind: ReplyLineKind = "final";
  private curText = "";

  constructor(opts: ReplyFramerOptions = {}) {
    this.maxReplyBytes = opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** True while a reply has started but its final line has not arrived (or a line is partial). */
  get inReply(): boolean {
    return this.lastCode >= 0 || this.buf.length > 0;
  }

  /** Frames a chunk and returns its complete lines. */
  push(chunk: Uint8Array): ReplyLine[] {
    const lines: ReplyLine[] = [];
    this.feed(chunk, new LineCollector(lines));
    return lines;
  }

  /**
   * Frames a chunk and hands each complete line to `sink`. If the sink throws, framing stops
   * after that line (the framer's own state already counts it) and the lines after it are
   * delivered by the next `feed` or `flush`.
   */
  feed(chunk: Uint8Array, sink: ReplyLineSink): void {
    if (this.failure) throw this.failure;
    const text = this.decoder.decode(chunk, { stream: true });
    this.buf = this.buf.length === 0 ? text : this.buf + text;
    this.drain(sink);
  }

  /** Delivers lines left undelivered because a sink threw. */
  flush(sink: ReplyLineSink): void {
    if (this.failure) throw this.failure;
    this.drain(sink);
  }

  /** Signals EOF: throws FW_BIRD_PROTOCOL (retryable) if a reply or a line was cut short. */
  end(): void {
    if (this.failure) throw this.failure;
    const tail = this.decoder.decode();
    if (tail.length > 0) this.buf += tail;
    if (this.buf.length > 0) {
      this.fail("FW_BIRD_PROTOCOL", "BIRD closed the connection in the middle of a line", true);
    }
    if (this.lastCode >= 0) {
      this.fail("FW_BIRD_PROTOCOL", "BIRD closed the connection in the middle of a reply", true);
    }
  }

  private drain(sink: ReplyLineSink): void {
    const buf = this.buf;
    let start = 0;
    let nl = buf.indexOf(CH_NL, this.scanFrom);
    while (nl >= 0) {
      this.frameLine(buf, start, nl);
      start = nl + 1;
      try {
        sink.acceptLine(this.curCode, this.curKind, this.curText);
      } catch (err) {
        this.buf = buf.slice(start);
        this.scanFrom = 0;
        throw err;
      }
      nl = buf.indexOf(CH_NL, start);
    }
    this.buf = start === 0 ? buf : buf.slice(start);
    this.scanFrom = this.buf.length;
    // Code units never outnumber UTF-8 bytes, so this catches every over-long partial line.
    if (this.buf.length > this.maxLineBytes) {
      this.fail("FW_BIRD_PROTOCOL", `BIRD sent a line longer than ${this.maxLineBytes} bytes`, false);
    }
  }

  /** Classifies the line buf[start, end) into curCode/curKind/curText (one slice), or fails. */
  private frameLine(buf: string, start: number, end: number): void {
    this.lineNo++;
    const len = end - start;
    if (len > this.maxLineBytes || (len * 3 > this.maxLineBytes && utf8Length(buf.slice(start, end)) > this.maxLineBytes)) {
      this.fail("FW_BIRD_PROTOCOL", `BIRD sent a line longer than ${this.maxLineBytes} bytes`, false);
    }
    const first = buf.charCodeAt(start);
    if (first === CC_PLUS) {
      this.curCode = 0;
      this.curKind = "async";
      this.curText = buf.slice(start + 1, end);
      return;
    }
    if (first === CC_SPACE) {
      if (this.lastCode < 0) {
        this.fail("FW_BIRD_PROTOCOL", "BIRD sent a continuation line outside a reply", false, buf.slice(start, end));
      }
      this.curCode = this.lastCode;
      this.curKind = "continuation";
      this.curText = buf.slice(start + 1, end);
    } else {
      const code = len >= 5 ? readCode(buf, start) : -1;
      const sep = buf.charCodeAt(start + 4);
      if (code < 0 || (sep !== CC_MINUS && sep !== CC_SPACE)) {
        const line = buf.slice(start, end);
        if (first === CC_LT && LOST_MESSAGES.test(line)) {
          this.curCode = 0;
          this.curKind = "async";
          this.curText = line;
          return;
        }
        this.fail("FW_BIRD_PROTOCOL", "BIRD sent a line without a valid reply code", false, line);
      }
      this.curCode = code;
      this.curText = buf.slice(start + 5, end);
      if (sep === CC_MINUS) {
        this.curKind = "first";
        this.lastCode = code;
      } else {
        this.curKind = "final";
        this.lastCode = -1;
      }
    }
    this.replyBytes += len + 1;
    if (this.replyBytes > this.maxReplyBytes) {
      this.failure = new FibwardenError("FW_BIRD_REPLY_TOO_LARGE",
        `BIRD reply exceeded ${this.maxReplyBytes} bytes`, { details: { maxReplyBytes: this.maxReplyBytes } });
      throw this.failure;
    }
    if (this.curKind === "final") this.replyBytes = 0;
  }

  private fail(code: "FW_BIRD_PROTOCOL", message: string, retryable: boolean, line?: string): never {
    const details: Record<string, unknown> = { line: this.lineNo };
    if (line !== undefined) details.text = line.length > 200 ? `${line.slice(0, 200)}...` : line;
    this.failure = new FibwardenError(code, message, { retryable, details });
    throw this.failure;
  }
}

/** Frames a complete transcript (bytes or text) and checks that it ends on a reply boundary. */
export function frameTranscript(input: Uint8Array | string, opts: ReplyFramerOptions = {}): ReplyLine[] {
  const framer = new ReplyFramer(opts);
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const lines = framer.push(bytes);
  framer.end();
  return lines;
}
