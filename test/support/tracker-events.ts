// Random sequences of tracker events for the trackers' and the planner's model-based properties:
// desired and live set/delete on every kind, whole-side resyncs (including one that fails
// midway), the kernel's own side effects (an address removed, with IPv4's flush of the routes
// using it), and "apply the previous plan" with kernel semantics (test/support/kernel-sim.ts).
// Pools collide on keys on purpose (test/support/arbitraries.ts): foreign routes whose preferred
// source is a VIP, several routes at one key, addresses shared by IP on two devices.
import fc from "fast-check";
import type { InterfaceAddress } from "../../src/core/model/address.js";
import { addressKey, routeKey, ruleKey, sysctlKey } from "../../src/core/model/keys.js";
import { makeAddress, makeRoute } from "../../src/core/model/normalize.js";
import type { Route } from "../../src/core/model/route.js";
import type { Rule } from "../../src/core/model/rule.js";
import type { SysctlValue } from "../../src/core/model/sysctl.js";
import type { DesiredState, LiveState, Plan, PlanOp } from "../../src/core/plan/types.js";
import type { KeySet } from "../../src/core/track/dirty.js";
import { groupId } from "../../src/core/track/route-key.js";
import { replaceDesired, replaceLive, type Trackers } from "../../src/core/track/trackers.js";
import { addressArb, BIRD, desiredArb, liveArb, routeArb, ruleArb, sysctlsArb } from "./arbitraries.js";
import { KernelSim } from "./kernel-sim.js";

/** One event on the trackers. */
export type TrackerEvent =
  | { e: "route.desired.set"; route: Route } | { e: "route.desired.delete"; route: Route }
  | { e: "route.protected.set"; route: Route } | { e: "route.protected.delete"; route: Route }
  | { e: "route.live.add"; route: Route } | { e: "route.live.remove"; pick: number } | { e: "route.live.set"; route: Route }
  | { e: "rule.desired.set"; rule: Rule } | { e: "rule.desired.delete"; rule: Rule }
  | { e: "rule.live.add"; rule: Rule } | { e: "rule.live.remove"; pick: number }
  | { e: "address.desired.set"; address: InterfaceAddress } | { e: "address.desired.delete"; address: InterfaceAddress }
  | { e: "address.live.add"; address: InterfaceAddress } | { e: "address.live.remove"; pick: number }
  | { e: "address.kernel.remove"; pick: number }
  | { e: "sysctl.desired.set"; sysctl: SysctlValue } | { e: "sysctl.live.set"; sysctl: SysctlValue }
  | { e: "resync.live"; live: LiveState } | { e: "resync.desired"; desired: DesiredState }
  | { e: "resync.live.fails"; live: LiveState; after: number }
  | { e: "apply.plan" };

const OURS = 201;
const VIPS = { 4: ["192.168.100.1", "192.168.100.2"], 6: ["fd00:100::1"] } as const;

/**
 * A route from a small, dense pool: few destinations, tables 254 (protected), 198 and 1000
 * (managed), 255 (local); metrics 0/32 (IPv4) and 1024/32 (IPv6); VIPs as preferred source.
 * Keys collide all the time: several routes at one key, BIRD's routes at another metric than
 * the group's, foreign routes in managed tables, lower-metric routes shadowing BIRD's.
 */
function denseRouteArb(protocol: fc.Arbitrary<number>, table: fc.Arbitrary<number>): fc.Arbitrary<Route> {
  return fc.record({
    six: fc.boolean(), d: fc.nat(2), table, protocol, m: fc.nat(1), type: fc.constantFrom("unicast", "unicast", "unicast", "blackhole") as fc.Arbitrary<"unicast" | "blackhole">,
    gw: fc.boolean(), dev: fc.constantFrom("eth0", "eth1"), src: fc.constantFrom(undefined, undefined, 0, 1), tos: fc.constantFrom(0, 0, 0, 8),
  }).map(({ six, d, table: t, protocol: proto, m, type, gw, dev, src, tos }) => {
    // fd00:1::/48 is held as numbers by RouteKeyMap (52 bits or fewer), the others as text.
    const dst = six ? ["fd00::/64", "fd00:1::/48", "fd00:100::1/128"][d]! : ["10.0.0.0/24", "10.0.1.0/24", "192.168.100.1/32"][d]!;
    const vips = VIPS[six ? 6 : 4];
    return makeRoute({ family: six ? 6 : 4, dst, table: t, protocol: proto, type, metric: six ? [1024, 32][m]! : [0, 32][m]!, tos: six ? 0 : tos,
      nexthops: type === "unicast" ? [{ dev, ...(gw ? { gateway: six ? "fd00:1::1" : "10.1.1.1" } : {}) }] : [],
      ...(src === undefined ? {} : { prefsrc: vips[src % vips.length]! }) });
  });
}

