// FRR beside fibwarden (#18): real zebra + bgpd + staticd (FRR 8.x, as MetalLB's FRR mode and
// frr-k8s run them) on the node, peering with a BIRD router over two links, so that zebra's
// routes sit in the node's kernel through nexthop objects and an ECMP group (`nhid`). fibwarden
// (the library, in-process, on the node's namespace, with a real BIRD beside FRR) must read every
// route zebra installs with its nexthops, change none of them nor zebra's nexthop objects over
// several applies or when zebra changes them, and report (not fix) the VIP address zebra holds.
//
// What FRR makes of "zebra's route holds a key fibwarden desires": zebra installs every route
// with kernel metric 20 (hard-coded in its netlink code), and the kernel's route key includes
// the metric, so zebra's route to a VIP in fibwarden's announce table (staticd `table 198`) is
// a different key from fibwarden's (metric 0): fibwarden adds its own beside it, and zebra's stays.
// What FRR can really hold is the VIP's address (`interface lo / ip address` in zebra's config).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createKernelDataplane } from "../../src/adapters/kernel/index.js";
import type { RouteChange } from "../../src/adapters/ports.js";
import { loadConfig } from "../../src/config/index.js";
import type { Route } from "../../src/core/model/route.js";
import { classifyRoute } from "../../src/core/ownership.js";
import { createReconciler } from "../../src/index.js";
import {
  buildFrrTopology, checkLabSupport, DEADLINE_MS, FRR_PLAN, frrAvailable, pollUntil, readNumericRoutes, waitFor, type FrrTopology, type Lab, type NhidRoute,
} from "../lab/index.js";
import { useLab } from "../lab/vitest.js";

const support = checkLabSupport();
const frr = frrAvailable();
const skip = !support.ok ? support.reason : !frr.ok ? frr.reason : undefined;
if (skip !== undefined) console.warn(`\n[frr-coexist.test] SKIPPING: ${skip}\n`);

const VIP1 = "10.111.100.1";
const VIP2 = "10.111.100.2";
const GW = FRR_PLAN.links.a.router4;
/** Protocols of FRR's routes: bgpd 186, staticd 196. */
const FRR_PROTOCOLS = new Set(["186", "196"]);

/** zebra's state in the node's kernel, in a form two reads can be compared by: routes of FRR's protocols and every nexthop object. */
async function readZebraState(topo: FrrTopology): Promise<{ routes: string[]; nexthops: string[] }> {
  const node = topo.ns.node;
  const routes = [...await readNumericRoutes(node, 4), ...await readNumericRoutes(node, 6)]
    .filter((r) => FRR_PROTOCOLS.has(String(r.protocol))).map((r) => JSON.stringify(r)).sort();
  const nexthops = [
    ...JSON.parse((await node.ip(["-4", "-json", "nexthop", "show"])) || "[]") as unknown[],
    ...JSON.parse((await node.ip(["-6", "-json", "nexthop", "show"])) || "[]") as unknown[],
  ].map((n) => JSON.stringify(n)).sort();
  return { routes, nexthops };
}

/**
 * Every nexthop object of `before` is in `after`, unchanged; objects added since are zebra's own
 * (zebra makes objects for the kernel routes it learns, fibwarden's included).
 */
function expectNexthopsKept(before: readonly string[], after: readonly string[]): void {
  expect(before.filter((n) => !after.includes(n))).toEqual([]);
  expect(after.filter((n) => !before.includes(n)).filter((n) => !n.includes(`"protocol":"zebra"`))).toEqual([]);
}

/** The gateway/dev pairs of a wire route, sorted (a single-path route has them at the top). */
const wirePaths = (r: NhidRoute): string[] =>
  (r.nexthops ?? [{ gateway: r.gateway, dev: r.dev }]).map((n) => `${n.gateway ?? "-"}@${n.dev ?? "-"}`).sort();
const modelPaths = (r: Route): string[] => r.nexthops.map((n) => `${n.gateway ?? "-"}@${n.dev ?? "-"}`).sort();

