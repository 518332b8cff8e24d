// `fibwarden check` against a real kernel: a namespace this file creates, a foreign rule at a
// priority inside the managed range and a foreign route (proto 99) in a managed table. The
// command (run in-process, config `kernel.netns`) reports both with exit 2; once they are gone,
// a config that avoids every known range gets exit 0.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheckCommand } from "../../src/cli/check.js";
import { netnsSkipReason } from "../support/netns-skip.js";

const SKIP = netnsSkipReason("fwckprobe");
if (SKIP !== undefined) console.warn(`\n*** SKIPPING test/integration/check.test.ts: ${SKIP} ***\n`);

const NS = `fwck${process.pid.toString(36)}${randomBytes(2).toString("hex")}`;

function ipns(...args: string[]): string {
  const r = spawnSync("ip", ["-n", NS, ...args], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip -n ${NS} ${args.join(" ")}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

let dir = "";
const configFile = (name: string, yaml: string): string => {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
};

async function check(config: string, ...extra: string[]): Promise<{ code: number; out: string; err: string; json: { findings: Array<Record<string, unknown>> } | undefined }> {
  let out = "";
  let err = "";
  const code = await runCheckCommand(["--config", config, ...extra], { out: (s) => { out += s; }, err: (s) => { err += s; }, color: false });
  const json = extra.includes("json") && code !== 1 ? JSON.parse(out) as { findings: Array<Record<string, unknown>> } : undefined;
  return { code, out, err, json };
}

describe.skipIf(SKIP !== undefined)("fibwarden check in a namespace (real ip)", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fw-check-"));
    spawnSync("ip", ["netns", "add", NS], { encoding: "utf8" });
    ipns("link", "add", "d0", "type", "veth", "peer", "name", "d1");
    ipns("link", "set", "d0", "up");
    ipns("address", "add", "10.77.0.1/24", "dev", "d0");
  });
  afterAll(() => {
    spawnSync("ip", ["netns", "delete", NS], { encoding: "utf8" });
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("reports a foreign rule in the priority range and a foreign route in a managed table (exit 2), then exit 0 once gone with a config clear of known ranges", async () => {
    // Ranges clear of every known agent: tables 300-399 (between AWS VPC CNI's 220 and OKD's 1000), priorities 2000-2999.
    const clear = configFile("clear.yaml", `kernel: {netns: ${NS}}\nownership: {tables: {from: 300, to: 399}, rulePriorities: {from: 2000, to: 2999}}\n`);
    expect((await check(clear)).code).toBe(0);

    ipns("rule", "add", "priority", "2500", "from", "10.77.0.0/24", "lookup", "350", "proto", "static");
    ipns("route", "add", "198.51.100.0/24", "dev", "d0", "table", "350", "proto", "99");
    // fibwarden's own (proto 201) in the same ranges: never a finding.
    ipns("rule", "add", "priority", "2001", "from", "10.77.0.9", "lookup", "301", "proto", "201");
    ipns("route", "add", "default", "dev", "d0", "table", "301", "proto", "201");

    const found = await check(clear, "--output", "json");
    expect(found.err).toBe("");
    expect(found.code).toBe(2);
    expect(found.json!.findings.map((f) => [f.code, f.severity])).toEqual([["FOREIGN_RULE_IN_RANGE", "error"], ["FOREIGN_ROUTE_IN_TABLE", "error"]]);
    expect(found.json!.findings[0]!.message).toContain("rule 2500: from 10.77.0.0/24 lookup 350 (proto 4)");
    expect(found.json!.findings[1]!.message).toContain("table 350 (in ownership.tables 300-399) holds 1 route that is not fibwarden's (protocols 99)");
    // The suggested ranges avoid what is live: table 350 and priority 2500 (and 301 and 2001, ours, are inside the old ranges only).
    const fixes = found.json!.findings.map((f) => (f.fix as { config: string[] }).config[0]);
    expect(fixes).toEqual(["ownership: {rulePriorities: {from: 2501, to: 3500}}", "ownership: {tables: {from: 351, to: 450}}"]);

    const text = await check(clear);
    expect(text.code).toBe(2);
    expect(text.out).toContain("x FOREIGN_RULE_IN_RANGE [error] unknown: rule 2500:");
    expect(text.out).toContain("note: systemd-networkd not checked: kernel.netns");

    // The default ranges (1000-1999) overlap OKD's tables and AWS VPC CNI's priorities: warnings, exit 2 too.
    const defaults = await check(configFile("defaults.yaml", `kernel: {netns: ${NS}}\n`), "--output", "json");
    expect(defaults.code).toBe(2);
    expect(defaults.json!.findings.map((f) => `${f.code}:${f.agent}`)).toEqual([
      "RANGE_OVERLAP_TABLES:okd", "RANGE_OVERLAP_PRIORITIES:aws-vpc-cni", "RANGE_OVERLAP_PRIORITIES:aws-vpc-cni",
    ]);

    ipns("rule", "del", "priority", "2500");
    ipns("route", "del", "198.51.100.0/24", "table", "350");
    const after = await check(clear);
    expect(after.out).toContain("no finding");
    expect(after.code).toBe(0);
    // With OKD ignored (not on this node), the default tables are clear too.
    expect((await check(configFile("defaults2.yaml", `kernel: {netns: ${NS}}\nownership: {rulePriorities: {from: 2000, to: 2999}}\n`), "--ignore", "okd")).code).toBe(0);
  });

  it("exit 1 for an invalid config, an unknown agent, or a namespace that does not exist", async () => {
    expect((await check(configFile("bad.yaml", "ownership: {tables: {from: 250, to: 260}}\n"))).code).toBe(1);
    expect((await check(configFile("ok.yaml", `kernel: {netns: ${NS}}\n`), "--ignore", "nobody")).code).toBe(1);
    const gone = await check(configFile("gone.yaml", `kernel: {netns: ${NS}-none}\n`));
    expect(gone.code).toBe(1);
    expect(gone.err).toContain("fibwarden check: FW_KERNEL_READ");
  });
});
