// What fibwarden owns comes from durable markers only: the config (its tables, announce tables,
// address devices, VIP ranges and VIPs), the protocol number and the address label. A VIP set at
// run time does not widen the policy: its announce route or address outside what the config
// declares is refused (`not-ownable`) and reported, and what a run-time VIP inside the policy
// wrote is still recognised as fibwarden's by a fresh reconciler (a restart).
import { NODE_LINKS, stopAfterEach } from "../../support/reconciler-cleanup.js";
import { describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import { configToPolicy } from "../../../src/config/policy.js";
import { parseConfigText } from "../../../src/config/parse.js";
import { createReconciler } from "../../../src/index.js";
import { startFakeBird } from "../../support/fake-bird.js";
import { FakeDataplane } from "../../support/fake-dataplane.js";
import { loadKernelFixture } from "../../support/fixtures.js";
import { KernelSim } from "../../support/kernel-sim.js";

const links = NODE_LINKS;
const { fakes, recs } = stopAfterEach();

async function start(dp?: FakeDataplane) {
  const bird = await startFakeBird("bird-2.0.12");
  fakes.push(bird);
  const config = parseConfigText(`
bird: {sockets: [${JSON.stringify(bird.socketPath)}]}
protect: {kernelProtocols: [kernel1]}
ownership: {announceTables: [198]}
`);
  const dataplane = dp ?? new FakeDataplane(KernelSim.from(loadKernelFixture("bird2-node")), links);
  const rec = createReconciler({ config, dataplane, bird: [createBirdPort({ socketPath: bird.socketPath, idleTimeoutMs: 300 })] });
  recs.push(rec);
  return { rec, dp: dataplane, config };
}

// The captured node holds proto 201 routes of its own (main, table 100): only 198 and 199 are looked at.
const ours = (dp: FakeDataplane) => ({
  routes: dp.sim.routes.filter((r) => r.protocol === 201 && (r.table === 198 || r.table === 199)).map((r) => `${r.table} ${r.dst}`).sort(),
  addresses: dp.sim.addresses.filter((a) => a.label?.endsWith(":fw")).map((a) => `${a.dev} ${a.address}`).sort(),
});

describe("durable ownership: run-time VIPs do not widen the policy", () => {
  it("setVips leaves the policy as the config makes it", async () => {
    const { rec, config } = await start();
    rec.setVips([{ address: "10.111.100.20", announce: { table: 199 } }, { address: "10.111.100.21", device: "vip0" }]);
    expect(rec.policy).toEqual(configToPolicy(config));
  });

  it("an announce table the config does not declare: setVips and the pass say so, the planner refuses the route (not-ownable), nothing is written there", async () => {
    const { rec, dp } = await start();
    const problems = rec.setVips([{ address: "10.111.100.20", announce: { table: 199 } }]);
    expect(problems).toEqual([{ vip: "10.111.100.20", reason: "announce table 199 is not fibwarden's: list it in ownership.announceTables" }]);
    const conflicts: string[] = [];
    rec.on("conflict", (cs) => conflicts.push(...cs.map((c) => `${c.object} ${c.reason}`)));
    const res = await rec.apply();
    expect(res.desired?.vipProblems).toContainEqual(problems[0]);
    expect(res.plan?.conflicts.filter((c) => c.reason === "not-ownable").map((c) => `${c.object} ${c.key}`)).toEqual([expect.stringMatching(/^route .*199.*10\.111\.100\.20\/32/)]);
    expect(conflicts).toContain("route not-ownable");
    // The address (on lo, an address device, labelled lo:fw) is ours and added; the route is not.
    expect(ours(dp)).toEqual({ routes: [], addresses: ["lo 10.111.100.20"] });
  });

  it("a device the config does not declare: the address is refused (not-ownable) and reported", async () => {
    const { rec, dp } = await start();
    const problems = rec.setVips([{ address: "10.111.100.21", device: "vip0", announce: { table: 198 } }]);
    expect(problems).toEqual([{ vip: "10.111.100.21", reason: "device vip0 is not an address device: list it in ownership.addressDevices" }]);
    const res = await rec.apply();
    expect(res.desired?.vipProblems).toContainEqual(problems[0]);
    expect(res.plan?.conflicts.filter((c) => c.reason === "not-ownable").map((c) => c.object)).toEqual(["address"]);
    expect(ours(dp)).toEqual({ routes: ["198 10.111.100.21/32"], addresses: [] });
  });

  it("an IPv6 VIP outside ownership.vipRanges: the address is refused and the reason names vipRanges", async () => {
    const { rec } = await start();
    const problems = rec.setVips([{ address: "fd00:111::20" }]);
    expect(problems).toEqual([{ vip: "fd00:111::20", reason: "address fd00:111::20 on lo would carry no marker of fibwarden's: put it inside ownership.vipRanges" }]);
  });

  it("setVips reports a VIP outside the policy on every call, not only when it changed", async () => {
    const { rec } = await start();
    const outside = { address: "10.111.100.20", announce: { table: 199 } };
    const first = rec.setVips([outside]);
    expect(first).toHaveLength(1);
    expect(rec.setVips([{ ...outside }, { address: "10.111.100.23" }])).toEqual(first);
    expect(rec.setVips([{ address: "10.111.100.23" }])).toEqual([]);
  });

  it("VIPs the config covers give no problem", async () => {
    const { rec } = await start();
    expect(rec.setVips([{ address: "10.111.100.22", announce: { table: 198 } }, { address: "10.111.100.23" }])).toEqual([]);
  });

  it("after a restart, what a run-time VIP inside the policy wrote is still fibwarden's: a fresh reconciler without the VIP withdraws it", async () => {
    const first = await start();
    first.rec.setVips([{ address: "10.111.100.22", announce: { table: 198 } }]);
    await first.rec.apply();
    expect(ours(first.dp)).toEqual({ routes: ["198 10.111.100.22/32"], addresses: ["lo 10.111.100.22"] });
    await first.rec.stop();
    const second = await start(first.dp); // a new process: the config only, no VIP set yet
    const res = await second.rec.apply();
    expect(res.plan?.ops.map((o) => o.kind).sort()).toEqual(["address.delete", "route.delete"]);
    expect(ours(first.dp)).toEqual({ routes: [], addresses: [] });
  });
});
