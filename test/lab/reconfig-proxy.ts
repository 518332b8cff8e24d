/**
 * A pass-through proxy for a BIRD control socket that, when told to, answers as BIRD does while
 * it reconfigures: `show status` ends `0013 Reconfiguration in progress` (BIRD's own words while
 * `configuring` is set), and `show route ...` is cut short after a few lines with
 * `8004 Stopped due to reconfiguration` (what BIRD sends when a configuration change stops a
 * table walk). The daemon behind it is real; only those final lines are rewritten, and while the
 * proxy is `normal` every byte passes unchanged. Real reconfigurations are too brief to catch on
 * demand; this makes the window as long as the test needs.
 */
import { rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";

/** How the proxy answers. */
export type ReconfigMode = "normal" | "status-reconfiguring" | "routes-stopped";

/** A running proxy. */
export interface ReconfigProxy {
  socketPath: string;
  mode: ReconfigMode;
  close(): Promise<void>;
}

const FINAL = /^\d{4} /;
/** Data lines passed before a stopped route walk. */
const LINES_BEFORE_STOP = 3;

/** Rewrites one connection's replies according to the proxy's mode at the time of the command. */
class ReplyRewriter {
  private tail = "";
  private command = "";
  private passed = 0;
  private dropping = false;

  constructor(private readonly mode: () => ReconfigMode) {}

  /** Notes the command the client sent (one line per command). */
  sent(chunk: Buffer): void {
    const line = chunk.toString("latin1").split("\n")[0] ?? "";
    this.command = line.trim();
    this.passed = 0;
    this.dropping = false;
  }

  push(chunk: Buffer): string {
    const text = this.tail + chunk.toString("latin1");
    const cut = text.lastIndexOf("\n") + 1;
    this.tail = text.slice(cut);
    const out: string[] = [];
    for (const line of text.slice(0, cut).split("\n").slice(0, -1)) {
      const rewritten = this.rewrite(line);
      if (rewritten !== undefined) out.push(rewritten);
    }
    return out.length === 0 ? "" : `${out.join("\n")}\n`;
  }

  private rewrite(line: string): string | undefined {
    const mode = this.mode();
    if (this.dropping) {
      if (FINAL.test(line)) this.dropping = false;
      return undefined;
    }
    if (mode === "status-reconfiguring" && this.command === "show status" && line === "0013 Daemon is up and running") {
      return "0013 Reconfiguration in progress";
    }
    if (mode === "routes-stopped" && this.command.startsWith("show route") && !FINAL.test(line)) {
      if (this.passed++ < LINES_BEFORE_STOP) return line;
      this.dropping = true;
      return "8004 Stopped due to reconfiguration";
    }
    return line;
  }
}

/** Listens on `socketPath` and relays each connection to `upstreamPath`. */
export async function startReconfigProxy(upstreamPath: string, socketPath: string): Promise<ReconfigProxy> {
  const sockets = new Set<Socket>();
  const proxy: ReconfigProxy = { socketPath, mode: "normal", close: async () => undefined };
  const server: Server = createServer((client) => {
    const upstream = createConnection({ path: upstreamPath });
    const rewriter = new ReplyRewriter(() => proxy.mode);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => { sockets.delete(s); client.destroy(); upstream.destroy(); });
      s.on("error", () => undefined);
    }
    upstream.on("data", (chunk: Buffer) => { client.write(Buffer.from(rewriter.push(chunk), "latin1")); });
    client.on("data", (chunk: Buffer) => { rewriter.sent(chunk); upstream.write(chunk); });
  });
  rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => { server.off("error", reject); resolve(); });
  });
  proxy.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(socketPath, { force: true });
  };
  return proxy;
}
