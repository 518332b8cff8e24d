// Effective sysctl values: rp_filter is max(all, iface), send_redirects all OR iface,
// accept_redirects all AND iface; `all` and `default` are what they say.
import { describe, expect, it } from "vitest";
import { isFibwardenError } from "../../../../src/core/errors.js";
import { parseSysctlText, sysctlRange, withEffectiveValues } from "../../../../src/core/model/sysctl-effective.js";

describe("withEffectiveValues", () => {
  it("combines each interface's value with conf.all of the same name", () => {
    const out = withEffectiveValues([
      { iface: "all", name: "rp_filter", value: 2 },
      { iface: "default", name: "rp_filter", value: 0 },
      { iface: "eth0.100", name: "rp_filter", value: 0 },
      { iface: "all", name: "send_redirects", value: 0 },
      { iface: "eth0", name: "send_redirects", value: 1 },
      { iface: "all", name: "accept_redirects", value: 1 },
      { iface: "eth0", name: "accept_redirects", value: 0 },
      { iface: "eth1", name: "accept_redirects", value: 1 },
    ]);
    expect(out.map((v) => `${v.iface}/${v.name}=${v.value}->${v.effective}`)).toEqual([
      "all/rp_filter=2->2", "default/rp_filter=0->0", "eth0.100/rp_filter=0->2",
      "all/send_redirects=0->0", "eth0/send_redirects=1->1",
      "all/accept_redirects=1->1", "eth0/accept_redirects=0->0", "eth1/accept_redirects=1->1",
    ]);
  });

  it("keeps the raw value as effective when conf.all was not read", () => {
    expect(withEffectiveValues([{ iface: "eth0", name: "rp_filter", value: 1 }])[0]?.effective).toBe(1);
  });
});

describe("sysctl text and ranges", () => {
  it("parses /proc text and refuses anything else with FW_SYSCTL", () => {
    expect(parseSysctlText("2\n", "x")).toBe(2);
    let err: unknown;
    try { parseSysctlText("1 2\n", "x"); } catch (e) { err = e; }
    expect(isFibwardenError(err, "FW_SYSCTL")).toBe(true);
  });

  it("knows the valid values", () => {
    expect(sysctlRange("rp_filter")).toEqual({ min: 0, max: 2 });
    expect(sysctlRange("send_redirects")).toEqual({ min: 0, max: 1 });
  });
});
