#!/usr/bin/env node
// npm run test:stress: runs the README's test command (`npm test`) several times, each while a
// CPU hog keeps every core busy, and reports which tests failed. A test that waits for a fixed
// time instead of for its condition fails here first. Not part of `npm test`.
//
//   npm run test:stress                                  3 runs of `npm test`
//   npm run test:stress -- --runs 5                      5 runs
//   npm run test:stress -- --only test/integration       `npx vitest run test/integration` instead
//                          [--only test/e2e ...]         (repeatable; for development)
//   npm run test:stress -- --hog node                    Node busy loops even if stress-ng is there
//   npm run test:stress -- --run-timeout-min 90          bound of one run (default 60)
//   npm run test:stress -- --quiet                       do not stream the test output
//
// The hog is Debian's `stress-ng --cpu <nproc>` (installed by .ci/run), else one Node busy loop
// per core in child processes. It is stopped after every run, on exit, and on SIGINT/SIGTERM.
// Each run's output goes to a log file (printed at the start); vitest's JSON reporter gives the
// names of failed tests. A failure is one failed test in one run; a run that fails without a
// failed test (typecheck, lint, build, a crash, the run's time bound) counts as one failure.
// The last line is exactly `N runs, F failures`; the exit code is 0 when F is 0, 1 otherwise.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const MAX_RUNS = 100;
const KILL_GRACE_MS = 10_000;

/** Parses the command line; throws with a usage message on anything unknown. */
function parseArgs(argv) {
  const opts = { runs: 3, only: [], hog: "auto", runTimeoutMin: 60, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--runs") opts.runs = Number(value());
    else if (arg === "--only") opts.only.push(value());
    else if (arg === "--hog") opts.hog = value();
    else if (arg === "--run-timeout-min") opts.runTimeoutMin = Number(value());
    else if (arg === "--quiet") opts.quiet = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1 || opts.runs > MAX_RUNS) throw new Error(`--runs must be 1..${MAX_RUNS}`);
  if (!(opts.runTimeoutMin > 0 && opts.runTimeoutMin <= 24 * 60)) throw new Error("--run-timeout-min must be in (0, 1440]");
  if (!["auto", "stress-ng", "node"].includes(opts.hog)) throw new Error("--hog must be auto, stress-ng or node");
  return opts;
}

/** True when `stress-ng` runs here. */
function hasStressNg() {
  const r = spawnSync("stress-ng", ["--version"], { stdio: "ignore", timeout: 10_000 });
  return r.status === 0;
}

/** Starts the CPU hog (its own process group) for at most `seconds`; returns a stopper. */
function startHog(kind, cores, seconds) {
  const children = [];
  if (kind === "stress-ng") {
    children.push(spawn("stress-ng", ["--cpu", String(cores), "--timeout", `${seconds}s`, "--quiet"], { stdio: "ignore", detached: true }));
  } else {
    // A busy loop blocks its own timers: it checks the clock itself.
    const loop = `const end = Date.now() + ${seconds * 1000}; let x = 0; while (Date.now() < end) { for (let i = 0; i < 1e6; i++) x += i; }`;
    for (let i = 0; i < cores; i++) children.push(spawn(process.execPath, ["-e", loop], { stdio: "ignore", detached: true }));
  }
  return () => {
    for (const child of children) killGroup(child, "SIGKILL");
  };
}

/** Sends `signal` to the process group of `child` (started with detached: true). */
function killGroup(child, signal) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** The names of failed tests in vitest's JSON report, or undefined when there is no report. */
function readFailures(jsonPath) {
  if (!existsSync(jsonPath)) return undefined;
  let report;
  try {
    report = JSON.parse(readFileSync(jsonPath, "utf8"));
  } catch {
    return undefined;
  }
  const names = [];
  for (const file of report.testResults ?? []) {
    const where = relative(ROOT, file.name ?? "?");
    const failed = (file.assertionResults ?? []).filter((t) => t.status === "failed");
    for (const t of failed) names.push(`${where} > ${[...(t.ancestorTitles ?? []), t.title].join(" > ")}`);
    if (failed.length === 0 && file.status === "failed") names.push(`${where}: ${String(file.message ?? "failed").split("\n")[0]}`);
  }
  return names;
}

