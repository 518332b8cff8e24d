#!/usr/bin/env node
// Bundles the `fibwarden` command (dist/cli/main.js, built by tsc) and the dependencies it uses
// into dist/bin/: one entry, fibwarden.mjs, plus chunks that each command loads when it runs
// (code splitting keeps the lazy command imports of src/cli/main.ts lazy). This is what `bin`,
// the container image and the systemd unit run. Why: a process that loads ~120 modules from
// ~40 packages keeps each one's source text, module record and scope data in its heap; one
// bundle with whitespace and syntax minified measured 4-7 MB less steady RSS for the daemon in
// the two-uplink lab (see docs/performance.md and docs/decisions.md). Identifiers are minified
// too (another ~0.5 MB); the linked source maps next to the chunks turn stack traces back into
// src/ names when Node runs with --enable-source-maps (NODE_OPTIONS accepts it), which is off by
// default because Node then parses every map at start-up.
// The library (`import ... from "fibwarden"`) stays dist/index.js, unbundled.
import { build } from "esbuild";
import { chmodSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const outdir = `${root}dist/bin`;

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { fibwarden: `${root}dist/cli/main.js` },
  outdir,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  // Some dependencies are CommonJS and require() Node's built-ins; an ES module has no
  // `require`, so the bundle defines one.
  banner: { js: "import { createRequire as __fwCreateRequire } from \"node:module\"; const require = __fwCreateRequire(import.meta.url);" },
});
// tsc's dist/cli/main.js keeps its shebang; esbuild carries it to the entry.
chmodSync(`${outdir}/fibwarden.mjs`, 0o755);
