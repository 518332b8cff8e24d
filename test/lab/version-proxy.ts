/**
 * A pass-through proxy for a BIRD control socket that presents another version string, as
 * calico-node's own BIRD 1.6.8 build does (`0001 BIRD v0.3.3+birdv1.6.8 ready.`, `show status`
 * starting `1000-BIRD v0.3.3+birdv1.6.8`). calico's build is not packaged; Debian's BIRD 1.6.8
 * behind this proxy is the same daemon with calico's version string. Only those two lines are
 * rewritten; every other byte passes unchanged in both directions.
 */
import { rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";

/** A running proxy. */
export interface VersionProxy {
  socketPath: string;
  close(): Promise<void>;
}

const GREETING = /^0001 BIRD \S+ ready\.$/;
const STATUS = /^1000-BIRD \S+$/;

/** Rewrites BIRD's version in complete lines; keeps a partial last line for the next chunk. */
class VersionRewriter {
  private tail = "";
  constructor(private readonly version: string) {}

  push(chunk: Buffer): string {
    const text = this.tail + chunk.toString("latin1");
    const cut = text.lastIndexOf("\n") + 1;
    this.tail = text.slice(cut);
    return text.slice(0, cut).split("\n").map((line) => {
      if (GREETING.test(line)) return `0001 BIRD ${this.version} ready.`;
      if (STATUS.test(line)) return `1000-BIRD ${this.version}`;
      return line;
    }).join("\n");
  }
}

/** Listens on `socketPath` and relays each connection to `upstreamPath`, presenting `version`. */
export async function startVersionProxy(upstreamPath: string, socketPath: string, version: string): Promise<VersionProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ path: upstreamPath });
    const rewriter = new VersionRewriter(version);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => { sockets.delete(s); client.destroy(); upstream.destroy(); });
      s.on("error", () => undefined);
    }
    upstream.on("data", (chunk: Buffer) => { client.write(Buffer.from(rewriter.push(chunk), "latin1")); });
    client.on("data", (chunk: Buffer) => { upstream.write(chunk); });
  });
  rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => { server.off("error", reject); resolve(); });
  });
  return {
    socketPath,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(socketPath, { force: true });
    },
  };
}
