// Reads the BIRD signature (core/bird/signature.ts) from every daemon with the cheapest queries:
// `show status`, `show protocols` (no `all`: state and since are in the summary line), and
// `show protocols all <name>` only for the BGP protocols VIP return paths name (the neighbor
// address is only in the detail block). Each daemon's last printed times are remembered per
// client, so that BIRD's clock jitter does not change the signature (see core/bird/steady-time.ts).
import type { BirdClient, BirdRequestOptions } from "../adapters/bird/client.js";
import { showProtocol, showProtocols, showStatus } from "../adapters/bird/queries.js";
import type { BirdProtocol } from "../core/bird/protocol-types.js";
import { isBirdCommandError } from "../core/bird/reply-codes.js";
import { bgpPeersToDescribe, signBirdDaemon, type BirdSignatureScope } from "../core/bird/signature.js";
import type { VipConfig } from "../config/schema.js";

const lastTimes = new WeakMap<BirdClient, ReadonlyMap<string, string>>();

/** The BGP protocols the VIPs' return paths name (`return.bgpPeer`). */
export function bgpPeersOf(vips: readonly VipConfig[]): string[] {
  return vips.flatMap((v) => (v.return !== undefined && "bgpPeer" in v.return ? [v.return.bgpPeer] : []));
}

/** One daemon's signature text; throws when the daemon cannot be asked. */
async function signDaemon(client: BirdClient, scope: BirdSignatureScope, opts: BirdRequestOptions): Promise<string> {
  const status = await showStatus(client, opts);
  const protocols = await showProtocols(client, false, undefined, opts);
  const bgpPeers: BirdProtocol[] = [];
  for (const name of bgpPeersToDescribe(scope, protocols)) {
    try {
      const p = await showProtocol(client, name, undefined, opts);
      if (p !== undefined) bgpPeers.push(p);
    } catch (err) {
      // Gone between the two queries (a reconfiguration): signed as absent.
      if (!isBirdCommandError(err)) throw err;
    }
  }
  const signed = signBirdDaemon({ status, protocols, bgpPeers }, scope, lastTimes.get(client));
  lastTimes.set(client, signed.times);
  return signed.text;
}

/**
 * The signature of every daemon behind `clients`, one block per socket; a daemon that cannot be
 * asked signs as unreachable (and forgets its times).
 */
export async function readBirdSignature(clients: readonly BirdClient[], scope: BirdSignatureScope, signal?: AbortSignal): Promise<string> {
  const opts = signal ? { signal } : {};
  const parts: string[] = [];
  for (const client of clients) {
    let text: string;
    try {
      text = await signDaemon(client, scope, opts);
    } catch {
      lastTimes.delete(client);
      text = "unreachable";
    }
    parts.push(`${JSON.stringify(client.socketPath)}\n${text}`);
  }
  return parts.join("\n");
}
