// Reads the BIRD signature (core/bird/signature.ts) from every daemon with the cheapest queries:
// `show status`, `show protocols` (no `all`: state and since are in the summary line), and
// `show protocols all <name>` only for the BGP protocols VIP return paths name (the neighbor
// address is only in the detail block). Each daemon's last printed times are remembered per
// BIRD port, so that BIRD's clock jitter does not change the signature (see core/bird/steady-time.ts).
import type { BirdPort, BirdQueryOptions } from "../adapters/ports.js";
import type { BirdProtocol } from "../core/bird/protocol-types.js";
import { isBirdCommandError } from "../core/bird/reply-codes.js";
import { bgpPeersToDescribe, signBirdDaemon, type BirdSignatureScope } from "../core/bird/signature.js";
import type { VipConfig } from "../config/schema.js";

const lastTimes = new WeakMap<BirdPort, ReadonlyMap<string, string>>();

/** The BGP protocols the VIPs' return paths name (`return.bgpPeer`). */
export function bgpPeersOf(vips: readonly VipConfig[]): string[] {
  return vips.flatMap((v) => (v.return !== undefined && "bgpPeer" in v.return ? [v.return.bgpPeer] : []));
}

/** One daemon's signature text; throws when the daemon cannot be asked. */
async function signDaemon(bird: BirdPort, scope: BirdSignatureScope, opts: BirdQueryOptions): Promise<string> {
  const status = await bird.status(opts);
  const protocols = await bird.protocols(false, undefined, opts);
  const bgpPeers: BirdProtocol[] = [];
  for (const name of bgpPeersToDescribe(scope, protocols)) {
    try {
      const p = await bird.protocol(name, opts);
      if (p !== undefined) bgpPeers.push(p);
    } catch (err) {
      // Gone between the two queries (a reconfiguration): signed as absent.
      if (!isBirdCommandError(err)) throw err;
    }
  }
  const signed = signBirdDaemon({ status, protocols, bgpPeers }, scope, lastTimes.get(bird));
  lastTimes.set(bird, signed.times);
  return signed.text;
}

/**
 * The signature of every daemon behind `birds`, one block per socket; a daemon that cannot be
 * asked signs as unreachable (and forgets its times).
 */
export async function readBirdSignature(birds: readonly BirdPort[], scope: BirdSignatureScope, signal?: AbortSignal): Promise<string> {
  const opts = signal ? { signal } : {};
  const parts: string[] = [];
  for (const bird of birds) {
    let text: string;
    try {
      text = await signDaemon(bird, scope, opts);
    } catch {
      lastTimes.delete(bird);
      text = "unreachable";
    }
    parts.push(`${JSON.stringify(bird.socket)}\n${text}`);
  }
  return parts.join("\n");
}
