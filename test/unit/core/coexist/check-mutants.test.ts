// The shared-ranges checker's operator-facing text and its suggestions, exactly: the finding
// messages (counts, plurals, protocols, the routes shown), the overlap each finding records, the
// fix each one proposes (which field, which free range, narrower or not, ignored agents, no free
// range), the free ranges it computes against live objects, the managers it reports, and the
// order of findings that share a severity and a code.
import { describe, expect, it } from "vitest";
import { checkSharedRanges, PRIORITY_MAX, type ManagerObservation, type SharingInput } from "../../../../src/core/coexist/check.js";
import { KERNEL_TABLE_MAX, KNOWN_MANAGERS, type KnownRange } from "../../../../src/core/coexist/known-ranges.js";
import { makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy, type NumberRange } from "../../../../src/core/ownership.js";

const inputFor = (tables: NumberRange, rulePriorities: NumberRange, announceTables: number[] = [], extra: Partial<SharingInput> = {}): SharingInput => ({
  policy: defaultOwnershipPolicy({ tables: [tables, ...announceTables.map((t) => ({ from: t, to: t }))], rulePriorities }),
  tables, announceTables, ...extra,
});

/** A config that touches nothing known: tables 300-399 (between AWS's 220 and OKD's 1000), priorities 2000-2999. */
const DISJOINT = inputFor({ from: 300, to: 399 }, { from: 2000, to: 2999 }, [400]);

const route = (table: number, dst: string, protocol: number) => makeRoute({ family: 4, table, dst, protocol, nexthops: [{ dev: "d0" }] });
const foreignRule = (priority: number, table = 5000) => makeRule({ family: 4, priority, from: "10.0.0.0/24", table, protocol: 4 });

const MOVE_NOTE = "before the change, remove what fibwarden owns in the old range (`fibwarden reconcile --apply --purge` with the old config, in a maintenance window): what it wrote there is no longer fibwarden's after the change and stays";
const LEFTOVER = (kind: string) => `; or, if the ${kind} is a leftover nothing needs, remove it by hand (fibwarden never removes what is not its own)`;

