// Issue #18, "a rule and route flusher": real systemd-networkd (Debian's systemd 252) in the node
// namespace of the two-uplink lab (real BIRD 2), beside `fibwarden run` (the built binary) with two
// VIPs with return paths. networkd gets a `.network` for a spare veth only (test/lab/networkd.ts
// adds and removes it to make networkd drop foreign config), so it leaves the lab's uplinks alone.
//
// What networkd removes here (its log, and the kernel before and after): every rule but the
// kernel's own (fibwarden's `proto 201` rules included), and every foreign route without a link
// (here an `unreachable ... proto bird` one in a spare table), whatever its protocol and table;
// not routes through links it does not manage (BIRD's `proto bird` routes in main over the
// uplinks, fibwarden's source-table defaults via the uplinks), and no address.
// What fibwarden does: restores the rules within the event-driven pass, each VIP into its own
// source table (it takes its orphaned table back), and after daemon.holdDown.restores re-installs
// it stops fighting: FIGHTING in the log, fibwarden_fighting_objects and /readyz.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildTwoUplinkTopology, checkLabSupport, DEADLINE_MS, networkdAvailable, pollUntil, SCAN_TIME_QUIET_S, startNetworkd,
  type LabNamespace, type NetworkdHandle, type RemovedObject, type TwoUplinkTopology,
} from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { CLI_PATH, ensureBuilt, runFibwarden } from "../support/cli.js";
import { twoUplinkVipConfig } from "../support/two-uplink-vips.js";
import { observeNetworkd } from "../../src/cli/check.js";
import { startDaemon, waitForKernelWatch, type DaemonProcess, type LogEntry } from "../e2e/support.js";

const support = checkLabSupport();
const nd = networkdAvailable();
const skip = !support.ok || !nd.ok;
if (skip) console.warn(`\n[networkd-flusher.test] SKIPPING: ${!support.ok ? support.reason : nd.ok ? "" : nd.reason}\n`);

const VIP1 = "10.111.100.1";
const VIP2 = "10.111.100.2";
/** A foreign route without a link, in a table nobody here manages: networkd removes those too. */
const LINKLESS = ["unreachable", "10.250.0.0/24", "table", "3000", "proto", "bird"];

/** fibwarden's config: the two VIPs of F3 with return paths, `repair: report` (so a BIRD route networkd removed would stay missing), the daemon's settings. */
/** Re-installs of one rule after which the daemon stops fighting networkd in this test. */
const HOLD_DOWN_RESTORES = 6;

function config(topo: TwoUplinkTopology, netns = true): string {
  const base = twoUplinkVipConfig(topo, true, "report", VIP1, VIP2);
  // resync far apart: what comes back within the test comes back by kernel events
  // hold-down: every restore of the test counts (window and hold longer than the test); the
  // FIGHTING test below flushes until it starts
  const daemon = `daemon: {listen: "127.0.0.1:0", debounceMs: 50, birdPollIntervalMs: 500, resyncIntervalSeconds: 3600, resyncCpuPercent: 0.01, logLevel: debug, holdDown: {restores: ${HOLD_DOWN_RESTORES}, windowSeconds: 3600, holdSeconds: 3600}}\n`;
  return (netns ? base : base.replace(/^kernel: \{netns: [^}]*\}\n/m, "")) + daemon;
}

/** Rules and routes of `ns` as stable strings (`ip -N -json`): fibwarden's (proto 201), BIRD's (proto 12), all rules. */
async function kernelState(ns: LabNamespace): Promise<{ owned: string[]; bird: string[]; rules: string[]; addresses: string[] }> {
  const rules: Record<string, unknown>[] = [];
  const routes: Record<string, unknown>[] = [];
  for (const fam of ["-4", "-6"]) {
    rules.push(...(JSON.parse(await ns.ip(["-N", fam, "-json", "rule", "show"])) as Record<string, unknown>[]).map((r) => ({ fam, ...r })));
    routes.push(...(JSON.parse(await ns.ip(["-N", fam, "-json", "route", "show", "table", "all"])) as Record<string, unknown>[]).map((r) => ({ fam, ...r })));
  }
  const str = (o: Record<string, unknown>): string => JSON.stringify(o);
  const addresses = (await ns.ip(["-o", "addr", "show"])).split("\n").filter((l) => l.trim() !== "" && !/ fwnd0p? /.test(l))
    // DAD's transient flag: an IPv6 link-local address may still be `tentative` in one snapshot
    // and not in the next (a CI run saw it); the address is the same.
    .map((l) => l.replace(/^\d+:\s+/, "").replace(/\\\s+valid_lft.*$/, "").replace(/ tentative\b/, "").trim());
  return {
    owned: [...rules.filter((r) => r.protocol === "201"), ...routes.filter((r) => r.protocol === "201")].map(str).sort(),
    bird: routes.filter((r) => r.protocol === "12" && r.table !== "3000").map(str).sort(),
    rules: rules.map(str).sort(),
    addresses: addresses.sort(),
  };
}

