// Hand-written checks of `show route [all]` parses against the real transcripts, so that the
// golden files are not the only thing standing between a parser change and a wrong table.
import { describe, expect, it } from "vitest";
import {
  BirdCommandError, frameTranscript, parseRouteCount, parseRoutes, RouteParser, type BirdRoute,
} from "../../../../src/core/bird/index.js";
import { isFibwardenError } from "../../../../src/core/errors.js";
import { fixtureLines, type Daemon } from "./fixtures.js";

function routes(daemon: Daemon, file: string, defaultTable?: string): BirdRoute[] {
  return parseRoutes(fixtureLines(daemon, file), defaultTable === undefined ? {} : { defaultTable });
}

function only(list: BirdRoute[], network: string, protocol?: string): BirdRoute {
  const found = list.filter((r) => r.network === network && (protocol === undefined || r.protocol === protocol));
  expect(found, `${network} ${protocol ?? ""}`).toHaveLength(1);
  return found[0] as BirdRoute;
}

function networks(list: BirdRoute[]): number {
  return new Set(list.map((r) => `${r.table} ${r.network}`)).size;
}

describe("show route: counts agree with show route count", () => {
  const cases: Array<[Daemon, string[], string]> = [
    ["bird-2.0.12", ["show-route.txt", "show-route-all.txt", "show-route-table-all.txt"], "show-route-count.txt"],
    ["bird-1.6.8", ["show-route.txt", "show-route-all.txt", "show-route-all-table-master.txt"], "show-route-count.txt"],
    ["bird6-1.6.8", ["show-route.txt", "show-route-all.txt", "show-route-all-table-master.txt"], "show-route-count.txt"],
  ];
  for (const [daemon, files, countFile] of cases) {
    const count = parseRouteCount(fixtureLines(daemon, countFile));
    for (const file of files) {
      it(`${daemon} ${file}`, () => {
        const list = routes(daemon, file);
        expect(list).toHaveLength(count.total.routes);
        expect(networks(list)).toBe(count.total.networks);
        for (const t of count.tables) {
          expect(list.filter((r) => r.table === t.table)).toHaveLength(t.routes);
        }
        expect(list.filter((r) => r.primary)).toHaveLength(count.total.networks);
      });
    }
  }

  it("bird-2.0.12 export to kernel1 shows the 311 networks that show route export count reports", () => {
    const count = parseRouteCount(fixtureLines("bird-2.0.12", "show-route-export-kernel1-count.txt"));
    expect(count.tables).toEqual([{ table: "master4", shown: 311, routes: 355, networks: 311 }]);
    for (const file of ["show-route-export-kernel1.txt", "show-route-export-kernel1-all.txt"]) {
      const list = routes("bird-2.0.12", file);
      expect(list).toHaveLength(311);
      expect(networks(list)).toBe(311);
    }
  });

  it("bird-1.6.8 and bird6-1.6.8 export counts match their export listings", () => {
    for (const [daemon, shown] of [["bird-1.6.8", 311], ["bird6-1.6.8", 56]] as const) {
      const count = parseRouteCount(fixtureLines(daemon, "show-route-export-kernel1-count.txt"));
      expect(count.total.shown).toBe(shown);
      expect(routes(daemon, "show-route-export-kernel1-all.txt")).toHaveLength(shown);
      expect(routes(daemon, "show-route-export-kernel1.txt")).toHaveLength(shown);
    }
  });
});

describe("show route: tables", () => {
  it("BIRD 2 reads Table headers, including the one after the blank separator line", () => {
    const list = routes("bird-2.0.12", "show-route-all.txt");
    expect(new Set(list.map((r) => r.table))).toEqual(new Set(["master4", "master6"]));
    expect(list.filter((r) => r.table === "master6").every((r) => r.family === 6)).toBe(true);
    expect(list.filter((r) => r.table === "master4").every((r) => r.family === 4)).toBe(true);
  });

  it("BIRD 1.6 prints no header: routes go to the default table, or the one the caller names", () => {
    expect(routes("bird-1.6.8", "show-route.txt").every((r) => r.table === "master")).toBe(true);
    expect(routes("bird-1.6.8", "show-route.txt", "t100").every((r) => r.table === "t100")).toBe(true);
  });
});

