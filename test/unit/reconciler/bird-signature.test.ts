// readBirdSignature over fake BIRD sockets replaying the captured transcripts: the queries it
// sends (the cheap ones only), unreachable daemons, and BIRD 1.6's clock jitter absorbed.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import type { BirdPort } from "../../../src/adapters/ports.js";
import { parseConfigText } from "../../../src/config/parse.js";
import { bgpPeersOf, readBirdSignature } from "../../../src/reconciler/bird-signature.js";
import { startFakeBird, type FakeBird, type FakeBirdOptions } from "../../support/fake-bird.js";
import { fixturePath } from "../../support/fixtures.js";

const fakes: FakeBird[] = [];
const clients: BirdPort[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const f of fakes.splice(0)) await f.close();
});

async function bird(daemon: string, options: FakeBirdOptions = {}): Promise<{ fake: FakeBird; client: BirdPort }> {
  const fake = await startFakeBird(daemon, options);
  const client = createBirdPort({ socketPath: fake.socketPath, idleTimeoutMs: 300 });
  fakes.push(fake);
  clients.push(client);
  return { fake, client };
}

const transcript = (daemon: string, file: string): string => readFileSync(fixturePath(`bird/${daemon}/${file}`), "utf8");

describe("readBirdSignature", () => {
  it("asks show status, show protocols, and show protocols all only for the return-path peers BIRD has", async () => {
    const { fake, client } = await bird("bird-2.0.12");
    const sig = await readBirdSignature([client], { kernelProtocols: ["kernel1"], bgpPeers: ["up_a4", "up_gone"] });
    expect(fake.commands).toEqual(["restrict", "show status", "show protocols", "show protocols all up_a4"]);
    expect(sig.split("\n")).toEqual([
      JSON.stringify(client.socket),
      '["status","2.0.12","Daemon is up and running","2026-11-22 18:53:14.444","2026-11-22 18:53:14.444"]',
      '["kernel","kernel1","Kernel","up","18:53:14.444"]',
      '["bgp","up_a4","BGP","up","established","10.111.1.1"]',
      '["bgp","up_gone","absent"]',
    ]);
  });

  it("no return-path peers: two queries per daemon; an unreachable daemon signs as such", async () => {
    const v4 = await bird("bird-1.6.8");
    const v6 = await bird("bird6-1.6.8");
    const gone = createBirdPort({ socketPath: "/nonexistent/bird.ctl" });
    clients.push(gone);
    const sig = await readBirdSignature([v4.client, gone, v6.client], { kernelProtocols: "all", bgpPeers: [] });
    expect(v4.fake.commands).toEqual(["restrict", "show status", "show protocols"]);
    expect(sig).toContain(`${JSON.stringify("/nonexistent/bird.ctl")}\nunreachable`);
    expect(sig.match(/\["kernel","kernel1","Kernel","up","18:59:08"\]/g)).toHaveLength(2);
  });

  it("a peer BIRD lists but refuses to describe (gone in between) is absent, the daemon still reachable", async () => {
    const { client } = await bird("bird-2.0.12", { replies: { "show protocols all up_a4": "9001 syntax error, unexpected CF_SYM_UNDEFINED\n" } });
    const sig = await readBirdSignature([client], { kernelProtocols: "all", bgpPeers: ["up_a4"] });
    expect(sig).toContain('["bgp","up_a4","absent"]');
    expect(sig).toContain('["kernel","kernel2","Kernel","up","18:53:14.444"]');
  });

  it("BIRD 1.6 printing the same instants a second off keeps the signature; a real change does not", async () => {
    const replies: Record<string, string> = {};
    const { client } = await bird("bird-1.6.8", { replies });
    const scope = { kernelProtocols: "all", bgpPeers: [] } as const;
    const first = await readBirdSignature([client], scope);
    replies["show status"] = transcript("bird-1.6.8", "show-status.txt").replace("Last reboot on 2026-11-22 18:59:08", "Last reboot on 2026-11-22 18:59:09");
    replies["show protocols"] = transcript("bird-1.6.8", "show-protocols.txt").replace(/kernel1 {2}Kernel {3}master {3}up {5}18:59:08/, "kernel1  Kernel   master   up     18:59:09");
    expect(await readBirdSignature([client], scope)).toBe(first);
    replies["show protocols"] = transcript("bird-1.6.8", "show-protocols.txt").replace(/kernel1 {2}Kernel {3}master {3}up {5}18:59:08/, "kernel1  Kernel   master   up     18:59:20");
    expect(await readBirdSignature([client], scope)).not.toBe(first);
  });

  it("bgpPeersOf: the peers of VIP return paths, nothing for fixed gateways", () => {
    const config = parseConfigText(`
vips:
  - {address: 10.111.100.9, return: {bgpPeer: up_b4}}
  - {address: 10.111.100.10, return: {gateway: 10.111.1.1, device: na0}}
  - {address: 10.111.100.11}
`);
    expect(bgpPeersOf(config.vips)).toEqual(["up_b4"]);
  });
});
