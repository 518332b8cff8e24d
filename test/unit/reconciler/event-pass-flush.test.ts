// Routes the kernel removes without an event (IPv4 over a link that went down, IPv4 using a
// deleted address as preferred source) and what it keeps (a multipath route with a nexthop on
// another link): the event pass re-reads the scope such an action touches (never imitates it) and
// must plan what a resync plans. Cases found by the property (one-pass.prop.test.ts).
import { NODE_LINKS, stopAfterEach } from "../../support/reconciler-cleanup.js";
import { describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import { parseConfigText } from "../../../src/config/parse.js";
import type { Route } from "../../../src/core/model/route.js";
import { createReconciler } from "../../../src/index.js";
import { startFakeBird } from "../../support/fake-bird.js";
import { perPrefixExportReplies, WatchedDataplane } from "../../support/watched-dataplane.js";
import { loadKernelFixture } from "../../support/fixtures.js";
import { KernelSim } from "../../support/kernel-sim.js";

const links = NODE_LINKS;
const { fakes, recs } = stopAfterEach();

async function setup(vipReturn = "{gateway: 10.111.1.1, device: na0}") {
  const bird = await startFakeBird("bird-2.0.12", { replies: perPrefixExportReplies() });
  fakes.push(bird);
  const text = `
bird: {sockets: [${JSON.stringify(bird.socketPath)}]}
protect: {kernelProtocols: [kernel1], repair: reinstall}
vips:
  - address: 10.111.100.9
    announce: {table: 198}
    return: ${vipReturn}
`;
  const dp = new WatchedDataplane(KernelSim.from(loadKernelFixture("bird2-node")), links);
  const rec = createReconciler({ config: parseConfigText(text), dataplane: dp, bird: [createBirdPort({ socketPath: bird.socketPath, idleTimeoutMs: 300 })] });
  recs.push(rec);
  await rec.watchKernel({ onChange: () => undefined }).started;
  const auditDp = new WatchedDataplane(new KernelSim(), links);
  const auditor = createReconciler({ config: parseConfigText(text), dataplane: auditDp, bird: [createBirdPort({ socketPath: bird.socketPath, idleTimeoutMs: 300 })] });
  recs.push(auditor);
  /** What a full pass plans on the kernel as it is now (a second reconciler: the first one's cache is left alone). */
  const fullOps = async () => {
    auditDp.sim = KernelSim.from(dp.sim.snapshot());
    auditDp.sim.links = new Map(dp.sim.links);
    return ((await auditor.plan()).plan?.ops ?? []).map((o) => `${o.kind} ${o.reason}`);
  };
  /** One apply, which must be incremental and plan what a full pass plans now. */
  const applyLikeFull = async () => {
    const expected = await fullOps();
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(res.plan?.ops.map((o) => `${o.kind} ${o.reason}`).sort()).toEqual(expected.sort());
    return expected;
  };
  return { dp, rec, fullOps, applyLikeFull };
}

describe("event passes and the kernel's silent flushes", () => {
  it("a protected route freed by a flushed foreign route (its source address deleted) is reinstalled by the same incremental pass", async () => {
    const { dp, rec, fullOps } = await setup();
    await rec.apply();
    // A foreign route takes the key of BIRD's default route, with the VIP as preferred source.
    const bird = dp.sim.routes.find((r) => r.protocol === 12 && r.table === 254 && r.dst === "0.0.0.0/0")!;
    const foreign: Route = { ...bird, protocol: 4, prefsrc: "10.111.100.9", nexthops: [{ gateway: "10.111.2.1", dev: "nb0", weight: 1, onlink: false }] };
    dp.sim.replaceRoute(foreign);
    dp.emit([{ route: foreign, deleted: false }]);
    expect((await rec.apply()).plan?.ops).toEqual([]); // a conflict: left alone
    // The VIP's address goes: IPv4 flushes the foreign route, without an event.
    dp.addressDel(dp.sim.addresses.find((a) => a.address === "10.111.100.9")!);
    const expected = await fullOps();
    expect(expected).toContain(`route.add reinstall protected route BIRD exports: 0.0.0.0/0 via 10.111.1.1 dev na0 table main metric 32 proto bird`);
    dp.routeReads = [];
    const res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(dp.routeReads).toEqual([{ family: 4 }]); // the removal's silent flush: IPv4 routes re-read
    expect(res.plan?.ops.map((o) => `${o.kind} ${o.reason}`).sort()).toEqual(expected.sort());
    expect((await rec.plan()).plan?.ops).toEqual([]);
  });

  it("a link going down: routes flushed with it are planned at once, multipath routes the kernel keeps are not reinstalled", async () => {
    const { dp, rec, fullOps } = await setup();
    await rec.apply();
    dp.linkSet("nb0", false);
    let expected = await fullOps();
    dp.routeReads = [];
    const linkReads = dp.reads.links;
    let res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(dp.reads.links).toBe(linkReads + 1);
    expect(dp.routeReads.map((r) => r.family).sort()).toEqual([4, 6]); // the link went down: every route re-read
    expect(res.plan?.ops.map((o) => `${o.kind} ${o.reason}`).sort()).toEqual(expected.sort());
    // The kernel keeps the 45 IPv4 multipath routes over na0 and nb0 (nb0's nexthop dead): an
    // event at one of their keys must not make the pass think BIRD's route is missing.
    const foreign: Route = { family: 4, table: 254, dst: "10.201.0.0/24", type: "unicast", protocol: 4, metric: 100, tos: 0, scope: 0, nexthops: [{ gateway: "10.111.1.1", dev: "na0", weight: 1, onlink: false }] };
    dp.sim.addRoute(foreign);
    dp.emit([{ route: foreign, deleted: false }]);
    expected = await fullOps();
    expect(expected.filter((o) => o.includes("10.201.0.0/24"))).toEqual([]);
    res = await rec.apply();
    expect(res.mode).toBe("incremental");
    expect(res.plan?.ops.map((o) => `${o.kind} ${o.reason}`).sort()).toEqual(expected.sort());
    dp.linkSet("nb0", true);
    await rec.apply();
    expect((await rec.plan()).plan?.ops).toEqual([]);
  });

  it("a VIP whose return path went down with the links: its rule comes back with its route in the same incremental pass", async () => {
    const { dp, rec, fullOps, applyLikeFull } = await setup("{bgpPeer: up_b4}"); // up_b4's neighbor: 10.111.2.1 over nb0
    await rec.apply();
    dp.linkSet("nb0", false);
    dp.linkSet("na0", false); // and the default route: no way to the neighbor, the source table is flushed
    expect(await fullOps()).toContain("rule.delete not desired: 1000: from 10.111.100.9/32 lookup 1000");
    await rec.apply(); // full: hundreds of keys flushed at once
    dp.linkSet("nb0", true);
    dp.linkSet("na0", true);
    expect(await applyLikeFull()).toEqual(expect.arrayContaining([
      "route.add missing: 0.0.0.0/0 via 10.111.2.1 dev nb0 table 1000 metric 0 proto 201",
      "rule.add missing: 1000: from 10.111.100.9/32 lookup 1000",
    ]));
  });
});