describe("show route: ECMP and multipath", () => {
  const twoPaths = [
    { gateway: "10.111.1.1", device: "na0", weight: 1, onlink: false },
    { gateway: "10.111.2.1", device: "nb0", weight: 1, onlink: false },
  ];

  it("the BGP prefixes announced on both links are merged into one two-nexthop route for the kernel (BIRD 2)", () => {
    const list = routes("bird-2.0.12", "show-route-export-kernel1-all.txt");
    const ecmp = only(list, "10.201.0.0/24");
    expect(ecmp.nexthops).toEqual(twoPaths);
    expect(ecmp.protocol).toBe("up_a4");
    expect(ecmp.primary).toBe(true);
    // All 44 prefixes of 10.201.0.0/16 are ECMP, nothing else from BGP is.
    const multi = list.filter((r) => r.nexthops.length === 2);
    expect(multi.filter((r) => r.protocol === "up_a4")).toHaveLength(44);
    expect(multi.every((r) => r.network.startsWith("10.201.") || r.network === "10.111.196.0/24")).toBe(true);
  });

  it("BIRD 1.6 prints the merged route as `multipath` with via lines", () => {
    const ecmp = only(routes("bird-1.6.8", "show-route-export-kernel1-all.txt"), "10.201.0.0/24");
    expect(ecmp.dest).toBe("unicast");
    expect(ecmp.nexthops).toEqual(twoPaths);
    // BIRD 1.6 marks the merged export route as not primary (no `*`), unlike BIRD 2.
    expect(ecmp.primary).toBe(false);
  });

  it("in the table itself the two BGP paths are two routes, the second with a blank network column", () => {
    for (const [daemon, table] of [["bird-2.0.12", "master4"], ["bird-1.6.8", "master"]] as const) {
      const list = routes(daemon, "show-route-for-10.201.0.1-all.txt");
      expect(list.map((r) => [r.table, r.network, r.protocol, r.primary])).toEqual([
        [table, "10.201.0.0/24", "up_a4", true],
        [table, "10.201.0.0/24", "up_b4", false],
      ]);
      expect(list[1]?.nexthops).toEqual([{ gateway: "10.111.2.1", device: "nb0", weight: 1, onlink: false }]);
    }
  });

  it("the static multipath route has weights on both nexthops in every version", () => {
    const v2 = only(routes("bird-2.0.12", "show-route-for-10.111.196.1-all.txt"), "10.111.196.0/24");
    const v16 = only(routes("bird-1.6.8", "show-route-for-10.111.196.1-all.txt"), "10.111.196.0/24");
    expect(v2.nexthops).toEqual(twoPaths);
    expect(v16.nexthops).toEqual(twoPaths);
    expect(v2.source).toBe("static");
    expect(v16.source).toBe("static");
  });

  it("IPv6 ECMP routes carry IPv6 gateways (bird-2.0.12 export to kernel2)", () => {
    const r = only(routes("bird-2.0.12", "show-route-export-kernel2.txt"), "fd00:201::/48");
    expect(r.nexthops.map((n) => [n.gateway, n.device])).toEqual([["fd00:111:1::1", "na0"], ["fd00:111:2::1", "nb0"]]);
  });
});

