// The ownership policy at its edges: range bounds, every refusal of assertPolicy, the label
// length limit and what makes a kernel route belong to an address. Written against the
// survivors of mutation testing (docs/reliability.md, Mutation testing).
import { describe, expect, it } from "vitest";
import { FibwardenError } from "../../../src/core/errors.js";
import { makeAddress, makeRoute } from "../../../src/core/model/normalize.js";
import {
  assertPolicy, classifyAddress, classifyRoute, classifyRule, DEFAULT_PROTOCOL, defaultOwnershipPolicy, IFNAME_MAX,
  isDerivedFromAddress, isManagedTable, ownedAddressLabel, type OwnershipPolicy,
} from "../../../src/core/ownership.js";

/** The message assertPolicy refuses `overrides` with, or undefined when it accepts them. */
function refusal(overrides: Partial<OwnershipPolicy>): string | undefined {
  try {
    assertPolicy(defaultOwnershipPolicy(overrides));
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(FibwardenError);
    expect((e as FibwardenError).code).toBe("FW_CONFIG_INVALID");
    return (e as FibwardenError).message;
  }
}

describe("defaultOwnershipPolicy", () => {
  it("is protocol 201, tables and rule priorities 1000-1999, main protected, lo:fw", () => {
    expect(DEFAULT_PROTOCOL).toBe(201);
    expect(defaultOwnershipPolicy()).toEqual({
      protocol: 201,
      tables: [{ from: 1000, to: 1999 }],
      rulePriorities: { from: 1000, to: 1999 },
      birdProtocol: 12,
      protectedTables: [254],
      addressDevices: ["lo"],
      addressLabelSuffix: "fw",
      addressRanges: [],
    });
  });
  it("overrides replace the defaults they name and keep the others", () => {
    const p = defaultOwnershipPolicy({ protocol: 77, addressDevices: ["vip0"] });
    expect(p.protocol).toBe(77);
    expect(p.addressDevices).toEqual(["vip0"]);
    expect(p.tables).toEqual([{ from: 1000, to: 1999 }]);
  });
});

