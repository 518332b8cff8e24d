// `fibwarden reconcile --apply --purge`: removes everything fibwarden owns (routes, rules,
// addresses) and nothing else, in a namespace holding foreign objects in the same tables,
// priorities and devices.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PlanReportSchema } from "../../src/report/plan-json.js";
import { checkLabSupport, type Lab, type LabNamespace } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { ensureBuilt, runFibwarden } from "../support/cli.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[purge.test] SKIPPING: ${support.reason}\n`);

async function setup(lab: Lab): Promise<{ ns: LabNamespace; cfg: string }> {
  const ns = await lab.addNamespace("node");
  const peer = await lab.addNamespace("peer");
  await lab.link(ns, "na0", peer, "pa0", { addrsA: ["10.111.1.2/24"], addrsB: ["10.111.1.1/24"] });
  const cfg = join(lab.dir, "purge.yaml");
  writeFileSync(cfg, `
bird: {sockets: [${join(lab.dir, "no-bird.ctl")}]}
kernel: {netns: ${ns.name}}
ownership: {announceTables: [198]}
vips:
  - {address: 10.111.100.1, announce: {table: 198}, return: {gateway: 10.111.1.1, device: na0}}
  - {address: 10.111.100.2, announce: {table: 198}, return: {gateway: 10.111.1.1, device: na0}}
`);
  return { ns, cfg };
}

describe.skipIf(!support.ok)("reconcile --apply --purge", () => {
  const get = useLab(setup, { name: "purge" });

  it("removes fibwarden's routes, rules and addresses, and leaves every foreign object", async () => {
    await ensureBuilt();
    const { ns, cfg } = get().value;
    // install (BIRD is absent: the observation is incomplete, so the exit code is 1, but adds run)
    const installed = await runFibwarden(["reconcile", "--apply", "--config", cfg]);
    expect(installed.exitCode).toBe(1);
    expect(await ns.ip(["-4", "rule", "show"])).toContain("from 10.111.100.1 lookup 1000");
    // foreign objects in fibwarden's tables, priority range and device
    await ns.ip(["route", "add", "10.9.0.0/16", "via", "10.111.1.1", "table", "1000", "proto", "static"]);
    await ns.ip(["route", "add", "10.8.0.0/16", "via", "10.111.1.1", "table", "198", "proto", "boot"]);
    await ns.ip(["route", "add", "10.7.0.0/16", "via", "10.111.1.1", "proto", "201"]); // ours by protocol, not by table
    await ns.ip(["rule", "add", "priority", "1000", "from", "10.111.200.1", "lookup", "1000"]);
    await ns.ip(["addr", "add", "10.111.100.9/32", "dev", "lo"]);
    const before = {
      routes: await ns.ip(["-4", "route", "show", "table", "all"]),
      rules: await ns.ip(["-4", "rule", "show"]),
    };

    const planned = await runFibwarden(["reconcile", "--plan", "--purge", "--config", cfg, "--output", "json"]);
    expect(planned.exitCode).toBe(2);
    const report = PlanReportSchema.parse(JSON.parse(planned.stdout));
    expect(report.operations.every((o) => o.kind.endsWith(".delete"))).toBe(true);
    expect(report.operations.map((o) => o.kind).sort()).toEqual([
      "address.delete", "address.delete", "route.delete", "route.delete", "route.delete", "route.delete", "rule.delete", "rule.delete",
    ]);

    const purged = await runFibwarden(["reconcile", "--apply", "--purge", "--config", cfg]);
    expect(purged.exitCode, purged.stdout + purged.stderr).toBe(0);
    const routes = await ns.ip(["-4", "route", "show", "table", "all"]);
    const rules = await ns.ip(["-4", "rule", "show"]);
    const addrs = await ns.ip(["-4", "addr", "show", "dev", "lo"]);
    expect(routes).not.toMatch(/table (1000|1001|198) proto 201/);
    expect(rules).not.toContain("10.111.100.");
    expect(addrs).not.toContain("lo:fw");
    // every foreign object is still there
    expect(routes).toContain("10.9.0.0/16 via 10.111.1.1 dev na0 table 1000 proto static");
    expect(routes).toContain("10.8.0.0/16 via 10.111.1.1 dev na0 table 198 \n"); // proto boot: iproute2 prints no proto for boot
    expect(routes).toContain("10.7.0.0/16 via 10.111.1.1 dev na0 proto 201");
    expect(rules).toContain("from 10.111.200.1 lookup 1000");
    expect(addrs).toContain("10.111.100.9/32");
    // and nothing else changed: the purge only removed lines that carried fibwarden's markers
    const removed = before.routes.split("\n").filter((l) => !routes.includes(l));
    expect(removed.every((l) => / proto 201/.test(l) || /10\.111\.100\.[12]/.test(l))).toBe(true);
    expect(before.rules.split("\n").filter((l) => !rules.includes(l)).every((l) => /10\.111\.100\.[12]/.test(l))).toBe(true);
  });
});
