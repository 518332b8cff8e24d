// `doctor` shows the shared-range findings of `fibwarden check` with the same codes: a foreign
// rule or route live in the managed ranges as a warning finding (never turning an OK verdict
// into a broken one), an overlap with a known agent's range as a note.
import { describe, expect, it } from "vitest";
import { makeRule } from "../../../src/core/model/normalize.js";
import { defaultOwnershipPolicy } from "../../../src/core/ownership.js";
import { analyzeFlow } from "../../../src/doctor/analyze.js";
import { buildDoctorReport, DoctorReportSchema } from "../../../src/report/doctor-json.js";
import { labInput } from "../doctor/inputs.js";

const tables = { from: 1000, to: 1999 };
const sharing = { policy: defaultOwnershipPolicy({ tables: [tables] }), tables, announceTables: [] };

describe("doctor: shared-range findings", () => {
  it("none without the config's ranges; with them, the check's codes as warnings and the verdict unchanged", () => {
    const plain = analyzeFlow(labInput());
    expect(plain.findings.filter((f) => f.code.startsWith("FOREIGN_"))).toEqual([]);
    expect(plain.notes.filter((n) => n.startsWith("RANGE_"))).toEqual([]);

    const input = labInput();
    input.live = { ...input.live, rules: [...input.live.rules, makeRule({ family: 4, priority: 1500, from: "10.9.0.0/16", table: 7, protocol: 4 })] };
    const a = analyzeFlow({ ...input, sharing });
    const shared = a.findings.filter((f) => !plain.findings.some((p) => p.code === f.code && p.message === f.message));
    expect(shared.map((f) => [f.code, f.severity])).toEqual([["FOREIGN_RULE_IN_RANGE", "warning"]]);
    expect(shared[0]!.message).toContain("rule 1500: from 10.9.0.0/16 lookup 7 (proto 4)");
    expect(shared[0]!.message).toContain("(agent: unknown)");
    const notes = a.notes.filter((n) => !plain.notes.includes(n));
    expect(notes.map((n) => n.split(" ")[0])).toEqual(["RANGE_OVERLAP_TABLES", "RANGE_OVERLAP_PRIORITIES", "RANGE_OVERLAP_PRIORITIES"]);
    expect(notes[0]).toContain("(okd)");
    expect(shared[0]!.fix.command).toBe("fibwarden check");
    expect(a.verdict.code).toBe(plain.verdict.code);
    expect(a.verdict.breaks).toBe(plain.verdict.breaks);
    expect(a.verdict.warnings).toBe(plain.verdict.warnings + 1);
    DoctorReportSchema.parse(JSON.parse(JSON.stringify(buildDoctorReport(a, { netns: null, complete: true, problems: [], elapsedMs: 1 }))));
  });
});
