// Down while things changed (kube-vip#762's shape): fibwarden installs two VIPs, stops; while it
// is down a VIP leaves its config and other agents change the node (a route in the leaving VIP's
// source table, a rule in fibwarden's priority range, an address on its VIP device, one of
// fibwarden's own routes deleted). The first pass after the start removes what fibwarden owns and
// no longer desires, restores what it still desires, and changes nothing else. Real BIRD 2,
// real kernels, the built binary: no state survives between the runs but the kernel's.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildTwoUplinkTopology, checkLabSupport, SCAN_TIME_QUIET_S, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { ensureBuilt, runFibwarden } from "../support/cli.js";
import { twoUplinkVipConfig } from "../support/two-uplink-vips.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[restart-changes.test] SKIPPING: ${support.reason}\n`);

const VIP1 = "10.111.100.1";
const VIP2 = "10.111.100.2";

/** The source table of `vip` from the kernel's rules (`from VIP lookup T`), or undefined. */
const sourceTableOf = (rules: string, vip: string): string | undefined =>
  new RegExp(`from ${vip.replace(/\./g, "\\.")} lookup (\\d+)`).exec(rules)?.[1];

/** The kernel's lines that carry BIRD's protocol, sorted (what fibwarden must never change). */
const birdLines = (routes: string): string[] => routes.split("\n").filter((l) => / proto bird/.test(l)).sort();

describe.skipIf(!support.ok)("down while things changed: the first pass after a restart", () => {
  const get = useLab((lab) => buildTwoUplinkTopology(lab, { scanTimeS: SCAN_TIME_QUIET_S }), { name: "restart" });
  const topo = (): TwoUplinkTopology => get().value;

  it("removes what fibwarden owns and no longer desires, restores what it desires, and leaves every other change", async () => {
    await ensureBuilt();
    const { ns, lab } = topo();
    const both = join(lab.dir, "both.yaml");
    const one = join(lab.dir, "vip1-only.yaml");
    writeFileSync(both, twoUplinkVipConfig(topo(), true));
    // VIP2 leaves the config while fibwarden is down; its announce table stays declared by VIP1.
    writeFileSync(one, twoUplinkVipConfig(topo(), true).split("\n").filter((l) => !l.includes(VIP2)).join("\n"));

    const installed = await runFibwarden(["reconcile", "--apply", "--config", both]);
    expect(installed.exitCode, installed.stdout + installed.stderr).toBe(0);
    const rules = await ns.node.ip(["-4", "rule", "show"]);
    const t1 = sourceTableOf(rules, VIP1);
    const t2 = sourceTableOf(rules, VIP2);
    expect(t1, rules).toBeDefined();
    expect(t2, rules).toBeDefined();
    const announceTable = String(topo().plan.vip.table);

    // fibwarden is down (nothing runs): other agents change the node.
    const gw = topo().plan.uplinks.a.router.ipv4;
    const dev = topo().plan.uplinks.a.node.ifname;
    await ns.node.ip(["route", "add", "10.55.0.0/16", "via", gw, "dev", dev, "table", t2!, "proto", "static"]);
    await ns.node.ip(["rule", "add", "priority", "1005", "from", "10.111.200.5", "lookup", "main"]);
    await ns.node.ip(["address", "add", "10.111.100.9/32", "dev", "lo"]);
    await ns.node.ip(["route", "del", `${VIP1}/32`, "table", announceTable, "proto", "201"]);
    const before = {
      routes: await ns.node.ip(["-4", "route", "show", "table", "all"]),
      rules: await ns.node.ip(["-4", "rule", "show"]),
      addrs: await ns.node.ip(["-4", "address", "show", "dev", "lo"]),
    };

    const restarted = await runFibwarden(["reconcile", "--apply", "--config", one]);
    expect(restarted.exitCode, restarted.stdout + restarted.stderr).toBe(0);
    const after = {
      routes: await ns.node.ip(["-4", "route", "show", "table", "all"]),
      rules: await ns.node.ip(["-4", "rule", "show"]),
      addrs: await ns.node.ip(["-4", "address", "show", "dev", "lo"]),
    };
    // VIP2's objects, all fibwarden's, are gone
    expect(after.rules).not.toContain(`from ${VIP2} `);
    expect(after.addrs).not.toContain(`${VIP2}/32`);
    expect(after.routes).not.toMatch(new RegExp(`^${VIP2.replace(/\./g, "\\.")} .*table ${announceTable} proto 201`, "m"));
    expect(after.routes).not.toMatch(new RegExp(`^default .*table ${t2} proto 201`, "m"));
    // VIP1 is as desired again: its announce route, deleted while fibwarden was down, is back
    expect(sourceTableOf(after.rules, VIP1)).toBe(t1);
    expect(after.addrs).toContain(`${VIP1}/32`);
    expect(after.routes).toMatch(new RegExp(`^${VIP1.replace(/\./g, "\\.")} .*table ${announceTable} proto 201`, "m"));
    // every other change stays, and BIRD's routes are untouched
    expect(after.routes).toContain(`10.55.0.0/16 via ${gw} dev ${dev} table ${t2} proto static`);
    expect(after.rules).toContain("1005:\tfrom 10.111.200.5 lookup main");
    expect(after.addrs).toContain("10.111.100.9/32");
    expect(birdLines(after.routes)).toEqual(birdLines(before.routes));
    // and only lines carrying fibwarden's protocol or VIP2's address left the kernel
    const removed = before.routes.split("\n").filter((l) => l !== "" && !after.routes.split("\n").includes(l));
    expect(removed.every((l) => / proto 201/.test(l) || l.includes(VIP2)), removed.join("\n")).toBe(true);
    const removedRules = before.rules.split("\n").filter((l) => l !== "" && !after.rules.split("\n").includes(l));
    expect(removedRules.every((l) => l.includes(`from ${VIP2} `)), removedRules.join("\n")).toBe(true);
  });
});
