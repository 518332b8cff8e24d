// parseMonitorRoute against real text: `ip monitor label route` captured from iproute2 6.1 in a
// namespace (test/fixtures/ip-monitor/capture.sh) with the `ip -json -details` dumps taken after
// each step, and the `ip route show` text of the captured BIRD nodes beside their JSON dumps.
// The parsed route must equal, field for field, what the ip-json normalizer reads from the dump.
import { describe, expect, it } from "vitest";
import { routeKey } from "../../../../src/core/model/keys.js";
import { routesEqual, type Route } from "../../../../src/core/model/route.js";
import { parseIpRoutes } from "../../../../src/core/parse/ip-json.js";
import { parseMonitorRoute } from "../../../../src/core/parse/ip-monitor-route.js";
import { KERNEL_NODES, readFixture } from "../../../support/fixtures.js";
import { loadMonitorCapture, splitRouteEvents, type CaptureStep } from "../../../support/ip-monitor-capture.js";

const steps = loadMonitorCapture("iproute2-6.1.txt");
const stepNamed = (title: string): CaptureStep => steps.find((s) => s.title.startsWith(title))!;

/** Events the parser must refuse: the model cannot hold them as the dump does. */
const REFUSED = [
  "10.14.0.0/24 tos CS1 via 10.0.0.2 dev v0 ", // tos name from /etc/iproute2/rt_dsfield
  "Deleted 10.14.0.0/24 tos CS1 via 10.0.0.2 dev v0 ",
  "fd00:41::/64 from fd00:99::/64 via fd00::2 dev v0 metric 1024 pref medium", // source-specific
  "Deleted fd00:41::/64 from fd00:99::/64 via fd00::2 dev v0 metric 1024 pref medium",
];

/** The kernel reports deleting one nexthop of an IPv6 multipath route as that nexthop alone. */
const NEXTHOP_DELETE = "Deleted fd00:32::/48 via fd00:1::2 dev v1 metric 1024 pref medium";

const has = (routes: readonly Route[], r: Route): boolean => routes.some((x) => routesEqual(x, r));
const show = (r: Route): string => JSON.stringify(r);

