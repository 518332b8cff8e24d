// The kernel tables and rule priorities other agents on a node are known to use, as data, each
// with its source. The field notes (../shared/FIELD-NOTES.md, 2026-12) are the source of every
// entry except AWS VPC CNI's rule priorities, which they do not list (cited from the CNI's code).
// Where a source gives no exact bound (`2+`, `100+`, `>= 1000`, a band seen in one output), the
// entry says how the number was modelled in `modelled`. Pure data: no I/O.
import type { NumberRange } from "../ownership.js";

/** The highest kernel table number (u32). */
export const KERNEL_TABLE_MAX = 0xffffffff;

/** Agents whose ranges are known; the ids are what `fibwarden check --ignore` takes. */
export const KNOWN_AGENTS = {
  "calico": "Calico (Felix)",
  "aws-vpc-cni": "AWS VPC CNI",
  "kube-router": "kube-router",
  "kube-vip": "kube-vip",
  "tailscale": "Tailscale",
  "meridio": "Meridio frontend",
  "metallb-node-route-agent": "metallb-node-route-agent",
  "okd": "OKD (MetalLB/frr-k8s VRFs)",
  "systemd-networkd": "systemd-networkd",
} as const;

/** The id of a known agent. */
export type AgentId = keyof typeof KNOWN_AGENTS;

/** One range of tables or rule priorities an agent is known to use. */
export interface KnownRange {
  agent: AgentId;
  kind: "tables" | "priorities";
  /** Inclusive. */
  range: NumberRange;
  /** What the agent puts there. */
  what: string;
  /** Where the range comes from: the field notes' section and the upstream reference they cite. */
  source: string;
  /** How a value the source does not state exactly was turned into this range; absent when exact. */
  modelled?: string;
}

/** An agent that removes foreign rules or routes whatever their range (a finding about the agent). */
export interface KnownManager {
  agent: AgentId;
  what: string;
  source: string;
  /** The settings that stop it, and where they go. */
  fix: string;
}

const NOTES = "FIELD-NOTES.md";

