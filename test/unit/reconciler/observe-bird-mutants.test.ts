// observeBird over fake BIRD sockets replaying the captured transcripts, at its edges: the family
// of a BIRD 1.6 daemon, each kernel protocol's family and metric, routes BIRD failed to sync, and
// every way an observation ends incomplete or with a problem (BIRD not up, a protocol down or of
// an unknown family, a configured protocol missing, an abort, a failure that is not fibwarden's
// own). Written against the survivors of mutation testing (docs/reliability.md, Mutation testing).
import { afterEach, describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import type { BirdPort } from "../../../src/adapters/ports.js";
import { legacyFamilyOf, observeBird } from "../../../src/reconciler/observe-bird.js";
import { startFakeBird, type FakeBird, type FakeBirdOptions } from "../../support/fake-bird.js";
import { readFixture } from "../../support/fixtures.js";

const fakes: FakeBird[] = [];
const ports: BirdPort[] = [];
afterEach(async () => {
  for (const p of ports.splice(0)) p.close();
  for (const f of fakes.splice(0)) await f.close();
});

async function bird(daemon: string, options: FakeBirdOptions = {}): Promise<{ fake: FakeBird; port: BirdPort }> {
  const fake = await startFakeBird(daemon, options);
  const port = createBirdPort({ socketPath: fake.socketPath, idleTimeoutMs: 300 });
  fakes.push(fake);
  ports.push(port);
  return { fake, port };
}

/** A captured BIRD 2.0.12 reply with `from` replaced by `to` (which must occur in it). */
function bird2Reply(file: string, from: string | RegExp, to: string): string {
  const text = readFixture(`bird/bird-2.0.12/${file}`);
  const out = text.replace(from, to);
  expect(out).not.toBe(text);
  return out;
}

/** `port` with `hook` called after one of its queries resolves (e.g. to abort the pass right then). */
function after(port: BirdPort, query: "status" | "protocols", hook: () => void): BirdPort {
  return {
    get socket() { return port.socket; },
    get version() { return port.version; },
    status: async (o) => { const s = await port.status(o); if (query === "status") hook(); return s; },
    protocols: async (all, family, o) => { const p = await port.protocols(all, family, o); if (query === "protocols") hook(); return p; },
    protocol: (name, o) => port.protocol(name, o),
    exportedRoutes: (name, onRoute, o) => port.exportedRoutes(name, onRoute, o),
    exportedRoutesAt: (name, prefix, onRoute, o) => port.exportedRoutesAt(name, prefix, onRoute, o),
    close: () => port.close(),
  };
}

describe("legacyFamilyOf", () => {
  it("reads a bare socket name without a directory", () => {
    expect(legacyFamilyOf("bird6.ctl")).toBe(6);
    expect(legacyFamilyOf("bird.ctl")).toBe(4);
  });

  it("looks at the socket's own name only, not its directory", () => {
    expect(legacyFamilyOf("/run/bird6-sockets/bird.ctl")).toBe(4);
    expect(legacyFamilyOf("/run/bird/bird6.ctl")).toBe(6);
  });

  it("takes `6.ctl` as IPv6 only at the end of the name", () => {
    expect(legacyFamilyOf("/run/bird/rack6.ctl")).toBe(6);
    expect(legacyFamilyOf("/run/bird/rack6.ctl.old")).toBe(4);
  });
});

describe("observeBird: kernel protocols", () => {
  it("BIRD 2: each kernel protocol takes its channel's family and that family's configured metric", async () => {
    const { port } = await bird("bird-2.0.12");
    const obs = await observeBird([port], {
      kernelProtocols: "all",
      metrics: { kernel1: { ipv4: 50, ipv6: 60 }, kernel2: { ipv4: 70, ipv6: 80 } },
    });
    expect(obs.complete).toBe(true);
    expect(obs.problems).toEqual([]);
    expect(obs.kernelProtocols.map((k) => [k.name, k.family, k.table, k.metric, k.syncErrors])).toEqual([
      ["kernel1", 4, 254, 50, []],
      ["kernel2", 6, 254, 80, []],
    ]);
  });

  it("lists the networks BIRD marks `!` (its kernel sync failed) as sync errors, and only those", async () => {
    const exportReply = bird2Reply("show-route-export-kernel1.txt",
      " 10.200.52.0/24       unicast [up_a4 18:53:18.814] * ", " 10.200.52.0/24       unicast [up_a4 18:53:18.814] ! ");
    const { port } = await bird("bird-2.0.12", { replies: { "show route export kernel1": exportReply } });
    const obs = await observeBird([port], { kernelProtocols: ["kernel1"] });
    const k1 = obs.kernelProtocols.find((k) => k.name === "kernel1")!;
    expect(k1.syncErrors).toEqual(["10.200.52.0/24"]);
    expect(k1.routes.some((r) => r.dst === "10.200.52.0/24")).toBe(true);
  });

  it("BIRD 1.6 (bird6.ctl): the daemon's family names its implicit channel and the kernel protocol's family", async () => {
    const { port } = await bird("bird6-1.6.8");
    const obs = await observeBird([port], { kernelProtocols: "all" });
    expect(obs.complete).toBe(true);
    expect(obs.daemons.map((d) => [d.dialect, d.dialectSource])).toEqual([[1, "version"]]);
    const k1 = obs.daemons[0]!.protocols.find((p) => p.name === "kernel1")!;
    expect(k1.channels.map((c) => c.name)).toEqual(["ipv6"]);
    expect(obs.kernelProtocols.map((k) => [k.name, k.family, k.metric])).toEqual([["kernel1", 6, 1024]]);
  });

  it("an unreadable version on bird6.ctl: the family still comes from the socket, the dialect from the replies", async () => {
    const { port } = await bird("bird6-1.6.8", { version: "custom-build" });
    const obs = await observeBird([port], { kernelProtocols: "all" });
    expect(obs.daemons.map((d) => [d.version, d.release, d.dialect, d.dialectSource])).toEqual([["custom-build", undefined, 1, "replies"]]);
    const k1 = obs.daemons[0]!.protocols.find((p) => p.name === "kernel1")!;
    expect(k1.channels.map((c) => c.name)).toEqual(["ipv6"]);
    expect(obs.kernelProtocols.map((k) => [k.name, k.family])).toEqual([["kernel1", 6]]);
  });

  it("BIRD 1.6: a kernel protocol shown without route data still takes the daemon's family", async () => {
    const protocols = "2002-name     proto    table    state  since       info\n1002-kernel1  Kernel   master   up     18:59:08    \n0000 \n";
    const { port } = await bird("bird6-1.6.8", { replies: { "show protocols all": protocols } });
    const obs = await observeBird([port], { kernelProtocols: "all" });
    expect(obs.problems).toEqual([]);
    expect(obs.kernelProtocols.map((k) => [k.name, k.family, k.metric])).toEqual([["kernel1", 6, 1024]]);
  });

  it("a kernel protocol whose channel is of no known family is reported as FW_BIRD_PARSE and not observed", async () => {
    const protocols = bird2Reply("show-protocols-all.txt", "1006-  Channel ipv4\n     State:          UP\n     Table:          master4\n     Preference:     10",
      "1006-  Channel vpn4\n     State:          UP\n     Table:          master4\n     Preference:     10");
    const { fake, port } = await bird("bird-2.0.12", { replies: { "show protocols all": protocols } });
    const obs = await observeBird([port], { kernelProtocols: "all" });
    expect(obs.problems).toEqual([{ code: "FW_BIRD_PARSE", socket: port.socket, message: "kernel protocol kernel1: unknown channel family" }]);
    expect(obs.kernelProtocols.map((k) => k.name)).toEqual(["kernel2"]);
    expect(fake.commands).not.toContain("show route export kernel1");
  });

  it("a kernel protocol that is not up is reported and not observed: BIRD is not syncing it", async () => {
    const protocols = bird2Reply("show-protocols-all.txt", /^1002-kernel1 {4}Kernel {5}master4 {4}up {5}/m, "1002-kernel1    Kernel     master4    down   ");
    const { fake, port } = await bird("bird-2.0.12", { replies: { "show protocols all": protocols } });
    const obs = await observeBird([port], { kernelProtocols: "all" });
    expect(obs.problems).toEqual([{
      code: "FW_OBSERVATION_INCOMPLETE", socket: port.socket, message: "kernel protocol kernel1 is down: BIRD is not syncing it, nothing to protect",
    }]);
    expect(obs.kernelProtocols.map((k) => k.name)).toEqual(["kernel2"]);
    expect(fake.commands).not.toContain("show route export kernel1");
  });
});

describe("observeBird: incomplete observations", () => {
  it("BIRD that is not up and running makes the observation incomplete, with its message", async () => {
    const status = bird2Reply("show-status.txt", "0013 Daemon is up and running", "0013 Reconfiguration in progress");
    const { port } = await bird("bird-2.0.12", { replies: { "show status": status } });
    const obs = await observeBird([port], { kernelProtocols: "all" });
    expect(obs.complete).toBe(false);
    expect(obs.daemons.map((d) => d.up)).toEqual([false]);
    expect(obs.problems).toEqual([{ code: "FW_OBSERVATION_INCOMPLETE", socket: port.socket, message: "BIRD is not up: Reconfiguration in progress" }]);
  });

  it("a configured kernel protocol no daemon reports is a problem of a complete observation", async () => {
    const { port } = await bird("bird-2.0.12");
    const obs = await observeBird([port], { kernelProtocols: ["kernel1", "kernel9"] });
    expect(obs.kernelProtocols.map((k) => k.name)).toEqual(["kernel1"]);
    expect(obs.problems).toEqual([{ code: "FW_OBSERVATION_INCOMPLETE", message: "kernel protocol kernel9 is configured but no BIRD daemon reports it" }]);
  });

  it("a configured kernel protocol is not called missing when a daemon could not be read (it may be there)", async () => {
    const { port } = await bird("bird-2.0.12");
    const gone = createBirdPort({ socketPath: "/nonexistent/bird6.ctl" });
    ports.push(gone);
    const obs = await observeBird([port, gone], { kernelProtocols: ["kernel1", "kernel9"] });
    expect(obs.complete).toBe(false);
    expect(obs.problems.map((p) => [p.code, p.socket])).toEqual([["FW_BIRD_UNAVAILABLE", "/nonexistent/bird6.ctl"]]);
  });

  it("an already aborted pass asks BIRD nothing and ends incomplete", async () => {
    const { fake, port } = await bird("bird-2.0.12");
    const ctl = new AbortController();
    ctl.abort();
    const obs = await observeBird([port], { kernelProtocols: "all" }, ctl.signal);
    expect(obs.complete).toBe(false);
    expect(obs.problems.map((p) => [p.code, p.socket])).toEqual([["FW_ABORTED", port.socket]]);
    expect(fake.commands).toEqual([]);
  });

  it("a pass aborted after `show status` does not go on to `show protocols all`", async () => {
    const { fake, port } = await bird("bird-2.0.12");
    const ctl = new AbortController();
    const obs = await observeBird([after(port, "status", () => ctl.abort())], { kernelProtocols: "all" }, ctl.signal);
    expect(obs.complete).toBe(false);
    expect(obs.problems).toEqual([expect.objectContaining({ code: "FW_ABORTED", socket: port.socket })]);
    expect(obs.problems[0]!.message).toContain("show protocols all");
    expect(fake.commands).not.toContain("show protocols all");
  });

  it("a pass aborted after `show protocols all` reads no export and ends incomplete", async () => {
    const { fake, port } = await bird("bird-2.0.12");
    const ctl = new AbortController();
    const obs = await observeBird([after(port, "protocols", () => ctl.abort())], { kernelProtocols: "all" }, ctl.signal);
    expect(obs.complete).toBe(false);
    expect(obs.kernelProtocols).toEqual([]);
    expect(obs.problems).toEqual([expect.objectContaining({ code: "FW_ABORTED", socket: port.socket })]);
    expect(fake.commands.filter((c) => c.startsWith("show route"))).toEqual([]);
  });

  it("a failure that is not one of fibwarden's errors is reported as FW_BIRD_UNAVAILABLE", async () => {
    const { port } = await bird("bird-2.0.12");
    const broken: BirdPort = { ...after(port, "status", () => undefined), exportedRoutes: () => Promise.reject(new Error("socket hang up")) };
    const obs = await observeBird([broken], { kernelProtocols: ["kernel1"] });
    expect(obs.complete).toBe(false);
    expect(obs.problems).toEqual([{ code: "FW_BIRD_UNAVAILABLE", socket: port.socket, message: "socket hang up" }]);
  });
});
