// The incremental JSON array parser: its error messages and causes, when it hands out a batch
// (batchChars threshold, cut at the expected element prefix, scan fallback), and the
// bracket/string scan that finds the last complete element.
import { describe, expect, it } from "vitest";
import { FibwardenError, isFibwardenError } from "../../../../src/core/errors.js";
import { createJsonArrayStream, lastElementEnd, type JsonArrayStreamOptions } from "../../../../src/core/parse/json-array-stream.js";
import { createIpRouteStream } from "../../../../src/core/parse/ip-route-stream.js";

function collector(opts: JsonArrayStreamOptions = {}) {
  const batches: unknown[][] = [];
  const stream = createJsonArrayStream((items) => batches.push(items), opts);
  return { stream, batches, items: () => batches.flat() };
}

function thrown(f: () => void): FibwardenError {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(isFibwardenError(err, "FW_KERNEL_READ")).toBe(true);
  return err as FibwardenError;
}

describe("createJsonArrayStream errors", () => {
  it("names the dump in the message (`output` by default)", () => {
    expect(thrown(() => collector().stream.pushText("{\"a\":1}")).message).toBe("ip -json output: output is not a JSON array");
    expect(thrown(() => collector({ what: "rule" }).stream.pushText(" {")).message).toBe("ip -json rule: output is not a JSON array");
  });

  it("names route dumps `route`", () => {
    expect(thrown(() => createIpRouteStream(4).pushText("{}")).message).toBe("ip -json route: output is not a JSON array");
  });

  it("reports invalid JSON with the JSON.parse error as cause", () => {
    const { stream } = collector();
    stream.pushText("[{\"a\":1},{\"b\":nope}]");
    const err = thrown(() => stream.end());
    expect(err.message).toBe("ip -json output: output is not valid JSON");
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it("reports output cut before the closing bracket, without a cause", () => {
    const { stream } = collector();
    stream.pushText("[{\"type\":\"unicast\"},{\"type\":\"uni");
    const err = thrown(() => stream.end());
    expect(err.message).toBe("ip -json output: output ends before the JSON array is closed");
    expect(err.cause).toBeUndefined();
  });

  it("refuses any data pushed after end()", () => {
    const { stream, items } = collector();
    stream.pushText("[{\"a\":1}]");
    stream.end();
    expect(thrown(() => stream.pushText("[]")).message).toBe("ip -json output: data after the end of the output");
    expect(thrown(() => stream.push(new TextEncoder().encode(" "))).message).toBe("ip -json output: data after the end of the output");
    expect(items()).toEqual([{ a: 1 }]);
  });
});

describe("createJsonArrayStream batches", () => {
  it("hands out complete elements before the end once batchChars are pending", () => {
    const { stream, batches, items } = collector({ batchChars: 16 });
    stream.pushText("[{\"a\":1},{\"b\":2},{\"c\":3}");
    expect(batches).toEqual([[{ a: 1 }, { b: 2 }]]);
    stream.pushText(",{\"d\":4}]");
    stream.end();
    expect(items()).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }, { d: 4 }]);
  });

  it("parses as soon as exactly batchChars characters are pending, not before", () => {
    const body = "{\"a\":1},{\"b\":2}"; // 15 characters after the `[`
    const at = collector({ batchChars: body.length });
    at.stream.pushText("[");
    at.stream.pushText(body);
    expect(at.batches).toEqual([[{ a: 1 }]]);

    const below = collector({ batchChars: body.length + 1 });
    below.stream.pushText("[");
    below.stream.pushText(body);
    expect(below.batches).toEqual([]);
    below.stream.pushText("]");
    below.stream.end();
    expect(below.batches.flat()).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it("buffers 256 KiB by default before parsing", () => {
    const element = "{\"a\":1},"; // 8 characters
    const { stream, batches, items } = collector();
    stream.pushText("[");
    stream.pushText(element.repeat(32 * 1024 - 1)); // 8 characters short of 256 KiB
    expect(batches.length).toBe(0); // (a count: a diff of 32K elements would be slow)
    stream.pushText(element);
    expect(batches.length).toBe(1);
    stream.pushText("{\"a\":1}]");
    stream.end();
    expect(items().length).toBe(32 * 1024 + 1);
  });

  it("cuts at the last `},` before the element prefix, even when a nested array holds a later `},{\"`", () => {
    const { stream, batches, items } = collector({ elementPrefix: "{\"type\":", batchChars: 8 });
    stream.pushText("[");
    stream.pushText("{\"type\":1},{\"type\":2,\"nh\":[{\"a\":1},{\"b\":2}]}");
    expect(batches).toEqual([[{ type: 1 }]]);
    stream.pushText("]");
    stream.end();
    expect(items()).toEqual([{ type: 1 }, { type: 2, nh: [{ a: 1 }, { b: 2 }] }]);
  });

  it("still cuts at a generic `},{\"` when elements lack the expected prefix", () => {
    const { stream, batches, items } = collector({ elementPrefix: "{\"type\":", batchChars: 8 });
    stream.pushText("[{\"a\":1},{\"b\":2},{\"c\":3}");
    expect(batches).toEqual([[{ a: 1 }, { b: 2 }]]);
    stream.pushText("]");
    stream.end();
    expect(items()).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  it("finds the element boundary by scanning when the last candidate cut lies in a nested array", () => {
    const { stream, batches, items } = collector({ batchChars: 8 });
    stream.pushText("[{\"a\":[{\"x\":1},{\"y\":2}]},{\"b\":[{\"x\":1},{\"y\"");
    expect(batches).toEqual([[{ a: [{ x: 1 }, { y: 2 }] }]]);
    stream.pushText(":2}]}]");
    stream.end();
    expect(items()).toEqual([{ a: [{ x: 1 }, { y: 2 }] }, { b: [{ x: 1 }, { y: 2 }] }]);
  });

  it.each(["[]", "[ ]", "[\n]\n"])("hands out no batch at all for the empty array %j", (text) => {
    const { stream, batches } = collector();
    stream.pushText(text);
    stream.end();
    expect(batches).toEqual([]);
  });
});

describe("lastElementEnd", () => {
  it("skips escaped quotes inside strings", () => {
    const first = "{\"a\":\"\\\"}\"}"; // {"a":"\"}"}
    expect(lastElementEnd(`${first},{"b"`)).toBe(first.length);
  });

  it("stops at the `]` that closes the array", () => {
    expect(lastElementEnd("{\"a\":1}] [{\"b\":2}")).toBe(7);
  });
});
