// `ip -batch -force` stderr: several messages for one line, a line failing with no message, the
// same line failing twice, trailing blanks (CR LF), and another batch file's `Command failed`.
import { describe, expect, it } from "vitest";
import { parseBatchStderr } from "../../../../src/core/parse/ip-batch-errors.js";

describe("parseBatchStderr", () => {
  it("joins the several messages of one failed line, and of the unattributed tail, with newlines", () => {
    const { byLine, unattributed } = parseBatchStderr(
      "Error: inet prefix is expected rather than \"x\".\nRTNETLINK answers: Invalid argument\nCommand failed -:3\nwarning: a\nwarning: b\n",
    );
    expect([...byLine]).toEqual([[3, "Error: inet prefix is expected rather than \"x\".\nRTNETLINK answers: Invalid argument"]]);
    expect(unattributed).toBe("warning: a\nwarning: b");
  });

  it("says `command failed` for a line that failed without any message", () => {
    const { byLine } = parseBatchStderr("RTNETLINK answers: File exists\nCommand failed -:1\nCommand failed -:2\n");
    expect([...byLine]).toEqual([[1, "RTNETLINK answers: File exists"], [2, "command failed"]]);
  });

  it("keeps both messages when the same line number fails twice", () => {
    const { byLine } = parseBatchStderr("RTNETLINK answers: File exists\nCommand failed -:5\nError: Nexthop has invalid gateway.\nCommand failed -:5\n");
    expect(byLine.get(5)).toBe("RTNETLINK answers: File exists\nError: Nexthop has invalid gateway.");
  });

  it("ignores trailing blanks and CR LF line ends but keeps leading ones", () => {
    const { byLine, unattributed } = parseBatchStderr("  Error: x \r\nCommand failed -:7 \r\n\tlast\r\n");
    expect([...byLine]).toEqual([[7, "  Error: x"]]);
    expect(unattributed).toBe("\tlast");
  });

  it("attributes only `Command failed` lines that name this batch file", () => {
    const { byLine, unattributed } = parseBatchStderr("RTNETLINK answers: File exists\nCommand failed -:2\n", "routes.batch");
    expect(byLine.size).toBe(0);
    expect(unattributed).toBe("RTNETLINK answers: File exists\nCommand failed -:2");
    const named = parseBatchStderr("RTNETLINK answers: File exists\nCommand failed routes.batch:2\n", "routes.batch");
    expect([...named.byLine]).toEqual([[2, "RTNETLINK answers: File exists"]]);
  });
});
