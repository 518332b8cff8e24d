import { describe, expect, it } from "vitest";
import { isFibwardenError } from "../../../src/core/errors.js";
import { makeAddress, makeRule } from "../../../src/core/model/normalize.js";
import {
  assertPolicy, classifyAddress, classifyRoute, classifyRule, defaultOwnershipPolicy, ownedAddressLabel,
} from "../../../src/core/ownership.js";
import { KERNEL_NODES, loadKernelFixture } from "../../support/fixtures.js";

const policy = defaultOwnershipPolicy({ tables: [{ from: 1000, to: 1999 }, { from: 198, to: 198 }], addressDevices: ["lo", "vip0"], addressRanges: ["fd00:100::/120"] });

describe("classifyRoute", () => {
  it("ours needs our protocol AND a managed table", () => {
    expect(classifyRoute(policy, { protocol: 201, table: 1000 })).toBe("ours");
    expect(classifyRoute(policy, { protocol: 201, table: 198 })).toBe("ours");
    expect(classifyRoute(policy, { protocol: 201, table: 254 })).toBe("alien");
    expect(classifyRoute(policy, { protocol: 4, table: 1000 })).toBe("alien");
  });
  it("proto bird in a protected table is protected, elsewhere alien", () => {
    expect(classifyRoute(policy, { protocol: 12, table: 254 })).toBe("protected");
    expect(classifyRoute(policy, { protocol: 12, table: 1000 })).toBe("alien");
  });
  for (const node of KERNEL_NODES) {
    it(`on the captured ${node}, nothing is ours: proto 201 routes sit in main and table 100`, () => {
      const live = loadKernelFixture(node);
      const counts = { ours: 0, protected: 0, alien: 0 };
      for (const r of live.routes) counts[classifyRoute(policy, r)]++;
      expect(counts.ours).toBe(0);
      expect(live.routes.some((r) => r.protocol === 201)).toBe(true);
      expect(counts.protected).toBeGreaterThan(300);
      expect(live.rules.every((r) => classifyRule(policy, r) === "alien")).toBe(true);
    });
  }
});

describe("classifyRule and classifyAddress", () => {
  it("rules are ours only when stamped and inside the priority range", () => {
    expect(classifyRule(policy, makeRule({ priority: 1000, from: "10.0.0.1", table: 1000, protocol: 201 }))).toBe("ours");
    expect(classifyRule(policy, makeRule({ priority: 2000, from: "10.0.0.1", table: 1000, protocol: 201 }))).toBe("alien");
    expect(classifyRule(policy, makeRule({ priority: 1000, from: "10.0.0.1", table: 1000, protocol: 0 }))).toBe("alien");
  });
  it("IPv4 addresses are ours by label on an address device; IPv6 by declared range", () => {
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "10.9.9.9", prefixlen: 32, label: "lo:fw" }))).toBe("ours");
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "10.9.9.9", prefixlen: 32 }))).toBe("alien");
    expect(classifyAddress(policy, makeAddress({ dev: "eth0", address: "10.9.9.9", prefixlen: 32, label: "eth0:fw" }))).toBe("alien");
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "fd00:100::5", prefixlen: 128 }))).toBe("ours");
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "fd00:100::5", prefixlen: 64 }))).toBe("alien");
    expect(classifyAddress(policy, makeAddress({ dev: "lo", address: "fd00:200::5", prefixlen: 128 }))).toBe("alien");
  });
  it("a label that would exceed 15 bytes is not used", () => {
    expect(ownedAddressLabel(policy, "lo")).toBe("lo:fw");
    expect(ownedAddressLabel(policy, "averylongname1")).toBeUndefined();
  });
});

describe("assertPolicy", () => {
  const bad = (o: Parameters<typeof defaultOwnershipPolicy>[0]) => {
    try { assertPolicy(defaultOwnershipPolicy(o)); } catch (e) { return isFibwardenError(e, "FW_CONFIG_INVALID"); }
    return false;
  };
  it("accepts the default", () => expect(() => assertPolicy(defaultOwnershipPolicy())).not.toThrow());
  it("refuses overlapping protected and managed tables, main/local, BIRD's protocol, rules after main", () => {
    expect(bad({ protectedTables: [1000] })).toBe(true);
    expect(bad({ tables: [{ from: 250, to: 260 }] })).toBe(true);
    expect(bad({ protocol: 12 })).toBe(true);
    expect(bad({ protocol: 3 })).toBe(true);
    expect(bad({ rulePriorities: { from: 1000, to: 32766 } })).toBe(true);
    expect(bad({ rulePriorities: { from: 2000, to: 1000 } })).toBe(true);
  });
});
