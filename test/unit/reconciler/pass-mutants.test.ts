// runPass and writeBack (src/reconciler/pass.ts) through their exported API: what a pass
// reports when the kernel or BIRD cannot be observed, what a purge does and does not touch,
// operations held back or failing, why the next pass must be a resync, event passes over links
// and sysctls, and the fall-back of an event pass that cannot observe its scope.
import { afterEach, describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import type { ApplyOptions, ApplyResult, BirdPort, Clock, KernelChange } from "../../../src/adapters/ports.js";
import { configToPolicy } from "../../../src/config/policy.js";
import { parseConfigText } from "../../../src/config/parse.js";
import { routeKey, ruleKey, sysctlKey } from "../../../src/core/model/keys.js";
import { makeRoute, makeRule } from "../../../src/core/model/normalize.js";
import type { PlanOp } from "../../../src/core/plan/types.js";
import { createTrackers } from "../../../src/core/track/trackers.js";
import { newPassState, runPass, writeBack, type PassDeps } from "../../../src/reconciler/pass.js";
import { emptyScope, noteKernelChange, type PassScope } from "../../../src/reconciler/scope.js";
import { startFakeBird, type FakeBird } from "../../support/fake-bird.js";
import { FakeDataplane } from "../../support/fake-dataplane.js";
import { loadKernelFixture } from "../../support/fixtures.js";
import { KernelSim } from "../../support/kernel-sim.js";
import { NODE_LINKS } from "../../support/reconciler-cleanup.js";
import { perPrefixExportReplies } from "../../support/watched-dataplane.js";

/** A clock that advances `step` ms at every reading: a pass reads it twice. */
function steppingClock(step: number): Clock {
  let t = 1_000;
  return { now: () => (t += step), after: () => () => undefined };
}

const CONFIG = `
ownership: {announceTables: [198]}
sysctls: {rpFilter: {na0: 2}}
vips:
  - {address: 10.111.100.9, announce: {table: 198}}
`;

/** A route of fibwarden's (protocol 201 in a source table) that no VIP wants: a complete pass deletes it. */
const STALE = makeRoute({ family: 4, dst: "0.0.0.0/0", table: 1500, protocol: 201, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] });

/** The captured node, with na0's rp_filter at 0 and a stale route of ours. */
function node(): KernelSim {
  const sim = KernelSim.from({ ...loadKernelFixture("bird2-node"), sysctls: [{ iface: "na0", name: "rp_filter", value: 0 }] });
  sim.loadRoute(STALE);
  return sim;
}

/** A dataplane that records the options each apply received. */
class RecordingDataplane extends FakeDataplane {
  applyOptions: Array<ApplyOptions | undefined> = [];
  override async apply(ops: readonly PlanOp[], opts?: ApplyOptions): Promise<ApplyResult> {
    this.applyOptions.push(opts);
    return super.apply(ops);
  }
}

/** A BIRD that cannot be reached; records what it was asked. */
function unreachableBird(asked: string[]): BirdPort {
  const fail = (what: string) => {
    asked.push(what);
    return Promise.reject(new Error("connect ECONNREFUSED /run/bird/bird.ctl"));
  };
  return {
    socket: "/run/bird/bird.ctl", version: undefined,
    status: () => fail("status"), protocols: () => fail("protocols"), protocol: () => fail("protocol"),
    exportedRoutes: () => fail("exportedRoutes"), exportedRoutesAt: () => fail("exportedRoutesAt"), close: () => undefined,
  };
}

function setup(o: { birds?: BirdPort[]; dp?: FakeDataplane; config?: string } = {}) {
  const config = parseConfigText(o.config ?? CONFIG);
  const dp = o.dp ?? new RecordingDataplane(node(), NODE_LINKS);
  const deps: PassDeps = { config, policy: configToPolicy(config), dataplane: dp, birds: o.birds ?? [], clock: steppingClock(7) };
  const state = newPassState(deps.policy);
  return { config, dp, deps, state, vips: config.vips };
}

