// The flat scan of a route dump batch (flat-route-scan.ts) is exact or declines: what it returns
// carries, in every field ip-json.ts reads, the values JSON.parse gives; and a dump parsed by the
// streaming parser (which scans first) gives the routes, or the error, of the JSON.parse path.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isFibwardenError } from "../../../../src/core/errors.js";
import { scanFlatRouteBatch, type FlatWireRoute } from "../../../../src/core/parse/flat-route-scan.js";
import { parseIpRoutes } from "../../../../src/core/parse/ip-json.js";
import { createIpRouteStream } from "../../../../src/core/parse/ip-route-stream.js";
import { createJsonArrayStream } from "../../../../src/core/parse/json-array-stream.js";
import { readFixture } from "../../../support/fixtures.js";

const runs = (n: number): number => (process.env.FC_RUNS ? Number(process.env.FC_RUNS) : n);

const READ_FIELDS = ["type", "dst", "gateway", "dev", "table", "protocol", "scope", "prefsrc", "metric", "tos", "dsfield", "flags"] as const;

/** The fields the scan keeps, of an element as JSON.parse gives it (absent: undefined). */
function project(item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of READ_FIELDS) out[f] = Object.hasOwn(item, f) ? item[f] : undefined;
  return out;
}

const plain = fc.constantFrom("1", "unicast", "blackhole", "10.0.0.0/8", "10.0.0.1", "fd00::/64", "default", "eth0", "lo", "254", "main", "12", "bird", "0", "", "ĺö→x", "0x10");
const odd = fc.constantFrom("a\"b", "back\\slash", "tab\there", "new\nline", "},{\"type\":\"x\"", "\u0001");
const str = fc.oneof({ arbitrary: plain, weight: 10 }, { arbitrary: odd, weight: 1 });
const num = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 5000 }), weight: 8 },
  { arbitrary: fc.constantFrom(0, -1, -0, 1.5, 1e21, 2 ** 53, 2 ** 53 + 2, 123456789012345, 1234567890123456), weight: 2 },
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: str, weight: 6 }, { arbitrary: num, weight: 4 },
  { arbitrary: fc.constantFrom([], ["onlink"], ["onlink", "pervasive"]), weight: 3 },
  { arbitrary: fc.constantFrom(true, false, null, {}, [1], [[]], { host: "10.0.0.1" }, [{ dev: "eth0" }]), weight: 1 },
);
const key = fc.oneof({ arbitrary: fc.constantFrom(...READ_FIELDS), weight: 6 }, { arbitrary: fc.constantFrom("nexthops", "via", "nh_info", "pref", "__proto__", "x\"y", "a\\b", "rt_offload"), weight: 1 });
/** Mostly a value of the key's wire type (what iproute2 prints), sometimes anything. */
function fitting(k: string): fc.Arbitrary<unknown> {
  const fit = k === "metric" ? fc.integer({ min: 0, max: 5000 })
    : k === "flags" ? fc.constantFrom([], ["onlink"])
      : ["table", "protocol", "scope", "tos", "dsfield"].includes(k) ? fc.oneof(plain, fc.integer({ min: 0, max: 300 })) : plain;
  return fc.oneof({ arbitrary: fit, weight: 12 }, { arbitrary: value, weight: 1 });
}
/** An element as text: keys in any order, repeated keys allowed, dst usually present. */
const elementText = fc.tuple(
  fc.oneof({ arbitrary: plain, weight: 9 }, { arbitrary: value, weight: 1 }),
  fc.array(key.chain((k) => fc.tuple(fc.constant(k), fitting(k))), { maxLength: 10 }),
  fc.boolean(), fc.nat(),
).map(([dst, pairs, withDst, at]) => {
  const parts = pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  if (withDst || pairs.length === 0) parts.splice(at % (parts.length + 1), 0, `"dst":${JSON.stringify(dst)}`);
  return `{${parts.join(",")}}`;
});
/** A batch as iproute2 prints it, sometimes bent (blanks, a trailing comma, a leading zero, a torn end). */
const batch = fc.tuple(fc.array(elementText, { minLength: 1, maxLength: 4 }), fc.constantFrom("none", "none", "none", "blank", "trailing", "zero", "torn")).map(([els, bend]) => {
  const body = els.join(",");
  switch (bend) {
    case "blank": return body.replace(",", ", ");
    case "trailing": return `${body},`;
    case "zero": return body.replace(/:([1-9])/, ":0$1");
    case "torn": return body.slice(0, -1);
    default: return body;
  }
});