describe("show route: destinations", () => {
  for (const [daemon, file] of [["bird-2.0.12", "show-route-protocol-vips4-all.txt"], ["bird-1.6.8", "show-route-protocol-vips4-all.txt"]] as const) {
    it(`${daemon} static protocol vips4`, () => {
      const list = routes(daemon, file);
      expect(list).toHaveLength(6);
      expect(only(list, "10.111.199.0/24")).toMatchObject({ dest: "blackhole", nexthops: [], preference: 200 });
      expect(only(list, "10.111.198.0/24")).toMatchObject({ dest: "unreachable", nexthops: [] });
      expect(only(list, "10.111.197.0/24")).toMatchObject({ dest: "prohibited", nexthops: [] });
      for (const vip of ["10.111.100.1/32", "10.111.100.2/32"]) {
        expect(only(list, vip)).toMatchObject({
          dest: "unicast", nexthops: [{ device: "vip0", weight: 1, onlink: false }], source: "static", protocol: "vips4",
        });
        expect(only(list, vip).nexthops[0]?.gateway).toBeUndefined();
      }
      expect(list.every((r) => r.primary && !r.syncError && r.bgp === undefined)).toBe(true);
    });
  }

  it("bird6 prints a /128 that overflows the network column", () => {
    const r = only(routes("bird6-1.6.8", "show-route-protocol-vips6-all.txt"), "fd00:111:100::1/128");
    expect(r.nexthops).toEqual([{ device: "vip0", weight: 1, onlink: false }]);
    expect(r.family).toBe(6);
  });
});

describe("show route all: BGP attributes", () => {
  for (const daemon of ["bird-2.0.12", "bird-1.6.8"] as const) {
    it(`${daemon} 10.200.0.0/24 carries all three kinds of communities`, () => {
      const r = only(routes(daemon, "show-route-for-10.200.0.1-all.txt"), "10.200.0.0/24");
      expect(r.source).toBe("BGP");
      expect(r.preference).toBe(100);
      expect(r.summary).toBe("AS65000i");
      expect(r.bgp).toMatchObject({
        origin: "igp",
        asPath: [65000],
        nextHop: ["10.111.1.1"],
        localPref: 100,
        communities: [[65000, 100], [65000, 200]],
        extCommunities: [{ kind: "rt", admin: "65000", value: "0" }],
        largeCommunities: [[65000, 1, 0]],
      });
      expect(r.bgp?.med).toBeUndefined();
      expect(r.attributes).toBeUndefined();
    });

    it(`${daemon} 10.203.0.0/16 has two large communities`, () => {
      const r = only(routes(daemon, "show-route-for-10.203.7.7-all.txt"), "10.203.0.0/16");
      expect(r.bgp?.communities).toEqual([[65000, 100], [65000, 300]]);
      expect(r.bgp?.largeCommunities).toEqual([[65000, 2, 3], [65000, 4, 5]]);
    });
  }

  it("AS path prepends and the origin AS in the summary (bird-1.6.8 10.200.65.0/24)", () => {
    const r = only(routes("bird-1.6.8", "show-route-10.200.65.0_24-all.txt"), "10.200.65.0/24");
    expect(r.bgp?.asPath).toEqual([65000, 65011, 65010]);
    expect(r.summary).toBe("AS65010i");
  });

  it("MED (bird-1.6.8 10.200.3.0/24)", () => {
    expect(only(routes("bird-1.6.8", "show-route-10.200.3.0_24-all.txt"), "10.200.3.0/24").bgp?.med).toBe(30);
  });

  it("every BGP route of the full tables has origin, path, next hop and local pref", () => {
    for (const daemon of ["bird-2.0.12", "bird-1.6.8", "bird6-1.6.8"] as const) {
      const bgp = routes(daemon, "show-route-all.txt").filter((r) => r.source === "BGP");
      expect(bgp.length).toBeGreaterThan(50);
      for (const r of bgp) {
        expect(r.bgp?.origin).toBe("igp");
        expect(r.bgp?.asPath?.[0]).toBe(65000);
        expect(r.bgp?.nextHop?.[0]).toBe(r.nexthops[0]?.gateway);
        expect(r.bgp?.localPref).toBe(100);
        expect(r.attributes).toBeUndefined();
      }
    }
  });

  it("IPv6 BGP next hop lists the global and the link-local address", () => {
    const list = routes("bird-2.0.12", "show-route-for-fd00-201--1-all.txt");
    expect(list.map((r) => r.bgp?.nextHop)).toEqual([
      ["fd00:111:1::1", "fe80::5832:baff:fe33:39b4"],
      ["fd00:111:2::1", "fe80::1c9b:56ff:fe4b:5af7"],
    ]);
  });

  it("where net ~ [...] returns only the matching networks", () => {
    const v4 = routes("bird-2.0.12", "show-route-where-net-all.txt");
    expect(v4.length).toBeGreaterThan(0);
    // The capture's filter selected 10.201.0.0/16+ and the node's own 10.111.0.0/16+ routes.
    expect(v4.every((r) => r.network.startsWith("10.201.") || r.network.startsWith("10.111."))).toBe(true);
    expect(v4.filter((r) => r.network.startsWith("10.201."))).toHaveLength(88);
    const v6 = routes("bird6-1.6.8", "show-route-where-net-all.txt");
    expect(v6.every((r) => r.network.startsWith("fd00:201:") || r.network.startsWith("fd00:111:"))).toBe(true);
  });

  it("`show route for` an address outside every prefix finds the default route", () => {
    for (const daemon of ["bird-2.0.12", "bird-1.6.8"] as const) {
      const list = routes(daemon, "show-route-for-192.168.77.1.txt");
      expect(list.map((r) => [r.network, r.nexthops[0]?.gateway])).toEqual([["0.0.0.0/0", "10.111.1.1"]]);
    }
  });

  it("an empty reply (`show route filtered`) parses to no routes", () => {
    for (const daemon of ["bird-2.0.12", "bird-1.6.8", "bird6-1.6.8"] as const) {
      expect(routes(daemon, "show-route-filtered.txt")).toEqual([]);
    }
  });
});

