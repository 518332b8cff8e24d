// `ip monitor label ...` lines captured from iproute2 6.1, and `ip -batch -force` stderr.
import { describe, expect, it } from "vitest";
import { parseBatchStderr } from "../../../../src/core/parse/ip-batch-errors.js";
import { parseMonitorLine } from "../../../../src/core/parse/ip-monitor.js";

describe("parseMonitorLine", () => {
  it.each([
    ["[ROUTE]Deleted blackhole 10.6.0.0/24 table 1000 proto 201 ", { kind: "route", route: { family: 4, table: 1000, dst: "10.6.0.0/24", deleted: true } }],
    ["[ROUTE]10.5.0.0/24 via 10.0.0.9 dev v0 table 1000 ", { kind: "route", route: { family: 4, table: 1000, dst: "10.5.0.0/24", deleted: false } }],
    ["[ROUTE]Deleted blackhole fd00:6::/48 dev lo table 1000 proto 201 metric 1024 pref medium", { kind: "route", route: { family: 6, table: 1000, dst: "fd00:6::/48", deleted: true } }],
    ["[ROUTE]local 10.7.0.1 dev w0 table local proto kernel scope host src 10.7.0.1 ", { kind: "route", route: { family: 4, table: 255, dst: "10.7.0.1/32", deleted: false } }],
    ["[ROUTE]10.99.0.0/16 dev v0 scope link ", { kind: "route", route: { family: 4, table: 254, dst: "10.99.0.0/16", deleted: false } }],
    ["[ROUTE]default via fd00::1 dev v0 proto 201 metric 1024 pref medium", { kind: "route", route: { family: 6, table: 254, dst: "::/0", deleted: false } }],
    ["[ROUTE]default via 10.0.0.1 dev v0", { kind: "route", route: { family: 4, table: 254, dst: "0.0.0.0/0", deleted: false } }],
    ["[ROUTE]blackhole default table 5", { kind: "route", route: { table: 5, dst: "default", deleted: false } }],
    ["[ROUTE]something odd", { kind: "route" }],
    ["[RULE]Deleted 1000:\tfrom 10.9.0.0/24 lookup 1000 proto 201", { kind: "rule", rule: { deleted: true, family: 4, priority: 1000, from: "10.9.0.0/24", table: 1000, protocol: 201 } }],
    ["[RULE]3000:\tfrom all fwmark 0x10/0xff lookup 5", { kind: "rule" }],
    ["[LINK]7: w0@w0p: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default ", { kind: "link" }],
    ["[ADDR]7: w0    inet 10.7.0.1/24 scope global w0:x", { kind: "address", address: { deleted: false, family: 4, dev: "w0", address: "10.7.0.1", prefixlen: 24, label: "w0:x" } }],
    ["[ADDR]7: w0    inet 10.7.0.1 peer 10.7.0.2/32 scope global w0", { kind: "address" }],
    ["[NETCONF]inet w0 forwarding off rp_filter off mc_forwarding off proxy_neigh off ignore_routes_with_linkdown off ", { kind: "netconf" }],
  ])("reads %s", (line, expected) => {
    expect(parseMonitorLine(line)).toEqual(expected);
  });

  it.each([
    "    link/ether ce:d2:7d:e7:d3:a1 brd ff:ff:ff:ff:ff:ff",
    "       valid_lft forever preferred_lft forever",
    "\tnexthop via 10.0.0.2 dev v0 weight 1",
    "[NEIGH]10.0.0.2 dev v0 lladdr 00:11:22:33:44:55 REACHABLE",
    "",
  ])("skips continuation and unwatched lines: %j", (line) => {
    expect(parseMonitorLine(line)).toBeUndefined();
  });
});

describe("parseBatchStderr", () => {
  it("maps each `Command failed -:N` to the messages printed before it", () => {
    const stderr = "RTNETLINK answers: File exists\nCommand failed -:2\nError: ipv4: Address not found.\nCommand failed -:16\n"
      + "Cannot find device \"nonexist\"\nCommand failed -:17\n";
    const { byLine, unattributed } = parseBatchStderr(stderr);
    expect([...byLine]).toEqual([[2, "RTNETLINK answers: File exists"], [16, "Error: ipv4: Address not found."], [17, "Cannot find device \"nonexist\""]]);
    expect(unattributed).toBe("");
  });

  it("keeps what follows the last failure when iproute2 exited mid-batch", () => {
    const { byLine, unattributed } = parseBatchStderr("RTNETLINK answers: No such process\nCommand failed -:4\nCommand \"bogus\" is unknown, try \"ip route help\".\n");
    expect(byLine.get(4)).toBe("RTNETLINK answers: No such process");
    expect(unattributed).toBe("Command \"bogus\" is unknown, try \"ip route help\".");
  });
});
