// Reads and writes files under /proc/sys/net/ipv4/conf, on the host or inside a namespace.
//
// /proc/sys/net resolves against the network namespace of the task that opens the file, and
// Node cannot setns(2); so inside a namespace a process runs under `ip netns exec NAME` (the same
// /run/netns/NAME that `ip -n NAME` uses): one process per read or write pass, never a shell. The
// read of every interface's files (each full pass) is GNU grep, `grep -r -H -Z -e "" --include=N
// CONF_DIR`, one line per file (path NUL value) and one stderr line per file it could not read;
// about 10 ms where a Node process takes 110-140 ms of CPU beside the kernel dump. Everything else
// (writes, single reads) is a tiny Node helper driven by one JSON request on stdin. On the host
// the same operations run in-process. Paths are built by the caller from validated names; the
// helper checks the prefix again and refuses anything else.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { execa } from "execa";
import { FibwardenError } from "../core/errors.js";

/** The directory every path must be under. */
export const CONF_DIR = "/proc/sys/net/ipv4/conf/";

/** One pass of file operations: writes first, then reads, then (optionally) the directory listing. */
export interface ProcRequest {
  list: boolean;
  writes: Array<[path: string, text: string]>;
  reads: string[];
  /**
   * With `list`: these file names read in every listed directory (one pass where a listing and
   * then a read of what it listed took two, two helper processes in a namespace).
   */
  readEach?: string[];
}

/** The outcome of each operation of a request, in request order. */
export interface ProcResponse {
  list?: string[];
  /** With `readEach`: per listed entry (in listing order), each file's outcome in `readEach` order. */
  each?: Array<Array<{ text?: string; error?: string }>>;
  writes: Array<{ error?: string }>;
  reads: Array<{ text?: string; error?: string }>;
}

/** Where the files live: the caller's namespace, or a named one reached with `ip netns exec`. */
export interface ProcTarget {
  netns?: string;
  ipPath: string;
  timeoutMs: number;
}

/** True when `path` is a file directly under an interface directory of CONF_DIR. */
export function isConfPath(path: string): boolean {
  if (!path.startsWith(CONF_DIR)) return false;
  const parts = path.slice(CONF_DIR.length).split("/");
  return parts.length === 2 && parts.every((p) => p !== "" && p !== "." && p !== "..");
}

const errorText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err.code ?? err.message ?? String(e);
};

async function exchangeHere(req: ProcRequest): Promise<ProcResponse> {
  const out: ProcResponse = { writes: [], reads: [] };
  for (const [path, text] of req.writes) {
    if (!isConfPath(path)) { out.writes.push({ error: "refused path" }); continue; }
    try { await writeFile(path, text); out.writes.push({}); } catch (e) { out.writes.push({ error: errorText(e) }); }
  }
  for (const path of req.reads) {
    if (!isConfPath(path)) { out.reads.push({ error: "refused path" }); continue; }
    try { out.reads.push({ text: await readFile(path, "utf8") }); } catch (e) { out.reads.push({ error: errorText(e) }); }
  }
  if (req.list) out.list = await readdir(CONF_DIR);
  if (req.list && req.readEach !== undefined) {
    out.each = [];
    for (const entry of out.list ?? []) {
      const texts: Array<{ text?: string; error?: string }> = [];
      for (const name of req.readEach) {
        const path = `${CONF_DIR}${entry}/${name}`;
        if (!isConfPath(path)) { texts.push({ error: "refused path" }); continue; }
        try { texts.push({ text: await readFile(path, "utf8") }); } catch (e) { texts.push({ error: errorText(e) }); }
      }
      out.each.push(texts);
    }
  }
  return out;
}

