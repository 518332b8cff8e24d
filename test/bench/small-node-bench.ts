// Small-node benchmark against real BIRD 2 in lab namespaces (two-uplink topology, one lab):
// (1) start-up of each command, whole process (spawn to exit), median/min/max of N runs after one
//     untimed warm-up run (which also gives the peak RSS, by /usr/bin/time -f %M): a bare
//     `node -e ""` (Node's own start, the ratio baseline), `fibwarden version`, `help`,
//     `bird --socket <node BIRD> show status`, `reconcile --plan` and `check` with the lab config;
// (2) the daemon (`fibwarden run`, 2 VIPs, production timers) after a warm-up: idle CPU % and RSS
//     over a window sampled from /proc each second, its wake-ups (voluntary context switches),
//     its "pass done" lines and the BIRD control commands it sent (BIRD logs them: `debug
//     commands 2`, hence the poll pace), and the node BIRD's own idle CPU as the reference (a
//     sidecar should cost about what the daemon it watches costs);
// (3) BIRD stopped (SIGTERM) after a quiet spell: time to BIRD's exit, to the first /readyz 503
//     and to the log line "observation incomplete: nothing deleted"; BIRD is then restarted and
//     the daemon awaited ready again.
// Goals (printed, never enforced): version <= 150 ms and `bird show status` <= 200 ms (medians);
// daemon RSS <= 60 MB and idle CPU <= 0.2 %; BIRD stopped -> 503 and logged within 3 s (worst case).
// Not a test: it prints a table and never asserts on time. The load average is in the rows.
// Run alone (as root): node --expose-gc --import tsx test/bench/small-node-bench.ts
// Env: BENCH_SMALL_RUNS (runs per command, 5), BENCH_SMALL_WARMUP_S (daemon ready -> idle window,
// 60: the adaptive BIRD poll has slowed down and V8 has shrunk the start-up pass's heap, a GC of
// ~0.2 s CPU 30-40 s after ready that a 20 s warm-up counted as idle cost), BENCH_SMALL_IDLE_S (idle window, 60),
// BENCH_SMALL_STOPS (BIRD stops in (3), 5), BENCH_SMALL_QUIET_S (quiet before each stop, 15),
// BENCH_SMALL_DAEMON_PROF (a directory: the daemon's CPU profile), BENCH_SMALL_DAEMON_RUNS (daemons
// measured in (2), one after another, for the median of RSS and idle CPU; 5), BENCH_DAEMON_NODE_FLAGS
// (the daemon's Node flags; default the DaemonSet's "--lite-mode --no-expose-wasm", "" for the JIT).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { checkLabSupport, pollUntil, waitForBgp, type TwoUplinkTopology } from "../lab/index.js";
import { daemonNodeFlags, peakOver, spawnBenchDaemon, type BenchDaemon } from "./bench-daemon.js";
import { withTwoUplinkLab } from "./two-uplink-lab.js";
import { CLI_PATH, ensureBuilt } from "../support/cli.js";
import { formatTable, median, type BenchRow } from "./stats.js";

const THIS_FILE = fileURLToPath(import.meta.url);
const RUNS = Math.max(1, Number(process.env.BENCH_SMALL_RUNS ?? 5));
const WARMUP_MS = Number(process.env.BENCH_SMALL_WARMUP_S ?? 60) * 1000;
const IDLE_MS = Number(process.env.BENCH_SMALL_IDLE_S ?? 60) * 1000;
const STOPS = Math.max(1, Number(process.env.BENCH_SMALL_STOPS ?? 5));
const QUIET_MS = Number(process.env.BENCH_SMALL_QUIET_S ?? 15) * 1000;
const DAEMON_RUNS = Math.max(1, Number(process.env.BENCH_SMALL_DAEMON_RUNS ?? 5));
/** The daemon runs as the DaemonSet runs it (deploy/kubernetes/base/daemonset.yaml); BENCH_DAEMON_NODE_FLAGS overrides. */
const DAEMONSET_NODE_FLAGS = "--lite-mode --no-expose-wasm";
const DAEMON_FLAGS = daemonNodeFlags(DAEMONSET_NODE_FLAGS);
/** How long (3) waits for the daemon to notice a stopped BIRD before counting the stop as lost. */
const NOTICE_DEADLINE_MS = 30_000;
const CLK_TCK = 100;
const TIME_BIN = "/usr/bin/time";
const INCOMPLETE_LINE = "observation incomplete: nothing deleted";

