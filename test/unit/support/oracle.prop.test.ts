// The safety properties judge with an oracle of their own (test/support/oracle/ownership.ts), not
// with src/core/ownership.ts. Here the two must agree on every object fast-check can think of,
// under every policy a config can produce: a divergence fails, with the policy and the object.
// Runs: FC_RUNS (default 2000), each over one policy and a few dozen objects.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { InterfaceAddress } from "../../../src/core/model/address.js";
import type { Route, RouteType } from "../../../src/core/model/route.js";
import type { Rule } from "../../../src/core/model/rule.js";
import { canonicalPrefix, formatIPv6, type Family } from "../../../src/core/net/ip.js";
import * as product from "../../../src/core/ownership.js";
import * as oracle from "../../support/oracle/ownership.js";

const RUNS = Number(process.env.FC_RUNS ?? 2000);

// Addresses from a few shared neighbourhoods (so that ranges and addresses meet) and at random.
const v4Arb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom("10.0.0", "10.0.1", "192.168.100", "0.0.0", "255.255.255"), fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 127, 128, 255))
    .map(([net, host]) => `${net}.${host}`),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join(".")),
);
const v6Arb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom([0xfd00, 0, 0, 0], [0xfd00, 0, 0, 1], [0, 0, 0, 0], [0xffff, 0xffff, 0xffff, 0xffff]), fc.constantFrom(0, 1, 2, 3, 4, 0x100, 0x8000, 0xffff))
    .map(([head, last]) => formatIPv6([...head, 0, 0, 0, last])),
  fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map(formatIPv6),
);
const addressArb = (family: Family): fc.Arbitrary<string> => (family === 4 ? v4Arb : v6Arb);
const familyArb = fc.constantFrom<Family>(4, 6);
const prefixlenArb = (family: Family): fc.Arbitrary<number> => (family === 4
  ? fc.oneof(fc.constantFrom(0, 1, 8, 24, 30, 31, 32, 32), fc.integer({ min: 0, max: 32 }))
  : fc.oneof(fc.constantFrom(0, 1, 48, 64, 120, 126, 127, 128, 128), fc.integer({ min: 0, max: 128 })));
/** A canonical prefix (what the config schema makes of `vipRanges`). */
const rangeArb: fc.Arbitrary<string> = familyArb.chain((f) => fc.tuple(addressArb(f), prefixlenArb(f))
  .map(([a, len]) => canonicalPrefix(`${a}/${len}`, f, { strict: false })));

// Device names as the config allows them (1-15 of A-Z a-z 0-9 _ . @ -): short, and long enough
// that `<dev>:<suffix>` crosses the 15-byte label limit.
const devArb = fc.oneof(
  fc.constantFrom("lo", "vip0", "eth0", "dummy-vips", "abcdefghijk", "abcdefghijkl", "abcdefghijklmn0"),
  fc.stringMatching(/^[A-Za-z0-9_.@-]{1,15}$/).filter((d) => d !== "." && d !== ".."),
);
const suffixArb = fc.oneof(fc.constantFrom("fw", "x", "fw-1", "abcdefghijkl"), fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/));
const rangeOf = fc.tuple(fc.oneof(fc.constantFrom(1, 100, 198, 199, 252, 256, 1000, 1500, 1999, 2000, 0xfffffff0), fc.integer({ min: 1, max: 5000 })),
  fc.constantFrom(0, 0, 1, 2, 9, 999))
  .map(([from, len]) => ({ from, to: from + len }))
  .filter((r) => r.from > 255 || r.to < 253); // default, main and local are never managed

