// The shared-ranges checker: every known entry found at its bounds (inclusive) and not one past
// them, live foreign rules and routes in the managed ranges (as ownership.ts classifies them),
// the suggested free ranges really free, and no finding for a disjoint config.
import { describe, expect, it } from "vitest";
import { checkSharedRanges, PRIORITY_MAX, type SharingInput } from "../../../../src/core/coexist/check.js";
import { KERNEL_TABLE_MAX, KNOWN_MANAGERS, KNOWN_RANGES, type KnownRange } from "../../../../src/core/coexist/known-ranges.js";
import { freeGaps, findFreeRange, intersectRanges, mergeRanges } from "../../../../src/core/coexist/ranges.js";
import { makeRoute, makeRule } from "../../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy, type NumberRange } from "../../../../src/core/ownership.js";

const inputFor = (tables: NumberRange, rulePriorities: NumberRange, announceTables: number[] = [], extra: Partial<SharingInput> = {}): SharingInput => ({
  policy: defaultOwnershipPolicy({ tables: [tables, ...announceTables.map((t) => ({ from: t, to: t }))], rulePriorities }),
  tables, announceTables, ...extra,
});

/** A config that touches nothing known: tables 300-399 (between AWS's 220 and OKD's 1000), priorities 2000-2999. */
const DISJOINT = inputFor({ from: 300, to: 399 }, { from: 2000, to: 2999 }, [400]);

const overlaps = (a: NumberRange, b: NumberRange): boolean => intersectRanges(a, b) !== undefined;

describe("known ranges", () => {
  it("every entry has a source, a sane range, and says how an open-ended value was modelled", () => {
    for (const k of KNOWN_RANGES) {
      expect(k.source.length).toBeGreaterThan(10);
      expect(k.range.from).toBeLessThanOrEqual(k.range.to);
      expect(k.range.from).toBeGreaterThanOrEqual(1);
      expect(k.range.to).toBeLessThanOrEqual(k.kind === "tables" ? KERNEL_TABLE_MAX : PRIORITY_MAX);
    }
    const modelled = KNOWN_RANGES.filter((k) => k.modelled !== undefined).map((k) => `${k.agent}:${k.range.from}`);
    expect(modelled).toEqual(["aws-vpc-cni:2", "aws-vpc-cni:101", "tailscale:5210", "meridio:4096", "okd:1000"]);
  });

  it("holds the values the field notes give", () => {
    const find = (agent: string, kind: string) => KNOWN_RANGES.filter((k) => k.agent === agent && k.kind === kind).map((k) => k.range);
    expect(find("calico", "tables")).toEqual([{ from: 1, to: 250 }]);
    expect(find("kube-router", "tables")).toEqual([{ from: 77, to: 79 }]);
    expect(find("kube-vip", "tables")).toEqual([{ from: 198, to: 198 }]);
    expect(find("tailscale", "tables")).toEqual([{ from: 52, to: 52 }]);
    expect(find("tailscale", "priorities")).toEqual([{ from: 5210, to: 5270 }]);
    expect(find("meridio", "tables")).toEqual([{ from: 4096, to: 4097 }]);
    expect(find("metallb-node-route-agent", "tables")).toEqual([{ from: 20, to: 20 }]);
    expect(find("okd", "tables")).toEqual([{ from: 1000, to: KERNEL_TABLE_MAX }]);
    expect(KNOWN_MANAGERS.map((m) => m.agent)).toEqual(["systemd-networkd"]);
  });
});

