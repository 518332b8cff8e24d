// Latency and idle-cost benchmark against real BIRD 2 in lab namespaces (two-uplink topology):
// (a) a VIP added through the library: `setVips([...existing, vip])` + `apply()` with N VIPs
//     already installed, until the kernel holds the VIP's rule, source route, address and
//     announce route (per-op statuses of the apply result; the kernel is checked once per batch);
// (b) a foreign deletion of a protected BIRD route to the daemon (`fibwarden run`, repair:
//     reinstall) logging the drift, and to the route being back in the kernel;
// (c) the daemon's idle CPU and RSS with many protected routes (a static protocol in the node
//     BIRD, exported to the kernel by kernel1).
// Not a test: it prints a table and never asserts on time.
// Run alone (as root): node --expose-gc --import tsx test/bench/latency-bench.ts
// Env: BENCH_LAT_VIPS (default 1000,10000), BENCH_LAT_EVENTS (200), BENCH_LAT_BUDGET_S (per batch,
// 90), BENCH_LAT_PROTECTED (1000000), BENCH_LAT_IDLE_S (60), BENCH_LAT_PARTS (a,b,c),
// BENCH_LAT_DAEMON_PROF (a directory: CPU profiles of the daemons of (b) and (c)),
// BENCH_LAT_IDLE_WARMUP_S (5: seconds between the idle daemon's readiness and the measurement),
// BENCH_LAT_RESYNC_HEAP (a directory: what one forced resync allocates in (a), see resyncProfile).
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { Session } from "node:inspector/promises";
import { getHeapSpaceStatistics } from "node:v8";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { parseConfigText } from "../../src/config/parse.js";
import { createReconciler } from "../../src/index.js";
import { checkLabSupport, pollUntil, type TwoUplinkTopology } from "../lab/index.js";
import { peakOver, spawnBenchDaemon, type BenchDaemon } from "./bench-daemon.js";
import { withTwoUplinkLab } from "./two-uplink-lab.js";
import { renderNodeBirdConfig } from "../lab/two-uplink-bird.js";
import { ensureBuilt } from "../support/cli.js";
import { formatTable, type BenchRow } from "./stats.js";

const THIS_FILE = fileURLToPath(import.meta.url);
const VIP_SIZES = (process.env.BENCH_LAT_VIPS ?? "1000,10000").split(",").map(Number);
const EVENTS = Number(process.env.BENCH_LAT_EVENTS ?? 200);
const BATCH_BUDGET_MS = Number(process.env.BENCH_LAT_BUDGET_S ?? 90) * 1000;
const PROTECTED = Number(process.env.BENCH_LAT_PROTECTED ?? 1_000_000);
const IDLE_MS = Number(process.env.BENCH_LAT_IDLE_S ?? 60) * 1000;
const CLK_TCK = 100;

function warn(message: string): void {
  process.stderr.write(`\n!!!!!!!! latency-bench: ${message} !!!!!!!!\n\n`);
}

function load(): string {
  return loadavg().map((x) => x.toFixed(2)).join(" ");
}

