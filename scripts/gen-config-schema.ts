// Writes proto/config.schema.json, proto/plan.schema.json, proto/doctor.schema.json and the
// generated sections of docs/config.md from the zod schemas.
// Run: npx tsx scripts/gen-config-schema.ts [--check]
// --check writes nothing and exits 1 when a file is stale (test/unit/config checks the same).
import { readFileSync, writeFileSync } from "node:fs";
import { configJsonSchema, renderConfigJsonSchema } from "../src/config/json-schema.js";
import { renderPlanReportJsonSchema } from "../src/report/plan-json.js";
import { renderDoctorReportJsonSchema } from "../src/report/doctor-json.js";
import { EXAMPLE_FILES, REGENERATE_COMMAND, renderConfigDocs } from "./config-docs.js";

const root = new URL("../", import.meta.url);
const file = (rel: string): URL => new URL(rel, root);

const examples = Object.fromEntries(EXAMPLE_FILES.map((n) => [n, readFileSync(file(`deploy/examples/${n}`), "utf8")]));
const outputs: [string, string][] = [
  ["proto/config.schema.json", renderConfigJsonSchema()],
  ["proto/plan.schema.json", renderPlanReportJsonSchema()],
  ["proto/doctor.schema.json", renderDoctorReportJsonSchema()],
  ["docs/config.md", renderConfigDocs(readFileSync(file("docs/config.md"), "utf8"), configJsonSchema(), examples)],
];

const check = process.argv.includes("--check");
let stale = 0;
for (const [rel, text] of outputs) {
  let current: string | undefined;
  try {
    current = readFileSync(file(rel), "utf8");
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  stale++;
  if (check) process.stderr.write(`${rel} is stale; run: ${REGENERATE_COMMAND}\n`);
  else {
    writeFileSync(file(rel), text);
    process.stdout.write(`wrote ${rel}\n`);
  }
}
if (check && stale > 0) process.exitCode = 1;
if (!check && stale === 0) process.stdout.write("proto/*.schema.json and docs/config.md are current\n");
