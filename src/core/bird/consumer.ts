// The skeleton every reply parser shares: skip async lines, check the final code, refuse lines
// after the end, and refuse to finish without a final line (a cut reply is never a result).
import { FibwardenError } from "../errors.js";
import type { ReplyLine, ReplyLineKind, ReplyLineSink } from "./framing.js";
import { checkFinalReplyCode } from "./reply-codes.js";

/** Base of the streaming reply parsers: feed lines with `push`/`acceptLine`, then call `end`. */
export abstract class ReplyConsumer implements ReplyLineSink {
  private finished = false;
  /** Number of reply lines seen (async lines excluded), for error details. */
  protected lineNo = 0;

  /** True once the final line of the reply has been accepted. */
  get complete(): boolean {
    return this.finished;
  }

  /** Accepts one framed line. */
  push(line: ReplyLine): void {
    this.acceptLine(line.code, line.kind, line.text);
  }

  /** Accepts one framed line given as its parts (the framer's zero-allocation path). */
  acceptLine(code: number, kind: ReplyLineKind, text: string): void {
    if (kind === "async") return;
    this.lineNo++;
    if (this.finished) {
      throw new FibwardenError("FW_BIRD_PROTOCOL", "BIRD sent a line after the end of the reply", {
        details: { code, text },
      });
    }
    if (kind === "final") {
      this.finished = true;
      checkFinalReplyCode(code, text);
      // Any code can end a reply (BIRD 3 `show threads` ends with a 1027 data line).
      if (code >= 1000) this.onLine(code, text);
      this.onFinal(code, text);
      return;
    }
    this.onLine(code, text);
  }

  /** Ends the reply: throws FW_BIRD_PROTOCOL (retryable) if the final line never came. */
  end(): void {
    if (!this.finished) {
      throw new FibwardenError("FW_BIRD_PROTOCOL", "the BIRD reply ended before its final line", {
        retryable: true,
        details: { lines: this.lineNo },
      });
    }
  }

  /** Handles a non-final line. */
  protected abstract onLine(code: number, text: string): void;

  /** Handles the end of the reply; `text` is the final line's (already passed to onLine if data). */
  protected abstract onFinal(code: number, text: string): void;

  /** Builds an FW_BIRD_PARSE error that names the line. */
  protected parseError(message: string, text: string, cause?: unknown): FibwardenError {
    return new FibwardenError("FW_BIRD_PARSE", message, {
      cause,
      details: { line: this.lineNo, text: text.length > 200 ? `${text.slice(0, 200)}...` : text },
    });
  }
}

/** Feeds every line to a consumer and ends it (for small replies already framed). */
export function consumeLines<T extends ReplyConsumer>(consumer: T, lines: Iterable<ReplyLine>): T {
  for (const line of lines) consumer.push(line);
  consumer.end();
  return consumer;
}
