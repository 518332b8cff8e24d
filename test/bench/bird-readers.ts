// The two ways the BIRD benchmark reads a reply: (a) a raw node:net read that only counts bytes
// and spots the final line (the floor), (b) fibwarden's BirdClient + streamRoutes.
import { createConnection } from "node:net";
import { BirdClient } from "../../src/adapters/bird/client.js";
import { streamRoutes } from "../../src/adapters/bird/queries.js";

/** Result of one read: wall time, this process's CPU time, and bytes (raw) or routes (fibwarden). */
export interface ReadResult {
  ms: number;
  cpuMs: number;
  bytes: number;
  routes: number;
}

/** CPU time (user + system) this process used since `since`, in ms. */
function cpuSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e3;
}

/** Longest time any single benchmark read may take. */
export const READ_TIMEOUT_MS = 300_000;

const NL = 10;
const TAIL_BYTES = 64;

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

/**
 * True when `tail` (the last bytes received) ends with a final reply line: 4 digits and a space
 * at the start of the last line, e.g. `0000 \n`. Looks at the tail only. `fromStart` says that
 * the tail holds everything since the command (or the connect), so its first byte starts a line.
 */
export function endsWithFinalLine(tail: Uint8Array, fromStart: boolean): boolean {
  const n = tail.length;
  if (n < 6 || tail[n - 1] !== NL) return false;
  let start = n - 2;
  while (start >= 0 && tail[start] !== NL) start--;
  if (start < 0 && !fromStart) return false; // the last line began before the tail: not a short final line
  start++;
  return isDigit(tail[start]) && isDigit(tail[start + 1]) && isDigit(tail[start + 2]) && isDigit(tail[start + 3]) && tail[start + 4] === 32;
}

/** Keeps the last TAIL_BYTES bytes seen across chunks. */
function nextTail(prev: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (chunk.length >= TAIL_BYTES) return chunk.subarray(chunk.length - TAIL_BYTES);
  const joined = new Uint8Array(Math.min(TAIL_BYTES, prev.length + chunk.length));
  const fromPrev = joined.length - chunk.length;
  joined.set(prev.subarray(prev.length - fromPrev), 0);
  joined.set(chunk, fromPrev);
  return joined;
}

/** (a) Connects, reads the greeting, sends `command` and counts reply bytes up to the final line. */
export function rawRead(socketPath: string, command: string, timeoutMs = READ_TIMEOUT_MS): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const socket = createConnection({ path: socketPath });
    let greeted = false;
    let bytes = 0;
    let tail: Uint8Array = new Uint8Array(0);
    let settled = false;
    const done = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners("data");
      socket.destroy();
      if (err) reject(err);
      else resolve({ ms: performance.now() - t0, cpuMs: cpuSince(c0), bytes, routes: 0 });
    };
    const timer = setTimeout(() => done(new Error(`raw read of "${command}" took over ${timeoutMs} ms (${bytes} bytes)`)), timeoutMs);
    socket.on("error", (err) => done(err));
    socket.on("close", () => done(new Error(`BIRD closed the socket during "${command}" after ${bytes} bytes`)));
    let greetingBytes = 0;
    socket.on("data", (chunk: Buffer) => {
      tail = nextTail(tail, chunk);
      if (!greeted) {
        greetingBytes += chunk.length;
        if (!endsWithFinalLine(tail, greetingBytes === tail.length)) return;
        greeted = true;
        tail = new Uint8Array(0);
        socket.write(`${command}\n`);
        return;
      }
      bytes += chunk.length;
      if (endsWithFinalLine(tail, bytes === tail.length)) done(undefined);
    });
  });
}

/** (b) fibwarden's read+parse: a fresh BirdClient, `streamRoutes`, routes counted and dropped. */
export async function fibwardenRead(socketPath: string, command: string, timeoutMs = READ_TIMEOUT_MS): Promise<ReadResult> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const client = new BirdClient({ socketPath, replyTimeoutMs: timeoutMs });
  try {
    const routes = await streamRoutes(client, command, () => undefined);
    return { ms: performance.now() - t0, cpuMs: cpuSince(c0), bytes: 0, routes };
  } finally {
    client.close();
  }
}
