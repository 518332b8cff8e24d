// Torn kernel dumps: when the kernel's tables change during a dump, it flags the dump
// NLM_F_DUMP_INTR and iproute2 prints "Dump was interrupted and may be inconsistent." (with
// the output complete or cut off, and exit 0 or an error). Such a dump may miss or repeat
// objects: it is tried again, at most DUMP_ATTEMPTS times, and otherwise the observation is
// incomplete (nothing planned from it). The kernel sets the flag only under races this test
// cannot provoke on demand, so `ip` here is a wrapper around the real one (in a namespace this
// file creates) that reports the first N dumps interrupted, the two ways iproute2 does.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKernelDataplane } from "../../src/adapters/kernel/index.js";
import { DUMP_ATTEMPTS } from "../../src/adapters/kernel/read.js";
import { isFibwardenError } from "../../src/core/errors.js";
import { routeKey } from "../../src/core/model/keys.js";
import type { Route } from "../../src/core/model/route.js";
import { observeKernel } from "../../src/reconciler/pass.js";
import { DEADLINE_MS, pollUntil } from "../lab/wait.js";
import { netnsSkipReason } from "../support/netns-skip.js";

const SKIP = netnsSkipReason("fwtdprobe");
if (SKIP !== undefined) console.warn(`\n*** SKIPPING test/integration/kernel-torn-dump.test.ts: ${SKIP} ***\n`);

const NS = `fwtd${process.pid.toString(36)}${randomBytes(2).toString("hex")}`;
const REAL_IP = spawnSync("sh", ["-c", "command -v ip"], { encoding: "utf8" }).stdout.trim() || "/usr/sbin/ip";

