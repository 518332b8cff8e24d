// FibwardenError and isFibwardenError as docs/library.md documents them: a stable `code`,
// `retryable` (false unless said), `cause` only when one was given, and the `FibwardenError` name
// that its text (and so logs) print.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { FibwardenError, isFibwardenError } from "../../../src/core/errors.js";

describe("FibwardenError", () => {
  it("keeps the cause it was given", () => {
    const cause = new Error("ECONNREFUSED");
    const err = new FibwardenError("FW_BIRD_UNAVAILABLE", "cannot reach BIRD", { cause });
    expect(err.cause).toBe(cause);
    expect(err.message).toBe("cannot reach BIRD");
    expect(err.code).toBe("FW_BIRD_UNAVAILABLE");
  });
  it("keeps a falsy cause too (only an absent cause is no cause)", () => {
    expect(new FibwardenError("FW_ABORTED", "cancelled", { cause: 0 }).cause).toBe(0);
  });
  it("has no own cause property when none was given (inspect prints no [cause])", () => {
    const err = new FibwardenError("FW_ABORTED", "cancelled");
    expect("cause" in err).toBe(false);
    expect(inspect(err)).not.toContain("[cause]");
    expect("cause" in new FibwardenError("FW_ABORTED", "cancelled", { retryable: true })).toBe(false);
  });
  it("is not retryable unless said so", () => {
    expect(new FibwardenError("FW_KERNEL_WRITE", "ip -batch failed").retryable).toBe(false);
    expect(new FibwardenError("FW_KERNEL_WRITE", "ip -batch failed", { details: { line: 3 } }).retryable).toBe(false);
    expect(new FibwardenError("FW_BIRD_TIMEOUT", "no answer", { retryable: true }).retryable).toBe(true);
  });
  it("is named FibwardenError, which its text starts with", () => {
    const err = new FibwardenError("FW_CONFIG_INVALID", "bad config");
    expect(err.name).toBe("FibwardenError");
    expect(String(err)).toBe("FibwardenError: bad config");
  });
});

describe("isFibwardenError", () => {
  it("is false for other errors and non-errors", () => {
    expect(isFibwardenError(new Error("x"))).toBe(false);
    expect(isFibwardenError(new RangeError("x"), "FW_ABORTED")).toBe(false);
    expect(isFibwardenError({ code: "FW_ABORTED", message: "x" })).toBe(false);
    expect(isFibwardenError(undefined)).toBe(false);
  });
  it("with a code, is true only for that code", () => {
    const err = new FibwardenError("FW_BIRD_TIMEOUT", "no answer");
    expect(isFibwardenError(err)).toBe(true);
    expect(isFibwardenError(err, "FW_BIRD_TIMEOUT")).toBe(true);
    expect(isFibwardenError(err, "FW_BIRD_UNAVAILABLE")).toBe(false);
  });
});
