// showExportedRoute (one network) and the BIRD signature against real BIRD 2 and BIRD 1.6
// (`bird` + `bird6`), each in a namespace of its own with static routes towards a peer namespace:
//   n2 (BIRD 2) ─ d0 ══ d1 ─ p2          n16 (bird, bird6 1.6) ─ d0 ══ d1 ─ p16
// What BIRD does, seen here (BIRD 2.0.12, 1.6.8):
// - `show route <net> export <kernel protocol>` prints what the full `show route export <p>`
//   prints for that net: one route, with every path when `merge paths on` merged several.
// - A net BIRD has but the protocol's export filter rejects: `0000` alone. A net BIRD does not
//   have: `8001 Network not found` (1.6: `8001 Network not in table`).
// - A prefix of the other family: 9001 (BIRD 2 `No valid tables`; 1.6 `This is an IPv4
//   router, therefore IPv6 addresses are not supported`).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BirdClient } from "../../src/adapters/bird/client.js";
import { birdPortOf } from "../../src/adapters/bird/port.js";
import { showExportedRoute, showExportedRoutes, streamRoutes } from "../../src/adapters/bird/queries.js";
import { isBirdCommandError } from "../../src/core/bird/reply-codes.js";
import type { BirdRoute } from "../../src/core/bird/route-types.js";
import { readBirdSignature } from "../../src/reconciler/bird-signature.js";
import { locateBird16, startBird16 } from "../lab/bird16.js";
import { checkLabSupport, DEADLINE_MS, pollUntil, type BirdHandle, type Lab } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[bird-export-lookup.test] SKIPPING: ${support.reason}\n`);
const bird16 = locateBird16();
if (support.ok && !bird16.ok) console.warn(`\n[bird-export-lookup.test] SKIPPING the BIRD 1.6 part: ${bird16.reason}\n`);

/** The nets of one family: exported, rejected by the kernel protocol's filter, and absent. */
interface Nets {
  /** Best of two routes with different preferences: exported alone. */
  best: string;
  /** Two static protocols, same preference: one exported route with two paths. */
  ecmp: string;
  others: string[];
  filtered: string;
  missing: string;
  /** A net of the other family. */
  foreign: string;
}

const NETS: Record<4 | 6, Nets> = {
  4: { best: "10.9.1.0/24", ecmp: "10.9.3.0/24", others: ["10.9.4.0/24", "10.9.5.7/32", "0.0.0.0/0"], filtered: "10.9.2.0/24", missing: "10.9.77.0/24", foreign: "fd00:9:1::/48" },
  6: { best: "fd00:9:1::/48", ecmp: "fd00:9:3::/48", others: ["fd00:9:5::7/128"], filtered: "fd00:9:2::/48", missing: "fd00:9:77::/48", foreign: "10.9.1.0/24" },
};
const GW = { 4: ["10.0.0.2", "10.0.0.3"], 6: ["fd00::2", "fd00::3"] } as const;
const TIMERS = "connect delay time 1; connect retry time 1; error wait time 1, 2;";

/** Static routes of one family; `channel` is BIRD 2's channel line (none for 1.6). */
function statics(family: 4 | 6, channel: (pref?: number) => string, v2: boolean): string[] {
  const n = NETS[family];
  const [a, b] = GW[family];
  const extra = family === 4 ? "    route 10.9.4.0/24 blackhole;\n    route 0.0.0.0/0 via 10.0.0.2;\n" : "";
  const last = family === 4 ? "10.9.5.7/32" : "fd00:9:5::7/128";
  return [
    `protocol static st_a${family} {\n  ${channel()}\n    route ${n.best} via ${a};\n    route ${n.filtered} via ${a};\n    route ${n.ecmp} via ${a};\n    route ${last} via ${a};\n${extra}}`,
    `protocol static st_b${family} {\n  ${channel()}\n    route ${n.ecmp} via ${b};\n}`,
    `protocol static st_low${family} {\n  ${channel(50)}\n    route ${n.best} via ${b};\n}`,
  ].map((s) => (v2 ? s : s.replace(/\n {2}\n/, "\n")));
}

function bird2Config(): string {
  const kernel = (name: string, family: 4 | 6) =>
    `protocol kernel ${name} { ipv${family} { import none; export where net != ${NETS[family].filtered}; }; merge paths on; scan time 2; }`;
  return [
    "router id 10.0.0.1;",
    "protocol device { scan time 10; }",
    kernel("kernel1", 4),
    kernel("kernel2", 6),
    ...statics(4, (pref) => (pref === undefined ? "ipv4;" : `ipv4 { preference ${pref}; };`), true),
    ...statics(6, (pref) => (pref === undefined ? "ipv6;" : `ipv6 { preference ${pref}; };`), true),
    // Nobody listens on 10.0.0.2:179: the session cycles through Connect and Active. `debug
    // events` logs each attempt ("peer1: Connecting to 10.0.0.2 ..."), which the signature test counts.
    `protocol bgp peer1 { local 10.0.0.1 as 65001; neighbor 10.0.0.2 as 65002; ${TIMERS} debug { events }; ipv4 { import none; export none; }; }`,
    "",
  ].join("\n");
}

