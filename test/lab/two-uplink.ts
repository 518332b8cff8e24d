/** The two-uplink topology: a node with two BGP uplinks to a router, a client and a default gateway.
 *
 *   client(eth0) ── rc0 ─ router(AS 65000) ─ ra0 ══ link A ══ na0 ─ node(AS 65001) ─ eth0 ── gw0 ─ gw
 *                                          └ rb0 ══ link B ══ nb0 ┘   vip0 ⇄ vip0p (stand-in dummy)
 */
import type { BirdHandle } from "./bird-daemon.js";
import type { Lab, LabNamespace } from "./lab.js";
import { renderNodeBirdConfig, renderRouterBirdConfig } from "./two-uplink-bird.js";
import { planTwoUplink, toCidr, type TwoUplinkOptions, type TwoUplinkPlan } from "./two-uplink-plan.js";
import { waitForBgp } from "./wait-bird.js";
import { waitForAnnouncedRoutes } from "./wait-routes.js";

/** Everything a test needs to know about a built two-uplink topology. */
export interface TwoUplinkTopology {
  lab: Lab;
  plan: TwoUplinkPlan;
  ns: { router: LabNamespace; node: LabNamespace; client: LabNamespace; gw: LabNamespace };
  birds: { router: BirdHandle; node: BirdHandle };
  /** BGP protocol names on the node (`up_a4`, `up_b4`, `up_a6`, `up_b6`) and on the router. */
  sessions: { node: string[]; router: string[] };
  /** Rendered BIRD configs, as written to the lab dir. */
  configs: { router: string; node: string };
}

/** Builds the two-uplink topology inside `lab`, starts both BIRDs and (by default) waits for BGP and its routes. */
export async function buildTwoUplinkTopology(lab: Lab, options: TwoUplinkOptions = {}): Promise<TwoUplinkTopology> {
  const plan = planTwoUplink(options);
  const router = await lab.addNamespace("router");
  const node = await lab.addNamespace("node");
  const client = await lab.addNamespace("client");
  const gw = await lab.addNamespace("gw");

  for (const uplink of [plan.uplinks.a, plan.uplinks.b]) {
    await lab.link(router, uplink.router.ifname, node, uplink.node.ifname, {
      addrsA: [toCidr(uplink.router.ipv4, uplink.len4), toCidr(uplink.router.ipv6, uplink.len6)],
      addrsB: [toCidr(uplink.node.ipv4, uplink.len4), toCidr(uplink.node.ipv6, uplink.len6)],
    });
  }
  await lab.link(router, plan.client.router.ifname, client, plan.client.client.ifname, {
    addrsA: [toCidr(plan.client.router.ipv4, plan.client.len4), toCidr(plan.client.router.ipv6, plan.client.len6)],
    addrsB: [toCidr(plan.client.client.ipv4, plan.client.len4), toCidr(plan.client.client.ipv6, plan.client.len6)],
  });
  await lab.link(node, plan.gw.node.ifname, gw, plan.gw.gw.ifname, {
    addrsA: [toCidr(plan.gw.node.ipv4, plan.gw.len4), toCidr(plan.gw.node.ipv6, plan.gw.len6)],
    addrsB: [toCidr(plan.gw.gw.ipv4, plan.gw.len4), toCidr(plan.gw.gw.ipv6, plan.gw.len6)],
  });
  await lab.link(node, plan.vip.ifname, node, plan.vip.peerIfname);

  await addDefaultRoutes(client, plan.client.router);
  await addDefaultRoutes(node, plan.gw.gw);
  await lab.setSysctl(router, "net.ipv4.ip_forward", 1);
  await lab.setSysctl(router, "net.ipv6.conf.all.forwarding", 1);

  const configs = { router: renderRouterBirdConfig(plan), node: renderNodeBirdConfig(plan) };
  const birds = {
    router: await lab.startBird(router, configs.router),
    node: await lab.startBird(node, configs.node),
  };
  const sessions = {
    node: [plan.uplinks.a, plan.uplinks.b].flatMap((u) => [u.nodeSessions.v4, u.nodeSessions.v6]),
    router: [plan.uplinks.a, plan.uplinks.b].flatMap((u) => [u.routerSessions.v4, u.routerSessions.v6]),
  };
  if (options.waitForSessions ?? true) {
    await waitForBgp(birds.node, sessions.node);
    await waitForBgp(birds.router, sessions.router);
    await waitForAnnouncedRoutes(node, plan, plan.announceClientNet);
  }
  return { lab, plan, ns: { router, node, client, gw }, birds, sessions, configs };
}

async function addDefaultRoutes(ns: LabNamespace, via: { ipv4: string; ipv6: string }): Promise<void> {
  await ns.ip(["-4", "route", "add", "default", "via", via.ipv4]);
  await ns.ip(["-6", "route", "add", "default", "via", via.ipv6]);
}
