// `ip -N` (numeric) output: fibwarden reads routes, rules and monitor events with -N, because the
// names iproute2 prints come from rt_protos(.d)/rt_tables, which other packages extend (FRR's
// rt_protos.d names 196 `static`, the name of 4). Captured from iproute2 6.1 in a namespace.
import { describe, expect, it } from "vitest";
import { routeTypeOf, ROUTE_TYPES } from "../../../../src/core/model/route.js";
import { parseIpRoutes, parseIpRules } from "../../../../src/core/parse/ip-json.js";
import { parseMonitorRoute } from "../../../../src/core/parse/ip-monitor-route.js";
import { parseMonitorLine } from "../../../../src/core/parse/ip-monitor.js";

describe("routeTypeOf", () => {
  it("reads every type by name and by its RTN number, and nothing else", () => {
    ROUTE_TYPES.forEach((t, i) => {
      expect(routeTypeOf(t)).toBe(t);
      expect(routeTypeOf(String(i + 1))).toBe(t);
    });
    for (const bad of ["0", "12", "01", "1.0", "", "Unicast", " 1"]) expect(routeTypeOf(bad), bad).toBeUndefined();
  });
});

describe("ip -N -json", () => {
  it("routes: numeric type, protocol, scope and table are the kernel's numbers (196 stays 196)", () => {
    const text = '[{"type":"1","dst":"10.77.0.0/24","dev":"v0","protocol":"196","scope":"253","flags":[]},'
      + '{"type":"6","dst":"10.80.0.0/24","table":"1500","protocol":"201","scope":"0","flags":[]},'
      + '{"type":"1","dst":"192.0.2.0/24","dev":"v0","protocol":"2","scope":"253","prefsrc":"192.0.2.10","flags":[]}]';
    const routes = parseIpRoutes(text, 4);
    expect(routes.map((r) => [r.dst, r.type, r.protocol, r.scope, r.table])).toEqual([
      ["10.77.0.0/24", "unicast", 196, 253, 254], ["10.80.0.0/24", "blackhole", 201, 0, 1500], ["192.0.2.0/24", "unicast", 2, 253, 254],
    ]);
  });

  it("rules: numeric table and protocol", () => {
    const text = '[{"priority":0,"src":"all","table":"255","protocol":"2"},{"priority":1500,"src":"10.9.9.9","table":"1500","protocol":"201"},'
      + '{"priority":1501,"src":"10.9.9.8","table":"254","protocol":"0"}]';
    expect(parseIpRules(text, 4).map((r) => [r.priority, r.table, r.protocol])).toEqual([[0, 255, 2], [1500, 1500, 201], [1501, 254, 0]]);
  });
});

describe("ip -N monitor", () => {
  it("route events with a numeric type, protocol and scope", () => {
    expect(parseMonitorRoute("6 10.80.0.0/24 table 1500 proto 201 ")).toMatchObject({ type: "blackhole", table: 1500, protocol: 201, nexthops: [] });
    expect(parseMonitorRoute("Deleted 10.79.0.0/24 dev v0 table 1500 proto 196 scope 253 metric 5 ")).toMatchObject({ type: "unicast", protocol: 196, scope: 253, metric: 5 });
    const line = parseMonitorLine("[ROUTE]7 10.23.0.0/24 table 1000 ");
    expect(line).toMatchObject({ kind: "route" });
    expect(JSON.stringify(line)).toContain("10.23.0.0/24");
  });
});