function bird16Config(family: 4 | 6): string {
  return [
    "router id 10.0.0.1;",
    "protocol device { scan time 10; }",
    `protocol kernel kernel1 { import none; export where net != ${NETS[family].filtered}; merge paths on; scan time 2; }`,
    ...statics(family, (pref) => (pref === undefined ? "" : `preference ${pref};`), false),
    "",
  ].join("\n");
}

interface Setup {
  bird2: BirdHandle;
  bird16?: { 4: BirdHandle; 6: BirdHandle };
}

async function build(lab: Lab): Promise<Setup> {
  const addrs = { addrsA: ["10.0.0.1/24", "fd00::1/64"], addrsB: ["10.0.0.2/24", "10.0.0.3/24", "fd00::2/64", "fd00::3/64"] };
  const n2 = await lab.addNamespace("n2");
  await lab.link(n2, "d0", await lab.addNamespace("p2"), "d1", addrs);
  const setup: Setup = { bird2: await lab.startBird(n2, bird2Config()) };
  if (bird16.ok) {
    const n16 = await lab.addNamespace("n16");
    await lab.link(n16, "d0", await lab.addNamespace("p16"), "d1", addrs);
    setup.bird16 = {
      4: await startBird16(lab, n16, 4, bird16Config(4), bird16.binaries),
      6: await startBird16(lab, n16, 6, bird16Config(6), bird16.binaries),
    };
  }
  return setup;
}

/**
 * The full export, once BIRD has settled: every static route of the family resolved and in its
 * table (both routes of the best net, the filtered net), the ECMP net exported with both paths,
 * and the best net with the preferred path only. The static protocols start one after the other
 * and resolve their next hops as BIRD learns the interfaces, so the export moves for a while
 * (e.g. the best net first exported through the low-preference protocol alone).
 */
async function fullExport(client: BirdClient, proto: string, family: 4 | 6): Promise<BirdRoute[]> {
  const n = NETS[family];
  const want = [n.best, n.ecmp, ...n.others];
  return pollUntil(async () => {
    const routes: BirdRoute[] = [];
    await showExportedRoutes(client, proto, (r) => routes.push(r));
    const paths = (net: string) => routes.filter((r) => r.network === net).map((r) => r.nexthops.map((h) => h.gateway).sort().join("+"));
    const inTable = async (net: string) => streamRoutes(client, `show route ${net}`, () => undefined);
    const done = want.every((net) => routes.some((r) => r.network === net))
      && paths(n.ecmp).join() === [...GW[family]].sort().join("+")
      && paths(n.best).join() === GW[family][0]
      && await inTable(n.best) === 2 && await inTable(n.filtered) === 1;
    return { done, value: routes, detail: `exported so far: ${routes.map((r) => `${r.network}/${r.nexthops.length}`).join(" ")}` };
  }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 200, what: `BIRD's export to ${proto} to settle` });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try { await p; } catch (err) { return err; }
  throw new Error("expected a rejection");
}