const kinds = (ops: readonly PlanOp[] | undefined) => (ops ?? []).map((o) => o.kind).sort();

describe("runPass: the kernel cannot be read", () => {
  it("a plain error from a kernel read is FW_KERNEL_READ with its message; no interfaces, nothing planned, a resync is asked for", async () => {
    class NoLinks extends FakeDataplane {
      override async readLinks(): Promise<never> { throw new Error("netlink dump interrupted"); }
    }
    const { deps, state, vips, dp } = setup({ dp: new NoLinks(node(), NODE_LINKS) });
    const out = await runPass(deps, state, "all", { apply: true, vips });
    expect(out.result.kernel).toEqual({
      complete: false, live: { routes: [], rules: [], addresses: [], sysctls: [] }, routeCount: 0, interfaces: [], links: [],
      problems: [{ code: "FW_KERNEL_READ", message: "netlink dump interrupted" }],
    });
    expect(out.resync).toBe("the kernel could not be read");
    expect(out.keys).toBeUndefined();
    expect(out.result.plan).toBeUndefined();
    expect(out.result.elapsedMs).toBe(7);
    expect(dp.applies).toEqual([]);
  });
});

describe("runPass: resync reasons and elapsed time", () => {
  it("a complete pass that applied everything asks for no resync and times itself on the clock", async () => {
    const { deps, state, vips, dp } = setup();
    const out = await runPass(deps, state, "all", { apply: true, vips });
    expect(out.result.observationComplete).toBe(true);
    expect(out.resync).toBeUndefined();
    expect(out.keys).toBe("all");
    expect(out.result.elapsedMs).toBe(7);
    expect(kinds(out.result.plan?.ops)).toEqual(["address.add", "route.add", "route.delete", "sysctl.set"]);
    expect(dp.sim.routes.some((r) => routeKey(r) === routeKey(STALE))).toBe(false);
    expect(dp.sim.sysctls.get("na0|rp_filter")?.value).toBe(2);
  });

  it("BIRD unreachable: observation incomplete, the stale route of ours is withheld, and the next pass must be a resync", async () => {
    const asked: string[] = [];
    const { deps, state, vips, dp } = setup({ birds: [unreachableBird(asked)] });
    const out = await runPass(deps, state, "all", { apply: true, vips });
    expect(asked).toEqual(["status"]);
    expect(out.result.observationComplete).toBe(false);
    expect(out.result.bird.problems).toEqual([{ code: "FW_BIRD_UNAVAILABLE", socket: "/run/bird/bird.ctl", message: "connect ECONNREFUSED /run/bird/bird.ctl" }]);
    expect(out.result.plan?.withheld.map((o) => o.kind)).toEqual(["route.delete"]);
    expect(kinds(out.result.plan?.ops)).toEqual(["address.add", "route.add", "sysctl.set"]);
    expect(dp.sim.routes.some((r) => routeKey(r) === routeKey(STALE))).toBe(true);
    expect(out.resync).toBe("the observation was incomplete");
  });

  it("a failed operation is the resync reason, ahead of an incomplete observation", async () => {
    const dp = new RecordingDataplane(node(), NODE_LINKS, { failOpIndexes: [0] });
    const { deps, state, vips } = setup({ dp, birds: [unreachableBird([])] });
    const out = await runPass(deps, state, "all", { apply: true, vips });
    expect(out.result.applied?.failed).toBe(1);
    expect(out.resync).toBe("1 operation(s) failed");
  });

  it("the caller's abort signal reaches the dataplane's apply; without one none is passed", async () => {
    const { deps, state, vips, dp } = setup();
    const signal = new AbortController().signal;
    await runPass(deps, state, "all", { apply: true, vips, signal });
    const second = setup();
    await runPass(second.deps, second.state, "all", { apply: true, vips });
    expect((dp as RecordingDataplane).applyOptions[0]?.signal).toBe(signal);
    expect((second.dp as RecordingDataplane).applyOptions[0]).toEqual({});
  });
});