describe("checkSharedRanges: FOREIGN_ROUTE_IN_TABLE messages", () => {
  it("one route: singular, its protocol, the route itself, no ellipsis", () => {
    const r = checkSharedRanges({ ...DISJOINT, live: { rules: [], routes: [route(350, "198.51.100.0/24", 99)] } });
    expect(r.findings.map((f) => f.message)).toEqual([
      "table 350 (in ownership.tables 300-399) holds 1 route that is not fibwarden's (protocols 99): 198.51.100.0/24 dev d0 table 350 metric 0 proto openr",
    ]);
  });

  it("two routes: plural, distinct protocols in numeric order, both routes separated by '; '", () => {
    const r = checkSharedRanges({ ...DISJOINT, live: { rules: [], routes: [route(370, "192.0.2.0/24", 17), route(370, "192.0.2.128/25", 3)] } });
    expect(r.findings.map((f) => f.message)).toEqual([
      "table 370 (in ownership.tables 300-399) holds 2 routes that are not fibwarden's (protocols 3, 17): 192.0.2.0/24 dev d0 table 370 metric 0 proto 17; 192.0.2.128/25 dev d0 table 370 metric 0 proto boot",
    ]);
  });

  it("protocols are listed once each, numerically (12 before 99, not as text)", () => {
    const routes = [route(350, "198.51.100.0/24", 99), route(350, "198.51.101.0/24", 12), route(350, "198.51.102.0/24", 99)];
    const [f] = checkSharedRanges({ ...DISJOINT, live: { rules: [], routes } }).findings;
    expect(f!.message).toContain("holds 3 routes that are not fibwarden's (protocols 12, 99): ");
  });

  it("exactly three routes are all shown with no ellipsis", () => {
    const routes = [route(360, "203.0.113.0/24", 99), route(360, "203.0.113.128/25", 99), route(360, "203.0.114.0/24", 99)];
    const r = checkSharedRanges({ ...DISJOINT, live: { rules: [], routes } });
    expect(r.findings.map((f) => f.message)).toEqual([
      "table 360 (in ownership.tables 300-399) holds 3 routes that are not fibwarden's (protocols 99): 203.0.113.0/24 dev d0 table 360 metric 0 proto openr; 203.0.113.128/25 dev d0 table 360 metric 0 proto openr; 203.0.114.0/24 dev d0 table 360 metric 0 proto openr",
    ]);
  });

  it("four routes: the first three are shown, then '; ...'", () => {
    const routes = [route(350, "198.51.100.0/24", 99), route(350, "198.51.101.0/24", 12), route(350, "198.51.102.0/24", 99), route(350, "198.51.103.0/24", 3)];
    const r = checkSharedRanges({ ...DISJOINT, live: { rules: [], routes } });
    expect(r.findings.map((f) => f.message)).toEqual([
      "table 350 (in ownership.tables 300-399) holds 4 routes that are not fibwarden's (protocols 3, 12, 99): 198.51.100.0/24 dev d0 table 350 metric 0 proto openr; 198.51.101.0/24 dev d0 table 350 metric 0 proto bird; 198.51.102.0/24 dev d0 table 350 metric 0 proto openr; ...",
    ]);
  });

  it("a route in an announce table says so, records the announce table as ours, and suggests another announce table", () => {
    const r = checkSharedRanges({ ...DISJOINT, live: { rules: [], routes: [route(400, "10.9.0.0/16", 99)] } });
    expect(r.findings).toEqual([{
      code: "FOREIGN_ROUTE_IN_TABLE", severity: "error", agent: "unknown", source: "live kernel state",
      message: "table 400 (an announce table) holds 1 route that is not fibwarden's (protocols 99): 10.9.0.0/16 dev d0 table 400 metric 0 proto openr",
      overlap: { field: "announce table", ours: { from: 400, to: 400 }, theirs: { from: 400, to: 400 } },
      fix: {
        description: `use table 251 instead of 400 as the announce table (in vips[].announce.table and ownership.announceTables; the BIRD kernel protocol that learns the VIP routes must read table 251)${LEFTOVER("route")}`,
        config: ["ownership: {announceTables: [251]}"],
      },
    }]);
  });

  it("a route in the source range records the whole ownership.tables range as ours", () => {
    const [f] = checkSharedRanges({ ...DISJOINT, live: { rules: [], routes: [route(350, "198.51.100.0/24", 99)] } }).findings;
    expect(f!.overlap).toEqual({ field: "ownership.tables", ours: { from: 300, to: 399 }, theirs: { from: 350, to: 350 } });
    expect(f!.fix).toEqual({
      // 256-349 is too narrow, 400 is the announce table: the first 100 free tables start at 401.
      description: `set ownership.tables to 401-500, clear of every known agent and everything live; ${MOVE_NOTE}${LEFTOVER("route")}`,
      config: ["ownership: {tables: {from: 401, to: 500}}"],
    });
  });

  it("a live route in several known ranges names every candidate agent, joined by |", () => {
    const input = inputFor({ from: 300, to: 399 }, { from: 2000, to: 2999 }, [198]);
    const r = checkSharedRanges({ ...input, live: { rules: [], routes: [route(198, "10.9.0.0/16", 248)] } });
    expect(r.findings.filter((f) => f.code === "FOREIGN_ROUTE_IN_TABLE").map((f) => f.agent)).toEqual(["calico|aws-vpc-cni|kube-vip"]);
  });
});

