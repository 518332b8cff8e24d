// `show protocols [all]` from BIRD 1.6, 2 and (synthetic) 3.
import { describe, expect, it } from "vitest";
import { BirdCommandError, frameTranscript, parseProtocols, type BirdProtocol } from "../../../../src/core/bird/index.js";
import { isFibwardenError } from "../../../../src/core/errors.js";
import { fixtureLines, type Daemon } from "./fixtures.js";

function protocols(daemon: Daemon, file: string): BirdProtocol[] {
  return parseProtocols(fixtureLines(daemon, file), { legacyFamily: daemon === "bird6-1.6.8" ? 6 : 4 });
}

function byName(list: BirdProtocol[], name: string): BirdProtocol {
  const p = list.find((x) => x.name === name);
  expect(p, name).toBeDefined();
  return p as BirdProtocol;
}

describe("show protocols", () => {
  it("BIRD 2: one record per protocol, `---` table omitted", () => {
    const list = protocols("bird-2.0.12", "show-protocols.txt");
    expect(list.map((p) => [p.name, p.proto, p.table ?? "-", p.state, p.info])).toEqual([
      ["device1", "Device", "-", "up", ""],
      ["kernel1", "Kernel", "master4", "up", ""],
      ["kernel2", "Kernel", "master6", "up", ""],
      ["vips4", "Static", "master4", "up", ""],
      ["vips6", "Static", "master6", "up", ""],
      ["up_a4", "BGP", "-", "up", "Established"],
      ["up_b4", "BGP", "-", "up", "Established"],
      ["up_a6", "BGP", "-", "up", "Established"],
      ["up_b6", "BGP", "-", "up", "Established"],
    ]);
    expect(byName(list, "up_a4").since).toBe("18:53:18.814");
    expect(list.every((p) => p.channels.length === 0 && p.bgp === undefined)).toBe(true);
  });

  it("BIRD 1.6: lower-case heading, table `master`", () => {
    const list = protocols("bird-1.6.8", "show-protocols.txt");
    expect(list.map((p) => p.name)).toEqual(["device1", "kernel1", "vips4", "up_a4", "up_b4"]);
    expect(list.every((p) => p.table === "master")).toBe(true);
    expect(byName(list, "up_b4")).toMatchObject({ since: "18:59:12", info: "Established" });
  });

  it("a `since` with a date and an info column with inner spaces", () => {
    const [p] = parseProtocols(frameTranscript(
      "2002-Name       Proto      Table      State  Since         Info\n"
      + "1002-up_x       BGP        ---        start  2026-11-22 18:53:18  Active        Socket: Connection refused\n0000 \n"));
    expect(p).toMatchObject({ name: "up_x", state: "start", since: "2026-11-22 18:53:18", info: "Active        Socket: Connection refused" });
  });
});

