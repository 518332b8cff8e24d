/**
 * FRR in a lab namespace: zebra, bgpd and staticd as child processes (user frr), with a topology
 * where FRR on the node peers with a BIRD router over two links (ECMP through kernel nexthop
 * groups), and a BIRD beside FRR on the node for fibwarden to observe.
 *
 *   router(BIRD, AS 65000) ─ ra0 ══ link A ══ na0 ─ node(zebra+bgpd+staticd, AS 65001; BIRD, no BGP)
 *                          └ rb0 ══ link B ══ nb0 ┘
 *
 * FRR 8.x facts the helpers rely on (seen in this lab): zebra installs every route with kernel
 * metric 20 (whatever the protocol) through nexthop objects (`ip nexthop`, proto zebra), one
 * group object per ECMP set; bgpd's routes carry proto 186 (`bgp`), staticd's proto 196, which
 * FRR's package names `static` in /etc/iproute2/rt_protos.d/frr.conf (the name of proto 4).
 * The daemons write their pid files into the lab dir, so the lab's teardown kills them.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import type { BirdHandle } from "./bird-daemon.js";
import { runCommand } from "./exec.js";
import type { Lab, LabNamespace } from "./lab.js";
import { waitForBgp } from "./wait-bird.js";
import { DEADLINE_MS, pollUntil } from "./wait.js";

/** Where Debian's FRR package puts its daemons. */
export const FRR_DAEMON_DIR = "/usr/lib/frr";
const LOG_TAIL_CHARS = 2_000;

/** The daemons a lab FRR can run, in start order (zebra first: the others connect to it). */
export type FrrDaemon = "zebra" | "bgpd" | "staticd";

/** Per-daemon config text; zebra is always started, the others when given. */
export type FrrConfigs = { zebra: string } & Partial<Record<Exclude<FrrDaemon, "zebra">, string>>;

/** FRR daemons started by the lab in one namespace. */
export interface FrrHandle {
  readonly namespace: string;
  /** Config files, sockets, pid files and logs (owned by user frr). */
  readonly dir: string;
  readonly daemons: readonly FrrDaemon[];
  /** Runs one vtysh command against one daemon (`vtysh -d`); returns its output. */
  vtysh(daemon: FrrDaemon, command: string): Promise<string>;
  /** Stops the daemons (SIGTERM, bounded wait; the lab's teardown kills what is left). */
  stop(): Promise<void>;
}

/** True when FRR's zebra and bgpd are installed and the `frr` user exists. */
export function frrAvailable(): { ok: true } | { ok: false; reason: string } {
  for (const d of ["zebra", "bgpd", "staticd"]) {
    if (!existsSync(join(FRR_DAEMON_DIR, d))) return { ok: false, reason: `${join(FRR_DAEMON_DIR, d)} is missing (Debian package frr)` };
  }
  if (!readFileSync("/etc/passwd", "utf8").split("\n").some((l) => l.startsWith("frr:"))) return { ok: false, reason: "no user frr" };
  return { ok: true };
}

/** Reads uid and gid of user frr from /etc/passwd. */
function frrIds(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("frr:"));
  const [, , uid, gid] = (line ?? "").split(":");
  if (uid === undefined || gid === undefined) throw new Error("lab: no user frr in /etc/passwd");
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Starts zebra (and bgpd, staticd when configured) in `ns` as user frr, files under
 * `<lab dir>/<name>`; resolves once each daemon's vty answers.
 */
export async function startFrr(lab: Lab, ns: LabNamespace, configs: FrrConfigs, name = `frr-${ns.localName}`): Promise<FrrHandle> {
  const dir = join(lab.dir, name);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const { uid, gid } = frrIds();
  chownSync(dir, uid, gid);
  const daemons = (["zebra", "bgpd", "staticd"] as const).filter((d) => configs[d] !== undefined);
  const children: ResultPromise[] = [];
  const handle: FrrHandle = {
    namespace: ns.name, dir, daemons,
    vtysh: (daemon, command) => runCommand("vtysh", ["--vty_socket", dir, "-d", daemon, "-c", command]),
    stop: async () => {
      for (const c of [...children].reverse()) c.kill("SIGTERM");
      await Promise.race([Promise.allSettled(children), pollUntil(async () => ({ done: false }), { timeoutMs: 5_000, intervalMs: 1_000, what: "FRR daemons to exit" }).catch(() => undefined)]);
    },
  };
  for (const daemon of daemons) {
    const conf = join(dir, `${daemon}.conf`);
    writeFileSync(conf, `log file ${join(dir, `${daemon}.log`)}\n${configs[daemon]!}`);
    chownSync(conf, uid, gid);
    const argv = [
      "netns", "exec", ns.name, join(FRR_DAEMON_DIR, daemon),
      "-f", conf, "-i", join(dir, `${daemon}.pid`), "-z", join(dir, "zserv.api"), "--vty_socket", dir,
      "-u", "frr", "-g", "frr", "-P", "0",
    ];
    const out = join(dir, `${daemon}.out`);
    const child = execa("ip", argv, { reject: false, stdin: "ignore", stdout: { file: out, append: true }, stderr: { file: out, append: true } });
    children.push(child);
    let exited = false;
    void child.then(() => { exited = true; });
    await pollUntil(async () => {
      if (exited) throw new Error(`${daemon} exited during start-up: ${tail(dir, daemon)}`);
      await handle.vtysh(daemon, "show version");
      return { done: true };
    }, { timeoutMs: DEADLINE_MS.state, intervalMs: 100, what: `FRR ${daemon} in ${ns.name} answering on its vty (${dir})` })
      .catch(async (err: unknown) => {
        await handle.stop();
        throw err;
      });
  }
  return handle;
}

