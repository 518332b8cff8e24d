// Streams the stdout of a big `ip` dump into a parser while `ip` is still running.
//
// Why a spool file and not a pipe: iproute2 flushes stdout after every route (one write(2) of
// ~100 bytes per route). Into a pipe or a socket, each of those writes wakes the reader, and a
// 1M-route dump took 2.5-4x as long as into /dev/null; into a file it costs little, because
// nothing is woken. So `ip` writes into an unlinked file in a private temporary directory, and
// we read that file as it grows, parsing each block while `ip` keeps dumping. When no spool can
// be created (read-only tmpdir, or too little free space) the output goes through a pipe.
//
// Free space matters: iproute2 ignores write errors, so a spool that fills up mid-dump could
// silently lose routes (or, at the end, the closing bracket, which the parser would catch). The
// spool is only used when the file system has room for twice the previous dump of the same
// command (and at least MIN_FREE_BYTES).
import { closeSync, mkdtempSync, openSync, read, rmdirSync, statfsSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import type { ErrorCode } from "../../core/errors.js";
import { describeIp, ipArgv, toIpError, type IpContext } from "./ip-command.js";

/** Options of a streamed run. */
export interface StreamOptions {
  code: ErrorCode;
  /** Directory for the spool file (default: the OS temporary directory). */
  spoolDir?: string;
  signal?: AbortSignal;
}

const BLOCK = 1 << 20;
const POLL_MS = 2;
const MIN_FREE_BYTES = 64 * 1024 * 1024;
/** Size of the last dump of each command (a handful of keys: one per family and namespace). */
const lastDumpBytes = new Map<string, number>();

interface Spool {
  writer: number;
  reader: number;
}

/**
 * Creates an unlinked file open for writing and for reading; undefined when that is not possible.
 * Synchronous (a handful of local file system calls): the dump's `ip` is then spawned in the
 * caller's tick, before the smaller reads a pass starts beside it (awaiting each call here let
 * those go first: the route dump started ~120 ms late at 100k routes).
 */
function createSpool(dir: string, minFreeBytes: number): Spool | undefined {
  let folder: string | undefined;
  let writer: number | undefined;
  let reader: number | undefined;
  try {
    const fs = statfsSync(dir);
    if (fs.bavail * fs.bsize < minFreeBytes) return undefined;
    folder = mkdtempSync(join(dir, "fibwarden-"));
    const path = join(folder, "dump.json");
    writer = openSync(path, "wx", 0o600);
    reader = openSync(path, "r");
    unlinkSync(path);
    rmdirSync(folder);
    return { writer, reader };
  } catch {
    for (const fd of [writer, reader]) {
      try { if (fd !== undefined) closeSync(fd); } catch { /* already gone */ }
    }
    if (folder !== undefined) {
      try { unlinkSync(join(folder, "dump.json")); } catch { /* not created */ }
      try { rmdirSync(folder); } catch { /* not created */ }
    }
    return undefined;
  }
}

/** Reads up to a block from `fd` at its position; resolves with the bytes read (0 at its end for now). */
function readSome(fd: number, buf: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buf, 0, BLOCK, null, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

function spawnIp(ctx: IpContext, args: readonly string[], stdoutFd: number | undefined, opts: StreamOptions) {
  return execa(ctx.ipPath, ipArgv(ctx, args), {
    reject: false,
    cleanup: false, // see src/adapters/kernel/ip-command.ts
    stdin: "ignore",
    // A file descriptor of ours (the spool) or, when undefined, a pipe. execa documents "a file
    // descriptor integer" here; its types only list 1..9, hence the cast.
    stdout: (stdoutFd ?? "pipe") as "pipe",
    encoding: "buffer",
    timeout: ctx.timeoutMs,
    cancelSignal: opts.signal,
    forceKillAfterDelay: 2_000,
    maxBuffer: 1024 * 1024 * 1024,
    env: { LC_ALL: "C" },
  });
}

type Subprocess = ReturnType<typeof spawnIp>;

/** Waits for `ip` to exit; returns its stderr (a dump can succeed and still warn there). */
async function finish(sub: Subprocess, ctx: IpContext, args: readonly string[], opts: StreamOptions): Promise<string> {
  const r = await sub;
  const stderr = Buffer.from(r.stderr ?? new Uint8Array()).toString("utf8");
  if (r.failed) {
    throw toIpError(opts.code, describeIp(ctx, args), { ...r, stderr, code: (r.cause as NodeJS.ErrnoException | undefined)?.code }, r, ctx.timeoutMs);
  }
  return stderr;
}

async function streamFromSpool(spool: Spool, ctx: IpContext, args: readonly string[], onBytes: (b: Uint8Array) => void, opts: StreamOptions): Promise<string> {
  let sub: Subprocess;
  try {
    sub = spawnIp(ctx, args, spool.writer, opts);
  } finally {
    closeSync(spool.writer); // the child holds its own copy
  }
  let exited = false;
  const done = sub.then(() => { exited = true; }, () => { exited = true; });
  const buf = Buffer.allocUnsafe(BLOCK);
  try {
    // Bounded: `ip` is killed at ctx.timeoutMs, after which the file stops growing.
    for (;;) {
      const wasExited = exited;
      const bytesRead = await readSome(spool.reader, buf);
      if (bytesRead > 0) {
        onBytes(buf.subarray(0, bytesRead));
        continue;
      }
      if (wasExited) break; // exited before this read found nothing: the file is complete
      await Promise.race([done, sleep(POLL_MS)]);
    }
  } catch (err) {
    sub.kill();
    await done;
    throw err;
  }
  return finish(sub, ctx, args, opts);
}

async function streamFromPipe(ctx: IpContext, args: readonly string[], onBytes: (b: Uint8Array) => void, opts: StreamOptions): Promise<string> {
  const sub = spawnIp(ctx, args, undefined, opts);
  const r = await sub;
  if (!r.failed) onBytes(r.stdout);
  return finish(sub, ctx, args, opts);
}

/**
 * Runs `ip [-n NS] args...` and hands its stdout to `onBytes` block by block while it runs;
 * returns what `ip` wrote to stderr (empty on a clean run).
 */
export async function streamIpOutput(ctx: IpContext, args: readonly string[], onBytes: (b: Uint8Array) => void, opts: StreamOptions): Promise<string> {
  const key = describeIp(ctx, args);
  let bytes = 0;
  const counting = (b: Uint8Array): void => {
    bytes += b.length;
    onBytes(b);
  };
  const spool = createSpool(opts.spoolDir ?? tmpdir(), Math.max(MIN_FREE_BYTES, 2 * (lastDumpBytes.get(key) ?? 0)));
  let stderr: string;
  if (spool === undefined) {
    stderr = await streamFromPipe(ctx, args, counting, opts);
  } else {
    try {
      stderr = await streamFromSpool(spool, ctx, args, counting, opts);
    } finally {
      closeSync(spool.reader);
    }
  }
  if (lastDumpBytes.size > 64) lastDumpBytes.clear();
  lastDumpBytes.set(key, bytes);
  return stderr;
}