function warn(message: string): void {
  process.stderr.write(`\n!!!!!!!! small-node-bench: ${message} !!!!!!!!\n\n`);
}

function load(): string {
  return loadavg().map((x) => x.toFixed(2)).join(" ");
}

function log(message: string): void {
  process.stderr.write(`[small-node-bench ${new Date().toISOString().slice(11, 19)} load ${load()}] ${message}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (kib: number) => (kib * 1024) / 1e6;
/** "(goal <= x MISSED)" when value > goal. */
const goalText = (value: number, goal: number, unit = "") => `goal <= ${goal}${unit}${value > goal ? " MISSED" : ""}`;

/** Voluntary context switches of all the process's threads: each is a sleep, so about its wake-ups. */
function wakeups(pid: number): number {
  let n = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      n += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${task}/status`, "utf8"))?.[1] ?? 0);
    } catch { /* the thread ended */ }
  }
  return n;
}

function procStat(pid: number): { cpuTicks: number; rssKiB: number; hwmKiB: number; wakeups: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuTicks = Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = /VmRSS:\s+(\d+)/.exec(status);
  const hwm = /VmHWM:\s+(\d+)/.exec(status);
  return { cpuTicks, rssKiB: Number(rss?.[1] ?? 0), hwmKiB: Number(hwm?.[1] ?? 0), wakeups: wakeups(pid) };
}

/** The node BIRD's pid: its pid file, else the lab handle's child (ip netns exec execs bird). */
function birdPid(t: TwoUplinkTopology): number | undefined {
  const candidates: number[] = [];
  try { candidates.push(Number(readFileSync(t.birds.node.pidPath, "utf8").trim())); } catch { /* no pid file */ }
  if (t.birds.node.pid !== undefined) candidates.push(t.birds.node.pid);
  return candidates.find((pid) => {
    try { return pid > 0 && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "bird"; } catch { return false; }
  });
}

/** The daemon config: the node BIRD, the node namespace, its kernel protocols protected, 2 VIPs. */
function smallConfig(t: TwoUplinkTopology): string {
  const ret = `return: {gateway: ${t.plan.uplinks.a.router.ipv4}, device: ${t.plan.uplinks.a.node.ifname}}`;
  return `
bird: {sockets: [${t.birds.node.socketPath}]}
kernel: {netns: ${t.ns.node.name}}
protect: {kernelProtocols: [${t.plan.kernelProtocols.v4}, ${t.plan.kernelProtocols.v6}], repair: reinstall}
daemon: {listen: "127.0.0.1:0"}
vips:
  - {address: 10.111.100.1, announce: {table: ${t.plan.vip.table}}, ${ret}}
  - {address: 10.111.100.2, announce: {table: ${t.plan.vip.table}}, ${ret}}
`;
}

/** (1) One command: N timed whole-process runs after one untimed warm-up (its peak RSS). */
interface Command { name: string; argv: string[]; goalMs?: number }

