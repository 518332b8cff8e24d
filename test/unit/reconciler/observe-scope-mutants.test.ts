// observeScope and observeProtectedAt at their edges: which kernel scopes an event pass re-reads
// (route events the live side cannot tell, rule and address events that disagree with it, link
// changes and the managed-table threshold), and which prefixes BIRD is asked about, through which
// port, and what a reply does to the protected side. Written against the survivors of mutation
// testing (docs/reliability.md, Mutation testing).
import { afterEach, describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import type { BirdPort } from "../../../src/adapters/ports.js";
import { routeKey } from "../../../src/core/model/keys.js";
import { makeAddress, makeRoute, makeRule } from "../../../src/core/model/normalize.js";
import type { InterfaceAddress } from "../../../src/core/model/address.js";
import type { Route } from "../../../src/core/model/route.js";
import type { Rule } from "../../../src/core/model/rule.js";
import type { Family } from "../../../src/core/net/ip.js";
import { defaultOwnershipPolicy } from "../../../src/core/ownership.js";
import { createTrackers, replaceLive, type Trackers } from "../../../src/core/track/trackers.js";
import type { BirdObservation, KernelProtocolObservation } from "../../../src/reconciler/observe-bird.js";
import {
  liveValues, MAX_PREFIX_QUERIES, MAX_TABLE_REREADS, observeProtectedAt, observeScope, type LinkStates,
} from "../../../src/reconciler/observe-scope.js";
import { emptyScope, noteKernelChange, type PassScope } from "../../../src/reconciler/scope.js";
import { startFakeBird, type FakeBird, type FakeBirdOptions } from "../../support/fake-bird.js";
import { KernelSim } from "../../support/kernel-sim.js";
import { perPrefixExportReplies, WatchedDataplane } from "../../support/watched-dataplane.js";

const LINKS = ["lo", "eth0", "eth1"].map((name, i) => ({ ifindex: i + 1, name, up: true }));

/** A kernel holding `state`, trackers whose live side is that kernel, and a scope fed by its monitor. */
function node(state: { routes?: Route[]; rules?: Rule[]; addresses?: InterfaceAddress[] } = {}) {
  const sim = KernelSim.from({ routes: state.routes ?? [], rules: state.rules ?? [], addresses: state.addresses ?? [], sysctls: [] });
  const dp = new WatchedDataplane(sim, LINKS);
  const t = createTrackers(defaultOwnershipPolicy());
  replaceLive(t, sim.snapshot());
  t.takeDirty();
  const scope: PassScope = emptyScope();
  dp.watch({ onChange: (c) => noteKernelChange(scope, c) });
  return { sim, dp, t, scope };
}

const allUp = (): LinkStates => new Map(LINKS.map((l) => [l.name, true]));
const liveAt = (t: Trackers, r: Route): readonly Route[] => t.routes.live.get(routeKey(r));

/** A route of fibwarden's (protocol 201) in managed table `table`, over eth0. */
const managedRoute = (table: number, dst = "10.50.0.0/24"): Route =>
  makeRoute({ dst, table, protocol: 201, nexthops: [{ gateway: "10.1.1.1", dev: "eth0" }] });

describe("observeScope: route events", () => {
  it("a route deleted whole is removed from the live side without re-reading its table", async () => {
    const r = makeRoute({ dst: "10.200.52.0/24", protocol: 12, metric: 32, nexthops: [{ gateway: "10.1.1.1", dev: "eth0" }] });
    const { sim, dp, t, scope } = node({ routes: [r] });
    sim.deleteRoute(r);
    dp.emit([{ route: r, deleted: true }]);
    await observeScope(dp, t, allUp(), scope);
    expect(liveAt(t, r)).toEqual([]);
    expect(dp.routeReads).toEqual([]);
  });

  it("a partial IPv6 multipath delete re-reads that table and takes the nexthops the kernel kept", async () => {
    const m = makeRoute({ dst: "fd00:5::/64", protocol: 12, metric: 32,
      nexthops: [{ gateway: "fd00:1::1", dev: "eth0" }, { gateway: "fd00:2::1", dev: "eth1" }] });
    const { sim, dp, t, scope } = node({ routes: [m] });
    dp.nexthopDel(m, m.nexthops[1]!);
    await observeScope(dp, t, allUp(), scope);
    expect(dp.routeReads).toEqual([{ family: 6, table: 254 }]);
    const kept = sim.routes.filter((x) => routeKey(x) === routeKey(m));
    expect(kept).toHaveLength(1);
    expect(kept[0]!.nexthops.map((n) => n.dev)).toEqual(["eth0"]);
    expect(liveAt(t, m)).toEqual(kept);
  });
});

describe("observeScope: rule and address events", () => {
  it("re-reads the rules when any one of the batch's rule events disagrees with the cache", async () => {
    const known = makeRule({ priority: 1000, from: "10.0.0.1/32", table: 1000, protocol: 201 });
    const unknown = makeRule({ priority: 1001, from: "10.0.0.2/32", table: 1001, protocol: 201 });
    const { sim, dp, t, scope } = node({ rules: [known] });
    sim.addRule(unknown); // behind the cache's back: only its event says so
    dp.rule(known, false); // agrees with the cache
    dp.rule(unknown, false); // does not
    await observeScope(dp, t, allUp(), scope);
    expect(dp.reads.rules).toBe(1);
    expect(liveValues<Rule>(t.rules.live)).toEqual(sim.rules);
    expect(liveValues<Rule>(t.rules.live)).toHaveLength(2);
  });

  it("an added address the cache lacks re-reads the addresses but no routes", async () => {
    const vip = makeAddress({ dev: "lo", address: "10.111.100.9", prefixlen: 32, label: "lo:fw" });
    const { sim, dp, t, scope } = node();
    sim.addAddress(vip);
    dp.address(vip, false);
    await observeScope(dp, t, allUp(), scope);
    expect(liveValues<InterfaceAddress>(t.addresses.live)).toEqual([vip]);
    expect(dp.reads.addresses).toBe(1);
    expect(dp.routeReads).toEqual([]);
  });

  it("a removed address the cache still holds re-reads its family's routes (the kernel flushed them silently)", async () => {
    const vip = makeAddress({ dev: "lo", address: "10.111.100.9", prefixlen: 32, label: "lo:fw" });
    const viaVip = makeRoute({ dst: "10.60.0.0/24", table: 1000, protocol: 201, prefsrc: "10.111.100.9", nexthops: [{ gateway: "10.1.1.1", dev: "eth0" }] });
    const { dp, t, scope } = node({ addresses: [vip], routes: [viaVip] });
    dp.addressDel(vip);
    await observeScope(dp, t, allUp(), scope);
    expect(liveValues<InterfaceAddress>(t.addresses.live)).toEqual([]);
    expect(liveAt(t, viaVip)).toEqual([]);
    expect(dp.routeReads).toEqual([{ family: 4 }]);
  });
});

describe("observeScope: link changes", () => {
  it("a link flap shorter than a pass re-reads the managed tables (their IPv4 routes were flushed silently), not main", async () => {
    const ours = managedRoute(1000);
    const birds = makeRoute({ dst: "10.200.52.0/24", protocol: 12, metric: 32, nexthops: [{ gateway: "10.1.1.1", dev: "eth0" }] });
    const { dp, t, scope } = node({ routes: [ours, birds] });
    dp.linkSet("eth0", false);
    dp.linkSet("eth0", true);
    const next = await observeScope(dp, t, allUp(), scope);
    expect(next.get("eth0")).toBe(true);
    expect(liveAt(t, ours)).toEqual([]); // gone from the kernel, and now from the cache
    expect(dp.routeReads).toEqual([{ family: 4, table: 1000 }]);
    expect(dp.reads.addresses).toBe(0);
  });

  it("a link that was down and stays down re-reads no family and no addresses", async () => {
    const { dp, t, scope } = node({ routes: [managedRoute(1000)] });
    dp.sim.setLinkUp("eth1", false);
    dp.linkSet("eth0", true); // an event on another link, that changes nothing
    const before = allUp().set("eth1", false);
    const next = await observeScope(dp, t, before, scope);
    expect(next.get("eth1")).toBe(false);
    expect(dp.routeReads).toEqual([{ family: 4, table: 1000 }]);
    expect(dp.reads.addresses).toBe(0);
  });

  it("a link that went down re-reads both families whole and the addresses", async () => {
    const { dp, t, scope } = node({ routes: [managedRoute(1000)] });
    dp.linkSet("eth1", false);
    const next = await observeScope(dp, t, allUp(), scope);
    expect(next.get("eth1")).toBe(false);
    expect(dp.routeReads).toEqual([{ family: 4 }, { family: 6 }]);
    expect(dp.reads.addresses).toBe(1);
  });

  it("a link that is gone counts as down", async () => {
    const { dp, t, scope } = node();
    dp.linkSet("eth0", true);
    const before = allUp().set("veth9", true);
    const next = await observeScope(dp, t, before, scope);
    expect(next.has("veth9")).toBe(false);
    expect(dp.routeReads).toEqual([{ family: 4 }, { family: 6 }]);
    expect(dp.reads.addresses).toBe(1);
  });

  /** Trackers with fibwarden routes desired in `n` managed tables (1000, 1001, ...). */
  async function linkEventWithTables(n: number): Promise<WatchedDataplane> {
    const { dp, t, scope } = node();
    for (let i = 0; i < n; i++) t.routes.desired.set(managedRoute(1000 + i));
    dp.linkSet("eth0", true);
    await observeScope(dp, t, allUp(), scope);
    return dp;
  }

  it(`re-reads each managed table alone up to MAX_TABLE_REREADS (${MAX_TABLE_REREADS}) of them`, async () => {
    const dp = await linkEventWithTables(MAX_TABLE_REREADS);
    expect(dp.routeReads).toEqual(Array.from({ length: MAX_TABLE_REREADS }, (_, i) => ({ family: 4, table: 1000 + i })));
  });

  it("above MAX_TABLE_REREADS managed tables, re-reads IPv4 whole once instead", async () => {
    const dp = await linkEventWithTables(MAX_TABLE_REREADS + 1);
    expect(dp.routeReads).toEqual([{ family: 4 }]);
  });
});

describe("observeProtectedAt", () => {
  const fakes: FakeBird[] = [];
  const ports: BirdPort[] = [];
  afterEach(async () => {
    for (const p of ports.splice(0)) p.close();
    for (const f of fakes.splice(0)) await f.close();
  });

  async function bird(options: FakeBirdOptions = { replies: perPrefixExportReplies() }): Promise<{ fake: FakeBird; port: BirdPort }> {
    const fake = await startFakeBird("bird-2.0.12", options);
    const port = createBirdPort({ socketPath: fake.socketPath, idleTimeoutMs: 300 });
    fakes.push(fake);
    ports.push(port);
    return { fake, port };
  }

  const kp = (socket: string, name: string, family: Family, table: number): KernelProtocolObservation =>
    ({ socket, name, family, table, metric: 32, routes: [], routeCount: 0, skipped: [], syncErrors: [] });
  const observed = (...kernelProtocols: KernelProtocolObservation[]): BirdObservation =>
    ({ complete: true, problems: [], daemons: [], kernelProtocols });
  const routeQueries = (f: FakeBird): string[] => f.commands.filter((c) => c.startsWith("show route"));

  /** What BIRD 2's kernel1 exports at 10.200.52.0/24 (test/fixtures/bird/bird-2.0.12). */
  const exported = makeRoute({ dst: "10.200.52.0/24", protocol: 12, metric: 32, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] });
  const stale = makeRoute({ dst: "10.200.52.0/24", protocol: 12, metric: 32, nexthops: [{ gateway: "10.111.2.1", dev: "nb0" }] });

  /** Trackers protecting `stale` at 10.200.52.0/24; the kernel's route there was just deleted (a dirty key). */
  function protectedSite(): Trackers {
    const t = createTrackers(defaultOwnershipPolicy());
    t.routes.protected.set(stale);
    t.routes.live.setAt(routeKey(stale), [stale]);
    t.takeDirty();
    t.routes.live.setAt(routeKey(stale), []);
    return t;
  }

  it("asks the kernel protocol of a changed key's family and table, and sets the protected side to its export", async () => {
    const { fake, port } = await bird();
    const t = protectedSite();
    await observeProtectedAt(t, observed(kp(port.socket, "kernel1", 4, 254), kp(port.socket, "kernel2", 6, 254)), [port]);
    expect(routeQueries(fake)).toEqual(["show route 10.200.52.0/24 export kernel1"]);
    expect(t.routes.protected.get(routeKey(exported))).toEqual(exported);
  });

  it("asks no other kernel protocol than the one syncing the site's family and table", async () => {
    const { fake, port } = await bird();
    const t = protectedSite();
    await observeProtectedAt(t, observed(kp(port.socket, "kernel2", 6, 254), kp(port.socket, "kernel3", 4, 100), kp(port.socket, "kernel1", 4, 254)), [port]);
    expect(routeQueries(fake)).toEqual(["show route 10.200.52.0/24 export kernel1"]);
    expect(t.routes.protected.get(routeKey(exported))).toEqual(exported);
  });

  it("keeps the protected routes of a family or table no observed kernel protocol syncs, and asks BIRD nothing", async () => {
    const { fake, port } = await bird();
    const six = makeRoute({ dst: "fd00:202::/48", protocol: 12, metric: 32, nexthops: [{ gateway: "fd00:111:1::1", dev: "na0" }] });
    const other = makeRoute({ dst: "10.200.52.0/24", table: 100, protocol: 12, metric: 32, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] });
    const t = createTrackers(defaultOwnershipPolicy());
    for (const r of [six, other]) { t.routes.protected.set(r); t.routes.live.setAt(routeKey(r), [r]); }
    t.takeDirty();
    for (const r of [six, other]) t.routes.live.setAt(routeKey(r), []);
    await observeProtectedAt(t, observed(kp(port.socket, "kernel1", 4, 254)), [port]);
    expect(routeQueries(fake)).toEqual([]);
    expect(t.routes.protected.get(routeKey(six))).toEqual(six);
    expect(t.routes.protected.get(routeKey(other))).toEqual(other);
  });

  it("a prefix BIRD no longer has (8001) loses its protected route", async () => {
    const { port } = await bird({ replies: perPrefixExportReplies(["10.200.52.0/24"]) });
    const t = protectedSite();
    await observeProtectedAt(t, observed(kp(port.socket, "kernel1", 4, 254)), [port]);
    expect(t.routes.protected.get(routeKey(stale))).toBeUndefined();
  });

  it("takes only the asked network from a reply that lists others too", async () => {
    const reply = [
      "1007-Table master4:",
      " 10.200.52.0/24       unicast [up_a4 18:53:18.814] * (100) [AS65000i]",
      " \tvia 10.111.1.1 on na0",
      " 10.200.119.0/24      unicast [up_a4 18:53:18.814] * (100) [AS65000i]",
      " \tvia 10.111.1.1 on na0",
      "0000 ",
      "",
    ].join("\n");
    const { port } = await bird({ replies: { "show route 10.200.52.0/24 export kernel1": reply } });
    const t = protectedSite();
    await observeProtectedAt(t, observed(kp(port.socket, "kernel1", 4, 254)), [port]);
    expect(t.routes.protected.get(routeKey(exported))).toEqual(exported);
    expect([...t.routes.protected.keys()]).toEqual([routeKey(exported)]);
  });

  it("leaves a protected route BIRD still exports unchanged unmarked (the next plan need not revisit it)", async () => {
    const { port } = await bird();
    const t = createTrackers(defaultOwnershipPolicy());
    t.routes.protected.set(exported);
    t.routes.live.setAt(routeKey(exported), [exported]);
    t.takeDirty();
    // a foreign route appears at the same site, at another metric: that key alone changed
    const shadow = makeRoute({ dst: "10.200.52.0/24", protocol: 4, metric: 0, nexthops: [{ gateway: "10.111.2.1", dev: "nb0" }] });
    t.routes.live.setAt(routeKey(shadow), [shadow]);
    await observeProtectedAt(t, observed(kp(port.socket, "kernel1", 4, 254)), [port]);
    expect(t.routes.protected.get(routeKey(exported))).toEqual(exported);
    expect([...t.dirty.routes]).toEqual([routeKey(shadow)]);
  });

  it("asks each kernel protocol through the port of its own socket", async () => {
    const withdrawn = await bird({ replies: perPrefixExportReplies(["10.200.52.0/24"]) });
    const real = await bird();
    const t = protectedSite();
    await observeProtectedAt(t, observed(kp(real.port.socket, "kernel1", 4, 254)), [withdrawn.port, real.port]);
    expect(routeQueries(withdrawn.fake)).toEqual([]);
    expect(routeQueries(real.fake)).toEqual(["show route 10.200.52.0/24 export kernel1"]);
    expect(t.routes.protected.get(routeKey(exported))).toEqual(exported);
  });

  it("rejects, naming the socket, when a kernel protocol's socket has no port", async () => {
    const { port } = await bird();
    const t = protectedSite();
    await expect(observeProtectedAt(t, observed(kp("/run/gone/bird.ctl", "kernel1", 4, 254)), [port]))
      .rejects.toThrow("no BIRD port for /run/gone/bird.ctl");
    expect(t.routes.protected.get(routeKey(stale))).toEqual(stale);
  });

  it("an aborted signal stops the query: rejects FW_ABORTED and leaves the protected side as it was", async () => {
    const { port } = await bird();
    await port.status(); // connected: the abort is the query's, not the connect's
    const t = protectedSite();
    const ctl = new AbortController();
    ctl.abort();
    await expect(observeProtectedAt(t, observed(kp(port.socket, "kernel1", 4, 254)), [port], ctl.signal))
      .rejects.toMatchObject({ code: "FW_ABORTED" });
    expect(t.routes.protected.get(routeKey(stale))).toEqual(stale);
  });

  /** Trackers with live routes changed at `n` distinct IPv4 prefixes of main. */
  function changedPrefixes(n: number): Trackers {
    const t = createTrackers(defaultOwnershipPolicy());
    t.takeDirty();
    for (let i = 0; i < n; i++) {
      const r = makeRoute({ dst: `10.${70 + (i >> 8)}.${i & 255}.0/24`, protocol: 4, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] });
      t.routes.live.setAt(routeKey(r), [r]);
    }
    return t;
  }

  it(`more than MAX_PREFIX_QUERIES (${MAX_PREFIX_QUERIES}) changed prefixes reject before BIRD is asked anything`, async () => {
    const { fake, port } = await bird();
    const t = changedPrefixes(MAX_PREFIX_QUERIES + 1);
    await expect(observeProtectedAt(t, observed(kp(port.socket, "kernel1", 4, 254)), [port]))
      .rejects.toThrow(`${MAX_PREFIX_QUERIES + 1} protected prefixes changed`);
    expect(routeQueries(fake)).toEqual([]);
  });

  it("exactly MAX_PREFIX_QUERIES changed prefixes are each asked", async () => {
    const { fake, port } = await bird();
    const t = changedPrefixes(MAX_PREFIX_QUERIES);
    await observeProtectedAt(t, observed(kp(port.socket, "kernel1", 4, 254)), [port]);
    expect(routeQueries(fake)).toHaveLength(MAX_PREFIX_QUERIES);
  });
});