/** The kernel's own routes for a VIP (local route in table local): they go with the address. */
const derivedRoute = fc.constantFrom(...VIPS[4]).map((ip) => makeRoute({ family: 4, dst: `${ip}/32`, table: 255, type: "local",
  protocol: 2, scope: 254, prefsrc: ip, nexthops: [{ dev: "lo" }] }));
const oursRoute = fc.oneof({ weight: 1, arbitrary: routeArb(fc.constantFrom(OURS, OURS, OURS, 4), fc.constantFrom(198, 1000, 1001, 1999, 254)) },
  { weight: 3, arbitrary: denseRouteArb(fc.constantFrom(OURS, OURS, OURS, OURS, 4), fc.constantFrom(198, 1000, 1000, 254)) });
const birdRoute = fc.oneof({ weight: 1, arbitrary: routeArb(fc.constant(BIRD), fc.constant(254)) },
  { weight: 3, arbitrary: denseRouteArb(fc.constant(BIRD), fc.constant(254)) });
/** Foreign routes using a VIP (192.168.100.1, fd00:100::1) as preferred source. */
const foreignVipRoute = fc.record({ six: fc.boolean(), protocol: fc.constantFrom(2, 4, BIRD, 250), table: fc.constantFrom(254, 1000, 100) })
  .map(({ six, protocol, table }) => makeRoute({ family: six ? 6 : 4, dst: six ? "fd00::/64" : "10.0.0.0/24", table, protocol,
    metric: six ? 1024 : 0, prefsrc: six ? "fd00:100::1" : "192.168.100.1", nexthops: [{ dev: "eth0" }] }));
const liveRoute = fc.oneof(routeArb(), birdRoute, foreignVipRoute, oursRoute, oursRoute, derivedRoute,
  denseRouteArb(fc.constantFrom(OURS, BIRD, BIRD, 2, 4, 250), fc.constantFrom(254, 254, 198, 1000)),
  denseRouteArb(fc.constantFrom(OURS, BIRD, BIRD, 2, 4, 250), fc.constantFrom(254, 254, 198, 1000)));
/** VIP addresses: ours (label lo:fw, or a host address in the VIP range) and foreign copies of the same IP. */
const vipAddress = fc.record({ six: fc.boolean(), i: fc.nat(1), dev: fc.constantFrom("lo", "lo", "eth0"), label: fc.boolean() })
  .map(({ six, i, dev, label }) => makeAddress({ dev, address: six ? VIPS[6][0] : VIPS[4][i]!, prefixlen: six ? 128 : 32,
    ...(!six && label ? { label: `${dev}:fw` } : {}) }));
const oursAddress = fc.oneof(desiredArb().map((d) => d.addresses).filter((a) => a.length > 0).map((a) => a[0]!), vipAddress);
const sysctl = sysctlsArb().chain((all) => fc.constantFrom(...all));
/** Live state from the dense pools (several routes per key, VIP addresses, BIRD routes at other metrics and TOS). */
export const denseLive = fc.record({
  routes: fc.array(liveRoute, { maxLength: 12 }),
  addresses: fc.uniqueArray(fc.oneof(vipAddress, addressArb()), { selector: addressKey, maxLength: 4 }),
}).chain(({ routes, addresses }) => liveArb().map((l) => ({ ...l, routes, addresses })));
/** Desired state from the dense pools. */
export const denseDesired = fc.record({
  routes: fc.array(oursRoute, { maxLength: 8 }),
  protectedRoutes: fc.array(birdRoute, { maxLength: 6 }),
  addresses: fc.array(oursAddress, { maxLength: 3 }),
}).chain((d) => desiredArb().map((base) => ({ ...base, ...d })));

