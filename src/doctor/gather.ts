// Gathers what `fibwarden doctor` analyzes, all read-only: one reconciler plan pass (BIRD's
// protocols, the kernel's routes, rules, addresses and sysctls, in the configured namespace),
// BIRD's answer to `show route for VIP export SESSION` per BGP session, the kernel's own lookups
// (`ip route get` toward each BGP neighbor, from the VIP to the client, and from the client on
// each candidate ingress interface) and the `forwarding` sysctls of the interfaces on the path.
import { observeNetworkd } from "../cli/check.js";
import { BirdClient } from "../adapters/bird/client.js";
import { checkBirdName, streamRoutes } from "../adapters/bird/queries.js";
import { createKernelDataplane } from "../adapters/kernel/index.js";
import { runIp, type IpContext } from "../adapters/kernel/ip-command.js";
import { CONF_DIR, exchangeProcFiles, type ProcTarget } from "../adapters/proc-files.js";
import { announceTables, configToPolicy } from "../config/policy.js";
import type { Config } from "../config/schema.js";
import { isBirdCommandError, BIRD_CODE_NETWORK_NOT_FOUND } from "../core/bird/reply-codes.js";
import { FibwardenError } from "../core/errors.js";
import { parseSysctlText } from "../core/model/sysctl-effective.js";
import { addressFamily, canonicalAddress } from "../core/net/ip.js";
import { isInterfaceName } from "../core/render/tokens.js";
import { createReconciler } from "../index.js";
import { findIngress, isEstablished, listSessions, sessionCarriesFamily } from "./ingress.js";
import { parseRouteGet, routeGetFailure, type RouteLookup } from "./route-get.js";
import type { DoctorBirdDaemon, DoctorInput, DoctorVipConfig, SessionExport } from "./types.js";

