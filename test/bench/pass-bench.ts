// Benchmark of fibwarden's full pass against the slower of the two raw dumps it must at least
// read, in one run: a real BIRD 2 in a lab namespace holds N routes and exports them to the
// kernel by a kernel protocol; (a) raw `show route export <proto>` off the BIRD socket (node:net,
// read to the final line), (b) raw `ip -json route show table all > /dev/null` in that namespace,
// (c) `createReconciler({config}).plan()` protecting that kernel protocol: observe BIRD and the
// kernel in parallel, build desired, plan; changes nothing. A fresh reconciler per pass, so that
// every pass is a full one. Also the peak RSS (VmHWM) of a pass in a child process, and IPv6.
// Not a test: it prints a table and warns; it never asserts on time.
// Run alone (as root): node --expose-gc --max-old-space-size=8192 --import tsx test/bench/pass-bench.ts [N[,N...]]
// Env: BENCH_SIZES (IPv4 sizes, default 100000,1000000), BENCH_V6_SIZE (default 250000, 0 = skip),
// BENCH_PASS_RUNS (5); for the child pass (see pass-child.ts): BENCH_PASS_PROFILE=<dir> (a CPU
// profile of the pass alone), BENCH_PASS_HEAP_PROFILE=<dir> (what the pass keeps alive, sampled;
// BENCH_PASS_HEAP_ALL=1: all it allocated), BENCH_PASS_RESYNC=1 (measure a resync of kept trackers),
// BENCH_PASS_TRACE_GC=1 (the child's GC trace of the measured pass, on stderr).
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { createReconciler, parseConfigText, type Config, type PassResult } from "../../src/index.js";
import { checkLabSupport } from "../lab/index.js";
import { birdCpuMs } from "./bird-bench-lab.js";
import { rawRead } from "./bird-readers.js";
import { startPassLab, type PassLab } from "./pass-bench-lab.js";
import { summarizePass, type PassChildReport } from "./pass-child.js";
import { formatTable, median, type BenchRow } from "./stats.js";

/** Goal for median(full pass) / max(median(raw BIRD read), median(raw ip dump)). */
export const PASS_RATIO_GOAL = 2.0;
/** Goal (and aim) for the peak RSS of a full pass at 1M routes, in MB. */
export const PASS_RSS_GOAL_MB = 500;
export const PASS_RSS_AIM_MB = 300;

