// The configuration's types, derived from the object schema: a file of their own so that the
// cross-field checks (schema-checks.ts) and the policy can use them without importing the schema
// that runs those checks.
import type { z } from "zod";
import type { ConfigObjectSchema } from "./schema-object.js";

/** A validated configuration, defaults filled in and addresses canonical. */
export type Config = z.output<typeof ConfigObjectSchema>;
/** A configuration as written (every field optional). */
export type ConfigInput = z.input<typeof ConfigObjectSchema>;
/** One validated VIP. */
export type VipConfig = Config["vips"][number];
/** A VIP's return path: a fixed gateway and device, or derived from a BIRD BGP session. */
export type ReturnConfig = NonNullable<VipConfig["return"]>;
