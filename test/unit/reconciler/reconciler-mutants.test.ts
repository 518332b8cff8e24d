// The Reconciler (src/reconciler/reconciler.ts) on the fake dataplane, with a kernel watch the
// test starts, fails and stops by hand: when a pass is a resync and why (fullPassReason), stale
// watches, purge and plan, held operations and abort signals, events emitted, stop, and which
// VIPs setVips marks for the next event pass.
import { describe, expect, it } from "vitest";
import type { ApplyOptions, ApplyResult, BirdPort, KernelChange, KernelWatch, WatchOptions } from "../../../src/adapters/ports.js";
import { parseConfigText } from "../../../src/config/parse.js";
import { FibwardenError } from "../../../src/core/errors.js";
import type { PlanOp } from "../../../src/core/plan/types.js";
import type { PassResult } from "../../../src/reconciler/pass.js";
import fc from "fast-check";
import { equalsWithDefaults, plainEqual, Reconciler } from "../../../src/reconciler/reconciler.js";
import { FakeDataplane } from "../../support/fake-dataplane.js";
import { loadKernelFixture } from "../../support/fixtures.js";
import { KernelSim } from "../../support/kernel-sim.js";
import { NODE_LINKS } from "../../support/reconciler-cleanup.js";

const CONFIG = `
ownership: {announceTables: [198, 199]}
vips:
  - {address: 10.111.100.9, announce: {table: 198}, return: {gateway: 10.111.1.1, device: na0}}
  - {address: 10.111.100.10, announce: {table: 198}, return: {gateway: 10.111.1.1, device: na0}}
`;

interface HandWatch { opts: WatchOptions; start: () => void; stopped: boolean }

/** A fake dataplane whose kernel watches the test drives; records what apply was given. */
class HandDataplane extends FakeDataplane {
  watches: HandWatch[] = [];
  applyOptions: Array<ApplyOptions | undefined> = [];
  throwOnApply = false;
  override watch(opts: WatchOptions): KernelWatch {
    let start!: () => void;
    const started = new Promise<void>((resolve) => { start = resolve; });
    const w: HandWatch = { opts, start, stopped: false };
    this.watches.push(w);
    return { started, stop: async () => { w.stopped = true; } };
  }
  override async apply(ops: readonly PlanOp[], opts?: ApplyOptions): Promise<ApplyResult> {
    if (this.throwOnApply) throw new Error("ip -batch died");
    this.applyOptions.push(opts);
    return super.apply(ops);
  }
}

/** What a promise rejects with (undefined when it resolves). */
const rejection = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

const change = (c: Partial<KernelChange>): KernelChange => ({ kinds: [], routes: [], routesTruncated: false, events: 1, resync: false, ...c });

function make(o: { birds?: BirdPort[]; failOpIndexes?: number[] } = {}) {
  const dp = new HandDataplane(KernelSim.from(loadKernelFixture("bird2-node")), NODE_LINKS, o.failOpIndexes ? { failOpIndexes: o.failOpIndexes } : {});
  const rec = new Reconciler({ config: parseConfigText(CONFIG), dataplane: dp, bird: o.birds ?? [], clock: { now: () => 0, after: () => () => undefined } });
  return { dp, rec };
}

/** A reconciler whose watch runs and whose first resync is done: the next apply can be an event pass. */
async function watching(o: Parameters<typeof make>[0] = {}) {
  const m = make(o);
  const watch = m.rec.watchKernel({ onChange: () => undefined });
  m.dp.watches[0]!.start();
  await watch.started;
  const first = await m.rec.apply();
  expect(first.mode).toBe("full");
  expect(m.rec.fullPassReason).toBeUndefined();
  // The objects the resync wrote are dirty on the live side: one event pass settles them.
  expect((await m.rec.apply()).mode).toBe("incremental");
  return { ...m, watch };
}

const ours = (dp: FakeDataplane) => dp.sim.addresses.filter((a) => a.label === "lo:fw").map((a) => a.address).sort();
const recomposed = (r: PassResult) => (r.desired?.desired.addresses ?? []).map((a) => a.address).sort();

/** A BIRD port that only reports closes and disconnect subscriptions. */
function recordingBird(log: string[], name: string): BirdPort {
  const no = () => Promise.reject(new Error("not asked in this test"));
  return {
    socket: `/run/${name}.ctl`, version: undefined, status: no, protocols: no, protocol: no, exportedRoutes: no, exportedRoutesAt: no,
    onDisconnect: (listener) => { log.push(`subscribe ${name}`); void listener; return () => log.push(`unsubscribe ${name}`); },
    close: () => log.push(`close ${name}`),
  };
}

