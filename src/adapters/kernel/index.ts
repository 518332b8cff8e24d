// The kernel Dataplane: iproute2 for routes, rules, links and addresses; /proc for sysctls; all
// of it optionally inside one network namespace.
import type { Route } from "../../core/model/route.js";
import type { Family } from "../../core/net/ip.js";
import { DEFAULT_PROTOCOL } from "../../core/ownership.js";
import { assertIntegerInRange } from "../../core/render/tokens.js";
import type { Dataplane } from "../ports.js";
import type { ProcTarget } from "../proc-files.js";
import { readSysctls } from "../sysctl.js";
import { IpBatchSessions } from "./batch-session.js";
import { createIpContext, type IpContext } from "./ip-command.js";
import { readLinksAndAddresses, readRoutes, readRules, streamRoutes } from "./read.js";
import { watchKernel } from "./watch.js";
import { applyOps } from "./write.js";

/** Options of the kernel dataplane. */
export interface KernelDataplaneOptions {
  /** Network namespace to work in (`ip -n NAME`, `ip netns exec NAME` for /proc); the caller's when absent. */
  netns?: string;
  /** Path of the `ip` binary (default `ip` from PATH). */
  ipPath?: string;
  /** Time limit of each command in milliseconds. */
  timeoutMs: number;
  /** fibwarden's protocol number, used to guard every delete (default 201). */
  ownProtocol?: number;
  /** Directory for route dump spool files (default: the OS temporary directory). */
  spoolDir?: string;
  /**
   * Applies through one long-lived `ip -batch -` per family (batch-session.ts; default true):
   * no process start per apply. False: each batch starts an `ip` of its own.
   */
  batchSessions?: boolean;
}

/** A Dataplane bound to the kernel (and to one namespace, when given). */
export interface KernelDataplane extends Dataplane {
  readonly ip: IpContext;
}

const FAMILIES: readonly Family[] = [4, 6];

/** Creates the kernel dataplane; validates the options (FW_INVALID_TOKEN) but runs nothing yet. */
export function createKernelDataplane(opts: KernelDataplaneOptions): KernelDataplane {
  const ip = createIpContext(opts);
  const ownProtocol = assertIntegerInRange(opts.ownProtocol ?? DEFAULT_PROTOCOL, 1, 255, "ownProtocol");
  const proc: ProcTarget = { ipPath: ip.ipPath, timeoutMs: ip.timeoutMs };
  if (ip.netns !== undefined) proc.netns = ip.netns;
  const families = (f?: Family): readonly Family[] => (f === undefined ? FAMILIES : [f]);
  const sessions = opts.batchSessions === false ? undefined : new IpBatchSessions(ip);
  return {
    ip,
    async readRoutes(family, table) {
      // Both families at once: two `ip` processes, and the small one hides in the big one's time.
      const perFamily = await Promise.all(families(family).map((f) => readRoutes(ip, f, { spoolDir: opts.spoolDir, ...(table !== undefined ? { table } : {}) })));
      if (perFamily.length === 1) return perFamily[0]!;
      const out: Route[] = [];
      for (const routes of perFamily) for (const r of routes) out.push(r);
      return out;
    },
    async streamRoutes(part) {
      // Both families at once, each into its own parts.
      const counts = await Promise.all(FAMILIES.map((f) => streamRoutes(ip, f, part, { spoolDir: opts.spoolDir })));
      return counts.reduce((a, b) => a + b, 0);
    },
    async readRules(family) {
      // Both families at once (two `ip` processes), in family order.
      return (await Promise.all(families(family).map((f) => readRules(ip, f)))).flat();
    },
    async readAddresses() {
      return (await readLinksAndAddresses(ip)).addresses;
    },
    async readLinks() {
      return (await readLinksAndAddresses(ip)).links;
    },
    readLinksAndAddresses: () => readLinksAndAddresses(ip),
    readSysctls: (names) => readSysctls(proc, names),
    apply: (ops, applyOpts) => applyOps({ ip, proc, ownProtocol, spoolDir: opts.spoolDir, ...(sessions ? { sessions } : {}) }, ops, applyOpts),
    close: async () => { await sessions?.close(); },
    watch: (watchOpts) => watchKernel(ip, watchOpts),
  };
}
