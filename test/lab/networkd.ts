/**
 * Real systemd-networkd (Debian's systemd 252) in a lab namespace, as the flusher of issue #18:
 * with its defaults `ManageForeignRoutingPolicyRules=yes` / `ManageForeignRoutes=yes` it removes
 * rules and routes it did not create whenever it configures a link.
 *
 * How it runs without systemd as PID 1, D-Bus or udev (all inside `ip netns exec NS unshare -m`,
 * so the mounts stay private to networkd):
 *   - a tmpfs on /run/systemd, with `network/` bind-mounted from the lab dir (the `.network` files
 *     given to `startNetworkd`) and `netif/` owned by systemd-network (networkd drops to that user);
 *   - a lab dir bind-mounted over /etc/systemd: networkd.conf comes from the test (and the host's
 *     /etc/systemd/network can never match a lab link);
 *   - /sys remounted read-only, which makes networkd skip udev (systemd's link_check_initialized).
 * Its log (SYSTEMD_LOG_LEVEL=debug, to the console) goes to `<lab dir>/<name>/networkd.log`.
 * The process lives in the lab's namespace, so the lab's teardown kills it (`ip netns pids`);
 * `stop()` ends it earlier.
 *
 * Seen here with systemd 252: at start it configures matching links while it enumerates, before
 * it has enumerated routes and rules, so a start removes nothing. A link event afterwards (a new
 * link matching a `.network` file) runs link_drop_foreign_config: it removes every foreign rule
 * (all but the kernel's own `proto kernel` rules; `proto 201` does not protect a rule) and every
 * foreign route that has no link (blackhole, unreachable, prohibit; any protocol, any table), plus
 * the foreign routes on the link it configures. Routes through links it does not manage (no
 * `.network` matches them) stay. Log lines: `Removing foreign routing policy rule (configured,marked): ...`,
 * `Removing foreign route (configured,marked): ...`, then `Forgetting foreign ...: <same text>`
 * when the kernel confirms the deletion.
 */
import { routeTypeOf } from "../../src/core/model/route.js";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import type { Lab, LabNamespace } from "./lab.js";
import { DEADLINE_MS, pollUntil } from "./wait.js";

/** Where Debian's systemd package puts networkd. */
export const NETWORKD_BINARY = "/lib/systemd/systemd-networkd";
const NETWORKD_USER = "systemd-network";
/** Interface `flush()` adds by default (a `.network` file must match it; see `flushLinkNetwork`). */
export const DEFAULT_FLUSH_LINK = "fwnd0";
const STOP_TIMEOUT_MS = 5_000;
const LOG_TAIL_CHARS = 3_000;

/** True when networkd is installed and its user exists. */
export function networkdAvailable(): { ok: true } | { ok: false; reason: string } {
  if (!existsSync(NETWORKD_BINARY)) return { ok: false, reason: `${NETWORKD_BINARY} is missing (Debian package systemd)` };
  if (!readFileSync("/etc/passwd", "utf8").split("\n").some((l) => l.startsWith(`${NETWORKD_USER}:`))) {
    return { ok: false, reason: `no user ${NETWORKD_USER}` };
  }
  return { ok: true };
}

/** A `.network` file that matches only `ifname` and configures nothing on it but the link itself. */
export function flushLinkNetwork(ifname: string = DEFAULT_FLUSH_LINK): string {
  return `[Match]\nName=${ifname}\n\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n`;
}

/** Options of `startNetworkd`. */
export interface NetworkdOptions {
  /** `.network` files by file name (e.g. `{"50-fwnd0.network": flushLinkNetwork()}`); default: one for the flush link. */
  networks?: Record<string, string>;
  /** `[Network] ManageForeignRoutingPolicyRules=` of networkd.conf (unset: networkd's default, yes). */
  manageForeignRoutingPolicyRules?: boolean;
  /** `[Network] ManageForeignRoutes=` of networkd.conf (unset: networkd's default, yes). */
  manageForeignRoutes?: boolean;
  /** The link `flush()` adds (a veth; its peer `<name>p` matches nothing). Default `fwnd0`. */
  flushLink?: string;
  /** Lab-local name, for the directory (default `networkd-<ns local name>`). */
  name?: string;
}

/** One `Removing foreign ...` line of networkd's log. */
export interface RemovedObject {
  kind: "rule" | "route";
  /** The text after the colon, as networkd prints it (e.g. `priority: 1000, 10.111.100.1/32 -> 0.0.0.0/0, ...`). */
  text: string;
  /** For routes: `table`, `proto`, `type`, `dst` as printed (`main(254)`, `bird`, `blackhole`, `n/a`); for rules: `priority`, `table`. */
  fields: Record<string, string>;
}