/**
 * fibwarden's objects with each source table named by the VIP whose rule looks it up (`"table":"@10.111.100.1"`):
 * "restored" means the same rules and routes up to the table numbers, paired as before (a restore
 * keeps the tables since each VIP takes its orphaned table back; the test below checks that too).
 */
function canon(owned: readonly string[]): string[] {
  const byTable = new Map<string, string>();
  for (const o of owned) {
    const r = JSON.parse(o) as { priority?: number; src?: string; table?: string };
    if (r.priority !== undefined && r.src !== undefined && r.table !== undefined) byTable.set(r.table, r.src);
  }
  return owned.map((o) => o.replace(/"table":"(\d+)"/, (m, t: string) => (byTable.has(t) ? `"table":"@${byTable.get(t)!}"` : m))).sort();
}

/** Value of `fibwarden_applied_operations_total{kind="rule.add"}` (0 before the first). */
async function appliedRuleAdds(daemon: DaemonProcess): Promise<number> {
  const text = await (await fetch(`${daemon.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const m = /^fibwarden_applied_operations_total\{kind="rule\.add"\} (\d+)/m.exec(text);
  return m === null ? 0 : Number(m[1]);
}

const ruleAdds = (entries: LogEntry[]): LogEntry[] => entries.filter((e) => e.msg === "applied" && e.op === "rule.add");

describe.skipIf(skip)("systemd-networkd removes fibwarden's rules; fibwarden restores them", () => {
  // BIRD's kernel scan far apart: if networkd removed one of BIRD's routes, BIRD would not hide it.
  const get = useLab((lab) => buildTwoUplinkTopology(lab, { scanTimeS: SCAN_TIME_QUIET_S }), { name: "networkd" });
  const topo = (): TwoUplinkTopology => get().value;
  let cfg = "";
  let cfgHost = "";
  let networkd: NetworkdHandle | undefined;
  let daemon: DaemonProcess | undefined;
  /** Kernel state with fibwarden's objects in place, before any flush. */
  let before: Awaited<ReturnType<typeof kernelState>>;

  beforeAll(async () => {
    await ensureBuilt();
    cfg = join(topo().lab.dir, "fw.yaml");
    cfgHost = join(topo().lab.dir, "fw-no-netns.yaml");
    writeFileSync(cfg, config(topo()));
    writeFileSync(cfgHost, config(topo(), false));
  }, 180_000);
  afterAll(async () => {
    // FW_DEBUG_LOGS=DIR keeps the daemon's and networkd's logs (the lab dir is deleted at teardown)
    if (process.env.FW_DEBUG_LOGS && daemon) writeFileSync(join(process.env.FW_DEBUG_LOGS, "networkd-flusher.daemon.log"), daemon.logs());
    if (process.env.FW_DEBUG_LOGS && networkd) writeFileSync(join(process.env.FW_DEBUG_LOGS, "networkd-flusher.networkd.log"), networkd.log());
    await daemon?.stop();
    await networkd?.stop();
  });

  /** Waits (bounded) until fibwarden's rules and routes are what they were before the flushes. */
  const waitRestored = async (what: string): Promise<void> => {
    await pollUntil(async () => {
      const now = canon((await kernelState(topo().ns.node)).owned);
      const want = canon(before.owned);
      const gone = want.filter((o) => !now.includes(o));
      return { done: gone.length === 0 && now.length === want.length, detail: `missing: ${gone.join(" | ") || "none"}; now ${now.join(" | ")}` };
    }, { timeoutMs: DEADLINE_MS.state, intervalMs: 100, what });
  };

  /**
   * Flushes `k` times in a row; after each, waits until fibwarden's rules and routes are back and
   * the daemon has logged an `applied` `rule.add` for each rule networkd removed. Returns, per
   * flush, what networkd removed and the `rule.add` lines of the daemon since that flush. Only while
   * the hold-down has not started (the FIGHTING test below checks the flush after it apart).
   */
  const flushAndWaitForRestores = async (k: number): Promise<Array<{ removed: RemovedObject[]; ruleAdds: LogEntry[]; applied: LogEntry[] }>> => {
    const rounds: Array<{ removed: RemovedObject[]; ruleAdds: LogEntry[]; applied: LogEntry[] }> = [];
    for (let i = 0; i < k; i++) {
      const d = daemon!;
      const from = d.entries().length;
      const r = await networkd!.flush();
      const removedRules = r.removed.filter((x) => x.kind === "rule").length;
      await waitRestored(`fibwarden to restore its rules and routes after flush ${i + 1} of ${k}`);
      await d.waitForEntry(`${removedRules} "applied" rule.add after flush ${i + 1}`, () => ruleAdds(d.entries().slice(from)).length >= removedRules);
      const since = d.entries().slice(from);
      rounds.push({ removed: r.removed, ruleAdds: ruleAdds(since), applied: since.filter((e) => e.msg === "applied") });
    }
    return rounds;
  };

  it("networkd's start removes nothing; a flush removes fibwarden's rules and a link-less route, not routes through unmanaged links nor addresses", async () => {
    const { ns } = topo();
    const applied = await runFibwarden(["reconcile", "--apply", "--config", cfg]);
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
    before = await kernelState(ns.node);
    // two rules (one per VIP) and two source-table routes, plus the VIPs' announce routes
    expect(before.owned.filter((o) => o.includes('"priority"')).length).toBe(2);
    expect(before.bird.length).toBeGreaterThan(0);

    networkd = await startNetworkd(topo().lab, ns.node);
    expect(networkd.log()).not.toMatch(/Removing foreign/);
    expect(await kernelState(ns.node)).toEqual(before);

    await ns.node.ip(["route", "add", ...LINKLESS]);
    const flushed = await networkd.flush();
    console.log(`[networkd-flusher] networkd removed:\n  ${flushed.removed.map((r) => `${r.kind}: ${r.text}`).join("\n  ")}`);
    const after = await kernelState(ns.node);
    // every rule that is not the kernel's: here exactly fibwarden's two
    const ownedRules = before.owned.filter((o) => o.includes('"priority"')).map((o) => (JSON.parse(o) as { priority: number }).priority).sort();
    expect(flushed.removed.filter((r) => r.kind === "rule").map((r) => Number(r.fields.priority)).sort()).toEqual(ownedRules);
    // one route: the link-less one (proto bird, table 3000); nothing through the uplinks
    expect(flushed.removed.filter((r) => r.kind === "route").map((r) => [r.fields.table, r.fields.proto, r.fields.type])).toEqual([["3000", "bird", "unreachable"]]);
    expect(await ns.node.ip(["route", "show", "table", "3000"])).toBe("");
    expect(after.owned).toEqual(before.owned.filter((o) => !o.includes('"priority"')));
    expect(after.bird).toEqual(before.bird);
    expect(after.addresses).toEqual(before.addresses);
    expect(after.rules.filter((r) => !r.includes('"protocol":"201"'))).toEqual(before.rules.filter((r) => !r.includes('"protocol":"201"')));
  });

  it("(a) fibwarden run restores the rules networkd removes, by kernel events; BIRD's routes are untouched", async () => {
    const { ns } = topo();
    daemon = await startDaemon(cfg);
    await daemon.waitReady();
    // The first pass finds the source tables' routes without their rules: it allocates fresh
    // source tables (the next free ones), installs routes and rules there and deletes the
    // orphaned routes of the old tables; the same objects, in other tables.
    await daemon.waitForEntry("the first pass done", (e) => e.msg === "pass done" && e.pass === 1);
    const restarted = await kernelState(ns.node);
    expect(canon(restarted.owned)).toEqual(canon(before.owned));
    console.log(`[networkd-flusher] after the flush without a daemon, fibwarden run's first pass:\n  ${daemon.entries().filter((e) => e.msg === "applied").map((e) => `${String(e.op)} ${String(e.reason)}`).join("\n  ")}`);
    before = restarted;
    await waitForKernelWatch(daemon, ns.node);
    const metricBefore = await appliedRuleAdds(daemon);
    const from = daemon.entries().length;

    const [round] = await flushAndWaitForRestores(1);
    const removedRules = round!.removed.filter((r) => r.kind === "rule");
    expect(removedRules.length).toBe(2);
    expect(round!.removed.filter((r) => r.kind === "route")).toEqual([]);
    // one `applied` rule.add per VIP rule, with fibwarden's protocol and the VIPs as sources
    expect(round!.ruleAdds.map((e) => e.from).sort()).toEqual([`${VIP1}/32`, `${VIP2}/32`]);
    // restored by a pass a kernel event started (resync is an hour away)
    const entries = daemon.entries().slice(from);
    const firstAdd = entries.findIndex((e) => e.msg === "applied" && e.op === "rule.add");
    const pass = entries.slice(firstAdd).find((e) => e.msg === "pass done");
    expect(pass?.reasons).toContain("kernel");
    expect(await appliedRuleAdds(daemon) - metricBefore).toBe(2);
    const after = await kernelState(ns.node);
    expect(after.bird).toEqual(before.bird);
    expect(after.addresses).toEqual(before.addresses);
    // no protected route went missing
    expect(entries.filter((e) => /drift/i.test(String(e.msg)) && JSON.stringify(e).includes("missing"))).toEqual([]);
  });

  it("(a) three flushes in a row: each is restored (below the hold-down's N)", async () => {
    const rounds = await flushAndWaitForRestores(3);
    expect(rounds.map((r) => r.removed.filter((x) => x.kind === "rule").length)).toEqual([2, 2, 2]);
    expect(rounds.map((r) => r.ruleAdds.length)).toEqual([2, 2, 2]);
  });

  // Each VIP takes its own source table back (its table holds only fibwarden's routes and no rule):
  // a restore is the two rules, nothing else (it used to move both VIPs to fresh tables: 6 ops).
  it("a restore puts the rules back into the same source tables: two rule.add and nothing else", async () => {
    const [round] = await flushAndWaitForRestores(1);
    expect(round!.applied.map((e) => e.op)).toEqual(["rule.add", "rule.add"]);
    expect((await kernelState(topo().ns.node)).owned).toEqual(before.owned);
  });

  it(`after ${HOLD_DOWN_RESTORES} re-installs of the same rule fibwarden stops fighting: FIGHTING in the log (naming networkd's setting), the metric and /readyz; the next flush is left alone`, async () => {
    const d = daemon!;
    const fighting = (): LogEntry[] => d.entries().filter((e) => e.msg === "FIGHTING: stopped re-installing an object another agent keeps removing");
    // Flushes (each restored) until the hold-down starts; bounded: it starts at the Nth re-install.
    for (let i = 0; i < HOLD_DOWN_RESTORES && fighting().length === 0; i++) await flushAndWaitForRestores(1);
    expect(fighting().map((e) => String(e.object).split("|")[0])).toEqual(["rule", "rule"]);
    expect(fighting().every((e) => e.restores === HOLD_DOWN_RESTORES && /ManageForeignRoutingPolicyRules=no/.test(String(e.hint)))).toBe(true);
    const readyz = await fetch(`${d.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
    const body = await readyz.text();
    expect(readyz.status, body).toBe(200);
    expect(body.split("\n").filter((l) => l.startsWith("FIGHTING: rule|")).length).toBe(2);
    const metrics = await (await fetch(`${d.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    expect(metrics).toMatch(/^fibwarden_fighting_objects 2$/m);
    // networkd removes the rules once more: the pass that sees it holds the rule adds back
    const from = d.entries().length;
    const r = await networkd!.flush();
    expect(r.removed.filter((x) => x.kind === "rule").length).toBe(2);
    await d.waitForEntry("a pass holding back the two rule adds", () => d.entries().slice(from).filter((e) => e.msg === "held back: FIGHTING" && e.op === "rule.add").length >= 2);
    expect(ruleAdds(d.entries().slice(from))).toEqual([]);
    expect((await kernelState(topo().ns.node)).owned.filter((o) => o.includes('"priority"'))).toEqual([]);
  });

  it("(c) fibwarden check: with kernel.netns it does not look for networkd; run in networkd's own namespaces it finds it", async () => {
    const withNetns = await runFibwarden(["check", "--config", cfg, "--output", "json"]);
    expect([0, 2]).toContain(withNetns.exitCode);
    const j1 = JSON.parse(withNetns.stdout) as { findings: Array<{ code: string }>; notes: string[] };
    expect(j1.findings.map((f) => f.code)).not.toContain("FOREIGN_MANAGER");
    expect(j1.notes.join("\n")).toMatch(/systemd-networkd not checked: kernel.netns/);
    // Without kernel.netns, inside networkd's network and mount namespaces (nsenter), check reads
    // the networkd.conf networkd reads (the lab's, over /etc/systemd) and sees its process.
    const j2 = await checkInNetworkdNamespaces();
    expect(j2.findings.filter((f) => f.code === "FOREIGN_MANAGER").length).toBe(1);
  });

  it("(b) with ManageForeignRoutingPolicyRules=no and ManageForeignRoutes=no a flush leaves fibwarden's rules and routes alone", async () => {
    const { ns, lab } = topo();
    await networkd!.stop();
    networkd = await startNetworkd(lab, ns.node, { name: "networkd-off", manageForeignRoutingPolicyRules: false, manageForeignRoutes: false });
    await ns.node.ip(["route", "add", ...LINKLESS]);
    const from = daemon!.entries().length;
    const metricBefore = await appliedRuleAdds(daemon!);
    const current = await kernelState(ns.node);
    const flushed = await networkd.flush();
    expect(flushed.removed).toEqual([]);
    expect(flushed.log).toContain(`${networkd.flushLink}: State changed: configuring -> configured`);
    const after = await kernelState(ns.node);
    expect(after.owned).toEqual(current.owned);
    expect(after.bird).toEqual(before.bird);
    expect(await ns.node.ip(["route", "show", "table", "3000"])).toContain("10.250.0.0/24");
    // the daemon had nothing to restore: a kernel-event pass for the flush link, and no rule.add
    await waitForKernelWatch(daemon!, ns.node);
    expect(ruleAdds(daemon!.entries().slice(from))).toEqual([]);
    expect(await appliedRuleAdds(daemon!)).toBe(metricBefore);
    // check, run where networkd runs, sees these settings: no FOREIGN_MANAGER
    const j = await checkInNetworkdNamespaces();
    expect(j.findings.map((f) => f.code)).not.toContain("FOREIGN_MANAGER");
    // ...but run in the node's network namespace only (`ip netns exec`, the mount namespace of the
    // host), check sees networkd's process (the process list is not per network namespace) and
    // reads the host's /etc/systemd: it reports what the host's networkd.conf says, not these settings.
    const host = observeNetworkd();
    const r = await execa("ip", ["netns", "exec", ns.node.name, process.execPath, CLI_PATH, "check", "--config", cfgHost, "--output", "json"], { reject: false, timeout: 120_000, env: { NO_COLOR: "1" } });
    expect([0, 2], r.stdout + r.stderr).toContain(r.exitCode);
    const hostCodes = (JSON.parse(r.stdout) as { findings: Array<{ code: string }> }).findings.map((f) => f.code);
    console.log(`[networkd-flusher] check in the node's netns only (host's networkd.conf: rules ${String(host.removesForeignRules)}, routes ${String(host.removesForeignRoutes)}): ${hostCodes.join(", ")}`);
    expect(hostCodes.includes("FOREIGN_MANAGER")).toBe(host.running && (host.removesForeignRules || host.removesForeignRoutes));
    await ns.node.ip(["route", "del", ...LINKLESS]);
  });

  /** `fibwarden check --config <no kernel.netns>` run with nsenter in networkd's mount and network namespaces. */
  async function checkInNetworkdNamespaces(): Promise<{ findings: Array<{ code: string; message?: string }>; notes: string[] }> {
    const pid = networkd!.pid;
    expect(pid).toBeDefined();
    const r = await execa("nsenter", ["-t", String(pid), "-m", "-n", process.execPath, CLI_PATH, "check", "--config", cfgHost, "--output", "json"], { reject: false, timeout: 120_000, env: { NO_COLOR: "1" } });
    expect([0, 2], r.stdout + r.stderr).toContain(r.exitCode);
    return JSON.parse(r.stdout) as { findings: Array<{ code: string; message?: string }>; notes: string[] };
  }
});