// The helper run inside the namespace: CommonJS for `node -e`, no dependencies, same checks.
const HELPER = `
const fs = require("fs");
const DIR = ${JSON.stringify(CONF_DIR)};
const ok = (p) => typeof p === "string" && p.startsWith(DIR) && (() => {
  const parts = p.slice(DIR.length).split("/");
  return parts.length === 2 && parts.every((x) => x !== "" && x !== "." && x !== "..");
})();
const err = (e) => String((e && (e.code || e.message)) || e);
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => { input += c; });
process.stdin.on("end", () => {
  const req = JSON.parse(input);
  const out = { writes: [], reads: [] };
  for (const [p, t] of req.writes) {
    if (!ok(p)) { out.writes.push({ error: "refused path" }); continue; }
    try { fs.writeFileSync(p, t); out.writes.push({}); } catch (e) { out.writes.push({ error: err(e) }); }
  }
  for (const p of req.reads) {
    if (!ok(p)) { out.reads.push({ error: "refused path" }); continue; }
    try { out.reads.push({ text: fs.readFileSync(p, "utf8") }); } catch (e) { out.reads.push({ error: err(e) }); }
  }
  if (req.list) out.list = fs.readdirSync(DIR);
  if (req.list && Array.isArray(req.readEach)) {
    out.each = out.list.map((entry) => req.readEach.map((name) => {
      const p = DIR + entry + "/" + name;
      if (!ok(p)) return { error: "refused path" };
      try { return { text: fs.readFileSync(p, "utf8") }; } catch (e) { return { error: err(e) }; }
    }));
  }
  process.stdout.write(JSON.stringify(out));
});
`;

async function exchangeInNamespace(target: ProcTarget & { netns: string }, req: ProcRequest): Promise<ProcResponse> {
  const argv = ["netns", "exec", target.netns, process.execPath, "-e", HELPER];
  const command = `${target.ipPath} netns exec ${target.netns} node -e <sysctl helper>`;
  const r = await execa(target.ipPath, argv, {
    reject: false,
    cleanup: false, // see src/adapters/kernel/ip-command.ts
    input: JSON.stringify(req),
    timeout: target.timeoutMs,
    forceKillAfterDelay: 2_000,
    // The helper must not inherit loaders or flags meant for this process (vitest, tsx).
    env: { NODE_OPTIONS: "", LC_ALL: "C" },
  });
  if (r.failed) {
    const why = r.timedOut ? `timed out after ${target.timeoutMs} ms` : r.exitCode !== undefined ? `exited with ${r.exitCode}` : r.shortMessage;
    throw new FibwardenError("FW_SYSCTL", `\`${command}\` ${why}${r.stderr ? `: ${String(r.stderr).trim()}` : ""}`, {
      cause: r, retryable: r.timedOut, details: { command, netns: target.netns },
    });
  }
  try {
    return JSON.parse(String(r.stdout)) as ProcResponse;
  } catch (cause) {
    throw new FibwardenError("FW_SYSCTL", `\`${command}\`: unreadable helper output`, { cause, details: { command } });
  }
}

/** The grep that reads every interface's files in a namespace (argv, no shell). */
export function grepEachArgv(names: readonly string[]): string[] {
  for (const n of names) {
    if (!/^[a-z_]+$/.test(n)) throw new FibwardenError("FW_INVALID_TOKEN", `sysctl.name: ${JSON.stringify(n)}`);
  }
  return ["-r", "-H", "-Z", ...names.map((n) => `--include=${n}`), "-e", "", "--", CONF_DIR];
}

/** grep's own text for a file that is not there (LC_ALL=C), and the code the Node paths report. */
const GREP_ENOENT = "No such file or directory";

/**
 * The response of a list+readEach request from the output of `grepEachArgv(names)`: stdout has
 * `PATH\0LINE\n` per line of each file read; stderr `grep: PATH: MESSAGE` per file grep could
 * not read. The listing is every directory named in either. A file named in neither is reported
 * as ENOENT, as the Node paths report a file that vanished (an interface gone between listing and
 * read: readSysctls skips it). Anything else in either stream, or a path outside an interface
 * directory, throws FW_SYSCTL: the read is not trusted in part.
 */
