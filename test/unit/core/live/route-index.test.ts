// The route index behind incremental passes: built from a dump, updated by monitor events with
// the kernel's key and replace semantics, and compared against a full rebuild.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LiveRouteIndex } from "../../../../src/core/live/route-index.js";
import { routeKey } from "../../../../src/core/model/keys.js";
import type { Route } from "../../../../src/core/model/route.js";
import { loadKernelFixture } from "../../../support/fixtures.js";

const v4 = (dst: string, over: Partial<Route> = {}): Route => ({
  family: 4, table: 254, dst, type: "unicast", protocol: 12, metric: 32, tos: 0, scope: 0,
  nexthops: [{ gateway: "10.0.0.1", dev: "eth0", weight: 1, onlink: false }], ...over,
});

const sorted = (rs: readonly Route[]) => rs.map((r) => `${routeKey(r)}|${r.protocol}|${r.nexthops[0]?.dev ?? ""}`).sort();

describe("LiveRouteIndex", () => {
  it("indexes a captured dump: every route findable at its table and destination, counts per table", () => {
    const live = loadKernelFixture("bird2-node");
    const idx = LiveRouteIndex.from(live.routes);
    expect(idx.size).toBe(live.routes.length);
    for (const r of live.routes) expect(idx.at(r.family, r.table, r.dst)).toContain(r);
    const main = live.routes.filter((r) => r.table === 254).length;
    expect(idx.tableCount(254)).toBe(main);
    expect(sorted(idx.inTable(254))).toEqual(sorted(live.routes.filter((r) => r.table === 254)));
  });

  it("an IPv4 add or replace takes the key's place; other metrics of the destination stay", () => {
    const idx = LiveRouteIndex.from([v4("10.1.0.0/24"), v4("10.1.0.0/24", { metric: 100, protocol: 4 })]);
    idx.upsert(v4("10.1.0.0/24", { protocol: 4, nexthops: [{ gateway: "10.0.0.9", dev: "eth1", weight: 1, onlink: false }] }));
    const at = idx.at(4, 254, "10.1.0.0/24");
    expect(at.map((r) => [r.metric, r.protocol])).toEqual([[100, 4], [32, 4]]);
    expect(idx.tableCount(254)).toBe(2);
  });

  it("a delete removes the route of the same key and protocol only", () => {
    const idx = LiveRouteIndex.from([v4("10.1.0.0/24")]);
    expect(idx.remove(v4("10.1.0.0/24", { protocol: 4 }))).toBe(false);
    expect(idx.size).toBe(1);
    expect(idx.remove(v4("10.1.0.0/24"))).toBe(true);
    expect(idx.size).toBe(0);
    expect(idx.tableCount(254)).toBe(0);
    expect(idx.at(4, 254, "10.1.0.0/24")).toEqual([]);
  });

  it("IPv6 keeps one route per device at a key (fe80::/64 on every link)", () => {
    const ll = (dev: string): Route => ({ family: 6, table: 254, dst: "fe80::/64", type: "unicast", protocol: 2, metric: 256, tos: 0, scope: 0, nexthops: [{ dev, weight: 1, onlink: false }] });
    const idx = LiveRouteIndex.from([ll("eth0")]);
    idx.upsert(ll("eth1"));
    idx.upsert(ll("eth0"));
    expect(idx.at(6, 254, "fe80::/64").map((r) => r.nexthops[0]!.dev).sort()).toEqual(["eth0", "eth1"]);
    idx.remove(ll("eth1"));
    expect(idx.at(6, 254, "fe80::/64").map((r) => r.nexthops[0]!.dev)).toEqual(["eth0"]);
  });

  it("longest match picks the most specific prefix with an accepted route", () => {
    const idx = LiveRouteIndex.from([v4("10.0.0.0/8"), v4("10.1.0.0/16", { type: "blackhole", nexthops: [] }), v4("10.1.2.0/24", { table: 100 })]);
    const hits = idx.longestMatch(4, 254, "10.1.2.3", (r) => r.type === "unicast");
    expect(hits.map((r) => r.dst)).toEqual(["10.0.0.0/8"]);
    expect(idx.longestMatch(4, 254, "192.0.2.1", () => true)).toEqual([]);
  });

  it("replaceTable swaps one table's routes of one family and fixes the counts", () => {
    const idx = LiveRouteIndex.from([v4("10.1.0.0/24", { table: 1000 }), v4("10.2.0.0/24", { table: 1000 }), v4("10.3.0.0/24")]);
    idx.replaceTable(4, 1000, [v4("10.9.0.0/24", { table: 1000 })]);
    expect(idx.tableCount(1000)).toBe(1);
    expect(idx.size).toBe(2);
    expect(idx.inTable(1000).map((r) => r.dst)).toEqual(["10.9.0.0/24"]);
  });

  it("applying IPv4 events one by one equals rebuilding from the final kernel (property)", () => {
    const dst = fc.constantFrom("10.1.0.0/24", "10.2.0.0/24", "0.0.0.0/0");
    const ev = fc.record({ del: fc.boolean(), dst, metric: fc.constantFrom(0, 32), protocol: fc.constantFrom(4, 12, 201), table: fc.constantFrom(254, 1000) });
    fc.assert(fc.property(fc.array(ev, { maxLength: 40 }), (events) => {
      // the kernel: one route per IPv4 key; add/replace sets the key, delete clears it if the protocol matches
      const kernel = new Map<string, Route>();
      const idx = new LiveRouteIndex();
      for (const e of events) {
        const r = v4(e.dst, { metric: e.metric, protocol: e.protocol, table: e.table });
        const k = routeKey(r);
        if (e.del) {
          if (kernel.get(k)?.protocol !== e.protocol) continue; // the kernel refuses: no event
          kernel.delete(k);
          idx.remove(r);
        } else {
          kernel.set(k, r);
          idx.upsert(r);
        }
      }
      expect(sorted([...kernel.values()].flatMap((r) => idx.at(r.family, r.table, r.dst).filter((x) => routeKey(x) === routeKey(r))))).toEqual(sorted([...kernel.values()]));
      expect(idx.size).toBe(kernel.size);
    }), { numRuns: Number(process.env.FC_RUNS ?? 2000) });
  });
});