/** The known ranges, by agent. */
export const KNOWN_RANGES: readonly KnownRange[] = [
  {
    agent: "calico", kind: "tables", range: { from: 1, to: 250 }, what: "Felix's route tables (default routeTableRanges)",
    source: `${NOTES} §1 #9 and §2 "VIP / table-ID conventions" (Calico 1-250); projectcalico/calico PR #5432`,
  },
  {
    agent: "aws-vpc-cni", kind: "tables", range: { from: 2, to: 100 }, what: "per-ENI route tables (table = device number + 1)",
    source: `${NOTES} §1 #9 (AWS CNI per-ENI tables "2+"); projectcalico/calico PR #5432; aws/amazon-vpc-cni-k8s pkg/networkutils/network.go (setupENINetwork)`,
    modelled: `"2+" is open-ended: the CNI allocates device numbers below maxENIs = 100 ("100 is a hard limit because we use vlanID + 100 for pod networking table names", aws/amazon-vpc-cni-k8s pkg/awsutils), so tables 2-100`,
  },
  {
    agent: "aws-vpc-cni", kind: "tables", range: { from: 101, to: 220 }, what: "per-branch-ENI VLAN tables of security groups for pods (table = VLAN id + 100)",
    source: `${NOTES} §1 #9 (AWS CNI tables "100+"); projectcalico/calico PR #5432 ("if VLANs are being used ... tables from 100 onwards"); aws/amazon-vpc-cni-k8s cmd/routed-eni-cni-plugin/driver (vlanTableID := vlanID + 100)`,
    modelled: `"100+" is open-ended: VLAN ids per trunk ENI are 1-120 (MaxAllocatableVlanIds = 121, aws/amazon-vpc-resource-controller-k8s pkg/provider/branch/trunk/trunk.go), so tables 101-220`,
  },
  {
    agent: "aws-vpc-cni", kind: "priorities", range: { from: 1, to: 1 }, what: "from-interface rule of multi-homed pods",
    source: "not in the field notes: aws/amazon-vpc-cni-k8s pkg/networkutils/network.go (FromInterfaceRulePriority = 1)",
  },
  {
    agent: "aws-vpc-cni", kind: "priorities", range: { from: 10, to: 10 }, what: "VLAN (branch ENI) rules",
    source: "not in the field notes: aws/amazon-vpc-cni-k8s pkg/networkutils/network.go (VlanRulePriority = 10)",
  },
  {
    agent: "aws-vpc-cni", kind: "priorities", range: { from: 20, to: 20 }, what: "the local-table rule moved there in strict pod-SG mode",
    source: "not in the field notes: aws/amazon-vpc-cni-k8s pkg/networkutils/network.go (localRulePriority = 20)",
  },
  {
    agent: "aws-vpc-cni", kind: "priorities", range: { from: 512, to: 512 }, what: "to-pod rules (lookup main)",
    source: "not in the field notes: aws/amazon-vpc-cni-k8s pkg/networkutils/network.go (ToContainerRulePriority = 512)",
  },
  {
    agent: "aws-vpc-cni", kind: "priorities", range: { from: 1024, to: 1024 }, what: "main-ENI connmark rule (NodePort support)",
    source: "not in the field notes: aws/amazon-vpc-cni-k8s pkg/networkutils/network.go (hostRulePriority = 1024)",
  },
  {
    agent: "aws-vpc-cni", kind: "priorities", range: { from: 1535, to: 1536 }, what: "external-service CIDR rules (1535) and from-pod rules to the per-ENI tables (1536)",
    source: "not in the field notes: aws/amazon-vpc-cni-k8s pkg/networkutils/network.go (externalServiceIpRulePriority = 1535, FromPodRulePriority = 1536)",
  },
  {
    agent: "kube-router", kind: "tables", range: { from: 77, to: 79 }, what: "DSR, external-IP and custom route tables",
    source: `${NOTES} §2 "VIP / table-ID conventions" (kube-router 77-79)`,
  },
  {
    agent: "kube-vip", kind: "tables", range: { from: 198, to: 198 }, what: "routing-table mode VIP routes (proto 248)",
    source: `${NOTES} §1 #10 and §2 "kube-vip routing-table mode" (flags tableID, routingProtocol); kube-vip/kube-vip#1678`,
  },
  {
    agent: "tailscale", kind: "tables", range: { from: 52, to: 52 }, what: "Tailscale's routes",
    source: `${NOTES} §2 "Tailscale router_linux" (table 52)`,
  },
  {
    agent: "tailscale", kind: "priorities", range: { from: 5210, to: 5270 }, what: "Tailscale's rule band, re-added on RTM_DELRULE",
    source: `${NOTES} §1 #15 and §2 "Tailscale router_linux" (5210/5230/5250/5270 in tailscale/tailscale#1591's output)`,
    modelled: "the four priorities seen (5210, 5230, 5250, 5270) as the whole band 5210-5270, inclusive; the base (ipPolicyPrefBase, tailscale/tailscale#10857) is configurable: this is its default",
  },
  {
    agent: "meridio", kind: "tables", range: { from: 4096, to: 4097 }, what: "the two consecutive tables BIRD syncs from NFE_TABLE_ID",
    source: `${NOTES} §2 "Nordix/Meridio frontend" (NFE_TABLE_ID default 4096, two consecutive tables; docs/components/frontend.md)`,
    modelled: "NFE_TABLE_ID is configurable: its default 4096 and the next table",
  },
  {
    agent: "metallb-node-route-agent", kind: "tables", range: { from: 20, to: 20 }, what: "its route table",
    source: `${NOTES} §2 "VIP / table-ID conventions" (metallb-node-route-agent 20, "earlier note")`,
  },
  {
    agent: "okd", kind: "tables", range: { from: 1000, to: KERNEL_TABLE_MAX }, what: "VRF table ids OKD reserves for itself",
    source: `${NOTES} §2 "VIP / table-ID conventions" (docs.okd.io metallb-frr-k8s: VRF table ids >= 1000)`,
    modelled: '">= 1000" as 1000 up to the highest table number (4294967295)',
  },
];

/** Agents that remove every foreign rule or route, whatever its range. */
export const KNOWN_MANAGERS: readonly KnownManager[] = [
  {
    agent: "systemd-networkd",
    what: "ManageForeignRoutingPolicyRules=yes and ManageForeignRoutes=yes (the defaults) remove every rule and route networkd did not create, whatever its table or priority, on start, reconfigure and link events; a rule stamped with another protocol (fibwarden's 201) is removed too",
    source: `${NOTES} §1 #15-16, §2 "systemd-networkd", §5.2 (systemd/systemd#19106, PR #19287; tailscale/tailscale#1591; aws/amazon-vpc-cni-k8s#1600)`,
    fix: "set ManageForeignRoutingPolicyRules=no and ManageForeignRoutes=no in the [Network] section of /etc/systemd/networkd.conf (or a drop-in in /etc/systemd/networkd.conf.d/), then restart systemd-networkd",
  },
];

/** True when `id` names a known agent. */
export function isAgentId(id: string): id is AgentId {
  return Object.hasOwn(KNOWN_AGENTS, id);
}

/** The agent's display name. */
export function agentName(id: AgentId): string {
  return KNOWN_AGENTS[id];
}
