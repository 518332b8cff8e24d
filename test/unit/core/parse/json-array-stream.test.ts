// The incremental JSON array parser: cut points inside nested arrays and strings, multi-byte
// characters split across chunks, empty and truncated output.
import { describe, expect, it } from "vitest";
import { isFibwardenError } from "../../../../src/core/errors.js";
import { createJsonArrayStream, lastElementEnd } from "../../../../src/core/parse/json-array-stream.js";

function parseInChunks(text: string, chunk: number, opts: { elementPrefix?: string; batchChars?: number } = {}): unknown[] {
  const out: unknown[] = [];
  const stream = createJsonArrayStream((items) => out.push(...items), { batchChars: 16, ...opts });
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += chunk) stream.push(bytes.subarray(i, i + chunk));
  stream.end();
  return out;
}

const tricky = [
  { type: "unicast", dst: "10.0.0.0/8", nexthops: [{ dev: "a" }, { type: "x", dev: "b" }] },
  { type: "unicast", dst: "10.1.0.0/16", dev: "},{\"type\":\"evil\"" },
  { type: "local", dst: "::1", dev: "ĺö→x", note: "[{]}\\\"" },
  { type: "blackhole", dst: "10.2.0.0/16", nested: [[{ type: "deep" }], { a: [1, 2, { b: "},{\"" }] }] },
];

describe("createJsonArrayStream", () => {
  it.each([1, 2, 3, 7, 64, 4096])("parses elements whole whatever the chunk size (%s bytes)", (chunk) => {
    const text = JSON.stringify(tricky);
    expect(parseInChunks(text, chunk, { elementPrefix: "{\"type\":" })).toEqual(tricky);
    expect(parseInChunks(text, chunk)).toEqual(tricky);
  });

  it("accepts empty output, `[]` and trailing blanks", () => {
    expect(parseInChunks("", 4)).toEqual([]);
    expect(parseInChunks("[]\n", 1)).toEqual([]);
    expect(parseInChunks("  [ {\"a\":1} ]\n\n", 2)).toEqual([{ a: 1 }]);
  });

  it.each([
    ["not an array", "{\"a\":1}"],
    ["truncated", "[{\"type\":\"unicast\",\"dst\":\"10.0.0.0/8\"},{\"type\":\"uni"],
    ["garbage inside", "[{\"a\":1},{\"b\":nope}]"],
    ["data after the end", "[{\"a\":1}] [2]"],
  ])("fails with FW_KERNEL_READ on %s", (_, text) => {
    let err: unknown;
    try { parseInChunks(text, 3); } catch (e) { err = e; }
    expect(isFibwardenError(err, "FW_KERNEL_READ")).toBe(true);
  });

  it("finds the last top-level element end, ignoring brackets in strings", () => {
    expect(lastElementEnd("{\"a\":\"}\"},{\"b\":[1,{\"c\":2}]},{\"d\"")).toBe(27);
    expect(lastElementEnd("{\"a\":1")).toBe(-1);
    expect(lastElementEnd("{\"a\":1}]")).toBe(7);
  });
});
