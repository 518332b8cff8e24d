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
import { mkdtemp, open, rmdir, statfs, unlink, type FileHandle } from "node:fs/promises";
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
  writer: FileHandle;
  reader: FileHandle;
}

/** Creates an unlinked file open for writing and for reading; undefined when that is not possible. */
async function createSpool(dir: string, minFreeBytes: number): Promise<Spool | undefined> {
  let folder: string | undefined;
  let writer: FileHandle | undefined;
  try {
    const fs = await statfs(dir);
    if (fs.bavail * fs.bsize < minFreeBytes) return undefined;
    folder = await mkdtemp(join(dir, "fibwarden-"));
    const path = join(folder, "dump.json");
    writer = await open(path, "wx", 0o600);
    const reader = await open(path, "r");
    await unlink(path);
    await rmdir(folder);
    return { writer, reader };
  } catch {
    await writer?.close().catch(() => undefined);
    if (folder !== undefined) {
      await unlink(join(folder, "dump.json")).catch(() => undefined);
      await rmdir(folder).catch(() => undefined);
    }
    return undefined;
  }
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
    sub = spawnIp(ctx, args, spool.writer.fd, opts);
  } finally {
    await spool.writer.close(); // the child holds its own copy
  }
  let exited = false;
  const done = sub.then(() => { exited = true; }, () => { exited = true; });
  const buf = Buffer.allocUnsafe(BLOCK);
  try {
    // Bounded: `ip` is killed at ctx.timeoutMs, after which the file stops growing.
    for (;;) {
      const wasExited = exited;
      const { bytesRead } = await spool.reader.read(buf, 0, BLOCK, null);
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
  const spool = await createSpool(opts.spoolDir ?? tmpdir(), Math.max(MIN_FREE_BYTES, 2 * (lastDumpBytes.get(key) ?? 0)));
  let stderr: string;
  if (spool === undefined) {
    stderr = await streamFromPipe(ctx, args, counting, opts);
  } else {
    try {
      stderr = await streamFromSpool(spool, ctx, args, counting, opts);
    } finally {
      await spool.reader.close();
    }
  }
  if (lastDumpBytes.size > 64) lastDumpBytes.clear();
  lastDumpBytes.set(key, bytes);
  return stderr;
}