const RUNS = Number(process.env.BENCH_PASS_RUNS ?? 5);
const V6_SIZE = Number(process.env.BENCH_V6_SIZE ?? 250_000);
/** Longest time one measured operation (a dump, a pass, a child) may take. */
const TIMEOUT_MS = 600_000;
const THIS_FILE = fileURLToPath(import.meta.url);
const CHILD = fileURLToPath(new URL("./pass-child.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc;

function warn(message: string): void {
  process.stderr.write(`\n!!!!!!!! pass-bench: ${message} !!!!!!!!\n\n`);
}

function log(message: string): void {
  process.stderr.write(`[pass-bench ${new Date().toISOString().slice(11, 19)} load ${loadavg()[0]!.toFixed(2)}] ${message}\n`);
}

/** Rejects after `ms` (the operation itself may go on: the caller then gives up on the run). */
async function bounded<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`pass-bench: ${what} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The reconciler config of the benchmark: the dut's BIRD socket and namespace, its kernel protocol
 * protected. The BIRD reply limits are set explicitly so that the timed passes do not hang on the
 * defaults (`show route export` of 1M routes is 94 MB, above the 64 MiB `bird.maxReplyBytes` of
 * before 188bfe9); one untimed pass per size checks that the defaults suffice.
 */
export function passConfigJson(lab: PassLab): string {
  return JSON.stringify({
    bird: { sockets: [lab.dut.socketPath], replyTimeoutMs: TIMEOUT_MS, maxReplyBytes: 2 ** 31 },
    kernel: { netns: lab.netns },
    protect: { kernelProtocols: [lab.kernelProtocol] },
  });
}

/** The same config with BIRD's reply limits left at their defaults, as an operator would start. */
function defaultLimitsConfigJson(lab: PassLab): string {
  return JSON.stringify({ bird: { sockets: [lab.dut.socketPath] }, kernel: { netns: lab.netns }, protect: { kernelProtocols: [lab.kernelProtocol] } });
}

/** One measured full pass: wall and this process's CPU time, and what it saw. */
interface PassRun {
  ms: number;
  cpuMs: number;
  birdCpuMs: number;
  summary: ReturnType<typeof summarizePass>;
}

/** (c) A fresh reconciler's `plan()`: a full pass that changes nothing. */
async function fullPass(lab: PassLab, config: Config): Promise<PassRun> {
  const b0 = birdCpuMs(lab.dut);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const rec = createReconciler({ config });
  let result: PassResult;
  try {
    result = await bounded("a full pass", TIMEOUT_MS, rec.plan(AbortSignal.timeout(TIMEOUT_MS)));
  } finally {
    await bounded("stopping the reconciler", 30_000, rec.stop()).catch(() => undefined);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1e3, birdCpuMs: birdCpuMs(lab.dut) - b0, summary: summarizePass(result) };
}

/** (b) `ip -json route show table all > /dev/null` in the dut's namespace, in ms. */
async function rawIpDump(netns: string): Promise<number> {
  const t0 = performance.now();
  await execa("ip", ["-n", netns, "-json", "route", "show", "table", "all"], { stdout: "ignore", timeout: TIMEOUT_MS });
  return performance.now() - t0;
}

/** What is wrong with a pass over `lab` (empty when it saw everything and plans nothing). */
function passProblems(lab: PassLab, s: ReturnType<typeof summarizePass>): string[] {
  const bad: string[] = [];
  if (s.protectedRoutes !== lab.n) bad.push(`${s.protectedRoutes} protected routes, BIRD exports ${lab.n}`);
  if (s.liveRoutes < lab.n) bad.push(`${s.liveRoutes} kernel routes read, the kernel holds at least ${lab.n}`);
  if (!s.complete) bad.push(`observation incomplete: ${s.problems.join("; ")}`);
  if (s.ops !== 0 || s.drift !== 0) bad.push(`${s.ops} ops and ${s.drift} drift planned, expected none`);
  return bad;
}

/** Times `runs` rounds of (a), (b), (c), interleaved, after one warm-up of each. */
async function benchRatio(lab: PassLab, runs: number): Promise<BenchRow[]> {
  const config = parseConfigText(passConfigJson(lab), { source: "pass-bench" });
  const command = `show route export ${lab.kernelProtocol}`;
  const socket = lab.dut.socketPath;
  await rawRead(socket, command, TIMEOUT_MS);
  await rawIpDump(lab.netns);
  const warm = await fullPass(lab, config);
  const warmBad = passProblems(lab, warm.summary);
  if (warmBad.length > 0) warn(`IPv${lab.family} ${lab.n}: warm-up pass: ${warmBad.join("; ")}`);
  const a: number[] = [];
  const aBird: number[] = [];
  const b: number[] = [];
  const c: PassRun[] = [];
  let bytes = 0;
  for (let r = 0; r < runs; r++) {
    gc?.();
    const b0 = birdCpuMs(lab.dut);
    const raw = await rawRead(socket, command, TIMEOUT_MS);
    aBird.push(birdCpuMs(lab.dut) - b0);
    a.push(raw.ms);
    bytes = raw.bytes;
    gc?.();
    b.push(await rawIpDump(lab.netns));
    gc?.();
    c.push(await fullPass(lab, config));
    log(`IPv${lab.family} ${lab.n} round ${r + 1}/${runs}: (a) ${a[r]!.toFixed(0)} ms, (b) ${b[r]!.toFixed(0)} ms, (c) ${c[r]!.ms.toFixed(0)} ms`);
  }
  const bad = [...new Set(c.flatMap((x) => passProblems(lab, x.summary)))];
  if (bad.length > 0) warn(`IPv${lab.family} ${lab.n}: ${bad.join("; ")}`);
  const floor = Math.max(median(a), median(b));
  const slower = median(a) >= median(b) ? "(a)" : "(b)";
  const cMs = c.map((x) => x.ms);
  const ratio = median(cMs) / floor;
  const missed = ratio > PASS_RATIO_GOAL;
  if (missed) warn(`IPv${lab.family} ${lab.n}: full pass / slower raw dump = ${ratio.toFixed(2)} > ${PASS_RATIO_GOAL}`);
  const s = c[0]!.summary;
  // Once, untimed: does a pass complete with the default bird.maxReplyBytes / replyTimeoutMs?
  const byDefault = (await fullPass(lab, parseConfigText(defaultLimitsConfigJson(lab), { source: "pass-bench" }))).summary;
  const defaultNote = byDefault.complete ? "complete" : `INCOMPLETE: ${byDefault.problems.join("; ").slice(0, 90)}`;
  if (!byDefault.complete) warn(`IPv${lab.family} ${lab.n}: a pass with the default BIRD reply limits is incomplete: ${byDefault.problems.join("; ")}`);
  return [
    { name: `(a) raw node:net read of "${command}" (ms)`, ms: a, ratio: median(a) / floor },
    { name: `(b) ip -json route show table all > /dev/null (ms)`, ms: b, ratio: median(b) / floor },
    {
      name: `(c) full pass, createReconciler().plan()${bad.length > 0 ? " [WRONG RESULT, see warning]" : ""} (ms)`,
      ms: cMs, ratio, goal: `<= ${PASS_RATIO_GOAL} vs ${slower}${missed ? " MISSED" : ""}`,
    },
    { name: `    (c) saw ${s.protectedRoutes} protected, ${s.liveRoutes} kernel routes; ops, drift`, value: s.ops + s.drift },
    { name: `    (c) / (a)`, value: median(cMs) / median(a) },
    { name: `    (c) / (b)`, value: median(cMs) / median(b) },
    { name: `    (a) reply size (MB)`, value: bytes / 1e6 },
    { name: `    one pass with default BIRD reply limits: ${defaultNote}; protected`, value: byDefault.protectedRoutes },
    { name: `    (a) BIRD CPU per read (ms)`, ms: aBird },
    { name: `    (c) node CPU per pass, this process only (ms)`, ms: c.map((x) => x.cpuMs) },
    { name: `    (c) BIRD CPU per pass (ms)`, ms: c.map((x) => x.birdCpuMs) },
  ];
}

/** VmRSS and VmHWM of a live process, in KiB (from /proc/<pid>/status). */
function memoryOf(pid: number): { rssKiB: number; hwmKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field("VmRSS"), hwmKiB: field("VmHWM") };
}

/** What the parent learns from one child pass. */
export interface ChildMeasure {
  idle: { rssKiB: number; hwmKiB: number };
  after: { rssKiB: number; hwmKiB: number };
  report: PassChildReport;
}

/** Runs one pass in a child process; reads its /proc status when idle and after the pass. */
export async function runPassChild(lab: PassLab): Promise<ChildMeasure> {
  // The child runs in the repository root: hand it absolute output directories.
  const env: Record<string, string> = {};
  for (const name of ["BENCH_PASS_PROFILE", "BENCH_PASS_HEAP_PROFILE"]) {
    const dir = process.env[name];
    if (dir) env[name] = resolve(dir);
  }
  const child = execa(process.execPath, ["--import", "tsx", CHILD, passConfigJson(lab)], {
    cwd: REPO_ROOT, env, reject: false, timeout: TIMEOUT_MS, stdin: "pipe", stdout: "pipe", stderr: "pipe",
  });
  const pid = child.pid;
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  /** The child's next JSON line (other output is skipped); throws when it exits first. */
  const nextJson = async (what: string): Promise<string> => {
    for (;;) {
      const r = await bounded(`the pass child's ${what}`, TIMEOUT_MS, lines.next());
      if (r.done) {
        const res = await child;
        throw new Error(`pass child exited (${String(res.exitCode)}) before its ${what}: ${String(res.stderr).slice(-2000)}`);
      }
      if (r.value.startsWith("{")) return r.value;
      if (process.env.BENCH_PASS_TRACE_GC === "1") process.stderr.write(`child: ${r.value}\n`); // its GC trace
    }
  };
  try {
    if (pid === undefined) throw new Error("pass child did not start");
    await nextJson("ready line");
    const idle = memoryOf(pid);
    child.stdin.write("go\n");
    const report = JSON.parse(await nextJson("report")) as PassChildReport;
    const after = memoryOf(pid);
    child.stdin.end();
    const r = await child;
    if (r.failed) throw new Error(`pass child failed (${String(r.exitCode)}): ${String(r.stderr).slice(-2000)}`);
    return { idle, after, report };
  } catch (err) {
    child.kill("SIGKILL");
    await child.catch(() => undefined);
    throw err;
  }
}