async function runOnce(argv: string[], rssFile?: string): Promise<{ ms: number; exitCode: number; stdout: string; stderr: string }> {
  const [file, ...args] = rssFile === undefined ? argv : [TIME_BIN, "-f", "%M", "-o", rssFile, ...argv];
  const s = performance.now();
  const r = await execa(file!, args, { reject: false, timeout: 60_000, env: { NO_COLOR: "1" }, stdin: "ignore" });
  return { ms: performance.now() - s, exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function benchStartup(t: TwoUplinkTopology, cfg: string): Promise<BenchRow[]> {
  const cli = (...args: string[]) => [process.execPath, CLI_PATH, ...args];
  const commands: Command[] = [
    { name: `node -e "" (Node's own start-up, the ratio baseline)`, argv: [process.execPath, "-e", ""] },
    { name: "fibwarden version", argv: cli("version"), goalMs: 150 },
    { name: "fibwarden help", argv: cli("help") },
    { name: "fibwarden bird --socket <node BIRD> show status", argv: cli("bird", "--socket", t.birds.node.socketPath, "show", "status"), goalMs: 200 },
    { name: "fibwarden reconcile --plan --config <lab>", argv: cli("reconcile", "--plan", "--config", cfg) },
    { name: "fibwarden check --config <lab>", argv: cli("check", "--config", cfg) },
  ];
  const withTime = existsSync(TIME_BIN);
  if (!withTime) warn(`${TIME_BIN} missing: no peak RSS per command`);
  const rssFile = join(t.lab.dir, "time-rss.txt");
  const rss = new Map<string, number>();
  const exits = new Map<string, Set<number>>(commands.map((c) => [c.name, new Set<number>()]));
  // Warm-up (file cache), one run each, under /usr/bin/time for the peak RSS.
  for (const c of commands) {
    rmSync(rssFile, { force: true });
    const r = await runOnce(c.argv, withTime ? rssFile : undefined);
    exits.get(c.name)!.add(r.exitCode);
    if (r.exitCode === 1 || r.exitCode < 0) warn(`${c.name}: exit ${r.exitCode}: ${r.stderr.slice(-500)}`);
    if (r.exitCode === 2) log(`(1) ${c.name}: exit 2 (pending changes or findings):\n${r.stdout.trim().split("\n").slice(0, 12).join("\n")}`);
    if (withTime && existsSync(rssFile)) {
      const kib = Number(/(\d+)\s*$/.exec(readFileSync(rssFile, "utf8"))?.[1]);
      if (kib > 0) rss.set(c.name, kib);
    }
  }
  // Timed runs without the wrapper, round-robin so that a change of load hits every command alike.
  const times = new Map<string, number[]>(commands.map((c) => [c.name, []]));
  const lStart = load();
  for (let i = 0; i < RUNS; i++) {
    for (const c of commands) {
      const r = await runOnce(c.argv);
      times.get(c.name)!.push(r.ms);
      exits.get(c.name)!.add(r.exitCode);
    }
  }
  const lEnd = load();
  log(`(1) ${RUNS} runs of ${commands.length} commands done`);
  const base = median(times.get(commands[0]!.name)!);
  const rows: BenchRow[] = [{ name: `## (1) start-up, spawn to exit, ${RUNS} runs; load ${lStart} -> ${lEnd}`, value: RUNS }];
  for (const c of commands) {
    const ms = times.get(c.name)!;
    const exit = [...exits.get(c.name)!].join("/");
    rows.push({
      name: `${c.name} (ms, exit ${exit})`,
      ms,
      ratio: median(ms) / base,
      ...(c.goalMs !== undefined ? { goal: goalText(median(ms), c.goalMs, " ms") } : {}),
    });
    const kib = rss.get(c.name);
    if (kib !== undefined) rows.push({ name: `    peak RSS, warm-up run (MB)`, value: mb(kib) });
  }
  return rows;
}

type Daemon = BenchDaemon;

async function startDaemon(cfg: string): Promise<Daemon> {
  // BENCH_SMALL_DAEMON_PROF=<dir>: CPU-profile the daemon (written when it stops on SIGTERM).
  return spawnBenchDaemon(cfg, process.env.BENCH_SMALL_DAEMON_PROF, "small", DAEMON_FLAGS);
}

async function stopDaemon(d: Daemon | undefined): Promise<void> {
  if (!d) return;
  d.proc.kill("SIGTERM");
  const timer = setTimeout(() => d.proc.kill("SIGKILL"), 10_000);
  await d.proc.catch(() => undefined);
  clearTimeout(timer);
}

/** /readyz's status, or -1 when the request fails. */
async function readyz(d: Daemon): Promise<number> {
  try {
    const r = await fetch(`${d.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await r.text();
    return r.status;
  } catch {
    return -1;
  }
}

async function waitReady(d: Daemon, what: string, timeoutMs: number): Promise<void> {
  await pollUntil(async () => {
    const s = await readyz(d);
    return { done: s === 200, detail: `readyz ${s}; daemon log tail: ${d.logs().slice(-800)}` };
  }, { timeoutMs, intervalMs: 50, what });
}

function passCount(logs: string, from: number): number {
  return logs.slice(from).split("\n").filter((l) => l.includes('"pass done"')).length;
}

/** BIRD control commands logged by `debug commands 2` (lines "CLI: <command>") in `text`. */
function birdCommands(text: string): string[] {
  return text.split("\n").flatMap((l) => {
    const m = /CLI: (.*)$/.exec(l);
    return m ? [m[1]!.trim()] : [];
  });
}

/** Seconds between consecutive `show status` commands in BIRD's log text (the daemon's polls). */
function pollIntervals(text: string): number[] {
  const stamps = text.split("\n").filter((l) => /CLI: show status\s*$/.test(l)).flatMap((l) => {
    const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)/.exec(l);
    return m ? [Date.parse(`${m[1]}T${m[2]}`)] : [];
  });
  return stamps.slice(1).map((s, i) => (s - stamps[i]!) / 1000);
}

/** (2) The daemon's idle cost over IDLE_MS after WARMUP_MS, and the node BIRD's as the reference. */
async function benchIdle(t: TwoUplinkTopology, d: Daemon, readyMs: number): Promise<{ rows: BenchRow[]; rssMB: number; cpuPct: number }> {
  const pid = d.proc.pid!;
  const bpid = birdPid(t);
  if (bpid === undefined) warn("node BIRD's pid not found: no reference CPU");
  log(`(2) warm-up ${WARMUP_MS / 1000} s, then ${IDLE_MS / 1000} s idle (daemon pid ${pid}, BIRD pid ${bpid ?? "?"})`);
  await sleep(WARMUP_MS);
  const birdLog = t.birds.node.logPath;
  const birdLogFrom = existsSync(birdLog) ? statSync(birdLog).size : 0;
  const logFrom = d.logs().length;
  const a = procStat(pid);
  const ba = bpid === undefined ? undefined : procStat(bpid);
  const lStart = load();
  const { peakKiB: peak, wallS: wall } = await peakOver(IDLE_MS, a.rssKiB, () => procStat(pid).rssKiB);
  const b = procStat(pid);
  const bb = bpid === undefined ? undefined : procStat(bpid);
  const lEnd = load();
  const cpuPct = ((b.cpuTicks - a.cpuTicks) / CLK_TCK / wall) * 100;
  const birdPct = ba && bb ? ((bb.cpuTicks - ba.cpuTicks) / CLK_TCK / wall) * 100 : undefined;
  const birdText = existsSync(birdLog) ? readFileSync(birdLog).subarray(birdLogFrom).toString() : "";
  const cmds = birdCommands(birdText);
  const polls = pollIntervals(birdText);
  const connects = birdText.split("\n").filter((l) => l.includes("CLI connect")).length;
  const kinds = [...new Set(cmds)].join(", ");
  const passes = passCount(d.logs(), logFrom);
  log(`(2) daemon cpu ${cpuPct.toFixed(3)}% rss ${mb(b.rssKiB).toFixed(1)} MB; BIRD cpu ${birdPct?.toFixed(3) ?? "?"}%; ${cmds.length} BIRD commands (${kinds}), poll intervals ${polls.map((x) => x.toFixed(1)).join(" ")} s; ${passes} passes`);
  const rssMB = mb(b.rssKiB);
  return { rssMB, cpuPct, rows: [
    { name: `## (2) daemon, 2 VIPs, production timers; start to /readyz 200 (ms)`, value: readyMs },
    { name: `    load average: ${lStart} -> ${lEnd}; warm-up (s)`, value: WARMUP_MS / 1000 },
    { name: `(2) daemon idle CPU % of a core, ${wall.toFixed(0)} s: ${cpuPct.toFixed(3)} (${goalText(cpuPct, 0.2, " %")})`, value: cpuPct },
    { name: `    the same in CPU ms per second (2.0 = 0.2 %)`, value: cpuPct * 10 },
    { name: `    wake-ups per second (voluntary context switches, all threads)`, value: (b.wakeups - a.wakeups) / wall },
    { name: `    RSS at the end (MB, ${goalText(rssMB, 60)})`, value: rssMB },
    { name: `    peak RSS sampled each second while idle (MB)`, value: mb(peak) },
    { name: `    VmHWM, peak RSS since start (MB)`, value: mb(b.hwmKiB) },
    { name: `    "pass done" lines while idle`, value: passes },
    { name: `    BIRD commands while idle (${kinds.slice(0, 28) || "none logged"})`, value: cmds.length },
    { name: `    BIRD control connections opened while idle`, value: connects },
    ...(polls.length > 0 ? [
      { name: `    seconds between polls (show status), median (ceiling 10)`, value: median(polls) },
      { name: `    poll intervals (count; min ${Math.min(...polls).toFixed(1)} s, max ${Math.max(...polls).toFixed(1)} s)`, value: polls.length },
    ] : []),
    ...(birdPct !== undefined && bb ? [
      { name: `(2) reference: node BIRD idle CPU % of a core: ${birdPct.toFixed(3)}`, value: birdPct },
      { name: `    node BIRD wake-ups per second`, value: ((bb.wakeups - (ba?.wakeups ?? 0)) / wall) },
      { name: `    node BIRD RSS at the end (MB)`, value: mb(bb.rssKiB) },
    ] : []),
  ] };
}

/** (2) once more with a fresh daemon: its RSS and idle CPU only (for the median over runs). */
async function idleOnce(cfg: string): Promise<{ rssMB: number; cpuPct: number }> {
  const d = await startDaemon(cfg);
  try {
    await waitReady(d, "daemon /readyz 200 after start", 120_000);
    await sleep(WARMUP_MS);
    const pid = d.proc.pid!;
    const a = procStat(pid);
    const { wallS } = await peakOver(IDLE_MS, a.rssKiB, () => procStat(pid).rssKiB);
    const b = procStat(pid);
    return { rssMB: mb(b.rssKiB), cpuPct: ((b.cpuTicks - a.cpuTicks) / CLK_TCK / wallS) * 100 };
  } finally {
    await stopDaemon(d);
  }
}

/** (3) BIRD stopped -> /readyz 503 and the incomplete-observation log line; then restarted. */
async function benchBirdDown(t: TwoUplinkTopology, d: Daemon): Promise<BenchRow[]> {
  const to503: number[] = [];
  const toLog: number[] = [];
  const backReady: number[] = [];
  const birdExit: number[] = [];
  const exitTo503: number[] = [];
  let lost = 0;
  const lStart = load();
  for (let k = 0; k < STOPS; k++) {
    await sleep(QUIET_MS);
    const from = d.logs().length;
    const logged = d.onText(INCOMPLETE_LINE, from);
    const t0 = performance.now();
    const stopping = t.birds.node.stop().then(() => performance.now());
    let t503 = -1;
    const statuses = new Set<number>();
    while (performance.now() - t0 < NOTICE_DEADLINE_MS) {
      const s = await readyz(d);
      if (s === 503) { t503 = performance.now(); break; }
      statuses.add(s);
      await sleep(20);
    }
    const exited = (await stopping) - t0;
    birdExit.push(exited);
    if (t503 >= 0) exitTo503.push(t503 - t0 - exited);
    const left = Math.max(0, NOTICE_DEADLINE_MS - (performance.now() - t0));
    const tLog = await Promise.race([logged, sleep(left).then(() => -1)]);
    if (t503 >= 0) to503.push(t503 - t0);
    if (tLog >= 0) toLog.push(tLog - t0);
    if (t503 < 0 || tLog < 0) {
      lost++;
      warn(`stop ${k + 1}: within ${NOTICE_DEADLINE_MS} ms: readyz 503 ${t503 >= 0 ? "seen" : `never (statuses ${[...statuses].join(",")})`}, "${INCOMPLETE_LINE}" ${tLog >= 0 ? "logged" : "never logged"}`);
    }
    log(`(3) stop ${k + 1}/${STOPS}: readyz 503 after ${t503 >= 0 ? (t503 - t0).toFixed(0) : "-"} ms, logged after ${tLog >= 0 ? (tLog - t0).toFixed(0) : "-"} ms`);
    const r0 = performance.now();
    await t.birds.node.restart();
    await waitReady(d, `daemon /readyz 200 after node BIRD restart ${k + 1}`, 60_000);
    backReady.push(performance.now() - r0);
    await waitForBgp(t.birds.node, t.sessions.node);
  }
  const lEnd = load();
  const series = (name: string, xs: number[], goal?: number): BenchRow =>
    xs.length === 0 ? { name: `${name}: none`, value: 0 } : { name: `${name} (ms, ${xs.length})`, ms: xs, ...(goal !== undefined ? { goal: `worst case: ${goalText(Math.max(...xs), goal, " ms")}` } : {}) };
  return [
    { name: `## (3) BIRD stopped after ${QUIET_MS / 1000} s quiet, ${STOPS}x; load ${lStart} -> ${lEnd}; lost`, value: lost },
    series("(3) BIRD stop (SIGTERM) -> BIRD exited (its own shutdown)", birdExit),
    series("(3) BIRD stop -> /readyz 503", to503, 3000),
    series("    BIRD exited -> /readyz 503 (the daemon's part)", exitTo503),
    series(`(3) BIRD stop -> "observation incomplete" logged`, toLog, 3000),
    series("(3) BIRD restart -> /readyz 200 again", backReady),
  ];
}

/**
 * Runs (1), (2) and (3) in one two-uplink lab. Returns the table rows (empty, with a warning,
 * without lab support).
 */
export async function benchSmallNode(): Promise<BenchRow[]> {
  const support = checkLabSupport();
  if (!support.ok) {
    warn(`skipped: ${support.reason}`);
    return [];
  }
  await ensureBuilt();
  const rows: BenchRow[] = [];
  await withTwoUplinkLab("small", async (t) => {
    // BIRD logs every control command (for the daemon's poll pace in (2)); no route changes.
    await t.birds.node.configure(`debug commands 2;\n${t.configs.node}`);
    const cfg = join(t.lab.dir, "small.yaml");
    writeFileSync(cfg, smallConfig(t));
    log("(1) command start-up");
    rows.push(...await benchStartup(t, cfg));
    let d: Daemon | undefined;
    try {
      const s = performance.now();
      d = await startDaemon(cfg);
      await waitReady(d, "daemon /readyz 200 after start", 120_000);
      const readyMs = performance.now() - s;
      log(`daemon ready in ${readyMs.toFixed(0)} ms`);
      const first = await benchIdle(t, d, readyMs);
      rows.push(...first.rows);
      if (DAEMON_RUNS > 1) {
        // The goal is a median: more daemons, one after another, each measured the same way.
        await stopDaemon(d);
        d = undefined;
        const runs: { rssMB: number; cpuPct: number }[] = [first];
        for (let k = 2; k <= DAEMON_RUNS; k++) {
          log(`(2) daemon run ${k}/${DAEMON_RUNS}`);
          runs.push(await idleOnce(cfg));
        }
        const rss = runs.map((r) => r.rssMB);
        const cpu = runs.map((r) => r.cpuPct);
        rows.push(
          { name: `(2) daemon RSS at the end, ${DAEMON_RUNS} daemons, node ${DAEMON_FLAGS || "(no flags)"} (MB)`, ms: rss, goal: goalText(median(rss), 60, " MB") },
          { name: `(2) daemon idle CPU % of a core, ${DAEMON_RUNS} daemons`, ms: cpu, goal: goalText(median(cpu), 0.2, " %") },
        );
        d = await startDaemon(cfg);
        await waitReady(d, "daemon /readyz 200 after start (for (3))", 120_000);
      }
      log(`(3) ${STOPS} BIRD stops`);
      rows.push(...await benchBirdDown(t, d));
    } finally {
      await stopDaemon(d);
    }
  });
  return rows;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === THIS_FILE) {
  process.stdout.write(`small-node bench  ${new Date().toISOString()}  node ${process.version}  load ${load()}\n`);
  process.stdout.write(formatTable(await benchSmallNode()));
}
