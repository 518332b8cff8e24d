#!/usr/bin/env node
// The `fibwarden` command. Subcommands are added as their adapters land; each uses only the
// public library API, as an outside caller would.
//
// Start-up: this module imports only node:fs; each command's module (and through it the library,
// the daemon's HTTP/metrics stack, the doctor) is loaded when that command runs, so `version`,
// `help` and `bird` do not pay for what they do not use (see docs/performance.md, small nodes).
import { readFileSync } from "node:fs";

const USAGE = `usage: fibwarden <command>

commands:
  reconcile --plan|--apply [--purge] [--settle DURATION] [--config FILE] [--output text|json]
              observe BIRD and the kernel, print the plan (exit 0 in sync, 2 pending, 1 error),
              or apply it (exit 0 converged, 2 converged but conflicts/drift remain, 1 error);
              --purge: remove everything fibwarden owns (routes, rules, addresses), nothing else
              --settle 5s (with --plan): drift counts only if it is still there when
              observed again DURATION later (default 0s: no second look)
  run [--config FILE]
              the daemon: passes on kernel, BIRD and config changes and a periodic resync;
              /healthz /readyz /metrics on daemon.listen; SIGHUP reloads, SIGTERM stops
  doctor --vip ADDR --client ADDR [--config FILE] [--output text|json]
              explain a flow client -> VIP on this node: ingress, egress, rp_filter/send_redirects,
              what breaks it (exit 0 OK, 2 a finding breaks the flow, 1 error)
  check [--config FILE] [--ignore AGENT[,AGENT...]] [--output text|json]
              check the managed tables and rule priorities against the ranges other agents
              are known to use, the foreign rules and routes in them now, and systemd-networkd
              (exit 0 no finding, 2 findings, 1 error); --ignore: agents not on this node
  bird [--socket PATH] [--raw] <show ...>
              query BIRD's control socket; print the parsed reply as JSON
  version     print the version
  help        print this help
`;

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

const write = (s: string): void => { process.stdout.write(s); };
const writeErr = (s: string): void => { process.stderr.write(s); };

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [cmd] = argv;
  switch (cmd) {
    case "reconcile": {
      if (!(await import("./heap.js")).tuneHeap(writeErr)) return 1;
      const { runReconcileCommand } = await import("./reconcile.js");
      return runReconcileCommand(argv.slice(1), {
        out: write, err: writeErr,
        color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
        progress: Boolean(process.stderr.isTTY),
      });
    }
    case "run": {
      if (!(await import("./heap.js")).tuneHeap(writeErr)) return 1;
      const { runDaemonCommand } = await import("./run.js");
      return runDaemonCommand(argv.slice(1), { out: write, err: writeErr, color: false });
    }
    case "doctor": {
      const { runDoctorCommand } = await import("./doctor.js");
      return runDoctorCommand(argv.slice(1), { out: write, err: writeErr, color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR });
    }
    case "check": {
      const { runCheckCommand } = await import("./check.js");
      return runCheckCommand(argv.slice(1), { out: write, err: writeErr, color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR });
    }
    case "bird": {
      const { runBirdCommand } = await import("./bird.js");
      return runBirdCommand(argv.slice(1), write, writeErr);
    }
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

process.exitCode = await runCli(process.argv.slice(2));
