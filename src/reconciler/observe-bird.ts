// Observes every configured BIRD daemon: its status, protocols and, for each kernel protocol
// fibwarden protects, the routes BIRD exports to it (streamed: a full table is never one string).
// Any failure makes the observation incomplete: the planner then deletes nothing (fail static).
import type { BirdClient, BirdDialect } from "../adapters/bird/client.js";
import { showExportedRoutes, showProtocols, showStatus } from "../adapters/bird/queries.js";
import type { BirdProtocol } from "../core/bird/protocol-types.js";
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
  version: string;
  dialect: BirdDialect;
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
  routes: Route[];
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

/** Observes BIRD through `clients` (one per socket); never throws for BIRD's own failures. */
export async function observeBird(clients: readonly BirdClient[], settings: ProtectSettings, signal?: AbortSignal): Promise<BirdObservation> {
  const obs: BirdObservation = { complete: true, problems: [], daemons: [], kernelProtocols: [] };
  const wanted = settings.kernelProtocols === "all" ? undefined : new Set(settings.kernelProtocols);
  const seenWanted = new Set<string>();
  for (const client of clients) {
    const socket = client.socketPath;
    try {
      const status = await showStatus(client, signal ? { signal } : {});
      const dialect = client.dialect ?? 2;
      const legacy = dialect === 1 ? legacyFamilyOf(socket) : undefined;
      const protocols = await showProtocols(client, true, legacy, signal ? { signal } : {});
      obs.daemons.push({ socket, version: client.version ?? status.version, dialect, up: status.up, protocols });
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
        const builder = new ProtectedRouteBuilder({ protocol: p.name, family, table, metric });
        const syncErrors: string[] = [];
        await showExportedRoutes(client, p.name, (r) => {
          builder.add(r);
          if (r.syncError) syncErrors.push(r.network);
        }, signal ? { signal } : {});
        obs.kernelProtocols.push({ socket, name: p.name, family, table, metric, routes: builder.routes(), skipped: builder.skipped, syncErrors });
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
