// fibwarden's configuration: schema, loader, ownership policy, JSON Schema. Explicit exports.
export {
  ConfigObjectSchema, ConfigSchema, LOG_LEVELS, RULE_PRIORITY_MAX, SOCKET_PATH_MAX, splitListenAddress, TABLE_MAX,
} from "./schema.js";
export type { Config, ConfigInput, ReturnConfig, VipConfig } from "./schema.js";
export { findConfigProblems } from "./schema-checks.js";
export type { ConfigProblem } from "./schema-checks.js";
export { announceTables, buildOwnershipPolicy, configToPolicy, protectedTables } from "./policy.js";
export {
  INTERFACE_NAME_REGEX, INTERFACE_PATTERN_REGEX, isInterfaceName, isInterfacePattern, matchInterfacePattern, pickPatternValue,
} from "./interfaces.js";
export { applyEnvOverrides, CONFIG_PATH_ENV, ENV_OVERRIDES } from "./env.js";
export type { AppliedOverride, Env, EnvOverride } from "./env.js";
export { configError, formatFieldPath, formatIssue } from "./issues.js";
export type { ConfigIssue } from "./issues.js";
export { parseConfigText } from "./parse.js";
export type { ParseConfigOptions } from "./parse.js";
export { activeEnvOverrides, DEFAULT_CONFIG_PATH, loadConfig, resolveConfigPath } from "./loader.js";
export type { ConfigPathOrigin, LoadConfigOptions, LoadedConfig } from "./loader.js";
export { CONFIG_SCHEMA_ID, configJsonSchema, renderConfigJsonSchema } from "./json-schema.js";
export type { JsonSchema } from "./json-schema.js";
