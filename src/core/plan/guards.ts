// Guards against a wrong model turning into a mass change. When many of one kernel protocol's
// protected routes are missing at once, the likeliest cause is not that someone deleted them but
// that fibwarden expects them at the wrong place (a BIRD dialect misread, so metric 32 where
// BIRD installs 0; a `kernel table` or `metric` that bird.conf sets and the config does not).
// Reinstalling would then add a second copy of every BGP route that BIRD does not know about.
import type { Route } from "../model/route.js";

/** How many of one group's protected routes one pass may reinstall: max(minimum, share × total). */
export interface ReinstallLimit {
  /** Share of the group's routes (0..1). */
  share: number;
  /** Always allowed, whatever the group's size. */
  minimum: number;
}

/** fibwarden's default: a tenth of a kernel protocol's routes, and never fewer than 50. */
export const DEFAULT_REINSTALL_LIMIT: ReinstallLimit = { share: 0.1, minimum: 50 };

/** A group of protected routes: what one BIRD kernel protocol installs (family, table, metric). */
export interface ProtectedGroup {
  family: 4 | 6;
  table: number;
  metric: number;
}

/** A plan-level finding of a guard: nothing of the group was reinstalled, and why. */
export interface PlanGuard extends ProtectedGroup {
  /**
   * `kernel-metric-mismatch`: the kernel holds the group's routes, with BIRD's protocol, at
   * another metric (`liveMetric`): set the metric in the config. `mass-reinstall`: more routes
   * missing at once than the reinstall limit allows.
   */
  code: "kernel-metric-mismatch" | "mass-reinstall";
  /** Routes of the group BIRD exports. */
  total: number;
  /** Routes of the group missing at the expected key. */
  missing: number;
  /** Reinstalls the limit allows for the group. */
  limit: number;
  /** The metric the kernel holds the group's routes at (`kernel-metric-mismatch`). */
  liveMetric?: number;
  /** Routes of the group found at `liveMetric`. */
  atLiveMetric?: number;
  message: string;
}

/** What the guard decided for one group. */
export interface GroupVerdict {
  guard?: PlanGuard;
  /** True when the group's missing routes may be reinstalled. */
  reinstall: boolean;
  /** Keys of missing routes that are present at `guard.liveMetric` (reported by the guard, not as drift). */
  explained: ReadonlySet<string>;
}

const groupKey = (r: Route): string => `${r.family}|${r.table}|${r.metric}`;

/** Groups protected routes by what installs them (family, table, metric). */
export function groupProtected<T extends { route: Route }>(items: Iterable<T>): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = groupKey(item.route);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}

/** The limit of reinstalls for a group of `total` routes. */
export function reinstallAllowance(limit: ReinstallLimit, total: number): number {
  return Math.max(limit.minimum, Math.floor(limit.share * total));
}

const familyName = (f: 4 | 6): string => (f === 4 ? "ipv4" : "ipv6");

/**
 * Decides for one group. `missing` are the group's routes absent at their key, each with the
 * metrics at which the kernel holds a route of BIRD's protocol with the same table, destination
 * and TOS (`elsewhere`). The kernel metric is mismatched when one other metric holds at least 90 %
 * of the missing routes and more of the group than the expected metric does.
 */
export function judgeGroup(
  group: ProtectedGroup, total: number,
  missing: ReadonlyArray<{ key: string; elsewhere: readonly number[] }>,
  limit: ReinstallLimit, repair: "report" | "reinstall",
): GroupVerdict {
  const allowed = reinstallAllowance(limit, total);
  if (missing.length === 0) return { reinstall: true, explained: new Set() };
  const byMetric = new Map<number, number>();
  for (const m of missing) for (const metric of new Set(m.elsewhere)) byMetric.set(metric, (byMetric.get(metric) ?? 0) + 1);
  let liveMetric: number | undefined;
  let atLive = 0;
  for (const [metric, n] of byMetric) {
    if (n > atLive || (n === atLive && liveMetric !== undefined && metric < liveMetric)) { liveMetric = metric; atLive = n; }
  }
  const presentAtExpected = total - missing.length;
  const where = `table ${group.table} (IPv${group.family})`;
  if (liveMetric !== undefined && atLive * 10 >= missing.length * 9 && atLive > presentAtExpected) {
    const explained = new Set(missing.filter((m) => m.elsewhere.includes(liveMetric)).map((m) => m.key));
    return {
      reinstall: false, explained,
      guard: {
        code: "kernel-metric-mismatch", ...group, total, missing: missing.length, limit: allowed, liveMetric, atLiveMetric: atLive,
        message: `${atLive} of ${total} protected routes in ${where} are in the kernel with BIRD's protocol at metric ${liveMetric}, not at the expected metric ${group.metric}: `
          + `BIRD installs at another metric than fibwarden assumes (bird.conf \`metric\`, or a misread BIRD version); set \`protect.metrics.<kernel protocol>.${familyName(group.family)}: ${liveMetric}\` in the config. Nothing of this group is reinstalled.`,
      },
    };
  }
  if (repair === "reinstall" && missing.length > allowed) {
    return {
      reinstall: false, explained: new Set(),
      guard: {
        code: "mass-reinstall", ...group, total, missing: missing.length, limit: allowed,
        message: `${missing.length} of ${total} protected routes in ${where} at metric ${group.metric} are missing at once, more than the ${allowed} one pass may reinstall (protect.reinstallLimit): `
          + "a mass change is more often a wrong model (kernel table or metric of the BIRD kernel protocol) than a mass deletion; none reinstalled, each reported as drift",
      },
    };
  }
  return { reinstall: true, explained: new Set() };
}
