// Properties of incremental passes against the kernel simulator (the kernel's real key, replace
// and delete semantics) and a fake BIRD replaying the captured BIRD 2 node: a seeded foreign
// agent changes routes (protected keys in main, announce keys, source-table defaults, keys BIRD
// does not know), rules and addresses, and the VIP set changes, each change reported as the
// kernel monitor would. After every `apply()`:
//   - safety: no foreign route, rule or address was changed or removed;
//   - after the last one, a full audit (`plan()`, observing everything) has nothing left to do:
//     the incremental passes reached the same fixpoint as full passes.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BirdClient } from "../../../src/adapters/bird/client.js";
import { parseConfigText } from "../../../src/config/parse.js";
import type { Route } from "../../../src/core/model/route.js";
import type { Rule } from "../../../src/core/model/rule.js";
import { createReconciler } from "../../../src/reconciler/reconciler.js";
import { startFakeBird, type FakeBird } from "../../support/fake-bird.js";
import { perPrefixExportReplies, WatchedDataplane } from "../../support/watched-dataplane.js";
import { loadKernelFixture } from "../../support/fixtures.js";
import { KernelSim } from "../../support/kernel-sim.js";
import { checkSafety } from "../../support/safety.js";

const RUNS = Math.max(10, Math.round(Number(process.env.FC_RUNS ?? 2000) / 20));


const links = ["lo", "na0", "nb0", "vip0", "vip0p"].map((name, i) => ({ ifindex: i + 1, name, up: true }));
const UNKNOWN = ["10.250.1.0/24", "10.250.2.0/24"];


const VIP_A = { address: "10.111.100.9", announce: { table: 198 }, return: { bgpPeer: "up_b4" } };
const VIP_B = { address: "10.111.100.10", announce: { table: 198 }, return: { gateway: "10.111.1.1", device: "na0" } };

type Step =
  | { t: "del"; pick: number }
  | { t: "put"; key: number; replace: boolean; proto: number; blackhole: boolean }
  | { t: "ruleAdd"; prio: number; net: number; proto: number }
  | { t: "ruleDelOurs"; pick: number }
  | { t: "addrDelOurs"; pick: number }
  | { t: "vips"; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ t: fc.constant("del" as const), pick: fc.nat() }),
  fc.record({ t: fc.constant("put" as const), key: fc.nat(), replace: fc.boolean(), proto: fc.constantFrom(3, 4, 16), blackhole: fc.boolean() }),
  fc.record({ t: fc.constant("ruleAdd" as const), prio: fc.constantFrom(500, 1000, 1500), net: fc.nat(3), proto: fc.constantFrom(0, 4) }),
  fc.record({ t: fc.constant("ruleDelOurs" as const), pick: fc.nat() }),
  fc.record({ t: fc.constant("addrDelOurs" as const), pick: fc.nat() }),
  fc.record({ t: fc.constant("vips" as const), pick: fc.nat(3) }),
);

let bird: FakeBird;
beforeAll(async () => { bird = await startFakeBird("bird-2.0.12", { replies: perPrefixExportReplies(UNKNOWN) }); });
afterAll(async () => { await bird.close(); });

describe("incremental passes (property)", () => {
  it("never change a foreign object, and end where a full pass would", async () => {
    const live = loadKernelFixture("bird2-node");
    const protectedDsts = [...new Set(live.routes.filter((r) => r.family === 4 && r.table === 254 && r.protocol === 12 && r.nexthops.length === 1).map((r) => r.dst))].slice(0, 6);
    let incremental = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.array(step, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }), async (rounds) => {
      const dp = new WatchedDataplane(KernelSim.from(live), links);
      const config = parseConfigText(`
bird: {sockets: [${JSON.stringify(bird.socketPath)}]}
protect: {kernelProtocols: [kernel1], repair: reinstall}
ownership: {announceTables: [198]}
vips: [${JSON.stringify(VIP_A)}]
`);
      const client = new BirdClient({ socketPath: bird.socketPath, idleTimeoutMs: 1000 });
      const rec = createReconciler({ config, dataplane: dp, birdClients: [client] });
      try {
        await rec.watchKernel({ onChange: () => undefined }).started;
        await rec.apply();
        const sourceTables = [...new Set(dp.sim.routes.filter((r) => r.protocol === 201 && r.table >= 1000 && r.table < 2000).map((r) => r.table))];
        const keys: Array<{ table: number; dst: string; metric: number }> = [
          ...protectedDsts.map((dst) => ({ table: 254, dst, metric: 32 })),
          ...UNKNOWN.map((dst) => ({ table: 254, dst, metric: 32 })),
          { table: 198, dst: "10.111.100.9/32", metric: 0 }, { table: 198, dst: "10.111.100.10/32", metric: 0 },
          ...sourceTables.map((table) => ({ table, dst: "0.0.0.0/0", metric: 0 })),
        ];
        for (const steps of rounds) {
          for (const s of steps) {
            const sim = dp.sim;
            if (s.t === "del") {
              const cands = sim.routes.filter((r) => keys.some((k) => k.table === r.table && k.dst === r.dst));
              const r = cands[s.pick % Math.max(1, cands.length)];
              if (r) { sim.deleteRoute(r); dp.emit([{ route: r, deleted: true }]); }
            } else if (s.t === "put") {
              const k = keys[s.key % keys.length]!;
              const r: Route = s.blackhole
                ? { family: 4, table: k.table, dst: k.dst, type: "blackhole", protocol: s.proto, metric: k.metric, tos: 0, scope: 0, nexthops: [] }
                : { family: 4, table: k.table, dst: k.dst, type: "unicast", protocol: s.proto, metric: k.metric, tos: 0, scope: 253, nexthops: [{ dev: "nb0", weight: 1, onlink: false }] };
              try {
                if (s.replace) sim.replaceRoute(r); else sim.addRoute(r);
                dp.emit([{ route: r, deleted: false }]);
              } catch { /* EEXIST: the kernel refused, no event */ }
            } else if (s.t === "ruleAdd") {
              const r: Rule = { family: 4, priority: s.prio, from: `10.98.${s.net}.0/24`, tos: 0, action: "lookup", table: 1001, protocol: s.proto };
              try { sim.addRule(r); dp.rule(r, false); } catch { /* EEXIST */ }
            } else if (s.t === "ruleDelOurs") {
              const ours = sim.rules.filter((r) => r.protocol === 201);
              const r = ours[s.pick % Math.max(1, ours.length)];
              if (r) { sim.deleteRule(r); dp.rule(r, true); }
            } else if (s.t === "addrDelOurs") {
              const ours = sim.addresses.filter((a) => a.label === "lo:fw");
              const a = ours[s.pick % Math.max(1, ours.length)];
              if (a) { sim.deleteAddress(a); dp.address(a, true); }
            } else {
              // any VIP set, the configured VIP_A removed too
              rec.setVips([[VIP_A], [VIP_A, VIP_B], [VIP_B], []][s.pick]!);
            }
          }
          const before = dp.sim.snapshot();
          const res = await rec.apply();
          if (res.mode === "incremental") incremental++;
          const broken = checkSafety(before, dp.sim.snapshot(), rec.policy);
          if (broken !== undefined) throw new Error(`${res.mode} pass: ${broken}`);
        }
        const audit = await rec.plan();
        expect(audit.plan?.ops.map((o) => `${o.kind} ${o.reason}`)).toEqual([]);
      } finally {
        await rec.stop();
      }
    }), { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 20261122) });
    // The property must exercise incremental passes, not only the full-pass fallback.
    expect(incremental).toBeGreaterThan(RUNS);
  }, 600_000);
});
