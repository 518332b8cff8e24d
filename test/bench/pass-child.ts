// Child process of the full-pass benchmark: one full pass (`createReconciler({config}).plan()`)
// in a fresh process, so that its memory high-water mark is the pass's own. Talks over stdio so
// that the parent can read /proc/<pid>/status at each step: prints `{"ready":true}` once loaded
// (idle), runs the pass when a line arrives on stdin, prints a PassChildReport, and exits once
// stdin closes (so the parent reads the high-water mark while the process still exists).
// Usage: node --import tsx test/bench/pass-child.ts '<config JSON>'
// Env (through the inspector, started just before `plan()`, so module loading is left out):
// BENCH_PASS_PROFILE=<dir> writes a CPU profile of the pass; BENCH_PASS_HEAP_PROFILE=<dir> a
// sampling heap profile of what the pass allocated and is still alive while its result is held
// (summarize with heap-profile-top.ts); with BENCH_PASS_HEAP_ALL=1, everything the pass allocated,
// garbage included (what the scavenger may promote). One at a time: each distorts the other.
// BENCH_PASS_RESYNC=1 runs one pass first, unmeasured, and measures the second: a resync of the
// kept trackers (the daemon's periodic or forced resync) instead of a first load.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createInterface } from "node:readline";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { createReconciler, parseConfigText, type PassResult } from "../../src/index.js";

/** What the child reports after its pass. */
export interface PassChildReport {
  ms: number;
  cpuMs: number;
  /** Routes BIRD exports to the protected kernel protocols, as fibwarden built them. */
  protectedRoutes: number;
  /** Routes fibwarden read from the kernel (both families, every table). */
  liveRoutes: number;
  ops: number;
  drift: number;
  complete: boolean;
  problems: string[];
  /** process.memoryUsage() while the result is held, in bytes. */
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** Counts what a pass saw and decided. */
export function summarizePass(result: PassResult): Pick<PassChildReport, "protectedRoutes" | "liveRoutes" | "ops" | "drift" | "complete" | "problems"> {
  return {
    protectedRoutes: result.bird.kernelProtocols.reduce((sum, k) => sum + k.routeCount, 0),
    liveRoutes: result.kernel.routeCount,
    ops: result.plan?.ops.length ?? -1,
    drift: result.plan?.drift.length ?? -1,
    complete: result.observationComplete,
    problems: [...result.bird.problems, ...result.kernel.problems].map((p) => `${p.code}: ${p.message}`.slice(0, 300)),
  };
}

async function main(): Promise<void> {
  // BENCH_PASS_V8_FLAGS: V8 flags set at run time (as the CLI could set them itself).
  if (process.env.BENCH_PASS_V8_FLAGS) setFlagsFromString(process.env.BENCH_PASS_V8_FLAGS);
  const configJson = process.argv[2];
  if (configJson === undefined) throw new Error("usage: pass-child.ts '<config JSON>'");
  const config = parseConfigText(configJson, { source: "pass-child" });
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  if ((await lines.next()).done) return;
  const cpuDir = process.env.BENCH_PASS_PROFILE;
  const heapDir = process.env.BENCH_PASS_HEAP_PROFILE;
  const session = cpuDir || heapDir ? new Session() : undefined;
  session?.connect();
  if (cpuDir) {
    await session?.post("Profiler.enable");
    await session?.post("Profiler.start");
  }
  const rec = createReconciler({ config });
  if (process.env.BENCH_PASS_RESYNC === "1") await rec.plan();
  if (process.env.BENCH_PASS_TRACE_GC === "1") setFlagsFromString("--trace-gc"); // to stdout, which the parent skips
  const all = process.env.BENCH_PASS_HEAP_ALL === "1";
  if (heapDir) await session?.post("HeapProfiler.startSampling", { samplingInterval: 64 * 1024, ...(all ? { includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } : {}) });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const result = await rec.plan();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  await rec.stop();
  if (cpuDir) {
    const { profile } = await session!.post("Profiler.stop");
    writeFileSync(join(cpuDir, `pass-${process.pid}.cpuprofile`), JSON.stringify(profile));
  }
  if (heapDir) {
    await session!.post("HeapProfiler.collectGarbage"); // count only what is still reachable
    const { profile } = await session!.post("HeapProfiler.getSamplingProfile");
    await session!.post("HeapProfiler.stopSampling");
    writeFileSync(join(heapDir, `pass-${process.pid}.heapprofile`), JSON.stringify(profile));
  }
  session?.disconnect();
  const mem = process.memoryUsage();
  const report: PassChildReport = {
    ms, cpuMs: (cpu.user + cpu.system) / 1e3, ...summarizePass(result),
    heapUsed: mem.heapUsed, external: mem.external, arrayBuffers: mem.arrayBuffers,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  while (!(await lines.next()).done) { /* wait until the parent has read /proc and closes stdin */ }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`pass-child: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
