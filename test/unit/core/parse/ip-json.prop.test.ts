// Properties of the hot path: the hand-written guard never accepts what zod rejects, the fast
// path normalizes exactly like the zod path, the IPv4 fast canonicalizer agrees with the general
// one, and the streaming parser gives the same routes whatever the chunking.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isFibwardenError } from "../../../../src/core/errors.js";
import { canonicalPrefix, formatIPv4 } from "../../../../src/core/net/ip.js";
import { fastCanonicalIPv4Prefix } from "../../../../src/core/parse/fast-canonical.js";
import { isWireRoute, normalizeRoute, normalizeWireRoute, parseIpRoutes, wireRoute } from "../../../../src/core/parse/ip-json.js";
import { createIpRouteStream } from "../../../../src/core/parse/ip-route-stream.js";
import { readFixture } from "../../../support/fixtures.js";

// Runs per property: FC_RUNS when set (mutation testing sets it low), else this file's default.
const runs = (n: number): number => (process.env.FC_RUNS ? Number(process.env.FC_RUNS) : n);

const anyValue = fc.oneof(
  fc.constantFrom(2 ** 53, 1.5, -0),
  fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 300 }), fc.double(),
  fc.constantFrom("main", "local", "100", "bird", "201", "global", "link", "0x10", "lo", "eth0", "", "blackhole", "unicast", "bogus"),
  fc.constant([]), fc.constant(["onlink"]), fc.constant([1]), fc.constant({}),
);
/** Mostly a plausible value, sometimes anything: keeps the property from being vacuous. */
const mostly = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: anyValue, weight: 1 });
const gatewayValue = mostly(fc.constantFrom("10.1.1.1", "fd00::1", "10.1.1.300", "gw"));
const nexthopValue = mostly(fc.record({
  gateway: gatewayValue, dev: mostly(fc.constantFrom("eth0", "lo")), weight: mostly(fc.integer({ min: 0, max: 300 })),
  flags: mostly(fc.constantFrom([], ["onlink"], ["pervasive"])),
  via: fc.oneof(fc.constant(undefined), fc.record({ family: fc.constantFrom("inet", "inet6"), host: gatewayValue })),
}, { requiredKeys: [] }));
const wireRouteLike = fc.record({
  type: mostly(fc.constantFrom("unicast", "blackhole", "unreachable", "local", "prohibit", "throw", "bogus")),
  dst: mostly(fc.constantFrom("default", "10.0.0.0/8", "10.0.0.1", "10.0.0.1/8", "fd00::/64", "fd00::1", "x", "01.2.3.4", "1.2.3.4/33")),
  gateway: gatewayValue, dev: mostly(fc.constantFrom("eth0", "lo")),
  table: mostly(fc.constantFrom("main", "local", "100", "0", 254, "bogus")),
  protocol: mostly(fc.constantFrom("bird", "201", "kernel", 12, "999")),
  scope: mostly(fc.constantFrom("global", "link", "host", 253, "bogus")),
  prefsrc: gatewayValue, metric: mostly(fc.integer({ min: -1, max: 5000 })),
  tos: mostly(fc.constantFrom("0x10", "16", 8, "0x1ff")), dsfield: mostly(fc.constantFrom("0x10", 4)),
  flags: mostly(fc.constantFrom([], ["onlink"])), nexthops: mostly(fc.array(nexthopValue, { maxLength: 3 })),
}, { requiredKeys: ["dst"] });

/** The outcome of a normalization: the route, or the error code it threw. */
function outcome(fn: () => unknown): unknown {
  try {
    return { ok: fn() };
  } catch (err) {
    return { err: isFibwardenError(err) ? err.code : String(err) };
  }
}

describe("the route guard and the fast path", () => {
  it("accepts only what zod accepts, and normalizes exactly like the zod path", () => {
    let accepted = 0;
    fc.assert(fc.property(wireRouteLike, fc.constantFrom(4 as const, 6 as const), (w, family) => {
      const item = JSON.parse(JSON.stringify(w)) as unknown; // as JSON.parse would hand it over
      if (isWireRoute(item)) {
        accepted++;
        expect(wireRoute.safeParse(item).success).toBe(true);
      }
      const viaZod = outcome(() => {
        const res = wireRoute.safeParse(item);
        if (!res.success) throw Object.assign(new Error("zod"), {});
        return normalizeRoute(res.data, family);
      });
      const fast = outcome(() => normalizeWireRoute(item, family));
      if ("ok" in (viaZod as object)) expect(fast).toEqual(viaZod);
      else expect("err" in (fast as object)).toBe(true);
    }), { numRuns: Math.max(200, runs(2000)) }); // at least 200: about a third are accepted
    expect(accepted).toBeGreaterThan(20); // the property is not vacuous
  });

  it("canonicalizes IPv4 prefixes like canonicalPrefix whenever it takes the fast path", () => {
    const text = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.option(fc.integer({ min: 0, max: 40 }))).map(([v, len]) =>
        (len === null ? formatIPv4(v) : `${formatIPv4(v)}/${len}`)),
      fc.stringMatching(/^[0-9./]{0,20}$/),
    );
    fc.assert(fc.property(text, (t) => {
      const fast = fastCanonicalIPv4Prefix(t);
      const slow = outcome(() => canonicalPrefix(t, 4));
      if (fast !== undefined) expect(slow).toEqual({ ok: fast });
      // It declines only text that is not already canonical (which the general path rewrites or refuses).
      else expect(slow).not.toEqual({ ok: t.includes("/") ? t : `${t}/32` });
    }), { numRuns: runs(5000) });
  });

  it("takes the fast path for every canonical prefix", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 0xffffffff }), (len, v) => {
      const p = canonicalPrefix(`${formatIPv4(v)}/${len}`, 4, { strict: false });
      expect(fastCanonicalIPv4Prefix(p)).toBe(p);
    }));
  });
});

describe("the streaming route parser", () => {
  const text = readFixture("kernel/bird2-node/ip-d-json-4-route-show-table-all.json");
  const expected = parseIpRoutes(text, 4);
  const bytes = new TextEncoder().encode(text);

  it("gives the same routes as parseIpRoutes for any chunking", () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
      const stream = createIpRouteStream(4);
      let start = 0;
      for (const cut of [...cuts].sort((a, b) => a - b)) {
        stream.push(bytes.subarray(start, cut));
        start = cut;
      }
      stream.push(bytes.subarray(start));
      expect(stream.end()).toEqual(expected);
    }), { numRuns: 50 });
  });
});
