// The kernel dataplane's long-lived `ip -batch -` processes (src/adapters/kernel/batch-session.ts)
// against real iproute2 in a namespace this file creates and deletes: one process serves many
// applies and each batch's failures keep their own line numbers; a process that died between
// applies, an `ip` that never answers the end-of-batch word, one that hangs or dies mid-batch:
// every op still gets its verdict, and none is reported applied that iproute2 did not report on.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKernelDataplane, type KernelDataplane } from "../../src/adapters/kernel/index.js";
import { makeRoute } from "../../src/core/model/normalize.js";
import type { Route } from "../../src/core/model/route.js";
import type { PlanOp } from "../../src/core/plan/types.js";
import { DEADLINE_MS, pollUntil } from "../lab/index.js";
import { netnsSkipReason } from "../support/netns-skip.js";
import { processesWith } from "../support/processes.js";

const SKIP = netnsSkipReason("fwbsprobe");
if (SKIP !== undefined) console.warn(`\n*** SKIPPING test/integration/kernel-batch-session.test.ts: ${SKIP} ***\n`);

const NS = `fwbs${process.pid.toString(36)}${randomBytes(2).toString("hex")}`;
const OURS = 201;

function ipns(...args: string[]): string {
  const r = spawnSync("ip", ["-n", NS, ...args], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip -n ${NS} ${args.join(" ")}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

const add = (route: Route): PlanOp => ({ kind: "route.add", route, reason: "test" });
const del = (route: Route): PlanOp => ({ kind: "route.delete", route, reason: "test" });
const hole = (dst: string): Route => makeRoute({ dst, table: 1000, protocol: OURS, type: "blackhole" });

/** Pids of the running `ip ... -batch -` processes of this file's namespace (or of `ipPath`). */
const batchPids = (marker = NS): number[] => processesWith(marker, "-batch");

describe.skipIf(SKIP !== undefined)("apply through long-lived ip -batch processes (real ip, real kernel)", () => {
  let dp: KernelDataplane;
  let fakeDir: string;

  beforeAll(() => {
    fakeDir = mkdtempSync(join(tmpdir(), "fwbs-fake-ip-"));
    spawnSync("ip", ["netns", "add", NS], { timeout: 10_000 });
    ipns("link", "set", "lo", "up");
    dp = createKernelDataplane({ netns: NS, timeoutMs: 30_000, ownProtocol: OURS });
  });

  afterAll(async () => {
    await dp.close?.();
    spawnSync("ip", ["netns", "delete", NS], { timeout: 10_000 });
    rmSync(fakeDir, { recursive: true, force: true });
    expect(batchPids()).toEqual([]);
  });

  /** A script standing in for `ip` (bash, from `body`), in this file's temporary directory. */
  function fakeIp(name: string, body: string): string {
    const path = join(fakeDir, name);
    writeFileSync(path, `#!/bin/bash\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it("one process serves several applies; each batch's failures are named by its own lines", async () => {
    const first = await dp.apply([add(hole("10.30.0.0/24")), add(hole("10.30.0.0/24")), add(hole("10.31.0.0/24"))]);
    expect(first.results.map((r) => r.status)).toEqual(["applied", "failed", "applied"]);
    expect(first.results[1]?.error).toMatch(/File exists/);
    const pids = batchPids();
    expect(pids).toHaveLength(1);
    // Line 1 of this batch is line 5 of the process (3 lines and an end-of-batch word before it).
    const second = await dp.apply([add(hole("10.31.0.0/24")), add(hole("10.32.0.0/24")), del(hole("10.99.0.0/24"))]);
    expect(second.results.map((r) => r.status)).toEqual(["failed", "applied", "failed"]);
    expect(second.results[0]?.error).toMatch(/File exists/);
    expect(second.results[2]?.error).toMatch(/No such process/);
    expect(batchPids()).toEqual(pids);
    const table = ipns("-4", "route", "show", "table", "1000");
    for (const dst of ["10.30.0.0/24", "10.31.0.0/24", "10.32.0.0/24"]) expect(table).toContain(dst);
    // An IPv6 batch runs in a process of its own family.
    const v6 = await dp.apply([add(makeRoute({ dst: "fd00:30::/48", table: 1000, protocol: OURS, type: "blackhole" }))]);
    expect(v6.results.map((r) => r.status)).toEqual(["applied"]);
    expect(batchPids()).toHaveLength(2);
  });

  it("a process that died between applies is replaced; every op gets its verdict", async () => {
    const [pid] = batchPids().filter((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").includes("-4"));
    expect(pid).toBeDefined();
    process.kill(pid!, "SIGKILL");
    const batch = [add(hole("10.33.0.0/24")), add(hole("10.30.0.0/24"))];
    let res = await dp.apply(batch);
    if (res.results.some((r) => r.status === "unknown")) {
      // The apply raced the death (not seen yet): nothing is claimed, the kernel was re-read.
      expect(res.results.map((r) => r.status)).toEqual(["unknown", "unknown"]);
      expect(res.results[0]?.error).toMatch(/killed by SIGKILL/);
      expect(res.results.map((r) => r.confirmed)).toEqual([false, true]);
      res = await dp.apply(batch);
    }
    expect(res.results.map((r) => r.status)).toEqual(["applied", "failed"]);
    expect(batchPids()).not.toContain(pid);
  });

  it("close() ends the processes; the next apply starts new ones", async () => {
    await dp.close?.();
    expect(batchPids()).toEqual([]);
    const res = await dp.apply([del(hole("10.33.0.0/24"))]);
    expect(res.results.map((r) => r.status)).toEqual(["applied"]);
    expect(batchPids()).toHaveLength(1);
  });

  it("an ip that never answers the end-of-batch word: the batch runs in a process of its own", async () => {
    // Passes one-shot runs (stdin closed) to the real ip; reads a session's stdin forever.
    const mute = fakeIp("mute-ip", `input=$(cat)\nexec ip "$@" <<< "$input"`);
    const slow = createKernelDataplane({ netns: NS, ipPath: mute, timeoutMs: 1_500, ownProtocol: OURS });
    try {
      const res = await slow.apply([add(hole("10.34.0.0/24")), add(hole("10.30.0.0/24"))]);
      expect(res.results.map((r) => r.status)).toEqual(["applied", "failed"]);
      expect(res.results[1]?.error).toMatch(/File exists/);
      expect(ipns("-4", "route", "show", "table", "1000")).toContain("10.34.0.0/24");
    } finally {
      await slow.close?.();
    }
  });

  it("an ip that dies or hangs mid-batch: the lines it did not report on are unknown, none applied", async () => {
    // A stand-in session: answers the end-of-batch word as iproute2 does; line 2 of a batch
    // naming 10.66. kills it, one naming 10.77. hangs it; other lines succeed silently.
    const body = [
      'n=0',
      'while IFS= read -r line; do',
      '  n=$((n+1))',
      '  case "$line" in',
      '    fibwarden-batch-end*) printf \'Object "%s" is unknown, try "ip help".\\nCommand failed -:%d\\n\' "$line" "$n" >&2 ;;',
      '    *10.66.*) exit 3 ;;',
      '    *10.77.*) sleep 30 ;;',
      '  esac',
      'done',
    ].join("\n");
    const flaky = createKernelDataplane({ netns: NS, ipPath: fakeIp("flaky-ip", body), timeoutMs: 1_500, ownProtocol: OURS });
    try {
      const dying = await flaky.apply([add(hole("10.65.0.0/24")), add(hole("10.66.0.0/24")), add(hole("10.67.0.0/24"))], { verify: "none" });
      expect(dying.results.map((r) => r.status)).toEqual(["unknown", "unknown", "unknown"]);
      expect(dying.results[2]?.error).toMatch(/exited with 3/);
      // The next apply starts a new process and is in step with it.
      const after = await flaky.apply([add(hole("10.68.0.0/24"))], { verify: "none" });
      expect(after.results.map((r) => r.status)).toEqual(["applied"]);
      const hanging = await flaky.apply([add(hole("10.76.0.0/24")), add(hole("10.77.0.0/24"))], { verify: "none" });
      expect(hanging.results.map((r) => r.status)).toEqual(["unknown", "unknown"]);
      expect(hanging.results[1]?.error).toMatch(/timed out after 1500 ms/);
      // The hung process was killed (SIGKILL); it is gone once the kernel has ended it, which
      // under load is not at once: waited for, bounded.
      await pollUntil(async () => {
        const left = processesWith(join(fakeDir, "flaky-ip"), "-batch");
        return { done: left.length === 0, detail: `still running: ${left.join(", ")}` };
      }, { what: "the killed flaky-ip -batch process gone", timeoutMs: DEADLINE_MS.state, intervalMs: 50 });
    } finally {
      await flaky.close?.();
    }
  });
});
