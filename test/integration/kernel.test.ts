// The kernel adapter against real iproute2 and the real kernel, in a network namespace this file
// creates and deletes (never the host's tables). Skipped, loudly, when not root.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { netnsSkipReason } from "../support/netns-skip.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKernelDataplane, type KernelDataplane } from "../../src/adapters/kernel/index.js";
import type { KernelChange, KernelWatch } from "../../src/adapters/ports.js";
import { CONF_DIR, exchangeProcFiles } from "../../src/adapters/proc-files.js";
import { writeSysctls } from "../../src/adapters/sysctl.js";
import { isFibwardenError } from "../../src/core/errors.js";
import { addressesEqual, type InterfaceAddress } from "../../src/core/model/address.js";
import { makeAddress, makeRoute, makeRule } from "../../src/core/model/normalize.js";
import { routesEqual, type Route } from "../../src/core/model/route.js";
import { rulesEqual, type Rule } from "../../src/core/model/rule.js";
import type { PlanOp } from "../../src/core/plan/types.js";
import { DEADLINE_MS, pollUntil } from "../lab/wait.js";


const SKIP = netnsSkipReason("fwkprobe");
if (SKIP !== undefined) console.warn(`\n*** SKIPPING test/integration/kernel.test.ts: ${SKIP} ***\n`);

const NS = `fwk${process.pid.toString(36)}${randomBytes(2).toString("hex")}`;
const OURS = 201;

