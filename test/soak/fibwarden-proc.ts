/** `fibwarden run` as a child process the soak harness can SIGKILL and start again, with its JSON logs. */
import { readFileSync } from "node:fs";
import { execa, type ResultPromise } from "execa";
import { pollUntil } from "../lab/index.js";

/** One pino log line, tagged with the index of the process run that printed it. */
export type SoakLog = Record<string, unknown> & { msg?: string; time?: number | string; pass?: number; run: number };

/** The daemon under soak: one process at a time; logs of every run are kept (bounded). */
export class FibwardenProc {
  private proc: ResultPromise | undefined;
  private buffer = "";
  private runIndex = 0;
  readonly entries: SoakLog[] = [];
  url = "";
  starts = 0;
  unexpectedExits = 0;
  private expectingExit = false;

  constructor(private readonly cliPath: string, private readonly cfgPath: string, private readonly maxEntries = 200_000) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get run(): number {
    return this.runIndex;
  }

  async start(): Promise<void> {
    this.runIndex++;
    this.starts++;
    this.url = "";
    this.buffer = "";
    this.expectingExit = false;
    const run = this.runIndex;
    const proc = execa(process.execPath, [this.cliPath, "run", "--config", this.cfgPath], { reject: false, all: true, env: { NO_COLOR: "1" } });
    this.proc = proc;
    proc.all?.on("data", (d: Buffer) => this.ingest(d.toString(), run));
    void proc.then(() => {
      if (this.proc === proc && !this.expectingExit) this.unexpectedExits++;
    });
    await pollUntil(async () => ({ done: this.url !== "", detail: this.buffer.slice(-1000) }), { timeoutMs: 20_000, intervalMs: 50, what: "fibwarden run to print its URL" });
  }

  private ingest(text: string, run: number): void {
    if (run !== this.runIndex) return;
    this.buffer += text;
    let nl = this.buffer.indexOf("\n");
    while (nl >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.startsWith("{")) {
        try {
          const e = JSON.parse(line) as SoakLog;
          e.run = run;
          if (typeof e.url === "string" && e.msg === "fibwarden running") this.url = e.url;
          this.entries.push(e);
          if (this.entries.length > this.maxEntries) this.entries.splice(0, this.entries.length - this.maxEntries);
        } catch {
          // not a log line
        }
      }
      nl = this.buffer.indexOf("\n");
    }
  }

  /** True while the current process has not exited. */
  alive(): boolean {
    const pid = this.proc?.pid;
    if (pid === undefined || this.proc?.exitCode !== undefined && this.proc.exitCode !== null) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  async readyz(): Promise<number> {
    try {
      return (await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) })).status;
    } catch {
      return 0;
    }
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
  }

  /** Resident set size of the daemon in bytes, from /proc/PID/status. */
  rssBytes(): number | undefined {
    const pid = this.pid;
    if (pid === undefined) return undefined;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (proc === undefined) return;
    this.expectingExit = true;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
    await proc.catch(() => undefined);
    clearTimeout(timer);
  }
}