describe("fullPassReason and the kernel watch", () => {
  it("before any watch: no kernel watch; once a watch starts: no complete observation yet; after a resync: none", async () => {
    const { dp, rec } = make();
    expect(rec.fullPassReason).toBe("no kernel watch: the trackers cannot be trusted");
    const watch = rec.watchKernel({ onChange: () => undefined });
    expect(rec.fullPassReason).toBe("no kernel watch: the trackers cannot be trusted");
    dp.watches[0]!.start();
    await watch.started;
    expect(rec.fullPassReason).toBe("no complete observation yet");
    await rec.apply();
    expect(rec.fullPassReason).toBeUndefined();
    expect((await rec.apply()).mode).toBe("incremental");
  });

  it("a new watch makes the trackers untrusted until it has started, then asks for a resync", async () => {
    const { dp, rec } = await watching();
    const second = rec.watchKernel({ onChange: () => undefined });
    expect(rec.fullPassReason).toBe("no kernel watch: the trackers cannot be trusted");
    dp.watches[1]!.start();
    await second.started;
    expect(rec.fullPassReason).toBe("a new kernel watch");
  });

  it("a watch that starts after a pass consumed the earlier reasons still asks for a resync", async () => {
    const { dp, rec } = make();
    const watch = rec.watchKernel({ onChange: () => undefined });
    expect((await rec.apply()).mode).toBe("full");
    dp.watches[0]!.start();
    await watch.started;
    expect(rec.fullPassReason).toBe("the kernel watch started");
  });

  it("a replaced watch's start, events and errors are ignored", async () => {
    const { dp, rec } = make();
    const errors: unknown[] = [];
    const old = rec.watchKernel({ onChange: () => undefined, onError: (e) => errors.push(e) });
    const current = rec.watchKernel({ onChange: () => undefined });
    dp.watches[0]!.start();
    await old.started;
    expect(rec.fullPassReason).toBe("no kernel watch: the trackers cannot be trusted");
    dp.watches[1]!.start();
    await current.started;
    await rec.apply();
    expect(rec.fullPassReason).toBeUndefined();
    dp.watches[0]!.opts.onChange(change({ kinds: ["route"], resync: true }));
    const err = new FibwardenError("FW_KERNEL_READ", "ip monitor exited");
    dp.watches[0]!.opts.onError?.(err);
    expect(rec.fullPassReason).toBeUndefined();
    expect(errors).toEqual([err]); // the caller still hears of it
    await old.stop();
    expect(dp.watches[0]!.stopped).toBe(true);
    expect(rec.fullPassReason).toBeUndefined();
  });

  it("the current watch's error forces a resync and reaches the caller's onError", async () => {
    const m = make();
    const errors: unknown[] = [];
    const watch = m.rec.watchKernel({ onChange: () => undefined, onError: (e) => errors.push(e) });
    m.dp.watches[0]!.start();
    await watch.started;
    await m.rec.apply();
    const err = new FibwardenError("FW_KERNEL_READ", "ip monitor exited");
    m.dp.watches[0]!.opts.onError?.(err);
    expect(errors).toEqual([err]);
    expect(m.rec.fullPassReason).toBe("the kernel monitor failed");
    expect((await m.rec.apply()).mode).toBe("full");
  });

  it("stopping the current watch stops it and untrusts the trackers; a later watch resyncs because of the stop", async () => {
    const { dp, rec, watch } = await watching();
    await watch.stop();
    expect(dp.watches[0]!.stopped).toBe(true);
    expect(rec.fullPassReason).toBe("no kernel watch: the trackers cannot be trusted");
    expect((await rec.apply()).mode).toBe("full");
    const again = rec.watchKernel({ onChange: () => undefined });
    rec.invalidate("ignored: a reason is already pending");
    dp.watches[1]!.start();
    await again.started;
    expect(rec.fullPassReason).toBe("a new kernel watch");
  });

  it("stopping without a pass in between: the stop is the reason a new watch resyncs", async () => {
    const { dp, rec, watch } = await watching();
    await watch.stop();
    const again = rec.watchKernel({ onChange: () => undefined });
    dp.watches[1]!.start();
    await again.started;
    expect(rec.fullPassReason).toBe("the kernel watch stopped");
  });

  it("invalidate forces a resync with the first reason given", async () => {
    const { rec } = await watching();
    rec.invalidate("operator asked");
    rec.invalidate("second reason");
    expect(rec.fullPassReason).toBe("operator asked");
    expect((await rec.apply()).mode).toBe("full");
    expect(rec.fullPassReason).toBeUndefined();
  });
});

