/**
 * BIRD 1.6 in the lab, run as calico-node runs it: two daemons in the node's namespace, `bird`
 * (IPv4, socket `bird.ctl`) and `bird6` (IPv6, socket `bird6.ctl`), beside a BIRD 2 router.
 *
 * Debian's BIRD 1.6 package (`bird`) conflicts with `bird2`, so the 1.6 binaries are not
 * installed: `scripts/fetch-bird16.sh` downloads the package and unpacks it into
 * `.cache/bird16/root` (or point FIBWARDEN_BIRD16_DIR at a directory with `bird` and `bird6`).
 *
 *   router(BIRD 2, AS 65000) ─ ra0 ══ link A ══ na0 ─ node(bird + bird6 1.6, AS 65001)
 *                            └ rb0 ══ link B ══ nb0 ┘
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startBirdDaemon, type BirdHandle } from "./bird-daemon.js";
import type { Lab, LabNamespace } from "./lab.js";
import { renderRouterBirdConfig } from "./two-uplink-bird.js";
import { planTwoUplink, toCidr, type TwoUplinkOptions, type TwoUplinkPlan, type UplinkPlan } from "./two-uplink-plan.js";
import { waitForBgp } from "./wait-bird.js";
import { waitForAnnouncedRoutes } from "./wait-routes.js";
import { DEADLINE_MS, pollUntil } from "./wait.js";

/** How to get the binaries, for skip messages. */
export const BIRD16_FETCH_HINT = "run `bash scripts/fetch-bird16.sh` (apt-get download bird + dpkg -x into .cache/bird16/), "
  + "or set FIBWARDEN_BIRD16_DIR to a directory holding BIRD 1.6 `bird` and `bird6`";

/** Paths of the BIRD 1.6 daemons. */
export interface Bird16Binaries {
  bird: string;
  bird6: string;
  /** `1.6.8`. */
  version: string;
}

/** Outcome of `locateBird16`. */
export type Bird16Support = { ok: true; binaries: Bird16Binaries } | { ok: false; reason: string };

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Where `scripts/fetch-bird16.sh` unpacks the binaries by default. */
export const DEFAULT_BIRD16_DIR = join(REPO_ROOT, ".cache/bird16/root/usr/sbin");

let cached: Bird16Support | undefined;

/** Finds runnable BIRD 1.6 `bird` and `bird6` (checked once per process, synchronously). */
export function locateBird16(): Bird16Support {
  cached ??= probe(process.env.FIBWARDEN_BIRD16_DIR ?? DEFAULT_BIRD16_DIR);
  return cached;
}

function probe(dir: string): Bird16Support {
  const paths = { bird: join(dir, "bird"), bird6: join(dir, "bird6") };
  let version = "";
  for (const path of [paths.bird, paths.bird6]) {
    if (!existsSync(path)) return { ok: false, reason: `BIRD 1.6 not found: ${path} does not exist; ${BIRD16_FETCH_HINT}` };
    // generous: a probe timed out on a busy machine would skip the BIRD 1.6 tests
    const run = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
    const text = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim();
    const m = /BIRD version (1\.6\.\d+)/.exec(text);
    if (run.error !== undefined || m === null) {
      return { ok: false, reason: `${path} is not a runnable BIRD 1.6 (${run.error?.message ?? (text || `exit ${String(run.status)}`)}); ${BIRD16_FETCH_HINT}` };
    }
    version = m[1]!;
  }
  return { ok: true, binaries: { ...paths, version } };
}

/**
 * Starts one BIRD 1.6 daemon in `ns`: `bird` for family 4 (socket `bird.ctl`), `bird6` for
 * family 6 (socket `bird6.ctl`), in the lab dir under `name`. The lab's teardown kills it (its
 * pid file lives in the lab dir, and it runs in a lab namespace); `Lab.startBird` is not used
 * because it always runs the BIRD 2 on PATH.
 */
export async function startBird16(
  lab: Lab, ns: LabNamespace, family: 4 | 6, configText: string, binaries: Bird16Binaries, name = `${ns.localName}${family}`,
): Promise<BirdHandle> {
  return startBirdDaemon({
    name,
    namespace: ns.name,
    dir: join(lab.dir, name),
    binary: family === 4 ? binaries.bird : binaries.bird6,
    socketName: family === 4 ? "bird.ctl" : "bird6.ctl",
  }, configText);
}

/** Fast BGP timers (as in the BIRD 2 lab configs); BIRD 1.6 accepts the same syntax. */
const BGP_TIMERS = ["connect delay time 1;", "connect retry time 2;", "error wait time 1, 4;", "hold time 9;", "keepalive time 3;"];

/**
 * Renders a calico-style BIRD 1.6 node config for `bird` (family 4) or `bird6` (family 6): one
 * kernel protocol `kernel1` (as calico's unnamed `protocol kernel` is called) exporting the BGP
 * routes into the main table with `merge paths on`, and one BGP session per uplink.
 */
