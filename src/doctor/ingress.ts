// Where requests to a VIP come in: the interfaces toward the BGP peers that carry the VIP (the
// node's BIRD exports the VIP's announce route to them), or the VIP's configured return path,
// each with its ingress hop (the router on that interface the requests come from).
// Pure: reads the BIRD observation, the per-session export answers and the kernel's routes to
// the neighbors.
import type { BirdProtocol } from "../core/bird/protocol-types.js";
import { resolvePeerReturn } from "../core/desired/vips.js";
import { addressFamily, canonicalAddress, prefixContains, type Family } from "../core/net/ip.js";
import type { DoctorBirdDaemon, DoctorInput, IngressInterface, SessionView } from "./types.js";

/** The part of the input needed to find the ingress (the gatherer has it before the iif checks). */
export type IngressInput = Pick<DoctorInput, "vip" | "vipConfig" | "live" | "bird" | "sessionExports" | "neighborRoutes">;

/** The candidate ingress interfaces, without the kernel's rp_filter check. */
export interface IngressCandidates {
  source: "config" | "bgp" | "none";
  interfaces: Array<Omit<IngressInterface, "kernelCheck">>;
  notes: string[];
}

/** True when a BIRD 1.6 socket is the IPv6 daemon's (calico names it `bird6.ctl`). */
function legacyDaemonFamily(socket: string): Family {
  const base = socket.slice(socket.lastIndexOf("/") + 1);
  return /6\.ctl$|bird6/.test(base) ? 6 : 4;
}

/** True when a BGP protocol can carry routes of `family`. */
export function sessionCarriesFamily(p: BirdProtocol, daemon: DoctorBirdDaemon, family: Family): boolean {
  if (daemon.dialect === 1) return legacyDaemonFamily(daemon.socket) === family;
  const wanted = family === 4 ? "ipv4" : "ipv6";
  if (p.channels.length > 0) return p.channels.some((c) => c.name === wanted);
  const neighbor = p.bgp?.neighborAddress;
  return neighbor !== undefined && addressFamily(neighbor) === family;
}

/** True when a BGP protocol's session is Established. */
export function isEstablished(p: BirdProtocol): boolean {
  return p.bgp !== undefined ? p.bgp.state === "Established" : p.state === "up" && p.info.startsWith("Established");
}

/** The BGP sessions of the VIP's family, with the device toward each neighbor. */
export function listSessions(input: IngressInput): SessionView[] {
  const vip = canonicalAddress(input.vip);
  const family = addressFamily(vip)!;
  const out: SessionView[] = [];
  for (const daemon of input.bird.daemons) {
    for (const p of daemon.protocols) {
      if (p.proto !== "BGP" || !sessionCarriesFamily(p, daemon, family)) continue;
      const neighbor = p.bgp?.neighborAddress !== undefined ? canonicalAddress(p.bgp.neighborAddress) : null;
      const exp = input.sessionExports.find((e) => e.socket === daemon.socket && e.protocol === p.name);
      out.push({
        socket: daemon.socket,
        protocol: p.name,
        state: p.bgp?.state ?? p.state,
        established: isEstablished(p),
        neighbor,
        interface: neighbor === null ? null : neighborDevice(neighbor, input),
        exportsVip: exp?.exportsVip ?? null,
      });
    }
  }
  return out.sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.socket < b.socket ? -1 : a.socket > b.socket ? 1 : 0));
}

/** The device toward a neighbor: the kernel's lookup, else the main table's longest match. */
function neighborDevice(neighbor: string, input: IngressInput): string | null {
  const got = input.neighborRoutes[neighbor];
  if (got?.ok) return got.dev;
  return resolvePeerReturn(neighbor, input.live)?.device ?? null;
}

/**
 * The ingress hop of a BGP neighbor: the L3 neighbor requests arrive from, which is the BGP
 * neighbor itself when it is on-link, else the gateway of the kernel's route toward it
 * (`ip route get NEIGHBOR`, or the main table's longest match when that was not asked).
 */
export function neighborHop(neighbor: string, input: Pick<IngressInput, "neighborRoutes" | "live">): string {
  const got = input.neighborRoutes[neighbor];
  if (got !== undefined) return got.ok && got.gateway !== undefined ? got.gateway : neighbor;
  const family = addressFamily(neighbor);
  let best: { len: number; metric: number; gateway: string | undefined } | undefined;
  for (const r of input.live.routes) {
    if (r.family !== family || r.table !== 254 || r.type !== "unicast" || r.nexthops.length !== 1 || !prefixContains(r.dst, neighbor)) continue;
    const len = Number(r.dst.slice(r.dst.lastIndexOf("/") + 1));
    if (best !== undefined && (len < best.len || (len === best.len && r.metric >= best.metric))) continue;
    best = { len, metric: r.metric, gateway: r.nexthops[0]!.gateway };
  }
  return best?.gateway !== undefined ? canonicalAddress(best.gateway) : neighbor;
}

/** Sessions that carry the VIP: Established, and exporting it (or not known not to). */
export function carrierSessions(sessions: readonly SessionView[]): SessionView[] {
  return sessions.filter((s) => s.established && s.exportsVip !== false);
}

/**
 * Finds the candidate ingress hops: one entry per (interface, router), so that two routers on
 * one LAN are two ways in. The configured return path comes first and is the expected one;
 * without one, every carrying session is.
 */
export function findIngress(input: IngressInput, sessions: readonly SessionView[]): IngressCandidates {
  const notes: string[] = [];
  const carriers = carrierSessions(sessions);
  for (const s of carriers) {
    if (s.exportsVip === null) notes.push(`could not ask BIRD whether ${s.protocol} exports the VIP; assumed it does (it is Established)`);
    if (s.interface === null) notes.push(`no kernel route to ${s.protocol}'s neighbor ${s.neighbor ?? "(unknown)"}: its ingress interface is unknown`);
  }
  const hopOf = (s: SessionView): string | null => (s.neighbor === null ? null : neighborHop(s.neighbor, input));
  const onHop = (dev: string, hop: string | null) => carriers.filter((s) => s.interface === dev && hopOf(s) === hop).map((s) => s.protocol);
  const interfaces: IngressCandidates["interfaces"] = [];
  const ret = input.vipConfig?.return;
  if (ret !== undefined && "device" in ret) {
    const hop = canonicalAddress(ret.gateway);
    interfaces.push({ name: ret.device, primary: true, via: "return.device", sessions: onHop(ret.device, hop), gateway: hop });
  } else if (ret !== undefined) {
    const peer = sessions.find((s) => s.protocol === ret.bgpPeer);
    if (peer?.established && peer.interface !== null) {
      const hop = hopOf(peer);
      interfaces.push({ name: peer.interface, primary: true, via: "return.bgpPeer", sessions: onHop(peer.interface, hop), gateway: hop });
    } else {
      notes.push(`return.bgpPeer ${ret.bgpPeer}: ${peer === undefined ? "no such BGP session of the VIP's family" : !peer.established ? `session is ${peer.state}` : "no kernel route to its neighbor"}; using the sessions that carry the VIP instead`);
    }
  }
  const fromConfig = interfaces.length > 0;
  for (const s of carriers) {
    const hop = hopOf(s);
    if (s.interface === null || interfaces.some((i) => i.name === s.interface && i.gateway === hop)) continue;
    interfaces.push({ name: s.interface, primary: !fromConfig, via: "bgp", sessions: onHop(s.interface, hop), gateway: hop });
  }
  return { source: fromConfig ? "config" : interfaces.length > 0 ? "bgp" : "none", interfaces, notes };
}
