// Vitest config for mutation testing only (`npm run mutate`, see stryker.config.json): the unit
// tests and fast-check properties, never the integration tests (root, real BIRD, too slow per
// mutant). Properties run FC_RUNS times: fewer under mutation, where each mutant reruns them.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
    // The reconciler's incremental-pass property checks that its generator reached every kind of
    // event (non-vacuity), which takes its full run count: at FC_RUNS 50 it fails by design. It
    // tests the reconciler, not src/core, and is the slowest unit test: npm test runs it.
    exclude: ["test/unit/reconciler/incremental.prop.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { FC_RUNS: process.env.FC_RUNS ?? "50" },
    reporters: ["default"],
  },
});