describe("parseMonitorRoute on captured monitor text (iproute2 6.1, Linux 6.18)", () => {
  const parsed = steps.flatMap((step) => step.events.map((ev) => ({ step, ev, route: parseMonitorRoute(ev.text, ev.more) })));

  it("covers a diverse capture", () => {
    expect(parsed.length).toBeGreaterThan(150);
    const routes = parsed.flatMap((p) => (p.route ? [p.route] : []));
    expect(new Set(routes.map((r) => r.type))).toEqual(new Set(["unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw"]));
    expect(new Set(routes.map((r) => r.protocol))).toEqual(new Set([0, 2, 3, 4, 9, 12, 16, 18, 77, 186, 201, 250]));
    expect(routes.some((r) => r.nexthops.length > 1 && r.family === 4)).toBe(true);
    expect(routes.some((r) => r.nexthops.length > 1 && r.family === 6)).toBe(true);
    expect(parsed.filter((p) => p.ev.deleted).length).toBeGreaterThan(30);
  });

  it("refuses exactly the events the model cannot express", () => {
    expect(parsed.filter((p) => p.route === undefined).map((p) => p.ev.text)).toEqual(REFUSED);
  });

  it("reads every other event as the route the ip-json normalizer reads from the dump", () => {
    const misses: string[] = [];
    for (const { step, ev, route } of parsed) {
      if (route === undefined || ev.text === NEXTHOP_DELETE) continue;
      const i = step.index;
      const sameStep = step.events.map((e) => ({ e, r: parseMonitorRoute(e.text, e.more) }));
      const pos = sameStep.findIndex((x) => x.e === ev);
      if (!ev.deleted) {
        // Present after the step, unless a later event of the step changed the same route.
        const later = sameStep.slice(pos + 1).some((x) => x.r !== undefined && routeKey(x.r) === routeKey(route));
        if (!has(steps[i]!.routes, route) && !later) misses.push(`step ${i} ${ev.text} -> ${show(route)}`);
      } else {
        // Present before the step, or added earlier in the same step.
        const earlier = sameStep.slice(0, pos).some((x) => x.r !== undefined && !x.e.deleted && routesEqual(x.r, route));
        if (!has(steps[i - 1]!.routes, route) && !earlier) misses.push(`step ${i} ${ev.text} -> ${show(route)}`);
      }
    }
    expect(misses).toEqual([]);
  });

  it("reads an IPv6 nexthop delete as what it is: one nexthop gone, the route stays", () => {
    const step = stepNamed("deletes");
    const ev = step.events.find((e) => e.text === NEXTHOP_DELETE)!;
    const gone = parseMonitorRoute(ev.text, ev.more)!;
    const before = steps[step.index - 1]!.routes.find((r) => routeKey(r) === routeKey(gone) && r.nexthops.length === 2)!;
    const after = step.routes.find((r) => routeKey(r) === routeKey(gone))!;
    expect(before.nexthops).toContainEqual(gone.nexthops[0]);
    expect(after.nexthops).toEqual(before.nexthops.filter((nh) => nh.gateway !== gone.nexthops[0]!.gateway));
    // ... and no event says so.
    expect(step.events.filter((e) => e.text.includes("fd00:32::/48"))).toEqual([ev]);
  });

  it("fills in what the text leaves out exactly as the dump states it", () => {
    const find = (text: string): Route => {
      const p = parsed.find((x) => x.ev.text === text);
      if (p?.route === undefined) throw new Error(`no parsed event ${text}`);
      return p.route;
    };
    // proto boot, table main, scope global and IPv4 metric 0 are not printed.
    expect(find("10.10.8.0/24 via 10.0.0.2 dev v0 ")).toEqual({
      family: 4, table: 254, dst: "10.10.8.0/24", type: "unicast", protocol: 3, metric: 0, tos: 0, scope: 0,
      nexthops: [{ gateway: "10.0.0.2", dev: "v0", weight: 1, onlink: false }],
    });
    // A scope other than global is printed; the kernel chose `host` for a local route.
    expect(find("local 10.12.0.0/24 dev lo table local scope host ")).toMatchObject({ type: "local", table: 255, scope: 254, protocol: 3 });
    // IPv6: `default` without gateway is told apart by `pref`; `dev lo` is not a nexthop.
    expect(find("blackhole default dev lo table 5 metric 1024 pref medium")).toMatchObject({ family: 6, dst: "::/0", nexthops: [] });
    expect(find("blackhole default table 5 ")).toMatchObject({ family: 4, dst: "0.0.0.0/0", nexthops: [] });
    expect(find("local fd00:1::1 dev v1 table local proto kernel metric 0 pref medium")).toMatchObject({ metric: 0, scope: 0, protocol: 2 });
    // Multipath: nexthops sorted as the normalizer sorts them, onlink per nexthop.
    const mp = parsed.find((x) => x.ev.text === "10.13.1.0/24 table 100 metric 20 ")!.route!;
    expect(mp.nexthops).toEqual([
      { gateway: "10.0.1.2", dev: "v1", weight: 1, onlink: false },
      { gateway: "192.0.2.9", dev: "v0", weight: 1, onlink: true },
    ]);
  });

  it("agrees with the dumps on routes that vanish without an event only where the kernel is silent", () => {
    // Not the parser's doing, but what a cache fed by these events must know: IPv4 routes over a
    // link that goes down or away are flushed without RTM_DELROUTE; IPv6 ones are reported.
    const silent = (step: CaptureStep): string[] => {
      const before = steps[step.index - 1]!.routes;
      const touched = new Set(step.events.flatMap((e) => {
        const r = parseMonitorRoute(e.text, e.more);
        return r === undefined ? [] : [routeKey(r)];
      }));
      return before.filter((r) => !has(step.routes, r) && !touched.has(routeKey(r))).map((r) => `${r.family} ${r.table} ${r.dst}`).sort();
    };
    const bySteps: Record<string, string[]> = {};
    for (const s of steps.slice(1)) {
      const gone = silent(s);
      if (gone.length > 0) bySteps[s.title] = gone;
    }
    expect(bySteps).toEqual({
      "link down": ["4 200 0.0.0.0/0", "4 254 10.0.1.0/24", "4 254 10.10.6.0/24", "4 255 10.0.1.255/32"],
      "link deleted": ["4 254 10.0.2.0/24", "4 254 10.10.17.0/24", "4 254 10.13.2.0/24", "4 255 10.0.2.255/32"],
    });
  });
});

