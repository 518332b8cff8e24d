// A VIP whose rule another agent removed (systemd-networkd drops every foreign rule on link events)
// takes its own source table back instead of a fresh one: the restore is one rule add, not two
// route adds, a rule add and two route deletes per VIP (seen with real networkd in
// test/integration/networkd-flusher.test.ts).
import { describe, expect, it } from "vitest";
import { assignSourceTables } from "../../../../src/core/desired/vips.js";
import { makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy } from "../../../../src/core/ownership.js";
import type { LiveState } from "../../../../src/core/plan/types.js";

const policy = defaultOwnershipPolicy();
const range = { from: 1000, to: 1009 };
const live = (): LiveState => ({ routes: [], rules: [], addresses: [], sysctls: [] });
const ourDefault = (table: number, gw = "10.0.0.1") => makeRoute({ dst: "0.0.0.0/0", table, protocol: 201, nexthops: [{ gateway: gw, dev: "eth1" }] });
const ourRule = (vip: string, table: number) => makeRule({ priority: 1000, from: `${vip}/32`, table, protocol: 201 });

describe("assignSourceTables: orphaned tables", () => {
  it("VIPs whose rules vanished get their own tables back (address order meets table order)", () => {
    const l = live();
    l.routes.push(ourDefault(1000), ourDefault(1001, "10.0.1.1"));
    expect([...assignSourceTables(["10.1.1.2", "10.1.1.1"], l, policy, range).tables]).toEqual([["10.1.1.1", 1000], ["10.1.1.2", 1001]]);
  });

  it("a VIP that kept its rule keeps its table; only the others adopt orphans, then fresh tables", () => {
    const l = live();
    l.routes.push(ourDefault(1000), ourDefault(1001), ourDefault(1002));
    l.rules.push(ourRule("10.1.1.2", 1001));
    const { tables } = assignSourceTables(["10.1.1.1", "10.1.1.2", "10.1.1.3", "10.1.1.4"], l, policy, range);
    expect([...tables].sort()).toEqual([["10.1.1.1", 1000], ["10.1.1.2", 1001], ["10.1.1.3", 1002], ["10.1.1.4", 1003]]);
  });

  it("never adopts a table someone else's rule points at, or that holds a foreign route as well", () => {
    const l = live();
    l.routes.push(ourDefault(1000), ourDefault(1001), makeRoute({ dst: "10.9.0.0/16", table: 1001, protocol: 4, nexthops: [{ dev: "eth0" }] }));
    l.routes.push(ourDefault(1002));
    l.rules.push(makeRule({ priority: 500, from: "10.7.0.0/16", table: 1002 }));
    expect([...assignSourceTables(["10.1.1.1", "10.1.1.2"], l, policy, range).tables]).toEqual([["10.1.1.1", 1000], ["10.1.1.2", 1003]]);
  });

  it("routes of another protocol alone make no orphan", () => {
    const l = live();
    l.routes.push(makeRoute({ dst: "0.0.0.0/0", table: 1000, protocol: 4, nexthops: [{ gateway: "10.0.0.1", dev: "eth1" }] }));
    expect([...assignSourceTables(["10.1.1.1"], l, policy, range).tables]).toEqual([["10.1.1.1", 1001]]);
  });
});
