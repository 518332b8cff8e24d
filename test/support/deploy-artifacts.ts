// The monitoring artifacts under deploy/ as data, for the tests that check them: the alert rules,
// the Grafana dashboard's queries, the runbook anchors of docs/operations.md, and kustomize
// renders of the Kubernetes packages.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";

/** The repository root, as a path ending in `/`. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const RULES_PATH = "deploy/prometheus/fibwarden.rules.yaml";
export const DASHBOARD_PATH = "deploy/grafana/fibwarden.json";
/** Where every runbook_url must point (with a heading anchor of docs/operations.md). */
export const RUNBOOK_BASE = "https://github.com/fibwarden/fibwarden/blob/main/docs/operations.md#";

/** Reads a repository file. */
export const readRepoFile = (rel: string): string => readFileSync(`${REPO_ROOT}${rel}`, "utf8");

/** One alerting rule of a Prometheus rule file. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A Prometheus rule file's groups. */
export interface RuleFile {
  groups: Array<{ name: string; interval?: string; rules: Array<AlertRule | { record: string; expr: string }> }>;
}

/** The parsed rule file (deploy/prometheus/fibwarden.rules.yaml by default). */
export function loadRuleFile(rel = RULES_PATH): RuleFile {
  return parse(readRepoFile(rel)) as RuleFile;
}

/** The alerting rules of a rule file. */
export function alertRules(file: RuleFile = loadRuleFile()): AlertRule[] {
  return file.groups.flatMap((g) => g.rules).filter((r): r is AlertRule => "alert" in r);
}

/** One query of the dashboard, with the panel it belongs to. */
export interface DashboardQuery { panel: string; expr: string }

/** The Grafana dashboard, parsed. */
export interface Dashboard {
  uid: string;
  title: string;
  panels: Array<{ id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; datasource?: unknown; targets?: Array<{ expr?: string; refId?: string }> }>;
  templating: { list: Array<{ name: string; type: string; query?: unknown }> };
}

/** The dashboard (deploy/grafana/fibwarden.json). */
export function loadDashboard(): Dashboard {
  return JSON.parse(readRepoFile(DASHBOARD_PATH)) as Dashboard;
}

/** Every PromQL query of the dashboard's panels. */
export function dashboardQueries(d: Dashboard = loadDashboard()): DashboardQuery[] {
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? "" })));
}

/**
 * A heading's anchor as GitHub renders it: lower case, everything but letters, digits, spaces,
 * `-` and `_` dropped, each space a `-`. (Repeated headings get -1, -2...: not needed here.)
 */
export function githubAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

/** The anchors of every heading of a markdown text (outside fenced code). */
export function markdownAnchors(md: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of md.split("\n")) {
    if (/^```/.test(line)) fenced = !fenced;
    const h = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    if (h) anchors.add(githubAnchor(h[1]!));
  }
  return anchors;
}

/** A Kubernetes object from a render. */
export type K8sObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } };

/** Runs `kubectl kustomize <dir>` (dir relative to the repository root unless absolute). */
export function kustomize(dir: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("kubectl", ["kustomize", dir], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error?.message ?? ""}` };
}

/** Renders a kustomization and parses every object; throws with kubectl's message on failure. */
export function renderKustomization(dir: string): K8sObject[] {
  const r = kustomize(dir);
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed (${r.status}): ${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => {
    if (d.errors.length > 0) throw new Error(`kubectl kustomize ${dir}: ${d.errors[0]!.message}`);
    return d.toJS() as K8sObject;
  });
}
