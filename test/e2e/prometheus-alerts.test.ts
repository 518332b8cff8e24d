// The alerts of deploy/prometheus in a real Prometheus that scrapes a real `fibwarden run`:
//
//   Prometheus (Debian's, 127.0.0.1:<free port>, temp dir) ── scrape 1 s ──> fibwarden run
//                                                                            │ kernel.netns
//   router ═ link A/B ═ node (BIRD 2: 10.200.0-3.0/24 from BGP, proto bird) ◄┘
//
// The rule file is deploy/prometheus/fibwarden.rules.yaml with every `for:` cut to a test size
// (the file keeps operator-sized durations) and evaluated every second. A foreign agent deletes a
// protected route while `protect.repair: report`: FibwardenProtectedRouteDrift goes from inactive
// to firing in /api/v1/alerts, and back to inactive once the route is restored. The same
// Prometheus checks that every rule loads, that every dashboard query evaluates, and the daemon's
// /metrics that every metric name the rules and the dashboard use is exported.
//
// BIRD's kernel scan runs every 10 minutes here, so BIRD itself repairs nothing during the test.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTwoUplinkTopology, checkLabSupport, pollUntil, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { ensureBuilt } from "../support/cli.js";
import { alertRules, dashboardQueries, loadRuleFile, readRepoFile, RULES_PATH, type RuleFile } from "../support/deploy-artifacts.js";
import { exportedMetricNames, metricNamesIn } from "../support/metric-names.js";
import { checkTool } from "../support/tools.js";
import { startPrometheus, type PrometheusServer } from "./prometheus-server.js";
import { startDaemon, type DaemonProcess } from "./support.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[prometheus-alerts.test] SKIPPING: ${support.reason}\n`);
const prometheusBin = checkTool("prometheus", "prometheus", "prometheus-alerts.test");

const ALERT = "FibwardenProtectedRouteDrift";
const VICTIM = "10.200.1.0/24";
/** The test-sized `for:` of every rule: long enough to see `pending`, short enough to wait for. */
const TEST_FOR = "2s";
const ALERT_DEADLINE_MS = 60_000;

/** The deploy rule file with every `for:` set to TEST_FOR. */
function testSizedRules(): string {
  const file = parse(readRepoFile(RULES_PATH)) as RuleFile;
  for (const g of file.groups) for (const r of g.rules) if ("alert" in r && r.for !== undefined) r.for = TEST_FOR;
  return stringify(file);
}

/** fibwarden's config: report drift, never repair it; full resync every second. */
function daemonConfig(t: TwoUplinkTopology): string {
  return `
bird: {sockets: [${t.birds.node.socketPath}], idleTimeoutMs: 2000}
kernel: {netns: ${t.ns.node.name}}
protect: {kernelProtocols: [${t.plan.kernelProtocols.v4}, ${t.plan.kernelProtocols.v6}], repair: report}
daemon: {listen: "127.0.0.1:0", debounceMs: 20, birdPollIntervalMs: 500, resyncIntervalSeconds: 1, resyncCpuPercent: 100}
`;
}

/** prometheus.yml: scrape the daemon every second as job `fibwarden`, evaluate every second. */
function prometheusConfig(target: string): string {
  return stringify({
    global: { scrape_interval: "1s", scrape_timeout: "900ms", evaluation_interval: "1s" },
    rule_files: ["fibwarden.rules.yaml"],
    scrape_configs: [{ job_name: "fibwarden", static_configs: [{ targets: [target] }] }],
  });
}

/** An alert as /api/v1/alerts lists it. */
interface ApiAlert { labels: Record<string, string>; annotations: Record<string, string>; state: "pending" | "firing"; value: string }
/** A rule as /api/v1/rules lists it. */
interface ApiRule { name: string; type: string; state?: "inactive" | "pending" | "firing"; health: string; lastError?: string; lastEvaluation: string }