describe("passes and their outcome", () => {
  it("plan() is a resync that writes nothing, even while an event pass could run", async () => {
    const { dp, rec } = await watching();
    dp.sim.addresses = dp.sim.addresses.filter((a) => a.address !== "10.111.100.9");
    const applies = dp.applies.length;
    const res = await rec.plan();
    expect(res.mode).toBe("full");
    expect(res.plan?.ops.map((o) => o.kind)).toEqual(["address.add"]);
    expect(dp.applies).toHaveLength(applies);
    expect(ours(dp)).toEqual(["10.111.100.10"]);
  });

  it("apply({full: true}) runs a resync while an event pass could run", async () => {
    const { rec } = await watching();
    expect((await rec.apply({ full: true })).mode).toBe("full");
    expect((await rec.apply({})).mode).toBe("incremental");
  });

  it("purge is a resync even with the watch running: removes fibwarden's VIP objects only, and the next apply resyncs", async () => {
    const { dp, rec } = await watching();
    const foreign = dp.sim.routes.filter((r) => !(r.protocol === 201 && (r.table === 198 || r.table >= 1000)));
    expect(ours(dp)).toEqual(["10.111.100.10", "10.111.100.9"]);
    const res = await rec.purge(true);
    expect(res.mode).toBe("full");
    expect(res.applied?.results.map((r) => r.op.kind).sort()).toEqual(["address.delete", "address.delete", "route.delete", "route.delete", "route.delete", "route.delete", "rule.delete", "rule.delete"]);
    expect(ours(dp)).toEqual([]);
    expect(dp.sim.routes).toEqual(foreign);
    expect(rec.fullPassReason).toBe("a purge desired nothing");
    // the next apply installs them again
    const back = await rec.apply();
    expect(back.mode).toBe("full");
    expect(ours(dp)).toEqual(["10.111.100.10", "10.111.100.9"]);
  });

  it("purge(false) plans the removal without applying it", async () => {
    const { dp, rec } = await watching();
    const res = await rec.purge(false);
    expect(res.plan?.ops.map((o) => o.kind).sort()).toEqual(["address.delete", "address.delete", "route.delete", "route.delete", "route.delete", "route.delete", "rule.delete", "rule.delete"]);
    expect(res.applied).toBeUndefined();
    expect(ours(dp)).toEqual(["10.111.100.10", "10.111.100.9"]);
  });

  it("an AbortSignal given to apply() reaches the dataplane", async () => {
    const { dp, rec } = make();
    const signal = new AbortController().signal;
    await rec.apply(signal);
    expect(dp.applyOptions[0]?.signal).toBe(signal);
  });

  it("apply({hold}) holds those operations back and lists them", async () => {
    const { dp, rec } = make();
    const res = await rec.apply({ hold: (op) => op.kind === "address.add" });
    expect(res.held?.map((o) => o.kind)).toEqual(["address.add", "address.add"]);
    expect(ours(dp)).toEqual([]);
    expect(dp.sim.routes.filter((r) => r.table === 198).map((r) => r.dst).sort()).toEqual(["10.111.100.10/32", "10.111.100.9/32"]);
  });

  it("a failed operation makes the next apply a resync, with the failure as reason", async () => {
    const { dp, rec } = await watching();
    dp.failures.failOpIndexes = [0];
    rec.setVips([...rec.getVips(), { address: "10.111.100.11", announce: { table: 198 } }]);
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(res.applied?.failed).toBe(1);
    expect(rec.fullPassReason).toBe("1 operation(s) failed");
  });

  it("a pass that throws rejects, and the next pass resyncs because of it", async () => {
    const { dp, rec } = await watching();
    rec.setVips([...rec.getVips(), { address: "10.111.100.11", announce: { table: 198 } }]);
    dp.throwOnApply = true;
    expect(await rejection(rec.apply())).toMatchObject({ message: "ip -batch died" });
    expect(rec.fullPassReason).toBe("the last pass failed");
    dp.throwOnApply = false;
    const next = await rec.apply();
    expect(next.mode).toBe("full");
    expect(ours(dp)).toContain("10.111.100.11");
  });

  it("after stop() every call is refused with FW_ABORTED and the BIRD ports and the dataplane are closed", async () => {
    const log: string[] = [];
    const { rec, dp } = make({ birds: [recordingBird(log, "bird"), recordingBird(log, "bird6")] });
    // The dataplane's close (the kernel adapter ends its batch processes there) runs too.
    Object.assign(dp, { close: async () => { log.push("close dataplane"); } });
    await rec.stop();
    expect(log).toEqual(["close bird", "close bird6", "close dataplane"]);
    const err = await rejection(rec.apply());
    expect(err).toBeInstanceOf(FibwardenError);
    expect(err).toMatchObject({ code: "FW_ABORTED", message: "the reconciler is stopped" });
    expect(dp.applies).toEqual([]);
  });

  it("onBirdDisconnect subscribes on every port and the returned function unsubscribes from each", () => {
    const log: string[] = [];
    const { rec } = make({ birds: [recordingBird(log, "bird"), recordingBird(log, "bird6")] });
    const off = rec.onBirdDisconnect(() => undefined);
    expect(log).toEqual(["subscribe bird", "subscribe bird6"]);
    off();
    expect(log).toEqual(["subscribe bird", "subscribe bird6", "unsubscribe bird", "unsubscribe bird6"]);
  });
});

