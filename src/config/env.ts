// Environment variables that override single config fields (after the file is read, before it
// is validated). Pure: the caller passes the environment.

/** The environment variable naming the config file (below an explicit --config). */
export const CONFIG_PATH_ENV = "FIBWARDEN_CONFIG";

/** Read-only view of environment variables. */
export type Env = Readonly<Record<string, string | undefined>>;

/** One environment override: the variable, the field it sets and how its text becomes a value. */
export interface EnvOverride {
  name: string;
  path: readonly string[];
  description: string;
  parse: (text: string) => unknown;
}

const text = (v: string): string => v;

/** Every single-field environment override, in the order they are applied. */
export const ENV_OVERRIDES: readonly EnvOverride[] = [
  {
    name: "FIBWARDEN_BIRD_SOCKETS", path: ["bird", "sockets"], description: "comma-separated socket paths",
    parse: (v) => v.split(",").map((s) => s.trim()).filter((s) => s.length > 0),
  },
  { name: "FIBWARDEN_PROTECT_REPAIR", path: ["protect", "repair"], description: "`report` or `reinstall`", parse: text },
  { name: "FIBWARDEN_DAEMON_LISTEN", path: ["daemon", "listen"], description: "`host:port`", parse: text },
  { name: "FIBWARDEN_LOG_LEVEL", path: ["daemon", "logLevel"], description: "a pino level", parse: text },
  { name: "FIBWARDEN_KERNEL_NETNS", path: ["kernel", "netns"], description: "a network namespace name", parse: text },
];

/** An override that was applied: which variable set which field. */
export interface AppliedOverride {
  name: string;
  path: readonly string[];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Returns a copy of the raw (unvalidated) config with every set, non-empty override variable
 * applied, and the list of those applied. A missing document counts as `{}`; a root or section
 * that is not an object is left alone for validation to report.
 */
export function applyEnvOverrides(raw: unknown, env: Env): { raw: unknown; applied: AppliedOverride[] } {
  const root: unknown = raw === null || raw === undefined ? {} : raw;
  if (!isObject(root)) return { raw: root, applied: [] };
  const out: Obj = { ...root };
  const applied: AppliedOverride[] = [];
  for (const o of ENV_OVERRIDES) {
    const value = env[o.name];
    if (value === undefined || value.trim() === "") continue;
    const [section, field] = o.path as [string, string];
    const current = out[section] === undefined ? {} : out[section];
    if (!isObject(current)) continue;
    out[section] = { ...current, [field]: o.parse(value.trim()) };
    applied.push({ name: o.name, path: o.path });
  }
  return { raw: out, applied };
}
