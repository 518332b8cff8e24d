// The kernel watcher's route details against the real kernel: in a namespace this file creates
// and deletes, every route change the watcher reports must carry the route that `ip -json
// -details route show` (through the ip-json normalizer) shows for it, after the change for a new
// route and before it for a deleted one. Skipped, loudly, when not root.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { netnsSkipReason } from "../support/netns-skip.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKernelDataplane, type KernelDataplane } from "../../src/adapters/kernel/index.js";
import type { KernelChange, KernelWatch, RouteChange } from "../../src/adapters/ports.js";
import { routeKey } from "../../src/core/model/keys.js";
import { routesEqual, type Route } from "../../src/core/model/route.js";
import { DEADLINE_MS, pollUntil } from "../lab/wait.js";


const SKIP = netnsSkipReason("fwmprobe");
if (SKIP !== undefined) console.warn(`\n*** SKIPPING test/integration/kernel-watch-routes.test.ts: ${SKIP} ***\n`);

const NS = `fwmon${process.pid.toString(36)}${randomBytes(2).toString("hex")}`;

/** Runs `ip -n NS args` synchronously; throws on failure. */
function ipns(...args: string[]): void {
  const r = spawnSync("ip", ["-n", NS, ...args], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`ip -n ${NS} ${args.join(" ")}: ${r.stderr || r.error?.message}`);
}

/** Collects route changes in arrival order and waits, bounded, for the ones a step expects. */
class RouteLog {
  readonly changes: RouteChange[] = [];
  readonly batches: KernelChange[] = [];
  push = (c: KernelChange): void => {
    this.batches.push(c);
    this.changes.push(...c.routes);
  };
  /** Resolves once `pred` holds for the changes from index `from` on; rejects after `timeoutMs`. */
  async waitFor(from: number, pred: (cs: RouteChange[]) => boolean, what: string, timeoutMs: number = DEADLINE_MS.state): Promise<RouteChange[]> {
    return pollUntil(async () => {
      const cs = this.changes.slice(from);
      return { done: pred(cs), value: cs, detail: `saw ${JSON.stringify(cs).slice(0, 2000)}` };
    }, { timeoutMs, intervalMs: 10, what });
  }
}

const seen = (dst: string, deleted: boolean, table?: number) => (c: RouteChange): boolean =>
  c.deleted === deleted && (c.route?.dst ?? c.dst) === dst && (table === undefined || c.table === table);

/** Checks a step's changes against the dumps before and after it; returns the mismatches. */
function mismatches(changes: readonly RouteChange[], before: readonly Route[], after: readonly Route[]): string[] {
  const out: string[] = [];
  changes.forEach((c, i) => {
    const r = c.route;
    if (r === undefined) {
      out.push(`no route for ${JSON.stringify(c)}`);
      return;
    }
    if (r.table !== c.table || (c.dst !== "default" && c.dst !== r.dst) || c.family !== undefined && c.family !== r.family) {
      out.push(`route disagrees with its change: ${JSON.stringify(c)}`);
    }
    if (!c.deleted) {
      const replacedLater = changes.slice(i + 1).some((l) => l.route !== undefined && routeKey(l.route) === routeKey(r));
      if (!replacedLater && !after.some((x) => routesEqual(x, r))) out.push(`new route not in the dump after: ${JSON.stringify(r)}`);
    } else {
      const addedEarlier = changes.slice(0, i).some((e) => !e.deleted && e.route !== undefined && routesEqual(e.route, r));
      if (!addedEarlier && !before.some((x) => routesEqual(x, r))) out.push(`deleted route not in the dump before: ${JSON.stringify(r)}`);
    }
  });
  return out;
}

