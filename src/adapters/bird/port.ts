// The BIRD port (ports.ts) over the real control-socket client: each query is one of queries.ts.
import type { BirdPort } from "../ports.js";
import { BirdClient, type BirdClientOptions } from "./client.js";
import { showExportedRoute, showExportedRoutes, showProtocol, showProtocols, showStatus } from "./queries.js";

/** The BIRD port over an existing client (closing the port closes the client). */
export function birdPortOf(client: BirdClient): BirdPort {
  return {
    socket: client.socketPath,
    get version() { return client.version; },
    status: (opts) => showStatus(client, opts),
    protocols: (all, family, opts) => showProtocols(client, all, family, opts),
    protocol: (name, opts) => showProtocol(client, name, undefined, opts),
    exportedRoutes: (kernelProtocol, onRoute, opts) => showExportedRoutes(client, kernelProtocol, onRoute, opts),
    exportedRoutesAt: (kernelProtocol, prefix, onRoute, opts) => showExportedRoute(client, kernelProtocol, prefix, onRoute, opts),
    onDisconnect: (listener) => client.onDisconnect(listener),
    close: () => client.close(),
  };
}

/** A BIRD port over a new client of one control socket. */
export function createBirdPort(options: BirdClientOptions): BirdPort {
  return birdPortOf(new BirdClient(options));
}