describe.skipIf(!support.ok || prometheusBin.skip)("alerts in a real Prometheus scraping fibwarden run", () => {
  const get = useLab((lab) => buildTwoUplinkTopology(lab, { scanTimeS: 600 }), { name: "prom" });
  const topo = (): TwoUplinkTopology => get().value;
  let daemon: DaemonProcess | undefined;
  let prom: PrometheusServer | undefined;
  const ip = (args: string[]): Promise<string> => topo().ns.node.ip(args);
  const server = (): PrometheusServer => {
    if (prom === undefined) throw new Error("prometheus did not start");
    return prom;
  };
  const alertsNamed = async (name: string): Promise<ApiAlert[]> =>
    (await server().api<{ alerts: ApiAlert[] }>("/api/v1/alerts")).alerts.filter((a) => a.labels.alertname === name);
  const rules = async (): Promise<ApiRule[]> =>
    (await server().api<{ groups: Array<{ rules: ApiRule[] }> }>("/api/v1/rules?type=alert")).groups.flatMap((g) => g.rules);
  const ruleState = async (name: string): Promise<string> => (await rules()).find((r) => r.name === name)?.state ?? "(no such rule)";

  beforeAll(async () => {
    expect(prometheusBin.available, prometheusBin.reason).toBe(true);
    await ensureBuilt();
    const cfgPath = join(topo().lab.dir, "fibwarden.yaml");
    writeFileSync(cfgPath, daemonConfig(topo()));
    daemon = await startDaemon(cfgPath);
    await daemon.waitReady();
    prom = await startPrometheus({
      config: prometheusConfig(new URL(daemon.url).host),
      files: { "fibwarden.rules.yaml": testSizedRules() },
    });
    await pollUntil(async () => {
      const { activeTargets } = await server().api<{ activeTargets: Array<{ health: string; lastError: string }> }>("/api/v1/targets");
      return { done: activeTargets.length === 1 && activeTargets[0]!.health === "up", detail: JSON.stringify(activeTargets) };
    }, { timeoutMs: 30_000, intervalMs: 250, what: "prometheus to scrape fibwarden (target up)" });
  }, 180_000);

  afterAll(async () => {
    await prom?.stop();
    await daemon?.stop();
  }, 30_000);

  it("loads every alert of deploy/prometheus, with the test-sized for", async () => {
    const loaded = await pollUntil(async () => {
      const rs = await rules();
      return { done: rs.length > 0 && rs.every((r) => r.lastEvaluation !== "0001-01-01T00:00:00Z"), value: rs, detail: JSON.stringify(rs.map((r) => [r.name, r.lastEvaluation])) };
    }, { timeoutMs: 30_000, intervalMs: 250, what: "every rule evaluated once" });
    expect(loaded.map((r) => r.name).sort()).toEqual(alertRules().map((r) => r.alert).sort());
    for (const r of loaded) expect([r.name, r.health, r.lastError ?? ""]).toEqual([r.name, "ok", ""]);
  });

  it("every metric name the rules and the dashboard use is in the daemon's /metrics", async () => {
    const text = await (await fetch(`${daemon!.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const exported = exportedMetricNames(text);
    const used = [
      ...alertRules(loadRuleFile()).flatMap((r) => metricNamesIn(r.expr).map((n) => ({ where: `rule ${r.alert}`, n }))),
      ...dashboardQueries().flatMap((q) => metricNamesIn(q.expr).map((n) => ({ where: `panel ${q.panel}`, n }))),
    ];
    expect(used.length).toBeGreaterThan(20);
    for (const u of used) expect(exported.has(u.n), `${u.where}: ${u.n} is not in a real daemon's /metrics`).toBe(true);
  });

  it("every dashboard query evaluates in Prometheus", async () => {
    for (const q of dashboardQueries()) {
      const expr = q.expr.replaceAll("$instance", ".*").replaceAll("$__rate_interval", "1m");
      const data = await server().api<{ resultType: string }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      expect(data.resultType, `${q.panel}: ${expr}`).toBe("vector");
    }
  });

  it("a foreign deletion of a protected route with repair: report fires the drift alert, and restoring it clears it", async () => {
    const line = await pollUntil(async () => {
      // Unfiltered: `ip route show ... proto bird` would leave `proto bird` out of the line.
      const out = (await ip(["-4", "route", "show", VICTIM])).trim();
      return { done: out.startsWith(VICTIM) && out.includes(" proto bird "), value: out, detail: out };
    }, { timeoutMs: 30_000, intervalMs: 250, what: `BIRD's route ${VICTIM} in the node's kernel` });
    await pollUntil(async () => {
      const state = await ruleState(ALERT);
      return { done: state === "inactive" && (await alertsNamed(ALERT)).length === 0, detail: state };
    }, { timeoutMs: 30_000, intervalMs: 250, what: `${ALERT} inactive before the deletion` });

    // The foreign agent.
    await ip(["route", "del", VICTIM, "proto", "bird", "metric", "32"]);
    const firing = await pollUntil(async () => {
      const alerts = await alertsNamed(ALERT);
      const a = alerts.find((x) => x.state === "firing");
      return { done: a !== undefined, value: a, detail: JSON.stringify(alerts) };
    }, { timeoutMs: ALERT_DEADLINE_MS, intervalMs: 250, what: `${ALERT} firing in /api/v1/alerts` });
    expect(firing!.labels).toMatchObject({ alertname: ALERT, kind: "missing", severity: "critical", job: "fibwarden" });
    expect(firing!.annotations.runbook_url).toMatch(/docs\/operations\.md#fibwardenprotectedroutedrift$/);
    expect(firing!.annotations.summary).toContain("missing");
    // repair: report: fibwarden reported the drift and left the kernel alone.
    expect(await ip(["-4", "route", "show", VICTIM])).toBe("");
    expect(daemon!.entries().some((e) => e.msg === "protected route drift" && e.route === VICTIM && e.repaired === false)).toBe(true);

    // Someone restores the route as BIRD had it.
    await ip(["route", "add", ...line.split(/\s+/)]);
    await pollUntil(async () => {
      const [state, alerts] = [await ruleState(ALERT), await alertsNamed(ALERT)];
      return { done: state === "inactive" && alerts.length === 0, detail: `${state} ${JSON.stringify(alerts)}` };
    }, { timeoutMs: ALERT_DEADLINE_MS, intervalMs: 250, what: `${ALERT} inactive again after the route is restored` });
    expect(await ip(["-4", "route", "show", VICTIM, "proto", "bird"])).toContain(VICTIM);
  }, 180_000);
});
