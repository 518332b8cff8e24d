// Labels one sysctl key: set it when the kernel holds another value (a sysctl of an interface
// the kernel does not have is left alone).
import type { PlanContext } from "./context.js";
import { IGNORE, SEEN, stage, type Label } from "./verdict.js";

/** The label of a sysctl key. */
export function labelSysctl(ctx: PlanContext, key: string): Label {
  const s = ctx.trackers.sysctls.desired.get(key);
  const cur = ctx.trackers.sysctls.live.get(key);
  if (s === undefined || cur === undefined) return IGNORE;
  if (cur.value === s.value) return SEEN;
  return { verdict: "update", conflicts: [], drift: [], op: stage({ kind: "sysctl.set", sysctl: s, previous: cur.value,
    reason: `net.ipv4.conf.${s.iface}.${s.name} is ${cur.value}, want ${s.value}` }, key) };
}
