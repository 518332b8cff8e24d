// What parseNetworkdForeignSettings takes from networkd.conf text: only the two settings, only in
// [Network], whatever the indentation, and a section header (even one systemd rejects) ends
// [Network] for the lines after it.
import { describe, expect, it } from "vitest";
import { parseNetworkdForeignSettings } from "../../../../src/core/coexist/networkd-conf.js";

const DEFAULTS = { manageForeignRoutingPolicyRules: true, manageForeignRoutes: true, from: [] };
const parse = (text: string) => parseNetworkdForeignSettings([{ path: "/etc/systemd/networkd.conf", text }]);

describe("parseNetworkdForeignSettings: sections", () => {
  it("an indented [Network] header opens the section", () => {
    expect(parse("  [Network]\n\tManageForeignRoutes=no\n")).toEqual({
      manageForeignRoutingPolicyRules: true, manageForeignRoutes: false, from: ["/etc/systemd/networkd.conf"],
    });
  });

  it("the settings count only in [Network], not before any header nor in another section", () => {
    expect(parse("ManageForeignRoutes=no\nManageForeignRoutingPolicyRules=no\n")).toEqual(DEFAULTS);
    expect(parse("[DHCPServer]\nManageForeignRoutes=no\nManageForeignRoutingPolicyRules=no\n")).toEqual(DEFAULTS);
    expect(parse("[Network]\nManageForeignRoutes=no\n[IPv6AcceptRA]\nManageForeignRoutingPolicyRules=no\n")).toEqual({
      manageForeignRoutingPolicyRules: true, manageForeignRoutes: false, from: ["/etc/systemd/networkd.conf"],
    });
  });

  it("a header with a trailing # or ; still ends [Network]: the lines after it are not read as [Network]", () => {
    for (const header of ["[DHCPv4] #", "[DHCPv4];"]) {
      expect(parse(`[Network]\nManageForeignRoutes=no\n${header}\nManageForeignRoutingPolicyRules=no\n`)).toEqual({
        manageForeignRoutingPolicyRules: true, manageForeignRoutes: false, from: ["/etc/systemd/networkd.conf"],
      });
    }
  });

  it("[ Network ] (spaces inside the brackets) is not [Network]: systemd does not strip the name", () => {
    expect(parse("[ Network ]\nManageForeignRoutes=no\n")).toEqual(DEFAULTS);
    expect(parse("[Network ]\nManageForeignRoutes=no\n")).toEqual(DEFAULTS);
  });

  it("a header with a stray bracket ([[Network] or [Network]]) does not open [Network]", () => {
    expect(parse("[[Network]\nManageForeignRoutes=no\n")).toEqual(DEFAULTS);
    expect(parse("[Network]]\nManageForeignRoutes=no\n")).toEqual(DEFAULTS);
  });
});

describe("parseNetworkdForeignSettings: keys", () => {
  it("another boolean [Network] key neither changes the settings nor lists its file", () => {
    expect(parse("[Network]\nSpeedMeter=no\nIPv6Forwarding=yes\nManageForeignNextHops=no\n")).toEqual(DEFAULTS);
  });

  it("ManageForeignRoutingPolicyRules=no leaves ManageForeignRoutes at its default", () => {
    expect(parse("[Network]\nManageForeignRoutingPolicyRules=no\nSpeedMeter=no\n")).toEqual({
      manageForeignRoutingPolicyRules: false, manageForeignRoutes: true, from: ["/etc/systemd/networkd.conf"],
    });
  });
});
