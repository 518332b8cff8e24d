// Helpers shared by the end-to-end field scenarios: the `fibwarden run` daemon as a child process
// with its JSON logs, kernel counters and sysctls read inside a lab namespace.
import { execa, type ResultPromise } from "execa";
import type { LabNamespace } from "../lab/index.js";
import { DEADLINE_MS, pollUntil, waitFor } from "../lab/index.js";
import { CLI_PATH } from "../support/cli.js";

/** A minimal BIRD 2 config: fibwarden needs a BIRD socket to observe, even with nothing to protect. */
export function minimalBirdConfig(routerId: string): string {
  return `router id ${routerId};\nprotocol device { scan time 10; }\n`;
}

/** One pino log line of the daemon. */
export type LogEntry = Record<string, unknown> & { msg?: string };

/** `fibwarden run` started as a child process of the test. */
export interface DaemonProcess {
  /** Base URL of the health and metrics endpoints. */
  readonly url: string;
  /** Everything the daemon printed so far. */
  logs(): string;
  /** The JSON log lines printed so far. */
  entries(): LogEntry[];
  /** Polls /readyz until it answers 200 (default deadline: BIRD's, the first pass observes BIRD). */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Waits until a JSON log line satisfies `match` (bounded). */
  waitForEntry(what: string, match: (e: LogEntry) => boolean, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

/**
 * Starts `fibwarden run --config cfgPath` (built binary) and waits for its URL in the logs.
 * `nodeFlags`: Node/V8 flags before the script, e.g. the DaemonSet's `--lite-mode`.
 */
export async function startDaemon(cfgPath: string, nodeFlags: string[] = []): Promise<DaemonProcess> {
  const proc: ResultPromise = execa(process.execPath, [...nodeFlags, CLI_PATH, "run", "--config", cfgPath], { reject: false, all: true });
  let logs = "";
  proc.all?.on("data", (d: Buffer) => { logs += d.toString(); });
  let url = "";
  try {
    await pollUntil(async () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(logs);
      if (m) url = m[1]!;
      return { done: url !== "", detail: logs.slice(-2000) };
    }, { timeoutMs: DEADLINE_MS.state, intervalMs: 50, what: "fibwarden run to print its URL" });
  } catch (err) {
    proc.kill("SIGKILL");
    await proc.catch(() => undefined);
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    url,
    logs: () => logs,
    entries: () => parseLogLines(logs),
    waitReady: async (timeoutMs = DEADLINE_MS.bird) => {
      await pollUntil(async () => {
        const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
        return { done: r.status === 200, detail: `readyz ${r.status}: ${logs.slice(-1000)}` };
      }, { timeoutMs, intervalMs: 100, what: "fibwarden run to become ready" });
    },
    waitForEntry: async (what, match, timeoutMs = DEADLINE_MS.state) => {
      await waitFor(() => parseLogLines(logs).some(match), { timeoutMs, intervalMs: 100, what: `${what} in the daemon's log`, detail: () => logs.slice(-1500) });
    },
    stop: () => {
      stopped ??= (async () => {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
        await proc.catch(() => undefined);
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}

/**
 * Waits until the daemon's kernel monitor delivers events: `ip monitor` subscribes a moment after
 * it starts, and /readyz does not wait for it. Adds and removes a throwaway blackhole route in a
 * spare table of `ns` until a pass triggered by a kernel event has finished (bounded).
 */
export async function waitForKernelWatch(daemon: DaemonProcess, ns: LabNamespace): Promise<void> {
  const from = daemon.entries().length;
  const probe = ["192.0.2.255/32", "table", "9999"];
  await pollUntil(async () => {
    const seen = daemon.entries().slice(from).some((e) => e.msg === "pass done" && Array.isArray(e.reasons) && e.reasons.includes("kernel"));
    if (seen) return { done: true };
    await ns.ip(["route", "add", "blackhole", ...probe]);
    await ns.ip(["route", "del", "blackhole", ...probe]);
    return { done: false, detail: daemon.logs().slice(-1000) };
  }, { timeoutMs: DEADLINE_MS.state, intervalMs: 250, what: "a pass triggered by a kernel event (the daemon's kernel monitor is live)" });
}

/** Parses pino's JSON lines; other lines are skipped. */
export function parseLogLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // a line cut in the middle of a write: the next read has it whole
    }
  }
  return out;
}

/** Reads net.ipv4.conf.<iface>.<name> inside `ns`. */
export async function readConfSysctl(ns: LabNamespace, iface: string, name: string): Promise<number> {
  return Number((await ns.exec(["cat", `/proc/sys/net/ipv4/conf/${iface}/${name}`])).trim());
}

/** Reads one counter of /proc/net/netstat (e.g. TcpExt IPReversePathFilter) inside `ns`. */
export async function readNetstatCounter(ns: LabNamespace, group: string, counter: string): Promise<number> {
  const lines = (await ns.exec(["cat", "/proc/net/netstat"])).split("\n");
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.trim().split(/\s+/);
    const values = lines[i + 1]!.trim().split(/\s+/);
    if (names[0] !== `${group}:`) continue;
    const at = names.indexOf(counter);
    if (at > 0) return Number(values[at]);
  }
  throw new Error(`no ${group} ${counter} in /proc/net/netstat of ${ns.name}`);
}
