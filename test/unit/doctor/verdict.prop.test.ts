// The doctor's verdict never contradicts its findings: properties over generated finding sets and
// hop comparisons (deriveVerdict), over the text and JSON reports built from them, and over
// generated flows through the whole analysis (analyzeFlow). Runs: FC_RUNS (default 1000).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeRoute } from "../../../src/core/model/normalize.js";
import { analyzeFlow } from "../../../src/doctor/analyze.js";
import { FINDING_CODES, type DoctorInput, type Finding, type HopRef, type PathComparison } from "../../../src/doctor/types.js";
import { byImportance, deriveVerdict } from "../../../src/doctor/verdict.js";
import { buildDoctorReport, DoctorReportSchema } from "../../../src/report/doctor-json.js";
import { renderDoctorText } from "../../../src/report/doctor-text.js";
import { bgpProtocol, F5, f5Input, hit, labInput, SOCKET } from "./inputs.js";

const RUNS = Number(process.env.FC_RUNS ?? 1000);
const CLAIM = "the path is symmetric";

const hopArb: fc.Arbitrary<HopRef> = fc.record({
  interface: fc.constantFrom("lan0", "na0", "nb0", "eth0"),
  hop: fc.option(fc.constantFrom("10.0.0.1", "10.0.0.2", "10.0.0.3"), { nil: null }),
});

const pathArb: fc.Arbitrary<PathComparison> = fc.oneof(
  fc.record({ compared: fc.constant(true as const), same: fc.boolean(), ingress: hopArb, egress: hopArb }),
  fc.record({ compared: fc.constant(false as const), reason: fc.constantFrom("the ingress is unknown", "replies have no route") }),
);

const findingArb: fc.Arbitrary<Finding> = fc.record({
  code: fc.constantFrom(...FINDING_CODES),
  severity: fc.constantFrom("error", "warning", "hint"),
  interface: fc.option(fc.constantFrom("lan0", "na0", "nb0"), { nil: undefined }),
  message: fc.nat({ max: 99 }).map((n) => `message ${n}`),
}).map(({ interface: iface, ...f }) => ({ ...f, ...(iface !== undefined ? { interface: iface } : {}), fix: { description: "fix", config: [] } }));

const findingsArb = fc.array(findingArb, { maxLength: 6 });

describe("deriveVerdict: the verdict is a function of the findings and never contradicts them", () => {
  it("breaks exactly when an error exists; the code is the most important error's, else OK", () => {
    fc.assert(fc.property(findingsArb, pathArb, (findings, path) => {
      const v = deriveVerdict(findings, path);
      const errors = [...findings].sort(byImportance).filter((f) => f.severity === "error");
      expect(v.breaks).toBe(errors.length > 0);
      expect(v.code).toBe(errors[0]?.code ?? "OK");
      if (errors[0] !== undefined) expect(v.summary.startsWith(errors[0].message)).toBe(true);
      expect(v.warnings).toBe(findings.filter((f) => f.severity === "warning").length);
    }), { numRuns: RUNS });
  });

  it("claims symmetry only when the hops were compared and are the same and no error or warning says otherwise", () => {
    fc.assert(fc.property(findingsArb, pathArb, (findings, path) => {
      const v = deriveVerdict(findings, path);
      const clean = !findings.some((f) => f.severity !== "hint");
      const same = path.compared && path.same;
      expect(v.summary.includes(CLAIM)).toBe(clean && same);
      expect(v.expectedPathSymmetric).toBe(same && !v.breaks);
      if (!v.breaks && v.warnings > 0) {
        expect(v.summary).toContain(`${v.warnings} warning${v.warnings === 1 ? "" : "s"}`);
        for (const f of findings.filter((x) => x.severity === "warning")) expect(v.summary).toContain(f.code);
      }
      if (!path.compared && !v.breaks) expect(v.summary).toContain("not verified");
    }), { numRuns: RUNS });
  });

  it("does not depend on the order of the findings", () => {
    fc.assert(fc.property(findingsArb, pathArb, fc.nat(), (findings, path, seed) => {
      const shuffled = [...findings].sort((a, b) => ((findings.indexOf(a) * 7919 + seed) % 13) - ((findings.indexOf(b) * 7919 + seed) % 13));
      expect(deriveVerdict(shuffled, path)).toEqual(deriveVerdict(findings, path));
    }), { numRuns: RUNS });
  });

  it("the text and JSON reports carry the same verdict: the text's verdict line never says OK over an error, nor symmetric over a warning", () => {
    const base = analyzeFlow(labInput());
    const meta = { netns: null, complete: true, problems: [], elapsedMs: 1 };
    fc.assert(fc.property(findingsArb, pathArb, (findings, path) => {
      const sorted = [...findings].sort(byImportance);
      const analysis = { ...base, findings: sorted, path, verdict: deriveVerdict(sorted, path) };
      const report = DoctorReportSchema.parse(JSON.parse(JSON.stringify(buildDoctorReport(analysis, meta))));
      expect(report.verdict).toEqual(analysis.verdict);
      const line = renderDoctorText(report, false).trimEnd().split("\n").at(-1)!;
      const hasError = findings.some((f) => f.severity === "error");
      expect(line.startsWith("verdict: OK:")).toBe(!hasError);
      if (findings.some((f) => f.severity === "warning")) expect(line).not.toContain(CLAIM);
    }), { numRuns: Math.ceil(RUNS / 4) });
  });
});

