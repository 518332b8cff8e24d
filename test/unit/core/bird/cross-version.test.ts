// The same routes printed by BIRD 1.6, 2 and 3 parse to the same records.
import { describe, expect, it } from "vitest";
import { frameTranscript, parseRoutes, type BirdRoute } from "../../../../src/core/bird/index.js";
import { fixtureLines } from "./fixtures.js";

/** Builds a transcript from lines written with `|` for a tab. */
function transcript(lines: string[]): string {
  return `${lines.join("\n").replaceAll("|", "\t")}\n`;
}

// The same eight IPv4 routes, as each version prints them (same `timeformat` everywhere).
const BIRD16 = transcript([
  "1007-10.200.0.0/24      via 10.111.1.1 on na0 [up_a4 18:53:18.816] * (100) [AS65000i]",
  "1008-|Type: BGP unicast univ",
  "1012-|BGP.origin: IGP",
  " |BGP.as_path: 65000",
  " |BGP.next_hop: 10.111.1.1",
  " |BGP.local_pref: 100",
  " |BGP.community: (65000,100) (65000,200)",
  " |BGP.ext_community: (rt, 65000, 0)",
  " |BGP.large_community: (65000, 1, 0)",
  "1007-10.201.0.0/24      via 10.111.1.1 on na0 [up_a4 18:53:18.814] * (100) [AS65000i]",
  "1008-|Type: BGP unicast univ",
  "1012-|BGP.origin: IGP",
  " |BGP.as_path: 65000",
  " |BGP.next_hop: 10.111.1.1",
  " |BGP.local_pref: 100",
  "1007-                   via 10.111.2.1 on nb0 [up_b4 18:53:18.403] (100) [AS65000i]",
  "1008-|Type: BGP unicast univ",
  "1012-|BGP.origin: IGP",
  " |BGP.as_path: 65000",
  " |BGP.next_hop: 10.111.2.1",
  " |BGP.local_pref: 100",
  "1007-10.111.100.1/32    dev vip0 [vips4 18:53:14.444] * (200)",
  "1008-|Type: static-device unicast univ",
  "1007-10.111.196.0/24    multipath [vips4 18:53:14.444] * (200)",
  " |via 10.111.1.1 on na0 weight 1",
  " |via 10.111.2.1 on nb0 weight 1",
  "1008-|Type: static unicast univ",
  "1007-10.111.199.0/24    blackhole [vips4 18:53:14.444] * (200)",
  "1008-|Type: static unicast univ",
  "1007-10.111.198.0/24    unreachable [vips4 18:53:14.444] * (200)",
  "1008-|Type: static unicast univ",
  "1007-10.9.0.0/24        via 10.111.1.1 on na0 [ibgp1 18:53:18.816 from 10.0.0.9] ! (100) [AS65009?]",
  "1008-|Type: BGP unicast univ",
  "1012-|BGP.origin: Incomplete",
  " |BGP.as_path: 65009 65010",
  " |BGP.next_hop: 10.0.0.9",
  " |BGP.med: 5",
  " |BGP.local_pref: 200",
  " |BGP.originator_id: 10.0.0.9",
  "0000 ",
]);

const BIRD2 = transcript([
  "1007-Table master4:",
  " 10.200.0.0/24        unicast [up_a4 18:53:18.816] * (100) [AS65000i]",
  " |via 10.111.1.1 on na0",
  "1008-|Type: BGP univ",
  "1012-|BGP.origin: IGP",
  " |BGP.as_path: 65000",
  " |BGP.next_hop: 10.111.1.1",
  " |BGP.local_pref: 100",
  " |BGP.community: (65000,100) (65000,200)",
  " |BGP.ext_community: (rt, 65000, 0)",
  " |BGP.large_community: (65000, 1, 0)",
  "1007-10.201.0.0/24        unicast [up_a4 18:53:18.814] * (100) [AS65000i]",
  " |via 10.111.1.1 on na0",
  "1008-|Type: BGP univ",
  "1012-|BGP.origin: IGP",
  " |BGP.as_path: 65000",
  " |BGP.next_hop: 10.111.1.1",
  " |BGP.local_pref: 100",
  "1007-                     unicast [up_b4 18:53:18.403] (100) [AS65000i]",
  " |via 10.111.2.1 on nb0",
  "1008-|Type: BGP univ",
  "1012-|BGP.origin: IGP",
  " |BGP.as_path: 65000",
  " |BGP.next_hop: 10.111.2.1",
  " |BGP.local_pref: 100",
  "1007-10.111.100.1/32      unicast [vips4 18:53:14.444] * (200)",
  " |dev vip0",
  "1008-|Type: static univ",
  "1007-10.111.196.0/24      unicast [vips4 18:53:14.444] * (200)",
  " |via 10.111.1.1 on na0 weight 1",
  " |via 10.111.2.1 on nb0 weight 1",
  "1008-|Type: static univ",
  "1007-10.111.199.0/24      blackhole [vips4 18:53:14.444] * (200)",
  "1008-|Type: static univ",
  "1007-10.111.198.0/24      unreachable [vips4 18:53:14.444] * (200)",
  "1008-|Type: static univ",
  "1007-10.9.0.0/24          unicast [ibgp1 18:53:18.816 from 10.0.0.9] ! (100) [AS65009?]",
  " |via 10.111.1.1 on na0",
  "1008-|Type: BGP univ",
  "1012-|BGP.origin: Incomplete",
  " |BGP.as_path: 65009 65010",
  " |BGP.next_hop: 10.0.0.9",
  " |BGP.med: 5",
  " |BGP.local_pref: 200",
  " |BGP.originator_id: 10.0.0.9",
  "0000 ",
]);