function tail(dir: string, daemon: string): string {
  return [".out", ".log"].map((ext) => join(dir, `${daemon}${ext}`)).filter(existsSync)
    .map((f) => readFileSync(f, "utf8").slice(-LOG_TAIL_CHARS)).join("\n").trim() || "(no output)";
}

/** Waits (bounded) until bgpd shows every neighbor in `peers` Established. */
export async function waitForFrrBgp(frr: FrrHandle, peers: readonly string[]): Promise<void> {
  await pollUntil(async () => {
    const states = new Map<string, string>();
    for (const afi of ["ipv4", "ipv6"]) {
      const out = JSON.parse(await frr.vtysh("bgpd", `show bgp ${afi} unicast summary json`)) as { peers?: Record<string, { state?: string }> };
      for (const [peer, p] of Object.entries(out.peers ?? {})) states.set(peer, p.state ?? "?");
    }
    const down = peers.filter((p) => states.get(p) !== "Established");
    return { done: down.length === 0, detail: JSON.stringify(Object.fromEntries(states)) };
  }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 250, what: `FRR BGP sessions ${peers.join(", ")} in ${frr.namespace} Established` });
}

/** One route of `ip -json -details route show` (the fields zebra's routes use). */
export interface NhidRoute {
  dst: string;
  nhid?: number;
  protocol?: string;
  table?: string;
  metric?: number;
  gateway?: string;
  dev?: string;
  nexthops?: { gateway?: string; dev?: string; weight?: number }[];
  [key: string]: unknown;
}

/** Reads `ip -N -<family> -json -details route show table all` (numeric protocols and tables). */
export async function readNumericRoutes(ns: LabNamespace, family: 4 | 6): Promise<NhidRoute[]> {
  const out = await ns.ip(["-N", `-${family}`, "-json", "-details", "route", "show", "table", "all"]);
  return out.trim() === "" ? [] : (JSON.parse(out) as NhidRoute[]);
}

/** Waits (bounded) until the kernel of `ns` holds zebra's routes to each of `dsts` with `paths` nexthops through a nexthop object. */
export async function waitForZebraRoutes(ns: LabNamespace, family: 4 | 6, dsts: readonly string[], paths: number): Promise<NhidRoute[]> {
  return pollUntil(async () => {
    const routes = (await readNumericRoutes(ns, family)).filter((r) => r.protocol === "186");
    const ready = (dst: string): boolean => routes.some((r) => r.dst === dst && r.nhid !== undefined
      && (r.nexthops?.length ?? (r.gateway === undefined ? 0 : 1)) === paths);
    const missing = dsts.filter((d) => !ready(d));
    return { done: missing.length === 0, value: routes, detail: `missing ${missing.join(", ")}; zebra's routes: ${JSON.stringify(routes)}` };
  }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 250, what: `zebra's IPv${family} routes ${dsts.join(", ")} (${paths} paths, nhid) in ${ns.name}` });
}

/** Addresses and prefixes of the FRR topology. */
export const FRR_PLAN = {
  asn: { router: 65000, node: 65001 },
  links: {
    a: { router: "ra0", node: "na0", router4: "10.111.1.1", node4: "10.111.1.2", router6: "fd00:111:1::1", node6: "fd00:111:1::2" },
    b: { router: "rb0", node: "nb0", router4: "10.111.2.1", node4: "10.111.2.2", router6: "fd00:111:2::1", node6: "fd00:111:2::2" },
  },
  /** Announced by the router on both links: ECMP on the node. */
  ecmp4: ["10.200.0.0/24", "10.200.1.0/24"],
  ecmp6: ["fd00:200::/48"],
  /** Announced on link A only: a single-nexthop object. */
  single4: ["10.201.0.0/24"],
  /** Table the node BIRD learns fibwarden's VIP announce routes from. */
  vipTable: 198,
} as const;

/** What a test gets from `buildFrrTopology`. */
export interface FrrTopology {
  ns: { router: LabNamespace; node: LabNamespace };
  birds: { router: BirdHandle; node: BirdHandle };
  frr: FrrHandle;
  /** BGP neighbors of the node's bgpd. */
  peers: string[];
}

