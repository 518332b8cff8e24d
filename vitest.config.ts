import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Bounds of a whole test and hook, above the deadlines of the waits inside them (test/lab/wait.ts):
    // a test waits for its conditions, and on a machine whose cores are busy (`npm run test:stress`)
    // the lab tests took up to 57 s of the 60 s these bounds used to be. No retries: a flaky test
    // is fixed, not retried.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // integration tests share one kernel: namespaces are unique per test, but BIRD and ip are
    // heavy enough on 2 cores that running files one at a time is kinder and more repeatable.
    fileParallelism: false,
    reporters: ["default"],
  },
});
