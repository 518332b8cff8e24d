// One pass end to end on captured data: a fake BIRD replaying the real transcripts over a UNIX
// socket, and a fake dataplane over the kernel simulator holding the captured kernel.
import { afterEach, describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import { systemClock } from "../../../src/adapters/clock.js";
import type { BirdPort } from "../../../src/adapters/ports.js";
import { configToPolicy } from "../../../src/config/policy.js";
import { parseConfigText } from "../../../src/config/parse.js";
import { routeKey } from "../../../src/core/model/keys.js";
import { newPassState, runPass } from "../../../src/reconciler/pass.js";
import { fullPass } from "../../support/full-pass.js";
import { startFakeBird, type FakeBird } from "../../support/fake-bird.js";
import { FakeDataplane } from "../../support/fake-dataplane.js";
import { loadKernelFixture } from "../../support/fixtures.js";
import { KernelSim } from "../../support/kernel-sim.js";

const fakes: FakeBird[] = [];
const clients: BirdPort[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const f of fakes.splice(0)) await f.close();
});

async function birds(...daemons: string[]) {
  return birdsWith({}, ...daemons);
}

async function birdsWith(options: Parameters<typeof startFakeBird>[1], ...daemons: string[]) {
  for (const d of daemons) fakes.push(await startFakeBird(d, options));
  for (const f of fakes) clients.push(createBirdPort({ socketPath: f.socketPath, idleTimeoutMs: 300 }));
  return clients;
}

const links = ["lo", "na0", "nb0", "vip0", "vip0p"].map((name, i) => ({ ifindex: i + 1, name, up: true }));

