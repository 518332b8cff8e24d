import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configJsonSchema, renderConfigJsonSchema } from "../../../src/config/index.js";
import { EXAMPLE_FILES, REGENERATE_COMMAND, renderConfigDocs } from "../../../scripts/config-docs.js";

const read = (rel: string): string => readFileSync(new URL(`../../../${rel}`, import.meta.url), "utf8");
const stale = (rel: string): string => `${rel} is stale: run \`${REGENERATE_COMMAND}\` and commit the result`;

describe("generated config files are current", () => {
  it("proto/config.schema.json matches the zod schema", () => {
    expect(read("proto/config.schema.json") === renderConfigJsonSchema(), stale("proto/config.schema.json")).toBe(true);
  });

  it("docs/config.md has the current field table, env table and examples", () => {
    const doc = read("docs/config.md");
    const examples = Object.fromEntries(EXAMPLE_FILES.map((n) => [n, read(`deploy/examples/${n}`)]));
    expect(doc === renderConfigDocs(doc, configJsonSchema(), examples), stale("docs/config.md")).toBe(true);
  });

  it("every field has a description, and the JSON Schema is strict", () => {
    const missing: string[] = [];
    const walk = (s: Record<string, unknown>, path: string): void => {
      if (s.type === "object" && s.properties !== undefined && s.additionalProperties !== false) missing.push(`${path} (not strict)`);
      for (const [k, sub] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (typeof sub.description !== "string" || sub.description === "") missing.push(`${path}.${k}`);
        walk(sub, `${path}.${k}`);
      }
      const items = s.items as Record<string, unknown> | undefined;
      if (items !== undefined) walk(items, `${path}[]`);
      const extra = s.additionalProperties;
      if (typeof extra === "object" && extra !== null) walk(extra as Record<string, unknown>, `${path}.<name>`);
      for (const b of (s.anyOf ?? []) as Record<string, unknown>[]) walk(b, path);
    };
    walk(configJsonSchema(), "$");
    expect(missing).toEqual([]);
  });
});
