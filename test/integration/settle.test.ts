// `reconcile --plan --settle DURATION` against real BIRD 2 and a real kernel (built binary): drift
// that is still there when fibwarden looks again counts; drift that went away meanwhile (BIRD
// converging, here: the route put back the way BIRD's kernel sync would) does not.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { PlanReportSchema } from "../../src/report/plan-json.js";
import { buildTwoUplinkTopology, checkLabSupport, DEADLINE_MS, pollUntil, SCAN_TIME_QUIET_S, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { CLI_PATH, ensureBuilt, runFibwarden } from "../support/cli.js";
import { twoUplinkVipConfig } from "../support/two-uplink-vips.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[settle.test] SKIPPING: ${support.reason}\n`);

describe.skipIf(!support.ok)("reconcile --plan --settle", () => {
  // No kernel scan: BIRD must not put the deleted route back on its own during the test.
  const get = useLab((lab) => buildTwoUplinkTopology(lab, { scanTimeS: SCAN_TIME_QUIET_S }), { name: "settle" });
  const topo = (): TwoUplinkTopology => get().value;
  const victim = "10.200.1.0/24";

  const setup = async (): Promise<string> => {
    await ensureBuilt();
    const cfg = join(topo().lab.dir, "settle.yaml");
    writeFileSync(cfg, twoUplinkVipConfig(topo(), false));
    const applied = await runFibwarden(["reconcile", "--apply", "--config", cfg]);
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
    return cfg;
  };

  it("drift still there after the window counts (exit 2); drift gone by then does not (exit 0)", async () => {
    const cfg = await setup();
    const { ns } = topo();
    // BIRD's route as the kernel holds it
    const line = (await ns.node.ip(["-4", "route", "show", victim, "proto", "bird", "metric", "32"])).trim();
    expect(line).toContain(victim);
    await ns.node.ip(["route", "del", victim, "proto", "bird", "metric", "32"]);

    const kept = await runFibwarden(["reconcile", "--plan", "--settle", "1s", "--config", cfg, "--output", "json"]);
    expect(kept.exitCode, kept.stderr).toBe(2);
    expect(PlanReportSchema.parse(JSON.parse(kept.stdout)).drift.map((d) => [d.kind, d.key])).toEqual([["missing", `4|254|${victim}|0|32`]]);
    expect(kept.stderr).toContain("1 drift finding(s) still there, 0 cleared on re-observation");

    // The route comes back during the window: started, first observation made (its stderr line),
    // then the route is put back; the second observation no longer sees the drift.
    const sub = execa(process.execPath, [CLI_PATH, "reconcile", "--plan", "--settle", "10s", "--config", cfg, "--output", "json"], { reject: false, timeout: 120_000, env: { NO_COLOR: "1" } });
    let stderr = "";
    sub.stderr?.on("data", (b: Buffer) => { stderr += b.toString(); });
    await pollUntil(async () => ({ done: stderr.includes("observing again"), detail: stderr }),
      { timeoutMs: DEADLINE_MS.state, what: "reconcile --settle to make its first observation" });
    // (iproute2 leaves out the protocol and metric it filters on: both are given back)
    await ns.node.ip(["route", "add", ...line.replace(/\bmetric \d+/, "").split(/\s+/).filter(Boolean), "proto", "bird", "metric", "32"]);
    const r = await sub;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(PlanReportSchema.parse(JSON.parse(r.stdout)).drift).toEqual([]);
    expect(r.stderr).toContain("0 drift finding(s) still there, 1 cleared on re-observation");
  });

  it("refuses --settle with --apply and a malformed duration (exit 1, nothing observed)", async () => {
    const cfg = join(topo().lab.dir, "settle.yaml");
    const apply = await runFibwarden(["reconcile", "--apply", "--settle", "1s", "--config", cfg]);
    expect(apply.exitCode).toBe(1);
    expect(apply.stderr).toContain("--settle goes with --plan");
    const bad = await runFibwarden(["reconcile", "--plan", "--settle", "5 seconds", "--config", cfg]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain("is not a duration such as 500ms, 5s or 2m");
  });
});
