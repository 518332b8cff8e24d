// The whole configuration schema: the object schema (schema-object.ts) plus the cross-field rules
// (schema-checks.ts), which run once every field is valid on its own.
import { findConfigProblems } from "./schema-checks.js";
import { ConfigObjectSchema } from "./schema-object.js";

export {
  ConfigObjectSchema, LOG_LEVELS, RULE_PRIORITY_MAX, SOCKET_PATH_MAX, splitListenAddress, TABLE_MAX,
} from "./schema-object.js";
export type { Config, ConfigInput, ReturnConfig, VipConfig } from "./types.js";

/** The whole configuration schema; cross-field rules run once every field is valid on its own. */
export const ConfigSchema = ConfigObjectSchema.superRefine((config, ctx) => {
  for (const p of findConfigProblems(config)) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
}, { when: (payload) => payload.issues.length === 0 });