/** Runs `ip -n NS args` synchronously (setup and foreign changes); throws on failure. */
function ipns(...args: string[]): string {
  const r = spawnSync("ip", ["-n", NS, ...args], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip -n ${NS} ${args.join(" ")}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

const ops = {
  addRoute: (route: Route): PlanOp => ({ kind: "route.add", route, reason: "test" }),
  delRoute: (route: Route): PlanOp => ({ kind: "route.delete", route, reason: "test" }),
  addRule: (rule: Rule): PlanOp => ({ kind: "rule.add", rule, reason: "test" }),
  addAddress: (address: InterfaceAddress): PlanOp => ({ kind: "address.add", address, reason: "test" }),
};

/** Collects watch batches with their arrival times and waits (bounded) for one that matches. */
class ChangeLog {
  readonly batches: Array<{ at: number; change: KernelChange }> = [];
  push = (change: KernelChange): void => {
    this.batches.push({ at: performance.now(), change });
  };
  /** Resolves with the arrival time of the first batch (after `since`) matching `pred`; rejects after timeoutMs. */
  async waitFor(pred: (c: KernelChange) => boolean, since: number, what: string, timeoutMs: number = DEADLINE_MS.state): Promise<number> {
    return pollUntil(async () => {
      const hit = this.batches.find((b) => b.at >= since && pred(b.change));
      return { done: hit !== undefined, value: hit?.at, detail: `saw ${JSON.stringify(this.batches.map((b) => b.change)).slice(0, 2000)}` };
    }, { timeoutMs, intervalMs: 5, what });
  }
}

const routeSeen = (dst: string, deleted: boolean) => (c: KernelChange): boolean =>
  c.routes.some((r) => r.dst === dst && r.deleted === deleted);

describe.skipIf(SKIP !== undefined)("kernel adapter in namespace (real ip, real kernel)", () => {
  let dp: KernelDataplane;
  let fakeDir: string;
  const watches: KernelWatch[] = [];

  beforeAll(() => {
    fakeDir = mkdtempSync(join(tmpdir(), "fwk-fake-ip-"));
    spawnSync("ip", ["netns", "add", NS], { timeout: 10_000 });
    ipns("link", "set", "lo", "up");
    ipns("link", "add", "v0", "type", "veth", "peer", "name", "v0p");
    ipns("link", "add", "v1.10", "type", "veth", "peer", "name", "v1.10p");
    for (const dev of ["v0", "v0p", "v1.10", "v1.10p"]) ipns("link", "set", dev, "up");
    ipns("address", "add", "10.0.0.1/24", "dev", "v0");
    ipns("address", "add", "10.0.1.1/24", "dev", "v1.10");
    ipns("-6", "address", "add", "fd00::1/64", "dev", "v0", "nodad");
    ipns("-6", "address", "add", "fd00:1::1/64", "dev", "v1.10", "nodad");
    dp = createKernelDataplane({ netns: NS, timeoutMs: 30_000, ownProtocol: OURS });
  });

  afterAll(async () => {
    await Promise.all(watches.map((w) => w.stop()));
    spawnSync("ip", ["netns", "delete", NS], { timeout: 10_000 });
    rmSync(fakeDir, { recursive: true, force: true });
    const left = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
    expect(left).not.toContain(NS);
  });

  /** A fake `ip` that prints `stdout` and exits with `code`. */
  function fakeIp(name: string, stdout: string, code = 0): string {
    const path = join(fakeDir, name);
    writeFileSync(path, `#!/bin/sh\nprintf '%s' '${stdout.replace(/'/g, "'\\''")}'\nexit ${code}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  describe("round trips", () => {
    const routes: Route[] = [
      makeRoute({ dst: "10.20.0.0/24", table: 1000, protocol: OURS, nexthops: [{ gateway: "10.0.0.2", dev: "v0" }] }),
      makeRoute({ dst: "10.21.0.0/24", table: 1000, protocol: OURS, metric: 5, nexthops: [{ gateway: "10.0.0.2", dev: "v0", weight: 2 }, { gateway: "10.0.1.2", dev: "v1.10", weight: 3 }] }),
      makeRoute({ dst: "10.22.0.0/24", table: 1000, protocol: OURS, type: "blackhole" }),
      makeRoute({ dst: "10.23.0.0/24", table: 1000, protocol: OURS, type: "unreachable" }),
      makeRoute({ dst: "10.24.0.0/24", table: 1000, protocol: OURS, type: "prohibit" }),
      makeRoute({ dst: "10.25.0.0/24", table: 1000, protocol: OURS, nexthops: [{ gateway: "192.0.2.1", dev: "v0", onlink: true }] }),
      makeRoute({ dst: "10.26.0.0/24", table: 1000, protocol: OURS, tos: 0x10, prefsrc: "10.0.0.1", nexthops: [{ dev: "v0" }] }),
      makeRoute({ dst: "default", family: 4, table: 1001, protocol: OURS, nexthops: [{ gateway: "10.0.1.2", dev: "v1.10" }] }),
      makeRoute({ dst: "fd00:20::/48", table: 1000, protocol: OURS, nexthops: [{ gateway: "fd00::2", dev: "v0" }] }),
      makeRoute({ dst: "fd00:21::/48", table: 1000, protocol: OURS, nexthops: [{ gateway: "fd00::2", dev: "v0", weight: 2 }, { gateway: "fd00:1::2", dev: "v1.10", weight: 1 }] }),
      makeRoute({ dst: "fd00:22::/48", table: 1000, protocol: OURS, type: "blackhole" }),
      makeRoute({ dst: "default", family: 6, table: 1001, protocol: OURS, metric: 32, nexthops: [{ gateway: "fd00:1::2", dev: "v1.10" }] }),
    ];

    it("writes every route kind and reads each back equal", async () => {
      const res = await dp.apply(routes.map(ops.addRoute), { verify: "all" });
      expect(res.results.map((r) => [r.status, r.confirmed, r.error])).toEqual(routes.map(() => ["applied", true, undefined]));
      const live = await dp.readRoutes();
      for (const r of routes) expect(live.filter((l) => routesEqual(l, r)), JSON.stringify(r)).toHaveLength(1);
      // The namespace's own kernel routes came along too: the read is of every table.
      expect(live.some((l) => l.table === 255 && l.type === "local" && l.dst === "10.0.0.1/32")).toBe(true);
    });

    it("stamps rules with protocol 201 and reads them back", async () => {
      const rules = [
        makeRule({ priority: 1000, from: "10.111.100.1", table: 1000, protocol: OURS }),
        makeRule({ priority: 1001, from: "fd00:100::1", table: 1000, protocol: OURS }),
        makeRule({ family: 4, priority: 1002, fwmark: { value: 0x10, mask: 0xff }, iif: "v1.10", table: 1001, protocol: OURS }),
        makeRule({ family: 6, priority: 1003, fwmark: { value: 5, mask: 0xffffffff }, table: 1001, protocol: OURS }),
      ];
      const res = await dp.apply(rules.map(ops.addRule), { verify: "all" });
      expect(res.results.map((r) => [r.status, r.confirmed])).toEqual(rules.map(() => ["applied", true]));
      const live = await dp.readRules();
      for (const r of rules) expect(live.filter((l) => rulesEqual(l, r)), JSON.stringify(r)).toHaveLength(1);
      expect(live.filter((l) => l.protocol === OURS)).toHaveLength(4);
    });

    it("adds an IPv4 address with label lo:fw and an IPv6 /128", async () => {
      const addrs = [
        makeAddress({ dev: "lo", address: "10.111.100.1", prefixlen: 32, label: "lo:fw" }),
        makeAddress({ dev: "lo", address: "fd00:100::1", prefixlen: 128 }),
      ];
      const res = await dp.apply(addrs.map(ops.addAddress), { verify: "all" });
      expect(res.results.map((r) => [r.status, r.confirmed])).toEqual([["applied", true], ["applied", true]]);
      const live = await dp.readAddresses();
      for (const a of addrs) expect(live.some((l) => addressesEqual(l, a)), JSON.stringify(a)).toBe(true);
      expect((await dp.readLinks()).map((l) => l.name)).toEqual(expect.arrayContaining(["lo", "v0", "v1.10"]));
    });

    it("sets sysctls (through the namespace) and reads them back with effective values", async () => {
      const res = await dp.apply([
        { kind: "sysctl.set", sysctl: { iface: "all", name: "rp_filter", value: 1 }, previous: 0, reason: "test" },
        { kind: "sysctl.set", sysctl: { iface: "v1.10", name: "rp_filter", value: 0 }, previous: 0, reason: "test" },
        { kind: "sysctl.set", sysctl: { iface: "v0", name: "send_redirects", value: 0 }, previous: 1, reason: "test" },
        { kind: "sysctl.set", sysctl: { iface: "../x", name: "rp_filter", value: 0 }, previous: 0, reason: "test" },
        { kind: "sysctl.set", sysctl: { iface: "v0", name: "rp_filter", value: 3 }, previous: 0, reason: "test" },
      ]);
      expect(res.results.map((r) => [r.status, r.confirmed])).toEqual([
        ["applied", true], ["applied", true], ["applied", true], ["refused", undefined], ["refused", undefined],
      ]);
      const read = await dp.readSysctls();
      const get = (iface: string, name: string) => read.find((s) => s.iface === iface && s.name === name);
      // The dotted name is read at its raw path, and conf.all=1 wins over the interface's 0.
      expect(get("v1.10", "rp_filter")).toEqual({ iface: "v1.10", name: "rp_filter", value: 0, effective: 1 });
      expect(get("v0", "send_redirects")?.value).toBe(0);
      // Each file of an interface is its own: v1.10 keeps the namespace's default send_redirects
      // (1) beside the rp_filter 0 set above.
      expect(get("v1.10", "send_redirects")?.value).toBe(1);
      expect(get("all", "rp_filter")).toMatchObject({ value: 1, effective: 1 });
      expect(read.slice(0, 3).map((s) => s.iface)).toEqual(["all", "all", "all"]);
      // That read is grep's (one process for every file); the Node helper reads each file named
      // by it to the same text, and grep listed every interface directory there is.
      const target = { netns: NS, ipPath: "ip", timeoutMs: 10_000 };
      const names = ["rp_filter", "send_redirects", "accept_redirects"];
      const each = await exchangeProcFiles(target, { list: true, writes: [], reads: [], readEach: names });
      const listing = await exchangeProcFiles(target, { list: true, writes: [], reads: [] });
      expect([...(each.list ?? [])].sort()).toEqual([...(listing.list ?? [])].sort());
      expect(each.list).toEqual(expect.arrayContaining(["all", "default", "lo", "v0", "v1.10"]));
      const paths = (each.list ?? []).flatMap((iface) => names.map((n) => `${CONF_DIR}${iface}/${n}`));
      const byHelper = await exchangeProcFiles(target, { list: false, writes: [], reads: paths });
      expect(each.each?.flat()).toEqual(byHelper.reads);
      // The host was not touched: its conf.all.rp_filter is whatever it was, read in-process here.
      const host = readFileSync("/proc/sys/net/ipv4/conf/all/rp_filter", "utf8").trim();
      expect(["0", "1", "2"]).toContain(host);
      const direct = await writeSysctls({ netns: NS, ipPath: "ip", timeoutMs: 10_000 }, [{ iface: "a/b", name: "rp_filter", value: 0 }]);
      expect(direct[0]?.error?.code).toBe("FW_INVALID_TOKEN");
      // Without a namespace the same read runs in-process on the caller's /proc (read only here).
      const here = await createKernelDataplane({ timeoutMs: 10_000 }).readSysctls(["rp_filter", "send_redirects"]);
      expect(here.find((s) => s.iface === "all" && s.name === "rp_filter")?.value).toBe(Number(host));
      const hostRedirects = readFileSync("/proc/sys/net/ipv4/conf/all/send_redirects", "utf8").trim();
      expect(here.find((s) => s.iface === "all" && s.name === "send_redirects")?.value).toBe(Number(hostRedirects));
      expect(here.some((s) => s.iface === "lo")).toBe(true);
    });
  });

  describe("failures are per op", () => {
    it("reports exactly the failing middle line of a batch and applies the others", async () => {
      const a = makeRoute({ dst: "10.30.0.0/24", table: 1000, protocol: OURS, type: "blackhole" });
      const b = makeRoute({ dst: "10.31.0.0/24", table: 1000, protocol: OURS, type: "blackhole" });
      const existing = makeRoute({ dst: "10.22.0.0/24", table: 1000, protocol: OURS, type: "blackhole" });
      const res = await dp.apply([ops.addRoute(a), ops.addRoute(existing), ops.addRoute(b)], { verify: "all" });
      expect(res.results.map((r) => r.status)).toEqual(["applied", "failed", "applied"]);
      expect(res.results[1]?.error).toMatch(/File exists/);
      expect(res.results.map((r) => r.confirmed)).toEqual([true, true, true]);
      expect({ applied: res.applied, failed: res.failed }).toEqual({ applied: 2, failed: 1 });
    });

    it("by default (verify \"unsure\") re-reads only for the ops that did not apply", async () => {
      const c = makeRoute({ dst: "10.32.0.0/24", table: 1000, protocol: OURS, type: "blackhole" });
      const existing = makeRoute({ dst: "10.30.0.0/24", table: 1000, protocol: OURS, type: "blackhole" });
      const res = await dp.apply([ops.addRoute(c), ops.addRoute(existing)]);
      expect(res.results.map((r) => [r.status, r.confirmed])).toEqual([["applied", undefined], ["failed", true]]);
    });

    it("a proto-guarded delete of a route with a foreign protocol fails and leaves it", async () => {
      ipns("route", "add", "10.40.0.0/24", "dev", "v0", "table", "1000", "proto", "250");
      const asIfOurs = makeRoute({ dst: "10.40.0.0/24", table: 1000, protocol: OURS, nexthops: [{ dev: "v0" }] });
      const res = await dp.apply([ops.delRoute(asIfOurs)]);
      expect(res.results[0]).toMatchObject({ status: "failed", lines: ["route del unicast 10.40.0.0/24 tos 0x00 table 1000 proto 201 metric 0"] });
      expect(res.results[0]?.error).toMatch(/No such process/);
      const live = await dp.readRoutes(4);
      expect(live.filter((r) => r.dst === "10.40.0.0/24" && r.table === 1000).map((r) => r.protocol)).toEqual([250]);
    });

    it("a replace whose key a foreign route took fails on both lines and overwrites nothing", async () => {
      ipns("route", "add", "10.41.0.0/24", "dev", "v0", "table", "1000", "proto", "250");
      const previous = makeRoute({ dst: "10.41.0.0/24", table: 1000, protocol: OURS, nexthops: [{ dev: "v1.10" }] });
      const wanted = makeRoute({ dst: "10.41.0.0/24", table: 1000, protocol: OURS, nexthops: [{ gateway: "10.0.1.2", dev: "v1.10" }] });
      const res = await dp.apply([{ kind: "route.replace", route: wanted, previous, reason: "test" }]);
      expect(res.results[0]?.status).toBe("failed");
      expect(res.results[0]?.error).toMatch(/route del: .*No such process.*; route add: .*File exists/s);
      expect(res.results[0]?.confirmed).toBe(false);
      const live = (await dp.readRoutes(4)).filter((r) => r.dst === "10.41.0.0/24" && r.table === 1000);
      expect(live.map((r) => [r.protocol, r.nexthops[0]?.dev])).toEqual([[250, "v0"]]);
    });

    it("a replace of our own route goes through", async () => {
      const previous = makeRoute({ dst: "10.20.0.0/24", table: 1000, protocol: OURS, nexthops: [{ gateway: "10.0.0.2", dev: "v0" }] });
      const wanted = makeRoute({ dst: "10.20.0.0/24", table: 1000, protocol: OURS, nexthops: [{ gateway: "10.0.1.2", dev: "v1.10" }] });
      const res = await dp.apply([{ kind: "route.replace", route: wanted, previous, reason: "test" }], { verify: "all" });
      expect(res.results[0]).toMatchObject({ status: "applied", confirmed: true });
    });
  });

  describe("deletes", () => {
    it("removes our routes, rules and addresses, and leaves foreign ones with the same selectors", async () => {
      ipns("rule", "add", "priority", "1100", "from", "10.9.0.0/24", "lookup", "1000", "proto", "250");
      ipns("address", "add", "10.111.100.9/32", "dev", "lo", "label", "lo:xx");
      const ourRoutes = [
        makeRoute({ dst: "10.21.0.0/24", table: 1000, protocol: OURS, metric: 5, nexthops: [{ gateway: "10.0.0.2", dev: "v0", weight: 2 }, { gateway: "10.0.1.2", dev: "v1.10", weight: 3 }] }),
        makeRoute({ dst: "10.24.0.0/24", table: 1000, protocol: OURS, type: "prohibit" }),
        makeRoute({ dst: "fd00:22::/48", table: 1000, protocol: OURS, type: "blackhole" }),
      ];
      const res = await dp.apply([
        ...ourRoutes.map(ops.delRoute),
        { kind: "rule.delete", rule: makeRule({ priority: 1000, from: "10.111.100.1", table: 1000, protocol: OURS }), reason: "test" },
        { kind: "rule.delete", rule: makeRule({ priority: 1100, from: "10.9.0.0/24", table: 1000, protocol: OURS }), reason: "test" },
        { kind: "address.delete", address: makeAddress({ dev: "lo", address: "10.111.100.1", prefixlen: 32, label: "lo:fw" }), reason: "test" },
        { kind: "address.delete", address: makeAddress({ dev: "lo", address: "10.111.100.9", prefixlen: 32, label: "lo:fw" }), reason: "test" },
      ]);
      expect(res.results.map((r) => r.status)).toEqual(["applied", "applied", "applied", "applied", "failed", "applied", "failed"]);
      const live = await dp.readRoutes();
      for (const r of ourRoutes) expect(live.some((l) => l.dst === r.dst && l.table === 1000)).toBe(false);
      expect((await dp.readRules(4)).filter((r) => r.priority === 1000 || r.priority === 1100).map((r) => [r.priority, r.protocol])).toEqual([[1100, 250]]);
      const addrs = await dp.readAddresses();
      expect(addrs.filter((a) => a.address.startsWith("10.111.100.")).map((a) => [a.address, a.label])).toEqual([["10.111.100.9", "lo:xx"]]);
    });
  });

  describe("watch", () => {
    it("sees foreign route del/replace and a new link; stops without leaking the monitor", async () => {
      const log = new ChangeLog();
      const errors: unknown[] = [];
      const controller = new AbortController();
      const w = dp.watch({ onChange: log.push, onError: (e) => errors.push(e), debounceMs: 50, signal: controller.signal });
      watches.push(w);
      await w.started;
      // Readiness: the monitor subscribes a moment after it starts; probe until it sees a change.
      await pollUntil(async () => {
        if (log.batches.some((b) => routeSeen("10.250.0.0/32", true)(b.change))) return { done: true };
        ipns("route", "add", "10.250.0.0/32", "dev", "v0", "table", "9999");
        ipns("route", "del", "10.250.0.0/32", "dev", "v0", "table", "9999");
        return { done: false };
      }, { intervalMs: 200, what: "the monitor to see a probe route" });

      const latencies: Record<string, number> = {};
      let since = performance.now();
      ipns("route", "del", "10.22.0.0/24", "table", "1000");
      latencies["foreign route del"] = (await log.waitFor(routeSeen("10.22.0.0/24", true), since, "the foreign route del")) - since;

      since = performance.now();
      ipns("route", "replace", "10.23.0.0/24", "dev", "v0", "table", "1000", "proto", "250");
      latencies["foreign route replace"] = (await log.waitFor((c) => c.routes.some((r) => r.dst === "10.23.0.0/24" && r.table === 1000 && !r.deleted), since, "the foreign route replace")) - since;

      since = performance.now();
      ipns("link", "add", "w0", "type", "veth", "peer", "name", "w0p");
      latencies["new link"] = (await log.waitFor((c) => c.kinds.includes("link"), since, "the new link")) - since;

      console.log(`watch latency in ${NS} (debounce 50 ms): ${Object.entries(latencies).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(", ")}`);
      expect(errors).toEqual([]);

      controller.abort();
      await w.stop();
      const monitors = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((pid) => {
        try {
          const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
          return argv.includes(NS) && argv.includes("monitor");
        } catch {
          return false;
        }
      });
      expect(monitors).toEqual([]);
    });

    it("restarts a monitor that dies, with resync, and reports the failure", async () => {
      const dying = fakeIp("dying-ip", "[LINK]1: lo: <LOOPBACK,UP>\n", 3);
      const fake = createKernelDataplane({ ipPath: dying, timeoutMs: 5_000 });
      const log = new ChangeLog();
      const errors: unknown[] = [];
      const w = fake.watch({ onChange: log.push, onError: (e) => errors.push(e), debounceMs: 20 });
      watches.push(w);
      await log.waitFor((c) => c.resync, 0, "a resync after the monitor's restart");
      await w.stop();
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(isFibwardenError(errors[0], "FW_KERNEL_READ")).toBe(true);
      expect(String((errors[0] as Error).message)).toMatch(/dying-ip .*monitor label route rule link address netconf` exited with 3/);
    });
  });

  describe("reading without a spool file", () => {
    it("falls back to a pipe and reads the same routes", async () => {
      const piped = createKernelDataplane({ netns: NS, timeoutMs: 30_000, spoolDir: "/nonexistent/spool" });
      const sort = (rs: Route[]) => rs.map((r) => JSON.stringify(r)).sort();
      // The namespace's IPv6 link-local addresses finish DAD on their own time, each adding a local
      // route: compare reads made while nothing changed (the spooled read before and after agree).
      await pollUntil(async () => {
        const before = sort(await dp.readRoutes());
        const viaPipe = sort(await piped.readRoutes());
        const after = sort(await dp.readRoutes());
        const settled = JSON.stringify(before) === JSON.stringify(after);
        return { done: settled && JSON.stringify(viaPipe) === JSON.stringify(after), detail: settled ? `pipe ${viaPipe.length} routes, spool ${after.length}` : "routes changed during the reads" };
      }, { timeoutMs: DEADLINE_MS.state, intervalMs: 200, what: "a piped route read equal to spooled reads of a quiet kernel" });
    });
  });

  describe("bad input", () => {
    it("`ip` missing: FW_KERNEL_READ naming the command", async () => {
      const missing = createKernelDataplane({ ipPath: "/nonexistent/ip", netns: NS, timeoutMs: 5_000 });
      await expect(missing.readRoutes(4)).rejects.toMatchObject({ code: "FW_KERNEL_READ", message: expect.stringMatching(/^`\/nonexistent\/ip -n \S+ -4 -N -json -details route show table all` could not be started/) });
      await expect(missing.readRules(6)).rejects.toMatchObject({ code: "FW_KERNEL_READ", message: expect.stringContaining("rule show") });
      const res = await missing.apply([ops.addRoute(makeRoute({ dst: "10.60.0.0/24", table: 1000, protocol: OURS, type: "blackhole" }))], { verify: "none" });
      expect(res.results[0]).toMatchObject({ status: "failed", error: expect.stringContaining("could not be started") });
    });

    it("a namespace that does not exist: FW_KERNEL_READ / FW_SYSCTL with iproute2's message", async () => {
      const gone = createKernelDataplane({ netns: `${NS}gone`, timeoutMs: 5_000 });
      await expect(gone.readRoutes(4)).rejects.toMatchObject({ code: "FW_KERNEL_READ", message: expect.stringMatching(/Cannot open network namespace/) });
      await expect(gone.readAddresses()).rejects.toMatchObject({ code: "FW_KERNEL_READ" });
      await expect(gone.readSysctls()).rejects.toMatchObject({ code: "FW_SYSCTL", message: expect.stringContaining("netns exec") });
      const res = await gone.apply([ops.addRoute(makeRoute({ dst: "10.61.0.0/24", table: 1000, protocol: OURS, type: "blackhole" }))]);
      expect(res.results[0]?.status).toBe("unknown");
      expect(res.results[0]?.confirmed).toBeUndefined();
      expect(res.verifyError).toMatch(/Cannot open network namespace/);
    });

    it("refuses namespace names that would escape /run/netns", () => {
      for (const netns of ["../x", "a/b", "", "-n", ".."]) {
        expect(() => createKernelDataplane({ netns, timeoutMs: 5_000 })).toThrow(expect.objectContaining({ code: "FW_INVALID_TOKEN" }));
      }
    });

    it("output that fails validation: FW_KERNEL_READ naming the command", async () => {
      const liar = createKernelDataplane({ ipPath: fakeIp("liar-ip", "[{\"type\":\"unicast\",\"dst\":5}]"), timeoutMs: 5_000 });
      const err = await liar.readRoutes(4).catch((e: unknown) => e);
      expect(isFibwardenError(err, "FW_KERNEL_READ")).toBe(true);
      expect((err as Error).message).toMatch(/liar-ip -4 -N -json -details route show table all`: output failed validation/);
      const truncated = createKernelDataplane({ ipPath: fakeIp("cut-ip", "[{\"type\":\"blackhole\",\"dst\":\"10.0.0.0/8\"},{\"ty"), timeoutMs: 5_000 });
      await expect(truncated.readRoutes(4)).rejects.toMatchObject({ code: "FW_KERNEL_READ", message: expect.stringContaining("before the JSON array is closed") });
      const badRules = createKernelDataplane({ ipPath: fakeIp("rules-ip", "[{\"priority\":\"x\"}]"), timeoutMs: 5_000 });
      await expect(badRules.readRules(4)).rejects.toMatchObject({ code: "FW_KERNEL_READ", message: expect.stringContaining("rule show`: output failed validation") });
    });
  });
});
