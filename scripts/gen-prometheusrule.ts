// Writes deploy/prometheus/prometheusrule.yaml (the Prometheus Operator's PrometheusRule) from
// deploy/prometheus/fibwarden.rules.yaml (the plain rule file), so that the two hold the same
// groups. Run: npx tsx scripts/gen-prometheusrule.ts [--check]
// --check writes nothing and exits 1 when the PrometheusRule is stale (test/unit/deploy checks it).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Document, parseDocument } from "yaml";

/** Where the rule file and the PrometheusRule live, relative to the repository root. */
export const RULES_FILE = "deploy/prometheus/fibwarden.rules.yaml";
export const PROMETHEUS_RULE_FILE = "deploy/prometheus/prometheusrule.yaml";

const HEADER = [
  " fibwarden's alert rules for the Prometheus Operator. GENERATED from fibwarden.rules.yaml by",
  " scripts/gen-prometheusrule.ts: edit that file, then run `npx tsx scripts/gen-prometheusrule.ts`.",
  "   kubectl apply -n monitoring -k deploy/prometheus     # with servicemonitor.yaml",
  " Prometheus picks up PrometheusRules that match its ruleSelector: kube-prometheus-stack selects",
  " the label `release: <its Helm release>`; add it with `kustomize edit add label` in a copy of",
  " deploy/prometheus, or set the selector to match app.kubernetes.io/name: fibwarden.",
].join("\n");

/** The PrometheusRule text for a rule file's text (its groups, comments kept). */
export function renderPrometheusRule(rulesText: string): string {
  const rules = parseDocument(rulesText);
  if (rules.errors.length > 0) throw new Error(`${RULES_FILE}: ${rules.errors[0]!.message}`);
  const doc = new Document({
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "fibwarden", labels: { "app.kubernetes.io/name": "fibwarden" } },
    spec: {},
  });
  doc.setIn(["spec", "groups"], rules.get("groups", true));
  doc.commentBefore = HEADER;
  return doc.toString({ lineWidth: 100 });
}

function main(argv: readonly string[]): void {
  const root = new URL("../", import.meta.url);
  const text = renderPrometheusRule(readFileSync(new URL(RULES_FILE, root), "utf8"));
  const target = new URL(PROMETHEUS_RULE_FILE, root);
  if (argv.includes("--check")) {
    if (readFileSync(target, "utf8") !== text) {
      process.stderr.write(`${PROMETHEUS_RULE_FILE} is stale: run npx tsx scripts/gen-prometheusrule.ts\n`);
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(target, text);
  process.stdout.write(`wrote ${PROMETHEUS_RULE_FILE}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
