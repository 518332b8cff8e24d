// Finds, reads and validates fibwarden's config file. The only part of src/config with I/O.
import { readFile } from "node:fs/promises";
import { CONFIG_PATH_ENV, ENV_OVERRIDES } from "./env.js";
import type { Env } from "./env.js";
import { configError } from "./issues.js";
import { parseConfigText } from "./parse.js";
import type { Config } from "./types.js";

/** The config file used when neither --config nor FIBWARDEN_CONFIG names one. */
export const DEFAULT_CONFIG_PATH = "/etc/fibwarden/config.yaml";

/** Where the config path came from. */
export type ConfigPathOrigin = "argument" | "env" | "default";

/** Picks the config file: explicit argument (--config) > FIBWARDEN_CONFIG > the default path. */
export function resolveConfigPath(explicit?: string, env: Env = process.env): { path: string; origin: ConfigPathOrigin } {
  if (explicit !== undefined && explicit !== "") return { path: explicit, origin: "argument" };
  const fromEnv = env[CONFIG_PATH_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return { path: fromEnv.trim(), origin: "env" };
  return { path: DEFAULT_CONFIG_PATH, origin: "default" };
}

/** The environment override variables that are set (non-empty) in `env`. */
export function activeEnvOverrides(env: Env): string[] {
  return ENV_OVERRIDES.filter((o) => (env[o.name] ?? "").trim() !== "").map((o) => o.name);
}

/** Options of loadConfig. */
export interface LoadConfigOptions {
  /** The --config argument; wins over FIBWARDEN_CONFIG and the default path. */
  path?: string;
  /** Environment for FIBWARDEN_CONFIG and the field overrides (default process.env). */
  env?: Env;
}

/** A loaded config and where it came from. */
export interface LoadedConfig {
  config: Config;
  path: string;
  origin: ConfigPathOrigin;
  /** Environment variables that overrode fields. */
  overrides: string[];
}

/**
 * Reads and validates the config file. A missing or unreadable file is an error even at the
 * default path: running on defaults would drop every VIP fibwarden manages.
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const { path, origin } = resolveConfigPath(opts.path, env);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    const how = origin === "argument" ? "--config" : origin === "env" ? CONFIG_PATH_ENV : "the default path";
    const why = code === "ENOENT" ? `no such file (from ${how}; set --config or ${CONFIG_PATH_ENV})` : `cannot read it (${code || String(err)})`;
    throw configError(path, [{ source: path, path: [], field: "(file)", message: why, code: "io" }], err);
  }
  const config = parseConfigText(text, { source: path, env });
  return { config, path, origin, overrides: activeEnvOverrides(env) };
}