/** Policies a config can produce (assertPolicy holds): the protocol, several table ranges, the rest. */
const policyArb: fc.Arbitrary<product.OwnershipPolicy> = fc.record({
  protocol: fc.integer({ min: 1, max: 255 }).filter((p) => ![2, 3, 4, 12].includes(p)),
  tables: fc.array(rangeOf, { minLength: 1, maxLength: 4 }),
  rulePriorities: fc.tuple(fc.oneof(fc.constantFrom(1, 1000, 32765), fc.integer({ min: 1, max: 32765 })), fc.constantFrom(0, 1, 999, 32765))
    .map(([from, len]) => ({ from, to: Math.min(32765, from + len) })),
  protectedTables: fc.subarray([254, 253, 100, 200, 1500, 5000], { minLength: 1 }),
  addressDevices: fc.uniqueArray(devArb, { minLength: 1, maxLength: 4 }),
  addressLabelSuffix: suffixArb,
  addressRanges: fc.array(rangeArb, { maxLength: 4 }),
}).map((p) => ({
  ...p,
  birdProtocol: 12,
  protectedTables: p.protectedTables.filter((t) => !p.tables.some((r) => t >= r.from && t <= r.to)),
}));

/** Numbers on both sides of every boundary of `ranges`, plus some at random. */
const nearArb = (ranges: ReadonlyArray<{ from: number; to: number }>, extra: readonly number[]): fc.Arbitrary<number> => fc.oneof(
  { arbitrary: fc.constantFrom(...ranges.flatMap((r) => [r.from - 1, r.from, r.to, r.to + 1]), ...extra), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 0xffffffff }), weight: 1 },
);
const protocolArb = (p: product.OwnershipPolicy): fc.Arbitrary<number> =>
  fc.oneof({ arbitrary: fc.constantFrom(p.protocol, p.protocol, p.birdProtocol, 2, 4, 0), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 });

const routeArb = (p: product.OwnershipPolicy): fc.Arbitrary<Pick<Route, "protocol" | "table">> =>
  fc.record({ protocol: protocolArb(p), table: nearArb(p.tables, [...p.protectedTables, 253, 254, 255, 0]) });

const ruleArb = (p: product.OwnershipPolicy): fc.Arbitrary<Pick<Rule, "protocol" | "priority">> =>
  fc.record({ protocol: protocolArb(p), priority: nearArb([p.rulePriorities], [0, 32766, 32767]) });

/** Addresses on policy devices and others, with and without our label, hosts or not, in and out of the ranges. */
const interfaceAddressArb = (p: product.OwnershipPolicy): fc.Arbitrary<InterfaceAddress> => {
  const inRange = p.addressRanges.map((range) => {
    const [net, len] = range.split("/") as [string, string];
    return fc.constant({ family: (range.includes(":") ? 6 : 4) as Family, address: net, len: Number(len) });
  });
  const sameNet = inRange.length === 0 ? [] : [fc.oneof(...inRange).map((x) => ({ family: x.family, address: x.address }))];
  const located = fc.oneof(...sameNet, familyArb.chain((family) => addressArb(family).map((address) => ({ family, address }))));
  return fc.record({
    where: located,
    dev: fc.oneof(fc.constantFrom(...p.addressDevices), devArb),
    host: fc.boolean(),
    otherLen: fc.nat(128),
    label: fc.constantFrom("ours", "ours", "other-suffix", "bare-dev", "other-dev", "none"),
  }).map(({ where, dev, host, otherLen, label }) => {
    const hostLen = where.family === 4 ? 32 : 128;
    const prefixlen = host ? hostLen : otherLen % hostLen;
    const labels: Record<string, string | undefined> = {
      "ours": `${dev}:${p.addressLabelSuffix}`, "other-suffix": `${dev}:${p.addressLabelSuffix}x`, "bare-dev": dev,
      "other-dev": `${p.addressDevices[0]}x:${p.addressLabelSuffix}`, "none": undefined,
    };
    const l = labels[label];
    return { family: where.family, dev, address: where.address, prefixlen, scope: 0, ...(l === undefined ? {} : { label: l }) };
  });
};