/** Options of `buildFrrTopology`: extra zebra and staticd config lines on the node. */
export interface FrrTopologyOptions {
  zebraExtra?: string;
  staticd?: string;
}

/** Builds the topology, starts BIRD on both sides and FRR on the node, and waits for BGP and zebra's routes. */
export async function buildFrrTopology(lab: Lab, opts: FrrTopologyOptions = {}): Promise<FrrTopology> {
  const p = FRR_PLAN;
  const router = await lab.addNamespace("router");
  const node = await lab.addNamespace("node");
  for (const l of [p.links.a, p.links.b]) {
    await lab.link(router, l.router, node, l.node, { addrsA: [`${l.router4}/24`, `${l.router6}/64`], addrsB: [`${l.node4}/24`, `${l.node6}/64`] });
  }
  const birds = {
    router: await lab.startBird(router, renderRouterConfig()),
    node: await lab.startBird(node, renderNodeBirdConfig()),
  };
  const frr = await startFrr(lab, node, {
    zebra: `hostname node\n${opts.zebraExtra ?? ""}\n`,
    bgpd: renderBgpdConfig(),
    ...(opts.staticd !== undefined ? { staticd: `hostname node\n${opts.staticd}\n` } : {}),
  });
  const peers = [p.links.a.router4, p.links.b.router4, p.links.a.router6, p.links.b.router6];
  await waitForBgp(birds.router, ["node_a4", "node_b4", "node_a6", "node_b6"]);
  await waitForFrrBgp(frr, peers);
  await waitForZebraRoutes(node, 4, p.ecmp4, 2);
  await waitForZebraRoutes(node, 4, p.single4, 1);
  await waitForZebraRoutes(node, 6, p.ecmp6, 2);
  return { ns: { router, node }, birds, frr, peers };
}

/** The router: static prefixes out on both links (ECMP ones) or link A only, fast timers. */
function renderRouterConfig(): string {
  const p = FRR_PLAN;
  const session = (name: string, family: "ipv4" | "ipv6", local: string, peer: string, exp: string): string =>
    `protocol bgp ${name} from node { local ${local} as ${p.asn.router}; neighbor ${peer} as ${p.asn.node}; ${family} { import none; export ${exp}; }; }`;
  return [
    "router id 10.111.1.1;",
    "protocol device { scan time 10; }",
    `protocol static ecmp4 { ipv4; ${p.ecmp4.map((x) => `route ${x} blackhole;`).join(" ")} }`,
    `protocol static single4 { ipv4; ${p.single4.map((x) => `route ${x} blackhole;`).join(" ")} }`,
    `protocol static ecmp6 { ipv6; ${p.ecmp6.map((x) => `route ${x} blackhole;`).join(" ")} }`,
    "template bgp node { connect delay time 1; connect retry time 2; error wait time 1, 4; hold time 9; keepalive time 3; }",
    session("node_a4", "ipv4", p.links.a.router4, p.links.a.node4, "where proto = \"ecmp4\" || proto = \"single4\""),
    session("node_b4", "ipv4", p.links.b.router4, p.links.b.node4, "where proto = \"ecmp4\""),
    session("node_a6", "ipv6", p.links.a.router6, p.links.a.node6, "all"),
    session("node_b6", "ipv6", p.links.b.router6, p.links.b.node6, "all"),
    "",
  ].join("\n");
}

/** The node's BIRD: no BGP (FRR speaks it); a kernel protocol learning the VIP table, as beside a speaker. */
function renderNodeBirdConfig(): string {
  return [
    "router id 10.111.1.2;",
    "ipv4 table vip4;",
    "protocol device { scan time 10; }",
    "protocol kernel kernel4 { ipv4 { import none; export none; }; scan time 2; }",
    `protocol kernel kvip4 { ipv4 { table vip4; import all; export none; }; kernel table ${FRR_PLAN.vipTable}; learn; scan time 2; }`,
    "",
  ].join("\n");
}

/** The node's bgpd: both routers, IPv4 and IPv6, multipath, fast timers, no policy needed. */
function renderBgpdConfig(): string {
  const p = FRR_PLAN;
  const v4 = [p.links.a.router4, p.links.b.router4];
  const v6 = [p.links.a.router6, p.links.b.router6];
  return [
    "hostname node",
    `router bgp ${p.asn.node}`,
    ` bgp router-id ${p.links.a.node4}`,
    " no bgp ebgp-requires-policy",
    " no bgp default ipv4-unicast",
    " timers bgp 3 9",
    ...[...v4, ...v6].flatMap((n) => [` neighbor ${n} remote-as ${p.asn.router}`, ` neighbor ${n} timers connect 1`]),
    " address-family ipv4 unicast",
    ...v4.map((n) => `  neighbor ${n} activate`),
    "  maximum-paths 4",
    " exit-address-family",
    " address-family ipv6 unicast",
    ...v6.map((n) => `  neighbor ${n} activate`),
    "  maximum-paths 4",
    " exit-address-family",
    "exit",
    "",
  ].join("\n");
}