/** Options of a gathering. */
export interface GatherOptions {
  config: Config;
  vip: string;
  client: string;
  /** Time limit of each `ip` command and BIRD reply, in milliseconds (default 10000). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What was gathered, and what could not be. */
export interface GatheredFlow {
  input: DoctorInput;
  /** The namespace the kernel was read in; null for the caller's own. */
  netns: string | null;
  /** False when BIRD or the kernel could not be fully observed. */
  complete: boolean;
  problems: Array<{ code: string; message: string }>;
}

/** Gathers the doctor's input; throws FibwardenError for bad addresses or an unreadable kernel. */
export async function gatherFlow(opts: GatherOptions): Promise<GatheredFlow> {
  const vip = canonicalAddress(opts.vip);
  const client = canonicalAddress(opts.client);
  const family = addressFamily(vip)!;
  if (addressFamily(client) !== family) {
    throw new FibwardenError("FW_INVALID_ADDRESS", `client ${client} and VIP ${vip} are not of the same address family`);
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const { config } = opts;
  const netns = config.kernel.netns ?? null;
  const reconciler = createReconciler({ config, keepObservation: true }); // the flow is traced through the whole kernel
  let pass;
  try {
    pass = await reconciler.plan(opts.signal);
  } finally {
    await reconciler.stop();
  }
  if (!pass.kernel.complete) {
    const p = pass.kernel.problems[0];
    throw new FibwardenError("FW_KERNEL_READ", `the kernel could not be read: ${p?.message ?? "unknown error"}`);
  }
  const problems = [...pass.bird.problems.map(({ code, message }) => ({ code, message })), ...pass.kernel.problems];
  const daemons: DoctorBirdDaemon[] = pass.bird.daemons.map((d) => ({ socket: d.socket, dialect: d.dialect, protocols: d.protocols }));
  const sessionExports = await askSessionExports(config, daemons, vip, family, timeoutMs, opts.signal);
  for (const e of sessionExports) if (e.error !== undefined) problems.push({ code: "FW_BIRD_COMMAND", message: `${e.protocol}: ${e.error}` });

  const ip = createKernelDataplane({ timeoutMs, ...(netns !== null ? { netns } : {}) }).ip;
  const get = (args: string[]) => routeGet(ip, args, opts.signal);
  const neighborRoutes: Record<string, RouteLookup> = {};
  const partial = { vip, vipConfig: toVipConfig(config, vip), live: pass.kernel.live, bird: { complete: pass.bird.complete, daemons }, sessionExports, neighborRoutes };
  for (const s of listSessions(partial)) {
    if (s.neighbor !== null && s.established && neighborRoutes[s.neighbor] === undefined) neighborRoutes[s.neighbor] = await get([s.neighbor]);
  }
  const candidates = findIngress(partial, listSessions(partial));
  const replyRoute = await get([client, "from", vip]);
  const ingressChecks: Record<string, RouteLookup> = {};
  if (family === 4) {
    for (const i of candidates.interfaces) {
      if (isInterfaceName(i.name)) ingressChecks[i.name] = await get([vip, "from", client, "iif", i.name]);
    }
  }
  const hops = [...candidates.interfaces.map((i) => i.name), ...(replyRoute.ok ? [replyRoute.dev] : [])];
  const forwarding = family === 4 ? await readForwarding({ ipPath: ip.ipPath, timeoutMs, ...(netns !== null ? { netns } : {}) }, hops, problems) : {};
  // systemd-networkd removing foreign rules is seen from the host namespace only (check.ts).
  const managers = config.kernel.netns === undefined ? [observeNetworkd()] : [];
  const sharing = { policy: configToPolicy(config), tables: { ...config.ownership.tables }, announceTables: announceTables(config), managers };
  const input: DoctorInput = { ...partial, client, replyRoute, ingressChecks, forwarding, sharing };
  if (input.vipConfig === undefined) delete input.vipConfig;
  return { input, netns, complete: pass.observationComplete, problems };
}

function toVipConfig(config: Config, vip: string): DoctorVipConfig | undefined {
  const v = config.vips.find((x) => x.address === vip);
  if (v === undefined) return undefined;
  const out: DoctorVipConfig = { device: v.device };
  if (v.announce !== undefined) out.announceTable = v.announce.table;
  if (v.return !== undefined) out.return = v.return;
  return out;
}

/** `ip -json route get ARGS...`: the route, or the kernel's refusal. */
async function routeGet(ip: IpContext, args: string[], signal?: AbortSignal): Promise<RouteLookup> {
  const family = addressFamily(args[0]!) === 6 ? "-6" : "-4";
  const r = await runIp(ip, [family, "-json", "route", "get", ...args], { code: "FW_KERNEL_READ", allowExitCodes: [1, 2, 255], ...(signal ? { signal } : {}) });
  return r.exitCode === 0 ? parseRouteGet(r.stdout) : routeGetFailure(r.stderr);
}

/** Asks each Established BGP session of the VIP's family whether BIRD exports the VIP to it. */
async function askSessionExports(config: Config, daemons: readonly DoctorBirdDaemon[], vip: string, family: 4 | 6, timeoutMs: number, signal?: AbortSignal): Promise<SessionExport[]> {
  const out: SessionExport[] = [];
  for (const d of daemons) {
    const sessions = d.protocols.filter((p) => p.proto === "BGP" && isEstablished(p) && sessionCarriesFamily(p, d, family));
    if (sessions.length === 0) continue;
    const client = new BirdClient({
      socketPath: d.socket, restrict: config.bird.restrict, connectTimeoutMs: config.bird.connectTimeoutMs,
      idleTimeoutMs: config.bird.idleTimeoutMs, replyTimeoutMs: Math.min(config.bird.replyTimeoutMs, timeoutMs),
    });
    try {
      for (const p of sessions) {
        try {
          const n = await streamRoutes(client, `show route for ${vip} export ${checkBirdName(p.name, "protocol")}`, () => undefined, signal ? { signal } : {});
          out.push({ socket: d.socket, protocol: p.name, exportsVip: n > 0 });
        } catch (err) {
          if (isBirdCommandError(err, BIRD_CODE_NETWORK_NOT_FOUND)) out.push({ socket: d.socket, protocol: p.name, exportsVip: false });
          else out.push({ socket: d.socket, protocol: p.name, exportsVip: null, error: err instanceof Error ? err.message : String(err) });
        }
      }
    } finally {
      client.close();
    }
  }
  return out;
}

/** Reads `conf.{all,IFACE}.forwarding`; a failure is a problem, never fatal. */
async function readForwarding(target: ProcTarget, ifaces: readonly string[], problems: GatheredFlow["problems"]): Promise<Record<string, number>> {
  const names = ["all", ...new Set(ifaces.filter((i) => isInterfaceName(i) && i !== "all"))];
  const out: Record<string, number> = {};
  try {
    const res = await exchangeProcFiles(target, { list: false, writes: [], reads: names.map((n) => `${CONF_DIR}${n}/forwarding`) });
    names.forEach((n, k) => {
      const text = res.reads[k]?.text;
      if (text !== undefined) out[n] = parseSysctlText(text, `${CONF_DIR}${n}/forwarding`);
    });
  } catch (err) {
    problems.push({ code: "FW_SYSCTL", message: `forwarding sysctls: ${err instanceof Error ? err.message : String(err)}` });
  }
  return out;
}