describe("checkSharedRanges: known ranges", () => {
  it("no finding for a config disjoint from every known range", () => {
    expect(checkSharedRanges(DISJOINT).findings).toEqual([]);
  });

  it.each(KNOWN_RANGES.map((k) => [`${k.agent} ${k.kind} ${k.range.from}-${k.range.to}`, k] as const))("%s: found at both bounds, not one past them", (_, k: KnownRange) => {
    const code = k.kind === "tables" ? "RANGE_OVERLAP_TABLES" : "RANGE_OVERLAP_PRIORITIES";
    const only = { known: [k] };
    const at = (n: NumberRange) => (k.kind === "tables" ? inputFor(n, { from: 2000, to: 2999 }, [], only) : inputFor({ from: 300, to: 399 }, n, [], only));
    for (const edge of [k.range.from, k.range.to]) {
      const { findings } = checkSharedRanges(at({ from: edge, to: edge }));
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ code, severity: "warning", agent: k.agent, source: k.source, overlap: { theirs: k.range } });
    }
    if (k.range.from > 1) expect(checkSharedRanges(at({ from: k.range.from - 1, to: k.range.from - 1 })).findings).toEqual([]);
    const max = k.kind === "tables" ? KERNEL_TABLE_MAX : PRIORITY_MAX;
    if (k.range.to < max) expect(checkSharedRanges(at({ from: k.range.to + 1, to: k.range.to + 1 })).findings).toEqual([]);
  });

  it("the default config overlaps OKD's tables and AWS VPC CNI's priorities; the fixes name free ranges", () => {
    const r = checkSharedRanges(inputFor({ from: 1000, to: 1999 }, { from: 1000, to: 1999 }));
    expect(r.findings.map((f) => `${f.code}:${f.agent}`)).toEqual([
      "RANGE_OVERLAP_TABLES:okd", "RANGE_OVERLAP_PRIORITIES:aws-vpc-cni", "RANGE_OVERLAP_PRIORITIES:aws-vpc-cni",
    ]);
    expect(r.suggested.tables).toEqual({ from: 256, to: 999 }); // the widest free gap: nothing 1000 wide is free
    expect(r.suggested.rulePriorities).toEqual({ from: 1537, to: 2536 });
    expect(r.findings[0]!.fix.description).toContain("set ownership.tables to 256-999 (the widest free range: 744 values, fewer than the 1000 now)");
    expect(r.findings[0]!.fix.config).toEqual(["ownership: {tables: {from: 256, to: 999}}"]);
    expect(r.findings[0]!.message).toContain("range modelled:");
  });

  it("an announce table on kube-vip's 198 is found, and another table suggested", () => {
    const r = checkSharedRanges(inputFor({ from: 300, to: 399 }, { from: 2000, to: 2999 }, [198]));
    expect(r.findings.map((f) => f.agent).sort()).toEqual(["aws-vpc-cni", "calico", "kube-vip"]); // 198 is in 1-250 and 101-220 too
    expect(r.findings[0]!.overlap?.field).toBe("announce table");
    expect(r.suggested.announceTable).toBe(251);
    expect(r.findings[0]!.fix.config).toEqual(["ownership: {announceTables: [251]}"]);
  });

  it("ignored agents are not checked; with OKD ignored, a 1000-wide table range is free", () => {
    const r = checkSharedRanges(inputFor({ from: 1000, to: 1999 }, { from: 2000, to: 2999 }, [], { ignore: ["okd"] }));
    expect(r.findings).toEqual([]);
    expect(r.suggested.tables).toEqual({ from: 256, to: 1255 });
  });

  it("says so when nothing is free", () => {
    const r = checkSharedRanges(inputFor({ from: 100, to: 100 }, { from: 2000, to: 2999 }, [], { known: [{ ...KNOWN_RANGES[0]!, range: { from: 1, to: KERNEL_TABLE_MAX } }] }));
    expect(r.suggested.tables).toBeUndefined();
    expect(r.findings[0]!.fix).toEqual({ description: expect.stringContaining("no table range is free"), config: [] });
  });
});

