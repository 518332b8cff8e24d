// BIRD 2's kernel-sync failure, reproduced against a real BIRD 2 (the two-uplink lab, `scan time
// 2`): another protocol's route takes the kernel key (table, destination, TOS, metric 32) of a
// route BIRD exports, and fibwarden must report it and leave it alone.
//
// What BIRD 2.0.12 really does (checked on Debian bookworm, kernel 6.x):
// - Nothing happens until BIRD's next kernel scan (it ignores netlink notifications about its own
//   routes). At that scan it finds its route gone and re-adds it with a netlink add that does not
//   replace (NLM_F_EXCL): the kernel answers EEXIST and BIRD logs one line per failed route,
//   without naming it:   `2026-11-22 20:04:01.212 <WARN> Netlink: File exists`
// - From then on `show route` and `show route export kernel1` print `!` instead of `*` on the
//   primary route, e.g.  ` 10.200.1.0/24        unicast [up_a4 20:03:53.953] ! (100) [AS65000i]`
//   The other (non-primary) routes of that network have no mark, as before.
// - BIRD does not give up: it tries again, and logs `Netlink: File exists` again, at every scan
//   (every 2 s here), but never evicts the foreign route. As soon as the foreign route is gone,
//   the next scan installs BIRD's route again and the `!` turns back into `*`.
// - The same happens when BIRD's route is deleted and a foreign route with the same key is added
//   before BIRD's next scan (the scan cannot tell the two apart).
// BIRD 1.6.8 behaves the same way (checked by hand: `!`, "Netlink: File exists" every scan).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BirdClient } from "../../src/adapters/bird/client.js";
import { showExportedRoutes, streamRoutes } from "../../src/adapters/bird/queries.js";
import type { BirdRoute } from "../../src/core/bird/route-types.js";
import { buildProtectedRoutes, defaultBirdKernelMetric } from "../../src/core/desired/protected.js";
import { routeKey } from "../../src/core/model/keys.js";
import type { Route } from "../../src/core/model/route.js";
import type { Family } from "../../src/core/net/ip.js";
import { defaultOwnershipPolicy } from "../../src/core/ownership.js";
import { parseIpRoutes } from "../../src/core/parse/ip-json.js";
import { plan } from "../../src/core/plan/plan.js";
import type { Plan, PlanOp, PlanOptions } from "../../src/core/plan/types.js";
import { buildTwoUplinkTopology, checkLabSupport, DEADLINE_MS, pollUntil, waitFor, type TwoUplinkTopology } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[bird-sync-failure.test] SKIPPING: ${support.reason}\n`);

const MAIN = 254;
const PROTO_STATIC = 4;
const PROTO_BIRD = 12;
const METRIC = defaultBirdKernelMetric(2, 4); // 32, the same for IPv6
const NETLINK_EEXIST = /<WARN> Netlink: File exists$/;

interface Snapshot {
  exported: BirdRoute[];
  protectedRoutes: Route[];
  live: Route[];
}

function planFor(s: Snapshot, options: Partial<PlanOptions> = {}): Plan {
  return plan(
    { routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes: s.protectedRoutes },
    { routes: s.live, rules: [], addresses: [], sysctls: [] },
    defaultOwnershipPolicy(),
    { observationComplete: true, repairProtected: "report", ...options },
  );
}

function opRouteKey(op: PlanOp): string | undefined {
  return "route" in op ? routeKey(op.route) : undefined;
}

describe.skipIf(!support.ok)("BIRD 2 kernel-sync failure: a foreign route holds the key of a route BIRD exports", () => {
  const get = useLab((lab) => buildTwoUplinkTopology(lab), { name: "bird-sync-failure" });
  const topo = (): TwoUplinkTopology => get().value;
  const kernelProtocol = (family: Family): string => (family === 4 ? topo().plan.kernelProtocols.v4 : topo().plan.kernelProtocols.v6);
  const expectedCount = (family: Family): number => {
    const p = topo().plan.prefixes;
    return family === 4 ? p.routed4.length + p.ecmp4.length : p.routed6.length + p.ecmp6.length;
  };

  async function snapshot(client: BirdClient, family: Family): Promise<Snapshot> {
    const exported: BirdRoute[] = [];
    await showExportedRoutes(client, kernelProtocol(family), (r) => exported.push(r));
    const built = buildProtectedRoutes(exported, { protocol: kernelProtocol(family), family, table: MAIN, metric: METRIC });
    const live = parseIpRoutes(await topo().ns.node.ip([`-${family}`, "-json", "-details", "route", "show", "table", "all"]), family);
    return { exported, protectedRoutes: built.routes, live };
  }

  /** Polls until BIRD and the kernel agree on every exported route, with no `!` left (bounded). */
  async function waitInSync(client: BirdClient, family: Family): Promise<Snapshot> {
    return pollUntil(async () => {
      const s = await snapshot(client, family);
      const p = planFor(s);
      const done = p.drift.length === 0 && s.protectedRoutes.length === expectedCount(family) && !s.exported.some((r) => r.syncError);
      return { done, value: s, detail: `${s.protectedRoutes.length} exported; drift: ${p.drift.map((d) => d.message).join("; ")}` };
    }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 250, what: `${kernelProtocol(family)} in sync` });
  }

  /** Polls `show route <prefix>` until BIRD marks its primary route `!`; returns the parsed routes. */
  async function waitForSyncError(client: BirdClient, prefix: string): Promise<BirdRoute[]> {
    return pollUntil(async () => {
      const routes: BirdRoute[] = [];
      await streamRoutes(client, `show route ${prefix}`, (r) => routes.push(r));
      const primary = routes.find((r) => r.primary);
      return { done: primary?.syncError === true, value: routes, detail: JSON.stringify(routes) };
    }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 200, what: `BIRD's "!" on ${prefix}` });
  }

  function countEexist(): number {
    return readFileSync(topo().birds.node.logPath, "utf8").split("\n").filter((l) => NETLINK_EEXIST.test(l)).length;
  }

  /** Checks BIRD's and fibwarden's view of `prefix`, whose kernel key a `proto static` route holds. */
  async function expectOverwritten(client: BirdClient, family: Family, prefix: string): Promise<void> {
    const bird = topo().birds.node;
    // (1) BIRD fails to re-install at its next scan and marks the route `!`.
    const routes = await waitForSyncError(client, prefix);
    expect(routes.filter((r) => r.primary)).toHaveLength(1);
    expect(routes.filter((r) => !r.primary).every((r) => !r.syncError)).toBe(true);
    const raw = await bird.query(`show route ${prefix}`);
    expect(raw).toMatch(new RegExp(`^(1007-)? ${prefix.replace(/[.]/g, "\\.")}\\s+unicast \\[\\S+ [^\\]]+\\] ! \\(100\\) \\[AS65000i\\]$`, "m"));

    // It keeps trying at every scan: two more failures, 2 s apart, without evicting the foreign route.
    const failures = countEexist();
    expect(failures).toBeGreaterThan(0);
    await waitFor(() => countEexist() >= failures + 2, { timeoutMs: DEADLINE_MS.bird, intervalMs: 250, what: "two more `Netlink: File exists` lines in BIRD's log" });

    const s = await snapshot(client, family);
    const exported = s.exported.find((r) => r.network === prefix);
    expect(exported?.syncError).toBe(true);
    expect(s.exported.filter((r) => r.syncError).map((r) => r.network)).toEqual([prefix]);
    const expected = s.protectedRoutes.find((r) => r.dst === prefix)!;
    const key = routeKey(expected);
    const holders = s.live.filter((r) => routeKey(r) === key);
    expect(holders).toHaveLength(1);
    expect(holders[0]).toMatchObject({ protocol: PROTO_STATIC, metric: METRIC, table: MAIN, nexthops: [{ dev: topo().plan.gw.node.ifname }] });
    const foreign = holders[0]!;

    // (2) fibwarden reports it, and never touches the foreign route, even when asked to repair.
    const report = planFor(s);
    expect(report.drift).toEqual([expect.objectContaining({ kind: "overwritten", key, expected, live: foreign, repaired: false })]);
    expect(report.conflicts).toEqual([expect.objectContaining({
      object: "route", reason: "protected-overwritten", key, desired: expected, holder: foreign, holderOwnership: "alien",
    })]);
    expect(report.ops).toEqual([]);
    const repair = planFor(s, { repairProtected: "reinstall" });
    expect(repair.drift.map((d) => [d.kind, d.key])).toEqual([["overwritten", key]]);
    expect([...repair.ops, ...repair.withheld].filter((op) => opRouteKey(op) === key)).toEqual([]);
    expect(repair.ops).toEqual([]);
  }

  /** The foreign agent withdraws its route: BIRD's next scan installs its own again and drops the `!`. */
  async function expectRetaken(client: BirdClient, family: Family, prefix: string): Promise<void> {
    await topo().ns.node.ip([`-${family}`, "route", "del", prefix, "proto", "static", "metric", String(METRIC)]);
    const s = await waitInSync(client, family);
    expect(s.live.find((r) => r.dst === prefix)).toMatchObject({ protocol: PROTO_BIRD, metric: METRIC });
    expect(planFor(s).drift).toEqual([]);
    const routes: BirdRoute[] = [];
    await streamRoutes(client, `show route ${prefix}`, (r) => routes.push(r));
    expect(routes.filter((r) => r.primary).map((r) => r.syncError)).toEqual([false]);
  }

  /** Best effort, so that a failed test does not leave its foreign route to the next one. */
  async function removeForeign(family: Family, prefix: string): Promise<void> {
    await topo().ns.node.ip([`-${family}`, "route", "del", prefix, "proto", "static", "metric", String(METRIC)]).catch(() => undefined);
  }

  it("`ip route replace` over BIRD's route: BIRD marks it `!` and retries every scan; plan reports overwritten; BIRD re-takes it once the foreign route goes (IPv4 and IPv6)", async () => {
    const { plan: p } = topo();
    const dev = p.gw.node.ifname;
    const c = new BirdClient({ socketPath: topo().birds.node.socketPath });
    try {
      for (const [family, prefix] of [[4, p.prefixes.routed4[1]!], [6, p.prefixes.routed6[0]!]] as const) {
        try {
          const before = await waitInSync(c, family);
          expect(before.live.find((r) => r.dst === prefix)).toMatchObject({ protocol: PROTO_BIRD, metric: METRIC });
          await topo().ns.node.ip([`-${family}`, "route", "replace", prefix, "dev", dev, "proto", "static", "metric", String(METRIC)]);
          await expectOverwritten(c, family, prefix);
          await expectRetaken(c, family, prefix);
        } finally { await removeForeign(family, prefix); }
      }
    } finally { c.close(); }
  });

  it("BIRD's route deleted and a foreign one added before BIRD's next scan: the same `!` and the same report", async () => {
    const { plan: p } = topo();
    const bird = topo().birds.node;
    const prefix = p.prefixes.routed4[2]!;
    const c = new BirdClient({ socketPath: bird.socketPath });
    const pid = bird.pid;
    if (pid === undefined) throw new Error("node BIRD is not running");
    try {
      await waitInSync(c, 4);
      // Pause BIRD (well under its 9 s BGP hold time) so that its 2 s scan cannot fall between
      // the delete and the add.
      process.kill(pid, "SIGSTOP");
      try {
        await topo().ns.node.ip(["-batch", "-"], {
          input: `route del ${prefix} proto bird metric ${METRIC}\nroute add ${prefix} dev ${p.gw.node.ifname} proto static metric ${METRIC}\n`,
        });
      } finally {
        process.kill(pid, "SIGCONT");
      }
      await expectOverwritten(c, 4, prefix);
      await expectRetaken(c, 4, prefix);
    } finally {
      try { process.kill(pid, "SIGCONT"); } catch { /* gone */ }
      await removeForeign(4, prefix);
      c.close();
    }
  });
});