function parsed(body: string): unknown[] | "invalid" {
  try {
    return JSON.parse(`[${body}]`) as unknown[];
  } catch {
    return "invalid";
  }
}

describe("scanFlatRouteBatch", () => {
  it("returns what JSON.parse gives in the fields it reads, or declines", () => {
    let scanned = 0;
    let declinedValid = 0;
    fc.assert(fc.property(batch, (body) => {
      const viaJson = parsed(body);
      const scan = scanFlatRouteBatch(body);
      if (scan === undefined) {
        if (viaJson !== "invalid") declinedValid++;
        return;
      }
      scanned++;
      expect(viaJson).not.toBe("invalid");
      const items = viaJson as Array<Record<string, unknown>>;
      expect(scan.length).toBe(items.length);
      items.forEach((item, i) => {
        expect(typeof item).toBe("object");
        for (const k of ["via", "nexthops", "nh_info"]) expect(Object.hasOwn(item, k)).toBe(false); // read by ip-json.ts too
        expect(scan[i]).toEqual(project(item));
        expect(typeof scan[i]!.dst).toBe("string");
      });
    }), { numRuns: runs(3000) });
    // Neither side is vacuous: many batches scan, and valid batches it cannot read are declined.
    expect(scanned).toBeGreaterThan(runs(3000) / 20);
    expect(declinedValid).toBeGreaterThan(0);
  });

  it.each([
    ["whitespace between tokens", "{\"dst\":\"10.0.0.0/8\", \"metric\":1}"],
    ["an escape", "{\"dst\":\"10.0.0.0/8\",\"dev\":\"a\\\"b\"}"],
    ["a nested object", "{\"dst\":\"10.0.0.0/8\",\"via\":{\"host\":\"10.0.0.1\"}}"],
    ["a leading zero", "{\"dst\":\"10.0.0.0/8\",\"metric\":01}"],
    ["sixteen digits", "{\"dst\":\"10.0.0.0/8\",\"metric\":1234567890123456}"],
    ["a negative number", "{\"dst\":\"10.0.0.0/8\",\"metric\":-1}"],
    ["a fraction", "{\"dst\":\"10.0.0.0/8\",\"metric\":1.5}"],
    ["null", "{\"dst\":\"10.0.0.0/8\",\"gateway\":null}"],
    ["a metric as text", "{\"dst\":\"10.0.0.0/8\",\"metric\":\"1\"}"],
    ["a numeric dst", "{\"dst\":1}"],
    ["no dst", "{\"type\":\"1\"}"],
    ["a nexthops key, whatever its value", "{\"dst\":\"10.0.0.0/8\",\"nexthops\":\"1\"}"],
    ["a trailing comma", "{\"dst\":\"10.0.0.0/8\"},"],
    ["a torn element", "{\"dst\":\"10.0.0.0/8\""],
    ["two elements without a comma", "{\"dst\":\"a\"}{\"dst\":\"b\"}"],
  ])("declines %s", (_, body) => {
    expect(scanFlatRouteBatch(body)).toBeUndefined();
  });

  it("reads iproute2's flat elements, repeated keys last", () => {
    const body = "{\"type\":\"1\",\"dst\":\"11.0.0.0/24\",\"gateway\":\"192.0.2.1\",\"dev\":\"bdut0\",\"table\":\"254\",\"protocol\":\"12\",\"scope\":\"0\",\"metric\":32,\"flags\":[]},"
      + "{\"dst\":\"10.0.0.0/8\",\"dev\":\"eth0\",\"dev\":\"eth1\",\"tos\":16,\"dsfield\":\"0x10\",\"prefsrc\":\"10.0.0.1\",\"flags\":[\"onlink\"],\"pref\":\"medium\",\"x\":[\"y\"]}";
    const out = scanFlatRouteBatch(body)!;
    const none = Object.fromEntries(READ_FIELDS.map((f) => [f, undefined])) as unknown as FlatWireRoute;
    expect(out).toEqual([
      { ...none, type: "1", dst: "11.0.0.0/24", gateway: "192.0.2.1", dev: "bdut0", table: "254", protocol: "12", scope: "0", metric: 32, flags: [] },
      { ...none, dst: "10.0.0.0/8", dev: "eth1", tos: 16, dsfield: "0x10", prefsrc: "10.0.0.1", flags: ["onlink"] },
    ]);
  });
});

/** The outcome of a parse: the routes, or the error code. */
function outcome(fn: () => unknown): unknown {
  try {
    return { ok: fn() };
  } catch (err) {
    return { err: isFibwardenError(err) ? err.code : String(err) };
  }
}

