// deploy/grafana/fibwarden.json: a dashboard Grafana can import (unique panel ids, a Prometheus
// data source variable, panels inside the 24-column grid without overlaps) that shows what the
// issue asks for, using only metrics the daemon exports. test/e2e/prometheus-alerts.test.ts runs
// every query against a real Prometheus scraping a real daemon.
import { describe, expect, it } from "vitest";
import { DaemonMetrics } from "../../../src/daemon/metrics.js";
import { dashboardQueries, loadDashboard } from "../../support/deploy-artifacts.js";
import { exportedMetricNames, metricNamesIn } from "../../support/metric-names.js";

const dashboard = loadDashboard();
const queries = dashboardQueries(dashboard);
const used = new Set(queries.flatMap((q) => metricNamesIn(q.expr)));

describe("deploy/grafana/fibwarden.json", () => {
  it("has a stable uid, a title, unique panel ids and a query per target", () => {
    expect(dashboard.uid).toBe("fibwarden");
    expect(dashboard.title).toBe("fibwarden");
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels.filter((x) => x.type !== "row")) {
      expect(p.targets?.length ?? 0, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) expect(t.expr?.trim(), `${p.title} ${t.refId}`).not.toBe("");
    }
  });

  it("queries the data source and nodes chosen in its variables", () => {
    const vars = dashboard.templating.list;
    expect(vars.find((v) => v.name === "datasource")).toMatchObject({ type: "datasource", query: "prometheus" });
    expect(vars.find((v) => v.name === "instance")?.type).toBe("query");
    for (const p of dashboard.panels.filter((x) => x.type !== "row")) {
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "${datasource}" });
    }
    for (const q of queries) expect(q.expr, q.panel).toMatch(/instance=~"\$instance"/);
  });

  it("lays the panels out inside the 24-column grid without overlaps", () => {
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, p.title).toBe(true);
      for (let i = x; i < x + w; i++) for (let j = y; j < y + h; j++) {
        expect(cells.has(`${i},${j}`), `${p.title} overlaps at ${i},${j}`).toBe(false);
        cells.add(`${i},${j}`);
      }
    }
  });

  it("shows passes, pass duration, drift and conflicts now, operations by kind, observation state and RSS", () => {
    for (const name of [
      "fibwarden_passes_total", "fibwarden_pass_duration_seconds_bucket", "fibwarden_drift", "fibwarden_conflicts",
      "fibwarden_applied_operations_total", "fibwarden_observation_complete", "fibwarden_process_resident_memory_bytes",
      "fibwarden_last_successful_pass_timestamp_seconds", "fibwarden_vip_problems",
    ]) expect(used.has(name), name).toBe(true);
  });

  it("uses only metrics the daemon registers (histogram suffixes included)", async () => {
    const exported = exportedMetricNames(await new DaemonMetrics().registry.metrics());
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(exported.has(name), name).toBe(true);
  });
});