function log(message: string): void {
  process.stderr.write(`[latency-bench ${new Date().toISOString().slice(11, 19)} load ${load()}] ${message}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** p-th percentile (nearest rank) of a non-empty list. */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** p50 / p99 / max rows for one series. */
export function latencyRows(name: string, xs: readonly number[], goal?: string): BenchRow[] {
  if (xs.length === 0) return [{ name: `${name}: no events`, value: 0 }];
  const p99 = pct(xs, 99);
  const missed = goal !== undefined && p99 > Number(/\d+/.exec(goal)?.[0] ?? Infinity);
  return [
    { name: `${name} (ms, ${xs.length} events)`, ms: [...xs], ...(goal ? { goal: `p99 ${goal}${missed ? " MISSED" : ""}` } : {}) },
    { name: `    p50 (ms)`, value: pct(xs, 50) },
    { name: `    p99 (ms)`, value: p99 },
    { name: `    max (ms)`, value: Math.max(...xs) },
  ];
}

/** The i-th benchmark VIP: 10.112.0.0 upwards. */
function vipAddress(i: number): string {
  return `10.${112 + (i >>> 16)}.${(i >>> 8) & 255}.${(i & 255)}`;
}

function reconcilerConfig(t: TwoUplinkTopology, tables: number): string {
  return JSON.stringify({
    bird: { sockets: [t.birds.node.socketPath] },
    kernel: { netns: t.ns.node.name },
    protect: { kernelProtocols: [t.plan.kernelProtocols.v4, t.plan.kernelProtocols.v6], repair: "reinstall" },
    ownership: { tables: { from: 10_000, to: 10_000 + tables }, announceTables: [t.plan.vip.table] },
  });
}

function vip(t: TwoUplinkTopology, i: number) {
  return {
    address: vipAddress(i),
    announce: { table: t.plan.vip.table },
    return: { gateway: t.plan.uplinks.a.router.ipv4, device: t.plan.uplinks.a.node.ifname },
  };
}

/** Number of output lines of `ip -n ns args`, optionally filtered by `grep -E pattern`. */
async function countLines(ns: string, args: string[], pattern?: string): Promise<number> {
  const r = await execa("ip", ["-n", ns, ...args], { timeout: 120_000, maxBuffer: 1e9 });
  const lines = r.stdout.split("\n").filter((l) => l !== "");
  if (pattern === undefined) return lines.length;
  const re = new RegExp(pattern);
  return lines.filter((l) => re.test(l)).length;
}

/**
 * BENCH_LAT_RESYNC_HEAP=<dir>: a sampling heap profile of everything one forced resync
 * (`apply({ full: true })`, nothing to change) allocates with these VIPs installed, garbage
 * included (summarize with heap-profile-top.ts).
 */
async function resyncProfile(rec: ReturnType<typeof createReconciler>, n: number): Promise<void> {
  const dir = process.env.BENCH_LAT_RESYNC_HEAP;
  if (!dir) return;
  const session = new Session();
  session.connect();
  await rec.apply({ full: true });
  // How much the resync grows the old generation (what the scavenger promoted), without a full GC.
  const gc = (globalThis as { gc?: () => void }).gc;
  const oldSpace = (): number => getHeapSpaceStatistics().find((x) => x.space_name === "old_space")?.space_used_size ?? 0;
  gc?.();
  const o0 = oldSpace();
  await rec.apply({ full: true });
  log(`resync with ${n} VIPs: old space +${((oldSpace() - o0) / 1e6).toFixed(1)} MB (promoted, before any full GC)`);
  gc?.();
  await session.post("HeapProfiler.startSampling", { samplingInterval: 64 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const r0 = performance.now();
  await rec.apply({ full: true });
  const ms = performance.now() - r0;
  const { profile } = await session.post("HeapProfiler.getSamplingProfile");
  await session.post("HeapProfiler.stopSampling");
  session.disconnect();
  const file = join(resolve(dir), `resync-${n}-vips-${process.pid}.heapprofile`);
  writeFileSync(file, JSON.stringify(profile));
  log(`resync with ${n} VIPs: ${ms.toFixed(0)} ms; its allocations: ${file}`);
}

/** (a) VIP add latency through the library with n VIPs installed; `keep`: leave them installed. */
export async function benchVipAdd(t: TwoUplinkTopology, n: number, events: number, keep: boolean): Promise<BenchRow[]> {
  const ns = t.ns.node.name;
  vipTables = n + events + 10;
  const rec = createReconciler({ config: parseConfigText(reconcilerConfig(t, vipTables), { source: "latency-bench" }) });
  const rows: BenchRow[] = [];
  // The reconciler's own kernel watch feeds its cache: that is what makes apply() incremental.
  const watch = rec.watchKernel({ onChange: () => undefined, debounceMs: 2 });
  await watch.started;
  try {
    const vips = Array.from({ length: n }, (_, i) => vip(t, i));
    rec.setVips(vips);
    const l0 = load();
    const t0 = performance.now();
    const first = await rec.apply();
    const loadMs = performance.now() - t0;
    log(`installed ${n} VIPs in ${loadMs.toFixed(0)} ms: ${first.applied?.applied ?? 0} applied, ${first.applied?.failed ?? 0} failed`);
    rows.push({ name: `## ${n} VIPs, load ${l0}: install by one apply() (ms)`, value: loadMs });
    // Warm-up: an empty pass, then time one.
    await rec.apply();
    const e0 = performance.now();
    await rec.apply();
    rows.push({ name: `    steady pass with nothing to do, apply() (ms)`, value: performance.now() - e0 });
    await resyncProfile(rec, n);
    const lat: number[] = [];
    const modes = new Map<string, number>();
    let badOps = 0;
    const start = performance.now();
    const lStart = load();
    for (let e = 0; e < events; e++) {
      if (performance.now() - start > BATCH_BUDGET_MS) {
        warn(`${n} VIPs: time budget spent after ${e} of ${events} events`);
        break;
      }
      vips.push(vip(t, n + e));
      // The goal times setVips (10k VIPs compared per call) and the apply.
      const s = performance.now();
      rec.setVips(vips);
      const res = await rec.apply();
      const ms = performance.now() - s;
      modes.set(res.mode, (modes.get(res.mode) ?? 0) + 1);
      // Expected: exactly the new VIP's rule, address, source-table route and announce route, applied.
      const ops = res.applied?.results ?? [];
      const kinds = ops.map((r) => r.op.kind).sort().join(",");
      if (kinds !== "address.add,route.add,route.add,rule.add" || ops.some((r) => r.status !== "applied")) badOps++;
      lat.push(ms);
    }
    const lEnd = load();
    // One kernel check per batch: every VIP has its rule, address, source route and announce route.
    const total = vips.length;
    const rules = await countLines(ns, ["-4", "rule", "show"], "from 10\\.11[2-9]\\.");
    const announce = await countLines(ns, ["-4", "route", "show", "table", String(t.plan.vip.table)]);
    const addrs = await countLines(ns, ["-4", "addr", "show", "dev", "lo"], "inet 10\\.11[2-9]\\.");
    const check = `kernel after the batch: ${rules} rules, ${announce} announce routes, ${addrs} addresses for ${total} VIPs`;
    log(check);
    if (rules !== total || announce !== total || addrs !== total || badOps > 0) warn(`${n} VIPs: ${check}; ${badOps} events with an op not applied`);
    rows.push(...latencyRows(`(a) ${n}+1 VIPs: setVips+apply()`, lat, n >= 10_000 ? "<= 50" : undefined));
    rows.push({ name: `    load average during the events: ${lStart} -> ${lEnd}`, value: lat.length });
    rows.push({ name: `    passes by mode: ${[...modes].map(([m, c]) => `${m} ${c}`).join(", ")}`, value: modes.get("incremental") ?? 0 });
    rows.push({ name: `    kernel rules/announce/addrs: ${rules}/${announce}/${addrs}, VIPs`, value: total });
    if (!keep) {
      const p0 = performance.now();
      const purged = await rec.purge(true);
      log(`purged ${purged.applied?.applied ?? 0} objects in ${(performance.now() - p0).toFixed(0)} ms`);
    } else {
      installedVips = vips.length;
    }
  } finally {
    await watch.stop();
    await rec.stop();
  }
  return rows;
}