describe("show route: refused commands", () => {
  const cases: Array<[Daemon, string, number]> = [
    ["bird-2.0.12", "show-route-protocol-nonexistent.txt", 9001],
    ["bird-2.0.12", "show-route-table-nonexistent.txt", 9001],
    ["bird-1.6.8", "show-route-protocol-nonexistent.txt", 9001],
    ["bird-1.6.8", "show-route-table-nonexistent.txt", 9001],
    ["bird-1.6.8", "show-route-table-master4.txt", 9001],
    ["bird6-1.6.8", "show-route-table-master4.txt", 9001],
  ];
  for (const [daemon, file, code] of cases) {
    it(`${daemon} ${file} → BirdCommandError ${code}`, () => {
      let caught: unknown;
      try { routes(daemon, file); } catch (err) { caught = err; }
      expect(caught).toBeInstanceOf(BirdCommandError);
      expect(caught).toMatchObject({ code: "FW_BIRD_COMMAND", birdCode: code, retryable: false });
    });
  }
});

/** Parses a transcript written with `|` for tabs, one line per array entry. */
function parseText(lines: string[], defaultTable?: string): BirdRoute[] {
  const text = `${lines.join("\n").replaceAll("|", "\t")}\n`;
  return parseRoutes(frameTranscript(text), defaultTable === undefined ? {} : { defaultTable });
}

