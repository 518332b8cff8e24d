// RouteKeyMap (the trackers' map of route keys, IPv4 and short IPv6 keys stored as numbers) behaves as a
// Map<string, V> in everything but its order: after any sequence of sets and deletes, and across
// a walk that deletes and updates as it goes, it holds exactly what the Map holds, and it gives
// back every key as the very text that was set (including texts that only look like IPv4 keys).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routeKey } from "../../../../src/core/model/keys.js";
import { fastIPv4Prefix } from "../../../../src/core/bird/addresses.js";
import { canonicalPrefix } from "../../../../src/core/net/ip.js";
import { fastCanonicalIPv4Prefix, fastCanonicalIPv6Prefix } from "../../../../src/core/parse/fast-canonical.js";
import { primeV4Key, primeV6Key, RouteKeyMap } from "../../../../src/core/track/route-key-map.js";
import { parseRouteKey } from "../../../../src/core/track/route-key.js";

/** The parts of an IPv4 key, read by split (a reference for parseRouteKey after a walk primed it). */
function splitV4(key: string): unknown {
  const [, table, dst, tos, metric] = key.split("|");
  return { family: 4, table: Number(table), dst, tos: Number(tos), metric: Number(metric) };
}

/** The parts of an IPv6 key, read by split. */
function splitV6(key: string): unknown {
  const [, table, dst, metric] = key.split("|");
  return { family: 6, table: Number(table), dst, tos: 0, metric: Number(metric) };
}

const runs = (n: number): number => (process.env.FC_RUNS ? Number(process.env.FC_RUNS) : n);

/** IPv4 keys as routeKey prints them, from small ranges so that keys repeat. */
const v4Key = fc.record({
  table: fc.constantFrom(254, 255, 0, 100, 0xffffffff),
  a: fc.constantFrom(0, 10, 192, 255), b: fc.integer({ min: 0, max: 3 }), c: fc.constantFrom(0, 1, 255), d: fc.constantFrom(0, 1, 7),
  len: fc.constantFrom(0, 8, 24, 32), tos: fc.constantFrom(0, 16, 255), metric: fc.constantFrom(0, 32, 1024, 0xffffffff),
}).map((k) => routeKey({ family: 4, table: k.table, dst: `${k.a}.${k.b}.${k.c}.${k.d}/${k.len}`, tos: k.tos, metric: k.metric }));
/**
 * A canonical IPv6 prefix from a few group values and lengths (so that prefixes repeat), host bits
 * cleared: lengths up to 52 are held as numbers, longer ones as text.
 */
const v6Prefix = fc.record({
  g: fc.array(fc.constantFrom(0, 0, 0, 1, 0xdb8, 0x2001, 0xfd00, 0xffff, 0x8000, 0xf), { minLength: 8, maxLength: 8 }),
  len: fc.constantFrom(0, 1, 8, 16, 31, 32, 47, 48, 51, 52, 53, 56, 64, 127, 128),
}).map(({ g, len }) => {
  const masked = g.map((x, k) => {
    const bits = Math.max(0, Math.min(16, len - 16 * k));
    return bits === 0 ? 0 : x & ((0xffff << (16 - bits)) & 0xffff);
  });
  return canonicalPrefix(`${masked.map((x) => x.toString(16)).join(":")}/${len}`, 6);
});
/** IPv6 keys as routeKey prints them. */
const v6Key = fc.record({
  table: fc.constantFrom(254, 0, 0xffffffff), dst: v6Prefix, metric: fc.constantFrom(0, 1024, 0xffffffff),
}).map((k) => routeKey({ family: 6, table: k.table, dst: k.dst, tos: 0, metric: k.metric }));
/** Texts that are not IPv4 keys as routeKey prints them, some of them nearly. */
const otherKey = fc.constantFrom(
  "6|254|fd00::/64|1024", "6|254|::/0|0", "4|254|010.0.0.0/24|0|32", "4|254|10.0.0.0/024|0|32", "4|254|10.0.0.0/24|0|32x",
  "4|254|10.0.0.0|0|32", "4|254|10.0.0.256/24|0|32", "4|254|10.0.0.0/33|0|32", "4|4294967296|10.0.0.0/24|0|32",
  "4|254|10.0.0.0/24|256|32", "4|254|10.0.0.0/24|0|4294967296", "4|254|10.0.0.0/24|0|", "4|-1|10.0.0.0/24|0|32",
  "4|254|10.0.0.0/24|0|32|", "4|254|10.0.0/24|0|32", "4||10.0.0.0/24|0|32", "", "4", "4|", "x|254|10.0.0.0/24|0|32",
  "4|254|1e1.0.0.0/24|0|32", "4|254|10.0.0.0/24|00|32", "4|254|10.0.0.0/24|0|032",
  // and not IPv6 keys held as numbers: not canonical, out of range, or of another shape
  "6|254|2001:DB8::/32|1024", "6|254|2001:0db8::/32|1024", "6|254|2001:db8:0:0:0:0:0:0/32|1024", "6|254|2001:db8::1/32|1024",
  "6|254|2001:db8::/032|1024", "6|0254|2001:db8::/32|1024", "6|254|2001:db8::/32|01024", "6|254|2001:db8::/32|1024|",
  "6|254|::/0|4294967296", "6|4294967296|::/0|0", "6|254|2001:db8::|1024", "6|254|2001:db8::/32", "6|254|::0/0|0",
  "6|254|2001:db8::/32|0|1024", "6|254|::ffff:10.0.0.0/104|0", "6|254|2001:db8:0:1::/64|1024", "6|254|::/129|0", "6||::/0|0",
  "6|254|1:0:0:0:0:0:0:0/16|0", "6|254|1::0:0/16|0", "6|-1|::/0|0", "6|254|::/0|-1", "6|254|:/0|0",
);
const anyKey = fc.oneof({ arbitrary: v4Key, weight: 4 }, { arbitrary: v6Key, weight: 2 }, { arbitrary: otherKey, weight: 1 });

