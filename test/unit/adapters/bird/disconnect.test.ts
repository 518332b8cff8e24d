// BirdClient.onDisconnect: the daemon's way to notice a stopped BIRD without polling fast.
import { afterEach, describe, expect, it } from "vitest";
import { BirdClient } from "../../../../src/adapters/bird/client.js";
import { startFakeBird, type FakeBird } from "../../../support/fake-bird.js";

let fake: FakeBird | undefined;
let client: BirdClient | undefined;
afterEach(async () => {
  client?.close();
  await fake?.close();
  fake = client = undefined;
});

/** Resolves when `listen` calls back; rejects after `ms` naming what was awaited. */
function calledBack(listen: (cb: () => void) => void, what: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    listen(() => { clearTimeout(timer); resolve(); });
  });
}

describe("BirdClient.onDisconnect", () => {
  it("calls back when BIRD closes an established connection", async () => {
    fake = await startFakeBird("bird-2.0.12");
    client = new BirdClient({ socketPath: fake.socketPath });
    await client.connect();
    const closed = calledBack((cb) => client!.onDisconnect(cb), "the disconnect callback");
    await fake.close();
    fake = undefined;
    await closed;
  });

  it("does not call back when fibwarden closes the client, nor after the listener is removed", async () => {
    fake = await startFakeBird("bird-2.0.12");
    const calls: string[] = [];
    client = new BirdClient({ socketPath: fake.socketPath });
    await client.connect();
    const remove = client.onDisconnect(() => calls.push("removed listener"));
    client.onDisconnect(() => calls.push("kept listener"));
    remove();
    const second = new BirdClient({ socketPath: fake.socketPath });
    await second.connect();
    const secondClosed = calledBack((cb) => second.onDisconnect(cb), "the second client's disconnect callback");
    client.close();
    await fake.close(); // closes the second client's connection: its callback proves the close went through
    await secondClosed;
    second.close();
    expect(calls).toEqual([]);
  });
});
