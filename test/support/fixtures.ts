// Loads the captured kernel fixtures (test/fixtures/kernel, copied from ../shared/fixtures).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseIpAddrs, parseIpRoutes, parseIpRules } from "../../src/core/parse/ip-json.js";
import type { LiveState } from "../../src/core/plan/types.js";

/** Absolute path of a file under test/fixtures. */
export function fixturePath(rel: string): string {
  return fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url));
}

/** Reads a fixture file as text. */
export function readFixture(rel: string): string {
  return readFileSync(fixturePath(rel), "utf8");
}

/** The two captured nodes. */
export const KERNEL_NODES = ["bird2-node", "bird16-node"] as const;

/** The live state of a captured node, from its `ip -d -json` dumps. */
export function loadKernelFixture(node: (typeof KERNEL_NODES)[number]): LiveState {
  const dir = `kernel/${node}`;
  return {
    routes: [
      ...parseIpRoutes(readFixture(`${dir}/ip-d-json-4-route-show-table-all.json`), 4),
      ...parseIpRoutes(readFixture(`${dir}/ip-d-json-6-route-show-table-all.json`), 6),
    ],
    rules: [
      ...parseIpRules(readFixture(`${dir}/ip-json-rule-show.json`), 4),
      ...parseIpRules(readFixture(`${dir}/ip-json-6-rule-show.json`), 6),
    ],
    addresses: parseIpAddrs(readFixture(`${dir}/ip-json-addr-show.json`)).addresses,
    sysctls: [],
  };
}
