// The configuration's JSON Schema (what a user may write), generated from the zod schema.
// scripts/gen-config-schema.ts writes it to proto/config.schema.json. Pure.
import { z } from "zod";
import { ConfigSchema } from "./schema.js";

/** A JSON Schema document, loosely typed. */
export type JsonSchema = Record<string, unknown>;

/** The `$id` of the configuration schema. */
export const CONFIG_SCHEMA_ID = "https://fibwarden.dev/schemas/config.schema.json";

let cached: JsonSchema | undefined;

/** The JSON Schema (draft 2020-12) of the config as written: every field optional, strict objects. */
export function configJsonSchema(): JsonSchema {
  if (cached === undefined) {
    const { $schema, ...rest } = z.toJSONSchema(ConfigSchema, { io: "input", target: "draft-2020-12" }) as JsonSchema;
    cached = { $schema, $id: CONFIG_SCHEMA_ID, title: "fibwarden configuration", ...rest };
  }
  return structuredClone(cached);
}

/** The JSON Schema as the text committed to proto/config.schema.json. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/** The schema of the field at `path` (array indexes and record keys step into items/values). */
export function schemaAtPath(path: readonly (string | number)[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = configJsonSchema();
  for (const seg of path) {
    if (node === undefined) return undefined;
    node = stepInto(node, seg);
  }
  return node;
}

function stepInto(node: JsonSchema, seg: string | number): JsonSchema | undefined {
  const anyOf = node.anyOf as JsonSchema[] | undefined;
  if (anyOf !== undefined) {
    for (const branch of anyOf) {
      const found = stepInto(branch, seg);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof seg === "number") return node.items as JsonSchema | undefined;
  const props = node.properties as Record<string, JsonSchema> | undefined;
  if (props?.[seg] !== undefined) return props[seg];
  const extra = node.additionalProperties;
  return typeof extra === "object" && extra !== null ? (extra as JsonSchema) : undefined;
}

/** The field names an object at `path` allows (empty when it is not a fixed-shape object). */
export function allowedKeys(path: readonly (string | number)[]): string[] {
  const node = schemaAtPath(path);
  const props = node?.properties as Record<string, unknown> | undefined;
  return props === undefined ? [] : Object.keys(props);
}