function ipns(...args: string[]): string {
  const r = spawnSync(REAL_IP, ["-n", NS, ...args], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip -n ${NS} ${args.join(" ")}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

let dir = "";
let wrapper = "";

/**
 * The next `count` dumps the wrapper runs are reported interrupted, in `mode`; every dump from
 * now on with `count` "all" (no count to race on: reads of a failed observation may still be
 * running when the test goes on).
 */
function tear(count: number | "all", mode: "warn" | "torn"): void {
  writeFileSync(join(dir, "left"), `${count}\n`);
  writeFileSync(join(dir, "mode"), `${mode}\n`);
  writeFileSync(join(dir, "dumps"), "");
}

/** How many dumps the wrapper ran since the last `tear`. */
const dumpsRun = (): number => readFileSync(join(dir, "dumps"), "utf8").split("\n").filter(Boolean).length;

const dataplane = () => createKernelDataplane({ netns: NS, ipPath: wrapper, timeoutMs: 20_000 });

describe.skipIf(SKIP !== undefined)("torn kernel dumps (real ip in a namespace, behind a wrapper that reports interruptions)", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fw-torn-"));
    wrapper = join(dir, "ip");
    // `warn`: the whole dump, exit as ip exited, the warning on stderr (iproute2 before 6.x).
    // `torn`: the output cut off in the middle, the warning, "Dump terminated", exit 2.
    writeFileSync(wrapper, `#!/bin/sh
state='${dir}'
case " $* " in *" show "*) ;; *) exec '${REAL_IP}' "$@" ;; esac
echo "$*" >> "$state/dumps"
left=$(cat "$state/left")
if [ "$left" = all ] || [ "$left" -gt 0 ]; then
  [ "$left" = all ] || echo $((left - 1)) > "$state/left"
  if [ "$(cat "$state/mode")" = warn ]; then
    '${REAL_IP}' "$@"; rc=$?
    echo "Dump was interrupted and may be inconsistent." >&2
    exit $rc
  fi
  '${REAL_IP}' "$@" | head -c 60
  echo "Dump was interrupted and may be inconsistent." >&2
  echo "Dump terminated" >&2
  exit 2
fi
exec '${REAL_IP}' "$@"
`);
    chmodSync(wrapper, 0o755);
    tear(0, "warn");
    spawnSync(REAL_IP, ["netns", "add", NS], { encoding: "utf8" });
    ipns("link", "add", "d0", "type", "veth", "peer", "name", "d1");
    ipns("link", "set", "d0", "up");
    ipns("link", "set", "d1", "up");
    ipns("address", "add", "192.0.2.1/24", "dev", "d0");
    for (let i = 1; i <= 20; i++) ipns("route", "add", `198.51.100.${i}/32`, "dev", "d0", "proto", "12");
    // The veths' IPv6 link-local addresses finish duplicate address detection a moment later and
    // their routes appear then: the tests compare dumps, so wait until the table holds still.
    await pollUntil(async () => {
      const tentative = ipns("-6", "address", "show", "tentative").trim();
      return { done: tentative === "", detail: tentative };
    }, { timeoutMs: DEADLINE_MS.state, intervalMs: 50, what: `IPv6 duplicate address detection done in ${NS}` });
  });

  afterAll(() => {
    spawnSync(REAL_IP, ["netns", "del", NS], { encoding: "utf8" });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a route dump reported interrupted once is read again and the second, clean dump is used (both ways)", async () => {
    const expected = await createKernelDataplane({ netns: NS, ipPath: REAL_IP, timeoutMs: 20_000 }).readRoutes(4);
    expect(expected.filter((r) => r.protocol === 12)).toHaveLength(20);
    for (const mode of ["warn", "torn"] as const) {
      tear(1, mode);
      const routes = await dataplane().readRoutes(4);
      expect(dumpsRun(), `${mode}: dumps run`).toBe(2);
      expect(routes, mode).toEqual(expected);
    }
  });

  it("rules and addresses reported interrupted are read again too", async () => {
    tear(1, "warn");
    const rules = await dataplane().readRules(4);
    expect(dumpsRun()).toBe(2);
    expect(rules.map((r) => r.priority)).toContain(32766);
    tear(1, "torn");
    const addresses = await dataplane().readAddresses();
    expect(dumpsRun()).toBe(2);
    expect(addresses.map((a) => a.address)).toContain("192.0.2.1");
  });

  it(`a dump interrupted ${DUMP_ATTEMPTS} times in a row fails with FW_KERNEL_DUMP_INTERRUPTED after exactly ${DUMP_ATTEMPTS} tries`, async () => {
    for (const mode of ["warn", "torn"] as const) {
      tear("all", mode);
      const err = await dataplane().readRoutes(4).then(() => undefined, (e: unknown) => e);
      expect(isFibwardenError(err, "FW_KERNEL_DUMP_INTERRUPTED"), `${mode}: ${String(err)}`).toBe(true);
      expect(dumpsRun(), mode).toBe(DUMP_ATTEMPTS);
    }
  });

  it("keeps interrupting: the kernel observation is incomplete and names the code, so nothing is planned from it", async () => {
    tear("all", "torn");
    const obs = await observeKernel(dataplane());
    expect(obs.complete).toBe(false);
    expect(obs.live.routes).toEqual([]);
    expect(obs.problems.map((p) => p.code)).toEqual(["FW_KERNEL_DUMP_INTERRUPTED"]);
    expect(obs.problems[0]!.message).toMatch(/interrupted \d+ times in a row/);
    tear(0, "warn");
    const again = await observeKernel(dataplane());
    expect(again.problems).toEqual([]);
    expect(again.complete).toBe(true);
    expect(again.live.routes.filter((r) => r.protocol === 12)).toHaveLength(20);
  });

  it("streamed into a resync's parts: an interrupted dump's part is never committed, the clean retry's part is, whole", async () => {
    const whole = await createKernelDataplane({ netns: NS, ipPath: REAL_IP, timeoutMs: 20_000 }).readRoutes();
    for (const mode of ["warn", "torn"] as const) {
      tear(1, mode);
      const parts: Array<{ routes: Route[]; committed: boolean }> = [];
      const n = await dataplane().streamRoutes!(() => {
        const part = { routes: [] as Route[], committed: false };
        parts.push(part);
        return { add: (r) => { part.routes.push(r); }, commit: () => { part.committed = true; } };
      });
      // one part per dump: IPv4 and IPv6, and a retry of the one (or, racing on the wrapper's
      // counter, both) reported interrupted
      expect(parts.length, mode).toBeGreaterThanOrEqual(3);
      const kept = parts.filter((p) => p.committed);
      expect(kept, mode).toHaveLength(2);
      expect(new Set(kept.map((p) => p.routes[0]?.family)), mode).toEqual(new Set([4, 6]));
      expect(n, mode).toBe(whole.length);
      expect(kept.flatMap((p) => p.routes).sort((a, b) => (routeKey(a) < routeKey(b) ? -1 : 1)), mode)
        .toEqual([...whole].sort((a, b) => (routeKey(a) < routeKey(b) ? -1 : 1)));
    }
  });
});
