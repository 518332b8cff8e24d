// The error code and message a call throws, for tests of refusals at the edges.
import { expect } from "vitest";
import { FibwardenError } from "../../src/core/errors.js";

/** The code and message `fn` throws (it must throw a FibwardenError), or undefined when it returns. */
export function thrown(fn: () => unknown): [string, string] | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(FibwardenError);
    return [(e as FibwardenError).code, (e as FibwardenError).message];
  }
}
