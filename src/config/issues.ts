// Turns zod issues and YAML errors into config issues that name the file, line, column and
// field, and into the FW_CONFIG_INVALID error that carries them. Pure.
import type { Document, LineCounter, YAMLError } from "yaml";
import type { z } from "zod";
import { FibwardenError } from "../core/errors.js";
import type { AppliedOverride } from "./env.js";
import { allowedKeys } from "./json-schema.js";
import { locatePath, pathAtOffset } from "./locate.js";

/** One configuration problem, located. */
export interface ConfigIssue {
  /** The config file (or the `source` given to parseConfigText). */
  source: string;
  /** 1-based line and column in the source; absent for environment overrides and empty files. */
  line?: number;
  column?: number;
  /** The environment variable that set the field, when it came from one. */
  env?: string;
  /** Field path as data, and as text (`vips[1].return.gateway`). */
  path: (string | number)[];
  field: string;
  message: string;
  /** zod issue code, or `yaml:<CODE>` for YAML syntax errors. */
  code: string;
}

/** Formats a field path: `vips[1].return.gateway`, `sysctls.rpFilter["cali*"]`. */
export function formatFieldPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "(root)";
  return path.map((seg, i) => {
    if (typeof seg === "number") return `[${seg}]`;
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) return i === 0 ? seg : `.${seg}`;
    return `[${JSON.stringify(seg)}]`;
  }).join("");
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] ?? 0;
      row[j] = Math.min(up + 1, (row[j - 1] ?? 0) + 1, diag + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length] ?? 0;
}

function unknownKeyMessage(parent: (string | number)[], key: string): string {
  const allowed = allowedKeys(parent);
  const close = allowed.filter((k) => editDistance(k, key) <= Math.max(1, Math.floor(k.length / 3)));
  const hint = close.length > 0 ? ` (did you mean ${close.map((k) => `"${k}"`).join(" or ")}?)` : "";
  return `unknown field "${key}"${hint}; allowed here: ${allowed.join(", ") || "none"}`;
}

interface RawIssue {
  path: (string | number)[];
  message: string;
  code: string;
  atKey?: boolean;
}

function flattenZodIssue(issue: z.core.$ZodIssue): RawIssue[] {
  const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(path, key), code: issue.code, atKey: true }));
  }
  if (issue.code === "invalid_key") {
    const why = issue.issues.map((i) => i.message).join("; ");
    return [{ path, message: why || issue.message, code: issue.code, atKey: true }];
  }
  if (issue.code === "invalid_type" && / received undefined$/.test(issue.message)) {
    return [{ path, message: `required field is missing (expected ${issue.expected})`, code: issue.code }];
  }
  return [{ path, message: issue.message, code: issue.code }];
}

/** Orders issues as a reader meets them: environment first, then by line and column. */
function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  const rank = (i: ConfigIssue): number => (i.env !== undefined ? 0 : i.line === undefined ? 1 : 2);
  return rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/** Everything needed to locate a problem. */
export interface LocateContext {
  source: string;
  doc: Document;
  lineCounter: LineCounter;
  overrides: readonly AppliedOverride[];
}

const startsWith = (path: readonly (string | number)[], prefix: readonly string[]): boolean =>
  prefix.every((seg, i) => path[i] === seg);

function locate(raw: RawIssue, ctx: LocateContext): ConfigIssue {
  const base = { source: ctx.source, path: raw.path, field: formatFieldPath(raw.path), message: raw.message, code: raw.code };
  const override = ctx.overrides.find((o) => startsWith(raw.path, o.path));
  if (override !== undefined) return { ...base, env: override.name };
  const pos = locatePath(ctx.doc, ctx.lineCounter, raw.path, { atKey: raw.atKey ?? false });
  return pos === undefined ? base : { ...base, line: pos.line, column: pos.column };
}

/** Locates every zod issue; unknown keys become one issue per key, pointing at the key. */
export function issuesFromZod(error: z.ZodError, ctx: LocateContext): ConfigIssue[] {
  return error.issues.flatMap(flattenZodIssue).map((raw) => locate(raw, ctx)).sort(byPosition);
}

/** Turns YAML syntax errors into issues with their line, column and the field around them. */
export function issuesFromYaml(errors: readonly YAMLError[], source: string, doc: Document): ConfigIssue[] {
  return errors.map((e) => {
    const where = e.linePos?.[0];
    const path = pathAtOffset(doc, e.pos[0], { includeKey: e.code === "DUPLICATE_KEY" });
    const message = (e.message.split("\n")[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, "");
    const issue: ConfigIssue = { source, path, field: formatFieldPath(path), message: `YAML syntax: ${message}`, code: `yaml:${e.code}` };
    return where === undefined ? issue : { ...issue, line: where.line, column: where.col };
  });
}

/** One line for an issue: `file:line:col: field: message`, or `VAR (environment): field: message`. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.env !== undefined ? `${issue.env} (environment)`
    : issue.line !== undefined ? `${issue.source}:${issue.line}:${issue.column ?? 1}` : issue.source;
  return `${where}: ${issue.field}: ${issue.message}`;
}

/** The FW_CONFIG_INVALID error for a list of issues (`details.issues` holds them). */
export function configError(source: string, issues: ConfigIssue[], cause?: unknown): FibwardenError {
  const n = issues.length;
  const header = `invalid configuration ${source} (${n} problem${n === 1 ? "" : "s"}):`;
  return new FibwardenError("FW_CONFIG_INVALID", [header, ...issues.map((i) => `  ${formatIssue(i)}`)].join("\n"), {
    cause, details: { source, issues },
  });
}