/** Operations on keys drawn from a small pool (so that keys repeat: sets over, deletes of, keys held). */
type Op = { op: "set" | "setIfAbsent"; key: number; value: number } | { op: "delete"; key: number } | { op: "walk" | "update"; del: number; bump: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constantFrom("set" as const, "setIfAbsent" as const), key: fc.nat(), value: fc.integer({ min: -5, max: 5 }) }), weight: 6 },
  { arbitrary: fc.record({ op: fc.constant("delete" as const), key: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constantFrom("walk" as const, "update" as const), del: fc.integer({ min: 2, max: 5 }), bump: fc.integer({ min: 2, max: 5 }) }), weight: 1 },
);

// Values as the map holds them: the integers themselves, or (mixed) also arrays, boxes and
// fractions; the numeric tables keep objects apart from their number cells. One object per
// integer, so identity is stable for toBe.
const BOXES = new Map<number, unknown>();
const ENCODINGS: Record<string, { enc: (v: number) => unknown; dec: (x: unknown) => number }> = {
  "integers": { enc: (v) => v, dec: (x) => x as number },
  "integers, arrays, boxes and fractions": {
    enc: (v) => {
      if (v % 2 === 0) return v;
      if (v % 3 === 0) return v + 0.5; // a number, held in its cell as any number but NaN
      if (!BOXES.has(v)) BOXES.set(v, v % 5 === 0 ? [v] : { v });
      return BOXES.get(v);
    },
    dec: (x) => (typeof x === "number" ? (Number.isInteger(x) ? x : x - 0.5) : Array.isArray(x) ? (x[0] as number) : (x as { v: number }).v),
  },
};

const PLAIN = ENCODINGS.integers!;

function sameContent(m: RouteKeyMap<unknown>, model: Map<string, number>, probes: readonly string[], enc: (v: number) => unknown, dec: (x: unknown) => number): void {
  expect(m.size).toBe(model.size);
  const entries = [...m].map(([k, x]) => [k, dec(x)] as const);
  expect(new Map(entries)).toEqual(model);
  expect(entries.length).toBe(model.size); // no key twice
  expect([...m.keys()].sort()).toEqual([...model.keys()].sort());
  const walked: Array<[string, number]> = [];
  m.forEach((v, k) => walked.push([k, dec(v)]));
  expect(new Map(walked)).toEqual(model);
  for (const k of probes) {
    expect(m.get(k)).toBe(model.has(k) ? enc(model.get(k)!) : undefined);
    expect(m.has(k)).toBe(model.has(k));
  }
}