/** True when iproute2 prints proto 196 as `static` (FRR's rt_protos.d file). */
function iprouteNamesStatic196(): boolean {
  try {
    return /^\s*196\s+static\b/m.test(readFileSync("/etc/iproute2/rt_protos.d/frr.conf", "utf8"));
  } catch {
    return false;
  }
}

async function setup(lab: Lab): Promise<{ topo: FrrTopology; configPath: string }> {
  const topo = await buildFrrTopology(lab, {
    // The VIP address an operator put on lo in FRR's config (the anycast habit).
    zebraExtra: `interface lo\n ip address ${VIP2}/32\nexit`,
    // staticd writes into fibwarden's announce table and into the first table of its source range.
    staticd: `ip route ${VIP1}/32 Null0 table ${FRR_PLAN.vipTable}\nip route 0.0.0.0/0 ${GW} table 1000\n`,
  });
  await waitFor(async () => (await topo.ns.node.ip(["-4", "route", "show", "table", "1000"])).includes("default"),
    { what: "staticd's default route in table 1000", timeoutMs: DEADLINE_MS.bird });
  await waitFor(async () => (await topo.ns.node.ip(["-4", "addr", "show", "dev", "lo"])).includes(`${VIP2}/32`),
    { what: `zebra's address ${VIP2}/32 on lo` });
  const configPath = join(lab.dir, "fibwarden.yaml");
  writeFileSync(configPath, `
bird: {sockets: [${topo.birds.node.socketPath}]}
kernel: {netns: ${topo.ns.node.name}}
protect: {kernelProtocols: [kernel4, kvip4]}
ownership: {announceTables: [${FRR_PLAN.vipTable}], addressDevices: [lo]}
vips:
  - {address: ${VIP1}, announce: {table: ${FRR_PLAN.vipTable}}, return: {gateway: ${GW}, device: ${FRR_PLAN.links.a.node}}}
  - {address: ${VIP2}, announce: {table: ${FRR_PLAN.vipTable}}}
`);
  return { topo, configPath };
}

