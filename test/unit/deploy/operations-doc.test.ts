// Keeps the operator documentation in step with the code: every metric, log message, conflict
// reason, drift kind and doctor finding the code can emit is in docs/operations.md; every alert
// of deploy/prometheus has its runbook section and every in-page link resolves; the uninstall
// script is valid sh; every repository path the operator docs mention exists.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FINDING_CODES } from "../../../src/doctor/types.js";
import { alertRules, markdownAnchors } from "../../support/deploy-artifacts.js";

const ROOT = new URL("../../../", import.meta.url);
const read = (rel: string): string => readFileSync(new URL(rel, ROOT), "utf8");
const OPS = read("docs/operations.md");

/** Fenced code blocks of a markdown text with the given info string. */
const codeBlocks = (md: string, lang: string): string[] =>
  [...md.matchAll(new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```$", "gm"))].map((m) => m[1]!);

/** Metric names the daemon registers (prom-client `name:` fields). */
const metricNames = [...read("src/daemon/metrics.ts").matchAll(/name: "(fibwarden_[a-z_]+)"/g)].map((m) => m[1]!);

describe("docs/operations.md", () => {
  it("lists every metric the daemon registers", () => {
    expect(metricNames.length).toBeGreaterThan(5);
    for (const name of metricNames) expect(OPS, `metric ${name} is not documented`).toContain(`\`${name}\``);
  });

  it("lists every message the daemon logs", () => {
    const src = read("src/daemon/daemon.ts");
    const messages = [...src.matchAll(/\.(?:trace|debug|info|warn|error|fatal)\((?:[^"]*?, )?"([^"]+)"\)/g)].map((m) => m[1]!);
    expect(messages.length).toBeGreaterThan(10);
    for (const msg of new Set(messages)) expect(OPS, `log message "${msg}" is not documented`).toContain(`| \`${msg}\` |`);
  });

  it("explains every conflict reason and drift kind the planner produces", () => {
    const types = read("src/core/plan/types.ts");
    const reasons = [...types.matchAll(/^\s*\| "([a-z-]+)"(?:;)? \/\//gm)].map((m) => m[1]!);
    expect(reasons).toContain("held-by-alien");
    expect(reasons.length).toBeGreaterThanOrEqual(10);
    for (const r of reasons) expect(OPS, `conflict reason ${r}`).toContain(`| \`${r}\` |`);
    const drift = /kind: ((?:"[a-z]+"(?: \| )?)+);/.exec(types.slice(types.indexOf("interface Drift")))![1]!.match(/[a-z]+/g)!;
    expect(drift).toEqual(["missing", "overwritten", "shadowed", "differs"]);
    for (const k of drift) expect(OPS, `drift kind ${k}`).toContain(`| \`${k}\` |`);
  });

  it("explains every doctor finding code", () => {
    for (const code of [...FINDING_CODES, "OK"]) expect(OPS, `doctor code ${code}`).toContain(`| \`${code}\` |`);
  });

  it("has a runbook section for each field report F1-F5", () => {
    for (const f of ["F1", "F2", "F3", "F4", "F5"]) expect(OPS).toMatch(new RegExp(`^## ${f}\\. `, "m"));
  });

  it("has a runbook section under Alerts for every alert of deploy/prometheus, and no other", () => {
    const alerts = alertRules().map((r) => r.alert).sort();
    expect(alerts.length).toBeGreaterThan(10);
    const section = OPS.slice(OPS.indexOf("\n## Alerts\n"));
    expect(section.length, "docs/operations.md has an Alerts section").toBeLessThan(OPS.length);
    const headings = [...section.matchAll(/^### (\S+)$/gm)].map((m) => m[1]!).sort();
    expect(headings).toEqual(alerts);
  });

  it("every link inside docs/operations.md points at a heading of it", () => {
    const anchors = markdownAnchors(OPS);
    const links = [...OPS.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(20);
    for (const a of links) expect(anchors.has(a), `#${a}`).toBe(true);
  });

  it("gives an uninstall script that is valid sh and touches only protocol-201 objects by number", () => {
    const script = codeBlocks(OPS, "sh").find((b) => b.includes("ip $fam rule del"));
    expect(script).toBeDefined();
    const check = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
    expect(script).toContain('rule del priority "$prio" protocol "$PROTO"');
    expect(script).toContain('route flush table "$t" proto "$PROTO"');
    expect(script).toMatch(/ip -N \$fam rule show/);
    expect(script).not.toMatch(/route flush table (all|main|254|255)\b/);
  });

  it("every repository path the operator docs mention exists", () => {
    for (const file of ["docs/operations.md", "docs/bird.md", "docs/decisions.md"]) {
      const found = read(file).match(/(?<![\w/.-])(?:deploy|docs|src|test|proto|scripts)\/[\w./-]*[\w/]/g) ?? [];
      for (const rel of new Set(found)) expect(existsSync(new URL(rel, ROOT)), `${file} mentions ${rel}`).toBe(true);
    }
  });
});
