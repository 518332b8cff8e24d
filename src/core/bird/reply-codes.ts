// What a BIRD reply code means, and the typed error for a command BIRD refused.
// Code classes follow BIRD's doc/reply_codes: 0xxx done, 1xxx table data, 2xxx table heading,
// 8xxx run-time error, 9xxx parse error.
import { FibwardenError } from "../errors.js";

/** The class of a 4-digit BIRD reply code. */
export type ReplyCodeClass = "ok" | "data" | "heading" | "runtime-error" | "parse-error" | "unknown";

/** BIRD's "Stopped due to reconfiguration": the reply was cut short and must not be used. */
export const BIRD_CODE_STOPPED_BY_RECONFIGURATION = 8004;

/** BIRD's "Network not found" (1.6: "Network not in table"): `show route [for] X` matched nothing. */
export const BIRD_CODE_NETWORK_NOT_FOUND = 8001;

/** Returns the class of a reply code by its thousands digit. */
export function classifyReplyCode(code: number): ReplyCodeClass {
  switch (Math.floor(code / 1000)) {
    case 0: return "ok";
    case 1: return "data";
    case 2: return "heading";
    case 8: return "runtime-error";
    case 9: return "parse-error";
    default: return "unknown";
  }
}

/** BIRD answered a command with an 8xxx (run-time) or 9xxx (parse) error line. */
export class BirdCommandError extends FibwardenError {
  /** The 4-digit code BIRD sent, e.g. 9001. */
  readonly birdCode: number;
  /** The text after the code, e.g. "syntax error, unexpected CF_SYM_UNDEFINED". */
  readonly birdText: string;

  constructor(birdCode: number, birdText: string, details: Record<string, unknown> = {}) {
    // 8004 means BIRD stopped mid-table because its configuration changed: the same command
    // will work once the reconfiguration is over, and the partial output is not a table.
    const retryable = birdCode === BIRD_CODE_STOPPED_BY_RECONFIGURATION;
    super("FW_BIRD_COMMAND", `BIRD refused the command: ${birdCode} ${birdText}`, {
      retryable,
      details: { ...details, birdCode, birdText },
    });
    this.name = "BirdCommandError";
    this.birdCode = birdCode;
    this.birdText = birdText;
  }
}

/** Returns true when `err` is a BirdCommandError, optionally with the given BIRD code. */
export function isBirdCommandError(err: unknown, birdCode?: number): err is BirdCommandError {
  return err instanceof BirdCommandError && (birdCode === undefined || err.birdCode === birdCode);
}

/**
 * Checks the final line of a reply: returns for 0xxx/1xxx/2xxx, throws BirdCommandError for
 * 8xxx/9xxx and FW_BIRD_PROTOCOL for codes BIRD does not define.
 */
export function checkFinalReplyCode(code: number, text: string): void {
  const cls = classifyReplyCode(code);
  if (cls === "runtime-error" || cls === "parse-error") throw new BirdCommandError(code, text);
  if (cls === "unknown") {
    throw new FibwardenError("FW_BIRD_PROTOCOL", `BIRD ended a reply with unknown code ${code}`, {
      details: { code, text },
    });
  }
}