/** Peak RSS (VmHWM) of a full pass in a child process, and its idle baseline. */
async function benchRss(lab: PassLab): Promise<BenchRow[]> {
  const m = await runPassChild(lab);
  const mb = (kib: number): number => (kib * 1024) / 1e6;
  const peak = mb(m.after.hwmKiB);
  const bad = passProblems(lab, m.report);
  if (bad.length > 0) warn(`IPv${lab.family} ${lab.n} child pass: ${bad.join("; ")}`);
  const isGoalSize = lab.n >= 1_000_000;
  const missed = isGoalSize && peak > PASS_RSS_GOAL_MB;
  if (missed) warn(`IPv${lab.family} ${lab.n}: peak RSS of a pass ${peak.toFixed(0)} MB > ${PASS_RSS_GOAL_MB} MB`);
  const goal = isGoalSize ? `, goal <= ${PASS_RSS_GOAL_MB} (aim ${PASS_RSS_AIM_MB})${missed ? " MISSED" : ""}` : "";
  return [
    { name: `child: RSS before the pass, idle node + tsx + fibwarden (MB)`, value: mb(m.idle.rssKiB) },
    { name: `child: peak RSS (VmHWM) after one full pass${goal} (MB)`, value: peak },
    { name: `    RSS after the pass, result held (MB)`, value: mb(m.after.rssKiB) },
    { name: `    heap used after the pass, result held (MB)`, value: m.report.heapUsed / 1e6 },
    { name: `    its pass, one cold run (ms)`, value: m.report.ms },
    { name: `    its node CPU (ms)`, value: m.report.cpuMs },
  ];
}

