/** Waits until the node of a two-uplink lab holds the routes BIRD learned over BGP, in their final shape. */
import type { LabNamespace } from "./lab.js";
import { readKernelRoutes, type KernelRoute } from "./kernel.js";
import type { TwoUplinkPlan } from "./two-uplink-plan.js";
import { DEADLINE_MS, pollUntil, type PollOptions } from "./wait.js";

/** The prefixes the router announces to the node, per family: best over link A, or ECMP over both. */
export function announcedPrefixes(plan: TwoUplinkPlan, family: 4 | 6, withClientNet: boolean): { linkA: string[]; ecmp: string[] } {
  const p = plan.prefixes;
  const client = withClientNet ? [family === 4 ? plan.client.net4 : plan.client.net6] : [];
  return family === 4
    ? { linkA: [...p.routed4, ...client], ecmp: [...p.ecmp4] }
    : { linkA: [...p.routed6, ...client], ecmp: [...p.ecmp6] };
}

/** Prefixes not yet in `routes` as BIRD installs them once both sessions have sent everything. */
export function pendingAnnouncedRoutes(routes: readonly KernelRoute[], plan: TwoUplinkPlan, family: 4 | 6, withClientNet: boolean): string[] {
  const { linkA, ecmp } = announcedPrefixes(plan, family, withClientNet);
  const dev = plan.uplinks.a.node.ifname;
  const find = (dst: string): KernelRoute | undefined => routes.find((r) => r.dst === dst && r.protocol === "bird");
  return [
    ...linkA.filter((dst) => { const r = find(dst); return r === undefined || r.nexthops !== undefined || r.dev !== dev; }),
    ...ecmp.filter((dst) => find(dst)?.nexthops?.length !== 2),
  ];
}

/**
 * Polls the node's main tables (IPv4 and IPv6) until every announced prefix is there with `proto
 * bird`: the routed ones (and the client's subnet when `withClientNet`) through link A, the ECMP
 * ones with both nexthops. Sessions come up one after the other and BIRD exports each route as
 * it arrives, so "Established" alone says nothing about what BIRD has exported yet.
 */
export async function waitForAnnouncedRoutes(
  ns: LabNamespace, plan: TwoUplinkPlan, withClientNet: boolean, opts: PollOptions = {},
): Promise<void> {
  for (const family of [4, 6] as const) {
    await pollUntil(async () => {
      const pending = pendingAnnouncedRoutes(await readKernelRoutes(ns, family), plan, family, withClientNet);
      return { done: pending.length === 0, detail: `not yet installed as expected: ${pending.join(", ")}` };
    }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 200, what: `the router's IPv${family} routes in the kernel of ${ns.name}`, ...opts });
  }
}
