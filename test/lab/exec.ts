/** Command runners for the lab: argument arrays only, bounded by a timeout, errors carry stderr. */
import { execa } from "execa";

/** Options for one command run. */
export interface RunOptions {
  /** Kill the command after this many milliseconds (default 15 s). */
  timeoutMs?: number;
  /** Text written to the command's standard input. */
  input?: string;
}

/** Default time limit for one lab command. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;

/** Runs `file argv...` on the host and returns its stdout; throws with stderr on failure. */
export async function runCommand(file: string, argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const result = await execa(file, argv, {
    reject: false,
    timeout: opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    input: opts.input,
    stripFinalNewline: true,
  });
  if (result.failed) {
    const why = result.timedOut ? `timed out after ${opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS} ms` : `exit ${String(result.exitCode)}`;
    const stderr = String(result.stderr ?? "").trim();
    throw new Error(`lab: \`${[file, ...argv].join(" ")}\` failed (${why})${stderr ? `: ${stderr}` : ""}`);
  }
  return String(result.stdout ?? "");
}

/** Runs `argv` inside network namespace `namespace` via `ip netns exec`; returns stdout. */
export async function runInNamespace(namespace: string, argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  if (argv.length === 0) throw new Error("lab: exec needs a command");
  return runCommand("ip", ["netns", "exec", namespace, ...argv], opts);
}

/** Runs `ip -n <namespace> args...` (cheaper than `ip netns exec`); returns stdout. */
export async function runIp(namespace: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return runCommand("ip", ["-n", namespace, ...args], opts);
}
