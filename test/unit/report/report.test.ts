// The reconcile report: JSON valid against its schema (and proto/plan.schema.json current), and
// the human text form readable without colour.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBirdPort } from "../../../src/adapters/bird/port.js";
import { systemClock } from "../../../src/adapters/clock.js";
import type { BirdPort } from "../../../src/adapters/ports.js";
import { configToPolicy } from "../../../src/config/policy.js";
import { parseConfigText } from "../../../src/config/parse.js";
import type { PassResult } from "../../../src/reconciler/pass.js";
import { fullPass } from "../../support/full-pass.js";
import { buildPlanReport, PlanReportSchema, renderPlanReportJsonSchema } from "../../../src/report/plan-json.js";
import { renderPlanText } from "../../../src/report/plan-text.js";
import { startFakeBird, type FakeBird } from "../../support/fake-bird.js";
import { FakeDataplane } from "../../support/fake-dataplane.js";
import { loadKernelFixture } from "../../support/fixtures.js";
import { KernelSim } from "../../support/kernel-sim.js";

let fake: FakeBird;
let client: BirdPort;
let pass: PassResult;
let inSyncPass: PassResult;
beforeAll(async () => {
  fake = await startFakeBird("bird-2.0.12");
  client = createBirdPort({ socketPath: fake.socketPath });
  const config = parseConfigText(`
bird: {sockets: [${fake.socketPath}]}
protect: {kernelProtocols: [kernel1], repair: report}
vips: [{address: 10.111.100.9, announce: {table: 198}, return: {gateway: 10.111.2.1, device: nb0}}]
`);
  const deps = { config, policy: configToPolicy(config), birds: [client], clock: systemClock };
  const sim = KernelSim.from(loadKernelFixture("bird2-node"));
  pass = await fullPass({ ...deps, dataplane: new FakeDataplane(sim) }, { apply: false });
  const synced = await fullPass({ ...deps, dataplane: new FakeDataplane(sim) }, { apply: true });
  expect(synced.applied?.failed).toBe(0);
  inSyncPass = await fullPass({ ...deps, dataplane: new FakeDataplane(sim) }, { apply: false });
});
afterAll(async () => { client.close(); await fake.close(); });

describe("reconcile report", () => {
  it("is valid against the schema, with the right summary", () => {
    const r = PlanReportSchema.parse(JSON.parse(JSON.stringify(buildPlanReport(pass, "plan"))));
    expect(r.inSync).toBe(false);
    expect(r.summary).toMatchObject({ operations: 4, add: 4, delete: 0, conflicts: 0, drift: 0 });
    expect(r.operations.map((o) => o.kind)).toEqual(["address.add", "route.add", "route.add", "rule.add"]);
    expect(r.tables).toEqual({ "10.111.100.9": 1000 });
    expect(r.observation.bird.kernelProtocols).toEqual([expect.objectContaining({ name: "kernel1", routes: 311, metric: 32 })]);
  });
  it("says in sync after the apply", () => {
    const r = buildPlanReport(inSyncPass, "plan");
    expect(r.inSync).toBe(true);
    expect(renderPlanText(r, false)).toMatch(/in sync: nothing to do\n$/);
  });
  it("renders grouped text with markers, and colour only when asked", () => {
    const text = renderPlanText(buildPlanReport(pass, "plan"), false);
    expect(text).toContain("address operations (1)\n  + missing: 10.111.100.9/32 dev lo label lo:fw");
    expect(text).toContain("rule operations (1)\n  + missing: 1000: from 10.111.100.9/32 lookup 1000");
    expect(text).toMatch(/plan: 4 to add, 0 to replace, 0 to delete/);
    expect(text).not.toContain("\u001b[");
    expect(renderPlanText(buildPlanReport(pass, "plan"), true)).toContain("\u001b[32m+\u001b[0m");
  });
  it("proto/plan.schema.json is current (regenerate: npx tsx scripts/gen-config-schema.ts)", () => {
    expect(readFileSync(new URL("../../../proto/plan.schema.json", import.meta.url), "utf8")).toBe(renderPlanReportJsonSchema());
  });
});