/** VIPs (a) left installed, which the daemon of (b) and (c) then keeps. */
export let installedVips = 0;
let vipTables = 0;

/** A "pass done" log line of the daemon. */
export interface PassDone {
  mode: string;
  ms: number;
  ops: number;
  reasons: string[];
}

/** The daemon's "pass done" lines after offset `from` of its log. */
export function passesDone(logs: string, from: number): PassDone[] {
  const out: PassDone[] = [];
  for (const line of logs.slice(from).split("\n")) {
    if (!line.includes('"pass done"')) continue;
    try {
      const j = JSON.parse(line) as { mode?: string; ms?: number; ops?: number; reasons?: unknown };
      out.push({ mode: j.mode ?? "?", ms: j.ms ?? 0, ops: j.ops ?? 0, reasons: Array.isArray(j.reasons) ? j.reasons.map(String) : [] });
    } catch { /* a partial line */ }
  }
  return out;
}

type Daemon = BenchDaemon;

function daemonConfig(t: TwoUplinkTopology, daemon: string): string {
  // The VIPs (a) left installed, so that the daemon runs with them (and does not remove them).
  const vips = Array.from({ length: installedVips }, (_, i) => vip(t, i))
    .map((v) => `  - {address: ${v.address}, announce: {table: ${v.announce.table}}, return: {gateway: ${v.return.gateway}, device: ${v.return.device}}}`);
  return `
bird: {sockets: [${t.birds.node.socketPath}]}
kernel: {netns: ${t.ns.node.name}}
protect: {kernelProtocols: [${t.plan.kernelProtocols.v4}, ${t.plan.kernelProtocols.v6}], repair: reinstall}
ownership: {tables: {from: 10000, to: ${10_000 + Math.max(vipTables, 10)}}}
daemon: {listen: "127.0.0.1:0", ${daemon}}
vips:
  - {address: 10.111.100.1, announce: {table: ${t.plan.vip.table}}, return: {gateway: ${t.plan.uplinks.a.router.ipv4}, device: ${t.plan.uplinks.a.node.ifname}}}
${vips.join("\n")}
`;
}