function streamed(text: string, family: 4 | 6): unknown {
  const stream = createIpRouteStream(family);
  const bytes = new TextEncoder().encode(text);
  // Several pushes, so that both the cut batches and the end go through the scan.
  for (let i = 0; i < bytes.length; i += 997) stream.push(bytes.subarray(i, i + 997));
  return stream.end();
}

describe("the JSON array stream with a scan", () => {
  it("cuts blocks where the scan reads them and gives every element once, in order, whatever the blocks", () => {
    // The scan here answers with JSON.parse's own elements whenever the flat scan accepts a
    // batch: the stream's output must then be the array's elements exactly.
    const scanBatch = (body: string): unknown[] | undefined => (scanFlatRouteBatch(body) === undefined ? undefined : JSON.parse(`[${body}]`) as unknown[]);
    const element = fc.oneof(
      { arbitrary: fc.record({ type: fc.constantFrom("1", "unicast"), dst: fc.constantFrom("10.0.0.0/8", "10.1.2.0/24"), dev: fc.constantFrom("eth0", "},{\"type\":\"x"), metric: fc.nat(99) }).map((r) => JSON.stringify(r)), weight: 6 },
      { arbitrary: elementText, weight: 2 },
      { arbitrary: fc.constantFrom(`{"type":"1","dst":"10.0.0.0/8","nexthops":[{"dev":"a"},{"type":"b"}]}`, `{"type":"1","dst":"10.0.0.0/8","x":[[{"type":1}]]}`), weight: 1 },
    );
    fc.assert(fc.property(fc.array(element, { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 8, max: 300 }), (els, sizes, batchChars) => {
      const text = `[${els.join(",")}]`;
      let expected: unknown;
      try {
        expected = JSON.parse(text);
      } catch {
        return; // not an array of elements: the general path's business
      }
      const out: unknown[] = [];
      const stream = createJsonArrayStream((items) => out.push(...items), { elementPrefix: "{\"type\":", batchChars, scanBatch });
      for (let i = 0, j = 0; i < text.length; j++) {
        const n = sizes[j % sizes.length]!;
        stream.pushText(text.slice(i, i + n));
        i += n;
      }
      stream.end();
      expect(out).toEqual(expected);
    }), { numRuns: runs(400) });
  });
});

describe("the streaming route parser with the scan", () => {
  it("gives the routes or the error of the JSON.parse path", () => {
    const elements = fc.array(fc.oneof({ arbitrary: elementText, weight: 1 }, {
      // Mostly routes that normalize: iproute2's shape with varied values.
      arbitrary: fc.record({
        type: fc.constantFrom("1", "unicast", "blackhole", "bogus"), dst: fc.constantFrom("10.0.0.0/8", "10.1.2.0/24", "default", "fd00::/64", "x"),
        gateway: fc.option(fc.constantFrom("192.0.2.1", "fd00::1"), { nil: undefined }), dev: fc.constantFrom("eth0", "bdut0"),
        table: fc.constantFrom("254", "main", 100, "bogus"), protocol: fc.constantFrom("12", "bird", 186), scope: fc.constantFrom("0", "link"),
        metric: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }), flags: fc.constantFrom([], ["onlink"]),
      }, { requiredKeys: ["dst"] }).map((r) => JSON.stringify(r)),
      weight: 4,
    }), { maxLength: 400 });
    fc.assert(fc.property(elements, fc.constantFrom(4 as const, 6 as const), (els, family) => {
      const text = `[${els.join(",")}]\n`;
      const viaJson = outcome(() => parseIpRoutes(text, family));
      expect(outcome(() => streamed(text, family))).toEqual(viaJson);
    }), { numRuns: runs(300) });
  });

  it.each(["bird2-node", "bird16-node"])("reads the %s fixtures as parseIpRoutes does", (node) => {
    for (const [file, family] of [["ip-d-json-4-route-show-table-all.json", 4], ["ip-d-json-6-route-show-table-all.json", 6]] as const) {
      const text = readFixture(`kernel/${node}/${file}`);
      expect(streamed(text, family)).toEqual(parseIpRoutes(text, family));
    }
  });

  it("scans iproute2's own output (the fixtures are flat but for multipath routes)", () => {
    const text = readFixture("kernel/bird2-node/ip-d-json-4-route-show-table-all.json").trim();
    const elements = JSON.parse(text) as unknown[];
    const flat = elements.filter((e) => !JSON.stringify(e).includes("{", 1)).map((e) => JSON.stringify(e));
    expect(flat.length).toBeGreaterThan(0);
    expect(scanFlatRouteBatch(flat.join(","))).toHaveLength(flat.length);
  });
});
