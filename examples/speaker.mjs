// A MetalLB-style speaker embedding fibwarden: the example of docs/library.md, run by CI
// (test/integration/library-example.test.ts) against a network namespace with real BIRD.
// Usage: FIBWARDEN_BIRD_SOCKET=/run/bird/bird.ctl [FIBWARDEN_NETNS=ns] node examples/speaker.mjs 10.111.100.7
import { createReconciler, parseConfigText } from "fibwarden";

const vip = process.argv[2] ?? "10.111.100.7";
const config = parseConfigText(JSON.stringify({
  bird: { sockets: [process.env.FIBWARDEN_BIRD_SOCKET ?? "/run/bird/bird.ctl"] },
  kernel: process.env.FIBWARDEN_NETNS ? { netns: process.env.FIBWARDEN_NETNS } : {},
  protect: { kernelProtocols: ["kernel1"], repair: "reinstall" },
  // What fibwarden owns comes from the config: the announce table of the VIPs set below.
  ownership: { announceTables: [198] },
}), { source: "speaker.mjs" });

const reconciler = createReconciler({ config });
reconciler.on("drift", (drift) => {
  for (const d of drift) console.log(`drift: ${d.kind} ${d.expected.dst}${d.repaired ? " (reinstalled)" : ""}`);
});
reconciler.on("conflict", (conflicts) => {
  for (const c of conflicts) console.log(`conflict: ${c.reason}: ${c.message}`);
});

// The speaker learned a service VIP: announce it from table 198 and route its replies via eth-uplink.
reconciler.setVips([{ address: vip, announce: { table: 198 } }]);
const planned = await reconciler.plan();
console.log(`plan: ${planned.plan?.ops.length ?? 0} operations, observation complete: ${planned.observationComplete}`);
const applied = await reconciler.apply();
console.log(`applied: ${applied.applied?.applied ?? 0} ok, ${applied.applied?.failed ?? 0} failed`);
const after = await reconciler.plan();
console.log(`in sync: ${after.plan?.ops.length === 0}`);
await reconciler.stop();
process.exitCode = after.plan?.ops.length === 0 ? 0 : 2;
