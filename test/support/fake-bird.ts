// A fake BIRD control socket for unit tests: a real UNIX socket server (node:net) that replays
// the captured transcripts of test/fixtures/bird/<daemon>/ — `show route export kernel1` answers
// with `show-route-export-kernel1.txt`. Unknown commands get BIRD's syntax error reply.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturePath } from "./fixtures.js";

/** A running fake BIRD. */
export interface FakeBird {
  socketPath: string;
  /** Commands received, in order. */
  commands: string[];
  close(): Promise<void>;
}

/** Options: `hangOn` makes a command's reply stop after its first bytes (a hung BIRD). */
export interface FakeBirdOptions {
  hangOn?: string;
  /** With `hangOn`: how much of the reply is sent before it stops (default 40 characters; below 1, that share of it). */
  hangAfter?: number;
  /** Replace a command's reply with these bytes. */
  replies?: Record<string, string>;
  /**
   * Present this version string instead of the transcripts' (greeting and `show status`), as
   * calico-node's BIRD build does (`v0.3.3+birdv1.6.8`).
   */
  version?: string;
}

/** A transcript with BIRD's version string replaced in the greeting or `show status` line. */
function withVersion(text: string | undefined, version: string | undefined): string | undefined {
  if (text === undefined || version === undefined) return text;
  return text.replace(/^(0001 BIRD )\S+( ready\.)/m, `$1${version}$2`).replace(/^(1000-BIRD )\S+$/m, `$1${version}`);
}

/** Starts a fake BIRD replaying the transcripts of `daemon` (e.g. "bird-2.0.12"). */
export async function startFakeBird(daemon: string, options: FakeBirdOptions = {}): Promise<FakeBird> {
  const dir = mkdtempSync(join(tmpdir(), "fw-fakebird-"));
  const socketPath = join(dir, daemon.startsWith("bird6") ? "bird6.ctl" : "bird.ctl");
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const transcript = (name: string): string | undefined => {
    const p = fixturePath(`bird/${daemon}/${name}.txt`);
    return existsSync(p) ? readFileSync(p, "utf8") : undefined;
  };
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    sock.write(withVersion(transcript("greeting") ?? "0001 BIRD 2.0.12 ready.\n", options.version)!);
    let buf = "";
    sock.on("data", (chunk) => {
      buf += chunk.toString("utf8");
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const cmd = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        commands.push(cmd);
        if (cmd === "restrict") { sock.write("0016 Access restricted\n"); continue; }
        const reply = options.replies?.[cmd] ?? withVersion(transcript(cmd.replace(/ /g, "-").replace(/\//g, "_")), options.version) ?? "9001 syntax error, unexpected CF_SYM_UNDEFINED\n";
        const cut = options.hangAfter === undefined ? 40 : options.hangAfter < 1 ? Math.floor(reply.length * options.hangAfter) : options.hangAfter;
        sock.write(options.hangOn === cmd ? reply.slice(0, cut) : reply);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    commands,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
