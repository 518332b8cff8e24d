// Benchmark of the kernel adapter in its own network namespace: reading 100k and 1M routes
// against `ip -json route show table all > /dev/null`, the peak RSS of a 1M-route read in a child
// process, and applying 100k route operations against a raw `ip -batch` of the same lines.
// Not a test: it prints a table and warns; it never asserts on time.
// Run alone: npx tsx test/bench/kernel-bench.ts [N[,N...]]   (as root; default 100000,1000000)
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { createKernelDataplane } from "../../src/adapters/kernel/index.js";
import { makeRoute } from "../../src/core/model/normalize.js";
import type { PlanOp } from "../../src/core/plan/types.js";
import { renderIpBatchText } from "../../src/core/render/ip-batch.js";
import { formatTable, median, type BenchRow } from "./stats.js";

/** Goal for median(fibwarden read) / median(`ip -json route show table all > /dev/null`). */
export const READ_RATIO_GOAL = 1.5;
/** Goal for median(adapter apply) / median(raw `ip -batch`). */
export const APPLY_RATIO_GOAL = 1.15;

const RUNS = Number(process.env.BENCH_KERNEL_RUNS ?? 5);
const APPLY_OPS = Number(process.env.BENCH_KERNEL_APPLY_OPS ?? 100_000);
const TIMEOUT_MS = 600_000;
const THIS_FILE = fileURLToPath(import.meta.url);
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OURS = 201;

function warn(message: string): void {
  process.stderr.write(`\n!!!!!!!! kernel-bench: ${message} !!!!!!!!\n\n`);
}

/** Why the benchmark cannot run here, or undefined. */
export function kernelBenchSkipReason(): string | undefined {
  if (process.platform !== "linux") return `platform is ${process.platform}`;
  if (process.getuid?.() !== 0) return "not running as root";
  const probe = `fwkbprobe${randomBytes(3).toString("hex")}`;
  const r = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8", timeout: 5_000 });
  if (r.status !== 0) return `\`ip netns add\` failed: ${(r.stderr || "").trim()}`;
  spawnSync("ip", ["netns", "delete", probe], { timeout: 5_000 });
  return undefined;
}

async function ipns(ns: string, args: string[], input?: string): Promise<void> {
  await execa("ip", ["-n", ns, ...args], { input, timeout: TIMEOUT_MS, stdout: "ignore" });
}

/** The i-th benchmark host route, 10.64.0.0 upwards (16M addresses available). */
function hostRoute(i: number, base = 64): string {
  return `10.${base + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}/32`;
}

/** Adds routes [from, to) as blackholes in table 1000 with one `ip -batch` file. */
async function loadRoutes(ns: string, dir: string, from: number, to: number): Promise<void> {
  const lines: string[] = [];
  for (let i = from; i < to; i++) lines.push(`route add blackhole ${hostRoute(i)} table 1000 proto ${OURS}\n`);
  const file = join(dir, `load-${from}-${to}.batch`);
  writeFileSync(file, lines.join(""));
  await ipns(ns, ["-4", "-batch", file]);
  rmSync(file);
}

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Times `RUNS` baseline dumps and `RUNS` fibwarden reads, interleaved, after a warm-up of each. */
async function benchRead(ns: string, n: number): Promise<BenchRow[]> {
  const dp = createKernelDataplane({ netns: ns, timeoutMs: TIMEOUT_MS });
  const base = () => execa("ip", ["-n", ns, "-json", "route", "show", "table", "all"], { stdout: "ignore", timeout: TIMEOUT_MS });
  const spool = join(tmpdir(), `fwkb-${process.pid}.json`);
  // The floor of the spool design: ip writing the same dump into a file of the same directory.
  const toFile = async () => {
    const fd = openSync(spool, "w", 0o600);
    try {
      await execa("ip", ["-n", ns, "-4", "-json", "-details", "route", "show", "table", "all"], { stdout: fd as 1 /* any fd works; execa's types list 1..9 */, timeout: TIMEOUT_MS });
    } finally {
      closeSync(fd);
      rmSync(spool, { force: true });
    }
  };
  let count = 0;
  await base();
  count = (await dp.readRoutes()).length;
  const baseMs: number[] = [];
  const fileMs: number[] = [];
  const fibMs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    baseMs.push(await timeMs(base));
    fileMs.push(await timeMs(toFile));
    fibMs.push(await timeMs(async () => { count = (await dp.readRoutes()).length; }));
  }
  if (count < n) warn(`fibwarden read ${count} routes, the namespace holds at least ${n}`);
  const ratio = median(fibMs) / median(baseMs);
  if (ratio > READ_RATIO_GOAL) warn(`read at ${n}: fibwarden/ip = ${ratio.toFixed(2)} > ${READ_RATIO_GOAL}`);
  return [
    { name: `(a) ip -json route show table all > /dev/null (ms)`, ms: baseMs },
    { name: `    ip -4 -json -details route show table all > file in tmpdir (ms)`, ms: fileMs, ratio: median(fileMs) / median(baseMs), goal: "(info: ip's own cost of writing to a file)" },
    { name: `(b) fibwarden readRoutes(), both families, ${count} routes (ms)`, ms: fibMs, ratio, goal: `<= ${READ_RATIO_GOAL}${ratio > READ_RATIO_GOAL ? " MISSED" : ""}` },
  ];
}

/** What the child prints. */
interface ChildReport {
  ms: number;
  routes: number;
  maxRssKiB: number;
}

async function runChild(mode: "read" | "idle", ns: string): Promise<ChildReport> {
  const r = await execa(process.execPath, ["--import", "tsx", THIS_FILE, "--child", mode, ns], { cwd: REPO_ROOT, reject: false, timeout: TIMEOUT_MS });
  const last = String(r.stdout).trim().split("\n").pop() ?? "";
  if (r.failed || !last.startsWith("{")) throw new Error(`kernel-bench child failed (${String(r.exitCode)}): ${String(r.stderr).slice(-2000)}`);
  return JSON.parse(last) as ChildReport;
}

