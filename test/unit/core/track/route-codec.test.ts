// The compact route form of the trackers: a route comes back whole from its key and attribute id,
// and two routes encode alike exactly when routesEqual says they are equal.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routeKey } from "../../../../src/core/model/keys.js";
import { routesEqual, type Route } from "../../../../src/core/model/route.js";
import { RouteCodec } from "../../../../src/core/track/route-codec.js";
import { routeArb } from "../../../support/arbitraries.js";

const FC_RUNS = Number(process.env.FC_RUNS ?? 300);

const route = (over: Partial<Route> = {}): Route => ({
  family: 4, table: 254, dst: "10.0.0.0/24", type: "unicast", protocol: 12, metric: 32, tos: 0, scope: 0,
  nexthops: [{ gateway: "10.1.0.1", dev: "eth0", weight: 1, onlink: false }], ...over,
});

describe("RouteCodec", () => {
  it("decodes what it encoded (property: any route of either family)", () => {
    fc.assert(fc.property(routeArb(), (r) => {
      const codec = new RouteCodec();
      const back = codec.decode(routeKey(r), codec.encode(r));
      expect(back).toStrictEqual(r);
    }), { numRuns: FC_RUNS });
  });

  it("gives two routes at one key the same id exactly when they are equal (property, in any order)", () => {
    fc.assert(fc.property(fc.array(routeArb(), { minLength: 2, maxLength: 8 }), (routes) => {
      const codec = new RouteCodec();
      const ids = routes.map((r) => codec.encode(r));
      for (let i = 0; i < routes.length; i++) {
        for (let j = 0; j < routes.length; j++) {
          const a = routes[i]!;
          const b = routes[j]!;
          const sameAttrs = routesEqual(a, { ...b, family: a.family, table: a.table, dst: a.dst, tos: a.tos, metric: a.metric });
          expect(ids[i] === ids[j]).toBe(sameAttrs);
        }
      }
    }), { numRuns: FC_RUNS });
  });

  it("tells apart each attribute, also right after the same attributes (the last-set shortcut)", () => {
    const codec = new RouteCodec();
    const base = codec.encode(route());
    const variants: Array<Partial<Route>> = [
      { type: "blackhole", nexthops: [] }, { protocol: 201 }, { scope: 253 }, { prefsrc: "10.0.0.1" },
      { nexthops: [{ gateway: "10.1.0.2", dev: "eth0", weight: 1, onlink: false }] },
      { nexthops: [{ gateway: "10.1.0.1", dev: "eth1", weight: 1, onlink: false }] },
      { nexthops: [{ gateway: "10.1.0.1", dev: "eth0", weight: 2, onlink: false }] },
      { nexthops: [{ gateway: "10.1.0.1", dev: "eth0", weight: 1, onlink: true }] },
      { nexthops: [{ dev: "eth0", weight: 1, onlink: false }] },
      { nexthops: [{ gateway: "10.1.0.1", weight: 1, onlink: false }] },
      { nexthops: [{ gateway: "10.1.0.1", dev: "eth0", weight: 1, onlink: false }, { gateway: "10.1.0.2", dev: "eth0", weight: 1, onlink: false }] },
    ];
    const ids = new Set([base]);
    for (const v of variants) {
      const id = codec.encode(route(v));
      expect(ids.has(id), JSON.stringify(v)).toBe(false);
      ids.add(id);
      expect(codec.encode(route())).toBe(base); // and back
      expect(codec.encode(route(v))).toBe(id); // the interned id, not a new one
    }
    expect(codec.size).toBe(variants.length + 1);
  });

  it("shares one frozen nexthop list among decoded routes: changing it throws", () => {
    const codec = new RouteCodec();
    const id = codec.encode(route());
    const a = codec.decode(routeKey(route()), id);
    const b = codec.decode(routeKey(route({ dst: "10.0.1.0/24" })), id);
    expect(a.nexthops).toBe(b.nexthops);
    expect(() => { a.nexthops.push({ dev: "eth9", weight: 1, onlink: false }); }).toThrow(TypeError);
    expect(() => { a.nexthops[0]!.weight = 7; }).toThrow(TypeError);
    expect(b.nexthops[0]!.weight).toBe(1);
    // the encoded route's own list was copied, not frozen
    const mine = route();
    codec.encode(mine);
    mine.nexthops[0]!.weight = 3;
    expect(codec.decode(routeKey(route()), id).nexthops[0]!.weight).toBe(1);
  });

  it("refuses an id it never gave", () => {
    expect(() => new RouteCodec().decode("4|254|10.0.0.0/24|0|32", 0)).toThrow(/never interned/);
  });
});
