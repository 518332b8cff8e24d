// The pure core of the loader: config text (YAML or JSON) in, a validated config or a located
// FW_CONFIG_INVALID error out. Environment overrides are passed in, never read here.
import { LineCounter, parseDocument } from "yaml";
import { applyEnvOverrides } from "./env.js";
import type { Env } from "./env.js";
import { configError, issuesFromYaml, issuesFromZod } from "./issues.js";
import { ConfigSchema } from "./schema.js";
import type { Config } from "./schema.js";

/** Options of parseConfigText. */
export interface ParseConfigOptions {
  /** Where the text came from, named in every error (default `<config>`). */
  source?: string;
  /** Environment whose FIBWARDEN_* field overrides apply (default: none). */
  env?: Env;
}

/** A top-level section left empty (`daemon:` with every line commented out) is null in YAML: drop it. */
function dropEmptySections(data: unknown): unknown {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null));
}

/** Parses and validates config text; throws FW_CONFIG_INVALID naming file, line, column and field. */
export function parseConfigText(text: string, opts: ParseConfigOptions = {}): Config {
  const source = opts.source ?? "<config>";
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw configError(source, issuesFromYaml(doc.errors, source, doc));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw configError(source, [{ source, path: [], field: "(root)", message: err instanceof Error ? err.message : String(err), code: "yaml:TO_JS" }], err);
  }
  const { raw, applied } = applyEnvOverrides(dropEmptySections(data), opts.env ?? {});
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) throw configError(source, issuesFromZod(result.error, { source, doc, lineCounter, overrides: applied }));
  return result.data;
}