describe("show protocols all", () => {
  it("BIRD 2 BGP session and channel", () => {
    const p = byName(protocols("bird-2.0.12", "show-protocols-all.txt"), "up_a4");
    expect(p.bgp).toMatchObject({
      state: "Established", neighborAddress: "10.111.1.1", neighborAs: 65000, localAs: 65001,
      neighborId: "10.111.255.1", session: "external AS4", sourceAddress: "10.111.1.2",
    });
    expect(p.bgp?.localCapabilities).toContain("4-octet AS numbers");
    expect(p.bgp?.neighborCapabilities).toContain("AF announced: ipv4");
    expect(p.channels).toHaveLength(1);
    expect(p.channels[0]).toMatchObject({
      name: "ipv4", state: "UP", table: "master4", preference: 100, inputFilter: "ACCEPT", outputFilter: "(unnamed)",
      routes: { imported: 305, exported: 2, preferred: 305 }, bgpNextHop: ["10.111.1.2"],
    });
    expect(p.channels[0]?.changeStats?.exportUpdates).toEqual({ received: 355, rejected: 305, filtered: 48, ignored: null, accepted: 2 });
  });

  it("BIRD 2 kernel channels: the kernel protocols' tables and export counts", () => {
    const list = protocols("bird-2.0.12", "show-protocols-all.txt");
    expect(byName(list, "kernel1").channels).toMatchObject([{ name: "ipv4", table: "master4", routes: { imported: 0, exported: 311 } }]);
    expect(byName(list, "kernel2").channels).toMatchObject([{ name: "ipv6", table: "master6", routes: { exported: 56 } }]);
    expect(byName(list, "device1").channels).toEqual([]);
    expect(byName(list, "up_b6").bgp?.neighborAddress).toBe("fd00:111:2::1");
    expect(list).toHaveLength(9);
  });

  it("BIRD 1.6 protocol-level routes and filters become one channel named after the daemon's family", () => {
    const v4 = protocols("bird-1.6.8", "show-protocols-all.txt");
    expect(byName(v4, "kernel1").channels).toMatchObject([{
      name: "ipv4", table: "master", preference: 10, inputFilter: "REJECT", outputFilter: "(unnamed)",
      routes: { imported: 0, exported: 315, preferred: 0 },
    }]);
    expect(byName(v4, "kernel1").channels[0]?.state).toBeUndefined();
    const bgp = byName(v4, "up_b4");
    expect(bgp.bgp).toMatchObject({ state: "Established", neighborAddress: "10.111.2.1", neighborAs: 65000, holdTimer: "74/90" });
    expect(bgp.bgp?.localAs).toBeUndefined(); // BIRD 1.6 does not print it
    expect(bgp.bgp?.details["Neighbor caps"]).toBe("refresh enhanced-refresh restart-aware llgr-aware AS4");
    expect(bgp.channels[0]?.changeStats?.exportUpdates).toEqual({ received: 355, rejected: 44, filtered: 309, ignored: null, accepted: 2 });
    const v6 = protocols("bird6-1.6.8", "show-protocols-all-up_a6.txt");
    expect(v6).toHaveLength(1);
    expect(v6[0]?.channels[0]).toMatchObject({ name: "ipv6", routes: { imported: 53, exported: 1, preferred: 53 } });
    expect(v6[0]?.bgp?.neighborAddress).toBe("fd00:111:1::1");
  });

  it("BIRD 2 and 1.6 agree on the kernel protocol's channel where both print it", () => {
    const v2 = protocols("bird-2.0.12", "show-protocols-all-kernel1.txt")[0];
    const v16 = protocols("bird-1.6.8", "show-protocols-all-kernel1.txt")[0];
    for (const p of [v2, v16]) {
      expect(p?.channels).toHaveLength(1);
      expect(p?.channels[0]).toMatchObject({ name: "ipv4", preference: 10, inputFilter: "REJECT", outputFilter: "(unnamed)" });
    }
  });

  it("BIRD 3 (synthetic): Created, import/export states and seven stats columns", () => {
    const list = protocols("bird-3-synthetic", "show-protocols-all.txt");
    expect(byName(list, "device1")).toMatchObject({ created: "18:53:14.444", channels: [] });
    const k = byName(list, "kernel1");
    expect(k.channels[0]).toMatchObject({ state: "UP", importState: "DOWN", exportState: "READY", table: "master4" });
    expect(k.channels[0]?.changeStats?.exportUpdates).toEqual({
      received: 361, rejected: 0, filtered: 0, ignored: 0, rxLimit: null, limit: 0, accepted: 361,
    });
    const b = byName(list, "up_a4");
    expect(b.bgp).toMatchObject({ localAs: 65001, neighborAs: 65000, details: { "TX pending": "0 bytes" } });
    expect(b.channels[0]?.details).toHaveProperty(["Pending 0 attribute sets with total 0 prefixes to send"]);
    // The same session as BIRD 2 reports it.
    const v2 = byName(protocols("bird-2.0.12", "show-protocols-all-up_a4.txt"), "up_a4");
    expect(b.channels[0]?.routes).toEqual(v2.channels[0]?.routes);
    expect(b.bgp?.localCapabilities).toEqual(v2.bgp?.localCapabilities);
  });

  it("a pipe channel's Routes line has two counts; preferred is then 0", () => {
    const [p] = parseProtocols(frameTranscript([
      "1002-pipe1      Pipe       ---        up     18:53:14.444  master4 <=> t100",
      "1006-  Channel main",
      "    Table:          master4",
      "    Routes:         5 imported, 3 exported",
      "0000 ",
    ].join("\n") + "\n"));
    expect(p?.channels).toMatchObject([{ name: "main", table: "master4", routes: { imported: 5, exported: 3, preferred: 0 } }]);
    expect(p?.info).toBe("master4 <=> t100");
  });

  it("async lines inside a reply are skipped; a line after the final one is FW_BIRD_PROTOCOL", () => {
    const lines = frameTranscript("2002-Name Proto Table State Since Info\n+log: something happened\n1002-k1  Kernel  master4  up  12:00  \n0000 \n");
    expect(parseProtocols(lines).map((p) => p.name)).toEqual(["k1"]);
    let err: unknown;
    try { parseProtocols([...lines, { code: 1002, kind: "first", text: "late" }]); } catch (e) { err = e; }
    expect(isFibwardenError(err, "FW_BIRD_PROTOCOL")).toBe(true);
  });

  it("refused commands", () => {
    for (const [daemon, code] of [["bird-2.0.12", 9001], ["bird-1.6.8", 9002], ["bird6-1.6.8", 9002]] as const) {
      expect(() => protocols(daemon, "show-protocols-nonexistent.txt")).toThrow(BirdCommandError);
      expect(() => protocols(daemon, "show-protocols-nonexistent.txt")).toThrow(expect.objectContaining({ birdCode: code }) as Error);
    }
  });

  it("malformed details are FW_BIRD_PARSE", () => {
    for (const text of [
      "1002-p1 BGP --- up\n0000 \n",
      "1006-  Neighbor AS: many\n0000 \n",
      "1002-p1  BGP  ---  up  12:00  x\n1006-  BGP state: Established\n    Neighbor AS: many\n0000 \n",
      "1002-p1  BGP  ---  up  12:00  x\n1006-  Routes: 5 imported, lots exported\n0000 \n",
      "1002-p1  BGP  ---  up  12:00  x\n1006-  Route change stats: received   rejected\n    Import updates: 1 2 3\n0000 \n",
    ]) {
      let err: unknown;
      try { parseProtocols(frameTranscript(text)); } catch (e) { err = e; }
      expect(isFibwardenError(err, "FW_BIRD_PARSE"), text).toBe(true);
    }
  });
});
