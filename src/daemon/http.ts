// The daemon's HTTP endpoints: /healthz (the loop is alive), /readyz (a complete pass happened
// and the last observation was complete), /metrics (Prometheus). Loopback by default.
import { createServer, type Server } from "node:http";
import type { DaemonMetrics } from "./metrics.js";

/** What the endpoints report on. */
export interface HealthState {
  /** The loop is running (not stopped, not wedged). */
  alive(): boolean;
  /** Ready, and if not, why. */
  ready(): { ok: boolean; reason: string };
}

/** Starts the HTTP server on `host:port`; resolves once listening. */
export async function startHttp(host: string, port: number, health: HealthState, metrics: DaemonMetrics): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      const ok = health.alive();
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok\n" : "not alive\n");
    } else if (path === "/readyz") {
      const r = health.ready();
      res.writeHead(r.ok ? 200 : 503, { "content-type": "text/plain" }).end(`${r.reason}\n`);
    } else if (path === "/metrics") {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => { server.off("error", reject); resolve(); });
  });
  return server;
}