describe.skipIf(skip !== undefined)("FRR's zebra + bgpd beside fibwarden", () => {
  const get = useLab(setup, { name: "frr" });

  it("zebra installs through nexthop objects: an ECMP group for both routers, one object per gateway", async () => {
    const { topo } = get().value;
    const nh = await topo.ns.node.ip(["nexthop", "show"]);
    expect(nh).toMatch(/group \d+\/\d+ proto zebra/);
    expect(nh).toContain(`via ${GW} dev na0 scope link proto zebra`);
    const v4 = await readNumericRoutes(topo.ns.node, 4);
    const ecmp = v4.find((r) => r.dst === FRR_PLAN.ecmp4[0]);
    expect(ecmp).toMatchObject({ protocol: "186", metric: 20, table: "254" });
    expect(ecmp?.nhid).toBeTypeOf("number");
    expect(wirePaths(ecmp!)).toEqual([`${GW}@na0`, `${FRR_PLAN.links.b.router4}@nb0`]);
  });

  it("fibwarden reads every route zebra installs, with its table, metric and nexthops", async () => {
    const { topo } = get().value;
    const dp = createKernelDataplane({ netns: topo.ns.node.name, timeoutMs: 30_000 });
    const read = await dp.readRoutes();
    const wire = [...(await readNumericRoutes(topo.ns.node, 4)).map((r) => ({ r, family: 4 })), ...(await readNumericRoutes(topo.ns.node, 6)).map((r) => ({ r, family: 6 }))]
      .filter(({ r }) => FRR_PROTOCOLS.has(String(r.protocol)));
    expect(wire.filter(({ r }) => r.nhid !== undefined).length).toBeGreaterThanOrEqual(5);
    const missing: string[] = [];
    for (const { r, family } of wire) {
      const dst = r.dst.includes("/") ? r.dst : r.dst === "default" ? (family === 4 ? "0.0.0.0/0" : "::/0") : `${r.dst}/${family === 4 ? 32 : 128}`;
      const got = read.find((m) => m.family === family && m.table === Number(r.table) && m.dst === dst && m.metric === r.metric);
      const paths = r.type === "6" ? [] : wirePaths(r); // 6: blackhole
      const protocolOk = r.protocol !== "186" || got?.protocol === 186;
      if (got === undefined || !protocolOk || JSON.stringify(modelPaths(got)) !== JSON.stringify(paths)) missing.push(`${JSON.stringify(r)} read as ${JSON.stringify(got)}`);
    }
    expect(missing).toEqual([]);
  });

  // FRR's package names proto 196 `static` in /etc/iproute2/rt_protos.d/frr.conf, the name of
  // proto 4: `ip -json` then prints "static" for staticd's routes and fibwarden reads protocol 4.
  // Still alien (neither is fibwarden's), but the wrong number: fibwarden's reads need `ip -N` or
  // the host's rt_protos. Marked as failing while that holds; it passes on a host without the file.
  // FRR's rt_protos.d names 196 `static`, the name of 4: fibwarden reads with `ip -N` (numbers).
  it("reads staticd's routes with protocol 196, whatever name rt_protos.d gives it", async () => {
    expect(iprouteNamesStatic196(), "this host's iproute2 names 196 static (the trap this test is about)").toBe(true);
    const { topo } = get().value;
    const read = await createKernelDataplane({ netns: topo.ns.node.name, timeoutMs: 30_000 }).readRoutes(4);
    const route = read.find((r) => r.table === FRR_PLAN.vipTable && r.dst === `${VIP1}/32` && r.metric === 20);
    expect(route?.protocol).toBe(196);
  });

  it("plans and applies beside zebra: changes none of its routes or nexthop objects, reports the VIP address it holds", async () => {
    const { topo, configPath } = get().value;
    const before = await readZebraState(topo);
    const { config } = await loadConfig({ path: configPath });
    const reconciler = createReconciler({ config, keepObservation: true });
    try {
      const planned = await reconciler.plan();
      expect(planned.observationComplete, JSON.stringify([planned.kernel.problems, planned.bird])).toBe(true);
      const ops = planned.plan!.ops;
      // nothing fibwarden plans names one of FRR's routes
      expect(ops.filter((o) => "route" in o && FRR_PROTOCOLS.has(String(o.route.protocol)))).toEqual([]);
      expect(ops.filter((o) => o.kind.endsWith(".delete"))).toEqual([]);
      // every route zebra installed is alien to fibwarden
      const zebras = planned.kernel.live.routes.filter((r) => r.protocol === 186);
      expect(zebras.length).toBeGreaterThan(0);
      expect(zebras.every((r) => classifyRoute(reconciler.policy, r) === "alien")).toBe(true);
      // the address zebra put on lo: a conflict, not an operation
      const held = planned.plan!.conflicts.filter((c) => c.reason === "held-by-alien");
      expect(held.map((c) => c.object)).toEqual(["address"]);
      expect(held[0]!.message).toContain(VIP2);
      expect(ops.some((o) => o.kind.startsWith("address.") && JSON.stringify(o).includes(VIP2))).toBe(false);

      for (let pass = 1; pass <= 3; pass++) {
        const applied = await reconciler.apply({ full: true });
        expect(applied.observationComplete).toBe(true);
        expect(applied.applied?.failed ?? 0).toBe(0);
        expect(applied.plan!.conflicts.filter((c) => c.reason === "held-by-alien").map((c) => c.object)).toEqual(["address"]);
        if (pass > 1) expect(applied.plan!.ops).toEqual([]);
      }
    } finally {
      await reconciler.stop();
    }
    // zebra itself withdrew one route: fibwarden's announce route to VIP1 in table 198 reached
    // zebra as a kernel route (distance 0), which beats its static (distance 1) in zebra's RIB, so
    // zebra uninstalled its blackhole there. No op of fibwarden's named it (above); zebra keeps it.
    const withdrawn = (l: string): boolean => l.includes(`"dst":"${VIP1}"`) && l.includes(`"table":"${FRR_PLAN.vipTable}"`);
    const after = await readZebraState(topo);
    expect(before.routes.filter(withdrawn)).toHaveLength(1);
    expect(after.routes).toEqual(before.routes.filter((l) => !withdrawn(l)));
    expectNexthopsKept(before.nexthops, after.nexthops);
    expect(await topo.frr.vtysh("zebra", `show ip route table ${FRR_PLAN.vipTable}`)).toMatch(new RegExp(`^S +${VIP1.replace(/\./g, "\\.")}/32 \\[1/0\\] unreachable \\(blackhole\\)`, "m"));
    const node = topo.ns.node;
    // fibwarden's announce route to VIP1 is in table 198 (a different key from staticd's: metric 0 against 20)
    expect(await node.ip(["-4", "route", "show", "table", String(FRR_PLAN.vipTable)])).toMatch(new RegExp(`^${VIP1.replace(/\./g, "\\.")} dev lo proto 201 scope link`, "m"));
    // and its source table avoided table 1000, which staticd writes to
    expect(await node.ip(["-4", "rule", "show"])).toMatch(new RegExp(`from ${VIP1.replace(/\./g, "\\.")} lookup 1001`));
    // zebra's address is still zebra's (no fibwarden label)
    expect(await node.ip(["-4", "addr", "show", "dev", "lo"])).toMatch(new RegExp(`inet ${VIP2.replace(/\./g, "\\.")}/32 (brd \\S+ )?scope global lo\\n`));
  });

  it("when fibwarden's announce route leaves (purge), zebra installs its own again, and nothing else of zebra's changed", async () => {
    const { topo, configPath } = get().value;
    const before = await readZebraState(topo);
    const { config } = await loadConfig({ path: configPath });
    const reconciler = createReconciler({ config });
    try {
      const purged = await reconciler.purge(true);
      expect(purged.applied?.failed ?? 0).toBe(0);
      expect(purged.plan!.ops.every((o) => o.kind.endsWith(".delete"))).toBe(true);
      expect(purged.plan!.ops.filter((o) => "route" in o && o.route.protocol !== config.ownership.protocol)).toEqual([]);
    } finally {
      await reconciler.stop();
    }
    const back = (l: string): boolean => l.includes(`"dst":"${VIP1}"`) && l.includes(`"table":"${FRR_PLAN.vipTable}"`) && l.includes(`"protocol":"196"`);
    await waitFor(async () => (await readZebraState(topo)).routes.some(back), { what: `zebra re-installing its ${VIP1} blackhole in table ${FRR_PLAN.vipTable}` });
    const after = await readZebraState(topo);
    expect(after.routes.filter((l) => !back(l))).toEqual(before.routes);
    expectNexthopsKept(before.nexthops, after.nexthops);
    expect(await topo.ns.node.ip(["-4", "addr", "show", "dev", "lo"])).toContain(`${VIP2}/32`);
  });

  it("zebra's route changes arrive as kernel events, and fibwarden's applies leave them to zebra", async () => {
    const { topo, configPath } = get().value;
    const { config } = await loadConfig({ path: configPath });
    const reconciler = createReconciler({ config });
    const changes: RouteChange[] = [];
    const watch = reconciler.watchKernel({ onChange: (c) => { changes.push(...c.routes); } });
    try {
      await watch.started;
      await reconciler.apply({ full: true });
      // link B's router withdraws: zebra moves the ECMP routes onto link A's nexthop object
      await topo.birds.router.query("disable node_b4");
      const dst = FRR_PLAN.ecmp4[0];
      await pollUntil(async () => ({ done: changes.some((c) => !c.deleted && c.route?.dst === dst && c.route.nexthops.length === 1), detail: JSON.stringify(changes.slice(-5)) }),
        { timeoutMs: DEADLINE_MS.bird, intervalMs: 100, what: `a kernel event for zebra's ${dst} with one nexthop` });
      const before = await readZebraState(topo);
      const applied = await reconciler.apply();
      expect(applied.plan!.ops).toEqual([]);
      expect(await readZebraState(topo)).toEqual(before);
    } finally {
      await topo.birds.router.query("enable node_b4");
      await watch.stop();
      await reconciler.stop();
    }
  });
});
