// Observes every configured BIRD daemon: its status, protocols and, for each kernel protocol
// fibwarden protects, the routes BIRD exports to it (streamed: a full table is never one string).
// Any failure makes the observation incomplete: the planner then deletes nothing (fail static).
import type { BirdPort, RouteSink } from "../adapters/ports.js";
import type { BirdProtocol } from "../core/bird/protocol-types.js";
import { dialectFromProtocols, readBirdRelease, type BirdDialect, type DialectSource } from "../core/bird/version.js";
import { ProtectedRouteBuilder, defaultBirdKernelMetric, type SkippedExport } from "../core/desired/protected.js";
import { FibwardenError } from "../core/errors.js";
import type { Family } from "../core/net/ip.js";
import type { Route } from "../core/model/route.js";

/** How fibwarden decides which kernel protocols to protect and where they install routes. */
export interface ProtectSettings {
  /** `all`, or a list of BIRD kernel protocol names. */
  kernelProtocols: "all" | string[];
  /** Per kernel protocol: kernel table number (default main, 254). */
  tables?: Record<string, number>;
  /** Per kernel protocol: metric per family (default: BIRD's, by version). */
  metrics?: Record<string, { ipv4?: number; ipv6?: number }>;
}

/** One observed BIRD daemon. */
export interface BirdDaemonObservation {
  socket: string;
  /** The version string as BIRD printed it (`v0.3.3+birdv1.6.8`). */
  version: string;
  /** The BIRD release found in it (`1.6.8`), when one could be read. */
  release?: string;
  dialect: BirdDialect;
  /** Whether the dialect came from the version string or, when that was unreadable, from BIRD's replies. */
  dialectSource: DialectSource;
  up: boolean;
  protocols: BirdProtocol[];
}

/** One protected kernel protocol and the routes it must have in the kernel. */
export interface KernelProtocolObservation {
  socket: string;
  name: string;
  family: Family;
  table: number;
  metric: number;
  /** The routes, unless they were streamed into the trackers (then empty: see routeCount). */
  routes: Route[];
  /** Number of routes BIRD exports to this protocol, as kernel routes. */
  routeCount: number;
  skipped: SkippedExport[];
  /** Routes BIRD marks `!`: its own kernel sync failed. */
  syncErrors: string[];
}

/** Everything observed from BIRD in one pass. */
export interface BirdObservation {
  complete: boolean;
  /** Why the observation is incomplete, or what was skipped. */
  problems: Array<{ code: string; socket?: string; message: string }>;
  daemons: BirdDaemonObservation[];
  kernelProtocols: KernelProtocolObservation[];
}

/** The family of a BIRD 1.6 daemon: calico names the IPv6 one `bird6.ctl`. */
export function legacyFamilyOf(socketPath: string): Family {
  const base = socketPath.slice(socketPath.lastIndexOf("/") + 1);
  return /6\.ctl$|bird6/.test(base) ? 6 : 4;
}

function channelFamily(p: BirdProtocol, dialect: BirdDialect, socket: string): Family | undefined {
  if (dialect === 1) return legacyFamilyOf(socket);
  const ch = p.channels[0]?.name;
  return ch === "ipv4" ? 4 : ch === "ipv6" ? 6 : undefined;
}

/**
 * The dialect from the version, else from what `show protocols all` shows; throws FW_BIRD_DIALECT
 * (the observation becomes incomplete) when neither tells: a kernel metric is never guessed.
 */
function decideDialect(socket: string, version: string, fromVersion: BirdDialect | undefined, protocols: readonly BirdProtocol[]): { dialect: BirdDialect; source: DialectSource } {
  if (fromVersion !== undefined) return { dialect: fromVersion, source: "version" };
  const fromReplies = dialectFromProtocols(protocols);
  if (fromReplies !== undefined) return { dialect: fromReplies, source: "replies" };
  throw new FibwardenError("FW_BIRD_DIALECT", `${socket}: cannot tell the BIRD dialect: the version ${JSON.stringify(version)} names no BIRD release (1.x, 2.x, 3.x) and \`show protocols all\` shows no kernel protocol that would tell; nothing is protected or deleted until it can be read`, { details: { socket, version } });
}