describe.skipIf(SKIP !== undefined)("kernel watcher route details in a namespace (real ip monitor, real kernel)", () => {
  let dp: KernelDataplane;
  let watch: KernelWatch | undefined;
  let batchDir: string;
  const log = new RouteLog();
  const errors: unknown[] = [];

  beforeAll(async () => {
    batchDir = mkdtempSync(join(tmpdir(), "fwmon-batch-"));
    spawnSync("ip", ["netns", "add", NS], { timeout: 10_000 });
    ipns("link", "set", "lo", "up");
    ipns("link", "add", "v0", "type", "veth", "peer", "name", "v0p");
    ipns("link", "add", "v1", "type", "veth", "peer", "name", "v1p");
    for (const dev of ["v0", "v0p", "v1", "v1p"]) ipns("link", "set", dev, "up");
    ipns("address", "add", "10.0.0.1/24", "dev", "v0");
    ipns("address", "add", "10.0.1.1/24", "dev", "v1");
    ipns("-6", "address", "add", "fd00::1/64", "dev", "v0", "nodad");
    ipns("-6", "address", "add", "fd00:1::1/64", "dev", "v1", "nodad");
    dp = createKernelDataplane({ netns: NS, timeoutMs: 30_000 });
    watch = dp.watch({ onChange: log.push, onError: (e) => errors.push(e), debounceMs: 20, maxRouteDetails: 100_000 });
    await watch.started;
    // Readiness: the monitor subscribes a moment after it starts; probe until it sees a change.
    await pollUntil(async () => {
      if (log.changes.some(seen("10.250.0.0/32", true))) return { done: true };
      ipns("route", "add", "10.250.0.0/32", "dev", "v0", "table", "9999");
      ipns("route", "del", "10.250.0.0/32", "dev", "v0", "table", "9999");
      return { done: false };
    }, { intervalMs: 200, what: `the monitor in ${NS} to see a probe route` });
    // Probes sent just before it saw one may still be on their way: a last marker, once seen,
    // comes after all of them (the monitor reports in order), so no probe lands in a step below.
    const from = log.changes.length;
    ipns("route", "add", "10.250.0.1/32", "dev", "v0", "table", "9999");
    ipns("route", "del", "10.250.0.1/32", "dev", "v0", "table", "9999");
    await log.waitFor(from, (cs) => cs.some(seen("10.250.0.1/32", true)), "the last probe marker");
  });

  afterAll(async () => {
    await watch?.stop();
    spawnSync("ip", ["netns", "delete", NS], { timeout: 10_000 });
    rmSync(batchDir, { recursive: true, force: true });
    expect(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout).not.toContain(NS);
  });

  const steps: Array<{ cmd: string[]; expect: Array<(c: RouteChange) => boolean> }> = [
    { cmd: ["route", "add", "10.20.0.0/24", "via", "10.0.0.2", "proto", "201", "table", "1000", "metric", "5"], expect: [seen("10.20.0.0/24", false)] },
    { cmd: ["route", "add", "10.21.0.0/24", "table", "1000", "nexthop", "via", "10.0.0.2", "weight", "2", "nexthop", "via", "10.0.1.2", "weight", "3"], expect: [seen("10.21.0.0/24", false)] },
    { cmd: ["route", "add", "blackhole", "10.22.0.0/24", "table", "1000"], expect: [seen("10.22.0.0/24", false)] },
    { cmd: ["route", "add", "10.23.0.0/24", "via", "10.0.0.2", "tos", "0x10", "src", "10.0.0.1", "proto", "static"], expect: [seen("10.23.0.0/24", false)] },
    { cmd: ["route", "add", "10.24.0.0/24", "via", "192.0.2.1", "dev", "v0", "onlink", "proto", "bird", "mtu", "1400"], expect: [seen("10.24.0.0/24", false)] },
    { cmd: ["route", "add", "10.25.0.0/24", "via", "inet6", "fe80::1", "dev", "v0"], expect: [seen("10.25.0.0/24", false)] },
    { cmd: ["-6", "route", "add", "fd00:20::/48", "via", "fd00::2", "proto", "201", "table", "1000"], expect: [seen("fd00:20::/48", false)] },
    { cmd: ["-6", "route", "add", "fd00:21::/48", "nexthop", "via", "fd00::2", "nexthop", "via", "fd00:1::2", "weight", "4"], expect: [seen("fd00:21::/48", false)] },
    { cmd: ["-6", "route", "add", "blackhole", "default", "table", "1001"], expect: [seen("::/0", false, 1001)] },
    { cmd: ["route", "add", "unreachable", "default", "table", "1001", "metric", "9"], expect: [seen("0.0.0.0/0", false, 1001)] },
    { cmd: ["route", "replace", "10.21.0.0/24", "table", "1000", "via", "10.0.1.2", "proto", "static"], expect: [seen("10.21.0.0/24", false)] },
    { cmd: ["-6", "route", "append", "fd00:20::/48", "via", "fd00:1::2", "proto", "201", "table", "1000"], expect: [seen("fd00:20::/48", false)] },
    { cmd: ["address", "add", "10.0.5.1/24", "dev", "v0"], expect: [seen("10.0.5.1/32", false), seen("10.0.5.0/24", false), seen("10.0.5.255/32", false)] },
    { cmd: ["route", "del", "10.20.0.0/24", "table", "1000", "metric", "5"], expect: [seen("10.20.0.0/24", true)] },
    { cmd: ["-6", "route", "del", "fd00:21::/48"], expect: [seen("fd00:21::/48", true)] },
    { cmd: ["address", "del", "10.0.5.1/24", "dev", "v0"], expect: [seen("10.0.5.1/32", true), seen("10.0.5.0/24", true), seen("10.0.5.255/32", true)] },
  ];

  it("reports each change with the route the dump shows", async () => {
    let before = await dp.readRoutes();
    const problems: string[] = [];
    for (const step of steps) {
      const from = log.changes.length;
      ipns(...step.cmd);
      const changes = await log.waitFor(from, (cs) => step.expect.every((p) => cs.some(p)), step.cmd.join(" "));
      const after = await dp.readRoutes();
      problems.push(...mismatches(changes, before, after).map((m) => `${step.cmd.join(" ")}: ${m}`));
      before = after;
    }
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
  });

  /** Writes `n` routes (every other one a 3-way multipath) of `table` into an `ip -batch` file. */
  function burstFile(n: number, table: number): string {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const dst = `10.${100 + (i >> 8)}.${i & 255}.0/24`;
      lines.push(i % 2 === 0
        ? `route add ${dst} table ${table} proto 201 nexthop via 10.0.0.2 weight ${1 + (i % 7)} nexthop via 10.0.1.2 nexthop via 192.0.2.${1 + (i % 200)} dev v0 onlink`
        : `route add ${dst} table ${table} proto 201 via 10.0.0.2`);
    }
    const file = join(batchDir, `routes-${table}.batch`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    return file;
  }

  /**
   * Adds `n` routes at once and checks what the watcher reports for them: every route it gives
   * equals the dump's, and it either reports all `n` or admits, with `resync`, that it lost some.
   */
  async function burst(n: number, table: number, run: (file: string) => Promise<void>): Promise<{ got: number; resync: boolean }> {
    const from = log.changes.length;
    const batchesFrom = log.batches.length;
    await run(burstFile(n, table));
    const mine = (c: RouteChange): boolean => c.table === table && !c.deleted;
    const resynced = (): boolean => log.batches.slice(batchesFrom).some((b) => b.resync);
    const changes = (await log.waitFor(from, (cs) => cs.filter(mine).length >= n || resynced(), `${n} route events or a resync`, DEADLINE_MS.bird)).filter(mine);
    const dump = new Map((await dp.readRoutes(4)).filter((r) => r.table === table).map((r) => [routeKey(r), r]));
    expect(dump.size).toBe(n);
    const bad = changes.filter((c) => c.route === undefined || !routesEqual(c.route, dump.get(routeKey(c.route))!));
    expect(bad.slice(0, 5)).toEqual([]);
    expect(log.batches.slice(batchesFrom).some((b) => b.routesTruncated)).toBe(false);
    return { got: changes.length, resync: resynced() };
  }

  it("keeps thousands of multipath events whole across reads and batches", async () => {
    const n = 3000;
    const r = await burst(n, 2000, async (file) => {
      // Asynchronously: the watcher keeps reading while `ip -batch` runs.
      await new Promise<void>((resolve, reject) => {
        const child = spawn("ip", ["-n", NS, "-batch", file], { stdio: "ignore" });
        child.once("error", reject);
        child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`ip -batch exited with ${code}`))));
      });
    });
    if (r.resync) console.warn(`kernel-watch-routes: the kernel dropped monitor events (${r.got}/${n} seen) on a busy machine`);
    else expect(r.got).toBe(n);
    expect(errors).toEqual([]);
  });

  it("says resync when a stalled reader makes the kernel drop events", async () => {
    // spawnSync blocks this event loop: the monitor's pipe fills, the monitor blocks, its netlink
    // socket overflows (ENOBUFS), and iproute2 goes on after printing an error on stderr.
    const n = 3000;
    const r = await burst(n, 2001, async (file) => { ipns("-batch", file); });
    expect(r.got === n || r.resync, `${r.got}/${n} route events without resync`).toBe(true);
    expect(errors).toEqual([]);
  });
});
