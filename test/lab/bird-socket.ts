/** Minimal BIRD control-socket client for tests: one connection per command, bounded in time. */
import { createConnection } from "node:net";

/** Default time limit for one control-socket exchange. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;
const MAX_REPLY_BYTES = 16 * 1024 * 1024;
const FINAL_LINE = /^\d{4} /;

/** Sends `command` to the BIRD socket at `socketPath` and returns the raw reply (without greeting). */
export function queryBird(socketPath: string, command: string, timeoutMs = DEFAULT_QUERY_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path: socketPath });
    let buffer = "";
    let greeted = false;
    let reply = "";
    let settled = false;
    const finish = (err: Error | null, value = ""): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => {
      finish(new Error(`lab: BIRD socket ${socketPath} did not answer "${command}" within ${timeoutMs} ms; got: ${reply || buffer}`));
    }, timeoutMs);
    socket.setEncoding("utf8");
    socket.on("error", (err) => finish(new Error(`lab: BIRD socket ${socketPath}: ${err.message}`)));
    socket.on("close", () => finish(new Error(`lab: BIRD socket ${socketPath} closed before the reply ended; got: ${reply || buffer}`)));
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REPLY_BYTES) {
        finish(new Error(`lab: BIRD reply to "${command}" exceeds ${MAX_REPLY_BYTES} bytes`));
        return;
      }
      let newline = buffer.indexOf("\n");
      while (newline >= 0 && !settled) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!greeted) {
          if (FINAL_LINE.test(line)) {
            greeted = true;
            socket.write(`${command}\n`);
          }
        } else if (!line.startsWith("+")) {
          reply += `${line}\n`;
          if (FINAL_LINE.test(line)) finish(null, reply);
        }
        newline = buffer.indexOf("\n");
      }
    });
  });
}

/** One row of `show protocols`. */
export interface ProtocolRow {
  name: string;
  proto: string;
  table: string;
  state: string;
  /** Everything after the Since column, e.g. "Established" or "Active  Socket: Connection refused". */
  info: string;
}

/** Parses the rows of a `show protocols` reply (BIRD 2 layout). */
export function parseProtocols(reply: string): ProtocolRow[] {
  const rows: ProtocolRow[] = [];
  for (const raw of reply.split("\n")) {
    let line: string;
    if (raw.startsWith("1002-") || raw.startsWith("1002 ")) line = raw.slice(5);
    else if (raw.startsWith(" ")) line = raw.slice(1);
    else continue;
    const cols = line.trim().split(/\s+/);
    const [name, proto, table, state] = cols;
    if (name === undefined || proto === undefined || table === undefined || state === undefined) continue;
    // cols[4] (and cols[5] for "YYYY-MM-DD hh:mm:ss" time formats) is Since; the rest is Info.
    const sinceWidth = /^\d{4}-\d{2}-\d{2}$/.test(cols[4] ?? "") ? 2 : 1;
    rows.push({ name, proto, table, state, info: cols.slice(4 + sinceWidth).join(" ") });
  }
  return rows;
}