describe("show route: forms the fixtures do not show", () => {
  it("`!` marks a best route whose kernel sync failed", () => {
    const [r] = parseText([
      "1007-Table master4:",
      " 10.9.0.0/24          unicast [up_a4 12:00:00.000] ! (100) [AS65000i]",
      " |via 10.111.1.1 on na0",
      "0000 ",
    ]);
    expect(r).toMatchObject({ primary: true, syncError: true, network: "10.9.0.0/24" });
  });

  it("`from` in the brackets is kept when it differs from the gateway, dropped when equal", () => {
    const list = parseText([
      "1007-Table master4:",
      " 10.9.0.0/24          unicast [ibgp1 12:00:00.000 from 10.0.0.9] * (100/20) [AS65009i]",
      " |via 10.111.1.1 on na0",
      "1007-10.9.1.0/24          unicast [ibgp1 12:00:00.000 from 10.111.1.1] * (100) [AS65009i]",
      " |via 10.111.1.1 on na0",
      "0000 ",
    ]);
    expect(list[0]).toMatchObject({ from: "10.0.0.9", preference: 100, summary: "AS65009i", info: "(100/20) [AS65009i]" });
    expect(list[1]?.from).toBeUndefined();
  });

  it("BIRD 1.6 `since` with a date, and a route line with `from`", () => {
    const [r] = parseText([
      "1007-10.9.0.0/24        via 10.111.1.1 on na0 [ibgp1 2026-11-22 12:00:00 from 10.0.0.9] * (100) [AS65009i]",
      "0000 ",
    ]);
    expect(r).toMatchObject({ since: "2026-11-22 12:00:00", from: "10.0.0.9", table: "master" });
  });

  it("nexthops with onlink, MPLS labels and weights; a BIRD 3 MPLS-labelled network", () => {
    const [a, b] = parseText([
      "1007-Table master4:",
      " 10.9.0.0/24          unicast [static1 12:00:00.000] * (200)",
      " |via 10.111.1.1 on na0 mpls 100/200 onlink weight 3",
      " |dev nb0 onlink",
      " 10.9.1.0/24 mpls 42  unicast [static1 12:00:00.000] * (200)",
      " |via 10.111.2.1 on nb0",
      "0000 ",
    ]);
    expect(a?.nexthops).toEqual([
      { gateway: "10.111.1.1", device: "na0", weight: 3, onlink: true, mpls: [100, 200] },
      { device: "nb0", weight: 1, onlink: true },
    ]);
    expect(b?.mplsLabel).toBe(42);
  });

  it("OSPF-style info keeps the whole text and the preference", () => {
    const [r] = parseText([
      "1007-Table master4:",
      " 10.9.0.0/24          unicast [ospf1 12:00:00.000] * E2 (150/10/10000) [10.0.0.1]",
      " |via 10.111.1.1 on na0",
      "0000 ",
    ]);
    expect(r).toMatchObject({ preference: 150, summary: "10.0.0.1", info: "E2 (150/10/10000) [10.0.0.1]" });
  });

  it("wrapped community lists, unknown attributes by BIRD 3 names, unparsable values kept raw", () => {
    const [r] = parseText([
      "1007-Table master4:",
      " 10.9.0.0/24          unicast [up_a4 12:00:00.000] * (100) [AS65000i]",
      " |via 10.111.1.1 on na0",
      "1008-|Type: BGP univ",
      "1012-|BGP.origin: Incomplete",
      " |BGP.as_path: 65000 {65100 65101}",
      " |BGP.community: (65000,1) (65000,2)",
      " ||(65000,3)",
      " |BGP.originator_id: 10.0.0.1",
      " |Kernel.metric: 20",
      " |BGP.large_community: (not, a, number)",
      " |BGP.cluster_list:",
      "0000 ",
    ]);
    expect(r?.bgp).toMatchObject({
      origin: "incomplete",
      asPath: [65000, { type: "set", asns: [65100, 65101] }],
      communities: [[65000, 1], [65000, 2], [65000, 3]],
    });
    expect(r?.bgp?.largeCommunities).toBeUndefined();
    expect(r?.attributes).toEqual({
      bgp_originator_id: "10.0.0.1",
      krt_metric: "20",
      bgp_large_community: "(not, a, number)",
      bgp_cluster_list: "",
    });
  });

  it("an empty AS path is an empty list", () => {
    const [r] = parseText([
      "1007-Table master4:",
      " 10.9.0.0/24          unicast [ibgp1 12:00:00.000] * (100) [i]",
      " |via 10.111.1.1 on na0",
      "1012-|BGP.as_path: ",
      "0000 ",
    ]);
    expect(r?.bgp?.asPath).toEqual([]);
    expect(r?.summary).toBe("i");
  });

  it("records share frozen nexthops and attribute values between routes", () => {
    const list = routes("bird-2.0.12", "show-route-all.txt");
    const a = only(list, "10.200.119.0/24");
    const b = only(list, "10.200.52.0/24");
    expect(a.nexthops[0]).toBe(b.nexthops[0]);
    expect(Object.isFrozen(a.nexthops[0])).toBe(true);
    expect(Object.isFrozen(a.bgp?.asPath)).toBe(true);
    expect(a.nexthops).not.toBe(b.nexthops);
  });
});

