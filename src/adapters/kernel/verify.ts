// After an apply, re-reads what the ops touched (only the touched tables and families) and says,
// op by op, whether the kernel now holds what the op intended.
import { addressesEqual, type InterfaceAddress } from "../../core/model/address.js";
import { addressKey, routeKey, ruleKey } from "../../core/model/keys.js";
import { routesEqual, type Route } from "../../core/model/route.js";
import { rulesEqual, type Rule } from "../../core/model/rule.js";
import type { Family } from "../../core/net/ip.js";
import type { PlanOp } from "../../core/plan/types.js";
import type { IpContext } from "./ip-command.js";
import { readLinksAndAddresses, readRoutes, readRules } from "./read.js";

/** What the re-read found, by op index; `error` when a re-read failed (those ops stay unverified). */
export interface Verification {
  confirmed: Map<number, boolean>;
  error?: string;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Re-reads the tables, rule families and addresses touched by `ops[indices]` and checks each op. */
export async function verifyOps(ctx: IpContext, ops: readonly PlanOp[], indices: readonly number[], opts: { spoolDir?: string } = {}): Promise<Verification> {
  const confirmed = new Map<number, boolean>();
  const tables = new Map<string, { family: Family; table: number }>();
  const ruleFamilies = new Set<Family>();
  let addresses = false;
  for (const i of indices) {
    const op = ops[i]!;
    if (op.kind.startsWith("route.") && "route" in op) tables.set(`${op.route.family}|${op.route.table}`, { family: op.route.family, table: op.route.table });
    else if ("rule" in op) ruleFamilies.add(op.rule.family);
    else if ("address" in op) addresses = true;
  }
  const errors: string[] = [];
  const attempt = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  };
  const routesByTable = new Map<string, Map<string, Route[]>>();
  for (const [k, t] of tables) {
    const routes = await attempt(() => readRoutes(ctx, t.family, { table: t.table, spoolDir: opts.spoolDir }));
    if (routes !== undefined) routesByTable.set(k, groupBy(routes, routeKey));
  }
  const rulesByFamily = new Map<Family, Rule[]>();
  for (const f of ruleFamilies) {
    const rules = await attempt(() => readRules(ctx, f));
    if (rules !== undefined) rulesByFamily.set(f, rules);
  }
  let liveAddresses: Map<string, InterfaceAddress[]> | undefined;
  if (addresses) {
    const read = await attempt(() => readLinksAndAddresses(ctx));
    if (read !== undefined) liveAddresses = groupBy(read.addresses, addressKey);
  }
  for (const i of indices) {
    const op = ops[i]!;
    const c = check(op, routesByTable, rulesByFamily, liveAddresses);
    if (c !== undefined) confirmed.set(i, c);
  }
  return errors.length > 0 ? { confirmed, error: errors.join("; ") } : { confirmed };
}

function check(op: PlanOp, routes: Map<string, Map<string, Route[]>>, rules: Map<Family, Rule[]>, addresses: Map<string, InterfaceAddress[]> | undefined): boolean | undefined {
  switch (op.kind) {
    case "route.add": case "route.replace": case "route.delete": {
      const table = routes.get(`${op.route.family}|${op.route.table}`);
      if (table === undefined) return undefined;
      const atKey = table.get(routeKey(op.route)) ?? [];
      if (op.kind === "route.delete") return !atKey.some((r) => r.protocol === op.route.protocol && r.type === op.route.type);
      return atKey.some((r) => routesEqual(r, op.route));
    }
    case "rule.add": case "rule.delete": {
      const live = rules.get(op.rule.family);
      if (live === undefined) return undefined;
      const k = ruleKey(op.rule);
      const present = live.some((r) => ruleKey(r) === k && rulesEqual(r, op.rule));
      return op.kind === "rule.add" ? present : !present;
    }
    case "address.add": case "address.delete": {
      if (addresses === undefined) return undefined;
      const atKey = addresses.get(addressKey(op.address)) ?? [];
      if (op.kind === "address.add") return atKey.some((a) => addressesEqual(a, op.address));
      return !atKey.some((a) => op.address.label === undefined || a.label === op.address.label);
    }
    case "sysctl.set":
      return undefined; // confirmed from the read-back of the write itself
  }
}