describe("runPass on the captured BIRD 2 node", () => {
  const yaml = (sockets: string[], repair = "reinstall") => `
bird: {sockets: ${JSON.stringify(sockets)}}
protect: {kernelProtocols: [kernel1, kernel2], repair: ${repair}}
vips:
  - address: 10.111.100.9
    announce: {table: 198}
    return: {bgpPeer: up_b4}
`;

  it("plans the VIP, reinstalls the 12 missing BIRD routes, reports the 10 damaged ECMP routes; a second pass is empty", async () => {
    const [client] = await birds("bird-2.0.12");
    const config = parseConfigText(yaml([client!.socket]));
    const dp = new FakeDataplane(KernelSim.from(loadKernelFixture("bird2-node")), links);
    const deps = { config, policy: configToPolicy(config), dataplane: dp, birds: clients, clock: systemClock };
    const first = await fullPass(deps, { apply: true });
    expect(first.observationComplete).toBe(true);
    expect(first.bird.problems).toEqual([]);
    expect(first.desired?.vipProblems).toEqual([]);
    const p = first.plan!;
    expect(p.drift.filter((d) => d.kind === "missing")).toHaveLength(12);
    expect(p.drift.filter((d) => d.kind === "differs")).toHaveLength(10);
    // the VIP: address, announce route, source table via up_b4's neighbor on nb0, rule
    const vipOps = p.ops.filter((o) => o.kind !== "route.add" || o.route.protocol === 201);
    expect(vipOps.map((o) => o.kind)).toEqual(["address.add", "route.add", "route.add", "rule.add"]);
    const table = first.desired!.tables.get("10.111.100.9")!;
    expect(dp.sim.routes.find((r) => r.table === table)?.nexthops).toEqual([{ gateway: "10.111.2.1", dev: "nb0", weight: 1, onlink: false }]);
    expect(first.applied?.failed).toBe(0);
    const second = await fullPass(deps, { apply: true });
    expect(second.plan?.ops).toEqual([]);
    expect(second.plan?.drift.map((d) => d.kind)).toEqual(Array(10).fill("differs"));
  });

  it("fails static when BIRD hangs mid-reply: no deletion, the socket is named", async () => {
    fakes.push(await startFakeBird("bird-2.0.12", { hangOn: "show route export kernel1" }));
    clients.push(createBirdPort({ socketPath: fakes[0]!.socketPath, idleTimeoutMs: 200 }));
    const config = parseConfigText(yaml([fakes[0]!.socketPath]));
    const live = loadKernelFixture("bird2-node");
    const sim = KernelSim.from(live);
    // a stale route of ours that a complete pass would delete
    sim.loadRoute({ ...live.routes.find((r) => r.family === 4 && r.nexthops.length === 1)!, table: 1500, protocol: 201 });
    const dp = new FakeDataplane(sim, links);
    const res = await fullPass({ config, policy: configToPolicy(config), dataplane: dp, birds: clients, clock: systemClock }, { apply: true });
    expect(res.observationComplete).toBe(false);
    expect(res.bird.problems[0]).toMatchObject({ code: "FW_BIRD_TIMEOUT", socket: fakes[0]!.socketPath });
    expect(res.plan?.withheld.map((o) => o.kind)).toEqual(["route.delete"]);
    expect(res.plan?.ops.some((o) => o.kind.endsWith(".delete"))).toBe(false);
    expect(dp.sim.routes.some((r) => r.table === 1500)).toBe(true);
  });

  it("BIRD hangs halfway through a kernel protocol's export: none of that protocol's streamed routes are desired", async () => {
    const hung = await startFakeBird("bird-2.0.12", { hangOn: "show route export kernel1", hangAfter: 0.6 });
    const whole = await startFakeBird("bird-2.0.12");
    fakes.push(hung, whole);
    const run = async (fake: FakeBird) => {
      const port = createBirdPort({ socketPath: fake.socketPath, idleTimeoutMs: 200 });
      clients.push(port);
      const config = parseConfigText(yaml([fake.socketPath]));
      const state = newPassState(configToPolicy(config));
      const dp = new FakeDataplane(KernelSim.from(loadKernelFixture("bird2-node")), links);
      const out = await runPass({ config, policy: configToPolicy(config), dataplane: dp, birds: [port], clock: systemClock }, state, "all", { apply: false, vips: [] });
      return { out, protectedKeys: [...state.trackers.routes.protected.keys()] };
    };
    const control = await run(whole);
    expect(control.out.result.observationComplete).toBe(true);
    expect(control.protectedKeys.filter((k) => k.startsWith("4|")).length).toBeGreaterThan(10); // what kernel1 exports
    const cut = await run(hung);
    expect(cut.out.result.observationComplete).toBe(false);
    expect(cut.protectedKeys.filter((k) => k.startsWith("4|"))).toEqual([]);
    expect(cut.out.result.plan?.ops.filter((o) => o.kind === "route.add")).toEqual([]);
    expect(cut.out.result.plan?.ops.some((o) => o.kind.endsWith(".delete"))).toBe(false);
  });

  it("plans nothing at all when the kernel cannot be read", async () => {
    const [client] = await birds("bird-2.0.12");
    const config = parseConfigText(yaml([client!.socket]));
    const dp = new FakeDataplane(KernelSim.from(loadKernelFixture("bird2-node")), links, { readRoutes: true });
    const res = await fullPass({ config, policy: configToPolicy(config), dataplane: dp, birds: clients, clock: systemClock }, { apply: true });
    expect(res.kernel.complete).toBe(false);
    expect(res.kernel.problems[0]?.code).toBe("FW_KERNEL_READ");
    expect(res.plan).toBeUndefined();
    expect(dp.applies).toEqual([]);
  });
});

describe("runPass on the captured calico-style BIRD 1.6 node (two daemons)", () => {
  it("merges bird and bird6, uses BIRD 1.6's metrics, and finds the kernel in sync", async () => {
    await birds("bird-1.6.8", "bird6-1.6.8");
    const config = parseConfigText(`
bird: {sockets: ${JSON.stringify(clients.map((c) => c.socket))}}
protect: {kernelProtocols: all, repair: report}
`);
    const live = loadKernelFixture("bird16-node");
    const dp = new FakeDataplane(KernelSim.from(live), links);
    const res = await fullPass({ config, policy: configToPolicy(config), dataplane: dp, birds: clients, clock: systemClock }, { apply: false });
    expect(res.bird.problems).toEqual([]);
    expect(res.bird.daemons.map((d) => d.dialect)).toEqual([1, 1]);
    expect(res.bird.kernelProtocols.map((k) => [k.name, k.family, k.metric])).toEqual([["kernel1", 4, 0], ["kernel1", 6, 1024]]);
    expect(res.plan?.drift).toEqual([]);
    expect(res.plan?.ops).toEqual([]);
    const protectedCount = res.bird.kernelProtocols.reduce((n, k) => n + k.routeCount, 0);
    expect(protectedCount).toBe(live.routes.filter((r) => r.protocol === 12).length);
    // Streamed into the trackers: the result counts the routes and lists none.
    expect(res.bird.kernelProtocols.map((k) => k.routes.length)).toEqual([0, 0]);
    expect(res.kernel.live.routes).toEqual([]);
    expect(res.kernel.routeCount).toBe(live.routes.length);
    // Kept as lists on request (doctor): the same routes, the same plan.
    const kept = await fullPass({ config, policy: configToPolicy(config), dataplane: dp, birds: clients, clock: systemClock }, { apply: false, keepObservation: true });
    expect(kept.bird.kernelProtocols.reduce((n, k) => n + k.routes.length, 0)).toBe(protectedCount);
    expect(new Set(kept.desired!.desired.protectedRoutes.map(routeKey)).size).toBe(protectedCount);
    expect(kept.kernel.live.routes.length).toBe(live.routes.length);
    expect(kept.plan).toEqual(res.plan);
  });
});

