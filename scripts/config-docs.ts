// Renders the generated parts of docs/config.md from the config's JSON Schema, the environment
// overrides and the example files. Pure: scripts/gen-config-schema.ts and the tests do the I/O.
import { CONFIG_PATH_ENV, ENV_OVERRIDES } from "../src/config/env.js";
import type { JsonSchema } from "../src/config/json-schema.js";

/** The example configs under deploy/examples/, embedded in docs/config.md. */
export const EXAMPLE_FILES = ["calico-node.yaml", "metallb-speaker.yaml"] as const;

/** The command that regenerates proto/config.schema.json and docs/config.md. */
export const REGENERATE_COMMAND = "npx tsx scripts/gen-config-schema.ts";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (s: string): string => `\`${s}\``;

function compact(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(compact).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value).map(([k, v]) => `${k}: ${compact(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value);
}

function typeOf(s: JsonSchema): string {
  const anyOf = s.anyOf as JsonSchema[] | undefined;
  if (anyOf !== undefined) return anyOf.map(typeOf).join(" or ");
  if (s.const !== undefined) return code(JSON.stringify(s.const));
  if (Array.isArray(s.enum)) return s.enum.map((v) => code(JSON.stringify(v))).join(" or ");
  switch (s.type) {
    case "integer": {
      const min = s.minimum as number | undefined;
      const max = s.maximum as number | undefined;
      if (min === undefined || max === undefined || max >= MAX_SAFE) return "integer";
      return `integer ${min}..${max}`;
    }
    case "array":
      return `list of ${typeOf(s.items as JsonSchema)}${s.minItems !== undefined ? " (non-empty)" : ""}`;
    case "object": {
      const extra = s.additionalProperties;
      if (s.properties === undefined && typeof extra === "object" && extra !== null) return `map: name → ${typeOf(extra as JsonSchema)}`;
      return "object";
    }
    default:
      return String(s.type ?? "any");
  }
}

function defaultOf(s: JsonSchema, required: boolean): string {
  if (s.default === undefined) return required ? "required" : "unset";
  if (typeof s.default === "object" && s.default !== null && !Array.isArray(s.default) && Object.keys(s.default).length === 0) {
    return s.properties !== undefined ? "" : code("{}");
  }
  return code(compact(s.default));
}

interface Row {
  field: string;
  type: string;
  def: string;
  meaning: string;
}

function collect(s: JsonSchema, prefix: string, rows: Row[]): void {
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  for (const [key, sub] of Object.entries(props)) {
    const field = prefix === "" ? key : `${prefix}.${key}`;
    rows.push({ field, type: typeOf(sub), def: defaultOf(sub, required.has(key)), meaning: String(sub.description ?? "") });
    descend(sub, field, rows);
  }
}

function descend(s: JsonSchema, field: string, rows: Row[]): void {
  if (s.properties !== undefined) collect(s, field, rows);
  const items = s.items as JsonSchema | undefined;
  if (s.type === "array" && items?.properties !== undefined) collect(items, `${field}[]`, rows);
  const extra = s.additionalProperties;
  if (typeof extra === "object" && extra !== null) descend(extra as JsonSchema, `${field}.<name>`, rows);
  for (const branch of (s.anyOf ?? []) as JsonSchema[]) if (branch.properties !== undefined) collect(branch, field, rows);
}

/** The Markdown table of every config field: path, type, default and meaning. */
export function renderFieldTable(schema: JsonSchema): string {
  const rows: Row[] = [];
  collect(schema, "", rows);
  const lines = ["| Field | Type | Default | Meaning |", "|---|---|---|---|"];
  for (const r of rows) lines.push(`| ${code(r.field)} | ${cell(r.type)} | ${cell(r.def)} | ${cell(r.meaning)} |`);
  return lines.join("\n");
}

/** The Markdown table of the environment variables the loader reads. */
export function renderEnvTable(): string {
  const lines = [
    "| Variable | Sets | Value |", "|---|---|---|",
    `| ${code(CONFIG_PATH_ENV)} | the config file path (below \`--config\`) | a file path |`,
  ];
  for (const o of ENV_OVERRIDES) lines.push(`| ${code(o.name)} | ${code(o.path.join("."))} | ${cell(o.description)} |`);
  return lines.join("\n");
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`; throws when a marker is missing. */
export function replaceSection(doc: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`docs/config.md lacks the markers ${start} ... ${end}`);
  return `${doc.slice(0, i + start.length)}\n${content}\n${doc.slice(j)}`;
}

/** docs/config.md with its generated sections (fields, env, examples) brought up to date. */
export function renderConfigDocs(doc: string, schema: JsonSchema, examples: Readonly<Record<string, string>>): string {
  let out = replaceSection(doc, "fields", renderFieldTable(schema));
  out = replaceSection(out, "env", renderEnvTable());
  for (const name of EXAMPLE_FILES) {
    const text = examples[name];
    if (text === undefined) throw new Error(`missing example ${name}`);
    out = replaceSection(out, `example:${name}`, `\`\`\`yaml\n${text.trimEnd()}\n\`\`\``);
  }
  return out;
}