export async function startDaemon(t: TwoUplinkTopology, name: string, daemon: string): Promise<Daemon> {
  await ensureBuilt();
  const cfg = join(t.lab.dir, `${name}.yaml`);
  writeFileSync(cfg, daemonConfig(t, daemon));
  // BENCH_LAT_DAEMON_PROF=<dir>: CPU-profile the daemon (written when it stops on SIGTERM).
  const d = await spawnBenchDaemon(cfg, process.env.BENCH_LAT_DAEMON_PROF, name);
  const url = d.url;
  await pollUntil(async () => ({ done: (await fetch(`${url}/readyz`)).status === 200 }), { timeoutMs: 300_000, intervalMs: 200, what: `daemon ${name} ready` });
  return d;
}

export async function stopDaemon(d: Daemon | undefined): Promise<void> {
  if (!d) return;
  // SIGTERM (a clean stop) when profiling, so that the profile is written; SIGKILL after 10 s.
  d.proc.kill(process.env.BENCH_LAT_DAEMON_PROF ? "SIGTERM" : "SIGKILL");
  const timer = setTimeout(() => d.proc.kill("SIGKILL"), 10_000);
  await d.proc.catch(() => undefined);
  clearTimeout(timer);
}

/** The i-th bulk route of the static protocol `bulk4` (see bulkNodeConfig). */
export function bulkRoute(i: number): string {
  return `10.${64 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}/32`;
}

/** Bulk routes loaded into BIRD (and by it into the kernel) before (a), (b) and (c). */
export let bulkLoaded = 0;

/** Waits (bounded) until `ip monitor route` in `ns` is seen to report: a probe route added and removed. */
export async function awaitMonitor(ns: string, watcher: ReturnType<typeof routeWatcher>): Promise<void> {
  const probe = "198.51.100.77/32";
  const args = ["-n", ns, "-4", "route", "replace", "blackhole", probe, "table", "4242", "proto", "static"];
  await pollUntil(async () => {
    const seen = watcher.back(probe, 1_000);
    await execa("ip", args);
    return { done: (await seen) >= 0, detail: "the monitor did not report the probe route" };
  }, { timeoutMs: 30_000, intervalMs: 50, what: `ip monitor route in ${ns} to report` });
  await execa("ip", ["-n", ns, "-4", "route", "del", "blackhole", probe, "table", "4242"], { reject: false });
}

/**
 * Times route events with `ip monitor route` in the namespace: resolves when a line that is not
 * a deletion names `prefix` (the route is back). A monitor, not polling: a route dump of a
 * million-route table takes most of a second.
 */
export function routeWatcher(ns: string) {
  const proc = execa("ip", ["-n", ns, "monitor", "route"], { reject: false, buffer: false });
  const waiters = new Map<string, (t: number) => void>();
  let rest = "";
  proc.stdout?.setEncoding("utf8");
  proc.stdout?.on("data", (chunk: string) => {
    const now = performance.now();
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      if (line.startsWith("Deleted")) continue;
      const dst = line.split(" ").find((w) => waiters.has(w) || waiters.has(`${w}/32`));
      if (dst === undefined) continue;
      const key = waiters.has(dst) ? dst : `${dst}/32`;
      waiters.get(key)!(now);
      waiters.delete(key);
    }
  });
  return {
    back: (prefix: string, timeoutMs: number) => new Promise<number>((resolve) => {
      const timer = setTimeout(() => { waiters.delete(prefix); resolve(-1); }, timeoutMs);
      waiters.set(prefix, (t) => { clearTimeout(timer); resolve(t); });
    }),
    stop: async () => { proc.kill("SIGTERM"); await proc.catch(() => undefined); },
  };
}