/** Observes BIRD through `birds` (one port per socket); never throws for BIRD's own failures. */
/**
 * Observes `birds`. With `part`, each protected kernel protocol's routes are streamed into a sink
 * of their own (a part of the trackers' resync, committed once the protocol's export was read
 * whole) and its `routes` stay empty; without, they are listed.
 */
export async function observeBird(birds: readonly BirdPort[], settings: ProtectSettings, signal?: AbortSignal, part?: () => RouteSink): Promise<BirdObservation> {
  const obs: BirdObservation = { complete: true, problems: [], daemons: [], kernelProtocols: [] };
  const wanted = settings.kernelProtocols === "all" ? undefined : new Set(settings.kernelProtocols);
  const seenWanted = new Set<string>();
  for (const bird of birds) {
    const socket = bird.socket;
    try {
      const status = await bird.status(signal ? { signal } : {});
      const version = bird.version ?? status.version;
      const release = readBirdRelease(version);
      // BIRD 1.6 prints no channels: its implicit channel takes the daemon's family (bird6.ctl).
      const legacy = release === undefined || release.major === 1 ? legacyFamilyOf(socket) : undefined;
      const protocols = await bird.protocols(true, legacy, signal ? { signal } : {});
      const { dialect, source } = decideDialect(socket, version, release?.major as BirdDialect | undefined, protocols);
      obs.daemons.push({ socket, version, ...(release ? { release: release.text } : {}), dialect, dialectSource: source, up: status.up, protocols });
      if (!status.up) {
        obs.complete = false;
        obs.problems.push({ code: "FW_OBSERVATION_INCOMPLETE", socket, message: `BIRD is not up: ${status.message}` });
      }
      for (const p of protocols) {
        if (p.proto !== "Kernel" || (wanted && !wanted.has(p.name))) continue;
        seenWanted.add(p.name);
        const family = channelFamily(p, dialect, socket);
        if (family === undefined) {
          obs.problems.push({ code: "FW_BIRD_PARSE", socket, message: `kernel protocol ${p.name}: unknown channel family` });
          continue;
        }
        if (p.state !== "up") {
          obs.problems.push({ code: "FW_OBSERVATION_INCOMPLETE", socket, message: `kernel protocol ${p.name} is ${p.state}: BIRD is not syncing it, nothing to protect` });
          continue;
        }
        const fam = family === 4 ? "ipv4" : "ipv6";
        const table = settings.tables?.[p.name] ?? 254;
        const metric = settings.metrics?.[p.name]?.[fam] ?? defaultBirdKernelMetric(dialect, family);
        const sink = part?.();
        const builder = new ProtectedRouteBuilder({ protocol: p.name, family, table, metric }, sink === undefined ? undefined : (r) => sink.add(r));
        const syncErrors: string[] = [];
        await bird.exportedRoutes(p.name, (r) => {
          builder.add(r);
          if (r.syncError) syncErrors.push(r.network);
        }, signal ? { signal } : {});
        builder.finish();
        sink?.commit();
        obs.kernelProtocols.push({ socket, name: p.name, family, table, metric, routes: builder.routes(), routeCount: builder.count, skipped: builder.skipped, syncErrors });
      }
    } catch (err) {
      obs.complete = false;
      const code = err instanceof FibwardenError ? err.code : "FW_BIRD_UNAVAILABLE";
      obs.problems.push({ code, socket, message: err instanceof Error ? err.message : String(err) });
    }
  }
  if (wanted) {
    for (const name of wanted) {
      if (!seenWanted.has(name) && obs.complete) {
        obs.problems.push({ code: "FW_OBSERVATION_INCOMPLETE", message: `kernel protocol ${name} is configured but no BIRD daemon reports it` });
      }
    }
  }
  return obs;
}
