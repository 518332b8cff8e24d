/** Synchronous teardown, usable from `process.on("exit")`, signal handlers and the stale sweep. */
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const SYNC_TIMEOUT_MS = 10_000;
const KILL_WAIT_STEPS = 50;
const KILL_WAIT_STEP_MS = 20;

/** Lists the network namespaces known to `ip netns` (names only). */
export function listNamespacesSync(): string[] {
  const out = spawnSync("ip", ["netns", "list"], { encoding: "utf8", timeout: SYNC_TIMEOUT_MS });
  if (out.status !== 0) return [];
  return out.stdout.split("\n").map((line) => line.trim().split(/\s+/)[0] ?? "").filter((n) => n.length > 0);
}

/** Lists the pids of processes running inside `namespace`. */
export function listNamespacePidsSync(namespace: string): number[] {
  const out = spawnSync("ip", ["netns", "pids", namespace], { encoding: "utf8", timeout: SYNC_TIMEOUT_MS });
  if (out.status !== 0) return [];
  return out.stdout.split(/\s+/).map(Number).filter((n) => Number.isInteger(n) && n > 1);
}

/** Sends SIGKILL to every process in the namespaces, then waits (bounded) for them to go. */
export function killNamespaceProcessesSync(namespaces: readonly string[]): void {
  const pids = namespaces.flatMap(listNamespacePidsSync).filter((pid) => pid !== process.pid);
  for (const pid of pids) killQuietly(pid);
  waitForExitSync(pids);
}

/** Kills BIRD processes whose pid file lives under `dir` and whose command line names `dir`. */
export function killPidFileProcessesSync(dir: string): void {
  const pids: number[] = [];
  for (const file of findPidFiles(dir)) {
    const pid = Number(readQuietly(file).trim());
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    const cmdline = readQuietly(`/proc/${pid}/cmdline`).split("\0").join(" ");
    if (cmdline.includes(dir)) pids.push(pid);
  }
  for (const pid of pids) killQuietly(pid);
  waitForExitSync(pids);
}

/** Deletes each namespace that still exists; a missing one is not an error. */
export function deleteNamespacesSync(namespaces: readonly string[]): string[] {
  const present = new Set(listNamespacesSync());
  const failures: string[] = [];
  for (const ns of namespaces) {
    if (!present.has(ns)) continue;
    const out = spawnSync("ip", ["netns", "delete", ns], { encoding: "utf8", timeout: SYNC_TIMEOUT_MS });
    if (out.status !== 0) failures.push(`${ns}: ${out.stderr.trim()}`);
  }
  return failures;
}

/** Full teardown of one lab: its processes, its namespaces, then its directory. */
export function teardownLabSync(dir: string, namespaces: readonly string[]): string[] {
  killPidFileProcessesSync(dir);
  killNamespaceProcessesSync(namespaces);
  const failures = deleteNamespacesSync(namespaces);
  rmSync(dir, { recursive: true, force: true });
  return failures;
}

function findPidFiles(dir: string): string[] {
  const files: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return files;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (entry.endsWith(".pid")) files.push(path);
    else if (!entry.includes(".")) {
      try {
        for (const inner of readdirSync(path)) if (inner.endsWith(".pid")) files.push(join(path, inner));
      } catch {
        // not a directory
      }
    }
  }
  return files;
}

function readQuietly(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function isRunning(pid: number): boolean {
  const stat = readQuietly(`/proc/${pid}/stat`);
  if (stat === "") return false;
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

function waitForExitSync(pids: readonly number[]): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let step = 0; step < KILL_WAIT_STEPS && pids.some(isRunning); step++) {
    Atomics.wait(pause, 0, 0, KILL_WAIT_STEP_MS);
  }
}
