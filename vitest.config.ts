import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // integration tests share one kernel: namespaces are unique per test, but BIRD and ip are
    // heavy enough on 2 cores that running files one at a time is kinder and more repeatable.
    fileParallelism: false,
    reporters: ["default"],
  },
});
