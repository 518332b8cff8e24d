// Incremental passes end to end on captured data: a fake BIRD replaying the real BIRD 2
// transcripts (per-prefix `show route <net> export kernel1` replies cut from the full export), a
// fake dataplane over the kernel simulator, and kernel change batches fed as the monitor would.
// Each scenario checks what the incremental pass did against what a full pass then finds.
import { NODE_LINKS, stopAfterEach } from "../../support/reconciler-cleanup.js";
import { describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import { parseConfigText } from "../../../src/config/parse.js";
import type { Route } from "../../../src/core/model/route.js";
import { createReconciler } from "../../../src/index.js";
import { startFakeBird } from "../../support/fake-bird.js";
import { FakeDataplane } from "../../support/fake-dataplane.js";
import { perPrefixExportReplies, WatchedDataplane } from "../../support/watched-dataplane.js";
import { loadKernelFixture } from "../../support/fixtures.js";
import { KernelSim } from "../../support/kernel-sim.js";



const links = NODE_LINKS;
const { fakes, recs } = stopAfterEach();

async function setup() {
  const bird = await startFakeBird("bird-2.0.12", { replies: perPrefixExportReplies() });
  fakes.push(bird);
  const config = parseConfigText(`
bird: {sockets: [${JSON.stringify(bird.socketPath)}]}
protect: {kernelProtocols: [kernel1], repair: reinstall}
ownership: {announceTables: [198, 199]}
vips:
  - address: 10.111.100.9
    announce: {table: 198}
    return: {bgpPeer: up_b4}
`);
  const dp = new WatchedDataplane(KernelSim.from(loadKernelFixture("bird2-node")), links);
  const rec = createReconciler({ config, dataplane: dp, bird: [createBirdPort({ socketPath: bird.socketPath, idleTimeoutMs: 300 })] });
  recs.push(rec);
  const watch = rec.watchKernel({ onChange: () => undefined });
  await watch.started;
  return { bird, dp, rec };
}

describe("incremental passes", () => {
  it("the first apply is full and builds the cache; with nothing changed the next one is incremental and empty", async () => {
    const { dp, rec, bird } = await setup();
    expect(rec.fullPassReason).toBeDefined();
    const first = await rec.apply();
    expect(first.mode).toBe("full");
    expect(rec.fullPassReason).toBeUndefined();
    const before = bird.commands.length;
    const second = await rec.apply();
    expect(second.mode).toBe("incremental");
    expect(second.plan?.ops).toEqual([]);
    expect(bird.commands.length).toBe(before); // nothing named: BIRD is not asked
    expect(dp.applies).toHaveLength(1);
  });

  it("a foreign deletion of a protected route is reinstalled from a per-prefix BIRD query", async () => {
    const { dp, rec, bird } = await setup();
    await rec.apply();
    const victim = dp.sim.routes.find((r) => r.protocol === 12 && r.table === 254 && r.dst === "10.200.52.0/24")!;
    dp.sim.routes.splice(dp.sim.routes.indexOf(victim), 1);
    dp.emit([{ route: victim, deleted: true }]);
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(bird.commands).toContain("show route 10.200.52.0/24 export kernel1");
    expect(res.plan?.ops.map((o) => o.kind)).toEqual(["route.add"]);
    expect(res.plan?.drift.map((d) => [d.kind, d.expected.dst])).toEqual([["missing", "10.200.52.0/24"]]);
    expect(dp.sim.routes.some((r) => r.dst === "10.200.52.0/24" && r.protocol === 12)).toBe(true);
    // a full audit afterwards finds nothing left to do for that key
    const audit = await rec.plan();
    expect(audit.plan?.ops.filter((o) => o.kind === "route.add" && o.route.dst === "10.200.52.0/24")).toEqual([]);
  });

  it("a route BIRD no longer exports (withdrawn) is not resurrected", async () => {
    const { dp, rec } = await setup();
    await rec.apply();
    // BIRD withdrew it: the per-prefix query answers 8001 (no such net), as real BIRD 2 does
    const victim = dp.sim.routes.find((r) => r.protocol === 12 && r.dst === "10.200.119.0/24")!;
    const withdrawn = await startFakeBird("bird-2.0.12", { replies: { ...perPrefixExportReplies(), "show route 10.200.119.0/24 export kernel1": "8001 Network not found\n" } });
    fakes.push(withdrawn);
    const rec2 = createReconciler({ config: parseConfigText(`
bird: {sockets: [${JSON.stringify(withdrawn.socketPath)}]}
protect: {kernelProtocols: [kernel1], repair: reinstall}
`), dataplane: dp, bird: [createBirdPort({ socketPath: withdrawn.socketPath, idleTimeoutMs: 300 })] });
    recs.push(rec2);
    await rec2.watchKernel({ onChange: () => undefined }).started;
    const full = await rec2.apply(); // builds rec2's cache
    expect(full.mode).toBe("full");
    dp.sim.routes.splice(dp.sim.routes.indexOf(victim), 1);
    dp.emit([{ route: victim, deleted: true }]);
    const res = await rec2.apply();
    expect(res.mode).toBe("incremental");
    expect(res.plan?.ops).toEqual([]);
    expect(dp.sim.routes.some((r) => r.dst === "10.200.119.0/24" && r.protocol === 12)).toBe(false);
  });

  it("a foreign route taking a protected key is left alone and reported as a conflict", async () => {
    const { dp, rec } = await setup();
    await rec.apply();
    const victim = dp.sim.routes.find((r) => r.protocol === 12 && r.dst === "10.200.220.0/24")!;
    const foreign: Route = { ...victim, protocol: 4, nexthops: [{ dev: "nb0", weight: 1, onlink: false }], scope: 253 };
    dp.sim.routes.splice(dp.sim.routes.indexOf(victim), 1, foreign);
    dp.emit([{ route: foreign, deleted: false }]);
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(res.plan?.ops).toEqual([]);
    expect(res.plan?.drift.map((d) => d.kind)).toEqual(["overwritten"]);
    expect(dp.sim.routes).toContainEqual(foreign);
    // the finding stays known through later passes that do not look at that key...
    const overwritten = () => rec.currentFindings().drift.filter((d) => d.kind === "overwritten").map((d) => d.expected.dst);
    const quiet = await rec.apply();
    expect(quiet.mode).toBe("incremental");
    expect(quiet.plan?.drift).toEqual([]);
    expect(overwritten()).toEqual(["10.200.220.0/24"]);
    expect(quiet.current?.driftKinds.overwritten).toBe(1);
    // ...and goes when the key is looked at again and the foreign route is gone (reinstalled)
    dp.sim.routes.splice(dp.sim.routes.indexOf(foreign), 1);
    dp.emit([{ route: foreign, deleted: true }]);
    const healed = await rec.apply();
    expect(healed.plan?.ops.map((o) => o.kind)).toEqual(["route.add"]);
    expect(overwritten()).toEqual([]);
    expect(healed.current?.driftKinds.overwritten).toBeUndefined();
    expect(rec.currentFindings().drift.filter((d) => d.expected.dst === "10.200.220.0/24").map((d) => d.kind)).toEqual(["missing"]);
  });

  it("a VIP added at run time is installed by an incremental pass; a full audit then plans nothing for it", async () => {
    const { dp, rec } = await setup();
    await rec.apply();
    rec.setVips([...rec.getVips(), { address: "10.111.100.10", announce: { table: 198 }, return: { bgpPeer: "up_b4" } }]);
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(res.plan?.ops.map((o) => o.kind).sort()).toEqual(["address.add", "route.add", "route.add", "rule.add"]);
    expect(res.applied?.failed).toBe(0);
    const audit = await rec.plan();
    expect(audit.plan?.ops.filter((o) => o.kind !== "route.add" || o.route.protocol === 201)).toEqual([]);
    expect(dp.sim.addresses.some((a) => a.address === "10.111.100.10")).toBe(true);
  });

  it("rule and address events that echo its own applies cost no re-read; a foreign one does", async () => {
    const { dp, rec } = await setup();
    await rec.apply();
    rec.setVips([...rec.getVips(), { address: "10.111.100.10", announce: { table: 198 }, return: { bgpPeer: "up_b4" } }]);
    const res = await rec.apply();
    const rule = res.plan!.ops.find((o) => o.kind === "rule.add")!;
    const addr = res.plan!.ops.find((o) => o.kind === "address.add")!;
    if (rule.kind !== "rule.add" || addr.kind !== "address.add") throw new Error("unexpected ops");
    const reads = { ...dp.reads };
    dp.onChange?.({ kinds: ["rule", "address"], routes: [], routesTruncated: false, events: 2, resync: false,
      rules: [{ deleted: false, family: 4, priority: rule.rule.priority, from: rule.rule.from!, table: rule.rule.table!, protocol: 201 }],
      addresses: [{ deleted: false, family: 4, dev: addr.address.dev, address: addr.address.address, prefixlen: 32, label: addr.address.label! }] });
    expect((await rec.apply()).mode).toBe("incremental");
    expect(dp.reads).toEqual(reads);
    // a foreign rule: re-read, and left alone
    dp.sim.rules.push({ family: 4, priority: 1500, from: "10.98.1.0/24", tos: 0, action: "lookup", table: 1001, protocol: 0 });
    dp.onChange?.({ kinds: ["rule"], routes: [], routesTruncated: false, events: 1, resync: false,
      rules: [{ deleted: false, family: 4, priority: 1500, from: "10.98.1.0/24", table: 1001, protocol: 0 }] });
    const after = await rec.apply();
    expect(after.mode).toBe("incremental");
    expect(dp.reads.rules).toBe(reads.rules + 1);
    expect(after.plan?.ops).toEqual([]);
    expect(dp.sim.rules.some((r) => r.priority === 1500 && r.protocol === 0)).toBe(true);
  });

  it("removing a VIP removes its routes, rule and address in one event pass", async () => {
    const { dp, rec } = await setup();
    const foreign201 = dp.sim.routes.filter((r) => r.protocol === 201); // proto 201 in unmanaged table 100: not ours
    await rec.apply();
    expect(dp.sim.addresses.some((a) => a.address === "10.111.100.9")).toBe(true);
    rec.setVips([]);
    const res = await rec.apply();
    expect(res.mode).toBe("incremental"); // the address's users are in the trackers' indexes: no resync
    const kinds = res.applied!.results.map((r) => r.op.kind);
    expect(kinds).toContain("rule.delete");
    expect(kinds).toContain("address.delete");
    expect(dp.sim.addresses.some((a) => a.address === "10.111.100.9")).toBe(false);
    expect(dp.sim.rules.some((r) => r.protocol === 201)).toBe(false);
    expect(dp.sim.routes.filter((r) => r.protocol === 201)).toEqual(foreign201);
  });

  it("a monitor restart or a truncated batch forces a resync; an event without the route's details re-reads its table", async () => {
    const { dp, rec } = await setup();
    await rec.apply();
    dp.onChange?.({ kinds: ["route"], routes: [], routesTruncated: false, events: 1, resync: true });
    expect(rec.fullPassReason).toMatch(/monitor restarted/);
    expect((await rec.apply()).mode).toBe("full");
    dp.onChange?.({ kinds: ["route"], routes: [], routesTruncated: true, events: 1, resync: false });
    expect((await rec.apply()).mode).toBe("full");
    dp.onChange?.({ kinds: ["route"], routes: [{ family: 4, table: 254, dst: "10.9.9.0/24", deleted: false }], routesTruncated: false, events: 1, resync: false });
    expect(rec.fullPassReason).toBeUndefined();
    dp.routeReads = [];
    expect((await rec.apply()).mode).toBe("incremental");
    expect(dp.routeReads).toEqual([{ family: 4, table: 254 }]);
    // an event the monitor parser could not read at all: both families are read again
    dp.onChange?.({ kinds: ["route"], routes: [], routesTruncated: false, events: 1, unreadRoutes: 1, resync: false });
    dp.routeReads = [];
    expect((await rec.apply()).mode).toBe("incremental");
    expect(dp.routeReads).toEqual([{ family: 4 }, { family: 6 }]);
  });

  it("without its own kernel watch the reconciler always runs full passes", async () => {
    const bird = await startFakeBird("bird-2.0.12");
    fakes.push(bird);
    const config = parseConfigText(`bird: {sockets: [${JSON.stringify(bird.socketPath)}]}\nprotect: {kernelProtocols: [kernel1]}\n`);
    const rec = createReconciler({ config, dataplane: new FakeDataplane(KernelSim.from(loadKernelFixture("bird2-node")), links), bird: [createBirdPort({ socketPath: bird.socketPath, idleTimeoutMs: 300 })] });
    recs.push(rec);
    expect((await rec.apply()).mode).toBe("full");
    expect((await rec.apply()).mode).toBe("full");
    expect(rec.fullPassReason).toMatch(/no kernel watch/);
  });
});

describe("VIP change detection", () => {
  it("plainEqual compares VIP configs by content, ignoring undefined fields", async () => {
    const { plainEqual } = await import("../../../src/reconciler/reconciler.js");
    const a = { address: "10.1.1.1", device: "lo", announce: { table: 198 }, return: { gateway: "10.0.0.1", device: "eth0" } };
    expect(plainEqual(a, structuredClone(a))).toBe(true);
    expect(plainEqual(a, { ...a, announce: { table: 199 } })).toBe(false);
    expect(plainEqual(a, { ...a, return: { bgpPeer: "up" } })).toBe(false);
    expect(plainEqual({ ...a, extra: undefined }, a)).toBe(true);
    expect(plainEqual([1, 2], [1, 2])).toBe(true);
    expect(plainEqual([1, 2], { 0: 1, 1: 2 })).toBe(false);
  });

  it("an edited VIP is replanned incrementally; the same VIPs as new objects change nothing", async () => {
    const { dp, rec } = await setup();
    await rec.apply();
    rec.setVips(rec.getVips().map((v) => structuredClone(v)));
    const same = await rec.apply();
    expect(same.mode).toBe("incremental");
    expect(same.plan?.ops).toEqual([]);
    rec.setVips(rec.getVips().map((v) => ({ ...v, announce: { table: 199 } })));
    const moved = await rec.apply();
    expect(moved.mode).toBe("incremental");
    expect(moved.applied?.results.map((r) => `${r.op.kind} ${r.status}`).sort()).toEqual(["route.add applied", "route.delete applied"]);
    expect(dp.sim.routes.filter((r) => r.protocol === 201 && r.dst === "10.111.100.9/32").map((r) => r.table)).toEqual([199]);
  });
});
