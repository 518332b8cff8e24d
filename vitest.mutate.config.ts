// Vitest config for mutation testing only (`npm run mutate`, see stryker.config.json): the unit
// tests and fast-check properties, never the integration tests (root, real BIRD, too slow per
// mutant). Properties run FC_RUNS times: fewer under mutation, where each mutant reruns them.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { FC_RUNS: process.env.FC_RUNS ?? "50" },
    reporters: ["default"],
  },
});
