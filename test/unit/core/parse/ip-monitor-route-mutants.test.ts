// parseMonitorRoute word by word: the edges of each word it reads (tos, u32 numbers, nexthop
// words, metrics, expires, pref) and the defaults it fills in, on single lines in the shape
// iproute2's print_route gives them.
import { describe, expect, it } from "vitest";
import { parseMonitorRoute } from "../../../../src/core/parse/ip-monitor-route.js";

const V4 = "10.0.0.0/24 via 10.0.0.2 dev v0";
const V6 = "fd00::/64 via fd00::2 dev v0";
const V6_TAIL = "metric 1024 pref medium";

const v4 = (extra: string): string => `${V4} ${extra} `;
const v6 = (extra: string): string => `${V6} ${extra} ${V6_TAIL}`;

describe("parseMonitorRoute reads single-path routes exactly", () => {
  it("reads a plain IPv4 route with only the fields the text gives, nothing set to undefined", () => {
    expect(parseMonitorRoute(`${V4} `)).toStrictEqual({
      family: 4, table: 254, dst: "10.0.0.0/24", type: "unicast", protocol: 3, metric: 0, tos: 0, scope: 0,
      nexthops: [{ gateway: "10.0.0.2", dev: "v0", weight: 1, onlink: false }],
    });
  });

  it("reads a gateway without a device, and a device without a gateway", () => {
    expect(parseMonitorRoute("10.0.0.0/24 via 10.0.0.2 ")?.nexthops).toStrictEqual([{ gateway: "10.0.0.2", weight: 1, onlink: false }]);
    expect(parseMonitorRoute("10.0.0.0/24 dev v0 scope link ")?.nexthops).toStrictEqual([{ dev: "v0", weight: 1, onlink: false }]);
  });

  it("splits words on any run of blanks", () => {
    expect(parseMonitorRoute("10.0.0.0/24  via\t10.0.0.2   dev v0 ")).toStrictEqual(parseMonitorRoute(`${V4} `));
  });

  it("reads the onlink flag into the nexthop", () => {
    expect(parseMonitorRoute("10.0.0.0/24 via 192.0.2.9 dev v0 onlink ")?.nexthops).toEqual([
      { gateway: "192.0.2.9", dev: "v0", weight: 1, onlink: true },
    ]);
  });
});

describe("parseMonitorRoute on gateways of the other family (RTA_VIA)", () => {
  it("reads `via inet6 GW` on an IPv4 route as an IPv6 gateway", () => {
    expect(parseMonitorRoute("10.0.0.0/24 via inet6 fe80::1 dev v0 ")).toStrictEqual({
      family: 4, table: 254, dst: "10.0.0.0/24", type: "unicast", protocol: 3, metric: 0, tos: 0, scope: 0,
      nexthops: [{ gateway: "fe80::1", dev: "v0", weight: 1, onlink: false }],
    });
    expect(parseMonitorRoute("default via inet6 fe80::1 dev v0 proto bgp metric 20 ")).toMatchObject({
      family: 4, dst: "0.0.0.0/0", protocol: 186, nexthops: [{ gateway: "fe80::1", dev: "v0" }],
    });
  });

  it("reads `via inet GW` as an IPv4 gateway", () => {
    expect(parseMonitorRoute("10.0.0.0/24 via inet 10.0.0.2 dev v0 ")?.nexthops).toEqual([
      { gateway: "10.0.0.2", dev: "v0", weight: 1, onlink: false },
    ]);
  });

  it("refuses a gateway whose family disagrees with the family word or the route", () => {
    expect(parseMonitorRoute("10.0.0.0/24 via inet fe80::1 dev v0 ")).toBeUndefined();
    expect(parseMonitorRoute("10.0.0.0/24 via inet6 10.0.0.2 dev v0 ")).toBeUndefined();
    // Without the family word the gateway is of the route's family.
    expect(parseMonitorRoute("10.0.0.0/24 via fe80::1 dev v0 ")).toBeUndefined();
  });
});

describe("parseMonitorRoute refuses nexthop words that do not fit", () => {
  it.each([
    ["a trailing via", "10.0.0.0/24 dev v0 via"],
    ["a trailing dev", "10.0.0.0/24 via 10.0.0.2 dev"],
    ["a second via", "10.0.0.0/24 via 10.0.0.2 via 10.0.0.3 dev v0 "],
    ["a weight on the route line, even without a value", "10.0.0.0/24 via 10.0.0.2 dev v0 weight"],
    ["a malformed realm", v4("realm a/b/c")],
    ["a realm without a value", `${V4} realm`],
  ])("%s", (_what, text) => {
    expect(parseMonitorRoute(text)).toBeUndefined();
  });

  it("reads realm and realms (RTA_FLOW), which are not part of the route", () => {
    const plain = parseMonitorRoute(`${V4} `);
    expect(plain).toBeDefined();
    expect(parseMonitorRoute(v4("realm 7"))).toStrictEqual(plain);
    expect(parseMonitorRoute(v4("realms 3/4"))).toStrictEqual(plain);
  });
});

