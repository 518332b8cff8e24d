// The conflicts and drift known now: the planner's findings per key, kept between passes. Each
// plan labels a set of keys (all of them, or the closed dirty keys of an event pass); the
// findings at exactly those keys are replaced by the plan's. Totals are kept as findings come
// and go, so a pass never walks every finding of a full table.
import type { KeySet } from "../core/track/dirty.js";
import type { Conflict, Drift, Plan } from "../core/plan/types.js";

/** Totals of the findings known now, by conflict reason and drift kind. */
export interface FindingCounts {
  conflicts: number;
  drift: number;
  conflictReasons: Record<string, number>;
  driftKinds: Record<string, number>;
}

const KINDS = { routes: "route", rules: "rule", addresses: "address", sysctls: "sysctl" } as const;

/** Findings per planned key (`object|key`; drift is always at a route key). */
export class KnownFindings {
  private readonly conflicts = new Map<string, Conflict[]>();
  private readonly drift = new Map<string, Drift[]>();
  private readonly counts: FindingCounts = { conflicts: 0, drift: 0, conflictReasons: {}, driftKinds: {} };

  /** Replaces the findings at the keys `plan` labelled (`all`: every finding) with its own. */
  replace(keys: "all" | KeySet, plan: Pick<Plan, "conflicts" | "drift">): void {
    if (keys === "all") {
      this.conflicts.clear();
      this.drift.clear();
      Object.assign(this.counts, { conflicts: 0, drift: 0, conflictReasons: {}, driftKinds: {} });
    } else {
      for (const kind of Object.keys(KINDS) as Array<keyof typeof KINDS>) {
        for (const k of keys[kind]) this.dropConflicts(`${KINDS[kind]}|${k}`);
      }
      for (const k of keys.routes) this.dropDrift(k);
    }
    for (const c of plan.conflicts) push(this.conflicts, `${c.object}|${c.key}`, c);
    for (const d of plan.drift) push(this.drift, d.key, d);
    for (const c of plan.conflicts) this.count("conflicts", "conflictReasons", c.reason, +1);
    for (const d of plan.drift) this.count("drift", "driftKinds", d.kind, +1);
  }

  /** Totals now (a copy). */
  totals(): FindingCounts {
    return { ...this.counts, conflictReasons: { ...this.counts.conflictReasons }, driftKinds: { ...this.counts.driftKinds } };
  }

  /** Every finding known now. */
  list(): { conflicts: Conflict[]; drift: Drift[] } {
    return { conflicts: [...this.conflicts.values()].flat(), drift: [...this.drift.values()].flat() };
  }

  private dropConflicts(k: string): void {
    for (const c of this.conflicts.get(k) ?? []) this.count("conflicts", "conflictReasons", c.reason, -1);
    this.conflicts.delete(k);
  }

  private dropDrift(k: string): void {
    for (const d of this.drift.get(k) ?? []) this.count("drift", "driftKinds", d.kind, -1);
    this.drift.delete(k);
  }

  private count(total: "conflicts" | "drift", by: "conflictReasons" | "driftKinds", name: string, delta: number): void {
    this.counts[total] += delta;
    const n = (this.counts[by][name] ?? 0) + delta;
    if (n <= 0) delete this.counts[by][name];
    else this.counts[by][name] = n;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