/** An F5-shaped flow: the reply route's interface and hop, the BGP neighbor, a configured return or not. */
interface Flow {
  replyDev: string;
  replyGateway: string | undefined;
  neighbor: string;
  withReturn: "none" | "bgpPeer" | "gateway";
  rpFilter: number;
}

const flowArb: fc.Arbitrary<Flow> = fc.record({
  replyDev: fc.constantFrom("lan0", "eth1"),
  replyGateway: fc.option(fc.constantFrom(F5.router, "10.113.0.254"), { nil: undefined }),
  neighbor: fc.constantFrom(F5.router, "10.113.0.254"),
  withReturn: fc.constantFrom("none", "bgpPeer", "gateway"),
  rpFilter: fc.constantFrom(0, 1, 2),
});

function flowInput(f: Flow): DoctorInput {
  const input = f5Input();
  input.live.routes.push(makeRoute({ dst: "10.114.0.0/24", protocol: 2, nexthops: [{ dev: "eth1" }] }));
  input.bird.daemons = [{ socket: SOCKET, dialect: 2, protocols: [bgpProtocol(F5.session, f.neighbor)] }];
  input.neighborRoutes = { [f.neighbor]: hit("lan0") };
  input.replyRoute = hit(f.replyDev, f.replyGateway);
  if (f.withReturn === "bgpPeer") input.vipConfig = { device: "lo", announceTable: 198, return: { bgpPeer: F5.session } };
  if (f.withReturn === "gateway") input.vipConfig = { device: "lo", announceTable: 198, return: { gateway: F5.router, device: "lan0" } };
  for (const s of input.live.sysctls) if (s.name === "rp_filter") s.value = f.rpFilter;
  return input;
}

describe("analyzeFlow: the verdict follows the next hops", () => {
  it("OK with a symmetric path only when the replies' next hop is the expected ingress hop; otherwise ASYMMETRIC_RETURN breaks the flow", () => {
    fc.assert(fc.property(flowArb, (f) => {
      const a = analyzeFlow(flowInput(f));
      const replyHop = { interface: f.replyDev, hop: f.replyGateway ?? F5.client };
      const expected = a.ingress.interfaces.filter((i) => i.primary).map((i) => ({ interface: i.name, hop: i.gateway }));
      const symmetric = expected.some((e) => e.interface === replyHop.interface && e.hop === replyHop.hop);
      expect(a.verdict.expectedPathSymmetric).toBe(symmetric && !a.verdict.breaks);
      if (!symmetric) {
        expect(a.verdict.breaks).toBe(true);
        expect(a.findings.some((x) => x.code === "ASYMMETRIC_RETURN" && x.severity === "error")).toBe(true);
      }
      expect(a.verdict).toEqual(deriveVerdict(a.findings, a.path));
    }), { numRuns: Math.ceil(RUNS / 4) });
  });
});
