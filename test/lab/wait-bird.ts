/** Waits on BIRD state through its control socket: sessions up, routes present. */
import type { BirdHandle } from "./bird-daemon.js";
import { parseProtocols, type ProtocolRow } from "./bird-socket.js";
import { DEADLINE_MS, pollUntil, type PollOptions } from "./wait.js";

/** Polls `show protocols` until every named BGP protocol is Established; returns the rows. */
export async function waitForBgp(bird: BirdHandle, protocols: readonly string[], opts: PollOptions = {}): Promise<ProtocolRow[]> {
  return pollUntil(async () => {
    const reply = await bird.query("show protocols");
    const rows = parseProtocols(reply);
    const pending = protocols.filter((name) => !rows.some((r) => r.name === name && /^Established\b/.test(r.info)));
    return pending.length === 0 ? { done: true, value: rows } : { done: false, detail: `pending ${pending.join(", ")}:\n${reply}` };
  }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 500, what: `BGP sessions ${protocols.join(", ")} on BIRD ${bird.name}`, ...opts });
}

/** Polls `show route <prefix> all` until `accept(reply)` is true; returns the last reply. */
export async function waitForBirdRoute(bird: BirdHandle, prefix: string, accept: (reply: string) => boolean = hasRoutes, opts: PollOptions = {}): Promise<string> {
  return pollUntil(async () => {
    const reply = await bird.query(`show route ${prefix} all`);
    return accept(reply) ? { done: true, value: reply } : { done: false, detail: reply };
  }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 500, what: `route ${prefix} in BIRD ${bird.name}`, ...opts });
}

function hasRoutes(reply: string): boolean {
  return /^1007-/m.test(reply);
}
