// Reconciler.reconfigure: a reloaded config with the same ownership policy, kernel and BIRD
// settings is taken by the running reconciler (its trackers stay; the next pass is a resync and
// uses the new config); any other leaves it as it was, for a new reconciler to take.
import { describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import { parseConfigText } from "../../../src/config/parse.js";
import { createReconciler } from "../../../src/index.js";
import { startFakeBird } from "../../support/fake-bird.js";
import { loadKernelFixture } from "../../support/fixtures.js";
import { KernelSim } from "../../support/kernel-sim.js";
import { NODE_LINKS, stopAfterEach } from "../../support/reconciler-cleanup.js";
import { perPrefixExportReplies, WatchedDataplane } from "../../support/watched-dataplane.js";

const { fakes, recs } = stopAfterEach();
const VIP = "10.111.100.10";

const text = (socket: string, extra: { gateway?: string; protocol?: number; table?: number } = {}) => `
bird: {sockets: [${JSON.stringify(socket)}]}
protect: {kernelProtocols: [kernel1], repair: reinstall}
ownership: {announceTables: [198]${extra.protocol ? `, protocol: ${extra.protocol}` : ""}}
vips:
  - {address: ${VIP}, announce: {table: ${extra.table ?? 198}}, return: {gateway: ${extra.gateway ?? "10.111.1.1"}, device: na0}}
`;

async function setup() {
  const bird = await startFakeBird("bird-2.0.12", { replies: perPrefixExportReplies() });
  fakes.push(bird);
  const dp = new WatchedDataplane(KernelSim.from(loadKernelFixture("bird2-node")), NODE_LINKS);
  const rec = createReconciler({ config: parseConfigText(text(bird.socketPath)), dataplane: dp, bird: [createBirdPort({ socketPath: bird.socketPath, idleTimeoutMs: 300 })] });
  recs.push(rec);
  await rec.watchKernel({ onChange: () => undefined }).started;
  expect((await rec.apply()).mode).toBe("full");
  await rec.apply();
  expect((await rec.apply()).mode).toBe("incremental");
  return { dp, rec, socket: bird.socketPath };
}

describe("Reconciler.reconfigure", () => {
  it("takes a config with the same policy, kernel and BIRD: the next pass is a resync with the new config", async () => {
    const { dp, rec, socket } = await setup();
    const next = parseConfigText(text(socket, { gateway: "10.111.2.1" }).replace("na0", "nb0"));
    expect(rec.reconfigure(next)).toBe(true);
    expect(rec.config).toBe(next);
    expect(rec.fullPassReason).toBe("the config was reloaded");
    const res = await rec.apply();
    expect(res.mode).toBe("full");
    const table = res.desired!.tables.get(VIP)!;
    const source = dp.sim.routes.filter((r) => r.table === table && r.dst === "0.0.0.0/0");
    expect(source.map((r) => r.nexthops.map((n) => `${n.gateway} dev ${n.dev}`))).toEqual([["10.111.2.1 dev nb0"]]);
  });

  it("refuses a config that changes the ownership policy (protocol, an announce table) and keeps its own", async () => {
    const { rec, socket } = await setup();
    const before = rec.config;
    expect(rec.reconfigure(parseConfigText(text(socket, { protocol: 202 })))).toBe(false);
    expect(rec.reconfigure(parseConfigText(text(socket, { table: 197 }).replace("announceTables: [198]", "announceTables: [197]")))).toBe(false);
    expect(rec.config).toBe(before);
    expect(rec.fullPassReason).toBeUndefined();
    expect((await rec.apply()).mode).toBe("incremental");
  });

  it("refuses another BIRD socket, and anything once stopped", async () => {
    const { rec, socket } = await setup();
    expect(rec.reconfigure(parseConfigText(text(`${socket}.other`)))).toBe(false);
    await rec.stop();
    expect(rec.reconfigure(parseConfigText(text(socket)))).toBe(false);
  });
});
