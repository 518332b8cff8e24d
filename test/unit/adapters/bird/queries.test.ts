// showExportedRoute and showProtocol over a fake BIRD socket: the command that goes out, and
// BIRD's empty answers (no such network; filtered) that must neither throw nor cost a reconnect.
import { afterEach, describe, expect, it } from "vitest";
import { BirdClient } from "../../../../src/adapters/bird/client.js";
import { showExportedRoute, showProtocol } from "../../../../src/adapters/bird/queries.js";
import type { BirdRoute } from "../../../../src/core/bird/route-types.js";
import { isBirdCommandError } from "../../../../src/core/bird/reply-codes.js";
import { isFibwardenError } from "../../../../src/core/errors.js";
import { startFakeBird, type FakeBird } from "../../../support/fake-bird.js";

const ECMP = "1007-Table master4:\n 10.201.31.0/24       unicast [up_a4 18:53:18.814] * (100) [AS65000i]\n"
  + " \tvia 10.111.1.1 on na0 weight 1\n \tvia 10.111.2.1 on nb0 weight 1\n0000 \n";

let fake: FakeBird | undefined;
let client: BirdClient | undefined;
afterEach(async () => {
  client?.close();
  await fake?.close();
  fake = undefined;
  client = undefined;
});

async function start(daemon: string, replies: Record<string, string> = {}): Promise<{ fake: FakeBird; client: BirdClient }> {
  fake = await startFakeBird(daemon, { replies });
  client = new BirdClient({ socketPath: fake.socketPath, idleTimeoutMs: 300 });
  return { fake, client };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try { await p; } catch (err) { return err; }
  throw new Error("expected a rejection");
}

describe("showExportedRoute", () => {
  it("asks for the canonical prefix and streams the route (ECMP: one route, two nexthops)", async () => {
    const { fake, client } = await start("bird-2.0.12", { "show route 10.201.31.0/24 export kernel1": ECMP });
    const got: BirdRoute[] = [];
    expect(await showExportedRoute(client, "kernel1", "10.201.31.0/24", (r) => got.push(r))).toBe(1);
    expect(fake.commands).toEqual(["restrict", "show route 10.201.31.0/24 export kernel1"]);
    expect(got.map((r) => [r.network, r.nexthops.length, r.primary])).toEqual([["10.201.31.0/24", 2, true]]);
  });

  it("a bare address asks for its host prefix; IPv6 is written canonically", async () => {
    const { fake, client } = await start("bird-2.0.12");
    await showExportedRoute(client, "kernel1", "10.111.100.1", () => undefined).catch(() => undefined);
    await showExportedRoute(client, "kernel2", "FD00:0201:0::/32", () => undefined).catch(() => undefined);
    expect(fake.commands.filter((c) => c !== "restrict")).toEqual(["show route 10.111.100.1/32 export kernel1", "show route fd00:201::/32 export kernel2"]);
  });

  it("refuses host bits, garbage and bad protocol names before anything reaches BIRD", async () => {
    const { fake, client } = await start("bird-2.0.12");
    for (const prefix of ["10.201.31.1/24", "10.0.0.0/33", "default", "10.0.0.0/24 export x", "10.0.0.0/24\nconfigure"]) {
      expect(isFibwardenError(await rejection(showExportedRoute(client, "kernel1", prefix, () => undefined)), "FW_INVALID_PREFIX"), prefix).toBe(true);
    }
    expect(isFibwardenError(await rejection(showExportedRoute(client, "kernel1; x", "10.0.0.0/24", () => undefined)), "FW_INVALID_TOKEN")).toBe(true);
    expect(fake.commands).toEqual([]);
  });

  it("8001 (BIRD has no such network) and a lone 0000 (filtered) are 0 routes on the same connection", async () => {
    const { fake, client } = await start("bird-1.6.8", {
      "show route 10.9.77.0/24 export kernel1": "8001 Network not in table\n",
      "show route 10.9.2.0/24 export kernel1": "0000 \n",
      "show route 10.201.31.0/24 export kernel1": ECMP,
    });
    expect(await showExportedRoute(client, "kernel1", "10.9.77.0/24", () => undefined)).toBe(0);
    expect(await showExportedRoute(client, "kernel1", "10.9.2.0/24", () => undefined)).toBe(0);
    expect(await showExportedRoute(client, "kernel1", "10.201.31.0/24", () => undefined)).toBe(1);
    expect(fake.commands.filter((c) => c === "restrict")).toHaveLength(1);
  });

  it("other refusals are BirdCommandErrors (a prefix of the other family: 9001)", async () => {
    const { client } = await start("bird-2.0.12", { "show route fd00::/64 export kernel1": "9001 No valid tables\n" });
    expect(isBirdCommandError(await rejection(showExportedRoute(client, "kernel1", "fd00::/64", () => undefined)), 9001)).toBe(true);
  });
});

describe("showProtocol", () => {
  it("reads one protocol's detail block (BIRD 2 and 1.6)", async () => {
    for (const daemon of ["bird-2.0.12", "bird-1.6.8"]) {
      const { fake, client } = await start(daemon);
      const p = await showProtocol(client, "up_a4");
      expect(p?.bgp).toMatchObject({ state: "Established", neighborAddress: "10.111.1.1" });
      expect(fake.commands).toEqual(["restrict", "show protocols all up_a4"]);
      client.close();
      await fake.close();
    }
    fake = undefined;
  });

  it("a name BIRD does not know is a BirdCommandError (9001 on BIRD 2, 9002 on 1.6)", async () => {
    const { client } = await start("bird-1.6.8", { "show protocols all nonexistent": "9002 nonexistent is not a protocol\n" });
    expect(isBirdCommandError(await rejection(showProtocol(client, "nonexistent")), 9002)).toBe(true);
  });
});
