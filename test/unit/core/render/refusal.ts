// The FW_INVALID_TOKEN refusal a call throws (any other error is re-thrown; no throw fails).
import { isFibwardenError, type FibwardenError } from "../../../../src/core/errors.js";

/** Runs `fn` and returns its FW_INVALID_TOKEN refusal. */
export function refusal(fn: () => unknown): FibwardenError {
  try {
    fn();
  } catch (err) {
    if (isFibwardenError(err, "FW_INVALID_TOKEN")) return err;
    throw err;
  }
  throw new Error("not refused");
}
