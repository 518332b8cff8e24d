// The `ip -json` normalizers against every captured fixture (BIRD 2 and BIRD 1.6 nodes), plus
// the gaps that real iproute2 6.1 output showed (IPv6 metric 0, nop rules, state flags on rules).
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isFibwardenError } from "../../../../src/core/errors.js";
import { routeKey } from "../../../../src/core/model/keys.js";
import { canonicalPrefix, type Family } from "../../../../src/core/net/ip.js";
import type { Route } from "../../../../src/core/model/route.js";
import { classifyRoute, defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import {
  isWireRoute, normalizeRoute, normalizeWireRoute, parseIpAddrs, parseIpRoutes, parseIpRules, wireRoute,
} from "../../../../src/core/parse/ip-json.js";
import { createIpRouteStream } from "../../../../src/core/parse/ip-route-stream.js";
import { fixturePath, KERNEL_NODES, readFixture } from "../../../support/fixtures.js";

type Node = (typeof KERNEL_NODES)[number];
const routesOf = (node: Node, file: string, family: Family): Route[] => parseIpRoutes(readFixture(`kernel/${node}/${file}`), family);
const find = (routes: Route[], dst: string, table = 254): Route => {
  const r = routes.find((x) => x.dst === dst && x.table === table);
  if (r === undefined) throw new Error(`no route ${dst} in table ${table}`);
  return r;
};
const sortRoutes = (rs: Route[]): Route[] => [...rs].sort((a, b) => {
  const ka = `${routeKey(a)}|${a.protocol}|${JSON.stringify(a.nexthops)}`;
  const kb = `${routeKey(b)}|${b.protocol}|${JSON.stringify(b.nexthops)}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
});

/** The route lines of a text dump: first lines only (nexthop lines start with blanks). */
function textRouteKeys(text: string, family: Family): string[] {
  const types = new Set(["unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw"]);
  return text.split("\n").filter((l) => l !== "" && !/^\s/.test(l)).map((line) => {
    const words = line.trim().split(/\s+/);
    const dst = types.has(words[0]!) ? words[1]! : words[0]!;
    const t = words.indexOf("table");
    const table = t < 0 ? "main" : words[t + 1]!;
    return `${canonicalPrefix(dst, family)}|${table}`;
  }).sort();
}

const tableText = (n: number): string => (n === 254 ? "main" : n === 255 ? "local" : String(n));

/** Every fixture file and the test that reads it: a new capture fails until it is handled. */
const HANDLED = new Set([
  "ip-4-route-show-table-all.txt", "ip-d-4-route-show-table-all.txt", "ip-6-route-show-table-all.txt",
  "ip-d-json-4-route-show-table-all.json", "ip-json-4-route-show-table-all.json",
  "ip-d-json-6-route-show-table-all.json", "ip-json-6-route-show-table-all.json",
  "ip-json-route-show-table-all.json", "ip-json-rule-show.json", "ip-json-6-rule-show.json",
  "ip-rule-show.txt", "ip-6-rule-show.txt", "ip-json-addr-show.json", "ip-json-link-show.json",
]);

describe.each(KERNEL_NODES)("fixtures of %s", (node) => {
  const dir = `kernel/${node}`;

  it("has no fixture file this suite does not read", () => {
    const files = readdirSync(fixturePath(dir));
    expect(files.filter((f) => !HANDLED.has(f))).toEqual([]);
  });

  it.each([4, 6] as const)("normalizes IPv%s -d and non -d dumps to identical models", (family) => {
    const withDetails = routesOf(node, `ip-d-json-${family}-route-show-table-all.json`, family);
    const without = routesOf(node, `ip-json-${family}-route-show-table-all.json`, family);
    expect(withDetails.length).toBeGreaterThan(10);
    expect(without).toEqual(withDetails);
  });

  it("splits the mixed-family dump into exactly the -4 and -6 dumps", () => {
    const text = readFixture(`${dir}/ip-json-route-show-table-all.json`);
    // Without a family flag `default` is ambiguous: the normalizer needs the family from outside.
    let threw: unknown;
    try { parseIpRoutes(text, 4); } catch (err) { threw = err; }
    expect(isFibwardenError(threw)).toBe(true);
    const items = JSON.parse(text) as Array<Record<string, unknown>>;
    // Only IPv6 routes carry `pref`; otherwise an address in dst or a gateway tells.
    const familyOf = (w: Record<string, unknown>): Family => {
      const nh = (w.nexthops as Array<{ gateway?: string }> | undefined)?.[0]?.gateway;
      return w.pref !== undefined || [w.dst, w.gateway, nh].some((t) => typeof t === "string" && t.includes(":")) ? 6 : 4;
    };
    const mixed = items.map((w) => normalizeWireRoute(w, familyOf(w)));
    const split = [...routesOf(node, "ip-json-4-route-show-table-all.json", 4), ...routesOf(node, "ip-json-6-route-show-table-all.json", 6)];
    expect(sortRoutes(mixed)).toEqual(sortRoutes(split));
  });

  it.each([
    [4, "ip-4-route-show-table-all.txt", "ip-json-4-route-show-table-all.json"],
    [4, "ip-d-4-route-show-table-all.txt", "ip-d-json-4-route-show-table-all.json"],
    [6, "ip-6-route-show-table-all.txt", "ip-d-json-6-route-show-table-all.json"],
  ] as const)("IPv%s text dump %s lists the same routes as %s", (family, txt, json) => {
    const fromJson = routesOf(node, json, family).map((r) => `${r.dst}|${tableText(r.table)}`).sort();
    expect(textRouteKeys(readFixture(`${dir}/${txt}`), family)).toEqual(fromJson);
  });

  it("reads the ECMP route 10.111.196.0/24 with two nexthops", () => {
    const r = find(routesOf(node, "ip-d-json-4-route-show-table-all.json", 4), "10.111.196.0/24");
    expect(r.protocol).toBe(12);
    expect(r.nexthops).toEqual([
      { gateway: "10.111.1.1", dev: "na0", weight: 1, onlink: false },
      { gateway: "10.111.2.1", dev: "nb0", weight: 1, onlink: false },
    ]);
  });

  it("reads 192.168.54.0/24 (weights 2/3, proto 201 in main) as an alien route", () => {
    const r = find(routesOf(node, "ip-json-4-route-show-table-all.json", 4), "192.168.54.0/24");
    expect(r).toMatchObject({ protocol: 201, table: 254, type: "unicast", metric: 0 });
    expect(r.nexthops.map((n) => n.weight)).toEqual([2, 3]);
    // Our protocol number alone does not make it ours: main is not a managed table.
    expect(classifyRoute(defaultOwnershipPolicy(), r)).toBe("alien");
  });

  it("reads the IPv6 blackhole on lo without a nexthop, and the IPv6 ECMP in table 100", () => {
    const v6 = routesOf(node, "ip-d-json-6-route-show-table-all.json", 6);
    const bh = find(v6, "fd00:111:199::/48");
    expect(bh.type).toBe("blackhole");
    expect(bh.nexthops).toEqual([]);
    const t100 = find(v6, "fd00:300::/48", 100);
    expect(t100).toMatchObject({ protocol: 201, metric: 1024 });
    expect(t100.nexthops.map((n) => [n.gateway, n.weight])).toEqual([["fd00:111:1::1", 1], ["fd00:111:2::1", 5]]);
  });

  it("reads the default routes, tables 100/200 and the BIRD-specific metrics", () => {
    const v4 = routesOf(node, "ip-d-json-4-route-show-table-all.json", 4);
    const v6 = routesOf(node, "ip-d-json-6-route-show-table-all.json", 6);
    const birdMetric4 = node === "bird2-node" ? 32 : 0;
    const birdMetric6 = node === "bird2-node" ? 32 : 1024;
    expect(find(v4, "0.0.0.0/0")).toMatchObject({ protocol: 12, metric: birdMetric4, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] });
    expect(find(v6, "::/0")).toMatchObject({ protocol: 12, metric: birdMetric6, nexthops: [{ gateway: "fd00:111:1::1", dev: "na0" }] });
    expect(find(v4, "192.168.51.0/24", 100)).toMatchObject({ protocol: 201, nexthops: [{ gateway: "10.111.1.1" }] });
    expect(find(v4, "192.168.55.0/24", 100)).toMatchObject({ type: "unreachable", nexthops: [] });
    expect(find(v4, "192.168.52.0/24", 200)).toMatchObject({ protocol: 250, metric: 100, scope: 253 });
    expect(find(v4, "10.111.100.1/32")).toMatchObject({ scope: 253, nexthops: [{ dev: "vip0" }] });
    // IPv6 local routes really carry metric 0: kept, not turned into 1024.
    expect(v6.filter((r) => r.table === 255 && r.type === "local").every((r) => r.metric === 0)).toBe(true);
  });

  it("reads the rules of both families, the fwmark rule included, like the text dumps", () => {
    const v4 = parseIpRules(readFixture(`${dir}/ip-json-rule-show.json`), 4);
    const v6 = parseIpRules(readFixture(`${dir}/ip-json-6-rule-show.json`), 6);
    expect(v4.find((r) => r.priority === 1000)).toMatchObject({ from: "192.168.53.0/24", table: 100, action: "lookup" });
    expect(v4.find((r) => r.priority === 1001)).toMatchObject({ fwmark: { value: 0x10, mask: 0xffffffff }, table: 200 });
    expect(v6.find((r) => r.priority === 1000)).toMatchObject({ family: 6, from: "fd00:300::/32", table: 100 });
    for (const [rules, txt] of [[v4, "ip-rule-show.txt"], [v6, "ip-6-rule-show.txt"]] as const) {
      const lines = readFixture(`${dir}/${txt}`).trim().split("\n");
      expect(rules.map((r) => r.priority)).toEqual(lines.map((l) => Number(l.split(":")[0])));
      expect(rules.every((r) => r.extra === undefined && r.protocol === 0)).toBe(true);
    }
  });

  it("reads links and addresses; the link dump gives the same links", () => {
    const { links, addresses } = parseIpAddrs(readFixture(`${dir}/ip-json-addr-show.json`));
    expect(links.map((l) => l.name)).toEqual(["lo", "na0", "nb0", "vip0p", "vip0"]);
    expect(addresses).toContainEqual({ family: 4, dev: "na0", address: "10.111.1.2", prefixlen: 24, scope: 0 });
    expect(addresses).toContainEqual({ family: 6, dev: "lo", address: "::1", prefixlen: 128, scope: 254 });
    expect(parseIpAddrs(readFixture(`${dir}/ip-json-link-show.json`))).toEqual({ links, addresses: [] });
  });

  it("takes the same path with and without zod, and the stream parser agrees", () => {
    for (const [file, family] of [["ip-d-json-4-route-show-table-all.json", 4], ["ip-json-6-route-show-table-all.json", 6]] as const) {
      const text = readFixture(`${dir}/${file}`);
      for (const item of JSON.parse(text) as unknown[]) {
        expect(isWireRoute(item)).toBe(true);
        expect(normalizeRoute(item as never, family)).toEqual(normalizeRoute(wireRoute.parse(item), family));
      }
      const stream = createIpRouteStream(family);
      const bytes = new TextEncoder().encode(text);
      for (let i = 0; i < bytes.length; i += 777) stream.push(bytes.subarray(i, i + 777));
      expect(stream.end()).toEqual(parseIpRoutes(text, family));
    }
  });
});

describe("gaps found in real iproute2 6.1 output", () => {
  // Captured with `ip -4 -json -details rule show` in a test namespace.
  const rules = '[{"priority":0,"src":"all","table":"local","protocol":"kernel"},'
    + '{"priority":1501,"src":"all","action":"blackhole","protocol":"201"},'
    + '{"priority":1502,"src":"10.32.0.0","srclen":16,"goto":1600,"unresolved":null,"protocol":"201"},'
    + '{"priority":1503,"src":"all","nop":null,"protocol":"201"},'
    + '{"priority":1600,"src":"all","iif":"v0","iif_detached":null,"oif":"v1.10","table":"1000","protocol":"201"},'
    + '{"priority":1601,"not":null,"src":"10.0.0.0","srclen":8,"table":"1000","protocol":"unspec"}]';

  it("reads a nop rule as nop (not as `lookup main`)", () => {
    expect(parseIpRules(rules, 4).find((r) => r.priority === 1503)).toEqual({ family: 4, priority: 1503, tos: 0, action: "nop", protocol: 201 });
  });

  it("keeps state flags ([unresolved], [detached]) out of the rule's identity", () => {
    const parsed = parseIpRules(rules, 4);
    expect(parsed.find((r) => r.priority === 1502)).toEqual({
      family: 4, priority: 1502, tos: 0, action: "goto", protocol: 201, from: "10.32.0.0/16", gotoPriority: 1600,
    });
    expect(parsed.find((r) => r.priority === 1600)?.extra).toBeUndefined();
    // Selectors fibwarden does not model still land in `extra`.
    expect(parsed.find((r) => r.priority === 1601)?.extra).toBe('{"not":null}');
    expect(parsed.find((r) => r.priority === 0)?.protocol).toBe(2);
  });

  it("refuses unknown rule actions, including Object.prototype names", () => {
    for (const action of ["frobnicate", "toString", "constructor"]) {
      expect(() => parseIpRules(`[{"priority":5,"action":"${action}"}]`, 4)).toThrow(/unknown action/);
    }
  });

  it("reads IPv6 metric 0 as 0 and a missing IPv6 metric as 1024", () => {
    const [local, noMetric] = parseIpRoutes('[{"type":"local","dst":"::1","dev":"lo","table":"local","protocol":"kernel","metric":0},'
      + '{"type":"blackhole","dst":"fd00::/64","table":"1000","protocol":"201"}]', 6);
    expect(local?.metric).toBe(0);
    expect(noMetric?.metric).toBe(1024);
  });

  it("reads an onlink nexthop and a multipath route with weights (captured from iproute2 6.1)", () => {
    const [onlink, multi] = parseIpRoutes('[{"type":"unicast","dst":"10.8.0.0/24","gateway":"192.0.2.1","dev":"v0","table":"1000","protocol":"201","scope":"global","metric":5,"flags":["onlink"]},'
      + '{"type":"unicast","dst":"10.5.0.0/24","table":"1000","protocol":"201","scope":"global","flags":[],"nexthops":[{"gateway":"10.0.1.2","dev":"v1.10","weight":3,"flags":[]},{"gateway":"10.0.0.2","dev":"v0","weight":2,"flags":[]}]}]', 4);
    expect(onlink?.nexthops).toEqual([{ gateway: "192.0.2.1", dev: "v0", weight: 1, onlink: true }]);
    expect(multi?.nexthops.map((n) => [n.gateway, n.weight])).toEqual([["10.0.0.2", 2], ["10.0.1.2", 3]]);
  });

  it("takes the table of a `route show table N` dump from the caller (iproute2 prints none there)", () => {
    // Captured: `ip -4 -json -d route show table 1000` has no "table" key at all.
    const text = '[{"type":"blackhole","dst":"10.21.0.0/24","protocol":"201","scope":"global","metric":5,"flags":[]}]';
    expect(parseIpRoutes(text, 4, 1000)[0]).toMatchObject({ table: 1000, metric: 5, type: "blackhole" });
    expect(parseIpRoutes(text, 4)[0]?.table).toBe(254);
    const stream = createIpRouteStream(4, 1000);
    stream.push(new TextEncoder().encode(text));
    expect(stream.end()[0]?.table).toBe(1000);
  });

  it("fails with FW_KERNEL_READ on output that is not a route dump", () => {
    for (const text of ['{"dst":"x"}', "[1]", '[{"dst":5}]', "[{", '[{"dst":"10.0.0.0/8","metric":-1}]', '[{"dst":"10.0.0.0/8","tos":"0x1ff"}]']) {
      let err: unknown;
      try { parseIpRoutes(text, 4); } catch (e) { err = e; }
      expect(isFibwardenError(err, "FW_KERNEL_READ"), text).toBe(true);
    }
  });
});

describe("TOS names", () => {
  it("reads the rt_dsfield names iproute2 6.1 prints (captured: tos 0x20 and 0xb8 in a namespace)", () => {
    const dump = '[{"type":"unicast","dst":"10.5.0.0/24","tos":"CS1","dev":"v0","protocol":"static","scope":"link","flags":[]},{"type":"unicast","dst":"10.6.0.0/24","tos":"EF","dev":"v0","protocol":"boot","scope":"link","flags":[]}]';
    expect(parseIpRoutes(dump, 4).map((r) => [r.dst, r.tos])).toEqual([["10.5.0.0/24", 0x20], ["10.6.0.0/24", 0xb8]]);
    expect(() => parseIpRoutes('[{"type":"unicast","dst":"10.5.0.0/24","tos":"gold","dev":"v0"}]', 4)).toThrow(/unknown tos/);
  });
});