describe("RouteKeyMap", () => {
  it.each(Object.entries(ENCODINGS))("holds what a Map<string, V> holds after any sets, deletes and walks that change it (values: %s)", (_name, { enc, dec }) => {
    fc.assert(fc.property(fc.array(op, { maxLength: 120 }), fc.uniqueArray(anyKey, { minLength: 1, maxLength: 12 }), (ops, pool) => {
      const keyOf = (i: number): string => pool[i % pool.length]!;
      const m = new RouteKeyMap<unknown>();
      const model = new Map<string, number>();
      for (const o of ops) {
        if (o.op === "set") {
          m.set(keyOf(o.key), enc(o.value));
          model.set(keyOf(o.key), o.value);
        } else if (o.op === "setIfAbsent") {
          const was = model.get(keyOf(o.key));
          expect(m.setIfAbsent(keyOf(o.key), enc(o.value))).toBe(was === undefined ? undefined : enc(was));
          if (was === undefined) model.set(keyOf(o.key), o.value);
        } else if (o.op === "delete") {
          expect(m.delete(keyOf(o.key))).toBe(model.delete(keyOf(o.key)));
        } else if (o.op === "update") {
          // Every value replaced in place; the keys asked for are the entries' own.
          const asked: Array<[string, number]> = [];
          m.updateEach((x, key) => {
            const v = dec(x);
            if (Math.abs(v) % o.del === 0) asked.push([key(), v]);
            return enc(v * 3 + o.bump);
          });
          for (const [k, v] of asked) expect(model.get(k)).toBe(v);
          expect(asked.length).toBe([...model.values()].filter((v) => Math.abs(v) % o.del === 0).length);
          for (const [k, v] of model) model.set(k, v * 3 + o.bump);
        } else {
          // A walk that deletes every del-th key and bumps every bump-th as it goes (the resync's
          // commit does both): every key present at its start is visited once.
          const walk = o as Extract<Op, { op: "walk" | "update" }>;
          const atStart = new Set(model.keys());
          const visited: string[] = [];
          let i = 0;
          m.forEach((x, k) => {
            const v = dec(x);
            visited.push(k);
            if (/^4\|\d+\|\d+\.\d+\.\d+\.\d+\/\d+\|\d+\|\d+$/.test(k)) expect(parseRouteKey(k)).toEqual(splitV4(k));
            if (/^6\|\d+\|[0-9a-f:]+\/\d+\|\d+$/.test(k)) expect(parseRouteKey(k)).toEqual(splitV6(k));
            i++;
            if (i % walk.del === 0) {
              m.delete(k);
              model.delete(k);
            } else if (i % walk.bump === 0) {
              m.set(k, enc(v + 100));
              model.set(k, v + 100);
            }
          });
          expect(visited.length).toBe(atStart.size);
          expect(new Set(visited)).toEqual(atStart);
        }
        sameContent(m, model, pool, enc, dec);
      }
    }), { numRuns: runs(300) });
  });

  it("places a key primed from a route's fields where reading its text places it", () => {
    const field = fc.record({
      table: fc.constantFrom(0, 254, 0xffffffff, 2 ** 32, -1, 1.5),
      dst: fc.constantFrom("10.0.0.0/24", "10.0.0.1/32", "0.0.0.0/0", "255.255.255.255/32", "10.0.0.1/24", "010.0.0.0/24", "10.0.0.0/08", "10.0.0.0", "fd00::/64"),
      tos: fc.constantFrom(0, 16, 255, 256, -1), metric: fc.constantFrom(0, 32, 0xffffffff, 2 ** 32, 0.5),
      others: fc.array(fc.constantFrom("10.9.0.0/16", "192.168.0.0/24", "10.0.0.0/24"), { maxLength: 2 }),
      bird: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(field, { minLength: 1, maxLength: 20 }), (routes) => {
      const m = new RouteKeyMap<number>();
      const model = new Map<string, number>();
      routes.forEach((r, i) => {
        // As the parsers do before the route reaches a side: the kernel's fast path keeps the text
        // it was given, BIRD's prints a new one; then maybe other prefixes (BIRD's builder hands a
        // route on when the next network starts): the memo holds two.
        const dst = r.bird ? fastIPv4Prefix(r.dst) ?? r.dst : (fastCanonicalIPv4Prefix(r.dst), r.dst);
        for (const o of r.others) (r.bird ? fastIPv4Prefix : fastCanonicalIPv4Prefix)(o);
        const k = routeKey({ family: 4, table: r.table, dst, tos: r.tos, metric: r.metric });
        primeV4Key(k, r.table, dst, r.tos, r.metric);
        m.set(k, i);
        model.set(k, i);
      });
      m.get("6|254|::/0|0"); // read another key: what follows reads its text
      sameContent(m, model, [...model.keys()].map((k) => `${k} `.slice(0, -1)), PLAIN.enc, PLAIN.dec);
    }), { numRuns: runs(300) });
  });

  it("places an IPv6 key primed from a route's fields where reading its text places it", () => {
    const field = fc.record({
      table: fc.constantFrom(0, 254, 0xffffffff, 2 ** 32, -1, 1.5),
      dst: fc.oneof(v6Prefix, fc.constantFrom("2001:DB8::/32", "2001:db8::1/32", "fd00::", "10.0.0.0/24", "2001:db8:0:0:1::/80")),
      metric: fc.constantFrom(0, 1024, 0xffffffff, 2 ** 32, 0.5),
      others: fc.array(v6Prefix, { maxLength: 2 }),
      bird: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(field, { minLength: 1, maxLength: 20 }), (routes) => {
      const m = new RouteKeyMap<number>();
      const model = new Map<string, number>();
      routes.forEach((r, i) => {
        // As the parsers do: the fast path reads the prefix (BIRD's hands a detached copy on), then
        // maybe other prefixes before the route reaches its side (the memo holds two).
        const fast = fastCanonicalIPv6Prefix(r.dst);
        const dst = r.bird && fast !== undefined ? ` ${fast}`.slice(1) : r.dst;
        for (const o of r.others) fastCanonicalIPv6Prefix(o);
        const k = routeKey({ family: 6, table: r.table, dst, tos: 0, metric: r.metric });
        primeV6Key(k, r.table, dst, r.metric);
        m.set(k, i);
        model.set(k, i);
      });
      m.get("4|254|10.0.0.0/24|0|0"); // read another key: what follows reads its text
      sameContent(m, model, [...model.keys()].map((k) => `${k} `.slice(0, -1)), PLAIN.enc, PLAIN.dec);
    }), { numRuns: runs(300) });
  });

  it.each(Object.entries(ENCODINGS))("keeps its content through growth, tombstones and their reuse (values: %s)", (_name, { enc, dec }) => {
    const m = new RouteKeyMap<unknown>();
    const model = new Map<string, number>();
    // IPv4 host routes and IPv6 /48s (networks past 2^32: both halves of the hash) side by side.
    const key = (i: number): string => (i % 3 === 0
      ? routeKey({ family: 6, table: 254, dst: canonicalPrefix(`2001:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/48`, 6), tos: 0, metric: 1024 })
      : routeKey({ family: 4, table: 254, dst: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, tos: 0, metric: 0 }));
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3000; i++) {
        m.set(key(i * 7 + round), enc(i));
        model.set(key(i * 7 + round), i);
      }
      for (let i = 0; i < 3000; i += 2) {
        expect(m.delete(key(i * 7 + round))).toBe(true);
        model.delete(key(i * 7 + round));
      }
      expect(m.delete(key(7 * 3000 + 99))).toBe(false);
    }
    sameContent(m, model, [key(0), key(1), key(7), key(14)], enc, dec);
    // Emptied and refilled: every slot a tombstone or a key, and still exact.
    for (const k of [...model.keys()]) {
      m.delete(k);
      model.delete(k);
    }
    expect(m.size).toBe(0);
    for (let i = 0; i < 100; i++) {
      m.set(key(i), enc(-i));
      model.set(key(i), -i);
    }
    sameContent(m, model, [key(0), key(99), key(100)], enc, dec);
  });

  it("stores routeKey's IPv4 keys by number and any other text as itself", () => {
    const m = new RouteKeyMap<number>();
    const v4 = routeKey({ family: 4, table: 254, dst: "10.0.0.0/24", tos: 0, metric: 32 });
    const near = "4|254|010.0.0.0/24|0|32";
    m.set(v4, 1);
    m.set(near, 2);
    expect(m.get("4|254|10.0.0.0/24|0|32")).toBe(1);
    expect(m.get(near)).toBe(2);
    expect([...m.keys()]).toEqual([v4, near]);
  });
});