/** A random tracker event. */
export function eventArb(): fc.Arbitrary<TrackerEvent> {
  return fc.oneof(
    { weight: 3, arbitrary: oursRoute.map((route) => ({ e: "route.desired.set" as const, route })) },
    { weight: 1, arbitrary: oursRoute.map((route) => ({ e: "route.desired.delete" as const, route })) },
    { weight: 2, arbitrary: birdRoute.map((route) => ({ e: "route.protected.set" as const, route })) },
    { weight: 1, arbitrary: birdRoute.map((route) => ({ e: "route.protected.delete" as const, route })) },
    { weight: 3, arbitrary: liveRoute.map((route) => ({ e: "route.live.add" as const, route })) },
    { weight: 2, arbitrary: fc.nat().map((pick) => ({ e: "route.live.remove" as const, pick })) },
    { weight: 1, arbitrary: liveRoute.map((route) => ({ e: "route.live.set" as const, route })) },
    { weight: 2, arbitrary: ruleArb(fc.constantFrom(OURS, OURS, 0)).map((rule) => ({ e: "rule.desired.set" as const, rule })) },
    { weight: 1, arbitrary: ruleArb().map((rule) => ({ e: "rule.desired.delete" as const, rule })) },
    { weight: 1, arbitrary: ruleArb().map((rule) => ({ e: "rule.live.add" as const, rule })) },
    { weight: 1, arbitrary: fc.nat().map((pick) => ({ e: "rule.live.remove" as const, pick })) },
    { weight: 2, arbitrary: oursAddress.map((address) => ({ e: "address.desired.set" as const, address })) },
    { weight: 1, arbitrary: oursAddress.map((address) => ({ e: "address.desired.delete" as const, address })) },
    { weight: 3, arbitrary: fc.oneof(addressArb(), vipAddress).map((address) => ({ e: "address.live.add" as const, address })) },
    { weight: 1, arbitrary: fc.nat().map((pick) => ({ e: "address.live.remove" as const, pick })) },
    { weight: 2, arbitrary: fc.nat().map((pick) => ({ e: "address.kernel.remove" as const, pick })) },
    { weight: 1, arbitrary: sysctl.map((s) => ({ e: "sysctl.desired.set" as const, sysctl: s })) },
    { weight: 1, arbitrary: sysctl.map((s) => ({ e: "sysctl.live.set" as const, sysctl: s })) },
    { weight: 1, arbitrary: fc.oneof(liveArb(), denseLive).map((live) => ({ e: "resync.live" as const, live })) },
    { weight: 1, arbitrary: fc.oneof(desiredArb(), denseDesired).map((desired) => ({ e: "resync.desired" as const, desired })) },
    { weight: 1, arbitrary: fc.tuple(liveArb(), fc.nat(20)).map(([live, after]) => ({ e: "resync.live.fails" as const, live, after })) },
    { weight: 4, arbitrary: fc.constant({ e: "apply.plan" as const }) },
  );
}

/** Everything the trackers' live sides hold. */
export function liveOf(t: Trackers): LiveState {
  const all = <T>(store: { keys(): IterableIterator<string>; get(k: string): readonly T[] }): T[] => [...store.keys()].flatMap((k) => [...store.get(k)]);
  return { routes: all(t.routes.live), rules: all(t.rules.live), addresses: all(t.addresses.live),
    sysctls: [...t.sysctls.live.keys()].map((k) => t.sysctls.live.get(k)!) };
}

/** Everything the trackers' desired sides hold (duplicates of a resync included). */
export function desiredOf(t: Trackers): DesiredState {
  const all = <T>(store: { keys(): IterableIterator<string>; get(k: string): T | undefined; duplicatesAt(k: string): readonly T[] }): T[] =>
    [...store.keys()].flatMap((k) => [store.get(k)!, ...store.duplicatesAt(k)]);
  return { routes: all(t.routes.desired), protectedRoutes: all(t.routes.protected), rules: all(t.rules.desired),
    addresses: all(t.addresses.desired), sysctls: [...t.sysctls.desired.keys()].map((k) => t.sysctls.desired.get(k)!) };
}

function* failingAfter<T>(items: readonly T[], n: number): Generator<T> {
  for (let i = 0; i < items.length; i++) {
    if (i === n) throw new Error("dump failed midway");
    yield items[i]!;
  }
}

const nth = <T>(items: readonly T[], pick: number): T | undefined => (items.length === 0 ? undefined : items[pick % items.length]);

