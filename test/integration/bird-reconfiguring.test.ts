// BIRD busy or reconfiguring (#18): what BIRD answers while it reconfigures is never read as
// "BIRD exports nothing". Real BIRD 2 and a real kernel behind a proxy that answers as BIRD does
// mid-reconfiguration (test/lab/reconfig-proxy.ts): `show status` says "Reconfiguration in
// progress", or a route walk stops with 8004. The observation is incomplete, deletions are
// withheld, no protected route is reported missing; once BIRD answers normally again, the
// withheld deletions go ahead.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createReconciler, type Reconciler } from "../../src/index.js";
import { buildTwoUplinkTopology, checkLabSupport, SCAN_TIME_QUIET_S, type TwoUplinkTopology } from "../lab/index.js";
import { startReconfigProxy, type ReconfigProxy } from "../lab/reconfig-proxy.js";
import { useLab } from "../lab/vitest.js";
import { twoUplinkVipConfig } from "../support/two-uplink-vips.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[bird-reconfiguring.test] SKIPPING: ${support.reason}\n`);

const VIP1 = "10.111.100.1";
const VIP2 = "10.111.100.2";

describe.skipIf(!support.ok)("BIRD reconfiguring: never read as exporting nothing", () => {
  const get = useLab((lab) => buildTwoUplinkTopology(lab, { scanTimeS: SCAN_TIME_QUIET_S }), { name: "reconf" });
  const topo = (): TwoUplinkTopology => get().value;
  let proxy: ReconfigProxy;
  let reconciler: Reconciler;

  beforeAll(async () => {
    proxy = await startReconfigProxy(topo().birds.node.socketPath, join(topo().lab.dir, "proxied-bird.ctl"));
    const cfg = join(topo().lab.dir, "reconf.yaml");
    writeFileSync(cfg, twoUplinkVipConfig(topo(), true).replace(topo().birds.node.socketPath, proxy.socketPath));
    reconciler = createReconciler({ config: (await loadConfig({ path: cfg })).config });
  }, 120_000);
  afterAll(async () => {
    await reconciler?.stop();
    await proxy?.close();
  });

  it("installs both VIPs while BIRD answers normally, protecting every route it exports", async () => {
    const applied = await reconciler.apply({ full: true });
    expect(applied.observationComplete, JSON.stringify(applied.bird.problems)).toBe(true);
    expect(applied.applied?.failed ?? 0).toBe(0);
    const again = await reconciler.plan();
    expect(again.plan?.ops).toEqual([]);
    expect(again.plan?.drift).toEqual([]);
    expect(again.bird.kernelProtocols.reduce((n, k) => n + k.routeCount, 0)).toBeGreaterThan(3);
  });

  for (const mode of ["status-reconfiguring", "routes-stopped"] as const) {
    it(`${mode}: the observation is incomplete, VIP2's deletions are withheld, nothing is reported missing`, async () => {
      reconciler.setVips([{ address: VIP1, announce: { table: topo().plan.vip.table }, return: { gateway: topo().plan.uplinks.a.router.ipv4, device: topo().plan.uplinks.a.node.ifname } }]);
      proxy.mode = mode;
      try {
        const r = await reconciler.plan();
        expect(r.observationComplete).toBe(false);
        const problems = r.bird.problems.map((p) => `${p.code}: ${p.message}`).join("\n");
        expect(problems).toMatch(mode === "status-reconfiguring" ? /FW_OBSERVATION_INCOMPLETE: BIRD is not up: Reconfiguration in progress/ : /FW_BIRD_COMMAND: .*8004 Stopped due to reconfiguration/);
        expect(r.plan?.ops.filter((o) => o.kind.endsWith(".delete"))).toEqual([]);
        const withheld = r.plan?.withheld ?? [];
        expect(withheld.some((o) => o.kind === "address.delete" && o.address.address === VIP2), JSON.stringify(withheld.map((o) => o.kind))).toBe(true);
        expect(r.plan?.drift.filter((d) => d.kind === "missing")).toEqual([]);
      } finally {
        proxy.mode = "normal";
      }
    });
  }

  it("once BIRD answers normally again, the observation is complete and VIP2's objects are deleted", async () => {
    const r = await reconciler.apply({ full: true });
    expect(r.observationComplete, JSON.stringify(r.bird.problems)).toBe(true);
    expect(r.applied?.results.some((x) => x.op.kind === "address.delete" && x.op.address.address === VIP2 && x.status === "applied")).toBe(true);
    expect(await topo().ns.node.ip(["-4", "rule", "show"])).not.toContain(`from ${VIP2} `);
    expect(await topo().ns.node.ip(["-4", "rule", "show"])).toContain(`from ${VIP1} `);
  });
});
