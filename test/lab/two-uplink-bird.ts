/** BIRD 2 configs for the two-uplink topology, rendered from its plan. */
import type { TwoUplinkPlan, UplinkPlan } from "./two-uplink-plan.js";

/** Fast BGP timers so sessions come up (and notice failures) within seconds. */
const BGP_TIMERS = [
  "connect delay time 1;",
  "connect retry time 2;",
  "error wait time 1, 4;",
  "hold time 9;",
  "keepalive time 3;",
];

/** Renders the router BIRD config: static test prefixes out on both links, BGP routes into the kernel. */
export function renderRouterBirdConfig(plan: TwoUplinkPlan): string {
  const { prefixes, communities: c } = plan;
  const lines = [
    `router id ${plan.routerId.router};`,
    "",
    `define ECMP4 = [ ${setOf(prefixes.ecmp4, "0.0.0.0/32")} ];`,
    `define ECMP6 = [ ${setOf(prefixes.ecmp6, "::/128")} ];`,
    "",
    "protocol device { scan time 10; }",
    ...renderKernelExport(plan, "kernel1", "ipv4"),
    ...renderKernelExport(plan, "kernel2", "ipv6"),
    "",
    "protocol static prefixes4 {",
    "  ipv4;",
    ...[...prefixes.routed4, ...prefixes.ecmp4].map((p) => `  route ${p} blackhole;`),
    "}",
    "protocol static prefixes6 {",
    "  ipv6;",
    ...[...prefixes.routed6, ...prefixes.ecmp6].map((p) => `  route ${p} blackhole;`),
    "}",
  ];
  if (plan.announceClientNet) {
    lines.push(`protocol direct client_net { ipv4; ipv6; interface "${plan.client.router.ifname}"; }`);
  }
  lines.push("");
  for (const uplink of [plan.uplinks.a, plan.uplinks.b]) {
    lines.push(
      `# uplink ${uplink.router.ifname} <-> ${uplink.node.ifname}: ${uplink.prepend === 0 ? "primary" : `backup (+${uplink.prepend} prepends)`}`,
      `filter to_node_${uplink.router.ifname} {`,
      "  if source != RTS_STATIC && source != RTS_DEVICE then reject;",
      `  bgp_community.add((${c.all[0]}, ${c.all[1]}));`,
      `  if (net.type = NET_IP4 && net ~ ECMP4) || (net.type = NET_IP6 && net ~ ECMP6) then {`,
      `    bgp_community.add((${c.ecmp[0]}, ${c.ecmp[1]}));`,
      "    accept;",
      "  }",
      ...Array.from({ length: uplink.prepend }, () => `  bgp_path.prepend(${plan.asn.router});`),
      "  accept;",
      "}",
    );
  }
  lines.push("", ...renderBgpTemplate("node", plan.asn.router));
  for (const uplink of [plan.uplinks.a, plan.uplinks.b]) {
    const filter = `filter to_node_${uplink.router.ifname}`;
    lines.push(...renderSessions(uplink.routerSessions, "node", uplink.router, uplink.node, plan.asn.node, "import all", `export ${filter}`));
  }
  return `${lines.join("\n")}\n`;
}

/** Renders the node BIRD config: BGP routes into the kernel, VIP routes learned from the VIP table out by BGP. */
export function renderNodeBirdConfig(plan: TwoUplinkPlan): string {
  const k = plan.kernelProtocols;
  const lines = [
    `router id ${plan.routerId.node};`,
    "",
    "# Separate BIRD tables for the VIP announce table: BIRD allows one kernel syncer per BIRD table.",
    "ipv4 table vip4;",
    "ipv6 table vip6;",
    "",
    "protocol device { scan time 10; }",
    ...renderKernelExport(plan, k.v4, "ipv4"),
    ...renderKernelExport(plan, k.v6, "ipv6"),
    "",
    `# Learn what others (fibwarden) put into kernel table ${plan.vip.table}; never write to it.`,
    ...renderKernelLearn(plan, k.vip4, "ipv4", "vip4"),
    ...renderKernelLearn(plan, k.vip6, "ipv6", "vip6"),
    "protocol pipe vipp4 { table vip4; peer table master4; import none; export all; }",
    "protocol pipe vipp6 { table vip6; peer table master6; import none; export all; }",
    "",
    "# Only the learned VIP routes go out to the router.",
    `filter to_router { if proto = "${k.vip4}" || proto = "${k.vip6}" then accept; reject; }`,
    "",
    ...renderBgpTemplate("uplink", plan.asn.node),
  ];
  for (const uplink of [plan.uplinks.a, plan.uplinks.b]) {
    lines.push(...renderSessions(uplink.nodeSessions, "uplink", uplink.node, uplink.router, plan.asn.router, "import all", "export filter to_router"));
  }
  return `${lines.join("\n")}\n`;
}

function renderKernelExport(plan: TwoUplinkPlan, name: string, family: "ipv4" | "ipv6"): string[] {
  return [
    `protocol kernel ${name} {`,
    `  ${family} { import none; export where source = RTS_BGP; };`,
    `  scan time ${plan.scanTimeS};`,
    "  merge paths on;",
    "}",
  ];
}

function renderKernelLearn(plan: TwoUplinkPlan, name: string, family: "ipv4" | "ipv6", table: string): string[] {
  return [
    `protocol kernel ${name} {`,
    `  ${family} { table ${table}; import all; export none; };`,
    `  kernel table ${plan.vip.table};`,
    "  learn;",
    `  scan time ${plan.scanTimeS};`,
    "}",
  ];
}

function renderBgpTemplate(name: string, localAs: number): string[] {
  return [`template bgp ${name} {`, `  local as ${localAs};`, ...BGP_TIMERS.map((t) => `  ${t}`), "}"];
}

function renderSessions(
  names: UplinkPlan["nodeSessions"], template: string,
  local: { ipv4: string; ipv6: string }, peer: { ipv4: string; ipv6: string }, peerAs: number,
  importRule: string, exportRule: string,
): string[] {
  return [
    `protocol bgp ${names.v4} from ${template} {`,
    `  local ${local.ipv4};`,
    `  neighbor ${peer.ipv4} as ${peerAs};`,
    `  ipv4 { ${importRule}; ${exportRule}; };`,
    "}",
    `protocol bgp ${names.v6} from ${template} {`,
    `  local ${local.ipv6};`,
    `  neighbor ${peer.ipv6} as ${peerAs};`,
    `  ipv6 { ${importRule}; ${exportRule}; };`,
    "}",
  ];
}

/** A BIRD prefix set body; an empty list becomes a placeholder that matches nothing routed. */
function setOf(prefixes: readonly string[], placeholder: string): string {
  return (prefixes.length > 0 ? prefixes : [placeholder]).join(", ");
}