/** What one `flush()` made networkd do. */
export interface FlushResult {
  removed: RemovedObject[];
  /** networkd's log from the link event to the end of the flush. */
  log: string;
}

/** systemd-networkd started by the lab in one namespace. */
export interface NetworkdHandle {
  readonly namespace: string;
  readonly dir: string;
  readonly logPath: string;
  /** The networkd.conf it reads (as /etc/systemd/networkd.conf). */
  readonly confPath: string;
  readonly flushLink: string;
  readonly pid: number | undefined;
  /** networkd's whole log so far. */
  log(): string;
  /**
   * Makes networkd drop foreign config: adds the flush link (a veth matching a `.network` file),
   * waits until networkd has configured it and the kernel has confirmed each removal it started
   * (`Forgetting foreign ...` for each `Removing foreign ...`), then deletes the link again and
   * waits until networkd has seen it go, so that the next flush can add it again. Bounded.
   */
  flush(): Promise<FlushResult>;
  /** SIGTERM (SIGKILL after 5 s); resolves when networkd has exited. */
  stop(): Promise<void>;
}

/** Starts systemd-networkd in `ns`; resolves once it logs `Enumeration completed` (links, addresses, routes and rules read). */
export async function startNetworkd(lab: Lab, ns: LabNamespace, options: NetworkdOptions = {}): Promise<NetworkdHandle> {
  const flushLink = options.flushLink ?? DEFAULT_FLUSH_LINK;
  const dir = join(lab.dir, options.name ?? `networkd-${ns.localName}`);
  const networkDir = join(dir, "network");
  const etcDir = join(dir, "etc-systemd");
  mkdirSync(networkDir, { recursive: true, mode: 0o755 });
  mkdirSync(join(etcDir, "network"), { recursive: true, mode: 0o755 });
  for (const [file, text] of Object.entries(options.networks ?? { [`50-${flushLink}.network`]: flushLinkNetwork(flushLink) })) {
    writeFileSync(join(networkDir, file), text);
  }
  const conf = ["[Network]"];
  if (options.manageForeignRoutingPolicyRules !== undefined) conf.push(`ManageForeignRoutingPolicyRules=${options.manageForeignRoutingPolicyRules ? "yes" : "no"}`);
  if (options.manageForeignRoutes !== undefined) conf.push(`ManageForeignRoutes=${options.manageForeignRoutes ? "yes" : "no"}`);
  const confPath = join(etcDir, "networkd.conf");
  writeFileSync(confPath, `${conf.join("\n")}\n`);
  const logPath = join(dir, "networkd.log");

  const script = [
    "set -e",
    "mount -t tmpfs tmpfs /run/systemd",
    "mkdir -p /run/systemd/network /run/systemd/netif",
    `chown ${NETWORKD_USER}:${NETWORKD_USER} /run/systemd/netif`,
    'mount --bind "$1" /run/systemd/network',
    'mount --bind "$2" /etc/systemd',
    "mount -o remount,ro /sys",
    `SYSTEMD_LOG_LEVEL=debug SYSTEMD_LOG_TARGET=console exec ${NETWORKD_BINARY}`,
  ].join("\n");
  const child: ResultPromise = execa("ip", ["netns", "exec", ns.name, "unshare", "-m", "sh", "-c", script, "sh", networkDir, etcDir], {
    reject: false,
    stdin: "ignore",
    stdout: { file: logPath, append: true },
    stderr: { file: logPath, append: true },
  });
  let running = true;
  const exited = child.then(() => { running = false; });
  if (child.pid !== undefined) writeFileSync(join(dir, "networkd.pid"), `${child.pid}\n`);

  const readLog = (): string => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "");
  const tail = (text = readLog()): string => text.slice(-LOG_TAIL_CHARS) || "(no output)";

  const stop = async (): Promise<void> => {
    if (!running) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(killer);
  };

  await pollUntil(async () => {
    if (!running) throw new Error(`systemd-networkd exited during start-up: ${tail()}`);
    return { done: readLog().includes("Enumeration completed"), detail: tail() };
  }, { timeoutMs: DEADLINE_MS.state, intervalMs: 100, what: `systemd-networkd in ${ns.name} to log "Enumeration completed" (${logPath})` })
    .catch(async (err: unknown) => {
      await stop();
      throw err;
    });

  const flush = async (): Promise<FlushResult> => {
    if (!running) throw new Error(`lab: systemd-networkd in ${ns.name} is not running: ${tail()}`);
    const from = readLog().length;
    const peer = `${flushLink}p`;
    await ns.ip(["link", "add", flushLink, "type", "veth", "peer", "name", peer]);
    await ns.ip(["link", "set", peer, "up"]);
    await ns.ip(["link", "set", flushLink, "up"]);
    const section = await pollUntil(async () => {
      if (!running) throw new Error(`systemd-networkd exited: ${tail()}`);
      const text = readLog().slice(from);
      const configured = text.includes(`${flushLink}: State changed: configuring -> configured`);
      const removing = parseRemovals(text);
      // A removal is confirmed by networkd's `Forgetting foreign ...` line, or, for a route whose
      // kernel notification networkd words otherwise (a blackhole route), by the kernel no longer
      // holding it.
      const unconfirmed: RemovedObject[] = [];
      for (const r of removing) if (!confirmed(text, r) && !(await goneFromKernel(ns, r))) unconfirmed.push(r);
      // ...or by networkd saying it could not (the kernel refused: such a route stays).
      const failed = (text.match(/Could not (?:drop|remove) route/g) ?? []).length;
      if (unconfirmed.length > 0 && unconfirmed.every((r) => r.kind === "route") && unconfirmed.length <= failed) unconfirmed.length = 0;
      return {
        done: configured && unconfirmed.length === 0,
        value: text,
        detail: `${configured ? "configured" : `${flushLink} not configured yet`}; unconfirmed removals: ${unconfirmed.map((r) => r.text).join(" | ") || "none"}; log: ${tail(text)}`,
      };
    }, { timeoutMs: DEADLINE_MS.state, intervalMs: 100, what: `systemd-networkd in ${ns.name} to configure ${flushLink} and finish dropping foreign config` });
    const removedAt = readLog().length;
    await ns.ip(["link", "del", flushLink]);
    await pollUntil(async () => {
      const text = readLog().slice(removedAt);
      return { done: new RegExp(`${flushLink}: State changed: \\S+ -> linger`).test(text), detail: tail(text) };
    }, { timeoutMs: DEADLINE_MS.state, intervalMs: 100, what: `systemd-networkd in ${ns.name} to see ${flushLink} removed` });
    return { removed: parseRemovals(section), log: section };
  };

  return {
    namespace: ns.name, dir, logPath, confPath, flushLink,
    get pid() { return running ? child.pid : undefined; },
    log: readLog,
    flush,
    stop,
  };
}

