// `fibwarden bird` through the built binary against a real BIRD 2 in a lab namespace: the answer
// is to exactly the question asked. `show protocols [all] NAME` prints only NAME, `show route
// ... count` counts what its filter words select, and a shape no parser represents is refused
// with exit 1 and a stable code, never answered with something else.
import { beforeAll, describe, expect, it } from "vitest";
import { checkLabSupport, pollUntil, type BirdHandle, type Lab } from "../lab/index.js";
import { useLab } from "../lab/vitest.js";
import { ensureBuilt, runFibwarden } from "../support/cli.js";

const support = checkLabSupport();
if (!support.ok) console.warn(`\n[bird-cli.test] SKIPPING: ${support.reason}\n`);

// Two static protocols (3 and 2 routes) and two BGP sessions toward a neighbor that never
// answers: several protocols of each kind, so that an answer about all of them shows.
const BIRD_CONF = `router id 10.111.77.1;
protocol device { scan time 10; }
protocol static static_a { ipv4; route 10.120.1.0/24 blackhole; route 10.120.2.0/24 blackhole; route 10.120.3.0/24 blackhole; }
protocol static static_b { ipv4; route 10.121.1.0/24 blackhole; route 10.121.2.0/24 blackhole; }
protocol bgp peer_a { local 10.111.77.1 as 65001; neighbor 10.111.77.2 as 65000; connect retry time 30; ipv4 { import none; export none; }; }
protocol bgp peer_b { local 10.111.77.1 as 65001; neighbor 10.111.77.3 as 65000; connect retry time 30; ipv4 { import none; export none; }; }
`;

interface Solo {
  lab: Lab;
  bird: BirdHandle;
}

async function buildSolo(lab: Lab): Promise<Solo> {
  const ns = await lab.addNamespace("solo");
  await lab.link(ns, "s0", ns, "s1", { addrsA: ["10.111.77.1/24"], addrsB: ["10.111.77.9/24"] });
  return { lab, bird: await lab.startBird(ns, BIRD_CONF) };
}

interface Protocol {
  name: string;
  proto: string;
  channels: Array<{ name: string }>;
  bgp?: { neighborAddress?: string };
}

describe.skipIf(!support.ok)("fibwarden bird against real BIRD 2", () => {
  const get = useLab(buildSolo, { name: "bird-cli" });
  const socket = (): string => get().value.bird.socketPath;
  const bird = (...words: string[]) => runFibwarden(["bird", "--socket", socket(), ...words]);

  beforeAll(async () => {
    await ensureBuilt();
    // the static protocols' routes are in master4 (BIRD starts protocols asynchronously)
    await pollUntil(async () => {
      const reply = await get().value.bird.query("show route count");
      return { done: /\b5 of 5 routes for 5 networks/.test(reply), detail: reply };
    }, { timeoutMs: 60_000, intervalMs: 200, what: "the 5 static routes in BIRD's master4" });
  }, 120_000);

  it("show protocols all NAME prints only NAME, in detail", async () => {
    const everything = await bird("show", "protocols", "all");
    expect(everything.exitCode, everything.stderr).toBe(0);
    expect((JSON.parse(everything.stdout) as Protocol[]).map((p) => p.name)).toEqual(expect.arrayContaining(["static_a", "static_b", "peer_a", "peer_b"]));

    for (const name of ["peer_b", "static_a"]) {
      const r = await bird("show", "protocols", "all", name);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toBe("");
      const printed = JSON.parse(r.stdout) as Protocol[];
      expect(printed.map((p) => p.name)).toEqual([name]);
      expect(printed[0]!.channels.map((c) => c.name)).toEqual(["ipv4"]);
    }
    const peer = JSON.parse((await bird("show", "protocols", "all", "peer_b")).stdout) as Protocol[];
    expect(peer[0]!.bgp?.neighborAddress).toBe("10.111.77.3");
  });

  it("show protocols NAME prints only NAME, without the detail block", async () => {
    const r = await bird("show", "protocols", "peer_a");
    expect(r.exitCode, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as Protocol[];
    expect(printed.map((p) => [p.name, p.proto])).toEqual([["peer_a", "BGP"]]);
    expect(printed[0]!.bgp).toBeUndefined();
    expect(printed[0]!.channels).toEqual([]);
  });

  it("show route ... count counts what the filter words select, not the whole table", async () => {
    const all = await bird("show", "route", "count");
    expect(all.exitCode, all.stderr).toBe(0);
    expect((JSON.parse(all.stdout) as { total: { shown: number } }).total.shown).toBe(5);
    const one = await bird("show", "route", "protocol", "static_b", "count");
    expect(one.exitCode, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ tables: [{ table: "master4", shown: 2, routes: 5 }], total: { shown: 2, routes: 5 } });
    const routes = await bird("show", "route", "protocol", "static_a");
    expect(routes.exitCode, routes.stderr).toBe(0);
    expect(routes.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { network: string }).network).sort()).toEqual(["10.120.1.0/24", "10.120.2.0/24", "10.120.3.0/24"]);
    expect(routes.stderr).toBe("3 routes");
  });

  it("shapes no parser represents are refused with exit 1 and FW_INVALID_TOKEN, never answered with something else", async () => {
    for (const words of [
      ["show", "protocols", "all", "peer_a", "peer_b"],
      ["show", "protocols", "\"peer_*\""],
      ["show", "route", "stats"],
      ["show", "protocols", "all", "peer;a"],
      ["show", "proto", "all", "peer_a"],
    ]) {
      const r = await bird(...words);
      expect(r.exitCode, words.join(" ")).toBe(1);
      expect(r.stdout, words.join(" ")).toBe("");
      expect(r.stderr, words.join(" ")).toMatch(/^fibwarden bird: FW_INVALID_TOKEN: /);
    }
    // a name BIRD does not know: BIRD's own refusal, exit 1
    const unknown = await bird("show", "protocols", "all", "nonexistent");
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toMatch(/^fibwarden bird: FW_BIRD_COMMAND: /);
  });

  it("--raw passes every word to BIRD: BIRD itself answers only for NAME", async () => {
    const r = await bird("--raw", "show", "protocols", "all", "peer_a");
    expect(r.exitCode, r.stderr).toBe(0);
    const rows = r.stdout.split("\n").filter((l) => l.startsWith("1002 "));
    expect(rows.map((l) => l.split(/\s+/)[1])).toEqual(["peer_a"]);
  });
});
