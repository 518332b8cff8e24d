// Typed BIRD queries over a client: each streams its reply into the matching pure parser.
import { NetRouteParser } from "../../core/bird/net-route-parser.js";
import { ProtocolsParser } from "../../core/bird/protocols.js";
import type { BirdProtocol } from "../../core/bird/protocol-types.js";
import { RouteCountParser, type BirdRouteCount } from "../../core/bird/route-count.js";
import { RouteParser } from "../../core/bird/route-parser.js";
import type { BirdRoute } from "../../core/bird/route-types.js";
import { StatusParser, type BirdStatus } from "../../core/bird/status.js";
import { FibwardenError } from "../../core/errors.js";
import { canonicalPrefix } from "../../core/net/ip.js";
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
 * `show protocols all <name>`: one protocol in detail (BGP session, channels). BIRD refuses a
 * name it does not know as a protocol with a 9xxx reply (BirdCommandError).
 */
export async function showProtocol(client: BirdClient, name: string, family?: 4 | 6, opts?: BirdRequestOptions): Promise<BirdProtocol | undefined> {
  let found: BirdProtocol | undefined;
  const legacyFamily = family ?? (client.dialect === 1 ? 4 : undefined);
  const parser = new ProtocolsParser({ onProtocol: (p) => { if (p.name === name) found = p; }, ...(legacyFamily ? { legacyFamily } : {}) });
  await client.request(`show protocols all ${checkBirdName(name, "protocol")}`, parser, opts);
  return found;
}

/**
 * `show protocols [all] <name>`, exactly as asked (without `all`: the summary row only): the named
 * protocol. BIRD refuses a name it does not know with a 9xxx reply (BirdCommandError); a reply
 * without the protocol, or with any other, is FW_BIRD_PARSE rather than an answer to another
 * question.
 */
export async function showNamedProtocol(client: BirdClient, name: string, all: boolean, family?: 4 | 6, opts?: BirdRequestOptions): Promise<BirdProtocol> {
  const got: BirdProtocol[] = [];
  const legacyFamily = family ?? (client.dialect === 1 ? 4 : undefined);
  const parser = new ProtocolsParser({ onProtocol: (p) => got.push(p), ...(legacyFamily ? { legacyFamily } : {}) });
  const command = `show protocols${all ? " all" : ""} ${checkBirdName(name, "protocol")}`;
  await client.request(command, parser, opts);
  if (got.length !== 1 || got[0]!.name !== name) {
    throw new FibwardenError("FW_BIRD_PARSE", `${command}: BIRD answered with ${got.length === 0 ? "no protocol" : got.map((p) => p.name).join(", ")}, not ${name}`, {
      details: { command, protocols: got.map((p) => p.name) },
    });
  }
  return got[0]!;
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

/**
 * What BIRD exports to one kernel protocol for exactly one network: `show route <prefix> export
 * <protocol>`, streamed into `onRoute`; resolves with the number of routes (a path set merged by
 * `merge paths on` is one route with several nexthops, as in the full export). The prefix is
 * canonicalised first: BIRD 2 refuses a bare address and host bits (9001), so `10.0.0.1` asks
 * for `10.0.0.1/32` and `10.0.0.1/24` is refused here (FW_INVALID_PREFIX). Resolves with 0 both
 * when the protocol's export filter rejects every route of the network (BIRD: `0000` alone) and
 * when BIRD has no such network (`8001`). A prefix of the other family than the protocol's
 * channel is refused by BIRD (9001, BirdCommandError).
 */
export async function showExportedRoute(client: BirdClient, kernelProtocol: string, prefix: string, onRoute: (r: BirdRoute) => void, opts?: BirdRequestOptions): Promise<number> {
  const net = canonicalPrefix(prefix);
  const parser = new NetRouteParser({ onRoute });
  await client.request(`show route ${net} export ${checkBirdName(kernelProtocol, "protocol")}`, parser, opts);
  return parser.routeCount;
}

/**
 * `show route count`, or any `show route ... count` command (its filters kept: BIRD counts the
 * routes they show against all routes of each table).
 */
export async function showRouteCount(client: BirdClient, opts?: BirdRequestOptions & { command?: string }): Promise<BirdRouteCount> {
  const { command = "show route count", ...requestOpts } = opts ?? {};
  if (!/^show route\b/.test(command) || !/(^|\s)count(\s|$)/.test(command)) {
    throw new FibwardenError("FW_INVALID_TOKEN", `not a show route ... count command: ${command}`);
  }
  return (await client.request(command, new RouteCountParser(), requestOpts)).result;
}