const REMOVING = /Removing foreign (routing policy rule|route) \([^)]*\): (.*)$/;

/** The `Removing foreign ...` lines of a piece of networkd's log. */
export function parseRemovals(log: string): RemovedObject[] {
  const out: RemovedObject[] = [];
  for (const line of log.split("\n")) {
    const m = REMOVING.exec(line);
    if (m === null) continue;
    const text = m[2]!.trim();
    const fields: Record<string, string> = {};
    for (const part of text.split(", ")) {
      const at = part.indexOf(": ");
      if (at > 0) fields[part.slice(0, at)] = part.slice(at + 2);
    }
    out.push({ kind: m[1] === "route" ? "route" : "rule", text, fields });
  }
  return out;
}

/** True when the log has the `Forgetting foreign ...` line of the same object (the kernel confirmed the deletion). */
/**
 * True when `r` is a route the kernel no longer holds at its table and destination with its type
 * (another agent's route may take the key at once: fibwarden's own default in a source table).
 */
async function goneFromKernel(ns: LabNamespace, r: RemovedObject): Promise<boolean> {
  if (r.kind !== "route") return false;
  const dst = r.fields.dst === "n/a" ? "default" : r.fields.dst; // networkd prints a default route's dst as n/a
  const table = /(\d+)\)?$/.exec(r.fields.table ?? "")?.[1];
  if (dst === undefined || table === undefined) return false;
  const family = dst.includes(":") ? "-6" : "-4";
  const routes = JSON.parse(await ns.ip(["-N", family, "-json", "route", "show", "table", table])) as Array<{ dst?: string; type?: string }>;
  const host = dst.replace(/\/(32|128)$/, "");
  const type = routeTypeOf(r.fields.type ?? "unicast");
  return !routes.some((x) => (x.dst === dst || x.dst === host) && routeTypeOf(x.type ?? "1") === type);
}

function confirmed(log: string, r: RemovedObject): boolean {
  const what = r.kind === "rule" ? "routing policy rule" : "route";
  return log.split("\n").some((l) => l.includes(`Forgetting foreign ${what} (`) && l.trimEnd().endsWith(`: ${r.text}`));
}
