// A real Prometheus (Debian's `prometheus` binary) for end-to-end tests: started by the test on a
// free loopback port with its own temporary config and data directory, never the system instance
// (Debian's package may run one on :9090), and stopped and removed in teardown.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { pollUntil } from "../lab/index.js";

/** A Prometheus server the test started. */
export interface PrometheusServer {
  /** Base URL, http://127.0.0.1:<port>. */
  readonly url: string;
  /** Its temporary directory (config, rules, data). */
  readonly dir: string;
  /** What it printed so far. */
  logs(): string;
  /** GET <url><path> and the `data` of Prometheus's JSON envelope; throws unless status is success. */
  api<T>(path: string): Promise<T>;
  /** SIGTERM (SIGKILL after 10 s), then removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/** What to start Prometheus with. */
export interface PrometheusOptions {
  /** prometheus.yml; rule_files are relative to the directory. */
  config: string;
  /** Extra files (rule files) to write into the directory, by name. */
  files?: Record<string, string>;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port from the probe listener");
  return address.port;
}

const START_ATTEMPTS = 3;

/**
 * Starts Prometheus and waits until /-/ready answers 200. Another process may take the free port
 * between the probe and Prometheus's bind: then Prometheus exits at once, and a new port is tried
 * (at most START_ATTEMPTS times).
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), "fibwarden-prometheus-"));
  try {
    writeFileSync(join(dir, "prometheus.yml"), options.config);
    for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
    let lastError: unknown;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      try {
        return await startOnce(dir, await freeLoopbackPort());
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startOnce(dir: string, port: number): Promise<PrometheusServer> {
  const url = `http://127.0.0.1:${port}`;
  const proc: ResultPromise = execa("prometheus", [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--storage.tsdb.retention.time=1h",
  ], { reject: false, all: true, cleanup: true, cwd: dir });
  let logs = "";
  let exited = false;
  proc.all?.on("data", (d: Buffer) => { logs += d.toString(); });
  void proc.finally(() => { exited = true; });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await proc.catch(() => undefined);
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    const outcome = await pollUntil<"ready" | "exited">(async () => {
      if (exited) return { done: true, value: "exited" };
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
      return { done: r.status === 200, value: "ready", detail: `/-/ready ${r.status}` };
    }, { timeoutMs: 30_000, intervalMs: 200, what: `prometheus on ${url} to be ready` });
    if (outcome === "exited") throw new Error("prometheus exited before it was ready");
  } catch (err) {
    // A stop that keeps the directory for the next attempt.
    proc.kill("SIGKILL");
    await proc.catch(() => undefined);
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${logs.slice(-1500)}`);
  }
  return {
    url,
    dir,
    logs: () => logs,
    api: async <T>(path: string): Promise<T> => {
      const r = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
      const body = (await r.json()) as { status: string; data: T; error?: string; errorType?: string };
      if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.errorType ?? ""} ${body.error ?? r.status}`);
      return body.data;
    },
    stop,
  };
}
