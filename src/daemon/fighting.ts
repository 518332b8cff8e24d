// The daemon's side of the hold-down (src/core/fight/hold-down.ts): which applied operations
// count as re-installs of an object of fibwarden's, which objects the next passes must leave
// alone, and what to report. BIRD's routes that fibwarden reinstalls (`repair: reinstall`) are
// not held down: the mass-reinstall guard bounds those, and F1's promise is to put them back.
import type { ApplyResult } from "../adapters/ports.js";
import { FightDetector, type HeldObject, type HoldDownSettings } from "../core/fight/hold-down.js";
import { addressKey, routeKey, ruleKey, sysctlKey } from "../core/model/keys.js";
import type { PlanOp } from "../core/plan/types.js";

/** The identity of the object an install operation writes (`rule|<key>`...); undefined for others. */
export function installedObjectId(op: PlanOp, ownProtocol: number): string | undefined {
  switch (op.kind) {
    case "route.add":
    case "route.replace":
      return op.route.protocol === ownProtocol ? `route|${routeKey(op.route)}` : undefined;
    case "rule.add": return `rule|${ruleKey(op.rule)}`;
    case "address.add": return `address|${addressKey(op.address)}`;
    case "sysctl.set": return `sysctl|${sysctlKey(op.sysctl)}`;
    default: return undefined;
  }
}

/** Tracks the fights of one daemon. */
export class FightWatch {
  private detector: FightDetector;

  constructor(settings: HoldDownSettings, private readonly ownProtocol: number) {
    this.detector = new FightDetector(settings);
  }

  /** Takes in what a pass applied; returns the hold-downs it started. */
  applied(result: ApplyResult | undefined, nowMs: number): HeldObject[] {
    const started: HeldObject[] = [];
    for (const r of result?.results ?? []) {
      if (r.status !== "applied") continue;
      const id = installedObjectId(r.op, this.ownProtocol);
      const held = id === undefined ? undefined : this.detector.installed(id, nowMs);
      if (held !== undefined) started.push(held);
    }
    return started;
  }

  /** True when the next pass must not apply `op` (its object is held down). */
  isHeld(op: PlanOp, nowMs: number): boolean {
    const id = installedObjectId(op, this.ownProtocol);
    return id !== undefined && this.detector.isHeld(id, nowMs);
  }

  /** The objects held down now. */
  held(nowMs: number): HeldObject[] {
    return this.detector.held(nowMs);
  }
}
