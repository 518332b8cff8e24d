// How the plan names kernel objects in its reasons and messages (what `reconcile --plan` prints).
import type { InterfaceAddress } from "../model/address.js";
import { protocolName, tableName } from "../model/names.js";
import type { Route } from "../model/route.js";
import type { Rule } from "../model/rule.js";

/** A route as one line: type unless unicast, nexthops, table, metric, protocol. */
export function describeRoute(r: Route): string {
  const via = r.nexthops.map((n) => [n.gateway && `via ${n.gateway}`, n.dev && `dev ${n.dev}`].filter(Boolean).join(" ")).join(", ");
  const type = r.type === "unicast" ? "" : `${r.type} `;
  return `${type}${r.dst}${via ? ` ${via}` : ""} table ${tableName(r.table)} metric ${r.metric} proto ${protocolName(r.protocol)}`;
}

/** A rule as `ip rule` prints it: priority, selectors (or `all`), action. */
export function describeRule(r: Rule): string {
  const sel = [r.from && `from ${r.from}`, r.to && `to ${r.to}`, r.iif && `iif ${r.iif}`, r.oif && `oif ${r.oif}`,
    r.fwmark && `fwmark ${r.fwmark.value}/${r.fwmark.mask}`].filter(Boolean).join(" ") || "all";
  const act = r.action === "lookup" ? `lookup ${tableName(r.table ?? 0)}` : r.action;
  return `${r.priority}: ${sel} ${act}`;
}

/** An address: address/prefix, device, label. */
export function describeAddress(a: InterfaceAddress): string {
  return `${a.address}/${a.prefixlen} dev ${a.dev}${a.label ? ` label ${a.label}` : ""}`;
}
