// A resync fed by several readers at once (both families' dumps, each BIRD kernel protocol): only
// parts committed count, the whole commits them together, and an abort of the whole (the kernel
// could not be read) leaves the side, its indexes and the dirty keys as they were. A resync that
// finds a key unchanged keeps its stored encoding and reports nothing there.
import { describe, expect, it } from "vitest";
import { routeKey } from "../../../../src/core/model/keys.js";
import { makeRoute } from "../../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { createTrackers } from "../../../../src/core/track/trackers.js";

const policy = defaultOwnershipPolicy();
const bird = (dst: string, extra = {}) => makeRoute({ dst, metric: 32, protocol: 12, nexthops: [{ gateway: "10.1.0.1", dev: "eth0" }], ...extra });
const bird6 = (dst: string) => makeRoute({ dst, metric: 32, protocol: 12, nexthops: [{ gateway: "fd00::1", dev: "eth0" }] });

describe("parted resync", () => {
  it("keeps committed parts, drops a part never committed (an interrupted dump), merges keys shared by parts", () => {
    const t = createTrackers(policy);
    const resync = t.routes.live.beginParts();
    const v4 = resync.part();
    const torn = resync.part();
    const v6 = resync.part();
    v4.add(bird("10.0.0.0/24"));
    v4.add(bird("10.0.1.0/24"));
    torn.add(bird("10.9.9.0/24")); // an attempt the kernel reported interrupted: never committed
    v6.add(bird6("fd00:1::/64"));
    v6.add(bird("10.0.1.0/24", { nexthops: [{ gateway: "10.1.0.2", dev: "eth0" }] })); // same key as in v4
    v4.commit();
    v6.commit();
    resync.commit();
    torn.commit(); // too late: the whole was committed
    expect([...t.routes.live.keys()].sort()).toEqual([routeKey(bird("10.0.0.0/24")), routeKey(bird("10.0.1.0/24")), routeKey(bird6("fd00:1::/64"))].sort());
    expect(t.routes.live.get(routeKey(bird("10.0.1.0/24"))).map((r) => r.nexthops[0]!.gateway)).toEqual(["10.1.0.1", "10.1.0.2"]);
    expect(t.routes.tableCount(254)).toBe(4);
  });

  it("an aborted whole leaves the side, its indexes and the dirty keys untouched", () => {
    const t = createTrackers(policy);
    t.routes.live.replace([bird("10.0.0.0/24")]);
    t.routes.protected.replace([bird("10.0.0.0/24"), bird("10.0.5.0/24")]);
    t.takeDirty();
    const live = t.routes.live.beginParts();
    const prot = t.routes.protected.beginParts();
    const a = live.part();
    a.add(bird("10.7.0.0/24"));
    a.commit();
    const p = prot.part();
    p.add(bird("10.7.0.0/24"));
    p.commit();
    live.abort();
    prot.abort();
    live.commit(); // after an abort: nothing
    expect([...t.routes.live.keys()]).toEqual([routeKey(bird("10.0.0.0/24"))]);
    expect([...t.routes.protected.keys()].sort()).toEqual([routeKey(bird("10.0.0.0/24")), routeKey(bird("10.0.5.0/24"))]);
    expect([...t.routes.index.groups.get("4|254|32")!.missing]).toEqual([routeKey(bird("10.0.5.0/24"))]);
    expect(t.takeDirty().routes.size).toBe(0);
  });

  it("a desired side's parts: a protocol that failed is not committed, so its routes are not desired", () => {
    const t = createTrackers(policy);
    const prot = t.routes.protected.beginParts();
    const kernel1 = prot.part();
    const kernel2 = prot.part();
    kernel1.add(bird("10.0.0.0/24"));
    kernel1.commit();
    kernel2.add(bird("10.0.9.0/24")); // its export failed midway
    prot.commit();
    expect([...t.routes.protected.keys()]).toEqual([routeKey(bird("10.0.0.0/24"))]);
  });

  it("a second resync reports only the keys that changed and keeps the encodings of the others", () => {
    const t = createTrackers(policy);
    t.routes.live.replace([bird("10.0.0.0/24"), bird("10.0.1.0/24"), bird("10.0.2.0/24")]);
    t.routes.protected.replace([bird("10.0.0.0/24"), bird("10.0.1.0/24")]);
    const kept = t.routes.live.soleEncodedAt(routeKey(bird("10.0.0.0/24")));
    t.takeDirty();
    const live = t.routes.live.beginParts();
    const part = live.part();
    part.add(bird("10.0.0.0/24"));
    part.add(bird("10.0.1.0/24", { nexthops: [{ gateway: "10.1.0.9", dev: "eth0" }] }));
    part.commit();
    live.commit();
    expect([...t.takeDirty().routes].sort()).toEqual([routeKey(bird("10.0.1.0/24")), routeKey(bird("10.0.2.0/24"))].sort());
    expect(t.routes.live.soleEncodedAt(routeKey(bird("10.0.0.0/24")))).toBe(kept);
    expect(t.routes.protectedInSync(routeKey(bird("10.0.0.0/24")))).toBe(true);
    expect(t.routes.protectedInSync(routeKey(bird("10.0.1.0/24")))).toBe(false); // differs
    expect(t.routes.tableCount(254)).toBe(2);
  });

  it("protectedInSync: false with a route of ours desired at the key, with a second live route, or another route at the site", () => {
    const t = createTrackers(policy);
    const k = routeKey(bird("10.0.0.0/24"));
    t.routes.protected.replace([bird("10.0.0.0/24")]);
    t.routes.live.replace([bird("10.0.0.0/24")]);
    expect(t.routes.protectedInSync(k)).toBe(true);
    t.routes.live.add(makeRoute({ dst: "10.0.0.0/24", metric: 100, protocol: 3, nexthops: [{ gateway: "10.1.0.7", dev: "eth0" }] })); // a shadow candidate
    expect(t.routes.protectedInSync(k)).toBe(false);
    t.routes.live.replace([bird("10.0.0.0/24"), bird("10.0.0.0/24", { nexthops: [{ gateway: "10.1.0.3", dev: "eth0" }] })]);
    expect(t.routes.protectedInSync(k)).toBe(false);
    t.routes.live.replace([bird("10.0.0.0/24")]);
    expect(t.routes.protectedInSync(k)).toBe(true);
    t.routes.desired.set(bird("10.0.0.0/24", { protocol: 201 }));
    expect(t.routes.protectedInSync(k)).toBe(false);
  });

  it("a protected side loaded beside the live side knows what the kernel lacks, and a resync changes nothing else", () => {
    const t = createTrackers(policy);
    const dsts = ["10.0.3.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.0.0/24"];
    t.routes.live.replace(dsts.map((d) => bird(d)));
    t.routes.protected.replace(["10.0.9.0/24", "10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"].map((d) => bird(d)));
    expect([...t.routes.protected.keys()].sort()).toEqual([...dsts, "10.0.9.0/24"].map((d) => routeKey(bird(d))).sort());
    expect([...t.routes.index.groups.get("4|254|32")!.missing]).toEqual([routeKey(bird("10.0.9.0/24"))]);
    t.takeDirty();
    t.routes.protected.replace(["10.0.0.0/24", "10.0.3.0/24"].map((d) => bird(d)));
    expect([...t.routes.protected.keys()].sort()).toEqual(["10.0.3.0/24", "10.0.0.0/24"].map((d) => routeKey(bird(d))).sort());
    expect([...t.takeDirty().routes].sort()).toEqual(["10.0.1.0/24", "10.0.2.0/24", "10.0.9.0/24"].map((d) => routeKey(bird(d))).sort());
    expect(t.routes.index.groups.get("4|254|32")!.total).toBe(2);
  });
});
