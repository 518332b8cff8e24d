// Benchmark of reading `show route [all]` from a real BIRD 2 holding N BGP routes: a raw
// node:net read (the floor) against fibwarden's BirdClient + streamRoutes, and the peak RSS of
// each in a child process. Not a test: it warns, it never asserts on time.
// Run alone: node --expose-gc --import tsx test/bench/bird-bench.ts [N[,N...]]
// Env: BENCH_BIRD_GROUPS (distinct attribute sets, default 1024), BENCH_BIRD_PROFILE=<dir>
// (write a --cpu-prof of each fibwarden child run there).
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { checkLabSupport, type BirdHandle } from "../lab/index.js";
import type { ChildReport } from "./bird-child.js";
import { birdCpuMs, DEFAULT_GROUPS, startBirdBenchLab } from "./bird-bench-lab.js";
import { fibwardenRead, rawRead, READ_TIMEOUT_MS, type ReadResult } from "./bird-readers.js";
import { formatTable, median, type BenchRow } from "./stats.js";

/** Goal for median(fibwarden) / median(raw). */
export const RATIO_GOAL = 1.3;
/** Goal for the fibwarden child's peak RSS on `show route all` at 1M routes, in MB. */
export const RSS_GOAL_MB = 300;

const COMMANDS = ["show route", "show route all"] as const;
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHILD = fileURLToPath(new URL("./bird-child.ts", import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc;

function warn(message: string): void {
  process.stderr.write(`\n!!!!!!!! bird-bench: ${message} !!!!!!!!\n\n`);
}

/** Runs one read in a child process (optionally under --cpu-prof) and returns its report. */
export async function runChild(mode: "raw" | "parse" | "idle", socketPath: string, command: string, profileDir?: string): Promise<ChildReport> {
  const prof = profileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profileDir];
  const args = [...prof, "--import", "tsx", CHILD, mode, socketPath, ...command.split(" ")];
  const r = await execa(process.execPath, args, { cwd: REPO_ROOT, reject: false, timeout: READ_TIMEOUT_MS + 30_000 });
  const last = String(r.stdout).trim().split("\n").pop() ?? "";
  if (r.failed || !last.startsWith("{")) throw new Error(`bird-child ${mode} failed (${String(r.exitCode)}): ${String(r.stderr).slice(-2000)}`);
  return JSON.parse(last) as ChildReport;
}

/** A read plus the CPU time BIRD spent meanwhile. */
type TimedRead = ReadResult & { birdCpuMs: number };

/** Runs `read` and adds the CPU time BIRD spent meanwhile. */
async function withBirdCpu(bird: BirdHandle, read: () => Promise<ReadResult>): Promise<TimedRead> {
  const before = birdCpuMs(bird);
  const result = await read();
  return { ...result, birdCpuMs: birdCpuMs(bird) - before };
}

/** Times `runs` raw reads and `runs` fibwarden reads of `command`, interleaved, after one warm-up of each. */
async function benchCommand(bird: BirdHandle, command: string, n: number, runs: number): Promise<BenchRow[]> {
  const socketPath = bird.socketPath;
  await rawRead(socketPath, command);
  await fibwardenRead(socketPath, command);
  const raw: TimedRead[] = [];
  const fib: TimedRead[] = [];
  for (let r = 0; r < runs; r++) {
    gc?.();
    raw.push(await withBirdCpu(bird, () => rawRead(socketPath, command)));
    gc?.();
    fib.push(await withBirdCpu(bird, () => fibwardenRead(socketPath, command)));
  }
  const bad = fib.filter((x) => x.routes !== n);
  if (bad.length > 0) warn(`"${command}": fibwarden parsed ${bad.map((x) => x.routes).join(", ")} routes, BIRD holds ${n}`);
  const bytes = median(raw.map((x) => x.bytes));
  const rawMs = raw.map((x) => x.ms);
  const fibMs = fib.map((x) => x.ms);
  const ratio = median(fibMs) / median(rawMs);
  if (ratio > RATIO_GOAL) warn(`"${command}" at ${n}: fibwarden/raw = ${ratio.toFixed(2)} > ${RATIO_GOAL}`);
  const label = `${command}${bad.length > 0 ? " [ROUTE COUNT MISMATCH]" : ""}`;
  return [
    { name: `${label}: (a) raw node:net read (ms)`, ms: rawMs },
    { name: `${label}: (b) BirdClient+streamRoutes (ms)`, ms: fibMs, ratio, goal: `<= ${RATIO_GOAL}${ratio > RATIO_GOAL ? " MISSED" : ""}` },
    { name: `  reply size (MB)`, value: bytes / 1e6 },
    { name: `  bytes per route`, value: bytes / n },
    { name: `  (a) raw MB/s (median)`, value: bytes / 1e3 / median(rawMs) },
    { name: `  (b) fibwarden MB/s (median)`, value: bytes / 1e3 / median(fibMs) },
    { name: `  (a) node CPU per read (ms)`, ms: raw.map((x) => x.cpuMs) },
    { name: `  (b) node CPU per read (ms); ratio = (b) CPU / BIRD CPU`, ms: fib.map((x) => x.cpuMs), ratio: median(fib.map((x) => x.cpuMs)) / median(raw.map((x) => x.birdCpuMs)) },
    { name: `  BIRD CPU per read during (a) (ms)`, ms: raw.map((x) => x.birdCpuMs) },
    { name: `  BIRD CPU per read during (b) (ms)`, ms: fib.map((x) => x.birdCpuMs) },
  ];
}

/** Peak RSS of a child doing nothing, a raw read and a fibwarden read of `show route all`. */
async function benchRss(socketPath: string, n: number): Promise<BenchRow[]> {
  const command = "show route all";
  const profileDir = process.env.BENCH_BIRD_PROFILE ? resolve(process.env.BENCH_BIRD_PROFILE) : undefined;
  const idle = await runChild("idle", socketPath, command);
  const raw = await runChild("raw", socketPath, command);
  const fib = await runChild("parse", socketPath, command, profileDir);
  if (fib.routes !== n) warn(`child parsed ${fib.routes} routes, BIRD holds ${n}`);
  const mb = (r: ChildReport): number => (r.maxRssKiB * 1024) / 1e6;
  const goal = n >= 1_000_000 ? `, goal <= ${RSS_GOAL_MB}${mb(fib) > RSS_GOAL_MB ? " MISSED" : ""}` : "";
  if (goal.includes("MISSED")) warn(`peak RSS ${mb(fib).toFixed(0)} MB > ${RSS_GOAL_MB} MB at ${n} routes`);
  return [
    { name: `peak RSS (MB) child, idle (node + tsx baseline)`, value: mb(idle) },
    { name: `peak RSS (MB) child, (a) raw read of show route all`, value: mb(raw) },
    { name: `peak RSS (MB) child, (b) fibwarden show route all${goal}`, value: mb(fib) },
    { name: `  child (b) time (ms), one cold run`, value: fib.ms },
  ];
}

/** Runs the BIRD read+parse benchmark at each size (a fresh lab per size); returns table rows. */
export async function benchBird(sizes: number[], runs = 5): Promise<BenchRow[]> {
  const groups = Number(process.env.BENCH_BIRD_GROUPS ?? DEFAULT_GROUPS);
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const bench = await startBirdBenchLab(n, groups);
    try {
      const version = (/BIRD (\S+)/.exec(await bench.dut.query("show status")) ?? [])[1] ?? "?";
      rows.push({ name: `BIRD ${version}, ${n} BGP routes, ${Math.min(groups, n)} attr sets: converged (s)`, value: bench.convergeMs / 1e3 });
      rows.push({ name: `machine load average (1 min) before reading`, value: loadavg()[0] });
      for (const command of COMMANDS) rows.push(...await benchCommand(bench.dut, command, n, runs));
      rows.push(...await benchRss(bench.dut.socketPath, n));
    } finally {
      await bench.destroy();
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const support = checkLabSupport();
  if (!support.ok) {
    process.stdout.write(`bird-bench skipped: ${support.reason}\n`);
  } else {
    const sizes = (process.argv[2] ?? "100000").split(",").map(Number);
    for (const n of sizes) process.stdout.write(`\n## BIRD read+parse, ${n} routes\n${formatTable(await benchBird([n]))}`);
  }
}