/** Routes around an address: the kernel's own for it, and near misses on every field. */
const routeNearArb = (a: InterfaceAddress): fc.Arbitrary<Route> => {
  const hostLen = a.family === 4 ? 32 : 128;
  const own = canonicalPrefix(`${a.address}/${a.prefixlen}`, a.family, { strict: false });
  return fc.record({
    table: fc.constantFrom(255, 254, 100),
    type: fc.constantFrom<RouteType>("local", "broadcast", "unicast", "blackhole"),
    protocol: fc.constantFrom(2, 2, 2, 4, 201),
    scope: fc.constantFrom(253, 254, 0),
    dst: fc.oneof(fc.constantFrom(`${a.address}/${hostLen}`, own), addressArb(a.family).map((x) => `${x}/${hostLen}`)),
    prefsrc: fc.oneof(fc.constant(a.address), addressArb(a.family), fc.constant(undefined)),
    family: fc.oneof(fc.constant(a.family), familyArb),
  }).map((r) => ({ ...r, metric: 0, tos: 0, nexthops: [] }));
};

/** Fails with the object and both answers when the oracle and the product disagree. */
function agree(what: string, object: unknown, byOracle: unknown, byProduct: unknown): void {
  if (byOracle !== byProduct) throw new Error(`${what} ${JSON.stringify(object)}: the oracle says ${String(byOracle)}, src/core/ownership.ts says ${String(byProduct)}`);
}

describe("the safety oracle agrees with src/core/ownership.ts", () => {
  it("on routes, rules and addresses, under generated policies", () => {
    fc.assert(fc.property(policyArb.chain((p) => fc.record({
      policy: fc.constant(p),
      routes: fc.array(routeArb(p), { minLength: 1, maxLength: 20 }),
      rules: fc.array(ruleArb(p), { minLength: 1, maxLength: 20 }),
      addresses: fc.array(interfaceAddressArb(p), { minLength: 1, maxLength: 20 }),
    })), ({ policy, routes, rules, addresses }) => {
      product.assertPolicy(policy); // the generator makes only policies a config could produce
      for (const r of routes) agree("route", r, oracle.classifyRoute(policy, r), product.classifyRoute(policy, r));
      for (const r of rules) agree("rule", r, oracle.classifyRule(policy, r), product.classifyRule(policy, r));
      for (const a of addresses) agree("address", a, oracle.classifyAddress(policy, a), product.classifyAddress(policy, a));
    }), { numRuns: RUNS });
  });

  it("on which routes the kernel made for an address (they go with it)", () => {
    const arb = familyArb.chain((family) => fc.record({
      address: addressArb(family), prefixlen: prefixlenArb(family),
    }).map(({ address, prefixlen }): InterfaceAddress => ({ family, dev: "lo", address, prefixlen, scope: 0 })))
      .chain((a) => fc.record({ address: fc.constant(a), routes: fc.array(routeNearArb(a), { minLength: 1, maxLength: 10 }) }));
    fc.assert(fc.property(arb, ({ address, routes }) => {
      for (const r of routes) {
        agree("kernel route for the address", r, oracle.kernelMadeFor(r, address), product.isDerivedFromAddress(r, address));
      }
    }), { numRuns: RUNS });
  });
});

