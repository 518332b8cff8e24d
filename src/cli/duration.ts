// Durations on the command line: `500ms`, `5s`, `2m`.
import { FibwardenError } from "../core/errors.js";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/** Parses `text` (`<integer><ms|s|m>`, at most `maxMs`) into milliseconds; FW_INVALID_TOKEN otherwise. */
export function parseDuration(text: string, what: string, maxMs = 600_000): number {
  const m = /^(\d{1,7})(ms|s|m)$/.exec(text);
  const ms = m === null ? NaN : Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms) || ms > maxMs) {
    throw new FibwardenError("FW_INVALID_TOKEN", `${what}: ${JSON.stringify(text)} is not a duration such as 500ms, 5s or 2m (at most ${maxMs / 1000} s)`);
  }
  return ms;
}