describe("runPass: purge", () => {
  it("asks BIRD nothing and counts as complete: deletes what fibwarden owns (and only that), leaves sysctls, asks for a resync", async () => {
    const asked: string[] = [];
    const { deps, vips, dp } = setup({ birds: [unreachableBird(asked)] });
    // Install the VIP first (BIRD down: incomplete, but adds are planned).
    await runPass(deps, newPassState(deps.policy), "all", { apply: true, vips });
    expect(dp.sim.addresses.some((a) => a.address === "10.111.100.9")).toBe(true);
    dp.sim.sysctls.set("na0|rp_filter", { iface: "na0", name: "rp_filter", value: 0 });
    const foreign = dp.sim.routes.filter((r) => r.protocol !== 201 || (r.table !== 198 && r.table < 1000));
    asked.length = 0;
    const out = await runPass(deps, newPassState(deps.policy), "all", { apply: true, vips, purge: true });
    expect(asked).toEqual([]);
    expect(out.result.observationComplete).toBe(true);
    expect(out.result.bird).toEqual({ complete: true, problems: [], daemons: [], kernelProtocols: [] });
    expect(kinds(out.result.plan?.ops)).toEqual(["address.delete", "route.delete", "route.delete"]);
    expect(out.result.plan?.withheld).toEqual([]);
    expect(dp.sim.addresses.some((a) => a.address === "10.111.100.9")).toBe(false);
    expect(dp.sim.routes.filter((r) => r.protocol === 201 && (r.table === 198 || r.table >= 1000))).toEqual([]);
    expect(dp.sim.routes).toEqual(foreign);
    expect(dp.sim.sysctls.get("na0|rp_filter")?.value).toBe(0);
    expect(out.resync).toBe("a purge desired nothing");
  });
});

describe("runPass: operations held back", () => {
  it("held operations are planned, listed in `held`, and not applied; the rest are", async () => {
    const { deps, state, vips, dp } = setup();
    const out = await runPass(deps, state, "all", { apply: true, vips, hold: (op) => op.kind === "route.delete" });
    expect(out.result.held?.map((o) => [o.kind, o.kind === "route.delete" ? routeKey(o.route) : ""])).toEqual([["route.delete", routeKey(STALE)]]);
    expect(kinds(dp.applies[0])).toEqual(["address.add", "route.add", "sysctl.set"]);
    expect(dp.sim.routes.some((r) => routeKey(r) === routeKey(STALE))).toBe(true);
    expect(kinds(out.result.plan?.ops)).toEqual(["address.add", "route.add", "route.delete", "sysctl.set"]);
  });

  it("a hold that holds nothing lists no `held`; a plan-only pass ignores the hold", async () => {
    const a = setup();
    const none = await runPass(a.deps, a.state, "all", { apply: true, vips: a.vips, hold: () => false });
    expect(none.result.held).toBeUndefined();
    expect(kinds(a.dp.applies[0])).toEqual(["address.add", "route.add", "route.delete", "sysctl.set"]);
    const b = setup();
    const planOnly = await runPass(b.deps, b.state, "all", { apply: false, vips: b.vips, hold: () => true });
    expect(planOnly.result.held).toBeUndefined();
    expect(b.dp.applies).toEqual([]);
  });
});

