// The BIRD facts whose change calls for a full re-read of BIRD (a level-triggered pass), as a
// text signature a poller compares: per daemon, its status (version, up or not, last reboot,
// last reconfiguration), each protected kernel protocol (name, type, state, since) and each BGP
// protocol a VIP return path names (state, Established or not, neighbor address).
// Left out on purpose: route counters and change stats (every route BIRD imports moves them;
// the routes BIRD exports reach the kernel, whose events are handled on their own), the BGP
// state while not Established (Active/Connect/Idle cycle while a peer is down; only Established
// or not matters to a return path), `show status` notes (graceful-restart timers tick) and the
// server time.
import type { BirdProtocol } from "./protocol-types.js";
import type { BirdStatus } from "./status.js";
import { steadyBirdTime } from "./steady-time.js";

/** Which protocols the signature covers. */
export interface BirdSignatureScope {
  /** The protected kernel protocols: `all` (every `Kernel` protocol) or names. */
  kernelProtocols: "all" | readonly string[];
  /** BGP protocols named by VIP return paths (`return.bgpPeer`). */
  bgpPeers: readonly string[];
}

/** What one reachable daemon said. */
export interface BirdDaemonFacts {
  /** `show status`. */
  status: BirdStatus;
  /** `show protocols` (without `all`). */
  protocols: readonly BirdProtocol[];
  /** `show protocols all <name>` of the scope's BGP peers that `protocols` lists. */
  bgpPeers: readonly BirdProtocol[];
}

/** One daemon's signature. */
export interface BirdDaemonSignature {
  /** One line per fact, in a fixed order. */
  text: string;
  /** The times the text holds, by fact: give them back as `previous` on the next call. */
  times: ReadonlyMap<string, string>;
}

/** The scope's BGP peers this daemon lists, sorted and unique: those to ask `show protocols all` for. */
export function bgpPeersToDescribe(scope: BirdSignatureScope, protocols: readonly BirdProtocol[]): string[] {
  const listed = new Set(protocols.map((p) => p.name));
  return [...new Set(scope.bgpPeers)].filter((name) => listed.has(name)).sort();
}

/**
 * Signs one daemon's facts. Times that moved by no more than BIRD's clock jitter since
 * `previous` keep their previous text (see steady-time.ts), so that an unchanged BIRD signs
 * the same from one poll to the next.
 */
export function signBirdDaemon(facts: BirdDaemonFacts, scope: BirdSignatureScope, previous: ReadonlyMap<string, string> = new Map()): BirdDaemonSignature {
  const times = new Map<string, string>();
  const time = (key: string, text: string | undefined): string => {
    if (text === undefined) return "";
    const steady = steadyBirdTime(text, previous.get(key));
    times.set(key, steady);
    return steady;
  };
  const { status } = facts;
  const lines: unknown[][] = [[
    "status", status.version, status.message,
    time("status.reboot", status.lastReboot), time("status.reconfiguration", status.lastReconfiguration),
  ]];
  const byName = new Map(facts.protocols.map((p) => [p.name, p]));
  const kernelNames = scope.kernelProtocols === "all"
    ? facts.protocols.filter((p) => p.proto === "Kernel").map((p) => p.name)
    : [...new Set(scope.kernelProtocols)];
  for (const name of kernelNames.sort()) {
    const p = byName.get(name);
    lines.push(p === undefined ? ["kernel", name, "absent"] : ["kernel", name, p.proto, p.state, time(`kernel.${name}.since`, p.since)]);
  }
  const described = new Map(facts.bgpPeers.map((p) => [p.name, p]));
  for (const name of [...new Set(scope.bgpPeers)].sort()) {
    const p = described.get(name);
    lines.push(p === undefined
      ? ["bgp", name, "absent"]
      : ["bgp", name, p.proto, p.state, p.bgp?.state === "Established" ? "established" : "not-established", p.bgp?.neighborAddress ?? ""]);
  }
  return { text: lines.map((l) => JSON.stringify(l)).join("\n"), times };
}
