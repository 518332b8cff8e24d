// `fibwarden bird [--socket PATH] [--raw] <command words>`: like birdc, but structured. Prints the
// parsed reply as JSON (routes stream one JSON object per line), or the raw reply with --raw.
import { parseArgs } from "node:util";
import { BirdClient } from "../adapters/bird/client.js";
import { showProtocols, showRouteCount, showStatus, streamRoutes } from "../adapters/bird/queries.js";
import { ReplyConsumer } from "../core/bird/consumer.js";
import { MemoryParser } from "../core/bird/memory.js";
import { FibwardenError } from "../core/errors.js";

/** Writes every reply line as BIRD sent it (code, separator, text). */
class RawPrinter extends ReplyConsumer {
  constructor(private readonly write: (s: string) => void) { super(); }
  protected onLine(code: number, text: string): void { this.write(`${String(code).padStart(4, "0")} ${text}\n`); }
  protected onFinal(code: number, text: string): void { if (code < 1000) this.write(`${String(code).padStart(4, "0")} ${text}\n`); }
}

const DEFAULT_SOCKET = "/run/bird/bird.ctl";

/** Runs `fibwarden bird ...`; returns the exit code. */
export async function runBirdCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      socket: { type: "string", short: "s" },
      raw: { type: "boolean", default: false },
      family: { type: "string" },
      timeout: { type: "string" },
    },
    allowPositionals: true,
  });
  const words = positionals;
  if (words.length === 0) {
    err("usage: fibwarden bird [--socket PATH] [--raw] [--family 4|6] <show ...>\n");
    return 1;
  }
  const command = words.join(" ");
  const socketPath = values.socket ?? process.env.FIBWARDEN_BIRD_SOCKET ?? DEFAULT_SOCKET;
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  const client = new BirdClient({ socketPath, ...(timeout ? { replyTimeoutMs: timeout } : {}) });
  const family = values.family === "6" ? 6 : values.family === "4" ? 4 : undefined;
  try {
    if (values.raw) {
      await client.request(command, new RawPrinter(out));
      return 0;
    }
    const json = (v: unknown): void => out(`${JSON.stringify(v, null, 2)}\n`);
    if (/^show status$/.test(command)) json(await showStatus(client));
    else if (/^show protocols( all)?( \S+)?$/.test(command)) json(await showProtocols(client, command.includes(" all"), family));
    else if (/^show route( .*)? count$/.test(command) || command === "show route count") json(await showRouteCount(client));
    else if (/^show memory$/.test(command)) json((await client.request(command, new MemoryParser())).result);
    else if (command.startsWith("show route")) {
      // One JSON object per line: a full table is never held in memory.
      const n = await streamRoutes(client, command, (r) => out(`${JSON.stringify(r)}\n`));
      err(`${n} routes\n`);
    } else {
      err(`fibwarden bird: no parser for "${command}"; use --raw\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    const code = e instanceof FibwardenError ? e.code : "FW_UNKNOWN";
    err(`fibwarden bird: ${code}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    client.close();
  }
}