describe("writeBack", () => {
  const policy = configToPolicy(parseConfigText(CONFIG));
  const ok = (ops: PlanOp[], failed: number[] = []): ApplyResult => ({
    results: ops.map((op, i) => (failed.includes(i) ? { op, status: "failed", error: "EEXIST", lines: [] } : { op, status: "applied", lines: [] })),
    applied: ops.length - failed.length, failed: failed.length, elapsedMs: 0,
  });
  const before = makeRoute({ family: 4, dst: "0.0.0.0/0", table: 1001, protocol: 201, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] });
  const after = makeRoute({ family: 4, dst: "0.0.0.0/0", table: 1001, protocol: 201, nexthops: [{ gateway: "10.111.2.1", dev: "nb0" }] });

  it("a replace leaves only the new route at the key", () => {
    const t = createTrackers(policy);
    t.routes.live.add(before);
    writeBack(t, ok([{ kind: "route.replace", route: after, previous: before, reason: "return path" }]));
    expect(t.routes.live.get(routeKey(after))).toEqual([after]);
  });

  it("a sysctl set is written to the live side", () => {
    const t = createTrackers(policy);
    t.sysctls.live.set({ iface: "na0", name: "rp_filter", value: 0 });
    writeBack(t, ok([{ kind: "sysctl.set", sysctl: { iface: "na0", name: "rp_filter", value: 2 }, previous: 0, reason: "r" }]));
    expect(t.sysctls.live.get(sysctlKey({ iface: "na0", name: "rp_filter" }))?.value).toBe(2);
  });

  it("an operation that failed changes nothing on the live side", () => {
    const t = createTrackers(policy);
    writeBack(t, ok([{ kind: "route.add", route: after, reason: "r" }], [0]));
    expect(t.routes.live.get(routeKey(after))).toEqual([]);
  });

  it("a rule delete removes the rule of the op's protocol, not a foreign one at the same key", () => {
    const t = createTrackers(policy);
    const foreign = makeRule({ family: 4, priority: 1000, from: "10.111.100.9/32", table: 1001, protocol: 0 });
    const ours = { ...foreign, protocol: 201 };
    t.rules.live.add(foreign);
    t.rules.live.add(ours);
    writeBack(t, ok([{ kind: "rule.delete", rule: ours, reason: "r" }]));
    expect(t.rules.live.get(ruleKey(ours))).toEqual([foreign]);
  });
});

