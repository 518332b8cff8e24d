// Silent kernel flushes with real links (#18): a link going down takes every IPv4 route through
// it, fibwarden's source-table default included, without a route event; bringing it back up does
// not restore them. `fibwarden run` (the built binary, resync an hour apart) must notice from the
// link events, re-read what the kernel holds, and put its route back: never imitate the kernel,
// never wait for a resync. Real BIRD 2 in the two-uplink lab.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildTwoUplinkTopology, checkLabSupport, DEADLINE_MS, pollUntil, SCAN_TIME_QUIET_S, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { ensureBuilt } from "../support/cli.js";
import { twoUplinkVipConfig } from "../support/two-uplink-vips.js";
import { startDaemon, type DaemonProcess } from "../e2e/support.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[link-flap.test] SKIPPING: ${support.reason}\n`);

const VIP1 = "10.111.100.1";

describe.skipIf(!support.ok)("a link flap or an address removal flushes fibwarden's source-table route silently; fibwarden puts it back", () => {
  const get = useLab((lab) => buildTwoUplinkTopology(lab, { scanTimeS: SCAN_TIME_QUIET_S }), { name: "flap" });
  const topo = (): TwoUplinkTopology => get().value;
  let daemon: DaemonProcess | undefined;
  afterAll(async () => { await daemon?.stop(); });

  /** VIP1's source table and whether its default route of ours is in the kernel. */
  const sourceRoute = async (): Promise<{ table?: string; present: boolean }> => {
    const { ns } = topo();
    const table = new RegExp(`from ${VIP1.replace(/\./g, "\\.")} lookup (\\d+)`).exec(await ns.node.ip(["-4", "rule", "show"]))?.[1];
    if (table === undefined) return { present: false };
    return { table, present: (await ns.node.ip(["-4", "route", "show", "table", table, "proto", "201"])).includes("default via") };
  };

  it("link down: the route goes without an event; link up: fibwarden re-reads and re-adds it by kernel events", async () => {
    await ensureBuilt();
    const { ns, plan, lab } = topo();
    const cfg = join(lab.dir, "flap.yaml");
    writeFileSync(cfg, `${twoUplinkVipConfig(topo(), true)}daemon: {listen: "127.0.0.1:0", debounceMs: 50, birdPollIntervalMs: 500, resyncIntervalSeconds: 3600, resyncCpuPercent: 0.01, logLevel: debug}\n`);
    daemon = await startDaemon(cfg);
    await pollUntil(async () => ({ done: (await sourceRoute()).present, detail: JSON.stringify(await sourceRoute()) }),
      { timeoutMs: DEADLINE_MS.state, what: "VIP1's source-table default route installed by the daemon" });
    const { table } = await sourceRoute();
    const dev = plan.uplinks.a.node.ifname;

    await ns.node.ip(["link", "set", dev, "down"]);
    await pollUntil(async () => ({ done: !(await sourceRoute()).present }), { timeoutMs: DEADLINE_MS.state, what: `the kernel to flush table ${table} with ${dev} down` });
    const from = daemon.entries().length;
    await ns.node.ip(["link", "set", dev, "up"]);
    await pollUntil(async () => ({ done: (await sourceRoute()).present, detail: daemon!.logs().slice(-3000) }),
      { timeoutMs: DEADLINE_MS.state, what: `fibwarden to put VIP1's default route back into table ${table} after ${dev} came up` });
    expect((await sourceRoute()).table).toBe(table);
    const since = daemon.entries().slice(from);
    const add = since.find((e) => e.msg === "applied" && e.op === "route.add" && String(e.table) === table);
    expect(add, JSON.stringify(since.filter((e) => e.msg === "applied"))).toBeDefined();
    // put back by a pass that kernel events started (the resync is an hour away)
    const passes = since.filter((e) => e.msg === "pass done" && Array.isArray(e.reasons) && (e.reasons as string[]).includes("kernel"));
    expect(passes.length).toBeGreaterThan(0);
    expect(since.filter((e) => e.msg === "pass done" && Array.isArray(e.reasons) && (e.reasons as string[]).some((r) => r === "resync" || r === "config"))).toEqual([]);
  });

  it("address removed and put back: the route through its subnet goes silently; fibwarden re-reads and re-adds it", async () => {
    const { ns, plan } = topo();
    const { table } = await sourceRoute();
    expect(table).toBeDefined();
    const dev = plan.uplinks.a.node.ifname;
    const cidr = `${plan.uplinks.a.node.ipv4}/${plan.uplinks.a.len4}`;
    await ns.node.ip(["address", "del", cidr, "dev", dev]);
    await pollUntil(async () => ({ done: !(await sourceRoute()).present }), { timeoutMs: DEADLINE_MS.state, what: `the kernel to flush table ${table} with ${cidr} gone from ${dev}` });
    const from = daemon!.entries().length;
    await ns.node.ip(["address", "add", cidr, "dev", dev]);
    await pollUntil(async () => ({ done: (await sourceRoute()).present, detail: daemon!.logs().slice(-3000) }),
      { timeoutMs: DEADLINE_MS.state, what: `fibwarden to put VIP1's default route back into table ${table} after ${cidr} came back` });
    const since = daemon!.entries().slice(from);
    expect(since.some((e) => e.msg === "applied" && e.op === "route.add" && String(e.table) === table)).toBe(true);
    expect(since.filter((e) => e.msg === "pass done" && Array.isArray(e.reasons) && (e.reasons as string[]).some((r) => r === "resync" || r === "config"))).toEqual([]);
  });
});