export function parseGrepEach(names: readonly string[], stdout: string, stderr: string, command: string): ProcResponse {
  const texts = new Map<string, Map<string, { text?: string; error?: string }>>();
  const bad = (why: string): never => {
    throw new FibwardenError("FW_SYSCTL", `\`${command}\`: ${why}`, { details: { command } });
  };
  const place = (path: string): [string, string] => {
    if (!isConfPath(path)) bad(`unexpected path ${JSON.stringify(path)}`);
    const [entry, name] = path.slice(CONF_DIR.length).split("/") as [string, string];
    if (!names.includes(name)) bad(`a file it was not asked for: ${JSON.stringify(path)}`);
    if (!texts.has(entry)) texts.set(entry, new Map());
    return [entry, name];
  };
  if (stdout !== "" && !stdout.endsWith("\n")) bad("output ends mid-line");
  for (const line of stdout === "" ? [] : stdout.slice(0, -1).split("\n")) {
    const nul = line.indexOf("\0");
    if (nul < 0) bad(`a line without a file name: ${JSON.stringify(line.slice(0, 80))}`);
    const [entry, name] = place(line.slice(0, nul));
    const files = texts.get(entry)!;
    const prior = files.get(name)?.text;
    files.set(name, { text: `${prior ?? ""}${line.slice(nul + 1)}\n` });
  }
  for (const line of stderr.split("\n")) {
    if (line === "") continue;
    const m = /^grep: (\/.*): ([^:]+)$/.exec(line);
    if (m === null) bad(`unexpected message ${JSON.stringify(line.slice(0, 200))}`);
    const [entry, name] = place(m![1]!);
    texts.get(entry)!.set(name, { error: m![2] === GREP_ENOENT ? "ENOENT" : m![2]! });
  }
  const list = [...texts.keys()];
  return {
    list,
    each: list.map((entry) => names.map((name) => texts.get(entry)!.get(name) ?? { error: "ENOENT" })),
    writes: [],
    reads: [],
  };
}

async function readEachInNamespace(target: ProcTarget & { netns: string }, names: readonly string[]): Promise<ProcResponse> {
  const args = grepEachArgv(names);
  const command = `${target.ipPath} netns exec ${target.netns} grep ${args.map((a) => (a === "" ? '""' : a)).join(" ")}`;
  const r = await execa(target.ipPath, ["netns", "exec", target.netns, "grep", ...args], {
    reject: false,
    cleanup: false, // see src/adapters/kernel/ip-command.ts
    timeout: target.timeoutMs,
    forceKillAfterDelay: 2_000,
    stripFinalNewline: false,
    env: { LC_ALL: "C" },
  });
  // grep: 0 lines read, 1 none, 2 some file unreadable (each named on stderr; a message of any
  // other shape, e.g. `ip netns exec`'s own, fails the parse). Any other exit is `ip netns exec`
  // failing (no such namespace, no grep) or a signal.
  const grepAnswered = r.exitCode === 0 || r.exitCode === 1 || r.exitCode === 2;
  if (!grepAnswered || r.timedOut || r.isTerminated) {
    const why = r.timedOut ? `timed out after ${target.timeoutMs} ms` : r.exitCode !== undefined ? `exited with ${r.exitCode}` : r.shortMessage;
    throw new FibwardenError("FW_SYSCTL", `\`${command}\` ${why}${r.stderr ? `: ${String(r.stderr).trim()}` : ""}`, {
      cause: r, retryable: r.timedOut, details: { command, netns: target.netns },
    });
  }
  return parseGrepEach(names, String(r.stdout ?? ""), String(r.stderr ?? ""), command);
}

/** Runs one request of file operations in the target's namespace. */
export async function exchangeProcFiles(target: ProcTarget, req: ProcRequest): Promise<ProcResponse> {
  if (target.netns === undefined) {
    try {
      return await exchangeHere(req);
    } catch (cause) {
      throw new FibwardenError("FW_SYSCTL", `reading ${CONF_DIR} failed: ${errorText(cause)}`, { cause });
    }
  }
  const ns = { ...target, netns: target.netns };
  if (req.list && req.readEach !== undefined && req.writes.length === 0 && req.reads.length === 0) {
    return readEachInNamespace(ns, req.readEach);
  }
  return exchangeInNamespace(ns, req);
}
