// fibwarden against BIRD 1.6 run as calico-node runs it: two daemons on the node, `bird` (IPv4,
// bird.ctl) and `bird6` (IPv6, bird6.ctl), each with a kernel protocol `kernel1` exporting its
// BGP routes into the main table, and eBGP (v4 and v6) on two links to a BIRD 2 router.
//
// What BIRD 1.6.8 really does here (checked on Debian bookworm, kernel 6.x, iproute2 6.1):
// - `bird` installs IPv4 routes with metric 0 (`ip -json -d` prints no `metric` at all) and
//   `bird6` IPv6 routes with metric 1024 (it sends none; the kernel's IPv6 default applies), both
//   `proto bird`; equal BGP paths from both links become one multipath route (`merge paths on`),
//   shown by `show route export kernel1` as a `multipath` line without a `*`.
// - A route deleted by someone else is not noticed until the next kernel scan (BIRD 1.6 ignores
//   netlink notifications about `proto bird` routes); the scan then installs it again.
//
// Needs the 1.6 binaries: `bash scripts/fetch-bird16.sh` unpacks them into .cache/bird16/.
import { describe, expect, it } from "vitest";
import { BirdClient } from "../../src/adapters/bird/client.js";
import { showExportedRoutes, showProtocols, showStatus } from "../../src/adapters/bird/queries.js";
import type { BirdRoute } from "../../src/core/bird/route-types.js";
import { buildProtectedRoutes, defaultBirdKernelMetric } from "../../src/core/desired/protected.js";
import { routeKey } from "../../src/core/model/keys.js";
import type { Route } from "../../src/core/model/route.js";
import type { Family } from "../../src/core/net/ip.js";
import { defaultOwnershipPolicy } from "../../src/core/ownership.js";
import { parseIpRoutes } from "../../src/core/parse/ip-json.js";
import { plan } from "../../src/core/plan/plan.js";
import type { Plan, PlanOptions } from "../../src/core/plan/types.js";
import { buildBird16Topology, locateBird16, type Bird16Binaries, type Bird16Topology } from "../lab/bird16.js";
import { checkLabSupport, DEADLINE_MS, pollUntil, type BirdHandle } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";

const lab = checkLabSupport();
const bird16 = locateBird16();
const skipReason = !lab.ok ? lab.reason : !bird16.ok ? bird16.reason : undefined;
if (skipReason !== undefined) console.warn(`\n[bird16.test] SKIPPING BIRD 1.6 integration tests: ${skipReason}\n`);
const binaries = (): Bird16Binaries => {
  if (!bird16.ok) throw new Error(bird16.reason);
  return bird16.binaries;
};

const KERNEL_PROTOCOL = "kernel1";
const MAIN = 254;
/** What `ip -json -d` shows for BIRD 1.6's routes, per family (see the header). */
const BIRD16_KERNEL_METRIC = { 4: 0, 6: 1024 } as const;

/** Everything one daemon exports to its kernel protocol, and the kernel state it must match. */
interface Snapshot {
  exported: BirdRoute[];
  protectedRoutes: Route[];
  live: Route[];
  plan: Plan;
}

async function readLive(topo: Bird16Topology, family: Family): Promise<Route[]> {
  return parseIpRoutes(await topo.ns.node.ip([`-${family}`, "-json", "-details", "route", "show", "table", "all"]), family);
}

function planFor(protectedRoutes: Route[], live: Route[], options: Partial<PlanOptions> = {}): Plan {
  return plan(
    { routes: [], rules: [], addresses: [], sysctls: [], protectedRoutes },
    { routes: live, rules: [], addresses: [], sysctls: [] },
    defaultOwnershipPolicy(),
    { observationComplete: true, repairProtected: "report", ...options },
  );
}

async function exportedRoutes(client: BirdClient): Promise<BirdRoute[]> {
  const exported: BirdRoute[] = [];
  await showExportedRoutes(client, KERNEL_PROTOCOL, (r) => exported.push(r));
  return exported;
}

async function snapshot(topo: Bird16Topology, client: BirdClient, family: Family): Promise<Snapshot> {
  const exported = await exportedRoutes(client);
  const built = buildProtectedRoutes(exported, {
    protocol: KERNEL_PROTOCOL, family, table: MAIN, metric: defaultBirdKernelMetric(1, family),
  });
  expect(built.skipped).toEqual([]);
  const live = await readLive(topo, family);
  return { exported, protectedRoutes: built.routes, live, plan: planFor(built.routes, live) };
}