/** Applies one event; `last` is the previous plan (for "apply.plan"). */
export function applyEvent(t: Trackers, ev: TrackerEvent, last: Plan | undefined): void {
  const live = liveOf(t);
  switch (ev.e) {
    case "route.desired.set": return t.routes.desired.set(ev.route);
    case "route.desired.delete": t.routes.desired.delete(routeKey(ev.route)); return;
    case "route.protected.set": return t.routes.protected.set(ev.route);
    case "route.protected.delete": t.routes.protected.delete(routeKey(ev.route)); return;
    case "route.live.add": return t.routes.live.add(ev.route);
    case "route.live.remove": { const r = nth(live.routes, ev.pick); if (r) t.routes.live.remove(r); return; }
    case "route.live.set": return t.routes.live.setAt(routeKey(ev.route), [ev.route]);
    case "rule.desired.set": return t.rules.desired.set(ev.rule);
    case "rule.desired.delete": t.rules.desired.delete(ruleKey(ev.rule)); return;
    case "rule.live.add": if (t.rules.live.get(ruleKey(ev.rule)).length === 0) t.rules.live.add(ev.rule); return; // else EEXIST
    case "rule.live.remove": { const r = nth(live.rules, ev.pick); if (r) t.rules.live.remove(r); return; }
    case "address.desired.set": return t.addresses.desired.set(ev.address);
    case "address.desired.delete": t.addresses.desired.delete(addressKey(ev.address)); return;
    case "address.live.add": if (t.addresses.live.get(addressKey(ev.address)).length === 0) t.addresses.live.add(ev.address); return; // else EEXIST
    case "address.live.remove": { const a = nth(live.addresses, ev.pick); if (a) t.addresses.live.remove(a); return; }
    case "address.kernel.remove": return removeAddressLikeKernel(t, live, nth(live.addresses, ev.pick));
    case "sysctl.desired.set": return t.sysctls.desired.set(ev.sysctl);
    case "sysctl.live.set": return t.sysctls.live.set(ev.sysctl);
    case "resync.live": return replaceLive(t, ev.live);
    case "resync.desired": return replaceDesired(t, ev.desired);
    case "resync.live.fails": {
      try { t.routes.live.replace(failingAfter(ev.live.routes, ev.after)); } catch { /* the previous side stays */ }
      return;
    }
    case "apply.plan": return applyPlan(t, live, last?.ops ?? []);
  }
}

/** The kernel removes an address (and, for IPv4, every route using it as preferred source). */
function removeAddressLikeKernel(t: Trackers, live: LiveState, a: InterfaceAddress | undefined): void {
  if (a === undefined) return;
  const sim = KernelSim.from(live);
  sim.deleteAddress(a);
  replaceLive(t, sim.snapshot());
}

/** Runs `ops` on a kernel holding the trackers' live state; the result is read back as a resync. */
function applyPlan(t: Trackers, live: LiveState, ops: readonly PlanOp[]): void {
  const sim = KernelSim.from(live);
  try {
    sim.execute(ops);
  } catch {
    // a failed write stops the batch; what ran before it stays
  }
  replaceLive(t, sim.snapshot());
}

/** The kernel key of an operation. */
export function opKey(op: PlanOp): string {
  switch (op.kind) {
    case "route.add": case "route.replace": case "route.delete": return routeKey(op.route);
    case "rule.add": case "rule.delete": return ruleKey(op.rule);
    case "address.add": case "address.delete": return addressKey(op.address);
    case "sysctl.set": return sysctlKey(op.sysctl);
  }
}

const opKind = (op: PlanOp): keyof KeySet => (op.kind.startsWith("route") ? "routes" : op.kind.startsWith("rule") ? "rules"
  : op.kind.startsWith("address") ? "addresses" : "sysctls");
const objectKind = { route: "routes", rule: "rules", address: "addresses", sysctl: "sysctls" } as const;

/** The part of `p` about `keys` (`inside`) or about every other key (`!inside`). */
export function restrictPlan(p: Plan, keys: KeySet, inside = true): Plan {
  const groups = new Set([...keys.routes].map((k) => { const f = k.split("|"); return `${f[0]}|${f[1]}|${f[f.length - 1]}`; }));
  const keep = (has: boolean): boolean => has === inside;
  return {
    ops: p.ops.filter((o) => keep(keys[opKind(o)].has(opKey(o)))),
    withheld: p.withheld.filter((o) => keep(keys[opKind(o)].has(opKey(o)))),
    conflicts: p.conflicts.filter((c) => keep(keys[objectKind[c.object]].has(c.key))),
    drift: p.drift.filter((d) => keep(keys.routes.has(d.key))),
    guards: p.guards.filter((g) => keep(groups.has(groupId(g)))),
  };
}
