// Which VIPs an event pass recomposes (src/reconciler/desire-scope.ts), end to end through the
// reconciler on captured data: a fake BIRD replaying BIRD 2 (session up_b4, neighbor 10.111.2.1
// reached over nb0), the kernel simulator, and kernel events fed as the monitor would. A VIP is
// recomposed when its configuration, its rule, its source table or its BGP neighbor's route in
// main changed, or when it has no rule of ours in the kernel; no other VIP is.
import { describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import { parseConfigText } from "../../../src/config/parse.js";
import { makeRoute, makeRule } from "../../../src/core/model/normalize.js";
import type { Route } from "../../../src/core/model/route.js";
import type { PassResult } from "../../../src/reconciler/pass.js";
import { createReconciler } from "../../../src/index.js";
import { startFakeBird } from "../../support/fake-bird.js";
import { loadKernelFixture } from "../../support/fixtures.js";
import { KernelSim } from "../../support/kernel-sim.js";
import { NODE_LINKS, stopAfterEach } from "../../support/reconciler-cleanup.js";
import { perPrefixExportReplies, WatchedDataplane } from "../../support/watched-dataplane.js";

const { fakes, recs } = stopAfterEach();

const PEERED = "10.111.100.9"; // return path: BGP session up_b4
const GATEWAYED = "10.111.100.10"; // return path: a fixed gateway

async function setup() {
  const bird = await startFakeBird("bird-2.0.12", { replies: perPrefixExportReplies() });
  fakes.push(bird);
  const config = parseConfigText(`
bird: {sockets: [${JSON.stringify(bird.socketPath)}]}
protect: {kernelProtocols: [kernel1], repair: reinstall}
ownership: {announceTables: [198]}
vips:
  - {address: ${PEERED}, announce: {table: 198}, return: {bgpPeer: up_b4}}
  - {address: ${GATEWAYED}, announce: {table: 198}, return: {gateway: 10.111.1.1, device: na0}}
`);
  const dp = new WatchedDataplane(KernelSim.from(loadKernelFixture("bird2-node")), NODE_LINKS);
  const rec = createReconciler({ config, dataplane: dp, bird: [createBirdPort({ socketPath: bird.socketPath, idleTimeoutMs: 300 })] });
  recs.push(rec);
  await rec.watchKernel({ onChange: () => undefined }).started;
  const first = await rec.apply();
  expect(first.mode).toBe("full");
  expect(first.desired?.vipProblems).toEqual([]);
  // The resync's own writes come back as dirty live keys: one event pass settles them.
  expect((await rec.apply()).mode).toBe("incremental");
  const tables = first.desired!.tables;
  /** The default route of a VIP's source table in the kernel now. */
  const sourceRoute = (vip: string) => dp.sim.routes.filter((r) => r.table === tables.get(vip) && r.dst === "0.0.0.0/0").map((r) => r.nexthops.map((n) => `${n.gateway} dev ${n.dev}`).join(","));
  return { dp, rec, sourceRoute };
}

/** The VIPs an event pass recomposed (each desires its address). */
const recomposed = (r: PassResult) => (r.desired?.desired.addresses ?? []).map((a) => a.address).sort();

const mainRoute = (dst: string, dev: string): Route => makeRoute({ family: 4, dst, table: 254, protocol: 4, scope: 253, nexthops: [{ dev }] });

describe("event passes recompose the VIPs whose inputs changed", () => {
  it("nothing changed: no VIP is recomposed", async () => {
    const { rec } = await setup();
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(recomposed(res)).toEqual([]);
  });

  it("a main route that moves the BGP neighbor to another link re-resolves that VIP's return route, and only that VIP's", async () => {
    const { dp, rec, sourceRoute } = await setup();
    expect(sourceRoute(PEERED)).toEqual(["10.111.2.1 dev nb0"]);
    const detour = mainRoute("10.111.2.1/32", "na0");
    dp.sim.loadRoute(detour);
    dp.emit([{ route: detour, deleted: false }]);
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(recomposed(res)).toEqual([PEERED]);
    expect(res.plan?.ops.map((o) => o.kind)).toEqual(["route.replace"]);
    expect(sourceRoute(PEERED)).toEqual(["10.111.2.1 dev na0"]);
    expect(sourceRoute(GATEWAYED)).toEqual(["10.111.1.1 dev na0"]);
  });

  it("after a restart on a kernel already in sync, the neighbor's main route still re-resolves the VIP's return route", async () => {
    const { dp, rec, sourceRoute } = await setup();
    await rec.stop();
    const bird = fakes.at(-1)!;
    const config = rec.config;
    const again = createReconciler({ config, dataplane: dp, bird: [createBirdPort({ socketPath: bird.socketPath, idleTimeoutMs: 300 })] });
    recs.push(again);
    await again.watchKernel({ onChange: () => undefined }).started;
    const resync = await again.apply();
    expect(resync.mode).toBe("full");
    expect(resync.plan?.ops).toEqual([]);
    const detour = mainRoute("10.111.2.1/32", "na0");
    dp.sim.loadRoute(detour);
    dp.emit([{ route: detour, deleted: false }]);
    const res = await again.apply();
    expect(res.mode).toBe("incremental");
    expect(recomposed(res)).toEqual([PEERED]);
    expect(sourceRoute(PEERED)).toEqual(["10.111.2.1 dev na0"]);
  });

  it("a main route that does not cover the neighbor recomposes no VIP", async () => {
    const { dp, rec } = await setup();
    const other = mainRoute("10.9.9.0/24", "na0");
    dp.sim.loadRoute(other);
    dp.emit([{ route: other, deleted: false }]);
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(recomposed(res)).toEqual([]);
    expect(res.plan?.ops).toEqual([]);
  });

  it("a route covering the neighbor in a table other than main recomposes no VIP", async () => {
    const { dp, rec } = await setup();
    const elsewhere = makeRoute({ family: 4, dst: "10.111.2.0/24", table: 200, protocol: 4, scope: 253, nexthops: [{ dev: "na0" }] });
    dp.sim.loadRoute(elsewhere);
    dp.emit([{ route: elsewhere, deleted: false }]);
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(recomposed(res)).toEqual([]);
  });

  it("the neighbor becomes unreachable: the VIP keeps its last good return route from its source table, nothing is deleted", async () => {
    const { dp, rec, sourceRoute } = await setup();
    // Both main routes through which 10.111.2.1 resolves go: nb0's prefix and BIRD's default.
    const gone = dp.sim.routes.filter((r) => r.table === 254 && (r.dst === "10.111.2.0/24" || r.dst === "0.0.0.0/0"));
    expect(gone).toHaveLength(2);
    dp.sim.routes = dp.sim.routes.filter((r) => !gone.includes(r));
    dp.emit(gone.map((route) => ({ route, deleted: true })));
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(recomposed(res)).toEqual([PEERED]);
    expect(res.desired?.vipProblems).toEqual([
      { vip: PEERED, reason: "no kernel route to up_b4's neighbor 10.111.2.1" },
      { vip: PEERED, reason: "return path unknown; keeping the last good one via 10.111.2.1 dev nb0" },
    ]);
    expect(res.plan?.ops.filter((o) => o.kind.endsWith(".delete"))).toEqual([]);
    expect(sourceRoute(PEERED)).toEqual(["10.111.2.1 dev nb0"]);
  });

  it("a foreign rule from a VIP's address recomposes that VIP (its rule's key changed), and is left alone", async () => {
    const { dp, rec } = await setup();
    const foreign = makeRule({ family: 4, priority: 1500, from: `${PEERED}/32`, table: 1500, protocol: 0 });
    dp.sim.addRule(foreign);
    dp.rule(foreign, false);
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(recomposed(res)).toEqual([PEERED]);
    expect(res.plan?.ops).toEqual([]);
    expect(dp.sim.rules).toContainEqual(foreign);
  });

  it("a VIP without a rule of ours in the kernel (its rule held back; a foreign rule from it) is recomposed by every event pass", async () => {
    const { dp, rec } = await setup();
    const added = "10.111.100.11";
    // A foreign rule from the new VIP into a table of fibwarden's range is not a rule of ours.
    const foreign = makeRule({ family: 4, priority: 1500, from: `${added}/32`, table: 1500, protocol: 0 });
    dp.sim.addRule(foreign);
    dp.rule(foreign, false);
    rec.setVips([...rec.getVips(), { address: added, announce: { table: 198 }, return: { gateway: "10.111.1.1", device: "na0" } }]);
    const held = await rec.apply({ hold: (op) => op.kind === "rule.add" });
    expect(held.held?.map((o) => o.kind)).toEqual(["rule.add"]);
    // The objects that were written echo back once; held again meanwhile.
    await rec.apply({ hold: (op) => op.kind === "rule.add" });
    expect(dp.sim.rules.some((r) => r.protocol === 201 && r.from === `${added}/32`)).toBe(false);
    const next = await rec.apply();
    expect(next.mode).toBe("incremental");
    expect(dp.sim.rules).toContainEqual(foreign);
    expect(recomposed(next)).toEqual([added]);
  });

  it("a VIP whose rule of ours goes away after the resync is recomposed by every event pass until the rule is back", async () => {
    const { dp, rec } = await setup();
    const ours = dp.sim.rules.find((r) => r.protocol === 201 && r.from === `${GATEWAYED}/32`)!;
    expect(ours).toBeDefined();
    dp.sim.deleteRule(ours);
    dp.rule(ours, true);
    const hold = { hold: (op: { kind: string }) => op.kind === "rule.add" };
    const first = await rec.apply(hold);
    expect(first.mode).toBe("incremental");
    expect(recomposed(first)).toEqual([GATEWAYED]);
    // No event names the VIP any more: it is recomposed because it has no rule of ours.
    const second = await rec.apply(hold);
    expect(second.mode).toBe("incremental");
    expect(recomposed(second)).toEqual([GATEWAYED]);
    // A held operation waits for the next resync, which puts the rule back.
    expect((await rec.apply({ full: true })).mode).toBe("full");
    expect(dp.sim.rules).toContainEqual(ours);
    // The resync's writes echo back once; then no VIP is recomposed.
    await rec.apply();
    const settled = await rec.apply();
    expect(settled.mode).toBe("incremental");
    expect(recomposed(settled)).toEqual([]);
  });

  it("a rule of ours that a resync found gone (no event told) makes the VIP recomposed by the event passes after it", async () => {
    const { dp, rec } = await setup();
    const ours = dp.sim.rules.find((r) => r.protocol === 201 && r.from === `${GATEWAYED}/32`)!;
    dp.sim.deleteRule(ours); // no event: only a resync sees it
    const hold = { hold: (op: { kind: string }) => op.kind === "rule.add" };
    const resync = await rec.apply({ full: true, ...hold });
    expect(resync.held?.map((o) => o.kind)).toEqual(["rule.add"]);
    const next = await rec.apply(hold);
    expect(next.mode).toBe("incremental");
    expect(recomposed(next)).toEqual([GATEWAYED]);
  });

  it("an edited VIP is recomposed alone; a removed one has its objects withdrawn", async () => {
    const { dp, rec } = await setup();
    rec.setVips(rec.getVips().map((v) => (v.address === GATEWAYED ? { ...v, return: { gateway: "10.111.2.1", device: "nb0" } } : v)));
    const edited = await rec.apply();
    expect(recomposed(edited)).toEqual([GATEWAYED]);
    expect(edited.plan?.ops.map((o) => o.kind)).toEqual(["route.replace"]);
    rec.setVips(rec.getVips().filter((v) => v.address !== GATEWAYED));
    const removed = await rec.apply();
    expect(recomposed(removed)).toEqual([]);
    expect(removed.plan?.ops.map((o) => o.kind).sort()).toEqual(["address.delete", "route.delete", "route.delete", "rule.delete"]);
    expect(dp.sim.addresses.some((a) => a.address === GATEWAYED)).toBe(false);
    expect(dp.sim.addresses.some((a) => a.address === PEERED)).toBe(true);
  });
});
