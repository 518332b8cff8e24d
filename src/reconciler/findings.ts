// The conflicts and drift the reconciler knows of now: a full pass replaces them all, an
// incremental pass replaces those inside its scope. Route findings are indexed by (family,
// table, destination) so that an incremental pass touches only its own keys: on a full table
// there can be a finding per route, and a pass must not walk them all.
import type { InterfaceAddress } from "../core/model/address.js";
import type { Route } from "../core/model/route.js";
import type { Rule } from "../core/model/rule.js";
import type { Conflict, Drift } from "../core/plan/types.js";

/** Totals of the findings known now, by conflict reason and drift kind. */
export interface FindingCounts {
  conflicts: number;
  drift: number;
  conflictReasons: Record<string, number>;
  driftKinds: Record<string, number>;
}

/** What an incremental pass looked at. */
export interface FindingScope {
  /** `family|table|dst` keys. */
  keys: ReadonlySet<string>;
  /** Tables looked at whole. */
  tables: ReadonlySet<number>;
  ruleIn: (r: Rule) => boolean;
  addressIn: (a: InterfaceAddress) => boolean;
}

type Finding = { conflict: Conflict } | { drift: Drift };

const routeKeyOf = (r: Route): string => `${r.family}|${r.table}|${r.dst}`;

/** The route a finding is about, when it is about a route. */
function routeOf(f: Finding): Route | undefined {
  if ("drift" in f) return f.drift.expected;
  const c = f.conflict;
  return c.object === "route" ? ((c.desired ?? c.holder) as Route | undefined) : undefined;
}

/** The findings store. */
export class Findings {
  private readonly byRoute = new Map<string, Finding[]>();
  private readonly routeKeysByTable = new Map<number, Set<string>>();
  private readonly other: Conflict[] = [];
  private readonly counts: FindingCounts = { conflicts: 0, drift: 0, conflictReasons: {}, driftKinds: {} };

  /** A full pass: its findings are all there is. */
  replaceAll(conflicts: readonly Conflict[], drift: readonly Drift[]): void {
    this.byRoute.clear();
    this.routeKeysByTable.clear();
    this.other.length = 0;
    Object.assign(this.counts, { conflicts: 0, drift: 0, conflictReasons: {}, driftKinds: {} });
    this.add(conflicts, drift);
  }

  /** An incremental pass: what it looked at is replaced by what it found there. */
  replaceInScope(scope: FindingScope, conflicts: readonly Conflict[], drift: readonly Drift[]): void {
    for (const k of scope.keys) this.dropKey(k);
    for (const t of scope.tables) for (const k of [...(this.routeKeysByTable.get(t) ?? [])]) this.dropKey(k);
    for (let i = this.other.length - 1; i >= 0; i--) {
      const c = this.other[i]!;
      const obj = c.desired ?? c.holder;
      const inScope = c.object === "sysctl" ? true
        : c.object === "rule" ? obj !== undefined && scope.ruleIn(obj as Rule)
          : c.object === "address" ? obj !== undefined && scope.addressIn(obj as InterfaceAddress) : false;
      if (inScope) {
        this.other.splice(i, 1);
        this.count({ conflict: c }, -1);
      }
    }
    this.add(conflicts, drift);
  }

  /** Totals now (a copy). */
  totals(): FindingCounts {
    return { ...this.counts, conflictReasons: { ...this.counts.conflictReasons }, driftKinds: { ...this.counts.driftKinds } };
  }

  /** Every finding known now. */
  list(): { conflicts: Conflict[]; drift: Drift[] } {
    const conflicts: Conflict[] = [...this.other];
    const drift: Drift[] = [];
    for (const fs of this.byRoute.values()) {
      for (const f of fs) {
        if ("drift" in f) drift.push(f.drift);
        else conflicts.push(f.conflict);
      }
    }
    return { conflicts, drift };
  }

  private add(conflicts: readonly Conflict[], drift: readonly Drift[]): void {
    for (const c of conflicts) this.put({ conflict: c });
    for (const d of drift) this.put({ drift: d });
  }

  private put(f: Finding): void {
    const r = routeOf(f);
    if (r === undefined) {
      if ("conflict" in f) this.other.push(f.conflict);
    } else {
      const k = routeKeyOf(r);
      const list = this.byRoute.get(k);
      if (list) list.push(f); else this.byRoute.set(k, [f]);
      let keys = this.routeKeysByTable.get(r.table);
      if (keys === undefined) this.routeKeysByTable.set(r.table, (keys = new Set()));
      keys.add(k);
    }
    this.count(f, +1);
  }

  private dropKey(k: string): void {
    const list = this.byRoute.get(k);
    if (list === undefined) return;
    this.byRoute.delete(k);
    for (const f of list) this.count(f, -1);
    const table = Number(k.split("|")[1]);
    const keys = this.routeKeysByTable.get(table);
    keys?.delete(k);
    if (keys?.size === 0) this.routeKeysByTable.delete(table);
  }

  private count(f: Finding, delta: number): void {
    const bump = (rec: Record<string, number>, name: string): void => {
      const n = (rec[name] ?? 0) + delta;
      if (n <= 0) delete rec[name]; else rec[name] = n;
    };
    if ("drift" in f) {
      this.counts.drift += delta;
      bump(this.counts.driftKinds, f.drift.kind);
    } else {
      this.counts.conflicts += delta;
      bump(this.counts.conflictReasons, f.conflict.reason);
    }
  }
}
