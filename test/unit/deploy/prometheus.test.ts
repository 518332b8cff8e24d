// deploy/prometheus with the real promtool: the rule file passes `promtool check rules`, and the
// rule unit tests (deploy/prometheus/tests/*.yaml) pass `promtool test rules` and make every
// alert both fire and stay silent. Every alert links to its runbook section; the PrometheusRule
// is generated from the plain rule file; every metric the rules use is one the daemon exports
// (test/e2e/prometheus-alerts.test.ts checks the same against a running daemon).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { DaemonMetrics } from "../../../src/daemon/metrics.js";
import { renderPrometheusRule } from "../../../scripts/gen-prometheusrule.js";
import {
  alertRules, dashboardQueries, markdownAnchors, readRepoFile, renderKustomization, REPO_ROOT, RULES_PATH, RUNBOOK_BASE, type RuleFile,
} from "../../support/deploy-artifacts.js";
import { exportedMetricNames, metricNamesIn } from "../../support/metric-names.js";
import { checkTool } from "../../support/tools.js";

const promtool = checkTool("promtool", "prometheus", "prometheus.test");
const kubectl = checkTool("kubectl", "kubernetes-client", "prometheus.test");

const TESTS_DIR = "deploy/prometheus/tests";
const TEST_FILES = readdirSync(`${REPO_ROOT}${TESTS_DIR}`).filter((f) => f.endsWith(".yaml")).sort().map((f) => `${TESTS_DIR}/${f}`);

/** Runs promtool in the repository root. */
function runPromtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync("promtool", args, { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error?.message ?? ""}` };
}

/** A promtool rule test file, as far as this test reads it. */
interface PromtoolTests {
  rule_files: string[];
  tests: Array<{ name?: string; alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
}

const alerts = alertRules();

describe.skipIf(promtool.skip)("deploy/prometheus with promtool", () => {
  it("promtool is installed (CI installs Debian's prometheus)", () => {
    expect(promtool.available, promtool.reason).toBe(true);
  });

  it("promtool check rules accepts the rule file", () => {
    const r = runPromtool(["check", "rules", RULES_PATH]);
    expect(r.out).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(r.status, r.out).toBe(0);
  });

  it("promtool test rules passes every rule unit test", () => {
    expect(TEST_FILES.length).toBeGreaterThan(0);
    const r = runPromtool(["test", "rules", ...TEST_FILES]);
    expect(r.status, r.out).toBe(0);
    expect(r.out.match(/SUCCESS/g)?.length, r.out).toBe(TEST_FILES.length);
  });
});

describe("deploy/prometheus rules", () => {
  it("has the alerts the runbook describes", () => {
    expect(alerts.map((a) => a.alert)).toEqual([
      "FibwardenDown", "FibwardenObservationIncomplete", "FibwardenNoSuccessfulPass", "FibwardenApplyErrors",
      "FibwardenProtectedRouteDrift", "FibwardenProtectedRouteDiffers", "FibwardenReinstallRefused", "FibwardenConflicts",
      "FibwardenDeletionsWithheld", "FibwardenFighting", "FibwardenBusy", "FibwardenMemoryHigh",
      "FibwardenVipProblems", "FibwardenSysctlIneffective",
    ]);
  });

  it("every alert has a severity, a summary, a description and a runbook_url to a heading of docs/operations.md", () => {
    const anchors = markdownAnchors(readRepoFile("docs/operations.md"));
    for (const a of alerts) {
      expect(["warning", "critical"], a.alert).toContain(a.labels?.severity);
      expect(Object.keys(a.annotations ?? {}).sort(), a.alert).toEqual(["description", "runbook_url", "summary"]);
      const url = a.annotations!.runbook_url!;
      expect(url.startsWith(RUNBOOK_BASE), `${a.alert}: ${url}`).toBe(true);
      const anchor = url.slice(RUNBOOK_BASE.length);
      expect(anchors.has(anchor), `${a.alert}: #${anchor} is not a heading of docs/operations.md`).toBe(true);
      expect(anchor, `${a.alert} links to its own section`).toBe(a.alert.toLowerCase());
    }
  });

  it("the rule unit tests make every alert fire in one case and stay silent in another", () => {
    const cases = new Map<string, { fires: number; silent: number }>();
    for (const file of TEST_FILES) {
      const t = parse(readRepoFile(file)) as PromtoolTests;
      expect(t.rule_files, file).toEqual(["../fibwarden.rules.yaml"]);
      for (const test of t.tests) {
        for (const a of test.alert_rule_test ?? []) {
          const c = cases.get(a.alertname) ?? { fires: 0, silent: 0 };
          if ((a.exp_alerts ?? []).length > 0) c.fires++; else c.silent++;
          cases.set(a.alertname, c);
        }
      }
    }
    for (const a of alerts) {
      expect(cases.get(a.alert)?.fires ?? 0, `${a.alert} fires in no test`).toBeGreaterThan(0);
      expect(cases.get(a.alert)?.silent ?? 0, `${a.alert} stays silent in no test`).toBeGreaterThan(0);
    }
    expect([...cases.keys()].filter((n) => !alerts.some((a) => a.alert === n)), "tests of alerts that do not exist").toEqual([]);
  });

  it("every metric the rules use is one the daemon registers (histogram suffixes included)", async () => {
    const exported = exportedMetricNames(await new DaemonMetrics().registry.metrics());
    const used = alerts.flatMap((a) => metricNamesIn(a.expr).map((name) => ({ alert: a.alert, name })));
    expect(used.length).toBeGreaterThanOrEqual(alerts.length - 1); // all but FibwardenDown (up)
    for (const u of used) expect(exported.has(u.name), `${u.alert} uses ${u.name}`).toBe(true);
  });

  it("every metric the daemon registers is alerted on or on the dashboard (a new failure mode gets one)", () => {
    const registered = [...readRepoFile("src/daemon/metrics.ts").matchAll(/name: "(fibwarden_[a-z_]+)"/g)].map((m) => m[1]!);
    expect(registered.length).toBeGreaterThan(10);
    const shown = new Set([...alerts, ...dashboardQueries()].flatMap((x) => metricNamesIn(x.expr)).map((n) => n.replace(/_(bucket|sum|count)$/, "")));
    for (const name of registered) expect(shown.has(name), `${name} is in no alert and on no panel`).toBe(true);
  });

  it("the PrometheusRule is generated from the rule file and holds the same groups", () => {
    const text = readRepoFile("deploy/prometheus/prometheusrule.yaml");
    expect(text, "stale: run npx tsx scripts/gen-prometheusrule.ts").toBe(renderPrometheusRule(readRepoFile(RULES_PATH)));
    const rule = parse(text) as { kind: string; spec: RuleFile };
    expect(rule.kind).toBe("PrometheusRule");
    expect(rule.spec.groups).toEqual((parse(readRepoFile(RULES_PATH)) as RuleFile).groups);
  });

  it.skipIf(kubectl.skip)("kubectl kustomize deploy/prometheus renders the ServiceMonitor and the PrometheusRule", () => {
    expect(kubectl.available, kubectl.reason).toBe(true);
    const objects = renderKustomization("deploy/prometheus");
    expect(objects.map((o) => `${o.kind} ${o.metadata.name}`).sort()).toEqual(["PrometheusRule fibwarden", "ServiceMonitor fibwarden"]);
    const rule = objects.find((o) => o.kind === "PrometheusRule")!;
    expect((rule.spec as RuleFile).groups).toEqual((parse(readRepoFile(RULES_PATH)) as RuleFile).groups);
  });
});