/** Checks one daemon's kernel protocol: every net's lookup against the full export. */
async function checkLookups(handle: BirdHandle, proto: string, family: 4 | 6): Promise<void> {
  const client = new BirdClient({ socketPath: handle.socketPath });
  try {
    const n = NETS[family];
    const full = await fullExport(client, proto, family);
    const nets = [...new Set(full.map((r) => r.network)), n.filtered, n.missing];
    for (const net of nets) {
      const one: BirdRoute[] = [];
      const count = await showExportedRoute(client, proto, net, (r) => one.push(r));
      // `since` is BIRD's wall-clock rendering of a monotonic timestamp: two replies may print it
      // 1 ms apart (a CI run saw 01:22:44.665 then .664); everything else must be equal.
      const sansSince = (rs: BirdRoute[]) => rs.map(({ since: _since, ...rest }) => rest);
      expect(sansSince(one), net).toEqual(sansSince(full.filter((r) => r.network === net)));
      expect(count, net).toBe(one.length);
    }
    // ECMP merged by `merge paths on`: one route, both paths.
    const ecmp: BirdRoute[] = [];
    await showExportedRoute(client, proto, n.ecmp, (r) => ecmp.push(r));
    expect(ecmp.map((r) => r.nexthops.map((h) => h.gateway).sort())).toEqual([[...GW[family]]]);
    // Best of two: BIRD's table holds both, the kernel protocol gets one.
    expect(await streamRoutes(client, `show route ${n.best}`, () => undefined)).toBe(2);
    const best: BirdRoute[] = [];
    await showExportedRoute(client, proto, n.best, (r) => best.push(r));
    expect(best.map((r) => r.nexthops.map((h) => h.gateway))).toEqual([[GW[family][0]]]);
    // Filtered: in BIRD's table, not exported, and BIRD says so with a lone 0000.
    expect(await streamRoutes(client, `show route ${n.filtered}`, () => undefined)).toBe(1);
    expect(await showExportedRoute(client, proto, n.filtered, () => undefined)).toBe(0);
    expect(await handle.query(`show route ${n.filtered} export ${proto}`)).toBe("0000 \n");
    // Missing: 8001, taken as 0 routes; the client's connection is still usable after it.
    expect(await handle.query(`show route ${n.missing} export ${proto}`)).toMatch(/^8001 Network not (found|in table)\n$/);
    expect(await showExportedRoute(client, proto, n.missing, () => undefined)).toBe(0);
    expect(await showExportedRoute(client, proto, n.ecmp, () => undefined)).toBe(1);
    // The other family: BIRD refuses it (9001).
    expect(isBirdCommandError(await rejection(showExportedRoute(client, proto, n.foreign, () => undefined)), 9001)).toBe(true);
  } finally {
    client.close();
  }
}

