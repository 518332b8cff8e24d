// The BIRD client against a real BIRD 2 in network namespaces (test/lab): what it parses as
// exported to the kernel protocol must be what `ip -json route` shows in that namespace.
import { describe, expect, it } from "vitest";
import { BirdClient } from "../../src/adapters/bird/client.js";
import { runBirdCommand } from "../../src/cli/bird.js";
import { showExportedRoutes, showProtocols, showRouteCount, showStatus, streamRoutes } from "../../src/adapters/bird/queries.js";
import { isBirdCommandError } from "../../src/core/bird/reply-codes.js";
import { buildProtectedRoutes } from "../../src/core/desired/protected.js";
import { isFibwardenError } from "../../src/core/errors.js";
import type { BirdRoute } from "../../src/core/bird/route-types.js";
import { parseIpRoutes } from "../../src/core/parse/ip-json.js";
import { defaultOwnershipPolicy } from "../../src/core/ownership.js";
import { plan } from "../../src/core/plan/plan.js";
import { announcedPrefixes, buildTwoUplinkTopology, checkLabSupport, DEADLINE_MS, pollUntil, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[bird-client.test] SKIPPING: ${support.reason}\n`);

async function catchErr(p: Promise<unknown>): Promise<unknown> {
  try { await p; } catch (e) { return e; }
  return undefined;
}

describe.skipIf(!support.ok)("BIRD client against real BIRD 2", () => {
  const get = useLab(buildTwoUplinkTopology, { name: "bird-client" });
  const topo = (): TwoUplinkTopology => get().value;
  const client = (opts: Partial<ConstructorParameters<typeof BirdClient>[0]> = {}) =>
    new BirdClient({ socketPath: topo().birds.node.socketPath, ...opts });

  it("reads the greeting, restricts, and parses show status and show protocols all", async () => {
    const c = client();
    try {
      const status = await showStatus(c);
      expect(c.version).toMatch(/^2\./);
      expect(c.dialect).toBe(2);
      expect(status.up).toBe(true);
      const protocols = await showProtocols(c, true).catch((e: unknown) => {
        throw new Error(`show protocols all failed: ${String(e)} ${JSON.stringify((e as { details?: unknown }).details)}`);
      });
      const bgp = protocols.filter((p) => p.proto === "BGP");
      expect(bgp.map((p) => p.name).sort()).toEqual(["up_a4", "up_a6", "up_b4", "up_b6"]);
      for (const p of bgp) expect(p.bgp?.state).toBe("Established");
      expect(bgp.find((p) => p.name === "up_b4")?.bgp?.neighborAddress).toBe("10.111.2.1");
      // restricted: a write command is refused with a typed error
      const err = await catchErr(c.request("configure", new (await import("../../src/core/bird/status.js")).StatusParser()));
      expect(isBirdCommandError(err)).toBe(true);
    } finally { c.close(); }
  });

  it("what BIRD exports to kernel1/kernel2 is exactly what the kernel holds (ECMP included)", async () => {
    const c = client();
    try {
      const policy = defaultOwnershipPolicy();
      for (const [proto, family] of [["kernel1", 4], ["kernel2", 6]] as const) {
        const { linkA, ecmp: ecmpPrefixes } = announcedPrefixes(topo().plan, family, false);
        const expected = linkA.length + ecmpPrefixes.length;
        // BIRD exports each route as its session delivers it and writes the kernel after: wait
        // until it exports every announced prefix, the ECMP ones with both paths, and the kernel agrees
        const result = await pollUntil(async () => {
          const exported: BirdRoute[] = [];
          await showExportedRoutes(c, proto, (r) => exported.push(r));
          const built = buildProtectedRoutes(exported, { protocol: proto, family, table: 254, metric: 32 });
          const live = parseIpRoutes(await topo().ns.node.ip([`-${family}`, "-json", "-details", "route", "show", "table", "all"]), family);
          const p = plan({ routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: built.routes }, { routes: live, rules: [], addresses: [], sysctls: [] }, policy, { observationComplete: true, repairProtected: "report" });
          const merged = built.routes.filter((r) => r.nexthops.length === 2).length;
          const done = p.drift.length === 0 && built.routes.length === expected && merged === ecmpPrefixes.length;
          return { done, value: { built, live }, detail: `${built.routes.length}/${expected} exported, ${merged} with two paths; drift: ${p.drift.map((d) => d.message).join("; ")}` };
        }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 250, what: `${proto} exporting all ${expected} routes, in sync with the kernel` });
        const ecmp = result.built.routes.filter((r) => r.nexthops.length === 2);
        expect(ecmp.length, `${proto} has an ECMP route`).toBeGreaterThan(0);
        expect(result.live.filter((r) => r.protocol === 12 && r.family === family).length).toBe(result.built.routes.length);
      }
    } finally { c.close(); }
  });

  it("queues concurrent requests on one connection and counts routes", async () => {
    const c = client();
    try {
      const [count, n, status] = await Promise.all([showRouteCount(c), streamRoutes(c, "show route", () => undefined), showStatus(c)]);
      expect(n).toBeGreaterThan(0);
      expect(count.tables.length).toBeGreaterThan(0);
      expect(status.up).toBe(true);
    } finally { c.close(); }
  });

  it("an error reply is a typed BirdCommandError, and the connection stays usable", async () => {
    const c = client();
    try {
      const err = await catchErr(streamRoutes(c, "show route protocol nonexistent", () => undefined));
      expect(isBirdCommandError(err)).toBe(true);
      expect((await showStatus(c)).up).toBe(true);
    } finally { c.close(); }
  });

  it("a socket path that does not exist fails fast with FW_BIRD_UNAVAILABLE, then backs off", async () => {
    const c = new BirdClient({ socketPath: `${topo().birds.node.socketPath}.missing`, backoffInitialMs: 60_000 });
    const first = await catchErr(showStatus(c));
    expect(isFibwardenError(first, "FW_BIRD_UNAVAILABLE")).toBe(true);
    expect((first as Error).message).toContain(".missing");
    const second = await catchErr(showStatus(c));
    expect((second as Error).message).toMatch(/backoff/);
  });

  it("a BIRD that stops answering mid-session times out (SIGSTOP), and a restarted BIRD is reconnected", async () => {
    const bird = topo().birds.node;
    // 2 s of silence is a timeout: long enough for a resumed BIRD on a busy machine to answer
    const c = client({ idleTimeoutMs: 2_000, backoffInitialMs: 50, backoffMaxMs: 200 });
    try {
      await showStatus(c);
      process.kill(bird.pid!, "SIGSTOP");
      const err = await catchErr(streamRoutes(c, "show route all", () => undefined));
      process.kill(bird.pid!, "SIGCONT");
      expect(isFibwardenError(err, "FW_BIRD_TIMEOUT"), `a stopped BIRD must time out; got ${err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err)}`).toBe(true);
      expect((err as { retryable: boolean }).retryable).toBe(true);
      // the cut connection is dropped; the next request reconnects
      expect((await showStatus(c)).up).toBe(true);
      await bird.restart();
      const afterRestart = await pollUntil(async () => ({ done: true, value: await showStatus(c) }),
        { timeoutMs: DEADLINE_MS.state, intervalMs: 100, what: "reconnect after restart" });
      expect(afterRestart.up).toBe(true);
    } finally {
      try { process.kill(bird.pid!, "SIGCONT"); } catch { /* gone */ }
      c.close();
    }
  });

  it("`fibwarden bird` prints parsed JSON, streams routes as JSON lines, and --raw passes BIRD's lines through", async () => {
    const socket = topo().birds.node.socketPath;
    // an earlier test restarts BIRD: wait until it has re-learned its BGP routes (bounded)
    const c = client();
    try {
      await pollUntil(async () => {
        let ecmp = false;
        await showExportedRoutes(c, "kernel1", (r) => { ecmp ||= r.network === "10.201.0.0/16" && r.nexthops.length === 2; });
        return { done: ecmp };
      }, { timeoutMs: DEADLINE_MS.bird, what: "the ECMP route after BIRD's restart" });
    } finally { c.close(); }
    const run = async (args: string[]) => {
      let out = "";
      let err = "";
      const code = await runBirdCommand(args, (t) => { out += t; }, (t) => { err += t; });
      return { code, out, err };
    };
    const protos = await run(["--socket", socket, "show", "protocols", "all"]);
    expect(protos, protos.err).toMatchObject({ code: 0 });
    expect((JSON.parse(protos.out) as Array<{ name: string }>).map((p) => p.name)).toContain("up_a4");
    const routes = await run(["--socket", socket, "show", "route", "export", "kernel1"]);
    expect(routes.code).toBe(0);
    const lines = routes.out.trim().split("\n").map((l) => JSON.parse(l) as { network: string });
    expect(lines.some((r) => r.network === "10.201.0.0/16")).toBe(true);
    expect(routes.err).toBe(`${lines.length} routes\n`);
    const raw = await run(["--socket", socket, "--raw", "show", "status"]);
    expect(raw.out).toMatch(/^1000 BIRD 2\./m);
    expect(raw.out).toMatch(/^0013 Daemon is up and running/m);
    const bad = await run(["--socket", `${socket}.nope`, "show", "status"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/FW_BIRD_UNAVAILABLE: .*\.nope/);
  });
});
