// The real adapters behind a reconciler's ports: BIRD ports over control-socket clients built
// from `config.bird`, the iproute2 dataplane of `config.kernel`, the system clock. A caller (a
// test, a dry run, a speaker with its own BIRD connections) passes any of them instead;
// `createReconciler` (src/index.ts) gives the result to the Reconciler.
import type { Config } from "../config/types.js";
import { birdPortOf, createBirdPort } from "./bird/port.js";
import type { BirdClient } from "./bird/client.js";
import { systemClock } from "./clock.js";
import { createKernelDataplane } from "./kernel/index.js";
import type { BirdPort, Clock, Dataplane } from "./ports.js";

/** Options to create a reconciler: a validated config, and the ports to use instead of the real adapters. */
export interface ReconcilerOptions {
  config: Config;
  /** A dataplane to use instead of the kernel's (tests, dry runs). */
  dataplane?: Dataplane;
  /** BIRD ports to use instead of ones built from `config.bird` (one per daemon). */
  bird?: BirdPort[];
  /** A clock to use instead of the system's. */
  clock?: Clock;
  /**
   * Keep each resync's observation as lists in its result (`kernel.live.routes`, every kernel
   * protocol's `routes`), as `doctor` needs. Off by default: a resync streams the routes into the
   * trackers and the result counts them (`kernel.routeCount`, `routeCount`), so a full table is
   * never held as a list.
   */
  keepObservation?: boolean;
  /** @deprecated Pass `bird` (`birdPortOf(client)` wraps a client). BIRD clients to use instead of ones built from `config.bird`. */
  birdClients?: BirdClient[];
}

/** The BIRD ports of `config.bird`: one client per socket, with the config's limits. */
export function birdPortsFromConfig(config: Config): BirdPort[] {
  const { sockets, restrict, connectTimeoutMs, idleTimeoutMs, replyTimeoutMs, maxReplyBytes } = config.bird;
  return sockets.map((socketPath) => createBirdPort({ socketPath, restrict, connectTimeoutMs, idleTimeoutMs, replyTimeoutMs, maxReplyBytes }));
}

/** The kernel dataplane of `config.kernel` (its namespace, fibwarden's protocol number). */
export function dataplaneFromConfig(config: Config): Dataplane {
  return createKernelDataplane({
    timeoutMs: 60_000, ownProtocol: config.ownership.protocol,
    ...(config.kernel.netns ? { netns: config.kernel.netns } : {}),
  });
}

/** The config and every port of `options`, with the real adapters for those not given. */
export function withRealAdapters(options: ReconcilerOptions): { config: Config; dataplane: Dataplane; bird: BirdPort[]; clock: Clock; keepObservation?: boolean } {
  const { config } = options;
  return {
    config,
    ...(options.keepObservation === true ? { keepObservation: true } : {}),
    dataplane: options.dataplane ?? dataplaneFromConfig(config),
    bird: options.bird ?? options.birdClients?.map(birdPortOf) ?? birdPortsFromConfig(config),
    clock: options.clock ?? systemClock,
  };
}