describe("parseMonitorRoute on multipath nexthop lines", () => {
  const mp = (weight: string): string[] => [`\tnexthop via 10.0.0.2 dev v0 weight ${weight} `, "\tnexthop via 10.0.1.2 dev v1 weight 1 "];

  it("reads weights from 1 to 256", () => {
    expect(parseMonitorRoute("10.0.0.0/24 proto 201 ", mp("256"))?.nexthops.map((n) => n.weight)).toEqual([256, 1]);
    expect(parseMonitorRoute("10.0.0.0/24 proto 201 ", mp("1"))?.nexthops.map((n) => n.weight)).toEqual([1, 1]);
  });

  it.each(["0", "257", "x"])("refuses weight %s", (weight) => {
    expect(parseMonitorRoute("10.0.0.0/24 proto 201 ", mp(weight))).toBeUndefined();
  });

  it("sorts nexthops by gateway whatever order the lines come in", () => {
    const r = parseMonitorRoute("10.0.0.0/24 proto 201 ", [
      "\tnexthop via 192.0.2.9 dev v0 weight 1 onlink ",
      "\tnexthop via 10.0.1.2 dev v1 weight 3 ",
    ]);
    expect(r?.nexthops).toEqual([
      { gateway: "10.0.1.2", dev: "v1", weight: 3, onlink: false },
      { gateway: "192.0.2.9", dev: "v0", weight: 1, onlink: true },
    ]);
  });
});

describe("parseMonitorRoute on tos", () => {
  it.each([
    ["0xff", 255],
    ["0x4", 4],
    ["16", 16],
  ])("reads tos %s as %d", (text, tos) => {
    expect(parseMonitorRoute(`10.0.0.0/24 tos ${text} via 10.0.0.2 dev v0 `)?.tos).toBe(tos);
  });

  it.each(["CS1", "10x1", "0x1g", "0x100", "256", "abc"])("refuses tos %s, on IPv4 and on IPv6 where tos is always 0", (text) => {
    expect(parseMonitorRoute(`10.0.0.0/24 tos ${text} via 10.0.0.2 dev v0 `)).toBeUndefined();
    expect(parseMonitorRoute(v6(`tos ${text}`))).toBeUndefined();
  });

  it("reads IPv6 routes with tos and scope 0 as the dump does", () => {
    expect(parseMonitorRoute(v6("tos 0x10 scope link"))).toMatchObject({ family: 6, tos: 0, scope: 0 });
  });
});

describe("parseMonitorRoute on u32 values (nhid, metric)", () => {
  it("reads nhid values up to 2^32-1 and ignores them", () => {
    expect(parseMonitorRoute(`10.0.0.0/24 nhid 4294967295 via 10.0.0.2 dev v0 `)).toStrictEqual(parseMonitorRoute(`${V4} `));
  });

  it.each(["4294967296", "0x10", "1e3", "x"])("refuses nhid %s", (text) => {
    expect(parseMonitorRoute(`10.0.0.0/24 nhid ${text} via 10.0.0.2 dev v0 `)).toBeUndefined();
  });

  it.each(["0x10", "1e3"])("refuses metric %s", (text) => {
    expect(parseMonitorRoute(v4(`metric ${text}`))).toBeUndefined();
  });
});

describe("parseMonitorRoute on route metrics (RTA_METRICS)", () => {
  const plain = (): unknown => parseMonitorRoute(`${V4} `);

  it.each([
    "features lock ecn",
    "features ecn 0x16",
    "features ecn mtu 1400",
    "features mtu 1400",
    "features 0xA6 mtu lock 1400",
    "mtu 1400 rtt 12ms",
  ])("reads %s", (metrics) => {
    expect(parseMonitorRoute(v4(metrics))).toStrictEqual(plain());
  });

  it.each([
    "features ecn features mtu 1400", // features twice
    "features ecn features",
    "features ecn 10x6", // not a hex value
    "features ecn 0x6z",
    "mtu abc",
    "rtt 12",
    "mtu",
  ])("refuses %s", (metrics) => {
    expect(parseMonitorRoute(v4(metrics))).toBeUndefined();
  });
});

describe("parseMonitorRoute on expires and pref", () => {
  it.each(["297sec", "-5sec", "0sec"])("reads expires %s on IPv6 and IPv4 routes", (text) => {
    expect(parseMonitorRoute(v6(`proto ra expires ${text}`))).toMatchObject({ family: 6, dst: "fd00::/64", protocol: 9 });
    expect(parseMonitorRoute(v4(`expires ${text}`))).toStrictEqual(parseMonitorRoute(`${V4} `));
  });

  it.each(["30", "x30sec", "30secs", "sec", "--5sec"])("refuses expires %s", (text) => {
    expect(parseMonitorRoute(v6(`expires ${text}`))).toBeUndefined();
  });

  it.each(["low", "medium", "high", "2"])("reads pref %s as an IPv6 route", (pref) => {
    expect(parseMonitorRoute(`${V6} metric 1024 pref ${pref}`)).toMatchObject({ family: 6, metric: 1024 });
  });

  it("refuses a pref that is neither a name nor a number", () => {
    expect(parseMonitorRoute(`${V6} metric 1024 pref bogus`)).toBeUndefined();
  });

  it("refuses an IPv6 route without a metric", () => {
    expect(parseMonitorRoute(`${V6} pref medium`)).toBeUndefined();
  });
});