describe("assertPolicy: each refusal, with the reason in the message", () => {
  it("protocol must be an integer in 1..255", () => {
    expect(refusal({ protocol: 0 })).toBe("ownership policy: protocol must be 1..255");
    expect(refusal({ protocol: 256 })).toBe("ownership policy: protocol must be 1..255");
    expect(refusal({ protocol: 201.5 })).toBe("ownership policy: protocol must be 1..255");
    expect(refusal({ protocol: 1 })).toBeUndefined();
    expect(refusal({ protocol: 255 })).toBeUndefined();
  });
  it("protocol must differ from BIRD's, whatever BIRD's number is", () => {
    expect(refusal({ protocol: 12 })).toMatch(/differ from BIRD's/);
    expect(refusal({ protocol: 50, birdProtocol: 50 })).toMatch(/differ from BIRD's/);
    expect(refusal({ protocol: 12, birdProtocol: 50 })).toBeUndefined();
  });
  it("protocol must not be kernel (2), boot (3) or static (4)", () => {
    for (const protocol of [2, 3, 4]) expect(refusal({ protocol })).toMatch(/not be kernel, boot or static/);
    expect(refusal({ protocol: 5 })).toBeUndefined();
  });
  it("a range with from > to is empty; from = to is one number", () => {
    expect(refusal({ tables: [{ from: 1500, to: 1400 }] })).toBe("ownership policy: empty range 1500-1400");
    expect(refusal({ rulePriorities: { from: 2000, to: 1000 } })).toBe("ownership policy: empty range 2000-1000");
    expect(refusal({ tables: [{ from: 1000, to: 1000 }], rulePriorities: { from: 5, to: 5 } })).toBeUndefined();
  });
  it("a protected table must not be managed", () => {
    expect(refusal({ protectedTables: [254, 1999] })).toBe("ownership policy: table 1999 is both protected and managed");
    expect(refusal({ protectedTables: [254, 2000] })).toBeUndefined();
  });
  it("managed tables must not reach default (253), main (254) or local (255)", () => {
    const why = "ownership policy: managed tables must not include default (253), main (254) or local (255)";
    expect(refusal({ tables: [{ from: 253, to: 253 }], protectedTables: [] })).toBe(why);
    expect(refusal({ tables: [{ from: 255, to: 300 }], protectedTables: [] })).toBe(why);
    expect(refusal({ tables: [{ from: 100, to: 253 }], protectedTables: [] })).toBe(why);
    expect(refusal({ tables: [{ from: 100, to: 252 }] })).toBeUndefined();
    expect(refusal({ tables: [{ from: 256, to: 300 }] })).toBeUndefined();
  });
  it("table 0 cannot be managed", () => {
    expect(refusal({ tables: [{ from: 0, to: 10 }] })).toBe("ownership policy: table 0 cannot be managed");
    expect(refusal({ tables: [{ from: 1, to: 10 }] })).toBeUndefined();
  });
  it("rule priorities must lie in 1..32765, before main's 32766", () => {
    const why = "ownership policy: rule priorities must lie in 1..32765, before main";
    expect(refusal({ rulePriorities: { from: 0, to: 10 } })).toBe(why);
    expect(refusal({ rulePriorities: { from: 30000, to: 32766 } })).toBe(why);
    expect(refusal({ rulePriorities: { from: 1, to: 32765 } })).toBeUndefined();
  });
});

describe("ranges are inclusive at both ends", () => {
  const policy = defaultOwnershipPolicy({ tables: [{ from: 1000, to: 1999 }, { from: 198, to: 198 }] });
  it("isManagedTable", () => {
    expect([197, 198, 199, 999, 1000, 1999, 2000].map((t) => isManagedTable(policy, t)))
      .toEqual([false, true, false, false, true, true, false]);
  });
  it("classifyRule at the priority bounds", () => {
    expect([999, 1000, 1999, 2000].map((priority) => classifyRule(policy, { priority, protocol: 201 })))
      .toEqual(["alien", "ours", "ours", "alien"]);
  });
  it("classifyRoute: ours needs both markers, protected needs proto bird in a protected table", () => {
    expect(classifyRoute(policy, { protocol: 201, table: 1999 })).toBe("ours");
    expect(classifyRoute(policy, { protocol: 201, table: 2000 })).toBe("alien");
    expect(classifyRoute(policy, { protocol: 12, table: 254 })).toBe("protected");
    expect(classifyRoute(policy, { protocol: 12, table: 100 })).toBe("alien");
    expect(classifyRoute(policy, { protocol: 4, table: 254 })).toBe("alien");
    expect(classifyRoute({ ...policy, protectedTables: [254, 100] }, { protocol: 12, table: 100 })).toBe("protected");
  });
});

describe("address ownership", () => {
  const policy = defaultOwnershipPolicy({ addressDevices: ["lo", "vip0"], addressRanges: ["10.77.0.0/24", "fd00:100::/120"] });
  it("the label is <dev>:<suffix> while it fits in IFNAME_MAX (15) bytes", () => {
    expect(IFNAME_MAX).toBe(15);
    expect(ownedAddressLabel(policy, "abcdefghijkl")).toBe("abcdefghijkl:fw"); // 15 bytes
    expect(ownedAddressLabel(policy, "abcdefghijklm")).toBeUndefined(); // 16 bytes
    expect(ownedAddressLabel({ ...policy, addressLabelSuffix: "x" }, "vip0")).toBe("vip0:x");
  });
  it("an IPv4 address is ours by our label on an address device, not by another device's label", () => {
    expect(classifyAddress(policy, makeAddress({ dev: "vip0", address: "10.1.1.1", prefixlen: 24, label: "vip0:fw" }))).toBe("ours");
    expect(classifyAddress(policy, makeAddress({ dev: "vip0", address: "10.1.1.1", prefixlen: 32, label: "lo:fw" }))).toBe("alien");
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "10.1.1.1", prefixlen: 32, label: "lo:other" }))).toBe("alien");
  });
  it("a host address inside a declared range is ours in either family, a wider one is not", () => {
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "10.77.0.9", prefixlen: 32 }))).toBe("ours");
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "10.77.0.9", prefixlen: 31 }))).toBe("alien");
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "10.78.0.9", prefixlen: 32 }))).toBe("alien");
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "fd00:100::9", prefixlen: 128 }))).toBe("ours");
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "fd00:100::9", prefixlen: 127 }))).toBe("alien");
    // an IPv6 /32 is not a host address even though an IPv4 one would be
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "fd00:100::", prefixlen: 32 }))).toBe("alien");
  });
  it("nothing off an address device is ours, label or range", () => {
    expect(classifyAddress(policy, makeAddress({ dev: "eth0", address: "10.77.0.9", prefixlen: 32 }))).toBe("alien");
    expect(classifyAddress(policy, makeAddress({ dev: "eth0", address: "10.1.1.1", prefixlen: 32, label: "eth0:fw" }))).toBe("alien");
    expect(classifyAddress(policy, makeAddress({ dev: "eth0", address: "fd00:100::9", prefixlen: 128 }))).toBe("alien");
  });
  it("a device whose label would not fit owns IPv4 addresses only by range", () => {
    const long = defaultOwnershipPolicy({ addressDevices: ["abcdefghijklm"], addressRanges: ["10.77.0.0/24"] });
    const label = "abcdefghijklm:fw";
    expect(classifyAddress(long, { ...makeAddress({ dev: "abcdefghijklm", address: "10.1.1.1", prefixlen: 32 }), label })).toBe("alien");
    expect(classifyAddress(long, makeAddress({ dev: "abcdefghijklm", address: "10.77.0.1", prefixlen: 32 }))).toBe("ours");
  });
});