/** Polls until BIRD exports `expectedCount` routes, the kernel holds them all and `accept` agrees (bounded). */
async function waitInSync(
  topo: Bird16Topology, client: BirdClient, family: Family, expectedCount: number, accept: (s: Snapshot) => boolean = () => true,
): Promise<Snapshot> {
  return pollUntil(async () => {
    const s = await snapshot(topo, client, family);
    const done = s.plan.drift.length === 0 && s.protectedRoutes.length === expectedCount && accept(s);
    return { done, value: s, detail: `${s.protectedRoutes.length}/${expectedCount} exported; drift: ${s.plan.drift.map((d) => d.message).join("; ")}` };
  }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 250, what: `bird${family === 6 ? "6" : ""} ${KERNEL_PROTOCOL} in sync with the kernel` });
}

describe.skipIf(skipReason !== undefined)("BIRD 1.6 as calico-node runs it (bird + bird6, two sockets)", () => {
  const get = useLab((l) => buildBird16Topology(l, binaries()), { name: "bird16" });
  const topo = (): Bird16Topology => get().value;
  const daemons = (): ReadonlyArray<{ family: Family; bird: BirdHandle; socket: string; sessions: string[] }> => [
    { family: 4, bird: topo().birds.node4, socket: "bird.ctl", sessions: topo().sessions.node4 },
    { family: 6, bird: topo().birds.node6, socket: "bird6.ctl", sessions: topo().sessions.node6 },
  ];
  const expectedCount = (family: Family): number => {
    const p = topo().plan.prefixes;
    return family === 4 ? p.routed4.length + p.ecmp4.length : p.routed6.length + p.ecmp6.length;
  };

  it("each daemon greets as BIRD 1.6 (dialect 1) on its own socket, bird.ctl and bird6.ctl", async () => {
    for (const d of daemons()) {
      expect(d.bird.socketPath.endsWith(`/${d.socket}`)).toBe(true);
      const c = new BirdClient({ socketPath: d.bird.socketPath });
      try {
        expect(await c.connect()).toBe(binaries().version);
        expect(c.version).toMatch(/^1\.6\./);
        expect(c.dialect).toBe(1);
        const status = await showStatus(c);
        expect(status.up).toBe(true);
      } finally { c.close(); }
    }
  });

  it("`show protocols all` parses for both daemons, with the legacy family as the implicit channel", async () => {
    const { plan: p } = topo();
    for (const d of daemons()) {
      const c = new BirdClient({ socketPath: d.bird.socketPath });
      try {
        // Route counts move while the sessions deliver their routes: wait until every session has
        // imported, and the kernel protocol exported, all the router announces (bounded).
        const protocols = await pollUntil(async () => {
          const rows = await showProtocols(c, true, d.family);
          const counts = rows.map((x) => `${x.name} ${x.channels[0]?.routes?.imported ?? "-"}/${x.channels[0]?.routes?.exported ?? "-"}`);
          const done = rows.find((x) => x.name === KERNEL_PROTOCOL)?.channels[0]?.routes?.exported === expectedCount(d.family)
            && d.sessions.every((name) => rows.find((x) => x.name === name)?.channels[0]?.routes?.imported === expectedCount(d.family));
          return { done, value: rows, detail: `imported/exported: ${counts.join(", ")}` };
        }, { timeoutMs: DEADLINE_MS.bird, what: `bird${d.family === 6 ? "6" : ""}'s sessions to import and ${KERNEL_PROTOCOL} to export ${expectedCount(d.family)} routes` });
        const channelName = d.family === 4 ? "ipv4" : "ipv6";
        expect(protocols.map((x) => x.name).sort()).toEqual(["device1", KERNEL_PROTOCOL, ...d.sessions].sort());
        for (const x of protocols) {
          expect(x.table).toBe("master");
          expect(x.state).toBe("up");
          expect(x.channels.map((ch) => ch.name)).toEqual([channelName]);
        }
        const kernel = protocols.find((x) => x.name === KERNEL_PROTOCOL)!;
        expect(kernel.proto).toBe("Kernel");
        expect(kernel.channels[0]!.inputFilter).toBe("REJECT");
        expect(kernel.channels[0]!.routes?.exported).toBe(expectedCount(d.family));
        const bgp = protocols.filter((x) => x.proto === "BGP");
        expect(bgp.map((x) => x.name).sort()).toEqual([...d.sessions].sort());
        for (const [i, uplink] of [p.uplinks.a, p.uplinks.b].entries()) {
          const session = bgp.find((x) => x.name === d.sessions[i])!;
          expect(session.info).toMatch(/^Established\b/);
          expect(session.bgp?.state).toBe("Established");
          expect(session.bgp?.neighborAddress).toBe(d.family === 4 ? uplink.router.ipv4 : uplink.router.ipv6);
          expect(session.bgp?.neighborAs).toBe(p.asn.router);
          expect(session.channels[0]!.routes?.imported).toBe(expectedCount(d.family));
        }
        // Without an explicit family a dialect-1 connection is taken as `bird` (IPv4).
        const implicit = await showProtocols(c, false);
        expect(implicit.find((x) => x.name === KERNEL_PROTOCOL)?.channels ?? []).toEqual([]);
      } finally { c.close(); }
    }
  });

  it("what each daemon exports to kernel1 is what the kernel holds: IPv4 metric 0, IPv6 metric 1024, ECMP merged", async () => {
    const { plan: p } = topo();
    for (const d of daemons()) {
      expect(defaultBirdKernelMetric(1, d.family)).toBe(BIRD16_KERNEL_METRIC[d.family]);
      const c = new BirdClient({ socketPath: d.bird.socketPath });
      try {
        const s = await waitInSync(topo(), c, d.family, expectedCount(d.family));
        expect(s.plan.drift).toEqual([]);
        expect(s.plan.conflicts).toEqual([]);
        expect(s.plan.ops).toEqual([]);
        for (const r of s.exported) expect(r.syncError).toBe(false);

        const birdRoutes = s.live.filter((r) => r.protocol === 12);
        expect(birdRoutes.map((r) => r.dst).sort()).toEqual(s.protectedRoutes.map((r) => r.dst).sort());
        for (const r of birdRoutes) {
          expect(r.table).toBe(MAIN);
          expect(r.metric).toBe(BIRD16_KERNEL_METRIC[d.family]);
        }
        // What `ip` itself prints: no metric for IPv4 (0), 1024 for IPv6.
        const raw = JSON.parse(await topo().ns.node.ip([`-${d.family}`, "-json", "-details", "route", "show", "proto", "bird"])) as Array<{ metric?: number }>;
        expect(raw.length).toBe(birdRoutes.length);
        for (const r of raw) expect(r.metric).toBe(d.family === 4 ? undefined : 1024);

        // The prefix the router announces equally on both links is one multipath route.
        const ecmpPrefix = d.family === 4 ? p.prefixes.ecmp4[0]! : p.prefixes.ecmp6[0]!;
        const ecmp = birdRoutes.find((r) => r.dst === ecmpPrefix);
        expect(ecmp?.nexthops.map((n) => n.gateway).sort()).toEqual(
          d.family === 4 ? [p.uplinks.a.router.ipv4, p.uplinks.b.router.ipv4] : [p.uplinks.a.router.ipv6, p.uplinks.b.router.ipv6],
        );
        const ecmpExport = s.exported.find((r) => r.network === ecmpPrefix);
        expect(ecmpExport?.nexthops.length).toBe(2);
      } finally { c.close(); }
    }
  });

  it("a foreign agent deletes one of BIRD's routes: plan reports exactly that route missing, and BIRD's next scan reinstalls it", async () => {
    const { plan: p } = topo();
    for (const d of daemons()) {
      const victim = d.family === 4 ? p.prefixes.routed4[2]! : p.prefixes.routed6[0]!;
      const metric = BIRD16_KERNEL_METRIC[d.family];
      const c = new BirdClient({ socketPath: d.bird.socketPath });
      const pid = d.bird.pid;
      if (pid === undefined) throw new Error(`BIRD ${d.bird.name} is not running`);
      try {
        const before = await waitInSync(topo(), c, d.family, expectedCount(d.family));
        const expected = before.protectedRoutes.find((r) => r.dst === victim)!;
        expect(expected).toBeDefined();
        // BIRD rescans the kernel every 2 s and would reinstall the route at once: pause it for
        // the few hundred milliseconds the deletion and the observation take (well under the
        // 9 s BGP hold time), so that the test sees what an audit between two scans sees.
        process.kill(pid, "SIGSTOP");
        let live: Route[];
        try {
          await topo().ns.node.ip([`-${d.family}`, "route", "del", victim, "proto", "bird", "metric", String(metric)]);
          live = await readLive(topo(), d.family);
        } finally {
          process.kill(pid, "SIGCONT");
        }
        expect(live.some((r) => r.dst === victim)).toBe(false);

        const report = planFor(before.protectedRoutes, live);
        expect(report.drift).toHaveLength(1);
        expect(report.drift[0]).toMatchObject({ kind: "missing", key: routeKey(expected), expected, repaired: false });
        expect(report.ops).toEqual([]);
        const repair = planFor(before.protectedRoutes, live, { repairProtected: "reinstall" });
        expect(repair.ops).toEqual([expect.objectContaining({ kind: "route.add", route: expected })]);

        // BIRD 1.6 puts it back by itself at its next scan.
        const after = await waitInSync(topo(), c, d.family, expectedCount(d.family),
          (s) => s.live.some((r) => r.dst === victim && r.protocol === 12));
        expect(after.live.find((r) => r.dst === victim)).toEqual(expected);
      } finally {
        try { process.kill(pid, "SIGCONT"); } catch { /* gone */ }
        c.close();
      }
    }
  });
});
