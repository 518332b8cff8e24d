// watchKernel with a fake `ip` (a shell script printing monitor text in timed pieces): route
// events carry their whole route, continuation lines stay with their event across reads, batches
// keep order and the route cap. The waits are bounded; the pieces are spaced well inside the
// debounce time so the outcome does not depend on how fast this machine is.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { KernelChange, KernelWatch } from "../../../../src/adapters/ports.js";
import { watchKernel } from "../../../../src/adapters/kernel/watch.js";

const dir = mkdtempSync(join(tmpdir(), "fw-watch-"));
const watches: KernelWatch[] = [];
afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.stop()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake `ip` that runs `body` (sh) and then stays alive like a monitor (or exits with `exitCode`). */
function fakeIp(name: string, body: string, exitCode?: number): string {
  const path = join(dir, name);
  const tail = exitCode === undefined ? "exec sleep 60" : `exit ${exitCode}`;
  writeFileSync(path, `#!/bin/sh\n${body}\n${tail}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A shell `printf` of `text` (one write). */
const out = (text: string): string => `printf '%s' '${text.replace(/'/g, "'\\''")}'`;

/** Starts a watch and collects its batches until `done` says enough; rejects after `timeoutMs`. */
async function collect(ipPath: string, opts: { debounceMs: number; maxRouteDetails?: number }, done: (all: KernelChange[]) => boolean, timeoutMs = 15_000): Promise<{ batches: KernelChange[]; errors: unknown[] }> {
  const batches: KernelChange[] = [];
  const errors: unknown[] = [];
  let wake = (): void => undefined;
  const w = watchKernel({ ipPath, timeoutMs: 5_000 }, { ...opts, onChange: (c) => { batches.push(c); wake(); }, onError: (e) => errors.push(e) });
  watches.push(w);
  await w.started;
  const deadline = Date.now() + timeoutMs;
  while (!done(batches)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no expected batches within ${timeoutMs} ms; got ${JSON.stringify(batches)}`);
    await new Promise<void>((resolve) => { const t = setTimeout(resolve, left); wake = () => { clearTimeout(t); resolve(); }; });
  }
  await w.stop();
  return { batches, errors };
}

const routesOf = (batches: KernelChange[]) => batches.flatMap((b) => b.routes);

describe("watchKernel route details", () => {
  it("keeps nexthop lines that come in a later read with their route event", async () => {
    const ip = fakeIp("split", [
      out("[ROUTE]10.13.0.0/24 proto 201 \n\tnexthop via 10.0.0.2 dev v0 weight 2 \n"),
      "sleep 0.1",
      out("\tnexthop via 10.0.1.2 dev v1 weight 3 \n"),
    ].join("\n"));
    const { batches } = await collect(ip, { debounceMs: 1_000 }, (all) => routesOf(all).length >= 1);
    expect(batches.some((b) => b.resync)).toBe(false);
    expect(routesOf(batches)).toEqual([{
      family: 4, table: 254, dst: "10.13.0.0/24", deleted: false,
      route: {
        family: 4, table: 254, dst: "10.13.0.0/24", type: "unicast", protocol: 201, metric: 0, tos: 0, scope: 0,
        nexthops: [{ gateway: "10.0.0.2", dev: "v0", weight: 2, onlink: false }, { gateway: "10.0.1.2", dev: "v1", weight: 3, onlink: false }],
      },
    }]);
  });

  it("carries an open route event over a batch that the 10x cap forces out mid-burst", async () => {
    // A link event, then a multipath route whose nexthop lines keep trickling in (every 20 ms,
    // far inside the 500 ms debounce, so that even a loaded machine leaves no quiet gap) until
    // the test has seen the first batch: only the cap (10 x 500 ms) can have forced that batch
    // out, with the route event still open. The trickle is bounded (2,000 lines, 40 s).
    const go = join(dir, "trickle-go");
    const count = join(dir, "trickle-count");
    rmSync(go, { force: true });
    const ip = fakeIp("trickle", [
      out("[LINK]3: v0: <UP> mtu 1500\n"), out("[ROUTE]10.13.0.0/24 proto 201 \n"),
      "i=0",
      `while [ ! -e '${go}' ] && [ $i -lt 2000 ]; do`,
      "  printf '\\tnexthop via 10.0.%d.%d dev v0 weight 1 \\n' $((i / 250)) $((i % 250 + 1))",
      "  i=$((i + 1))",
      "  sleep 0.02",
      "done",
      `echo $i > '${count}'`,
    ].join("\n"));
    const { batches } = await collect(ip, { debounceMs: 500 }, (all) => {
      if (all.length >= 1) writeFileSync(go, "");
      return routesOf(all).length >= 1;
    });
    expect(batches.some((b) => b.resync)).toBe(false);
    expect(batches[0]!.kinds).toEqual(["link"]);
    expect(batches[0]!.routes).toEqual([]);
    const [change] = routesOf(batches);
    const printed = Number(readFileSync(count, "utf8"));
    expect(printed).toBeGreaterThan(1);
    // Every nexthop printed, the last ones (after the first batch) too.
    const printedGateways = Array.from({ length: printed }, (_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    expect(change!.route?.nexthops.map((n) => n.gateway).sort()).toEqual(printedGateways.sort());
  });

  it("keeps events in order and caps the details per batch", async () => {
    const ip = fakeIp("many", out([
      "[ROUTE]10.1.0.0/24 via 10.0.0.2 dev v0 ",
      "[ROUTE]Deleted 10.2.0.0/24 via 10.0.0.2 dev v0 ",
      "[LINK]3: v0: <UP> mtu 1500",
      "[ROUTE]10.3.0.0/24 proto 201 ",
      "\tnexthop via 10.0.0.2 dev v0 weight 1 sparkly",
      "[ROUTE]fd00:4::/64 via fd00::2 dev v0 metric 1024 pref medium",
      "[ROUTE]10.5.0.0/24 via 10.0.0.2 dev v0 ",
      "",
    ].join("\n")));
    const { batches } = await collect(ip, { debounceMs: 100, maxRouteDetails: 4 }, (all) => all.length >= 1);
    expect(batches).toHaveLength(1);
    const b = batches[0]!;
    expect(b.events).toBe(6);
    expect(b.routesTruncated).toBe(true);
    expect(b.routes.map((r) => [r.dst, r.deleted, r.route?.dst])).toEqual([
      ["10.1.0.0/24", false, "10.1.0.0/24"],
      ["10.2.0.0/24", true, "10.2.0.0/24"],
      ["10.3.0.0/24", false, undefined], // a nexthop line it does not understand: no route
      ["fd00:4::/64", false, "fd00:4::/64"],
    ]);
  });

  it("drops the route of an event the monitor's exit may have cut short", async () => {
    const ip = fakeIp("dies", out("[ROUTE]10.13.0.0/24 proto 201 \n\tnexthop via 10.0.0.2 dev v0 weight 2 \n"), 3);
    const { batches, errors } = await collect(ip, { debounceMs: 50 }, (all) => routesOf(all).length >= 1);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(routesOf(batches)[0]).toEqual({ family: 4, table: 254, dst: "10.13.0.0/24", deleted: false });
  });
});
