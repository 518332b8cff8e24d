// Runs iproute2 through execa with argument arrays (never a shell string), bounded by a timeout,
// and turns every way a run can fail into a FibwardenError that names the command.
import { execa } from "execa";
import { FibwardenError, type ErrorCode } from "../../core/errors.js";
import { assertNamespaceName } from "../../core/render/tokens.js";

/** Where and how to run `ip`. */
export interface IpContext {
  /** The `ip` binary (default `ip`, looked up in PATH). */
  ipPath: string;
  /** Target network namespace (`ip -n NAME`); the caller's namespace when absent. */
  netns?: string;
  /** Time limit of one command in milliseconds. */
  timeoutMs: number;
}

/** Builds an IpContext, validating the namespace name and the timeout. */
export function createIpContext(opts: { ipPath?: string; netns?: string; timeoutMs: number }): IpContext {
  if (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs < 1 || opts.timeoutMs > 3_600_000) {
    throw new FibwardenError("FW_INVALID_TOKEN", `timeoutMs: must be an integer in 1..3600000 (${String(opts.timeoutMs)})`);
  }
  const ctx: IpContext = { ipPath: opts.ipPath ?? "ip", timeoutMs: opts.timeoutMs };
  if (opts.netns !== undefined) ctx.netns = assertNamespaceName(opts.netns);
  return ctx;
}

/** The full argument list for `ip`: the namespace option first, then `args`. */
export function ipArgv(ctx: IpContext, args: readonly string[]): string[] {
  return ctx.netns === undefined ? [...args] : ["-n", ctx.netns, ...args];
}

/** The command as text, for messages and logs. */
export function describeIp(ctx: IpContext, args: readonly string[]): string {
  return [ctx.ipPath, ...ipArgv(ctx, args)].join(" ");
}

/** The captured outcome of one `ip` run. */
export interface IpRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Options of one run. */
export interface RunIpOptions {
  /** Error code used for failures (read or write side). */
  code: ErrorCode;
  /** Text written to stdin. */
  input?: string;
  /** Return non-zero exits instead of throwing (an `ip -batch -force` exits 1 when a line failed). */
  allowExitCodes?: readonly number[];
  /** Overrides the context's timeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Converts an execa failure into a FibwardenError naming the command. */
export function toIpError(code: ErrorCode, command: string, r: {
  timedOut?: boolean; isCanceled?: boolean; exitCode?: number; signal?: string; stderr?: unknown; code?: string; message?: string;
}, cause: unknown, timeoutMs: number): FibwardenError {
  const stderr = typeof r.stderr === "string" ? r.stderr.trim() : "";
  let why: string;
  let retryable = false;
  if (r.timedOut) {
    why = `timed out after ${timeoutMs} ms`;
    retryable = true;
  } else if (r.isCanceled) {
    return new FibwardenError("FW_ABORTED", `\`${command}\` was cancelled`, { cause, details: { command } });
  } else if (r.code === "ENOENT" || r.code === "EACCES") {
    why = `could not be started (${r.code})`;
  } else if (r.exitCode !== undefined) {
    why = `exited with ${r.exitCode}`;
  } else if (r.signal !== undefined) {
    why = `was killed by ${r.signal}`;
    retryable = true;
  } else {
    why = r.message ?? "failed";
  }
  return new FibwardenError(code, `\`${command}\` ${why}${stderr ? `: ${stderr}` : ""}`, {
    cause, retryable, details: { command, stderr, exitCode: r.exitCode },
  });
}

/** Runs `ip [-n NS] args...` and returns its output; throws FibwardenError(code) on failure. */
export async function runIp(ctx: IpContext, args: readonly string[], opts: RunIpOptions): Promise<IpRun> {
  const command = describeIp(ctx, args);
  const timeoutMs = opts.timeoutMs ?? ctx.timeoutMs;
    // cleanup: false — execa's default registers signal-exit handlers per running child, and
    // signal-exit re-raises SIGTERM when it counts as many of its registrations as there are
    // listeners: with two children in flight, the daemon died on SIGTERM instead of stopping
    // cleanly. fibwarden stops its own children (timeouts, watch.stop()).
  const r = await execa(ctx.ipPath, ipArgv(ctx, args), {
    reject: false,
    cleanup: false,
    input: opts.input,
    stdin: opts.input === undefined ? "ignore" : "pipe",
    timeout: timeoutMs,
    cancelSignal: opts.signal,
    forceKillAfterDelay: 2_000,
    stripFinalNewline: false,
    maxBuffer: 512 * 1024 * 1024,
    env: { LC_ALL: "C" },
  });
  const exitCode = r.exitCode;
  const allowed = exitCode !== undefined && (exitCode === 0 || (opts.allowExitCodes ?? []).includes(exitCode));
  if (r.failed && !allowed) {
    throw toIpError(opts.code, command, { ...r, code: (r.cause as NodeJS.ErrnoException | undefined)?.code }, r, timeoutMs);
  }
  return { stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), exitCode: exitCode ?? 0 };
}
