// `fibwarden run` for a benchmark: the built CLI with a config file, its log kept in memory, the
// moment a log text first appeared (performance.now() of the chunk that carried it), and its
// HTTP url once it logged it. `profDir`: CPU-profile the daemon (written when it stops on SIGTERM).
// `nodeFlags`: Node/V8 flags for the daemon's process, space-separated (daemonNodeFlags()).
import { execa, type ResultPromise } from "execa";
import { pollUntil } from "../lab/index.js";
import { CLI_PATH } from "../support/cli.js";

/** A running daemon. */
export interface BenchDaemon {
  proc: ResultPromise;
  url: string;
  logs: () => string;
  /** performance.now() of the first log chunk containing `text` after offset `from`. */
  onText: (text: string, from: number) => Promise<number>;
}

/** The daemon's Node flags: BENCH_DAEMON_NODE_FLAGS when set ("" for none), else the suite's default. */
export function daemonNodeFlags(suiteDefault: string): string {
  return process.env.BENCH_DAEMON_NODE_FLAGS ?? suiteDefault;
}

export async function spawnBenchDaemon(cfg: string, profDir: string | undefined, what: string, nodeFlags = daemonNodeFlags("")): Promise<BenchDaemon> {
  const flags = nodeFlags.split(/\s+/).filter((f) => f !== "");
  const proc = execa(process.execPath, [...flags, ...(profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []), CLI_PATH, "run", "--config", cfg], { reject: false, all: true, stdin: "ignore" });
  let logs = "";
  const waiters: { text: string; from: number; resolve: (t: number) => void }[] = [];
  proc.all?.on("data", (d: Buffer) => {
    const now = performance.now();
    logs += d.toString();
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (logs.indexOf(w.text, w.from) >= 0) {
        waiters.splice(i, 1);
        w.resolve(now);
      }
    }
  });
  const onText = (text: string, from: number) => new Promise<number>((res) => {
    if (logs.indexOf(text, from) >= 0) res(performance.now());
    else waiters.push({ text, from, resolve: res });
  });
  const url = await pollUntil(async () => {
    if (proc.exitCode !== null) throw new Error(`daemon ${what} exited: ${logs.slice(-1000)}`);
    const m = /"url":"(http:\/\/[^"]+)"/.exec(logs);
    return m ? { done: true, value: m[1]! } : { done: false, detail: logs.slice(-500) };
  }, { timeoutMs: 30_000, intervalMs: 100, what: `daemon ${what}: its url in the log` });
  return { proc, url, logs: () => logs, onText };
}

/**
 * Samples `rssKiB()` once a second for `ms` milliseconds (an idle window: a benchmark's measuring
 * time, not a wait for a condition); returns the largest sample, at least `startKiB`, and the
 * window's wall time in seconds.
 */
export async function peakOver(ms: number, startKiB: number, rssKiB: () => number): Promise<{ peakKiB: number; wallS: number }> {
  const t0 = performance.now();
  let peakKiB = startKiB;
  while (performance.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 1000));
    peakKiB = Math.max(peakKiB, rssKiB());
  }
  return { peakKiB, wallS: (performance.now() - t0) / 1000 };
}