describe.skipIf(!support.ok)("one net's export and the BIRD signature against real BIRD", () => {
  const get = useLab(build, { name: "bird-export-lookup" });
  const setup = (): Setup => get().value;

  it("BIRD 2 kernel1 (IPv4): one net's export is that net's part of the full export", async () => {
    await checkLookups(setup().bird2, "kernel1", 4);
  });

  it("BIRD 2 kernel2 (IPv6): the same", async () => {
    await checkLookups(setup().bird2, "kernel2", 6);
  });

  it.skipIf(!bird16.ok)("BIRD 1.6 bird and bird6 kernel1: the same", async () => {
    await checkLookups(setup().bird16![4], "kernel1", 4);
    await checkLookups(setup().bird16![6], "kernel1", 6);
  });

  it("BIRD 2 signature: route changes and a BGP session cycling while down leave it; a kernel protocol restart or a reconfiguration change it", async () => {
    const bird = setup().bird2;
    const client = new BirdClient({ socketPath: bird.socketPath });
    const scope = { kernelProtocols: ["kernel1", "kernel2"], bgpPeers: ["peer1"] };
    const port = birdPortOf(client);
    const sign = () => readBirdSignature([port], scope);
    try {
      await fullExport(client, "kernel1", 4);
      const s0 = await sign();
      expect(s0).toContain('["kernel","kernel1","Kernel","up",');
      expect(s0).toContain('["bgp","peer1","BGP","start","not-established","10.0.0.2"]');

      // A route change BIRD exports (the ECMP net loses a path, then gets it back).
      const paths = async (n: number) => pollUntil(async () => {
        const rs: BirdRoute[] = [];
        await showExportedRoute(client, "kernel1", NETS[4].ecmp, (r) => rs.push(r));
        return { done: rs[0]?.nexthops.length === n, detail: JSON.stringify(rs) };
      }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 100, what: `${n} paths` });
      await bird.query("disable st_b4");
      await paths(1);
      expect(await sign()).toBe(s0);
      await bird.query("enable st_b4");
      await paths(2);
      expect(await sign()).toBe(s0);

      // peer1 keeps trying to connect (Connect, Active, ...): its Info column moves, not the
      // signature. Sample until BIRD has logged two more connection attempts (bounded), checking
      // the signature every time.
      const attempts = (): number => readFileSync(bird.logPath, "utf8").split("\n").filter((l) => /peer1: Connecting to 10\.0\.0\.2/.test(l)).length;
      const attemptsBefore = attempts();
      const infos = new Set<string>();
      const moved: string[] = [];
      await pollUntil(async () => {
        infos.add((/peer1 .*/.exec(await bird.query("show protocols peer1"))?.[0] ?? "").replace(/\s+/g, " "));
        const s = await sign();
        if (s !== s0) moved.push(s);
        return { done: moved.length > 0 || attempts() >= attemptsBefore + 2, detail: `${attempts() - attemptsBefore} new attempts; peer1 summary lines: ${[...infos].join(" | ")}` };
      }, { timeoutMs: DEADLINE_MS.state, intervalMs: 200, what: "two more connection attempts of peer1 in BIRD's log" });
      expect(moved).toEqual([]);
      console.info(`[bird-export-lookup.test] peer1 summary lines seen while the signature held: ${[...infos].join(" | ")}`);

      await bird.query("disable kernel1");
      const down = await pollUntil(async () => {
        const s = await sign();
        return { done: s.includes('["kernel","kernel1","Kernel","down",'), value: s, detail: s };
      }, { timeoutMs: DEADLINE_MS.state, intervalMs: 100, what: "kernel1 down" });
      expect(down).toContain('["kernel","kernel1","Kernel","down",');
      await bird.query("enable kernel1");
      const up = await pollUntil(async () => {
        const s = await sign();
        return { done: s.includes('["kernel","kernel1","Kernel","up",'), value: s, detail: s };
      }, { timeoutMs: DEADLINE_MS.state, intervalMs: 100, what: "kernel1 up again" });
      expect(up).not.toBe(s0); // its since-time moved

      expect(await bird.query("configure", 15_000)).toMatch(/^0003 Reconfigured/m);
      expect(await sign()).not.toBe(up);
    } finally {
      client.close();
    }
  });

  it.skipIf(!bird16.ok)("BIRD 1.6 signature holds over many polls although BIRD prints its times a second off now and then", async () => {
    const daemons = setup().bird16!;
    const clients = [new BirdClient({ socketPath: daemons[4].socketPath }), new BirdClient({ socketPath: daemons[6].socketPath })];
    const scope = { kernelProtocols: "all", bgpPeers: [] } as const;
    try {
      const ports = clients.map(birdPortOf);
      const s0 = await readBirdSignature(ports, scope);
      const printed = new Set<string>();
      // Sampling a window on purpose: the claim is that nothing changes over many polls.
      for (let i = 0; i < 60; i++) {
        for (const d of [daemons[4], daemons[6]]) printed.add(`${d.name} ${/Last reboot on (.*)/.exec(await d.query("show status"))?.[1] ?? "?"}`);
        expect(await readBirdSignature(ports, scope)).toBe(s0);
        await new Promise((r) => setTimeout(r, 50));
      }
      console.info(`[bird-export-lookup.test] BIRD 1.6 'Last reboot' printings seen while the signature held: ${[...printed].join(" | ")}`);
    } finally {
      for (const c of clients) c.close();
    }
  });
});
