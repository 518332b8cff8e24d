// Routes through kernel nexthop objects (`nhid`), as FRR 8.4's zebra installs them, captured from
// the FRR lab (test/lab/frr.ts; test/fixtures/kernel/frr-node): an ECMP group for two BGP
// routers, single objects shared by bgpd's and staticd's routes, IPv6 with a link-local member.
// With net.ipv4.nexthop_compat_mode=1 (the default) iproute2 prints the resolved nexthops; at 0
// only `nhid` and, with -details, the object (`nh_info`).
import { describe, expect, it } from "vitest";
import type { Route } from "../../../../src/core/model/route.js";
import type { Family } from "../../../../src/core/net/ip.js";
import { classifyRoute, defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { isWireRoute, parseIpRoutes, wireRoute } from "../../../../src/core/parse/ip-json.js";
import { createIpRouteStream } from "../../../../src/core/parse/ip-route-stream.js";
import { readFixture } from "../../../support/fixtures.js";

const DIR = "kernel/frr-node";
const routes = (file: string, family: Family): Route[] => parseIpRoutes(readFixture(`${DIR}/${file}`), family);
const find = (rs: Route[], dst: string, table = 254): Route => {
  const r = rs.find((x) => x.dst === dst && x.table === table);
  if (r === undefined) throw new Error(`no route ${dst} in table ${table}`);
  return r;
};
const wireItems = (file: string): Array<Record<string, unknown>> => JSON.parse(readFixture(`${DIR}/${file}`)) as Array<Record<string, unknown>>;

describe("zebra's nhid routes (FRR 8.4 lab capture)", () => {
  const v4 = routes("ip-d-json-4-route-show-table-all.json", 4);
  const v6 = routes("ip-d-json-6-route-show-table-all.json", 6);

  it("the capture holds routes through a group and through single objects", () => {
    const items = wireItems("ip-d-json-4-route-show-table-all.json").filter((w) => w.nhid !== undefined);
    expect(items.length).toBeGreaterThanOrEqual(4);
    expect(items.some((w) => Array.isArray((w.nh_info as { group?: unknown }).group))).toBe(true);
    expect(items.some((w) => typeof (w.nh_info as { gateway?: unknown }).gateway === "string")).toBe(true);
  });

  it("reads the ECMP group's routes with both routers as nexthops", () => {
    for (const dst of ["10.200.0.0/24", "10.200.1.0/24"]) {
      expect(find(v4, dst)).toMatchObject({ protocol: 186, metric: 20, type: "unicast", nexthops: [
        { gateway: "10.111.1.1", dev: "na0", weight: 1, onlink: false },
        { gateway: "10.111.2.1", dev: "nb0", weight: 1, onlink: false },
      ] });
    }
    const r6 = find(v6, "fd00:200::/48");
    expect(r6).toMatchObject({ protocol: 186, metric: 20 });
    expect(r6.nexthops.map((n) => n.dev).sort()).toEqual(["na0", "nb0"]);
  });

  it("reads single-object routes of bgpd and staticd, in main and in table 1000", () => {
    expect(find(v4, "10.201.0.0/24")).toMatchObject({ protocol: 186, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] });
    expect(find(v4, "0.0.0.0/0", 1000)).toMatchObject({ metric: 20, nexthops: [{ gateway: "10.111.1.1", dev: "na0" }] });
    expect(find(v4, "10.111.100.1/32", 198)).toMatchObject({ type: "blackhole", metric: 20, nexthops: [] });
  });

  it("every route of FRR's protocols is alien to the default policy", () => {
    const frr = [...v4, ...v6].filter((r) => r.metric === 20);
    expect(frr.length).toBeGreaterThanOrEqual(6);
    expect(frr.every((r) => classifyRoute(defaultOwnershipPolicy(), r) === "alien")).toBe(true);
  });

  it.each([4, 6] as const)("with nexthop_compat_mode=0, IPv%s single-object routes read as with compat mode 1; group routes lose their nexthops", (family) => {
    const compat1 = routes(`ip-d-json-${family}-route-show-table-all.json`, family);
    const compat0 = routes(`ip-d-json-${family}-route-show-table-all-compat0.json`, family);
    expect(compat0.length).toBe(compat1.length);
    const groups = new Set(wireItems(`ip-d-json-${family}-route-show-table-all-compat0.json`)
      .filter((w) => Array.isArray((w.nh_info as { group?: unknown } | undefined)?.group)).map((w) => String(w.dst)));
    expect(groups.size).toBeGreaterThan(0);
    // the same kernel state dumped twice: the same routes in the same order
    compat1.forEach((r, i) => {
      const twin = compat0[i];
      const isGroup = [...groups].some((g) => r.dst === g || r.dst.startsWith(`${g}/`));
      // a group object lists member ids only; resolving them needs the nexthop dump
      expect(twin, r.dst).toEqual(isGroup ? { ...r, nexthops: [] } : r);
    });
  });

  it("the streaming parser gives the same routes, and the guard accepts every element zod does", () => {
    for (const file of ["ip-d-json-4-route-show-table-all.json", "ip-d-json-4-route-show-table-all-compat0.json"]) {
      const s = createIpRouteStream(4);
      s.pushText(readFixture(`${DIR}/${file}`));
      expect(s.end()).toEqual(routes(file, 4));
      for (const item of wireItems(file)) expect(isWireRoute(item)).toBe(wireRoute.safeParse(item).success);
    }
  });

  it("a malformed nh_info is a validation error, not a silent route without nexthops", () => {
    const bad = JSON.stringify([{ type: "unicast", dst: "10.9.0.0/24", nhid: 5, protocol: "bgp", nh_info: { id: 5, gateway: 7 } }]);
    expect(() => parseIpRoutes(bad, 4)).toThrow(/nh_info/);
  });
});
