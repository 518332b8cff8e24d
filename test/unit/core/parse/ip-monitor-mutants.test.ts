// parseMonitorLine / parseRouteWords on the edges of the route words they read: the `Deleted` and
// `Replaced` prefixes, blanks, the family of a `default` route, and fields left out.
import { describe, expect, it } from "vitest";
import { parseMonitorLine, parseRouteWords } from "../../../../src/core/parse/ip-monitor.js";
import { parseMonitorRoute } from "../../../../src/core/parse/ip-monitor-route.js";

describe("parseRouteWords", () => {
  it("reads a `Replaced` route as a change that is not a delete", () => {
    expect(parseRouteWords("Replaced 10.0.0.0/24 via 10.0.0.2 dev v0 table 7 ")).toStrictEqual({
      family: 4, table: 7, dst: "10.0.0.0/24", deleted: false,
    });
    expect(parseRouteWords("Replaced unreachable fd00::/64 dev lo metric 1024 pref medium")).toStrictEqual({
      family: 6, table: 254, dst: "fd00::/64", deleted: false,
    });
  });

  it("ignores blanks around and between words", () => {
    expect(parseRouteWords("  Deleted  10.0.0.0/24 \tdev v0  table  7  ")).toStrictEqual({
      family: 4, table: 7, dst: "10.0.0.0/24", deleted: true,
    });
  });

  it("tells the family of a `default` route by its gateway", () => {
    expect(parseRouteWords("default via fe80::1 dev v0 proto bgp metric 20 pref medium")).toStrictEqual({
      family: 6, table: 254, dst: "::/0", deleted: false,
    });
    expect(parseRouteWords("default via 10.0.0.1 dev v0 table 9 ")).toStrictEqual({
      family: 4, table: 9, dst: "0.0.0.0/0", deleted: false,
    });
  });

  it("reads `default via inet6 GW` as an IPv4 route, as parseMonitorRoute does (RFC 5549, BGP unnumbered)", () => {
    // The kernel prints a gateway as RTA_VIA, with its family first, only when it is an IPv6
    // gateway of an IPv4 route (fib_nexthop_info).
    for (const [text, deleted] of [
      ["default via inet6 fe80::1 dev v0 proto bgp metric 20 ", false],
      ["Deleted default nhid 30 via inet6 fe80::1 dev v0 proto 186 metric 20 ", true],
    ] as const) {
      expect(parseRouteWords(text)).toStrictEqual({ family: 4, table: 254, dst: "0.0.0.0/0", deleted });
      expect(parseMonitorRoute(text)).toMatchObject({ family: 4, dst: "0.0.0.0/0" });
    }
    expect(parseMonitorLine("[ROUTE]default via inet6 fe80::1 dev v0 table 7 ")).toStrictEqual({
      kind: "route", route: { family: 4, table: 7, dst: "0.0.0.0/0", deleted: false },
    });
  });

  it("tells the family of a `default` route without gateway by its router preference", () => {
    expect(parseRouteWords("unreachable default dev lo table 5 metric 1024 pref medium")).toStrictEqual({
      family: 6, table: 5, dst: "::/0", deleted: false,
    });
  });

  it("leaves the family out, not undefined, when the line does not tell it", () => {
    const r = parseRouteWords("Deleted blackhole default table 5 ");
    expect(r).toStrictEqual({ table: 5, dst: "default", deleted: true });
    expect(Object.keys(r!)).not.toContain("family");
  });

  it("refuses a line without destination, or with a table it cannot name", () => {
    expect(parseRouteWords("Replaced")).toBeUndefined();
    expect(parseRouteWords("10.0.0.0/24 dev v0 table")).toBeUndefined();
    expect(parseRouteWords("10.0.0.0/24 dev v0 table customers")).toBeUndefined();
  });
});

describe("parseMonitorLine", () => {
  it("reads a route line with the `Replaced` prefix", () => {
    expect(parseMonitorLine("[ROUTE]Replaced 10.0.0.0/24 via 10.0.0.2 dev v0 ")).toStrictEqual({
      kind: "route", route: { family: 4, table: 254, dst: "10.0.0.0/24", deleted: false },
    });
  });

  it.each(["ROUTE]10.0.0.0/24 dev v0", " [ROUTE]10.0.0.0/24 dev v0", "[ROUTE 10.0.0.0/24 dev v0", "[route]10.0.0.0/24 dev v0"])(
    "ignores a line without a known label: %j",
    (line) => {
      expect(parseMonitorLine(line)).toBeUndefined();
    },
  );
});