/** Failed tests named by the default reporter (`FAIL  file > suite > test`), when JSON is missing. */
function scrapeFailures(text) {
  const plain = text.replace(/\u001b\[[0-9;]*m/g, "");
  return [...new Set([...plain.matchAll(/^ FAIL {1,2}(.+)$/gm)].map((m) => m[1].trim()))];
}

/** Runs the test command once; resolves with its exit, wall time and failed tests. */
function runOnce(k, opts, logDir, stopping) {
  const jsonPath = join(logDir, `run-${k}.json`);
  const logPath = join(logDir, `run-${k}.log`);
  const reporterArgs = ["--reporter=default", "--reporter=json", `--outputFile=${jsonPath}`];
  const [cmd, args] = opts.only.length > 0
    ? ["npx", ["vitest", "run", ...opts.only, ...reporterArgs]]
    : ["npm", ["test", "--", ...reporterArgs]];
  const log = createWriteStream(logPath);
  const started = Date.now();
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } });
    stopping.current = child;
    let output = "";
    const onData = (chunk) => {
      log.write(chunk);
      output = (output + chunk.toString()).slice(-2_000_000);
      if (!opts.quiet) process.stdout.write(chunk);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, "SIGTERM");
      setTimeout(() => killGroup(child, "SIGKILL"), KILL_GRACE_MS).unref();
    }, opts.runTimeoutMin * 60_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      stopping.current = undefined;
      log.end();
      const wallMs = Date.now() - started;
      let failed = readFailures(jsonPath) ?? scrapeFailures(output);
      const exit = timedOut ? `timed out after ${opts.runTimeoutMin} min` : signal ? `killed by ${signal}` : `exit ${code}`;
      if (failed.length === 0 && (code !== 0 || timedOut)) failed = [`run ${k}: \`${[cmd, ...args.slice(0, args.indexOf(reporterArgs[0]))].join(" ")}\` ${exit} without a failed test (see ${logPath})`];
      resolveRun({ k, wallMs, exit, failed, logPath });
    });
  });
}

function formatMs(ms) {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const cores = availableParallelism();
  const hog = opts.hog === "auto" ? (hasStressNg() ? "stress-ng" : "node") : opts.hog;
  if (hog === "stress-ng" && !hasStressNg()) throw new Error("stress-ng is not installed (apt-get install stress-ng, or --hog node)");
  const logDir = mkdtempSync(join(tmpdir(), "fibwarden-stress-"));
  const command = opts.only.length > 0 ? `npx vitest run ${opts.only.join(" ")}` : "npm test";
  console.log(`test:stress: ${opts.runs} runs of \`${command}\`, each beside ${hog === "stress-ng" ? `stress-ng --cpu ${cores}` : `${cores} Node busy loops`}; logs in ${logDir}`);

  const stopping = { current: undefined, hog: undefined };
  const results = [];
  const summarize = () => {
    const failures = results.reduce((n, r) => n + r.failed.length, 0);
    const byName = new Map();
    for (const r of results) for (const name of r.failed) byName.set(name, [...(byName.get(name) ?? []), r.k]);
    for (const r of results) console.log(`run ${r.k}: ${formatMs(r.wallMs)}, ${r.exit}, ${r.failed.length} failed`);
    for (const [name, runs] of byName) console.log(`FAILED (run ${runs.join(", ")}): ${name}`);
    console.log(`${results.length} runs, ${failures} failures`);
    return failures;
  };
  const stopAll = () => {
    stopping.hog?.();
    if (stopping.current !== undefined) killGroup(stopping.current, "SIGKILL");
  };
  process.on("exit", stopAll);
  let interrupted = false;
  const finishInterrupted = () => {
    console.log(`test:stress: interrupted; ${results.length} of ${opts.runs} runs finished`);
    summarize();
    process.exit(130);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.log(`\ntest:stress: ${signal}: stopping the hog and the test run`);
      stopping.hog?.();
      const child = stopping.current;
      if (child === undefined) finishInterrupted();
      // SIGTERM first: the lab's exit hooks tear their namespaces down; SIGKILL after a grace.
      killGroup(child, "SIGTERM");
      setTimeout(() => { killGroup(child, "SIGKILL"); finishInterrupted(); }, KILL_GRACE_MS);
      child.once("close", finishInterrupted);
    });
  }

  for (let k = 1; k <= opts.runs && !interrupted; k++) {
    console.log(`\ntest:stress: run ${k}/${opts.runs} starting (${new Date().toISOString()})`);
    stopping.hog = startHog(hog, cores, opts.runTimeoutMin * 60 + 60);
    let result;
    try {
      result = await runOnce(k, opts, logDir, stopping);
    } finally {
      stopping.hog();
      stopping.hog = undefined;
    }
    results.push(result);
    console.log(`test:stress: run ${k}/${opts.runs}: ${formatMs(result.wallMs)}, ${result.exit}, ${result.failed.length} failed (log ${result.logPath})`);
  }
  console.log("");
  process.exitCode = summarize() === 0 ? 0 : 1;
}

main().catch((err) => {
  console.error(`test:stress: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
