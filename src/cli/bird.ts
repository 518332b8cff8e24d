// `fibwarden bird [--socket PATH] [--raw] <command words>`: like birdc, but structured. Prints the
// parsed reply as JSON (routes stream one JSON object per line), or the raw reply with --raw.
// Every word reaches BIRD (or the parser that matches it exactly, bird-command.ts); a shape no
// parser represents is refused with FW_INVALID_TOKEN and exit 1, never answered with another.
import { parseArgs } from "node:util";
import { BirdClient } from "../adapters/bird/client.js";
import { showNamedProtocol, showProtocols, showRouteCount, showStatus, streamRoutes } from "../adapters/bird/queries.js";
import { ReplyConsumer } from "../core/bird/consumer.js";
import { MemoryParser } from "../core/bird/memory.js";
import { FibwardenError } from "../core/errors.js";
import { matchBirdCommand, type BirdCliCommand } from "./bird-command.js";

/** Writes every reply line as BIRD sent it (code, separator, text). */
class RawPrinter extends ReplyConsumer {
  constructor(private readonly write: (s: string) => void) { super(); }
  protected onLine(code: number, text: string): void { this.write(`${String(code).padStart(4, "0")} ${text}\n`); }
  protected onFinal(code: number, text: string): void { if (code < 1000) this.write(`${String(code).padStart(4, "0")} ${text}\n`); }
}

const DEFAULT_SOCKET = "/run/bird/bird.ctl";

const USAGE = "usage: fibwarden bird [--socket PATH] [--raw] [--family 4|6] [--timeout MS] <show ...>\n"
  + "  parsed: show status | show memory | show protocols [all] [NAME] | show route [...] [count]\n";

/** Runs `fibwarden bird ...`; returns the exit code. */
export async function runBirdCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        socket: { type: "string", short: "s" },
        raw: { type: "boolean", default: false },
        family: { type: "string" },
        timeout: { type: "string" },
      },
      allowPositionals: true,
    });
  } catch (e) {
    err(`fibwarden bird: ${(e as Error).message}\n${USAGE}`);
    return 1;
  }
  const { values, positionals: words } = parsed;
  if (words.length === 0) {
    err(USAGE);
    return 1;
  }
  if (values.family !== undefined && values.family !== "4" && values.family !== "6") {
    err(`fibwarden bird: FW_INVALID_TOKEN: --family must be 4 or 6, not ${JSON.stringify(values.family)}\n`);
    return 1;
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    err(`fibwarden bird: FW_INVALID_TOKEN: --timeout must be a positive number of milliseconds, not ${JSON.stringify(values.timeout)}\n`);
    return 1;
  }
  const family = values.family === "6" ? 6 : values.family === "4" ? 4 : undefined;
  let client: BirdClient | undefined;
  try {
    // every word is either passed to BIRD as typed (--raw) or matched to a parser that answers exactly it
    const matched = values.raw ? undefined : matchBirdCommand(words);
    const socketPath = values.socket ?? process.env.FIBWARDEN_BIRD_SOCKET ?? DEFAULT_SOCKET;
    client = new BirdClient({ socketPath, ...(timeout !== undefined ? { replyTimeoutMs: timeout } : {}) });
    if (matched === undefined) {
      await client.request(words.join(" "), new RawPrinter(out));
      return 0;
    }
    await answer(client, matched, family, out, err);
    return 0;
  } catch (e) {
    const code = e instanceof FibwardenError ? e.code : "FW_UNKNOWN";
    err(`fibwarden bird: ${code}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    client?.close();
  }
}

/** Sends the matched command and prints its parsed reply. */
async function answer(client: BirdClient, c: BirdCliCommand, family: 4 | 6 | undefined, out: (s: string) => void, err: (s: string) => void): Promise<void> {
  const json = (v: unknown): void => out(`${JSON.stringify(v, null, 2)}\n`);
  switch (c.kind) {
    case "status":
      json(await showStatus(client));
      return;
    case "memory":
      json((await client.request(c.command, new MemoryParser())).result);
      return;
    case "protocols":
      // the same JSON shape with or without a name: an array, holding only NAME when one is given
      json(c.name === undefined ? await showProtocols(client, c.all, family) : [await showNamedProtocol(client, c.name, c.all, family)]);
      return;
    case "route-count":
      json(await showRouteCount(client, { command: c.command }));
      return;
    case "routes": {
      // One JSON object per line: a full table is never held in memory.
      const n = await streamRoutes(client, c.command, (r) => out(`${JSON.stringify(r)}\n`));
      err(`${n} routes\n`);
    }
  }
}