describe("checkSharedRanges: FOREIGN_RULE_IN_RANGE fix", () => {
  it("suggests a priority range (not a table range) of the same width, clear of the live rule, and the leftover way out", () => {
    const r = checkSharedRanges({ ...DISJOINT, live: { rules: [foreignRule(2500)], routes: [] } });
    expect(r.suggested.rulePriorities).toEqual({ from: 2501, to: 3500 });
    expect(r.findings).toEqual([{
      code: "FOREIGN_RULE_IN_RANGE", severity: "error", agent: "unknown", source: "live kernel state",
      message: "rule 2500: from 10.0.0.0/24 lookup 5000 (proto 4) lies in ownership.rulePriorities 2000-2999 but is not fibwarden's: it takes part in the same lookups as fibwarden's rules, and fibwarden never removes it",
      overlap: { field: "ownership.rulePriorities", ours: { from: 2000, to: 2999 }, theirs: { from: 2500, to: 2500 } },
      fix: {
        description: `set ownership.rulePriorities to 2501-3500, clear of every known agent and everything live; ${MOVE_NOTE}${LEFTOVER("rule")}`,
        config: ["ownership: {rulePriorities: {from: 2501, to: 3500}}"],
      },
    }]);
  });

  it("with an agent ignored, the fix says the range is clear of every known agent not ignored", () => {
    const r = checkSharedRanges({ ...DISJOINT, ignore: ["okd"], live: { rules: [foreignRule(2500)], routes: [] } });
    expect(r.findings[0]!.fix.description).toBe(`set ownership.rulePriorities to 2501-3500, clear of every known agent not ignored and everything live; ${MOVE_NOTE}${LEFTOVER("rule")}`);
  });

  it("findings of one code are ordered by message, whatever the order of the live rules", () => {
    for (const order of [[2600, 2500, 2700, 2550], [2700, 2600, 2550, 2500], [2500, 2550, 2600, 2700], [2550, 2700, 2500, 2600]]) {
      const r = checkSharedRanges({ ...DISJOINT, live: { rules: order.map((p) => foreignRule(p)), routes: [] } });
      expect(r.findings.map((f) => f.overlap?.theirs.from)).toEqual([2500, 2550, 2600, 2700]);
    }
  });
});

