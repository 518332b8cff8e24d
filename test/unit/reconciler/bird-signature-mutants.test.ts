// readBirdSignature's edges: one block per daemon on lines of their own, the caller's abort signal
// honoured by every query, and a failure describing a peer that is not BIRD refusing the name
// (the connection broke) signing the daemon as unreachable rather than the peer as absent.
// Written against the survivors of mutation testing (docs/reliability.md, Mutation testing).
import { afterEach, describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import type { BirdPort } from "../../../src/adapters/ports.js";
import { readBirdSignature } from "../../../src/reconciler/bird-signature.js";
import { startFakeBird, type FakeBird } from "../../support/fake-bird.js";

const fakes: FakeBird[] = [];
const clients: BirdPort[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const f of fakes.splice(0)) await f.close();
});

async function bird(daemon: string): Promise<{ fake: FakeBird; client: BirdPort }> {
  const fake = await startFakeBird(daemon);
  const client = createBirdPort({ socketPath: fake.socketPath, idleTimeoutMs: 300 });
  fakes.push(fake);
  clients.push(client);
  return { fake, client };
}

/** `client`, except that describing one protocol fails with `err` (not a BIRD reply). */
function failingDescribe(client: BirdPort, err: Error): BirdPort {
  return {
    socket: client.socket,
    get version() { return client.version; },
    status: (o) => client.status(o),
    protocols: (all, family, o) => client.protocols(all, family, o),
    protocol: () => Promise.reject(err),
    exportedRoutes: (k, on, o) => client.exportedRoutes(k, on, o),
    exportedRoutesAt: (k, p, on, o) => client.exportedRoutesAt(k, p, on, o),
    close: () => client.close(),
  };
}

describe("readBirdSignature", () => {
  it("each daemon's block starts on its own line with its socket", async () => {
    const a = await bird("bird-1.6.8");
    const b = await bird("bird6-1.6.8");
    const lines = (await readBirdSignature([a.client, b.client], { kernelProtocols: "all", bgpPeers: [] })).split("\n");
    expect(lines[0]).toBe(JSON.stringify(a.client.socket));
    expect(lines).toContain(JSON.stringify(b.client.socket));
    expect(lines.indexOf(JSON.stringify(b.client.socket))).toBeGreaterThan(1);
  });

  it("an already aborted signal keeps the daemon from being read: it signs as unreachable", async () => {
    const { client } = await bird("bird-2.0.12");
    const ac = new AbortController();
    ac.abort();
    const sig = await readBirdSignature([client], { kernelProtocols: "all", bgpPeers: [] }, ac.signal);
    expect(sig).toBe(`${JSON.stringify(client.socket)}\nunreachable`);
  });

  it("without a signal the same daemon is read", async () => {
    const { client } = await bird("bird-2.0.12");
    const sig = await readBirdSignature([client], { kernelProtocols: "all", bgpPeers: [] });
    expect(sig).not.toContain("unreachable");
    expect(sig).toContain('["kernel","kernel1","Kernel","up","18:53:14.444"]');
  });

  it("a broken connection while describing a return-path peer signs the daemon as unreachable, not the peer as absent", async () => {
    const { client } = await bird("bird-2.0.12");
    const port = failingDescribe(client, new Error("connection reset by peer"));
    const sig = await readBirdSignature([port], { kernelProtocols: "all", bgpPeers: ["up_a4"] });
    expect(sig).toBe(`${JSON.stringify(client.socket)}\nunreachable`);
  });
});
