// Typed BIRD queries over a client: each streams its reply into the matching pure parser.
import { ProtocolsParser } from "../../core/bird/protocols.js";
import type { BirdProtocol } from "../../core/bird/protocol-types.js";
import { RouteCountParser, type BirdRouteCount } from "../../core/bird/route-count.js";
import { RouteParser } from "../../core/bird/route-parser.js";
import type { BirdRoute } from "../../core/bird/route-types.js";
import { StatusParser, type BirdStatus } from "../../core/bird/status.js";
import { FibwardenError } from "../../core/errors.js";
import type { BirdClient, BirdRequestOptions } from "./client.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** Validates a BIRD protocol or table name before it goes into a command. */
export function checkBirdName(name: string, what: string): string {
  if (!NAME.test(name)) throw new FibwardenError("FW_INVALID_TOKEN", `invalid BIRD ${what} name ${JSON.stringify(name)}`);
  return name;
}

/** `show status`. */
export async function showStatus(client: BirdClient, opts?: BirdRequestOptions): Promise<BirdStatus> {
  return (await client.request("show status", new StatusParser(), opts)).result;
}

/** `show protocols [all]`; `family` names BIRD 1.6's implicit channel (4 for bird, 6 for bird6). */
export async function showProtocols(client: BirdClient, all: boolean, family?: 4 | 6, opts?: BirdRequestOptions): Promise<BirdProtocol[]> {
  const out: BirdProtocol[] = [];
  const legacyFamily = family ?? (client.dialect === 1 ? 4 : undefined);
  const parser = new ProtocolsParser({ onProtocol: (p) => out.push(p), ...(legacyFamily ? { legacyFamily } : {}) });
  await client.request(all ? "show protocols all" : "show protocols", parser, opts);
  return out;
}

/**
 * Streams `show route export <kernel protocol>` (or any `show route ...` command words) into
 * `onRoute`, one route at a time; resolves with the number of routes.
 */
export async function streamRoutes(client: BirdClient, command: string, onRoute: (r: BirdRoute) => void, opts?: BirdRequestOptions & { defaultTable?: string }): Promise<number> {
  if (!command.startsWith("show route")) throw new FibwardenError("FW_INVALID_TOKEN", `not a show route command: ${command}`);
  let n = 0;
  const parser = new RouteParser({ onRoute: (r) => { n++; onRoute(r); }, ...(opts?.defaultTable ? { defaultTable: opts.defaultTable } : {}) });
  await client.request(command, parser, opts);
  return n;
}

/** The routes BIRD exports to one kernel protocol. */
export async function showExportedRoutes(client: BirdClient, kernelProtocol: string, onRoute: (r: BirdRoute) => void, opts?: BirdRequestOptions): Promise<number> {
  return streamRoutes(client, `show route export ${checkBirdName(kernelProtocol, "protocol")}`, onRoute, opts);
}

/** `show route count`. */
export async function showRouteCount(client: BirdClient, opts?: BirdRequestOptions): Promise<BirdRouteCount> {
  return (await client.request("show route count", new RouteCountParser(), opts)).result;
}