describe("runPass on calico-node's BIRD 1.6 build (version v0.3.3+birdv1.6.8)", () => {
  const config = () => parseConfigText(`
bird: {sockets: ${JSON.stringify(clients.map((c) => c.socket))}}
protect: {kernelProtocols: all, repair: reinstall}
`);
  const pass = async () => {
    const live = loadKernelFixture("bird16-node");
    const dp = new FakeDataplane(KernelSim.from(live), links);
    const c = config();
    return { res: await fullPass({ config: c, policy: configToPolicy(c), dataplane: dp, birds: clients, clock: systemClock }, { apply: true }), dp };
  };

  it("reads BIRD 1.6.8 out of calico's version string: metrics 0 and 1024, in sync, nothing written", async () => {
    await birdsWith({ version: "v0.3.3+birdv1.6.8" }, "bird-1.6.8", "bird6-1.6.8");
    const { res, dp } = await pass();
    expect(res.bird.problems).toEqual([]);
    expect(res.bird.daemons.map((d) => [d.version, d.release, d.dialect, d.dialectSource])).toEqual([
      ["v0.3.3+birdv1.6.8", "1.6.8", 1, "version"], ["v0.3.3+birdv1.6.8", "1.6.8", 1, "version"],
    ]);
    expect(res.bird.kernelProtocols.map((k) => [k.family, k.metric])).toEqual([[4, 0], [6, 1024]]);
    expect(res.plan?.ops).toEqual([]);
    expect(res.plan?.drift).toEqual([]);
    expect(res.plan?.guards).toEqual([]);
    expect(dp.applies).toEqual([]);
  });

  it("a version naming no BIRD release: the dialect comes from the replies (no channels: 1.x)", async () => {
    await birdsWith({ version: "v0.3.3" }, "bird-1.6.8", "bird6-1.6.8");
    const { res, dp } = await pass();
    expect(res.bird.problems).toEqual([]);
    expect(res.bird.daemons.map((d) => [d.release, d.dialect, d.dialectSource])).toEqual([[undefined, 1, "replies"], [undefined, 1, "replies"]]);
    expect(res.plan?.ops).toEqual([]);
    expect(dp.applies).toEqual([]);
  });

  it("neither the version nor the replies tell: observation incomplete, FW_BIRD_DIALECT naming the version, nothing deleted or reinstalled", async () => {
    // A BIRD whose `show protocols all` shows no kernel protocol: nothing tells the dialect.
    const deviceOnly = "2002-name     proto    table    state  since       info\n1002-device1  Device   master   up     18:59:08    \n0000 \n";
    await birdsWith({ version: "v0.3.3", replies: { "show protocols all": deviceOnly } }, "bird-1.6.8");
    const { res, dp } = await pass();
    expect(res.observationComplete).toBe(false);
    expect(res.bird.problems).toEqual([expect.objectContaining({ code: "FW_BIRD_DIALECT" })]);
    expect(res.bird.problems[0]!.message).toContain('"v0.3.3"');
    expect(res.bird.kernelProtocols).toEqual([]);
    expect(res.plan?.ops.filter((o) => o.kind.endsWith(".delete"))).toEqual([]);
    expect(dp.applies.flat().filter((o) => o.kind.endsWith(".delete"))).toEqual([]);
  });
});
