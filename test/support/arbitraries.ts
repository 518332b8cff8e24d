// fast-check arbitraries for kernel and desired state. Values come from small pools so that
// generated items collide on kernel keys often: the interesting cases for ownership.
import fc from "fast-check";
import type { InterfaceAddress } from "../../src/core/model/address.js";
import { addressKey, routeKey, ruleKey, sysctlKey } from "../../src/core/model/keys.js";
import { makeAddress, makeRoute, makeRule } from "../../src/core/model/normalize.js";
import type { Route, RouteType } from "../../src/core/model/route.js";
import type { Rule } from "../../src/core/model/rule.js";
import type { SysctlName, SysctlValue } from "../../src/core/model/sysctl.js";
import type { OwnershipPolicy } from "../../src/core/ownership.js";
import type { DesiredState, LiveState } from "../../src/core/plan/types.js";

/** The policy the properties run under: proto 201, tables 1000-1999 and announce table 198. */
export const testPolicy: OwnershipPolicy = {
  protocol: 201,
  tables: [{ from: 1000, to: 1999 }, { from: 198, to: 198 }],
  rulePriorities: { from: 1000, to: 1999 },
  birdProtocol: 12,
  protectedTables: [254],
  addressDevices: ["lo", "vip0"],
  addressLabelSuffix: "fw",
  addressRanges: ["192.168.100.0/30", "fd00:100::/126"],
};
export const OURS = testPolicy.protocol;
export const BIRD = 12;

const POOLS = {
  4: {
    dsts: ["0.0.0.0/0", "10.0.0.0/24", "10.0.1.0/24", "192.168.100.1/32", "192.168.100.2/32"],
    metrics: [0, 32, 100],
    gateways: ["10.1.1.1", "10.1.2.1"],
    hosts: ["192.168.100.1", "192.168.100.2", "192.168.200.1"],
  },
  6: {
    dsts: ["::/0", "fd00::/64", "fd00:1::/64", "fd00:100::1/128", "fd00:100::2/128"],
    metrics: [1024, 32, 100],
    gateways: ["fd00:1::1", "fd00:2::1"],
    hosts: ["fd00:100::1", "fd00:100::2", "fd00:200::1"],
  },
} as const;
const TABLES = [254, 198, 1000, 1001, 1999, 100, 2000];
const DEVS = ["eth0", "eth1"];
const PROTOCOLS = fc.oneof(fc.constantFrom(2, 3, 4, BIRD, OURS, OURS, 250), fc.integer({ min: 0, max: 255 }));

const nexthopArb = (family: 4 | 6) => fc.record({
  gateway: fc.option(fc.constantFrom(...POOLS[family].gateways), { nil: undefined }),
  dev: fc.constantFrom(...DEVS),
  weight: fc.constantFrom(1, 1, 2, 5),
  onlink: fc.boolean(),
});

/** A route of either family from the colliding pools, with the given protocol/table arbitraries. */
export function routeArb(protocol: fc.Arbitrary<number> = PROTOCOLS, table: fc.Arbitrary<number> = fc.constantFrom(...TABLES)): fc.Arbitrary<Route> {
  return fc.constantFrom(4 as const, 6 as const).chain((family) => fc.record({
    dst: fc.constantFrom(...POOLS[family].dsts),
    table,
    protocol,
    metric: fc.constantFrom(...POOLS[family].metrics),
    type: fc.constantFrom<RouteType>("unicast", "unicast", "unicast", "blackhole", "unreachable"),
    nexthops: fc.array(nexthopArb(family), { minLength: 1, maxLength: 2 }),
    prefsrc: fc.option(fc.constantFrom(...POOLS[family].hosts), { nil: undefined, freq: 4 }),
  }).map((r) => makeRoute({ ...r, family, nexthops: r.type === "unicast" ? uniqNexthops(r.nexthops) : [] })));
}

