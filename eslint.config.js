// ESLint flat config. The rule that matters most here is the import boundary:
// src/core is pure (no node:*, no execa, no fs, nothing from adapters or entry points).
import tseslint from "typescript-eslint";

// Bare module specifiers only (a relative "../net/ip.js" is our own pure code, not node's net).
const ioModules =
  "^(node:.*|(fs|net|child_process|os|path|http|https|http2|dgram|stream|events|process|timers|readline|worker_threads|cluster|dns|tls|vm|module)(/.*)?|execa|pino|prom-client)$";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".stryker-tmp/**", "reports/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/core/**/*.ts", "src/config/schema*.ts", "src/doctor/**/*.ts"],
    ignores: ["src/doctor/gather.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { regex: ioModules, message: "src/core is pure: no I/O modules (see docs/architecture.md)." },
          { group: ["**/adapters/**", "**/reconciler/**", "**/cli/**", "**/daemon/**", "**/config/loader*", "../index.js", "../../index.js"],
            message: "src/core imports nothing from adapters, reconciler or entry points." },
        ],
      }],
      "no-restricted-globals": ["error",
        { name: "process", message: "src/core is pure: no process access." },
        { name: "require", message: "src/core is pure." }],
    },
  },
  {
    files: ["src/adapters/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ group: ["**/reconciler/**", "**/cli/**", "**/daemon/**"],
          message: "adapters import core only, never entry points." }],
      }],
    },
  },
  {
    // The planner labels then emits in small functions (#16): none over 60 lines.
    files: ["src/core/plan/**/*.ts"],
    rules: { "max-lines-per-function": ["error", { max: 60, skipBlankLines: false, skipComments: false }] },
  },
);
