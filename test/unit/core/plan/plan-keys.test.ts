// planKeys by example: the same code plans every key or a few, and trackers built for one
// ownership policy are never planned with another.
import { describe, expect, it } from "vitest";
import { routeKey } from "../../../../src/core/model/keys.js";
import { makeRoute } from "../../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import { planKeys } from "../../../../src/core/plan/plan-keys.js";
import { plan } from "../../../../src/core/plan/plan.js";
import { loadTrackers } from "../../../../src/core/track/trackers.js";

const policy = defaultOwnershipPolicy();
const options = { observationComplete: true, repairProtected: "report" } as const;
const empty = { routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: [] };
const ours = (dst: string) => makeRoute({ dst, table: 1000, protocol: 201, nexthops: [{ dev: "eth0" }] });

describe("planKeys", () => {
  it("plans all keys as plan() does, and a subset as that part of it", () => {
    const desired = { ...empty, routes: [ours("10.0.0.0/24"), ours("10.0.1.0/24")] };
    const live = { ...empty, routes: [ours("10.0.2.0/24")] };
    const t = loadTrackers(policy, desired, live);
    expect(planKeys(t, "all", policy, options)).toEqual(plan(desired, live, policy, options));
    const some = { routes: new Set([routeKey(ours("10.0.2.0/24"))]), rules: new Set<string>(), addresses: new Set<string>(), sysctls: new Set<string>() };
    expect(planKeys(t, some, policy, options).ops.map((o) => o.kind)).toEqual(["route.delete"]);
  });

  it("refuses trackers built for another policy (their indexes classified with it)", () => {
    const t = loadTrackers(policy, empty, empty);
    expect(() => planKeys(t, "all", defaultOwnershipPolicy({ protocol: 202 }), options)).toThrow(expect.objectContaining({ code: "FW_CONFIG_INVALID", message: "the trackers were built for another ownership policy" }));
    expect(planKeys(t, "all", defaultOwnershipPolicy(), options).ops).toEqual([]); // an equal policy is the same policy
  });
});