const BIRD3 = transcript([
  "1007-Table master4:",
  " 10.200.0.0/24        unicast [up_a4 18:53:18.816] * (100) [AS65000i]",
  " |via 10.111.1.1 on na0",
  "1012-|preference: 100",
  " |igp_metric: 0",
  " |from: 10.111.1.1",
  " |source: BGP",
  " |bgp_origin: IGP",
  " |bgp_path: 65000",
  " |bgp_next_hop: 10.111.1.1",
  " |bgp_local_pref: 100",
  " |bgp_community: (65000,100) (65000,200)",
  " |bgp_ext_community: (rt, 65000, 0)",
  " |bgp_large_community: (65000, 1, 0)",
  "1008-|Internal route handling values: 0L 8G 0S id 1",
  "1007-10.201.0.0/24        unicast [up_a4 18:53:18.814] * (100) [AS65000i]",
  " |via 10.111.1.1 on na0",
  "1012-|preference: 100",
  " |igp_metric: 0",
  " |from: 10.111.1.1",
  " |source: BGP",
  " |bgp_origin: IGP",
  " |bgp_path: 65000",
  " |bgp_next_hop: 10.111.1.1",
  " |bgp_local_pref: 100",
  "1008-|Internal route handling values: 0L 8G 0S id 2",
  "1007-                     unicast [up_b4 18:53:18.403] (100) [AS65000i]",
  " |via 10.111.2.1 on nb0",
  "1012-|preference: 100",
  " |igp_metric: 0",
  " |from: 10.111.2.1",
  " |source: BGP",
  " |bgp_origin: IGP",
  " |bgp_path: 65000",
  " |bgp_next_hop: 10.111.2.1",
  " |bgp_local_pref: 100",
  "1008-|Internal route handling values: 0L 9G 0S id 3",
  "1007-10.111.100.1/32      unicast [vips4 18:53:14.444] * (200)",
  " |dev vip0",
  "1012-|preference: 200",
  " |source: static",
  "1008-|Internal route handling values: 0L 3G 0S id 4",
  "1007-10.111.196.0/24      unicast [vips4 18:53:14.444] * (200)",
  " |via 10.111.1.1 on na0 weight 1",
  " |via 10.111.2.1 on nb0 weight 1",
  "1012-|preference: 200",
  " |source: static",
  "1008-|Internal route handling values: 0L 3G 0S id 5",
  "1007-10.111.199.0/24      blackhole [vips4 18:53:14.444] * (200)",
  "1012-|preference: 200",
  " |source: static",
  "1008-|Internal route handling values: 0L 3G 0S id 6",
  "1007-10.111.198.0/24      unreachable [vips4 18:53:14.444] * (200)",
  "1012-|preference: 200",
  " |source: static",
  "1008-|Internal route handling values: 0L 3G 0S id 7",
  "1007-10.9.0.0/24          unicast [ibgp1 18:53:18.816 from 10.0.0.9] ! (100) [AS65009?]",
  " |via 10.111.1.1 on na0",
  "1012-|preference: 100",
  " |igp_metric: 10",
  " |from: 10.0.0.9",
  " |source: BGP",
  " |bgp_origin: Incomplete",
  " |bgp_path: 65009 65010",
  " |bgp_next_hop: 10.0.0.9",
  " |bgp_med: 5",
  " |bgp_local_pref: 200",
  " |bgp_originator_id: 10.0.0.9",
  "1008-|Internal route handling values: 0L 12G 0S id 8",
  "0000 ",
]);

