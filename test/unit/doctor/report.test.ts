// The doctor report: JSON valid against its schema (and proto/doctor.schema.json current), the
// human text form, and the analysis kept pure (no node:*, no adapters, however deep).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { analyzeFlow } from "../../../src/doctor/analyze.js";
import { buildDoctorReport, DoctorReportSchema, renderDoctorReportJsonSchema } from "../../../src/report/doctor-json.js";
import { renderDoctorText } from "../../../src/report/doctor-text.js";
import { CLIENT, F5, f5Input, f5InputWithReturn, labInput, labInputWithReturn, setSysctl, VIP } from "./inputs.js";

const meta = { netns: "node", complete: true, problems: [], elapsedMs: 12.4 };

describe("doctor report", () => {
  it("is valid against the schema", () => {
    for (const input of [labInput(), labInputWithReturn(), setSysctl(labInput(), "all", "rp_filter", 1)]) {
      const r = DoctorReportSchema.parse(JSON.parse(JSON.stringify(buildDoctorReport(analyzeFlow(input), meta))));
      expect(r).toMatchObject({ apiVersion: "fibwarden/v1", kind: "DoctorReport", vip: VIP, client: CLIENT, netns: "node", elapsedMs: 12 });
    }
    const f5 = DoctorReportSchema.parse(JSON.parse(JSON.stringify(buildDoctorReport(analyzeFlow(f5Input()), meta))));
    expect(f5.path).toEqual({ compared: true, same: false, ingress: { interface: "lan0", hop: F5.router }, egress: { interface: "lan0", hop: F5.client } });
    expect(f5.egress).toMatchObject({ hop: F5.client, gateway: null, alternativeHops: [] });
    expect(f5.verdict).toMatchObject({ code: "ASYMMETRIC_RETURN", breaks: true, warnings: 0, expectedPathSymmetric: false });
  });

  it("proto/doctor.schema.json is current (regenerate: npx tsx scripts/gen-config-schema.ts)", () => {
    expect(readFileSync(new URL("../../../proto/doctor.schema.json", import.meta.url), "utf8")).toBe(renderDoctorReportJsonSchema());
  });

  it("renders the path, the sysctls, the findings with fixes and the verdict as text", () => {
    const text = renderDoctorText(buildDoctorReport(analyzeFlow(setSysctl(labInput(), "all", "rp_filter", 1)), meta), false);
    expect(text).toContain(`flow ${CLIENT} -> ${VIP} (IPv4) in netns node\n`);
    expect(text).toContain("requests come in by (the BGP sessions that carry the VIP)\n  na0  expected  bgp  up_a4  router 10.111.1.1");
    expect(text).toContain("replies leave by\n  eth0 via 10.111.9.1, table main\n");
    expect(text).toMatch(/na0 +ingress +1\/0 -> 1 strict +1\/1 -> 1 +0/);
    expect(text).toContain("  x REVERSE_PATH_DROP [error] na0: strict rp_filter (1) on na0 (conf.all.rp_filter=1 overrides na0=0");
    expect(text).toContain(`        vips: [{address: ${VIP}, announce: {table: 198}, return: {bgpPeer: up_a4}}]\n        or: `);
    expect(text).toMatch(/\nverdict: REVERSE_PATH_DROP: strict rp_filter \(1\) on na0.*\n$/);
    expect(text).not.toContain("\u001b[");
  });

  it("compares the next hops in the text: the router requests come from and the replies' next hop", () => {
    const before = renderDoctorText(buildDoctorReport(analyzeFlow(f5Input()), meta), false);
    expect(before).toContain(`next hops (the router requests come from, the next hop of the replies)\n  requests from ${F5.router} on lan0, replies to ${F5.client} (the client, on-link) on lan0: DIFFERENT\n`);
    expect(before).toContain(`  x ASYMMETRIC_RETURN [error] lan0: requests come in by lan0 from ${F5.router} (router1) but replies leave by lan0 straight to the client ${F5.client}`);
    expect(before).toContain(`        vips: [{address: ${F5.vip}, announce: {table: 198}, return: {bgpPeer: router1}}]\n        or: vips: [{address: ${F5.vip}, announce: {table: 198}, return: {gateway: ${F5.router}, device: lan0}}]\n`);
    expect(before).toMatch(/\nverdict: ASYMMETRIC_RETURN: requests come in by lan0 from 10\.113\.0\.1 \(router1\) but replies leave by lan0 straight to the client 10\.113\.0\.3 .*same interface, different next hop.*\n$/);
    const after = renderDoctorText(buildDoctorReport(analyzeFlow(f5InputWithReturn()), meta), false);
    expect(after).toContain(`  requests from ${F5.router} on lan0, replies to ${F5.router} on lan0: same hop\n`);
    expect(after).toMatch(/\nverdict: OK: requests come in by lan0 from 10\.113\.0\.1 and replies leave by lan0 to 10\.113\.0\.1: the path is symmetric\n$/);
  });

  it("says OK in green only when asked for colour and nothing qualifies it (yellow with warnings), and flags an incomplete observation", () => {
    const clean = buildDoctorReport(analyzeFlow(f5InputWithReturn()), meta);
    expect(renderDoctorText(clean, true)).toContain("\u001b[32mverdict: OK\u001b[0m");
    const report = buildDoctorReport(analyzeFlow(labInputWithReturn()), meta);
    expect(renderDoctorText(report, false)).toMatch(/\nverdict: OK: requests come in by na0 from 10\.111\.1\.1 and replies leave by na0 to 10\.111\.1\.1: the expected path is symmetric, but .*; 1 warning: ASYMMETRIC_RETURN\n$/);
    expect(renderDoctorText(report, false)).not.toContain("the path is symmetric");
    expect(renderDoctorText(report, true)).toContain("\u001b[33mverdict: OK\u001b[0m");
    const incomplete = renderDoctorText({ ...report, observation: { complete: false, problems: [{ code: "FW_BIRD_UNAVAILABLE", message: "gone" }] } }, false);
    expect(incomplete).toContain("  - FW_BIRD_UNAVAILABLE: gone\n");
    expect(incomplete).toContain("observation INCOMPLETE");
  });
});

describe("the analysis is pure", () => {
  const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));
  const IMPORT = /^\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/gm;
  function imports(file: string, seen = new Set<string>()): Set<string> {
    if (seen.has(file)) return seen;
    seen.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = m[1]!;
      if (!spec.startsWith(".")) { seen.add(spec); continue; }
      imports(resolve(dirname(file), spec.replace(/\.js$/, ".ts")), seen);
    }
    return seen;
  }
  it("analyze.ts reaches no node:* module, no execa, no adapters, reconciler or CLI code", () => {
    const all = [...imports(`${SRC}doctor/analyze.ts`)];
    expect(all.filter((s) => !s.startsWith("/")).sort()).toEqual(["zod"]);
    expect(all.filter((s) => /\/src\/(adapters|reconciler|cli|daemon|config)\//.test(s))).toEqual([]);
  });
});