describe("runPass: event passes", () => {
  const fakes: FakeBird[] = [];
  const ports: BirdPort[] = [];
  afterEach(async () => {
    for (const p of ports.splice(0)) p.close();
    for (const f of fakes.splice(0)) await f.close();
  });

  /** A resync, then the state ready for event passes. */
  async function resynced(o: { birds?: BirdPort[]; config?: string; dp?: FakeDataplane } = {}): Promise<ReturnType<typeof setup>> {
    const s = setup(o);
    const first = await runPass(s.deps, s.state, "all", { apply: true, vips: s.vips });
    expect(first.resync).toBeUndefined();
    return s;
  }
  const scopeOf = (c: Partial<KernelChange>): PassScope => {
    const scope = emptyScope();
    noteKernelChange(scope, { kinds: [], routes: [], routesTruncated: false, events: 1, resync: false, ...c });
    return scope;
  };

  it("a link event: the new link is in the pass's interfaces and links, the kernel counts as complete, sysctls are composed again", async () => {
    const s = await resynced();
    s.dp.links = [...NODE_LINKS, { ifindex: 9, name: "na1", up: true }];
    s.dp.sim.sysctls.set("na1|rp_filter", { iface: "na1", name: "rp_filter", value: 0 });
    const out = await runPass(s.deps, s.state, scopeOf({ kinds: ["link"] }), { apply: true, vips: s.vips });
    const r = out.result;
    expect(r.mode).toBe("incremental");
    expect(r.kernel.complete).toBe(true);
    expect(r.kernel.interfaces).toEqual(["lo", "na0", "nb0", "vip0", "vip0p", "na1"]);
    expect(r.kernel.links.map((l) => l.name)).toEqual(["lo", "na0", "nb0", "vip0", "vip0p", "na1"]);
    expect(r.desired?.desired.sysctls).toEqual([{ iface: "na0", name: "rp_filter", value: 2 }]);
    expect(out.resync).toBeUndefined();
  });

  it("a netconf event alone composes the sysctls again: a foreign rp_filter change is repaired", async () => {
    const s = await resynced();
    s.dp.sim.sysctls.set("na0|rp_filter", { iface: "na0", name: "rp_filter", value: 1 });
    const out = await runPass(s.deps, s.state, scopeOf({ kinds: ["netconf"] }), { apply: true, vips: s.vips });
    expect(out.result.mode).toBe("incremental");
    expect(out.result.desired?.desired.sysctls).toEqual([{ iface: "na0", name: "rp_filter", value: 2 }]);
    expect(kinds(out.result.plan?.ops)).toEqual(["sysctl.set"]);
    expect(s.dp.sim.sysctls.get("na0|rp_filter")?.value).toBe(2);
  });

  it("a route event alone does not compose the sysctls", async () => {
    const s = await resynced();
    const r = makeRoute({ family: 4, dst: "10.9.9.0/24", table: 254, protocol: 4, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] });
    s.dp.sim.loadRoute(r);
    const out = await runPass(s.deps, s.state, scopeOf({ kinds: ["route"], routes: [{ family: 4, table: 254, dst: r.dst, deleted: false, route: r }] }), { apply: true, vips: s.vips });
    expect(out.result.mode).toBe("incremental");
    expect(out.result.desired?.desired.sysctls).toEqual([]);
    expect(out.result.plan?.ops).toEqual([]);
  });

  it("an event pass reports BIRD's kernel protocols as the resync saw them, without their routes", async () => {
    const bird = await startFakeBird("bird-2.0.12", { replies: perPrefixExportReplies() });
    fakes.push(bird);
    const port = createBirdPort({ socketPath: bird.socketPath, idleTimeoutMs: 300 });
    ports.push(port);
    const s = await resynced({ birds: [port], config: `bird: {sockets: [${JSON.stringify(bird.socketPath)}]}\nprotect: {kernelProtocols: [kernel1]}\n` });
    const out = await runPass(s.deps, s.state, scopeOf({ kinds: ["netconf"] }), { apply: true, vips: s.vips });
    expect(out.result.mode).toBe("incremental");
    expect(out.result.bird.kernelProtocols.map((k) => [k.name, k.routes, k.skipped, k.syncErrors])).toEqual([["kernel1", [], [], []]]);
  });

  it("before any resync an event scope runs as a resync, without a fall-back reason", async () => {
    const s = setup();
    const out = await runPass(s.deps, s.state, scopeOf({ kinds: ["netconf"] }), { apply: true, vips: s.vips });
    expect(out.result.mode).toBe("full");
    expect(out.fellBack).toBeUndefined();
  });

  it("an event pass whose re-read fails runs as a resync and says why", async () => {
    class FlakyRules extends RecordingDataplane {
      failNext = false;
      override async readRules() {
        if (this.failNext) { this.failNext = false; throw new Error("ip -json rule: interrupted"); }
        return super.readRules();
      }
    }
    const dp = new FlakyRules(node(), NODE_LINKS);
    const s = await resynced({ dp });
    dp.failNext = true;
    const out = await runPass(s.deps, s.state, scopeOf({ kinds: ["rule"] }), { apply: true, vips: s.vips });
    expect(out.result.mode).toBe("full");
    expect(out.fellBack).toBe("an event pass could not observe its scope: ip -json rule: interrupted");
    expect(out.keys).toBe("all");
    expect(out.result.observationComplete).toBe(true);
  });

  it("an event pass whose re-read fails, then a resync that cannot read the kernel: both reasons, nothing planned", async () => {
    const s = await resynced();
    s.dp.failures.readRoutes = true;
    const out = await runPass(s.deps, s.state, scopeOf({ kinds: ["route"] }), { apply: true, vips: s.vips });
    expect(out.fellBack).toBe("an event pass could not observe its scope: ip -json route: injected failure");
    expect(out.resync).toBe("the kernel could not be read");
    expect(out.result.plan).toBeUndefined();
  });
});