/** Peak RSS of a child that reads every route, against a child that does nothing. */
async function benchRss(ns: string): Promise<BenchRow[]> {
  const idle = await runChild("idle", ns);
  const read = await runChild("read", ns);
  return [
    { name: `peak RSS, idle child (MB)`, value: (idle.maxRssKiB * 1024) / 1e6 },
    { name: `peak RSS, child reading ${read.routes} routes (MB)`, value: (read.maxRssKiB * 1024) / 1e6 },
    { name: `  its read time (ms)`, value: read.ms },
  ];
}

/** Times applying `APPLY_OPS` route adds through the adapter against raw `ip -batch` of the same lines. */
async function benchApply(ns: string): Promise<BenchRow[]> {
  const dp = createKernelDataplane({ netns: ns, timeoutMs: TIMEOUT_MS });
  const ops: PlanOp[] = [];
  for (let i = 0; i < APPLY_OPS; i++) {
    ops.push({ kind: "route.add", reason: "bench", route: makeRoute({ dst: hostRoute(i, 200), type: "blackhole", table: 2000, protocol: OURS }) });
  }
  const text = renderIpBatchText(ops, { ownProtocol: OURS })[4];
  const flush = () => ipns(ns, ["-4", "route", "flush", "table", "2000"]);
  const raw = () => ipns(ns, ["-4", "-batch", "-", "-force"], text);
  let failed = 0;
  let unconfirmed = 0;
  const adapter = (verify: "all" | "unsure" | "none") => async () => {
    const res = await dp.apply(ops, { verify });
    failed += res.failed;
    unconfirmed += res.results.filter((r) => verify === "all" && r.confirmed !== true).length;
  };
  await raw();
  await flush();
  const modes = ["all", "unsure", "none"] as const;
  const rawMs: number[] = [];
  const fibMs: Record<(typeof modes)[number], number[]> = { all: [], unsure: [], none: [] };
  for (let r = 0; r < RUNS; r++) {
    rawMs.push(await timeMs(raw));
    await flush();
    for (const mode of modes) {
      fibMs[mode].push(await timeMs(adapter(mode)));
      await flush();
    }
  }
  if (failed > 0 || unconfirmed > 0) warn(`apply: ${failed} failed and ${unconfirmed} unconfirmed ops`);
  const rows: BenchRow[] = [{ name: `(c) raw ip -4 -batch - -force, ${APPLY_OPS} route adds (ms)`, ms: rawMs }];
  for (const mode of modes) {
    const ratio = median(fibMs[mode]) / median(rawMs);
    if (ratio > APPLY_RATIO_GOAL) warn(`apply of ${APPLY_OPS} (verify ${mode}): adapter/raw = ${ratio.toFixed(2)} > ${APPLY_RATIO_GOAL}`);
    const what = mode === "all" ? "re-read of every touched table" : mode === "unsure" ? "re-read only for failed/unknown ops (default)" : "no re-read";
    rows.push({ name: `(d) adapter apply(), verify "${mode}": ${what} (ms)`, ms: fibMs[mode], ratio, goal: `<= ${APPLY_RATIO_GOAL}${ratio > APPLY_RATIO_GOAL ? " MISSED" : ""}` });
  }
  return rows;
}

/**
 * Runs the kernel benchmark for each route count (ascending), in a namespace of its own that is
 * deleted afterwards. Returns the table rows; an empty list (with a warning) when it cannot run.
 */
export async function benchKernel(sizes: readonly number[] = [100_000, 1_000_000]): Promise<BenchRow[]> {
  const skip = kernelBenchSkipReason();
  if (skip !== undefined) {
    warn(`skipped: ${skip}`);
    return [];
  }
  const ns = `fwkb${randomBytes(3).toString("hex")}`;
  const dir = mkdtempSync(join(tmpdir(), "fwkb-"));
  const rows: BenchRow[] = [];
  try {
    spawnSync("ip", ["netns", "add", ns], { timeout: 10_000 });
    await ipns(ns, ["link", "set", "lo", "up"]);
    let loaded = 0;
    for (const n of [...sizes].sort((a, b) => a - b)) {
      const t = await timeMs(() => loadRoutes(ns, dir, loaded, n));
      loaded = n;
      rows.push({ name: `## ${n} routes (loaded by ip -batch in ${(t / 1000).toFixed(1)} s)`, value: n });
      rows.push(...await benchRead(ns, n));
      if (n >= 1_000_000) rows.push(...await benchRss(ns));
    }
    rows.push({ name: `## apply`, value: APPLY_OPS });
    rows.push(...await benchApply(ns));
  } finally {
    spawnSync("ip", ["netns", "delete", ns], { timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

async function child(mode: string, ns: string): Promise<void> {
  let report: ChildReport = { ms: 0, routes: 0, maxRssKiB: 0 };
  if (mode === "read") {
    const dp = createKernelDataplane({ netns: ns, timeoutMs: TIMEOUT_MS });
    const t0 = performance.now();
    const routes = await dp.readRoutes();
    report = { ms: performance.now() - t0, routes: routes.length, maxRssKiB: 0 };
  }
  report.maxRssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === THIS_FILE) {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    await child(args[1] ?? "", args[2] ?? "");
  } else {
    const sizes = (args[0] ?? process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
    process.stdout.write(`kernel adapter bench  ${new Date().toISOString()}  node ${process.version}  runs ${RUNS}\n`);
    process.stdout.write(formatTable(await benchKernel(sizes)));
  }
}
