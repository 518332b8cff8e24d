// Preloaded into a `fibwarden` CLI process by scale-bench.ts (`node --import <this file>
// dist/bin/fibwarden.mjs ...`), so that the CLI itself is unchanged: when the process exits it
// writes one line to stderr, `FWSCALE_RUSAGE {"maxRssKiB":..,"userUs":..,"systemUs":..}`, its peak
// RSS (getrusage ru_maxrss, KiB) and CPU time. A synchronous write: 'exit' handlers cannot wait.
import { writeSync } from "node:fs";

process.on("exit", () => {
  const u = process.resourceUsage();
  writeSync(2, `\nFWSCALE_RUSAGE ${JSON.stringify({ maxRssKiB: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime })}\n`);
});

// FWSCALE_MEM_PEAK=1: also samples the process's memory every 50 ms and writes, at exit, the
// sample taken at the highest RSS (`FWSCALE_MEMPEAK {...}`, MB): what the peak is made of.
if (process.env.FWSCALE_MEM_PEAK) {
  const { getHeapSpaceStatistics } = await import("node:v8");
  let peak = { rss: 0 };
  const mb = (n) => Math.round(n / 2 ** 20);
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss <= peak.rss * 2 ** 20) return;
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name.replace(/_space$/, ""), mb(s.space_size)]));
    peak = { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), spaces, atMs: Math.round(performance.now()) };
  }, 50);
  timer.unref();
  process.on("exit", () => writeSync(2, `\nFWSCALE_MEMPEAK ${JSON.stringify(peak)}\n`));
}

// FWSCALE_RSS_WATCH=1: a worker thread reads /proc/self/status every 5 ms (the main thread may be
// busy for seconds in one task, where a timer on it sees nothing) and, at exit, the preload writes
// the highest VmRSS seen, when (ms since the process started), and the RSS each 250 ms
// (`FWSCALE_RSSWATCH {...}`). The worker itself adds a few MB.
if (process.env.FWSCALE_RSS_WATCH) {
  const { Worker } = await import("node:worker_threads");
  const SLOTS = 4096;
  const shared = new Float64Array(new SharedArrayBuffer(8 * (3 + SLOTS)));
  const worker = new Worker(`
    const { workerData } = require("node:worker_threads");
    const { readFileSync } = require("node:fs");
    const s = workerData.shared, slots = workerData.slots, origin = workerData.origin;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    let nextSlotAt = 0;
    for (;;) {
      const kib = Number(/^VmRSS:\\s+(\\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);
      const t = Date.now() - origin;
      if (kib > s[0]) { s[0] = kib; s[1] = t; }
      if (t >= nextSlotAt && s[2] < slots) { s[3 + s[2]] = kib; s[2]++; nextSlotAt += 250; }
      Atomics.wait(pause, 0, 0, 5);
    }
  `, { eval: true, workerData: { shared, slots: SLOTS, origin: Date.now() - Math.round(performance.now()) } });
  worker.unref();
  process.on("exit", () => {
    const series = Array.from(shared.subarray(3, 3 + shared[2]), (k) => Math.round(k / 1024));
    writeSync(2, `\nFWSCALE_RSSWATCH ${JSON.stringify({ peakMb: Math.round(shared[0] / 1024), atMs: shared[1], every250ms: series })}\n`);
  });
}
