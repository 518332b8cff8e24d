// A long-lived `ip [-n NS] -<family> -batch - -force` that applies one batch after another.
//
// Why: starting a process from Node forks the whole Node process, and the fork's cost grows with
// the parent's memory: measured here, 6.5 ms for a small process, 16 ms with 200 MB more, 24 ms
// with 500 MB more, and the event loop is blocked for all of it (docs/performance.md, issue #17).
// A daemon holding a full table paid that on every repair and every VIP added. iproute2's batch
// mode reads its commands from stdin as they come, so one process serves every apply.
//
// How a batch's end is known: after the batch, the session writes a word that is not an `ip`
// object (SENTINEL, never a prefix of one); iproute2 answers `Object "..." is unknown` and
// `Command failed -:N` on stderr and, with -force, reads on. Everything iproute2 says about the
// batch's lines comes before that on the same stream, in order. Line numbers count from the
// process's first line: they are shifted back to the batch's own before parsing
// (parseBatchStderr). A process that exits, hangs past the timeout or is cancelled mid-batch
// leaves the lines it did not report on unknown, exactly as a one-shot `ip -batch` would; the
// next batch starts a new process. Before its first batch a new process must answer the sentinel
// alone: an `ip` that does not (a different iproute2, a namespace that cannot be entered) is not
// used, and the batch runs in a process of its own (batch-run.ts).
//
// Idle, the process and its pipes do not keep Node running (a CLI exits; iproute2 then reads
// end-of-file and exits too); a batch in flight does.
import type { Readable, Writable } from "node:stream";
import { execa } from "execa";
import type { Family } from "../../core/net/ip.js";
import { describeIp, ipArgv, type IpContext } from "./ip-command.js";

/** The word written after each batch: no `ip` object name starts with it. */
export const SENTINEL = "fibwarden-batch-end";

/** What iproute2 said about one batch. */
export interface SessionOutcome {
  /** Its stderr about the batch's lines, numbered from the batch's first line. */
  stderr: string;
  /** True when iproute2 reported on every line (it reached the sentinel). */
  complete: boolean;
  /** Why it did not (exited, timed out, cancelled). */
  reason?: string;
}

interface Running {
  child: ReturnType<typeof execa>;
  stdin: Writable & { ref?: () => void; unref?: () => void };
  stderr: Readable & { ref?: () => void; unref?: () => void };
  /** Lines written to this process so far, sentinels included. */
  sent: number;
  /** Its stderr not yet handed to a batch. */
  buffer: string;
  /** Set when it exited. */
  exited?: string;
  /** Woken on new stderr and on exit. */
  wake?: () => void;
}

/** After this many processes in a row that did not answer the sentinel, batches run one process each. */
const MAX_PROBE_FAILURES = 3;

/** Shifts `Command failed -:N` back by `base` lines. */
function renumber(text: string, base: number): string {
  return text.replace(/^Command failed -:(\d+)$/gm, (_m, n: string) => `Command failed -:${Number(n) - base}`);
}

/** One family's batch process (in one namespace). */
export class IpBatchSession {
  private running: Running | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private probeFailures = 0;
  private seq = 0;

  constructor(private readonly ctx: IpContext, private readonly family: Family) {}

  /** The command line of the session's process, for messages. */
  get command(): string {
    return describeIp(this.ctx, this.args());
  }

