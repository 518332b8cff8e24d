// observeBird against a real BIRD 2 (test/lab two-uplink topology), and against a BIRD that is
// gone: the observation must then say it is incomplete instead of throwing or reporting nothing.
import { describe, expect, it } from "vitest";
import { BirdClient } from "../../src/adapters/bird/client.js";
import { birdPortOf } from "../../src/adapters/bird/port.js";
import { legacyFamilyOf, observeBird } from "../../src/reconciler/observe-bird.js";
import { buildTwoUplinkTopology, checkLabSupport, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[observe-bird.test] SKIPPING: ${support.reason}\n`);

describe("legacyFamilyOf", () => {
  it("recognises calico's BIRD 1.6 IPv6 socket", () => {
    expect(legacyFamilyOf("/var/run/calico/bird6.ctl")).toBe(6);
    expect(legacyFamilyOf("/var/run/calico/bird.ctl")).toBe(4);
  });
});

describe.skipIf(!support.ok)("observeBird against real BIRD 2", () => {
  const get = useLab(buildTwoUplinkTopology, { name: "observe-bird" });
  const topo = (): TwoUplinkTopology => get().value;

  it("observes both kernel protocols with their exports, complete", async () => {
    const client = new BirdClient({ socketPath: topo().birds.node.socketPath });
    try {
      const obs = await observeBird([birdPortOf(client)], { kernelProtocols: ["kernel1", "kernel2"] });
      expect(obs.problems).toEqual([]);
      expect(obs.complete).toBe(true);
      expect(obs.daemons[0]?.dialect).toBe(2);
      const k1 = obs.kernelProtocols.find((k) => k.name === "kernel1")!;
      const k2 = obs.kernelProtocols.find((k) => k.name === "kernel2")!;
      expect([k1.family, k1.table, k1.metric]).toEqual([4, 254, 32]);
      expect(k2.family).toBe(6);
      expect(k1.routes.some((r) => r.dst === "10.201.0.0/16" && r.nexthops.length === 2)).toBe(true);
      expect(k1.syncErrors).toEqual([]);
    } finally { client.close(); }
  });

  it("a configured kernel protocol BIRD does not have is reported", async () => {
    const client = new BirdClient({ socketPath: topo().birds.node.socketPath });
    try {
      const obs = await observeBird([birdPortOf(client)], { kernelProtocols: ["kernel1", "kernel9"] });
      expect(obs.problems.map((p) => p.message)).toEqual(["kernel protocol kernel9 is configured but no BIRD daemon reports it"]);
    } finally { client.close(); }
  });

  it("an unreachable socket makes the observation incomplete, with the socket named", async () => {
    const good = new BirdClient({ socketPath: topo().birds.node.socketPath });
    const gone = new BirdClient({ socketPath: "/nonexistent/bird6.ctl" });
    try {
      const obs = await observeBird([good, gone].map(birdPortOf), { kernelProtocols: "all" });
      expect(obs.complete).toBe(false);
      expect(obs.problems).toEqual([expect.objectContaining({ code: "FW_BIRD_UNAVAILABLE", socket: "/nonexistent/bird6.ctl" })]);
      expect(obs.kernelProtocols.map((k) => k.name)).toContain("kernel1");
    } finally { good.close(); gone.close(); }
  });
});
