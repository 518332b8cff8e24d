#!/usr/bin/env node
// The `fibwarden` command. Subcommands are added as their adapters land; each uses only the
// public library API, as an outside caller would.
import { readFileSync } from "node:fs";

const USAGE = `usage: fibwarden <command>

commands:
  version     print the version
  help        print this help
`;

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export function runCli(argv: string[]): number {
  const [cmd] = argv;
  switch (cmd) {
    case "version":
    case "--version":
      process.stdout.write(`fibwarden ${readVersion()}\n`);
      return 0;
    case "help":
    case "--help":
    case "-h":
    case undefined:
      process.stdout.write(USAGE);
      return cmd === undefined ? 1 : 0;
    default:
      process.stderr.write(`fibwarden: unknown command ${JSON.stringify(cmd)}\n${USAGE}`);
      return 1;
  }
}

process.exitCode = runCli(process.argv.slice(2));