describe("isDerivedFromAddress: the routes the kernel makes for an address", () => {
  const v4 = makeAddress({ dev: "eth0", address: "10.5.6.7", prefixlen: 24 });
  const v6 = makeAddress({ dev: "eth0", address: "fd00:5::7", prefixlen: 64 });
  const local4 = makeRoute({ dst: "10.5.6.7/32", table: 255, type: "local", protocol: 2, scope: 254, prefsrc: "10.5.6.7", nexthops: [{ dev: "eth0" }] });
  const bcast4 = makeRoute({ dst: "10.5.6.255/32", table: 255, type: "broadcast", protocol: 2, prefsrc: "10.5.6.7", nexthops: [{ dev: "eth0" }] });
  const link4 = makeRoute({ dst: "10.5.6.0/24", table: 254, protocol: 2, scope: 253, prefsrc: "10.5.6.7", nexthops: [{ dev: "eth0" }] });
  const local6 = makeRoute({ dst: "fd00:5::7/128", table: 255, type: "local", protocol: 2, prefsrc: "fd00:5::7", nexthops: [{ dev: "eth0" }] });

  it("the local, broadcast and link-scope prefix routes are derived", () => {
    expect(isDerivedFromAddress(local4, v4)).toBe(true);
    expect(isDerivedFromAddress(bcast4, v4)).toBe(true);
    expect(isDerivedFromAddress(link4, v4)).toBe(true);
    expect(isDerivedFromAddress(local6, v6)).toBe(true);
  });
  it("each marker matters: protocol, preferred source, family", () => {
    expect(isDerivedFromAddress({ ...local4, protocol: 4 }, v4)).toBe(false);
    expect(isDerivedFromAddress({ ...local4, prefsrc: "10.5.6.8" }, v4)).toBe(false);
    expect(isDerivedFromAddress({ ...local6, prefsrc: "10.5.6.7" }, v4)).toBe(false);
    expect(isDerivedFromAddress({ ...local4, family: 6 }, v4)).toBe(false);
  });
  it("in table local only a local route for the host address itself, or a broadcast route", () => {
    expect(isDerivedFromAddress({ ...local4, dst: "10.5.6.0/24" }, v4)).toBe(false);
    expect(isDerivedFromAddress({ ...local4, type: "unicast" }, v4)).toBe(false);
    expect(isDerivedFromAddress({ ...local6, dst: "fd00:5::/64" }, v6)).toBe(false);
    // the /32 test is per family: an IPv6 local route at /32 is not the address's host route
    const v6At32 = { ...local6, dst: "fd00:5::7/32" };
    expect(isDerivedFromAddress(v6At32, v6)).toBe(false);
  });
  it("in main only the link-scope unicast route to the address's own prefix", () => {
    expect(isDerivedFromAddress({ ...link4, scope: 0 }, v4)).toBe(false);
    expect(isDerivedFromAddress({ ...link4, type: "blackhole", nexthops: [] }, v4)).toBe(false);
    expect(isDerivedFromAddress({ ...link4, dst: "10.5.0.0/16" }, v4)).toBe(false);
    expect(isDerivedFromAddress({ ...link4, table: 100 }, v4)).toBe(false);
    expect(isDerivedFromAddress({ ...bcast4, table: 100 }, v4)).toBe(false);
  });
});
