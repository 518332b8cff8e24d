// Shared step of the two-uplink VIP scenarios (F3, doctor): wait until the router has learned
// both VIPs over both BGP sessions, then pin VIP1 to link A and VIP2 to link B on the router.
// The router's BGP best path is ECMP over both links; pinning makes "the link the request came
// in on" known, so a test can check that replies leave by it.
import { BirdClient } from "../../src/adapters/bird/client.js";
import { streamRoutes } from "../../src/adapters/bird/queries.js";
import { DEADLINE_MS, pollUntil, type TwoUplinkTopology } from "../lab/index.js";

/** Waits for the router to learn `vip1` and `vip2` over both sessions, then pins them to links A and B. */
export async function pinVipsToUplinks(topo: TwoUplinkTopology, vip1: string, vip2: string): Promise<void> {
  const { plan: p, ns } = topo;
  const routerBird = new BirdClient({ socketPath: topo.birds.router.socketPath });
  try {
    for (const vip of [vip1, vip2]) {
      await pollUntil(async () => {
        const protos: string[] = [];
        await streamRoutes(routerBird, `show route for ${vip}`, (r) => protos.push(r.protocol));
        return { done: protos.length >= 2, detail: protos.join(",") };
      }, { timeoutMs: DEADLINE_MS.bird, what: `router learns ${vip} over both sessions` });
    }
  } finally {
    routerBird.close();
  }
  await ns.router.ip(["route", "replace", `${vip1}/32`, "via", p.uplinks.a.node.ipv4, "dev", p.uplinks.a.router.ifname, "proto", "static", "metric", "1"]);
  await ns.router.ip(["route", "replace", `${vip2}/32`, "via", p.uplinks.b.node.ipv4, "dev", p.uplinks.b.router.ifname, "proto", "static", "metric", "1"]);
}

/** The fibwarden config of the two-VIP scenarios: VIP1 and VIP2 announced from the VIP table, with or
 * without `return` paths (VIP1 via link A's gateway, VIP2 via the `bgpPeer` of link B). */
export function twoUplinkVipConfig(topo: TwoUplinkTopology, withReturn: boolean, repair = "report", vip1 = "10.111.100.1", vip2 = "10.111.100.2"): string {
  const { plan } = topo;
  const ret1 = withReturn ? `, return: {gateway: ${plan.uplinks.a.router.ipv4}, device: ${plan.uplinks.a.node.ifname}}` : "";
  const ret2 = withReturn ? `, return: {bgpPeer: ${plan.uplinks.b.nodeSessions.v4}}` : "";
  return `
bird: {sockets: [${topo.birds.node.socketPath}]}
kernel: {netns: ${topo.ns.node.name}}
protect: {kernelProtocols: [${plan.kernelProtocols.v4}, ${plan.kernelProtocols.v6}], repair: ${repair}}
ownership: {addressDevices: [lo]}
vips:
  - {address: ${vip1}, announce: {table: ${plan.vip.table}}${ret1}}
  - {address: ${vip2}, announce: {table: ${plan.vip.table}}${ret2}}
`;
}