/** (b) foreign delete of a protected route -> drift logged, and route back in the kernel. */
async function benchRepair(t: TwoUplinkTopology, events: number): Promise<BenchRow[]> {
  const ns = t.ns.node.name;
  // Victims: bulk /32 blackholes when loaded (a million-route table), else the BGP routes.
  const victims = bulkLoaded > 0
    ? Array.from({ length: events }, (_, e) => ({ prefix: bulkRoute((e * 7919) % bulkLoaded), del: ["route", "del", "blackhole", bulkRoute((e * 7919) % bulkLoaded), "proto", "bird", "metric", "32"] }))
    : t.plan.prefixes.routed4.map((p) => ({ prefix: p, del: ["route", "del", p, "proto", "bird", "metric", "32"] }));
  let d: Daemon | undefined;
  const watcher = routeWatcher(ns);
  const logMs: number[] = [];
  const backMs: number[] = [];
  let lost = 0;
  try {
    const s0 = performance.now();
    d = await startDaemon(t, "repair", "debounceMs: 5, birdPollIntervalMs: 1000, resyncIntervalSeconds: 30");
    log(`daemon ready in ${(performance.now() - s0).toFixed(0)} ms with ${bulkLoaded} bulk routes and ${installedVips} VIPs`);
    await awaitMonitor(ns, watcher);
    const lStart = load();
    const logFrom = d.logs().length;
    const start = performance.now();
    for (let e = 0; e < events; e++) {
      if (performance.now() - start > BATCH_BUDGET_MS) {
        warn(`repair: time budget spent after ${e} of ${events} events`);
        break;
      }
      const victim = victims[e % victims.length]!;
      const from = d.logs().length;
      const logged = d.onText(`"drift":"missing","route":"${victim.prefix}"`, from);
      const back = watcher.back(victim.prefix, 5_000);
      const s = performance.now();
      await execa("ip", ["-n", ns, ...victim.del]);
      const b = await back;
      const l = await Promise.race([logged, sleep(5_000).then(() => -1)]);
      if (b < 0 || l < 0) lost++;
      if (b >= 0) backMs.push(b - s);
      if (l >= 0) logMs.push(l - s);
      // The next event once the pass that reinstalled the route is logged done.
      await pollUntil(async () => ({ done: passesDone(d!.logs(), from).some((p) => p.ops > 0) }),
        { timeoutMs: 30_000, intervalMs: 5, what: `the daemon's repairing pass of ${victim.prefix} logged done` })
        .catch(() => undefined);
    }
    const lEnd = load();
    if (lost > 0) warn(`repair: ${lost} events without a log line or a reinstall within 5 s`);
    const passes = passesDone(d.logs(), logFrom);
    return [
      { name: `## (b) ${bulkLoaded} bulk protected routes, ${installedVips} VIPs, debounceMs 5, load ${lStart} -> ${lEnd}; lost`, value: lost },
      ...latencyRows(`(b) route del -> drift logged`, logMs),
      ...latencyRows(`(b) route del -> route back (ip monitor)`, backMs, "<= 100"),
      ...latencyRows(`(b) the daemon's passes meanwhile ("pass done" ms)`, passes.map((p) => p.ms)).slice(0, 2),
    ];
  } finally {
    await watcher.stop();
    await stopDaemon(d);
  }
}