describe("the same routes from BIRD 1.6, 2 and 3", () => {
  const v16 = parseRoutes(frameTranscript(BIRD16), { defaultTable: "master4" });
  const v2 = parseRoutes(frameTranscript(BIRD2));
  const v3 = parseRoutes(frameTranscript(BIRD3));

  it("parse to identical records", () => {
    expect(v16).toHaveLength(8);
    expect(v2).toEqual(v16);
    expect(v3).toEqual(v16);
    // And identical JSON, so that no field is merely undefined in one and absent in another.
    expect(JSON.stringify(v2)).toBe(JSON.stringify(v16));
    expect(JSON.stringify(v3)).toBe(JSON.stringify(v16));
  });

  it("and the records say what the routes are", () => {
    const byNet = (net: string, proto?: string): BirdRoute | undefined =>
      v3.find((r) => r.network === net && (proto === undefined || r.protocol === proto));
    expect(byNet("10.200.0.0/24")?.bgp?.extCommunities).toEqual([{ kind: "rt", admin: "65000", value: "0" }]);
    expect(byNet("10.201.0.0/24", "up_b4")).toMatchObject({ primary: false, nexthops: [{ gateway: "10.111.2.1" }] });
    expect(byNet("10.111.100.1/32")).toMatchObject({ source: "static", nexthops: [{ device: "vip0" }] });
    expect(byNet("10.111.196.0/24")?.nexthops).toHaveLength(2);
    expect(byNet("10.111.199.0/24")?.dest).toBe("blackhole");
    expect(byNet("10.9.0.0/24")).toMatchObject({
      from: "10.0.0.9", syncError: true, primary: true, summary: "AS65009?",
      bgp: { origin: "incomplete", asPath: [65009, 65010], med: 5, localPref: 200, nextHop: ["10.0.0.9"] },
      attributes: { bgp_originator_id: "10.0.0.9" },
    });
  });
});

describe("the captured tables agree across versions", () => {
  const withoutRunFields = (r: BirdRoute): unknown => ({ ...r, since: "-", table: "-" });

  it("BIRD 1.6 `bird` and BIRD 2 master4: all 355 routes equal but for time and table name", () => {
    const v16 = parseRoutes(fixtureLines("bird-1.6.8", "show-route-all.txt"));
    const v2 = parseRoutes(fixtureLines("bird-2.0.12", "show-route-all-table-master4.txt"));
    expect(v16).toHaveLength(355);
    const key = (r: BirdRoute): string => `${r.network} ${r.protocol}`;
    const v2ByKey = new Map(v2.map((r) => [key(r), r]));
    for (const r of v16) expect(withoutRunFields(r)).toEqual(withoutRunFields(v2ByKey.get(key(r)) as BirdRoute));
  });

  it("BIRD 1.6 `bird6` and BIRD 2 master6: equal but for time, table and the peers' link-local addresses", () => {
    const strip = (r: BirdRoute): unknown => ({
      ...(withoutRunFields(r) as object), bgp: r.bgp && { ...r.bgp, nextHop: r.bgp.nextHop?.slice(0, 1) },
    });
    const v16 = parseRoutes(fixtureLines("bird6-1.6.8", "show-route-all.txt"));
    const v2 = parseRoutes(fixtureLines("bird-2.0.12", "show-route-all-table-master6.txt"));
    const key = (r: BirdRoute): string => `${r.network} ${r.protocol}`;
    const v2ByKey = new Map(v2.map((r) => [key(r), r]));
    expect(v16).toHaveLength(66);
    for (const r of v16) expect(strip(r)).toEqual(strip(v2ByKey.get(key(r)) as BirdRoute));
  });

  it("the synthetic BIRD 3 transcript and the real BIRD 2 one give the same records", () => {
    const v3 = parseRoutes(fixtureLines("bird-3-synthetic", "show-route-all.txt"));
    const v2 = parseRoutes(fixtureLines("bird-2.0.12", "show-route-all.txt"));
    const key = (r: BirdRoute): string => `${r.table} ${r.network} ${r.protocol}`;
    const v2ByKey = new Map(v2.map((r) => [key(r), r]));
    expect(v3).toHaveLength(16);
    for (const r of v3) expect(r).toEqual(v2ByKey.get(key(r)));
    const plain3 = parseRoutes(fixtureLines("bird-3-synthetic", "show-route.txt"));
    const plain2 = new Map(parseRoutes(fixtureLines("bird-2.0.12", "show-route.txt")).map((r) => [key(r), r]));
    expect(plain3).toHaveLength(7);
    for (const r of plain3) expect(r).toEqual(plain2.get(key(r)));
  });
});
