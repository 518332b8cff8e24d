import { describe, expect, it } from "vitest";
import { buildSysctlDesired, matchInterfacePattern, pickPatternValue } from "../../../../src/core/desired/sysctls.js";
import type { SysctlValue } from "../../../../src/core/model/sysctl.js";

const live = (all: number, ifaces: Record<string, number>, name: "rp_filter" | "send_redirects" = "rp_filter"): SysctlValue[] => [
  { iface: "all", name, value: all }, { iface: "default", name, value: all },
  ...Object.entries(ifaces).map(([iface, value]) => ({ iface, name, value })),
];

describe("sysctl policy", () => {
  it("patterns: globs, exact names win, all/default only by name", () => {
    expect(matchInterfacePattern("cali*", "cali12ab")).toBe(true);
    expect(matchInterfacePattern("cali*", "eth0")).toBe(false);
    expect(matchInterfacePattern("*", "all")).toBe(false);
    expect(matchInterfacePattern("lxc?", "lxc1")).toBe(true);
    expect(matchInterfacePattern("eth.0", "eth-0")).toBe(false);
    expect(pickPatternValue({ "*": 1, "cali*": 0, cali9: 2 }, "cali9")).toBe(2);
    expect(pickPatternValue({ "*": 1, "cali*": 0 }, "cali1")).toBe(0);
  });
  it("loosens only matching interfaces (F2)", () => {
    const r = buildSysctlDesired({ rpFilter: { "cali*": 0 } }, ["eth0", "cali1", "cali2"], live(0, { eth0: 1, cali1: 1, cali2: 1 }));
    expect(r.sysctls).toEqual([{ iface: "cali1", name: "rp_filter", value: 0 }, { iface: "cali2", name: "rp_filter", value: 0 }]);
    expect(r.problems).toEqual([]);
  });
  it("reports conf.all making a per-interface rp_filter ineffective, without touching all (F4)", () => {
    const r = buildSysctlDesired({ rpFilter: { "lxc*": 0 } }, ["lxc1"], live(1, { lxc1: 2 }));
    expect(r.sysctls).toEqual([{ iface: "lxc1", name: "rp_filter", value: 0 }]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ iface: "lxc1", desired: 0, effective: 1 });
    expect(r.problems[0]!.reason).toMatch(/conf\.all\.rp_filter=1.*rpFilter\.all/);
  });
  it("with `all` named, it is set and the per-interface value becomes effective", () => {
    const r = buildSysctlDesired({ rpFilter: { all: 0, "lxc*": 0 } }, ["lxc1"], live(1, { lxc1: 2 }));
    expect(r.sysctls).toContainEqual({ iface: "all", name: "rp_filter", value: 0 });
    expect(r.problems).toEqual([]);
  });
  it("send_redirects: all=1 keeps redirects on whatever the interface says (F5)", () => {
    const r = buildSysctlDesired({ sendRedirects: { "*": 0 } }, ["eth0"], live(1, { eth0: 1 }, "send_redirects"));
    expect(r.sysctls).toEqual([{ iface: "eth0", name: "send_redirects", value: 0 }]);
    expect(r.problems.map((p) => [p.iface, p.effective])).toEqual([["eth0", 1]]);
  });
  it("skips interfaces the kernel does not show", () => {
    expect(buildSysctlDesired({ rpFilter: { "*": 0 } }, ["ghost"], live(0, {})).sysctls).toEqual([]);
  });
});
