// The desired-state builders against the survivors of a later mutation run (see REPORT.md of that
// review): a BIRD 3 gateway printed without a device, the scope of a mixed multipath export,
// source tables outside the range, the order orphaned tables are taken back in, a resolved
// return path beside keepLastReturn, pattern specificity, and `conf.default` problems.
import { describe, expect, it } from "vitest";
import type { BirdNextHop, BirdRoute } from "../../../../src/core/bird/route-types.js";
import { buildProtectedRoutes, type KernelSyncTarget } from "../../../../src/core/desired/protected.js";
import { buildSysctlDesired, pickPatternValue } from "../../../../src/core/desired/sysctls.js";
import { assignSourceTables, buildVipDesired, type VipSpec } from "../../../../src/core/desired/vips.js";
import { makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import type { SysctlValue } from "../../../../src/core/model/sysctl.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import type { LiveState } from "../../../../src/core/plan/types.js";

const policy = defaultOwnershipPolicy({ tables: [{ from: 1000, to: 1999 }, { from: 198, to: 198 }], addressDevices: ["lo", "vip0"] });
const range = { from: 1000, to: 1003 };
const noLive = (): LiveState => ({ routes: [], rules: [], addresses: [], sysctls: [] });
const ourRule = (vip: string, table: number) => makeRule({ priority: 1000, from: vip, table, protocol: 201 });
const ourDefault = (table: number, gateway = "10.0.0.1", dev = "eth1") =>
  makeRoute({ dst: "0.0.0.0/0", table, protocol: 201, nexthops: [{ gateway, dev }] });

describe("protected routes: usable nexthops and scope", () => {
  const v4: KernelSyncTarget = { protocol: "kernel1", family: 4, table: 254, metric: 32 };
  const nh = (gateway: string | undefined, device: string | undefined): BirdNextHop => {
    const out: BirdNextHop = { weight: 1, onlink: false };
    if (gateway !== undefined) out.gateway = gateway;
    if (device !== undefined) out.device = device;
    return out;
  };
  const br = (network: string, nexthops: BirdNextHop[]): BirdRoute => ({
    table: "master4", network, family: 4, dest: "unicast", nexthops, protocol: "bgp1", since: "00:00:00",
    primary: true, syncError: false, preference: 100,
  });

  it("a gateway without a device (BIRD 3) is a usable nexthop: the route is built, not skipped", () => {
    const { routes, skipped } = buildProtectedRoutes([br("10.1.0.0/16", [nh("10.2.0.1", undefined)])], v4);
    expect(skipped).toEqual([]);
    expect(routes).toEqual([
      { family: 4, table: 254, dst: "10.1.0.0/16", type: "unicast", protocol: 12, metric: 32, tos: 0, scope: 0, nexthops: [{ gateway: "10.2.0.1", weight: 1, onlink: false }] },
    ]);
  });

  it("an IPv4 multipath export with one gatewayed path and one device path has universe scope", () => {
    const { routes } = buildProtectedRoutes([br("10.1.0.0/16", [nh(undefined, "eth2"), nh("10.2.0.1", "eth1")])], v4);
    expect(routes.map((r) => [r.dst, r.scope, r.nexthops.length])).toEqual([["10.1.0.0/16", 0, 2]]);
  });
});

describe("assignSourceTables: only the source table range counts", () => {
  it("a rule of ours from the VIP into a managed table above the range is not read back: the VIP gets a table of the range", () => {
    // 1500 is a table of the ownership policy (so the rule is ours) but not a source table.
    const live = { ...noLive(), rules: [ourRule("10.1.1.1", 1500)] };
    const { tables, problems } = assignSourceTables(["10.1.1.1"], live, policy, range);
    expect([...tables]).toEqual([["10.1.1.1", 1000]]);
    expect(problems).toEqual([]);
  });

  it("a table of ours above the range holding only our routes is no orphan to take back", () => {
    const live = { ...noLive(), routes: [ourDefault(1500)] };
    expect([...assignSourceTables(["10.1.1.1"], live, policy, range).tables]).toEqual([["10.1.1.1", 1000]]);
  });
});

describe("assignSourceTables: orphans are taken back in table order", () => {
  // Whatever order the kernel dump lists the orphaned tables in, the VIPs (in address order)
  // get them in ascending table order.
  const orders = [[1002, 1000, 1001], [1001, 1002, 1000], [1002, 1001, 1000], [1000, 1002, 1001]];
  for (const order of orders) {
    it(`orphaned tables listed as ${order.join(", ")} go to the VIPs lowest first`, () => {
      const live = { ...noLive(), routes: order.map((t) => ourDefault(t, `10.0.${t - 1000}.1`)) };
      const { tables } = assignSourceTables(["10.1.1.3", "10.1.1.1", "10.1.1.2"], live, policy, range);
      expect([...tables].sort()).toEqual([["10.1.1.1", 1000], ["10.1.1.2", 1001], ["10.1.1.3", 1002]]);
    });
  }
});

describe("buildVipDesired: a resolved return path wins over keepLastReturn", () => {
  const build = (vips: VipSpec[], live: LiveState) => buildVipDesired({ vips, policy, sourceTables: range, rulePriority: 1500, live });

  it("with a return path and keepLastReturn but no last good route, the return path is installed without a problem", () => {
    const d = build([{ address: "10.1.1.1", device: "lo", returnPath: { gateway: "10.2.0.1", device: "eth1" }, keepLastReturn: true }], noLive());
    expect(d.problems).toEqual([]);
    expect(d.routes).toEqual([
      { family: 4, table: 1000, dst: "0.0.0.0/0", type: "unicast", protocol: 201, metric: 0, tos: 0, scope: 0, nexthops: [{ gateway: "10.2.0.1", dev: "eth1", weight: 1, onlink: false }] },
    ]);
    expect(d.rules).toEqual([{ family: 4, priority: 1500, from: "10.1.1.1/32", tos: 0, action: "lookup", table: 1000, protocol: 201 }]);
  });

  it("with a return path and keepLastReturn, the last good route of the table is replaced by the return path", () => {
    const live = { ...noLive(), routes: [ourDefault(1002, "10.9.0.1", "eth9")], rules: [ourRule("10.1.1.1", 1002)] };
    const d = build([{ address: "10.1.1.1", device: "lo", returnPath: { gateway: "10.2.0.1", device: "eth1" }, keepLastReturn: true }], live);
    expect(d.problems).toEqual([]);
    expect(d.routes.map((r) => [r.table, r.nexthops[0]!.gateway, r.nexthops[0]!.dev])).toEqual([[1002, "10.2.0.1", "eth1"]]);
  });
});

describe("sysctl pattern specificity: length - 2 x wildcards", () => {
  it("more literal characters beat more wildcards of the same length", () => {
    // "cali*": 5 - 2 = 3; "?a?i??": 6 - 8 = -2.
    expect(pickPatternValue({ "cali*": 1, "?a?i??": 2 }, "cali12")).toBe(1);
    expect(pickPatternValue({ "?a?i??": 2, "cali*": 1 }, "cali12")).toBe(1);
  });
  it("each wildcard costs two: a shorter glob with one wildcard beats a longer one with two", () => {
    // "cali*": 5 - 2 = 3; "??li12": 6 - 4 = 2.
    expect(pickPatternValue({ "cali*": 1, "??li12": 2 }, "cali12")).toBe(1);
    expect(pickPatternValue({ "??li12": 2, "cali*": 1 }, "cali12")).toBe(1);
  });
});

describe("buildSysctlDesired: conf.default", () => {
  const live = (name: SysctlValue["name"], values: Record<string, number>): SysctlValue[] =>
    Object.entries(values).map(([iface, value]) => ({ iface, name, value }));

  it("conf.default below a live conf.all is set and never reported as ineffective (it is a template for new interfaces)", () => {
    const rp = buildSysctlDesired({ rpFilter: { default: 0 } }, ["eth0"], live("rp_filter", { all: 2, default: 2, eth0: 2 }));
    expect(rp.sysctls).toEqual([{ iface: "default", name: "rp_filter", value: 0 }]);
    expect(rp.problems).toEqual([]);
    const sr = buildSysctlDesired({ sendRedirects: { default: 0 } }, ["eth0"], live("send_redirects", { all: 1, default: 1, eth0: 1 }));
    expect(sr.sysctls).toEqual([{ iface: "default", name: "send_redirects", value: 0 }]);
    expect(sr.problems).toEqual([]);
  });
});