describe("checkSharedRanges: live foreign objects", () => {
  const foreignRule = makeRule({ family: 4, priority: 2500, from: "10.0.0.0/24", table: 5000, protocol: 4 });
  const ownRule = makeRule({ family: 4, priority: 2000, from: "192.0.2.10/32", table: 300, protocol: 201 });
  const outside = makeRule({ family: 4, priority: 3000, table: 300, protocol: 4 });
  const foreignRoute = makeRoute({ family: 4, table: 350, dst: "198.51.100.0/24", protocol: 99, nexthops: [{ dev: "d0" }] });
  const ownRoute = makeRoute({ family: 4, table: 300, dst: "0.0.0.0/0", protocol: 201, nexthops: [{ dev: "d0" }] });
  const mainRoute = makeRoute({ family: 4, table: 254, dst: "0.0.0.0/0", protocol: 4, nexthops: [{ dev: "d0" }] });
  const live = { rules: [foreignRule, ownRule, outside], routes: [foreignRoute, ownRoute, mainRoute] };

  it("a foreign rule in the priority range and a foreign route in a managed table are errors", () => {
    const r = checkSharedRanges({ ...DISJOINT, live });
    expect(r.findings.map((f) => [f.code, f.severity, f.agent])).toEqual([
      ["FOREIGN_RULE_IN_RANGE", "error", "unknown"], ["FOREIGN_ROUTE_IN_TABLE", "error", "unknown"],
    ]);
    expect(r.findings[0]!.message).toContain("rule 2500: from 10.0.0.0/24 lookup 5000 (proto 4)");
    expect(r.findings[1]!.message).toContain("table 350 (in ownership.tables 300-399) holds 1 route that is not fibwarden's (protocols 99)");
  });

  it("the suggested ranges avoid every live foreign table and priority, and every known range", () => {
    const rules = [2000, 2999, 1537, 1600].map((priority) => makeRule({ family: 4, priority, protocol: 4, table: 260 }));
    const routes = [300, 256, 999].map((table) => makeRoute({ family: 4, table, dst: "203.0.113.0/24", protocol: 99, nexthops: [{ dev: "d0" }] }));
    const r = checkSharedRanges({ ...inputFor({ from: 300, to: 399 }, { from: 2000, to: 2999 }), live: { rules, routes } });
    const tables = r.suggested.tables!;
    const prios = r.suggested.rulePriorities!;
    for (const t of [256, 260, 300, 999]) expect(overlaps(tables, { from: t, to: t })).toBe(false);
    for (const p of [2000, 2999, 1537, 1600]) expect(overlaps(prios, { from: p, to: p })).toBe(false);
    for (const k of KNOWN_RANGES) expect(overlaps(k.kind === "tables" ? tables : prios, k.range)).toBe(false);
    expect(tables).toEqual({ from: 301, to: 400 });
    expect(prios).toEqual({ from: 3000, to: 3999 }); // 1601-1999 and 2001-2998 are too narrow
  });

  it("ownership is ownership.ts's: our protocol in our range is never a finding, another protocol always is", () => {
    const r = checkSharedRanges({ ...DISJOINT, live: { rules: [ownRule], routes: [ownRoute, { ...ownRoute, protocol: 12 }] } });
    expect(r.findings.map((f) => f.code)).toEqual(["FOREIGN_ROUTE_IN_TABLE"]);
  });

  it("names the known agent whose range holds the live object", () => {
    const r = checkSharedRanges({ ...inputFor({ from: 1000, to: 1999 }, { from: 1000, to: 1999 }, [], { ignore: ["okd"] }), live: { rules: [makeRule({ family: 4, priority: 1536, from: "10.1.0.5/32", table: 2, protocol: 3 })], routes: [] } });
    expect(r.findings[0]).toMatchObject({ code: "FOREIGN_RULE_IN_RANGE", agent: "aws-vpc-cni" });
  });
});

describe("checkSharedRanges: managers", () => {
  const networkd = { agent: "systemd-networkd" as const, running: true, removesForeignRules: true, removesForeignRoutes: false, configFiles: [] };
  it("a running networkd that removes foreign rules is FOREIGN_MANAGER; off or stopped, nothing", () => {
    const r = checkSharedRanges({ ...DISJOINT, managers: [networkd] });
    expect(r.findings).toMatchObject([{ code: "FOREIGN_MANAGER", severity: "warning", agent: "systemd-networkd" }]);
    expect(r.findings[0]!.message).toContain("ManageForeignRoutingPolicyRules=yes (the defaults)");
    expect(r.findings[0]!.fix.description).toContain("ManageForeignRoutingPolicyRules=no");
    expect(checkSharedRanges({ ...DISJOINT, managers: [{ ...networkd, running: false }] }).findings).toEqual([]);
    expect(checkSharedRanges({ ...DISJOINT, managers: [{ ...networkd, removesForeignRules: false }] }).findings).toEqual([]);
  });
});

describe("range arithmetic", () => {
  it("merges, finds gaps and free ranges, inclusive", () => {
    expect(mergeRanges([{ from: 5, to: 9 }, { from: 1, to: 3 }, { from: 4, to: 4 }, { from: 20, to: 30 }])).toEqual([{ from: 1, to: 9 }, { from: 20, to: 30 }]);
    expect(freeGaps({ from: 1, to: 40 }, [{ from: 1, to: 9 }, { from: 20, to: 30 }])).toEqual([{ from: 10, to: 19 }, { from: 31, to: 40 }]);
    expect(findFreeRange({ from: 1, to: 40 }, [{ from: 1, to: 9 }, { from: 20, to: 30 }], 10)).toEqual({ from: 10, to: 19 });
    expect(findFreeRange({ from: 1, to: 40 }, [{ from: 1, to: 9 }, { from: 20, to: 30 }], 11)).toEqual({ from: 10, to: 19 });
    expect(findFreeRange({ from: 1, to: 9 }, [{ from: 1, to: 9 }], 1)).toBeUndefined();
    expect(intersectRanges({ from: 1, to: 5 }, { from: 5, to: 9 })).toEqual({ from: 5, to: 5 });
    expect(intersectRanges({ from: 1, to: 4 }, { from: 5, to: 9 })).toBeUndefined();
  });
});