describe("events", () => {
  it("a complete, clean pass emits `pass` only; an unsubscribed listener hears nothing", async () => {
    const { rec } = make();
    const heard: string[] = [];
    rec.on("pass", () => heard.push("pass"));
    rec.on("incomplete", () => heard.push("incomplete"));
    rec.on("drift", () => heard.push("drift"));
    rec.on("conflict", () => heard.push("conflict"));
    const off = rec.on("pass", () => heard.push("unsubscribed"));
    off();
    const res = await rec.apply();
    expect(res.observationComplete).toBe(true);
    expect(heard).toEqual(["pass"]);
  });

  it("an incomplete observation emits `incomplete` with the result", async () => {
    const failing: BirdPort = { ...recordingBird([], "bird"), status: () => Promise.reject(new Error("connect ECONNREFUSED")) };
    const { rec } = make({ birds: [failing] });
    const heard: PassResult[] = [];
    rec.on("incomplete", (r) => heard.push(r));
    const res = await rec.apply();
    expect(res.observationComplete).toBe(false);
    expect(heard).toEqual([res]);
  });
});

describe("setVips marks only the VIPs that changed", () => {
  it("the same VIPs again: the event pass recomposes none of them", async () => {
    const { rec } = await watching();
    rec.setVips(rec.getVips().map((v) => ({ ...v })));
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(recomposed(res)).toEqual([]);
  });

  it("one VIP edited: the event pass recomposes that one alone and moves its route", async () => {
    const { dp, rec } = await watching();
    rec.setVips(rec.getVips().map((v) => (v.address === "10.111.100.10" ? { ...v, announce: { table: 199 } } : v)));
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(recomposed(res)).toEqual(["10.111.100.10"]);
    expect(dp.sim.routes.filter((r) => r.protocol === 201 && r.dst === "10.111.100.10/32").map((r) => r.table)).toEqual([199]);
  });

  it("one VIP removed: the event pass withdraws its route and address, and recomposes no other", async () => {
    const { dp, rec } = await watching();
    rec.setVips(rec.getVips().filter((v) => v.address !== "10.111.100.10"));
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(recomposed(res)).toEqual([]);
    expect(res.applied?.results.map((r) => `${r.op.kind} ${r.status}`).sort()).toEqual(["address.delete applied", "route.delete applied", "route.delete applied", "rule.delete applied"]);
    expect(ours(dp)).toEqual(["10.111.100.9"]);
  });
});

describe("plainEqual", () => {
  it("ignores undefined fields on either side, and a missing field differs from a present one", () => {
    const a = { address: "10.1.1.1", device: "lo" };
    expect(plainEqual(a, { ...a, announce: undefined })).toBe(true);
    expect(plainEqual({ address: "10.1.1.1" }, a)).toBe(false);
    expect(plainEqual(a, { address: "10.1.1.1" })).toBe(false);
  });
});

describe("equalsWithDefaults", () => {
  it("says what plainEqual says of the VIP setVips would build ({ device: lo, ...v, address })", () => {
    const value = fc.oneof(fc.constant(undefined), fc.constantFrom("lo", "eth0", "10.1.1.1", "10.1.1.2"), fc.record({ table: fc.constantFrom(198, 199) }, { requiredKeys: [] }));
    const vip = fc.record({ address: fc.constantFrom("10.1.1.1", "10.1.1.2"), device: value, announce: value, return: value }, { requiredKeys: [] });
    fc.assert(fc.property(vip, vip, fc.constantFrom("10.1.1.1", "10.1.1.2"), (prev, v, address) => {
      const built = { device: "lo", ...v, address };
      expect(equalsWithDefaults(prev as never, v, address)).toBe(plainEqual(prev, built));
      // and the VIP it built equals itself given again
      expect(equalsWithDefaults(built as never, v, address)).toBe(true);
    }), { numRuns: 2000 });
  });
});
