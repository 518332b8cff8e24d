// The scope questions ownership.ts answers for the rest of src/ (the reconciler, the config
// checks): ranges, reserved, managed and protected tables, managed rule priorities, our protocol.
import { describe, expect, it } from "vitest";
import {
  assertPolicy, classifyRoute, classifyRule, defaultOwnershipPolicy, hasOwnProtocol, isManagedRulePriority, isManagedTable,
  isProtectedTable, isReservedTable, rangeIncludes, RESERVED_TABLES,
} from "../../../src/core/ownership.js";

const policy = defaultOwnershipPolicy({
  tables: [{ from: 1000, to: 1999 }, { from: 198, to: 198 }],
  rulePriorities: { from: 500, to: 599 },
  protectedTables: [254, 100],
});

describe("rangeIncludes", () => {
  it("is inclusive at both ends", () => {
    expect(rangeIncludes({ from: 10, to: 20 }, 10)).toBe(true);
    expect(rangeIncludes({ from: 10, to: 20 }, 20)).toBe(true);
    expect(rangeIncludes({ from: 10, to: 20 }, 9)).toBe(false);
    expect(rangeIncludes({ from: 10, to: 20 }, 21)).toBe(false);
    expect(rangeIncludes({ from: 7, to: 7 }, 7)).toBe(true);
  });
});

describe("isReservedTable", () => {
  it("names default, main and local, and nothing else", () => {
    expect(RESERVED_TABLES).toEqual([253, 254, 255]);
    for (const t of [253, 254, 255]) expect(isReservedTable(t)).toBe(true);
    for (const t of [0, 1, 252, 256, 1000]) expect(isReservedTable(t)).toBe(false);
  });
  it("a policy whose managed tables touch a reserved table is refused, whichever end touches it", () => {
    for (const r of [{ from: 200, to: 253 }, { from: 255, to: 300 }, { from: 254, to: 254 }, { from: 1, to: 1000 }]) {
      expect(() => assertPolicy(defaultOwnershipPolicy({ tables: [r], protectedTables: [] }))).toThrow(/default \(253\), main \(254\) or local \(255\)/);
    }
    expect(() => assertPolicy(defaultOwnershipPolicy({ tables: [{ from: 200, to: 252 }, { from: 256, to: 300 }], protectedTables: [] }))).not.toThrow();
  });
});

describe("isManagedTable and isProtectedTable", () => {
  it("managed: any range of the policy's tables, announce tables included", () => {
    for (const t of [198, 1000, 1500, 1999]) expect(isManagedTable(policy, t)).toBe(true);
    for (const t of [197, 199, 999, 2000, 254]) expect(isManagedTable(policy, t)).toBe(false);
  });
  it("protected: exactly the policy's protected tables", () => {
    expect(isProtectedTable(policy, 254)).toBe(true);
    expect(isProtectedTable(policy, 100)).toBe(true);
    expect(isProtectedTable(policy, 198)).toBe(false);
    expect(isProtectedTable(policy, 255)).toBe(false);
  });
  it("agree with classifyRoute", () => {
    for (const table of [100, 198, 254, 255, 1000, 2000]) {
      expect(classifyRoute(policy, { protocol: 201, table }) === "ours").toBe(isManagedTable(policy, table));
      expect(classifyRoute(policy, { protocol: 12, table }) === "protected").toBe(isProtectedTable(policy, table));
    }
  });
});

describe("isManagedRulePriority and hasOwnProtocol", () => {
  it("managed priorities are the policy's range, inclusive", () => {
    expect(isManagedRulePriority(policy, 500)).toBe(true);
    expect(isManagedRulePriority(policy, 599)).toBe(true);
    expect(isManagedRulePriority(policy, 499)).toBe(false);
    expect(isManagedRulePriority(policy, 600)).toBe(false);
  });
  it("our protocol is the policy's, not BIRD's or the kernel's", () => {
    expect(hasOwnProtocol(policy, { protocol: 201 })).toBe(true);
    expect(hasOwnProtocol(policy, { protocol: 12 })).toBe(false);
    expect(hasOwnProtocol(defaultOwnershipPolicy({ protocol: 77 }), { protocol: 77 })).toBe(true);
    expect(hasOwnProtocol(defaultOwnershipPolicy({ protocol: 77 }), { protocol: 201 })).toBe(false);
  });
  it("a rule is ours exactly when it has our protocol and a managed priority", () => {
    for (const protocol of [201, 0, 12]) {
      for (const priority of [499, 500, 550, 599, 600]) {
        expect(classifyRule(policy, { protocol, priority }) === "ours")
          .toBe(hasOwnProtocol(policy, { protocol }) && isManagedRulePriority(policy, priority));
      }
    }
  });
});