describe("show route: a reply cut short is never a table", () => {
  const head = [
    "1007-Table master4:",
    " 10.9.0.0/24          unicast [up_a4 12:00:00.000] * (100) [AS65000i]",
    " |via 10.111.1.1 on na0",
  ];

  it("8004 (stopped due to reconfiguration) after some routes is a retryable BirdCommandError", () => {
    const seen: BirdRoute[] = [];
    const parser = new RouteParser({ onRoute: (r) => seen.push(r) });
    let caught: unknown;
    try {
      for (const line of frameTranscript(`${[...head, "8004 Stopped due to reconfiguration"].join("\n").replaceAll("|", "\t")}\n`)) {
        parser.push(line);
      }
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BirdCommandError);
    expect(caught).toMatchObject({ birdCode: 8004, retryable: true, code: "FW_BIRD_COMMAND" });
    // The route before the error was never handed out as part of a complete table.
    expect(seen).toHaveLength(0);
    expect(() => parseText([...head, "8004 Stopped due to reconfiguration"])).toThrow(BirdCommandError);
  });

  it("no final line: end() throws a retryable FW_BIRD_PROTOCOL", () => {
    const parser = new RouteParser({ onRoute: () => {} });
    for (const line of [{ code: 1007, kind: "first", text: "Table master4:" }] as const) parser.push(line);
    let caught: unknown;
    try { parser.end(); } catch (err) { caught = err; }
    expect(isFibwardenError(caught, "FW_BIRD_PROTOCOL")).toBe(true);
    expect((caught as { retryable: boolean }).retryable).toBe(true);
  });

  it("8001 (network not found) is a BirdCommandError the caller can recognise", () => {
    expect(() => parseText(["8001 Network not found"])).toThrow(expect.objectContaining({ birdCode: 8001 }) as Error);
  });

  it("malformed route lines are FW_BIRD_PARSE with the line in the details", () => {
    for (const bad of [
      ["1007-10.9.0.0/33          unicast [up_a4 12:00:00.000] * (100)", "0000 "],
      ["1007-10.9.0.1/24          unicast [up_a4 12:00:00.000] * (100)", "0000 "],
      ["1007-10.9.0.0/24          sideways [up_a4 12:00:00.000] * (100)", "0000 "],
      ["1007-10.9.0.0/24          unicast up_a4 12:00:00.000 * (100)", "0000 "],
      ["1007-10.9.0.0/24          unicast [up_a4 12:00:00.000] *", "0000 "],
      ["1007-                     unicast [up_a4 12:00:00.000] * (100)", "0000 "],
      ["1007-Table master4:", " |via 10.111.1.1 on na0", "0000 "],
      ["1007-10.9.0.0/24          unicast [up_a4 12:00:00.000] * (100)", " |via nowhere on na0", "0000 "],
      ["1007-10.9.0.0/24          unicast [up_a4 12:00:00.000] * (100)", " |through 10.1.1.1", "0000 "],
      ["1007-10.9.0.0/24          unicast [up_a4 12:00:00.000] * (100)", "1012-|no colon here", "0000 "],
      ["1007-10.9.0.0/24          unicast [up_a4 12:00:00.000] * (100)", "1012-||wrapped first", "0000 "],
      ["2002-Name Proto", "0000 "],
    ]) {
      let caught: unknown;
      try { parseText(bad); } catch (err) { caught = err; }
      expect(isFibwardenError(caught, "FW_BIRD_PARSE"), bad.join(" / ")).toBe(true);
      expect((caught as { details: Record<string, unknown> }).details.text).toBeTypeOf("string");
    }
  });
});