export function renderBird16NodeConfig(plan: TwoUplinkPlan, family: 4 | 6): string {
  const key = family === 4 ? "ipv4" : "ipv6";
  const lines = [
    // bird6 has no IPv4 address to take a router id from: always set it.
    `router id ${plan.routerId.node};`,
    "",
    "protocol device { scan time 10; }",
    "",
    "protocol kernel kernel1 {",
    `  scan time ${plan.scanTimeS};`,
    "  merge paths on;",
    "  import none;",
    "  export where source = RTS_BGP;",
    "}",
    "",
    "template bgp uplink {",
    `  local as ${plan.asn.node};`,
    ...BGP_TIMERS.map((t) => `  ${t}`),
    "  import all;",
    "  export none;",
    "}",
  ];
  for (const uplink of [plan.uplinks.a, plan.uplinks.b]) {
    const name = family === 4 ? uplink.nodeSessions.v4 : uplink.nodeSessions.v6;
    lines.push(
      `protocol bgp ${name} from uplink {`,
      `  source address ${uplink.node[key]};`,
      `  neighbor ${uplink.router[key]} as ${plan.asn.router};`,
      "}",
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Everything a test needs to know about a built BIRD 1.6 topology. */
export interface Bird16Topology {
  lab: Lab;
  plan: TwoUplinkPlan;
  binaries: Bird16Binaries;
  ns: { router: LabNamespace; node: LabNamespace };
  /** The router's BIRD 2, and the node's BIRD 1.6 `bird` (v4) and `bird6` (v6). */
  birds: { router: BirdHandle; node4: BirdHandle; node6: BirdHandle };
  /** BGP protocol names on the node, per daemon. */
  sessions: { node4: string[]; node6: string[]; router: string[] };
  configs: { router: string; node4: string; node6: string };
}

/**
 * Builds router + node joined by the two uplinks of the two-uplink plan (same addresses, ASNs,
 * router config and prefixes), with BIRD 1.6 on the node, and waits for all BGP sessions and for
 * the router's routes in the node's kernel (the client's subnet is not announced: the router has
 * no client link here).
 */
export async function buildBird16Topology(lab: Lab, binaries: Bird16Binaries, options: TwoUplinkOptions = {}): Promise<Bird16Topology> {
  const plan = planTwoUplink(options);
  const router = await lab.addNamespace("router");
  const node = await lab.addNamespace("node");
  const uplinks: UplinkPlan[] = [plan.uplinks.a, plan.uplinks.b];
  for (const uplink of uplinks) {
    await lab.link(router, uplink.router.ifname, node, uplink.node.ifname, {
      addrsA: [toCidr(uplink.router.ipv4, uplink.len4), toCidr(uplink.router.ipv6, uplink.len6)],
      addrsB: [toCidr(uplink.node.ipv4, uplink.len4), toCidr(uplink.node.ipv6, uplink.len6)],
    });
  }
  // bird6 1.6 starts its BGP sessions before it knows the interfaces' link-local addresses
  // ("up_a6: Missing link local address on interface na0"); it learns them about 1.5 s later,
  // even when they existed long before, and then restarts every IPv6 session ("up_a6: Neighbor
  // lost"; the router logs "Received: Cease"), so that routes flap to the backup link for a few
  // seconds. So: start BIRD once DAD has finished on every uplink, and wait for BGP only after
  // bird6 lists the link-local addresses (see `waitForBirdLinkLocal`).
  await waitForLinkLocal(router, uplinks.map((u) => u.router.ifname));
  await waitForLinkLocal(node, uplinks.map((u) => u.node.ifname));
  const configs = {
    router: renderRouterBirdConfig(plan),
    node4: renderBird16NodeConfig(plan, 4),
    node6: renderBird16NodeConfig(plan, 6),
  };
  const birds = {
    router: await lab.startBird(router, configs.router),
    node4: await startBird16(lab, node, 4, configs.node4, binaries),
    node6: await startBird16(lab, node, 6, configs.node6, binaries),
  };
  const sessions = {
    node4: uplinks.map((u) => u.nodeSessions.v4),
    node6: uplinks.map((u) => u.nodeSessions.v6),
    router: uplinks.flatMap((u) => [u.routerSessions.v4, u.routerSessions.v6]),
  };
  if (options.waitForSessions ?? true) {
    await waitForBirdLinkLocal(birds.node6, uplinks.map((u) => u.node.ifname));
    await waitForBgp(birds.node4, sessions.node4);
    await waitForBgp(birds.node6, sessions.node6);
    await waitForBgp(birds.router, sessions.router);
    await waitForAnnouncedRoutes(node, plan, false);
  }
  return { lab, plan, binaries, ns: { router, node }, birds, sessions, configs };
}

/** Polls until each interface has a usable (non-tentative) IPv6 link-local address (bounded). */
export async function waitForLinkLocal(ns: LabNamespace, ifnames: readonly string[]): Promise<void> {
  await pollUntil(async () => {
    const out = await ns.ip(["-6", "-json", "addr", "show", "scope", "link"]);
    const links = JSON.parse(out.trim() === "" ? "[]" : out) as Array<{ ifname: string; addr_info?: Array<{ tentative?: boolean; dadfailed?: boolean }> }>;
    const pending = ifnames.filter((name) => !links.some((l) => l.ifname === name
      && (l.addr_info ?? []).some((a) => a.tentative !== true && a.dadfailed !== true)));
    return { done: pending.length === 0, detail: `no usable link-local address yet on ${pending.join(", ")} in ${ns.name}` };
  }, { timeoutMs: DEADLINE_MS.state, intervalMs: 100, what: `IPv6 link-local addresses in ${ns.name}` });
}

/** Polls bird6's `show interfaces` until it lists a link-local (`scope link`) address on each interface. */
export async function waitForBirdLinkLocal(bird6: BirdHandle, ifnames: readonly string[]): Promise<void> {
  await pollUntil(async () => {
    const reply = await bird6.query("show interfaces");
    const seen = new Set<string>();
    let current = "";
    for (const line of reply.split("\n")) {
      const head = /^1001-(\S+) /.exec(line);
      if (head) current = head[1]!;
      else if (/scope link\)/.test(line)) seen.add(current);
    }
    const pending = ifnames.filter((name) => !seen.has(name));
    return { done: pending.length === 0, detail: `bird6 ${bird6.name} has no link-local address on ${pending.join(", ")} yet:\n${reply}` };
  }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 100, what: `link-local addresses in bird6 ${bird6.name}` });
}