describe("parseMonitorRoute on `ip route show` text of the captured BIRD nodes", () => {
  // `ip route show` and `ip monitor` share iproute2's print_route: same text, same defaults.
  it.each(KERNEL_NODES.flatMap((node) => ([4, 6] as const).map((family) => [node, family] as const)))("%s IPv%s", (node, family) => {
    const dump = parseIpRoutes(readFixture(`kernel/${node}/ip-d-json-${family}-route-show-table-all.json`), family);
    const events = splitRouteEvents(readFixture(`kernel/${node}/ip-${family}-route-show-table-all.txt`).replace(/^(?=[^\s])/gm, "[ROUTE]"));
    expect(events.length).toBe(dump.length);
    const unmatched = [...dump];
    for (const ev of events) {
      const r = parseMonitorRoute(ev.text, ev.more);
      const i = r === undefined ? -1 : unmatched.findIndex((d) => routesEqual(d, r));
      expect(i, ev.text).toBeGreaterThanOrEqual(0);
      unmatched.splice(i, 1);
    }
    expect(unmatched).toEqual([]);
  });
});

describe("parseMonitorRoute refuses what it does not understand", () => {
  it.each([
    ["", []],
    ["Deleted", []],
    ["10.0.0.0/24 via 10.0.0.2 dev v0 encap mpls 100 ", []],
    ["10.0.0.0/24 as to 10.1.0.0 via 10.0.0.2 dev v0 ", []],
    ["10.0.0.0/24 via 10.0.0.2 dev v0 mark 0x10 ", []],
    ["10.0.0.0/24 via 10.0.0.2 dev v0 table 100 table 200 ", []], // a keyword twice
    ["10.0.0.0/24 via 10.0.0.2 dev v0 metric 17 5 ", []], // an unnamed RTAX metric
    ["10.0.0.0/24 via 10.0.0.2 dev v0 sparkly ", []], // an unknown flag
    ["10.0.0.0/24 via 10.0.0.2 dev v0 proto frobnicator ", []], // a name not in rt_protos
    ["10.0.0.0/24 via 10.0.0.2 dev v0 table customers ", []], // a name from rt_tables.d
    ["10.0.0.0/24 via 10.0.0.2 dev v0 scope 300 ", []],
    ["10.0.0.0/24 via 10.0.0.2 dev v0 weight 2 ", []], // weight only on nexthop lines
    ["10.0.0.0/24 proto 201 ", []], // multipath with its nexthop lines missing
    ["10.0.0.0/24 proto 201 ", ["\tnexthop via 10.0.0.2 dev v0 "]], // nexthop line without weight
    ["10.0.0.0/24 proto 201 ", ["\tnexthop via 10.0.0.2 dev v0 weight 1 pref medium"]],
    ["10.0.0.0/24 proto 201 ", ["nexthop via 10.0.0.2 dev v0 weight 1 "]], // not indented
    ["10.0.0.0/24 via 10.0.0.2 dev v0 ", ["\tnexthop via 10.0.1.2 dev v1 weight 1 "]], // both forms
    ["10.0.0.0/24 via 10.0.0.2 dev v0 ", ["    link/ether 00:11:22:33:44:55"]],
    ["10.0.0.1/24 via 10.0.0.2 dev v0 ", []], // host bits set
    ["fd00::/64 via fd00::2 dev v0 ", []], // IPv6 without metric and pref
    ["fd00::/64 via fd00::2 dev v0 metric 1024 ", []],
    ["10.0.0.0/24 via 10.0.0.2 dev v0 pref medium", []], // IPv4 with pref
    ["fd00::/64 via 10.0.0.2 dev v0 metric 1024 pref medium", []], // gateway family
    ["10.0.0.0/24 via mpls 100 dev v0 ", []],
    ["100 via inet 10.0.0.2 dev v0 ", []], // an MPLS route
    ["12 10.0.0.0/24 dev v0 ", []], // an unnamed route type
    ["10.0.0.0/24 via 10.0.0.2 dev v0 table 0 ", []],
    ["10.0.0.0/24 via 10.0.0.2 dev v0 metric 4294967296 ", []],
    ["10.0.0.0/24 via 10.0.0.2 dev v0 expires 30 ", []],
    ["10.0.0.0/24 via 10.0.0.2 dev v0 \n    cache ", []],
  ] as Array<[string, string[]]>)("%j %j", (text, more) => {
    expect(parseMonitorRoute(text, more)).toBeUndefined();
  });

  it("reads metric shapes it has not seen captured but iproute2 prints", () => {
    const r = parseMonitorRoute("10.0.0.0/24 via 10.0.0.2 dev v0 rtt 1.5s features ecn 0x6 initcwnd lock 4 ");
    expect(r).toMatchObject({ dst: "10.0.0.0/24", nexthops: [{ gateway: "10.0.0.2", dev: "v0" }] });
    expect(parseMonitorRoute("10.0.0.0/24 nhid 5 via 10.0.0.2 dev v0 offload rt_trap ")).toMatchObject({ dst: "10.0.0.0/24" });
  });
});