/** The node BIRD config with a static protocol of n blackhole routes that kernel1 exports. */
function bulkNodeConfig(t: TwoUplinkTopology, n: number): string {
  const base = renderNodeBirdConfig(t.plan).replace(
    /(protocol kernel kernel1 \{\n {2}ipv4 \{ import none; export where source = RTS_BGP)/,
    "$1 || proto = \"bulk4\"",
  );
  if (!base.includes('proto = "bulk4"')) throw new Error("latency-bench: could not patch kernel1's export filter");
  const lines = ["protocol static bulk4 {", "  ipv4;"];
  for (let i = 0; i < n; i++) lines.push(`  route 10.${64 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}/32 blackhole;`);
  lines.push("}");
  return `${base}\n${lines.join("\n")}\n`;
}

export function procStat(pid: number): { cpuTicks: number; rssKiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuTicks = Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuTicks, rssKiB: Number(rss?.[1] ?? 0) };
}

/** (c) idle CPU and RSS of the daemon (default timers) with n protected routes. */
export async function loadBulk(t: TwoUplinkTopology, n: number): Promise<BenchRow[]> {
  if (n <= 0) return [];
  const ns = t.ns.node.name;
  const s = performance.now();
  await t.birds.node.configure(bulkNodeConfig(t, n), 300_000);
  await pollUntil(async () => {
    const c = await countLines(ns, ["-4", "route", "show", "proto", "bird"]);
    return { done: c >= n, detail: String(c) };
  }, { timeoutMs: 900_000, intervalMs: 5000, what: `${n} bird routes in the kernel` });
  bulkLoaded = n;
  return [{ name: `## ${n} static routes (BIRD static bulk4) exported to the kernel by kernel1 in (ms)`, value: performance.now() - s }];
}

async function benchIdle(t: TwoUplinkTopology): Promise<BenchRow[]> {
  const ns = t.ns.node.name;
  const rows: BenchRow[] = [];
  const total = await countLines(ns, ["-4", "route", "show", "proto", "bird"]);
  let d: Daemon | undefined;
  try {
    const s = performance.now();
    d = await startDaemon(t, "idle", "debounceMs: 100, birdPollIntervalMs: 1000");
    rows.push({ name: `    daemon start to ready, ${total} protected (ms)`, value: performance.now() - s });
    // BENCH_LAT_IDLE_WARMUP_S: wait after ready before measuring (V8 shrinks the heap of the
    // start-up full pass for a minute or two; that is start-up cost, not idle cost).
    await sleep(Number(process.env.BENCH_LAT_IDLE_WARMUP_S ?? 5) * 1000);
    const pid = d.proc.pid!;
    const a = procStat(pid);
    const logFrom = d.logs().length;
    const lStart = load();
    const { peakKiB: peak, wallS: wall } = await peakOver(IDLE_MS, a.rssKiB, () => procStat(pid).rssKiB);
    const b = procStat(pid);
    const cpuPct = ((b.cpuTicks - a.cpuTicks) / CLK_TCK / wall) * 100;
    const passes = passesDone(d.logs(), logFrom);
    const reasons = [...new Set(passes.map((p) => JSON.stringify(p.reasons)))].join(" ");
    log(`idle ${total} routes: cpu ${cpuPct.toFixed(2)}% over ${wall.toFixed(0)} s, rss ${(b.rssKiB / 1024).toFixed(0)} MiB`);
    if (cpuPct >= 1) warn(`idle CPU ${cpuPct.toFixed(2)}% >= 1% with ${total} protected routes`);
    rows.push(
      { name: `(c) idle CPU % over ${wall.toFixed(0)} s, ${total} protected${cpuPct >= 1 ? " (goal <1 MISSED)" : ""}`, value: cpuPct },
      { name: `    load average: ${lStart} -> ${load()}`, value: wall },
      { name: `    RSS at the end (MB)`, value: (b.rssKiB * 1024) / 1e6 },
      { name: `    peak RSS while idle (MB)`, value: (peak * 1024) / 1e6 },
      { name: `    passes while idle (reasons ${reasons.slice(0, 30)})`, value: passes.length },
      ...(passes.length > 0 ? [{ name: `    their median duration (ms)`, value: pct(passes.map((p) => p.ms), 50) }] : []),
    );
  } finally {
    await stopDaemon(d);
  }
  return rows;
}

/**
 * Runs (a), (b) and (c) in one lab: PROTECTED bulk routes first (BIRD static, exported to the
 * kernel), then (a) for each VIP size (the last size's VIPs stay installed), then the daemon
 * with those VIPs and routes for (b) and (c). Returns the table rows (empty, with a warning,
 * without lab support).
 */
export async function benchLatency(): Promise<BenchRow[]> {
  const support = checkLabSupport();
  if (!support.ok) {
    warn(`skipped: ${support.reason}`);
    return [];
  }
  const rows: BenchRow[] = [];
  const parts = (process.env.BENCH_LAT_PARTS ?? "a,b,c").split(",");
  await withTwoUplinkLab("latency", async (t) => {
    log(`loading ${PROTECTED} protected routes`);
    rows.push(...await loadBulk(t, PROTECTED));
    if (parts.includes("a")) {
      for (const [i, n] of VIP_SIZES.entries()) {
        log(`(a) ${n} VIPs`);
        rows.push(...await benchVipAdd(t, n, EVENTS, i === VIP_SIZES.length - 1));
      }
    }
    if (parts.includes("b")) {
      log("(b) repair latency");
      rows.push(...await benchRepair(t, EVENTS));
    }
    if (parts.includes("c")) {
      log(`(c) idle with ${bulkLoaded} protected routes`);
      rows.push(...await benchIdle(t));
    }
  });
  return rows;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === THIS_FILE) {
  process.stdout.write(`latency bench  ${new Date().toISOString()}  node ${process.version}  load ${load()}\n`);
  process.stdout.write(formatTable(await benchLatency()));
}