describe("checkSharedRanges: known-range overlap messages and fixes", () => {
  it("an announce table on a known table: the table, the agent's name, its range, what it puts there, where", () => {
    const r = checkSharedRanges(inputFor({ from: 300, to: 399 }, { from: 2000, to: 2999 }, [198]));
    const kubeVip = r.findings.find((f) => f.agent === "kube-vip");
    expect(kubeVip).toMatchObject({
      code: "RANGE_OVERLAP_TABLES",
      message: "announce table 198 overlaps kube-vip's tables 198 (routing-table mode VIP routes (proto 248)) at 198",
      overlap: { field: "announce table", ours: { from: 198, to: 198 }, theirs: { from: 198, to: 198 } },
      fix: {
        description: "use table 251 instead of 198 as the announce table (in vips[].announce.table and ownership.announceTables; the BIRD kernel protocol that learns the VIP routes must read table 251)",
        config: ["ownership: {announceTables: [251]}"],
      },
    });
    expect(r.findings.find((f) => f.agent === "calico")!.message).toBe("announce table 198 overlaps Calico (Felix)'s tables 1-250 (Felix's route tables (default routeTableRanges)) at 198");
  });

  it("findings that tie on severity, code and message keep the order of the known list", () => {
    const entry = (source: string): KnownRange => ({ agent: "kube-vip", kind: "tables", range: { from: 198, to: 198 }, what: "VIP routes", source });
    const known = [entry("first source"), entry("second source"), entry("third source")];
    for (const list of [known, [...known].reverse()]) {
      const r = checkSharedRanges(inputFor({ from: 198, to: 198 }, { from: 2000, to: 2999 }, [], { known: list }));
      expect(new Set(r.findings.map((f) => f.message)).size).toBe(1);
      expect(r.findings.map((f) => f.source)).toEqual(list.map((k) => k.source));
    }
  });

  it("the source range on a known table range, and the priority range on known priorities, are named by field", () => {
    const r = checkSharedRanges(inputFor({ from: 1000, to: 1999 }, { from: 1000, to: 1999 }));
    expect(r.findings.map((f) => f.message)).toEqual([
      "ownership.tables 1000-1999 overlaps OKD (MetalLB/frr-k8s VRFs)'s tables 1000-4294967295 (VRF table ids OKD reserves for itself) at 1000-1999; range modelled: \">= 1000\" as 1000 up to the highest table number (4294967295)",
      "ownership.rulePriorities 1000-1999 overlaps AWS VPC CNI's rule priorities 1024 (main-ENI connmark rule (NodePort support)) at 1024",
      "ownership.rulePriorities 1000-1999 overlaps AWS VPC CNI's rule priorities 1535-1536 (external-service CIDR rules (1535) and from-pod rules to the per-ENI tables (1536)) at 1535-1536",
    ]);
    const prio = r.findings[1]!;
    expect(prio.fix).toEqual({
      description: `set ownership.rulePriorities to 1537-2536, clear of every known agent and everything live; ${MOVE_NOTE}`,
      config: ["ownership: {rulePriorities: {from: 1537, to: 2536}}"],
    });
  });

  it("the table fix says the free range is narrower than the current table range, whatever the priority range's width", () => {
    const r = checkSharedRanges(inputFor({ from: 1000, to: 1999 }, { from: 2000, to: 2099 }));
    expect(r.findings.map((f) => f.code)).toEqual(["RANGE_OVERLAP_TABLES"]);
    expect(r.findings[0]!.fix).toEqual({
      description: `set ownership.tables to 256-999 (the widest free range: 744 values, fewer than the 1000 now), clear of every known agent and everything live; ${MOVE_NOTE}`,
      config: ["ownership: {tables: {from: 256, to: 999}}"],
    });
  });

  it("the priority fix compares the free priorities with the current priority range, not the table range", () => {
    const known: KnownRange[] = [{ agent: "tailscale", kind: "priorities", range: { from: 1, to: 32000 }, what: "a wide band", source: "test" }];
    const r = checkSharedRanges(inputFor({ from: 300, to: 399 }, { from: 1000, to: 1999 }, [], { known }));
    expect(r.suggested.rulePriorities).toEqual({ from: 32001, to: PRIORITY_MAX });
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.fix.description).toMatch(/^set ownership\.rulePriorities to 32001-32765 \(the widest free range: 765 values, fewer than the 1000 now\), clear of every known agent/);
  });

  it("the fix says \"not ignored\" only when an agent was ignored, not for a caller's shorter known list", () => {
    const known: KnownRange[] = [{ agent: "tailscale", kind: "priorities", range: { from: 1, to: 32000 }, what: "a wide band", source: "test" }];
    const plain = checkSharedRanges(inputFor({ from: 300, to: 399 }, { from: 1000, to: 1999 }, [], { known }));
    expect(plain.findings[0]!.fix.description).toContain("clear of every known agent and everything live");
    const twoAgents: KnownRange[] = [...known, { agent: "okd", kind: "tables", range: { from: 1000, to: 1000 }, what: "one table", source: "test" }];
    const ignoring = checkSharedRanges(inputFor({ from: 300, to: 399 }, { from: 1000, to: 1999 }, [], { known: twoAgents, ignore: ["okd"] }));
    expect(ignoring.findings[0]!.fix.description).toContain("clear of every known agent not ignored and everything live");
  });

  it("no free priority range: the fix says so for rule priorities, with no config", () => {
    const known: KnownRange[] = [{ agent: "tailscale", kind: "priorities", range: { from: 1, to: PRIORITY_MAX }, what: "every priority", source: "test" }];
    const r = checkSharedRanges(inputFor({ from: 300, to: 399 }, { from: 1000, to: 1999 }, [], { known }));
    expect(r.suggested.rulePriorities).toBeUndefined();
    expect(r.findings.map((f) => f.fix)).toEqual([{
      description: "no rule priority range is free of every known agent and live object; pass --ignore for agents that do not run on this node",
      config: [],
    }]);
  });

  it("no free table: the announce-table fix says so, with no config", () => {
    const known: KnownRange[] = [{ agent: "okd", kind: "tables", range: { from: 1, to: KERNEL_TABLE_MAX }, what: "every table", source: "test" }];
    const r = checkSharedRanges(inputFor({ from: 300, to: 399 }, { from: 2000, to: 2999 }, [400], { known }));
    expect(r.suggested).toEqual({ tables: undefined, rulePriorities: { from: 1, to: 1000 }, announceTable: undefined });
    const announce = r.findings.find((f) => f.overlap?.field === "announce table");
    expect(announce!.fix).toEqual({
      description: "no table is free of every known agent and live route; pass --ignore for agents that do not run on this node",
      config: [],
    });
  });
});