describe("the safety oracle states the definition", () => {
  const policy: oracle.OraclePolicy = {
    protocol: 201, tables: [{ from: 1000, to: 1999 }, { from: 198, to: 198 }], rulePriorities: { from: 1000, to: 1999 },
    birdProtocol: 12, protectedTables: [254], addressDevices: ["lo", "abcdefghijklm"], addressLabelSuffix: "fw",
    addressRanges: ["192.168.100.0/30", "fd00:100::/126"],
  };
  it("routes: our protocol in a managed table, BIRD's in a protected one", () => {
    expect(oracle.classifyRoute(policy, { protocol: 201, table: 1999 })).toBe("ours");
    expect(oracle.classifyRoute(policy, { protocol: 201, table: 2000 })).toBe("alien");
    expect(oracle.classifyRoute(policy, { protocol: 201, table: 254 })).toBe("alien");
    expect(oracle.classifyRoute(policy, { protocol: 12, table: 254 })).toBe("protected");
    expect(oracle.classifyRoute(policy, { protocol: 12, table: 198 })).toBe("alien");
  });
  it("rules: our protocol inside the priority range", () => {
    expect(oracle.classifyRule(policy, { protocol: 201, priority: 1000 })).toBe("ours");
    expect(oracle.classifyRule(policy, { protocol: 201, priority: 999 })).toBe("alien");
    expect(oracle.classifyRule(policy, { protocol: 0, priority: 1500 })).toBe("alien");
  });
  it("addresses: our label (when it fits in 15 bytes) or a host address in a declared range, on an address device", () => {
    const a = (x: Partial<oracle.OracleAddress>): oracle.OracleAddress => ({ family: 4, dev: "lo", address: "10.0.0.1", prefixlen: 32, ...x });
    expect(oracle.classifyAddress(policy, a({ label: "lo:fw" }))).toBe("ours");
    expect(oracle.classifyAddress(policy, a({ label: "lo:fw", dev: "eth0" }))).toBe("alien");
    expect(oracle.classifyAddress(policy, a({ label: "lo:x" }))).toBe("alien");
    expect(oracle.classifyAddress(policy, a({ dev: "abcdefghijklm", label: "abcdefghijklm:fw" }))).toBe("alien"); // 16 bytes
    expect(oracle.classifyAddress(policy, a({ address: "192.168.100.3" }))).toBe("ours");
    expect(oracle.classifyAddress(policy, a({ address: "192.168.100.4" }))).toBe("alien");
    expect(oracle.classifyAddress(policy, a({ address: "192.168.100.3", prefixlen: 24 }))).toBe("alien");
    expect(oracle.classifyAddress(policy, a({ family: 6, address: "fd00:100::3", prefixlen: 128 }))).toBe("ours");
    expect(oracle.classifyAddress(policy, a({ family: 6, address: "fd00:100::4", prefixlen: 128 }))).toBe("alien");
    expect(oracle.classifyAddress(policy, a({ family: 6, address: "fd00:100::3", prefixlen: 128, label: "lo:fw" }))).toBe("ours");
    expect(oracle.classifyAddress(policy, a({ family: 6, address: "fd00:200::3", prefixlen: 128, label: "lo:fw" }))).toBe("alien");
  });
  it("reads every IPv6 text form", () => {
    expect(oracle.toBits("::", 6)).toBe("0".repeat(128));
    expect(oracle.toBits("::ffff:10.0.0.1", 6)).toBe(oracle.toBits("::ffff:a00:1", 6));
    expect(oracle.toBits("fd00::1", 6)).toBe(oracle.toBits("fd00:0:0:0:0:0:0:1", 6));
    expect(oracle.toBits("1::2::3", 6)).toBeUndefined();
    expect(oracle.toBits("10.0.0.1", 6)).toBeUndefined();
    expect(oracle.rangeHolds("10.0.0.0/8", "fd00::1")).toBe(false);
    expect(oracle.rangeHolds("::/0", "fd00::1")).toBe(true);
  });
  it("the kernel's routes for an address go with it", () => {
    const addr: oracle.OracleAddress = { family: 4, dev: "lo", address: "10.1.2.3", prefixlen: 24 };
    const r = (x: Partial<oracle.OracleRoute>): oracle.OracleRoute => ({ family: 4, table: 255, dst: "10.1.2.3/32", type: "local", protocol: 2, scope: 254, prefsrc: "10.1.2.3", ...x });
    expect(oracle.kernelMadeFor(r({}), addr)).toBe(true);
    expect(oracle.kernelMadeFor(r({ type: "broadcast", dst: "10.1.2.255/32", scope: 253 }), addr)).toBe(true);
    expect(oracle.kernelMadeFor(r({ table: 254, type: "unicast", dst: "10.1.2.0/24", scope: 253 }), addr)).toBe(true);
    expect(oracle.kernelMadeFor(r({ table: 254, type: "unicast", dst: "10.1.2.0/24", scope: 0 }), addr)).toBe(false);
    expect(oracle.kernelMadeFor(r({ protocol: 4 }), addr)).toBe(false);
    expect(oracle.kernelMadeFor(r({ prefsrc: "10.1.2.4" }), addr)).toBe(false);
  });
});