  /**
   * Applies `lines` and says what iproute2 reported; undefined when no session process can be
   * used (the caller runs the batch in a process of its own). Batches run one at a time.
   */
  run(lines: readonly string[], signal?: AbortSignal): Promise<SessionOutcome | undefined> {
    const next = this.queue.then(() => this.runNow(lines, signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ends the process (it reads end-of-file and exits); a later batch starts a new one. */
  async close(): Promise<void> {
    await this.queue;
    const r = this.running;
    this.running = undefined;
    if (r === undefined || r.exited !== undefined) return;
    r.stdin.end();
    const timer = setTimeout(() => r.child.kill("SIGKILL"), 2_000);
    await r.child.catch(() => undefined);
    clearTimeout(timer);
  }

  private args(): string[] {
    return [`-${this.family}`, "-batch", "-", "-force"];
  }

  private async runNow(lines: readonly string[], signal?: AbortSignal): Promise<SessionOutcome | undefined> {
    if (this.probeFailures >= MAX_PROBE_FAILURES) return undefined;
    if (signal?.aborted) return { stderr: "", complete: false, reason: `\`${this.command}\` was cancelled` };
    let r = this.running;
    if (r === undefined || r.exited !== undefined) {
      r = this.start();
      const probe = await this.exchange(r, [], signal);
      if (!probe.complete) {
        this.probeFailures++;
        this.stop(r);
        return undefined;
      }
      this.probeFailures = 0;
    }
    return this.exchange(r, lines, signal);
  }

  private start(): Running {
    const child = execa(this.ctx.ipPath, ipArgv(this.ctx, this.args()), {
      stdin: "pipe", stdout: "ignore", stderr: "pipe", buffer: false, reject: false, cleanup: false, env: { LC_ALL: "C" },
    });
    const r: Running = { child, stdin: child.stdin!, stderr: child.stderr!, sent: 0, buffer: "" };
    this.running = r;
    r.stderr.setEncoding("utf8");
    r.stderr.on("data", (chunk: string) => {
      r.buffer += chunk;
      r.wake?.();
    });
    r.stdin.on("error", () => undefined); // EPIPE when it died: seen as its exit
    // 'exit' comes first (the process was reaped); the promise covers a process that never started.
    child.on("exit", (code, sig) => {
      r.exited ??= code !== null ? `exited with ${code}` : `was killed by ${sig ?? "a signal"}`;
      r.wake?.();
    });
    void child.then((res) => {
      r.exited ??= res.exitCode !== undefined ? `exited with ${res.exitCode}` : res.signal !== undefined ? `was killed by ${res.signal}` : `failed: ${res.message}`;
      r.wake?.();
    });
    this.idle(r);
    return r;
  }

  /** Writes `lines` and the sentinel; waits for iproute2's word on the sentinel (or its end). */
  private async exchange(r: Running, lines: readonly string[], signal?: AbortSignal): Promise<SessionOutcome> {
    const base = r.sent;
    const end = base + lines.length + 1;
    const marker = `Command failed -:${end}\n`;
    const word = `${SENTINEL}-${++this.seq}`;
    this.busy(r);
    try {
      r.sent = end;
      r.stdin.write(lines.length === 0 ? `${word}\n` : `${lines.join("\n")}\n${word}\n`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      const outcome = await new Promise<{ done: true } | { done: false; reason: string }>((resolve) => {
        timer = setTimeout(() => resolve({ done: false, reason: `timed out after ${this.ctx.timeoutMs} ms` }), this.ctx.timeoutMs);
        onAbort = (): void => resolve({ done: false, reason: "was cancelled" });
        signal?.addEventListener("abort", onAbort, { once: true });
        const check = (): void => {
          const at = r.buffer.startsWith(marker) ? 0 : r.buffer.indexOf(`\n${marker}`);
          if (at >= 0) resolve({ done: true });
          else if (r.exited !== undefined) resolve({ done: false, reason: r.exited });
        };
        r.wake = check;
        check();
      }).finally(() => {
        r.wake = undefined;
        clearTimeout(timer);
        if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
      });
      if (outcome.done) {
        const at = r.buffer.startsWith(marker) ? 0 : r.buffer.indexOf(`\n${marker}`) + 1;
        const said = r.buffer.slice(0, at);
        r.buffer = r.buffer.slice(at + marker.length);
        // Drop iproute2's word on the sentinel (the line before the marker).
        const lastLine = said.lastIndexOf("\n", said.length - 2);
        return { stderr: renumber(said.slice(0, lastLine + 1), base), complete: true };
      }
      const stderr = renumber(r.buffer, base);
      r.buffer = "";
      this.stop(r);
      return { stderr, complete: false, reason: `\`${this.command}\` ${outcome.reason}` };
    } finally {
      this.idle(r);
    }
  }

  /** Kills a process that can no longer be trusted to be in step. */
  private stop(r: Running): void {
    if (this.running === r) this.running = undefined;
    if (r.exited === undefined) r.child.kill("SIGKILL");
  }

  private busy(r: Running): void {
    r.child.ref();
    r.stdin.ref?.();
    r.stderr.ref?.();
  }

  private idle(r: Running): void {
    r.child.unref();
    r.stdin.unref?.();
    r.stderr.unref?.();
  }
}

/** The batch sessions of a dataplane: one per family, started at their first batch. */
export class IpBatchSessions {
  private readonly sessions = new Map<Family, IpBatchSession>();

  constructor(private readonly ctx: IpContext) {}

  /** The session of `family`. */
  of(family: Family): IpBatchSession {
    let s = this.sessions.get(family);
    if (s === undefined) {
      s = new IpBatchSession(this.ctx, family);
      this.sessions.set(family, s);
    }
    return s;
  }

  /** Ends every session's process. */
  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
  }
}
