/**
 * The Direct Server Return lab of field reports F2 and F4, built from veth and vxlan only (the
 * test kernel has no ipip, gre or dummy links).
 *
 *   client ── eth0 ═══ lc0 ─ lb ─ ln0 ═══ eth0 ─ node ─ <podIf> ═══ eth0 ─ pod
 *  10.112.1.2       10.112.1.1  10.112.2.1  10.112.2.2   10.112.3.1     10.112.3.2
 *                                │                                     │
 *                   lb vx0 10.112.4.1/30 ═══ vxlan id 42 ═══ pod vx0 10.112.4.2/30
 *                   (UDP 10.112.2.1 ⇄ 10.112.3.2: to the node, ordinary pod traffic)
 *
 *   VIP 10.112.100.1/32 lives on the pod's `lo` (the real server of a DSR service).
 *
 * Request:  client → lb (its gateway). The lb stands in for IPVS in DSR/tunnel mode: it routes the
 *           VIP into the vxlan tunnel towards the pod, so the packet (dst VIP) travels inside UDP
 *           from 10.112.2.1 to 10.112.3.2 and the node only ever routes the outer packet, to the
 *           pod's address. The node holds NO route to the VIP via the pod's interface (as with
 *           IPIP in production: the balancer encapsulates, the pod decapsulates).
 * Reply:    the pod answers from the VIP straight to the client by its default route, so the
 *           SYN-ACK (src VIP) enters the node through the host side of the pod's veth (`cali1`,
 *           `lxc1`). The node's reverse-path check looks the VIP up: with a default route via lb
 *           (F2) it points out of eth0, not the pod's interface, so strict mode (1) drops the reply;
 *           without any route to the VIP (F4, `defaultRoute: false`) even loose mode (2) drops it.
 *           With rp_filter 0 on the pod's interface (and an `all` that allows it) the reply is
 *           forwarded to lb, then to the client, and the connection forms.
 *
 * Every drop by the reverse-path filter is counted in the node's /proc/net/netstat
 * (`TcpExt: IPReversePathFilter`), which the tests read to show that the outage is that filter.
 */
import type { Lab, LabNamespace } from "../lab/index.js";

/** Addresses and names of the DSR lab. */
export const DSR = {
  vip: "10.112.100.1",
  port: 8080,
  client: { ip: "10.112.1.2", net: "10.112.1.0/24" },
  lb: { clientSide: "10.112.1.1", nodeSide: "10.112.2.1", tunnel: "10.112.4.1" },
  node: { ip: "10.112.2.2", uplink: "eth0", podSide: "10.112.3.1" },
  pod: { ip: "10.112.3.2", net: "10.112.3.0/24", tunnel: "10.112.4.2" },
  vxlan: { id: "42", port: "4789" },
} as const;

/** The built namespaces of the DSR lab. */
export interface DsrTopology {
  lab: Lab;
  ns: { client: LabNamespace; lb: LabNamespace; node: LabNamespace; pod: LabNamespace };
}

/** Options of `buildDsrTopology`. */
export interface DsrOptions {
  /** Give the node a default route via lb (F2). Without it the node routes only the client's
   *  network and the tunnel underlay, so it has no route to the VIP at all (F4). */
  defaultRoute: boolean;
}

/**
 * Builds client, lb, node and pod with the tunnel and the VIP; the pod's veth to the node is left
 * out: create it with `createPodLink` (the node side gets its sysctls from `conf.default` at that
 * moment) and configure it with `configurePodLink`.
 */
export async function buildDsrTopology(lab: Lab, options: DsrOptions): Promise<DsrTopology> {
  const client = await lab.addNamespace("client");
  const lb = await lab.addNamespace("lb");
  const node = await lab.addNamespace("node");
  const pod = await lab.addNamespace("pod");
  await lab.link(client, "eth0", lb, "lc0", { addrsA: [`${DSR.client.ip}/24`], addrsB: [`${DSR.lb.clientSide}/24`] });
  await lab.link(lb, "ln0", node, DSR.node.uplink, { addrsA: [`${DSR.lb.nodeSide}/24`], addrsB: [`${DSR.node.ip}/24`] });
  await client.ip(["route", "add", "default", "via", DSR.lb.clientSide]);
  await lab.setSysctl(lb, "net.ipv4.ip_forward", 1);
  await lab.setSysctl(node, "net.ipv4.ip_forward", 1);
  await lb.ip(["route", "add", DSR.pod.net, "via", DSR.node.ip]);
  if (options.defaultRoute) await node.ip(["route", "add", "default", "via", DSR.lb.nodeSide]);
  else await node.ip(["route", "add", DSR.client.net, "via", DSR.lb.nodeSide]);

  // The balancer's end of the tunnel, and its "IPVS DSR" rule: the VIP goes into the tunnel.
  await lb.ip(["link", "add", "vx0", "type", "vxlan", "id", DSR.vxlan.id, "local", DSR.lb.nodeSide, "remote", DSR.pod.ip, "dstport", DSR.vxlan.port]);
  await lb.ip(["addr", "add", `${DSR.lb.tunnel}/30`, "dev", "vx0"]);
  await lb.ip(["link", "set", "vx0", "up"]);
  await lb.ip(["route", "add", `${DSR.vip}/32`, "via", DSR.pod.tunnel, "dev", "vx0"]);

  // The pod: the VIP on lo, its end of the tunnel. Requests arrive on vx0 and replies leave by
  // eth0, so the pod itself must not filter by reverse path (a pod's tunnel device never does).
  await pod.ip(["addr", "add", `${DSR.vip}/32`, "dev", "lo"]);
  await pod.ip(["link", "add", "vx0", "type", "vxlan", "id", DSR.vxlan.id, "local", DSR.pod.ip, "remote", DSR.lb.nodeSide, "dstport", DSR.vxlan.port]);
  await pod.ip(["addr", "add", `${DSR.pod.tunnel}/30`, "dev", "vx0"]);
  await pod.ip(["link", "set", "vx0", "up"]);
  for (const iface of ["all", "default", "vx0"]) await lab.setSysctl(pod, `net.ipv4.conf.${iface}.rp_filter`, 0);
  return { lab, ns: { client, lb, node, pod } };
}

/** Creates the pod's veth: `ifname` on the node, `eth0` in the pod (both down, no addresses). */
export async function createPodLink(topo: DsrTopology, ifname: string): Promise<void> {
  await topo.ns.node.ip(["link", "add", ifname, "type", "veth", "peer", "name", "eth0", "netns", topo.ns.pod.name]);
}

/** Addresses both ends of the pod's veth, brings them up and gives the pod its default route. */
export async function configurePodLink(topo: DsrTopology, ifname: string): Promise<void> {
  const { node, pod } = topo.ns;
  await node.ip(["addr", "add", `${DSR.node.podSide}/24`, "dev", ifname]);
  await node.ip(["link", "set", ifname, "up"]);
  await pod.ip(["addr", "add", `${DSR.pod.ip}/24`, "dev", "eth0"]);
  await pod.ip(["link", "set", "eth0", "up"]);
  await pod.ip(["route", "add", "default", "via", DSR.node.podSide]);
}