/** Builds the lab for `family` at `n` routes, measures, and tears it down. */
async function benchOne(family: 4 | 6, n: number, runs: number): Promise<BenchRow[]> {
  log(`IPv${family} ${n}: building the lab`);
  const lab = await startPassLab(family, n);
  try {
    log(`IPv${family} ${n}: BIRD converged in ${(lab.convergeMs / 1e3).toFixed(1)} s, kernel done ${(lab.exportMs / 1e3).toFixed(1)} s later`);
    const version = (/BIRD (\S+)/.exec(await lab.dut.query("show status")) ?? [])[1] ?? "?";
    return [
      { name: `## IPv${family}, ${n} routes: BIRD ${version} (eBGP -> ${lab.kernelProtocol} -> main); converged (s)`, value: lab.convergeMs / 1e3 },
      { name: `    kernel held all N after a further (s)`, value: lab.exportMs / 1e3 },
      { name: `    load average (1 min) before measuring`, value: loadavg()[0] },
      ...await benchRatio(lab, runs),
      ...await benchRss(lab),
    ];
  } finally {
    await lab.destroy();
  }
}

/**
 * Runs the full-pass benchmark: IPv4 at each of `sizes`, then IPv6 at `v6Size` (0 skips it), a
 * fresh lab each. Returns the table rows; an empty list (with a warning) without lab support.
 */
export async function benchPass(sizes: readonly number[], v6Size = V6_SIZE, runs = RUNS): Promise<BenchRow[]> {
  const support = checkLabSupport();
  if (!support.ok) {
    warn(`skipped: ${support.reason}`);
    return [];
  }
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    gc?.();
    rows.push(...await benchOne(4, n, runs));
  }
  if (v6Size > 0) {
    gc?.();
    try {
      rows.push(...await benchOne(6, v6Size, runs));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      warn(`IPv6 ${v6Size}: not measured: ${why}`);
      rows.push({ name: `## IPv6, ${v6Size} routes: not measured (${why.slice(0, 120)})` });
    }
  }
  return rows;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === THIS_FILE) {
  const sizes = (process.argv[2] ?? process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
  process.stdout.write(`full-pass bench  ${new Date().toISOString()}  node ${process.version}  runs ${RUNS}\n`);
  process.stdout.write(formatTable(await benchPass(sizes)));
}
