// Labels one address key. The desired side decides create, seen or a conflict; an address of
// ours the kernel holds that is not kept is a delete, unless the address-in-use guard keeps it.
import { addressKey } from "../model/keys.js";
import { classifyAddress } from "../ownership.js";
import type { PlanContext } from "./context.js";
import { describeAddress } from "./describe.js";
import { guardAddressInUse, withholdDelete } from "./key-guards.js";
import type { Conflict } from "./types.js";
import { duplicateConflicts, IGNORE, isKept, SEEN, stage, withConflicts, type Label } from "./verdict.js";

/** The desired side of an address key (undefined when nothing is desired there). */
export function labelDesiredAddress(ctx: PlanContext, key: string): Label | undefined {
  const d = ctx.trackers.addresses.desired.get(key);
  if (d === undefined) return undefined;
  const live = ctx.trackers.addresses.live.get(key);
  const conflict = (reason: Conflict["reason"], message: string, extra: Partial<Conflict> = {}): Label =>
    ({ verdict: "conflict", drift: [], conflicts: [{ object: "address", key, reason, desired: d, message, ...extra }] });
  if (classifyAddress(ctx.policy, d) !== "ours") return conflict("not-ownable", `desired address ${describeAddress(d)} would not carry fibwarden's marker`);
  if (live.length > 1) return conflict("ambiguous-key", `several addresses share ${key}`);
  const holder = live[0];
  if (holder !== undefined && classifyAddress(ctx.policy, holder) !== "ours") {
    return conflict("held-by-alien", `address ${describeAddress(d)} is already assigned by someone else (${describeAddress(holder)}); left alone`,
      { holder, holderOwnership: "alien" });
  }
  if (holder !== undefined) return SEEN;
  return { verdict: "create", conflicts: [], drift: [], op: stage({ kind: "address.add", address: d, reason: `missing: ${describeAddress(d)}` }, key) };
}

/** True when the kernel's single address at `key` is ours and not kept: a delete before the guards. */
export function isAddressLeaving(ctx: PlanContext, key: string): boolean {
  const live = ctx.trackers.addresses.live.get(key);
  if (live.length !== 1 || classifyAddress(ctx.policy, live[0]!) !== "ours") return false;
  const desired = ctx.addressDesired(key);
  return desired === undefined || !isKept(desired);
}

/** Addresses with IP `ip` once the plan's adds ran and its deletes (before guards) did. */
export function countAddressSurvivors(ctx: PlanContext, ip: string): number {
  const t = ctx.trackers.addresses;
  let n = t.localCount(ip);
  for (const k of t.desiredByIp.get(ip)) if (ctx.addressDesired(k)?.verdict === "create") n++;
  for (const k of new Set(t.liveAt(ip).map(addressKey))) if (isAddressLeaving(ctx, k)) n--;
  return n;
}

/** The label of an address key, guards applied. */
export function labelAddress(ctx: PlanContext, key: string): Label {
  const dups = duplicateConflicts("address", key, ctx.trackers.addresses.desired.duplicatesAt(key));
  const desired = ctx.addressDesired(key);
  if (desired !== undefined && isKept(desired)) return withConflicts(desired, dups);
  const conflicts = [...dups, ...(desired?.conflicts ?? [])];
  if (!isAddressLeaving(ctx, key)) return conflicts.length > 0 ? { verdict: "conflict", conflicts, drift: [] } : IGNORE;
  const a = ctx.trackers.addresses.live.get(key)[0]!;
  const del: Label = { verdict: "delete", conflicts, drift: [],
    op: stage({ kind: "address.delete", address: a, reason: `not desired: ${describeAddress(a)}` }, key) };
  return withholdDelete(ctx, guardAddressInUse(ctx, key, a, del));
}
