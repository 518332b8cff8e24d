/**
 * Integration test of the test lab itself (test/lab): real namespaces, veths and BIRD 2 daemons.
 * Needs root and `ip netns add`; skipped loudly otherwise.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import {
  buildTwoUplinkTopology, checkLabSupport, createLab, DEADLINE_MS, DEFAULT_LAB_ROOT, parseProtocols, pollUntil,
  readKernelRoutes, sweepStaleLabs, waitFor, waitForBgp, waitForBirdRoute, waitForKernelRoutes,
  type KernelRoute, type TwoUplinkTopology,
} from "../lab/index.js";
import { generateLabPrefix } from "../lab/names.js";
import { useLab } from "../lab/vitest.js";

const support = checkLabSupport();
const skipReason = support.ok ? "" : support.reason;
if (!support.ok) console.warn(`\n[lab.test] SKIPPING lab integration tests: ${skipReason}\n`);

const CLI = join(import.meta.dirname, "../lab/cli.ts");

describe.skipIf(!support.ok)(`lab: two-uplink topology${support.ok ? "" : ` [SKIPPED: ${skipReason}]`}`, () => {
  const get = useLab(buildTwoUplinkTopology, { name: "lab.test" });
  const topo = (): TwoUplinkTopology => get().value;

  it("names every namespace with the lab's fwt prefix, within 15 characters", () => {
    const { lab, ns } = topo();
    expect(lab.prefix).toMatch(/^fwt[0-9a-z]{6}$/);
    for (const namespace of Object.values(ns)) {
      expect(namespace.name.startsWith(lab.prefix)).toBe(true);
      expect(namespace.name.length).toBeLessThanOrEqual(15);
    }
    expect(listNamespaces().filter((n) => n.startsWith(lab.prefix)).sort()).toEqual(Object.values(ns).map((n) => n.name).sort());
  });

  it("rejects interface names longer than IFNAMSIZ allows before touching the kernel", async () => {
    const { lab, ns } = topo();
    await expect(lab.link(ns.node, "a-very-long-ifname", ns.gw, "x0")).rejects.toThrow(/1\.\.15 chars/);
  });

  it("establishes the four BGP sessions on the node and on the router", async () => {
    const { birds, sessions } = topo();
    for (const [bird, names] of [[birds.node, sessions.node], [birds.router, sessions.router]] as const) {
      const rows = parseProtocols(await bird.query("show protocols"));
      for (const name of names) {
        expect(rows.find((r) => r.name === name), `${bird.name}/${name}`).toMatchObject({ proto: "BGP", state: "up", info: "Established" });
      }
    }
    expect(topo().sessions.node).toEqual(["up_a4", "up_a6", "up_b4", "up_b6"]);
  });

  it("installs the router's prefixes in the node's main table with proto bird, ECMP over both links", async () => {
    const { ns, plan } = topo();
    const a = plan.uplinks.a;
    const routes4 = await waitForKernelRoutes(ns.node, 4, "main", (rs) =>
      [...plan.prefixes.routed4, ...plan.prefixes.ecmp4].every((p) => findRoute(rs, p)?.protocol === "bird"));
    for (const prefix of plan.prefixes.routed4) {
      expect(findRoute(routes4, prefix)).toMatchObject({ protocol: "bird", gateway: a.router.ipv4, dev: a.node.ifname, metric: 32 });
    }
    const ecmp = findRoute(routes4, "10.201.0.0/16");
    expect(ecmp?.nexthops?.map((h) => `${h.gateway ?? ""}@${h.dev ?? ""}`).sort()).toEqual(["10.111.1.1@na0", "10.111.2.1@nb0"]);
    // The node's default route (via gw) is not BIRD's and stays as it was added (proto boot).
    expect(findRoute(routes4, "default")).toMatchObject({ gateway: plan.gw.gw.ipv4, dev: plan.gw.node.ifname });
    expect(findRoute(routes4, "default")?.protocol).toBeUndefined();

    const routes6 = await waitForKernelRoutes(ns.node, 6, "main", (rs) =>
      findRoute(rs, "fd00:200::/48")?.protocol === "bird" && (findRoute(rs, "fd00:201::/32")?.nexthops?.length ?? 0) === 2);
    expect(findRoute(routes6, "fd00:200::/48")).toMatchObject({ gateway: a.router.ipv6, dev: a.node.ifname });
  });

  it("learns a route added by hand to table 198 and announces it to the router", async () => {
    const { ns, birds, plan } = topo();
    await ns.node.ip(["route", "add", "10.111.100.1/32", "dev", plan.vip.ifname, "table", String(plan.vip.table), "proto", "201"]);
    const onNode = await waitForBirdRoute(birds.node, "10.111.100.1/32", (r) => r.includes("[vipk4 "));
    expect(onNode).toMatch(/Kernel\.source: 201/);
    const onRouter = await waitForBirdRoute(birds.router, "10.111.100.1/32", (r) => (r.match(/\[AS65001i\]/g) ?? []).length === 2);
    expect(onRouter).toMatch(/node_a4/);
    expect(onRouter).toMatch(/node_b4/);
    const routerKernel = await waitForKernelRoutes(ns.router, 4, "main", (rs) => findRoute(rs, "10.111.100.1")?.protocol === "bird");
    expect(findRoute(routerKernel, "10.111.100.1")?.nexthops?.map((h) => h.dev).sort()).toEqual(["ra0", "rb0"]);
    // BIRD only learns from table 198: nothing is written back into it.
    expect((await readKernelRoutes(ns.node, 4, plan.vip.table)).map((r) => r.protocol)).toEqual(["201"]);
  });

  it("refuses an invalid BIRD config with BIRD's own parse error", async () => {
    const { lab, ns } = topo();
    await expect(lab.startBird(ns.gw, "protocol nonsense {\n")).rejects.toThrow(/config for gw is invalid.*syntax error/s);
  });

  it("restarts the node BIRD with a new pid and the sessions come back", async () => {
    const { birds, sessions } = topo();
    const before = birds.node.pid;
    await birds.node.restart();
    expect(birds.node.pid).toBeDefined();
    expect(birds.node.pid).not.toBe(before);
    await waitForBgp(birds.node, sessions.node);
  });

  it("destroy() kills BIRD, deletes every namespace and the lab dir, and is idempotent", async () => {
    const { lab, birds } = topo();
    const pids = [birds.node.pid, birds.router.pid].filter((p): p is number => p !== undefined);
    expect(pids).toHaveLength(2);
    await lab.destroy();
    await lab.destroy();
    expect(listNamespaces().filter((n) => n.startsWith(lab.prefix))).toEqual([]);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(birdProcessesOf(lab.dir)).toEqual([]);
    expect(existsSync(lab.dir)).toBe(false);
    await expect(lab.addNamespace("late")).rejects.toThrow(/destroyed/);
  });
});

describe.skipIf(!support.ok)(`lab: cleanup of dead and interrupted runs${support.ok ? "" : ` [SKIPPED: ${skipReason}]`}`, () => {
  it("sweepStaleLabs removes a dead run's namespaces, processes and dir, and orphan fwt namespaces", async () => {
    const prefix = generateLabPrefix();
    const dir = join(DEFAULT_LAB_ROOT, prefix);
    const ns = `${prefix}node`;
    const orphan = `${generateLabPrefix()}gw`;
    const deadPid = spawnSync("true").pid;
    expect(deadPid).toBeGreaterThan(1);
    mkdirSync(dir, { recursive: true });
    // The lab stays recorded as this (live) process's while it is being set up, so that another
    // suite's sweep on the same machine cannot take it first; it turns stale (a dead pid), and
    // the orphan namespace appears, only right before this test's own sweep.
    const record = { prefix, pid: process.pid, pidStart: null, createdAt: new Date().toISOString(), namespaces: [ns] };
    writeFileSync(join(dir, "lab.json"), JSON.stringify(record));
    await execa("ip", ["netns", "add", ns]);
    const sleeper = execa("ip", ["netns", "exec", ns, "sleep", "120"], { reject: false, stdin: "ignore" });
    await waitFor(() => listNamespacePids(ns).length > 0, { intervalMs: 50, what: "sleep in the stale namespace" });
    await execa("ip", ["netns", "add", orphan]);
    writeFileSync(join(dir, "lab.json"), JSON.stringify({ ...record, pid: deadPid }));

    const report = sweepStaleLabs();

    expect(report.labs).toContain(prefix);
    expect(report.namespaces).toEqual(expect.arrayContaining([ns, orphan]));
    expect(report.failures).toEqual([]);
    const result = await sleeper;
    expect(result.signal).toBe("SIGKILL");
    expect(listNamespaces().filter((n) => n === ns || n === orphan)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it("leaves labs of live processes alone", async () => {
    const lab = await createLab({ name: "live" });
    try {
      const ns = await lab.addNamespace("keep");
      sweepStaleLabs();
      expect(listNamespaces()).toContain(ns.name);
      expect(existsSync(lab.dir)).toBe(true);
    } finally {
      await lab.destroy();
    }
  });

  it.each(["SIGTERM", "SIGINT"] as const)("tears the lab down when its owner process gets %s", async (signal) => {
    const child = execa(process.execPath, ["--import", "tsx", CLI, "up", "solo", "--hold-seconds", "60"], {
      reject: false, stdin: "ignore", timeout: 90_000, cwd: join(import.meta.dirname, "../.."),
    });
    const info = await readFirstJsonLine(child.stdout);
    const birdPid = info.birds.solo?.pid;
    expect(birdPid).toBeGreaterThan(1);
    expect(isAlive(birdPid ?? -1)).toBe(true);
    expect(listNamespaces()).toContain(info.namespaces.solo);

    child.kill(signal);
    const result = await child;

    expect(result.signal).toBe(signal);
    expect(listNamespaces().filter((n) => n.startsWith(info.prefix))).toEqual([]);
    await waitFor(() => !isAlive(birdPid ?? -1), { intervalMs: 100, what: "BIRD to exit" });
    expect(existsSync(info.dir)).toBe(false);
  });
});

function findRoute(routes: readonly KernelRoute[], dst: string): KernelRoute | undefined {
  return routes.find((r) => r.dst === dst);
}

function listNamespaces(): string[] {
  const out = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  return out.stdout.split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter((n) => n !== "");
}

function listNamespacePids(ns: string): number[] {
  const out = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" });
  return out.stdout.split(/\s+/).filter((s) => s !== "").map(Number);
}

/** True while `pid` runs (a zombie waiting to be reaped counts as gone). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}

/** Live BIRD processes whose command line mentions `dir` (what `pgrep -a bird` would show). */
function birdProcessesOf(dir: string): string[] {
  const out = spawnSync("pgrep", ["-a", "bird"], { encoding: "utf8" });
  return out.stdout.split("\n").filter((l) => l.includes(dir) && isAlive(Number(l.split(" ")[0])));
}

interface HeldLab {
  prefix: string;
  dir: string;
  namespaces: Record<string, string>;
  birds: Record<string, { pid?: number }>;
}

/** Waits (bounded) for the first line the lab CLI prints: its lab, as JSON. */
async function readFirstJsonLine(stream: NodeJS.ReadableStream | null): Promise<HeldLab> {
  if (stream === null) throw new Error("child has no stdout");
  let buffer = "";
  let ended = false;
  const onData = (chunk: Buffer | string): void => { buffer += chunk.toString(); };
  const onEnd = (): void => { ended = true; };
  stream.on("data", onData);
  stream.on("end", onEnd);
  try {
    const line = await pollUntil(async () => {
      const newline = buffer.indexOf("\n");
      if (newline >= 0) return { done: true, value: buffer.slice(0, newline) };
      return { done: ended, value: undefined, detail: `got so far: ${buffer}` };
    }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 50, what: "the lab CLI to print its lab as a JSON line" });
    if (line === undefined) throw new Error(`the lab CLI ended before printing its lab; got: ${buffer}`);
    return JSON.parse(line) as HeldLab;
  } finally {
    stream.off("data", onData);
    stream.off("end", onEnd);
  }
}