function uniqNexthops<T extends { gateway?: string | undefined; dev: string }>(nhs: T[]): T[] {
  const seen = new Set<string>();
  return nhs.filter((n) => {
    const k = `${n.gateway}|${n.dev}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A rule from the colliding pools. */
export function ruleArb(protocol: fc.Arbitrary<number> = fc.constantFrom(0, 2, 4, OURS, OURS, 250)): fc.Arbitrary<Rule> {
  return fc.constantFrom(4 as const, 6 as const).chain((family) => fc.record({
    priority: fc.constantFrom(0, 999, 1000, 1001, 1500, 1999, 2000, 32766),
    from: fc.option(fc.constantFrom(...POOLS[family].hosts), { nil: undefined }),
    table: fc.constantFrom(...TABLES),
    protocol,
    fwmark: fc.option(fc.constant({ value: 16, mask: 0xffffffff }), { nil: undefined, freq: 5 }),
  }).map((r) => makeRule({ ...r, family, from: r.from === undefined ? undefined : `${r.from}` })));
}

/** An address from the colliding pools (labels `<dev>:fw` mark ours for IPv4). */
export function addressArb(): fc.Arbitrary<InterfaceAddress> {
  return fc.constantFrom(4 as const, 6 as const).chain((family) => fc.record({
    dev: fc.constantFrom("lo", "vip0", "eth0"),
    address: fc.constantFrom(...POOLS[family].hosts),
    host: fc.boolean(),
    label: fc.constantFrom<"fw" | "x" | "">("fw", "x", ""),
  }).map((a) => makeAddress({
    dev: a.dev, address: a.address,
    prefixlen: a.host ? (family === 4 ? 32 : 128) : (family === 4 ? 24 : 64),
    ...(family === 4 && a.label !== "" ? { label: `${a.dev}:${a.label}` } : {}),
  })));
}

const SYSCTL_IFACES = ["all", "default", "lo", "eth0", "eth1"];
const SYSCTL_NAMES: SysctlName[] = ["rp_filter", "send_redirects"];

/** A full sysctl table for the pool's interfaces. */
export function sysctlsArb(): fc.Arbitrary<SysctlValue[]> {
  const keys = SYSCTL_IFACES.flatMap((iface) => SYSCTL_NAMES.map((name) => ({ iface, name })));
  return fc.tuple(...keys.map(() => fc.integer({ min: 0, max: 2 }))).map((vals) =>
    keys.map((k, i) => ({ ...k, value: vals[i]! })));
}

/** Live kernel state: unique kernel keys, as a real kernel holds them. */
export function liveArb(): fc.Arbitrary<LiveState> {
  return fc.record({
    // Mostly unique keys, plus a few routes sharing a key, as `ip route append` and IPv6
    // kernel link routes leave them.
    routes: fc.tuple(fc.uniqueArray(routeArb(), { selector: routeKey, maxLength: 25 }), fc.array(routeArb(), { maxLength: 2 }))
      .map(([unique, shared]) => [...unique, ...shared]),
    rules: fc.uniqueArray(ruleArb(), { selector: ruleKey, maxLength: 8 }),
    addresses: fc.uniqueArray(addressArb(), { selector: addressKey, maxLength: 6 }),
    sysctls: sysctlsArb(),
  });
}

/** Desired state: mostly ownable items of ours, some that are not (config mistakes), BIRD's exports. */
export function desiredArb(): fc.Arbitrary<DesiredState> {
  const oursRoute = routeArb(fc.constantFrom(OURS, OURS, OURS, OURS, 4), fc.constantFrom(198, 1000, 1001, 1999, 1999, 254));
  const oursRule = ruleArb(fc.constantFrom(OURS, OURS, OURS, 0));
  const oursAddress = fc.constantFrom(4 as const, 6 as const).chain((family) =>
    fc.record({ dev: fc.constantFrom("lo", "vip0"), address: fc.constantFrom(...POOLS[family].hosts) }).map((a) =>
      makeAddress({ ...a, prefixlen: family === 4 ? 32 : 128, ...(family === 4 ? { label: `${a.dev}:fw` } : {}) })));
  const sysctl = fc.record({
    iface: fc.constantFrom(...SYSCTL_IFACES, "eth9"),
    name: fc.constantFrom(...SYSCTL_NAMES),
    value: fc.integer({ min: 0, max: 2 }),
  });
  return fc.record({
    routes: fc.array(oursRoute, { maxLength: 12 }),
    rules: fc.array(oursRule, { maxLength: 6 }),
    addresses: fc.array(oursAddress, { maxLength: 4 }),
    sysctls: fc.uniqueArray(sysctl, { selector: sysctlKey, maxLength: 4 }),
    protectedRoutes: fc.uniqueArray(routeArb(fc.constant(BIRD), fc.constant(254)), { selector: routeKey, maxLength: 6 }),
  });
}

/** Shuffles a copy of `items` with a seeded Fisher-Yates (for determinism properties). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
