// Runs the example of docs/library.md (examples/speaker.mjs) against a real BIRD 2 in a lab
// namespace, as a user would: `node examples/speaker.mjs VIP` importing "fibwarden".
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { buildTwoUplinkTopology, checkLabSupport, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { ensureBuilt } from "../support/cli.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[library-example.test] SKIPPING: ${support.reason}\n`);
const EXAMPLE = fileURLToPath(new URL("../../examples/speaker.mjs", import.meta.url));

describe.skipIf(!support.ok)("docs/library.md example", () => {
  const get = useLab(buildTwoUplinkTopology, { name: "libex" });
  const topo = (): TwoUplinkTopology => get().value;

  it("announces the VIP, applies, and ends in sync", async () => {
    await ensureBuilt();
    const r = await execa(process.execPath, [EXAMPLE, "10.111.100.7"], {
      reject: false, timeout: 60_000,
      env: { FIBWARDEN_BIRD_SOCKET: topo().birds.node.socketPath, FIBWARDEN_NETNS: topo().ns.node.name },
    });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/plan: 2 operations, observation complete: true/);
    expect(r.stdout).toMatch(/applied: 2 ok, 0 failed/);
    expect(r.stdout).toMatch(/in sync: true/);
    expect(await topo().ns.node.ip(["-4", "addr", "show", "dev", "lo"])).toContain("10.111.100.7/32");
    expect(await topo().ns.node.ip(["-4", "route", "show", "table", "198"])).toContain("10.111.100.7 dev lo proto 201");
  });
});