describe("checkSharedRanges: suggested free ranges", () => {
  it("a live foreign rule's lookup table is not suggested", () => {
    // 3000 lies outside the priority range: no finding, but table 280 is in use.
    const r = checkSharedRanges({ ...inputFor({ from: 300, to: 399 }, { from: 2000, to: 2999 }), live: { rules: [foreignRule(3000, 280)], routes: [] } });
    expect(r.findings).toEqual([]);
    expect(r.suggested.tables).toEqual({ from: 281, to: 380 });
    expect(checkSharedRanges(inputFor({ from: 300, to: 399 }, { from: 2000, to: 2999 })).suggested.tables).toEqual({ from: 256, to: 355 });
  });

  it("fibwarden's own live rules do not block the priorities or tables they sit in", () => {
    const ownRule = makeRule({ family: 4, priority: 2000, from: "192.0.2.10/32", table: 300, protocol: 201 });
    const r = checkSharedRanges({ ...DISJOINT, live: { rules: [ownRule], routes: [] } });
    expect(r.findings).toEqual([]);
    expect(r.suggested).toEqual({ tables: { from: 256, to: 355 }, rulePriorities: { from: 1537, to: 2536 }, announceTable: 251 });
  });

  it("the suggested announce table is not inside the suggested source-table range", () => {
    const r = checkSharedRanges(inputFor({ from: 300, to: 300 }, { from: 2000, to: 2999 }));
    expect(r.suggested.tables).toEqual({ from: 251, to: 251 });
    expect(r.suggested.announceTable).toBe(256);
  });
});

describe("checkSharedRanges: FOREIGN_MANAGER", () => {
  const networkd: ManagerObservation = { agent: "systemd-networkd", running: true, removesForeignRules: false, removesForeignRoutes: false, configFiles: [] };
  const fixText = KNOWN_MANAGERS[0]!.fix;
  const whatText = KNOWN_MANAGERS[0]!.what;

  it("removing only foreign routes is reported as ManageForeignRoutes=yes, with the settings' fix and no config", () => {
    const r = checkSharedRanges({ ...DISJOINT, managers: [{ ...networkd, removesForeignRoutes: true }] });
    expect(r.findings).toEqual([{
      code: "FOREIGN_MANAGER", severity: "warning", agent: "systemd-networkd", source: KNOWN_MANAGERS[0]!.source,
      message: `systemd-networkd runs with ManageForeignRoutes=yes (the defaults): it removes fibwarden's rules and routes whatever their range; ${whatText}`,
      fix: { description: fixText, config: [] },
    }]);
  });

  it("both settings, read from files: both named, joined by 'and', and the files listed", () => {
    const configFiles = ["/etc/systemd/networkd.conf", "/etc/systemd/networkd.conf.d/10-x.conf"];
    const r = checkSharedRanges({ ...DISJOINT, managers: [{ ...networkd, removesForeignRules: true, removesForeignRoutes: true, configFiles }] });
    expect(r.findings.map((f) => f.message)).toEqual([
      `systemd-networkd runs with ManageForeignRoutingPolicyRules=yes and ManageForeignRoutes=yes (read from /etc/systemd/networkd.conf, /etc/systemd/networkd.conf.d/10-x.conf): it removes fibwarden's rules and routes whatever their range; ${whatText}`,
    ]);
  });

  it("an agent that is not a known manager is never reported as one", () => {
    const r = checkSharedRanges({ ...DISJOINT, managers: [{ ...networkd, agent: "calico", removesForeignRules: true, removesForeignRoutes: true }] });
    expect(r.findings).toEqual([]);
  });
});
