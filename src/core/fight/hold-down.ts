// Hold-down against a fight: another agent (systemd-networkd with ManageForeignRoutingPolicyRules=
// yes, its default; a CNI that claims a table range) removes what fibwarden installs, fibwarden
// puts it back, and both go on for ever, each write a kernel event for everyone else. After
// `restores` re-installs of the same object within `windowMs`, fibwarden stops re-installing that
// object for `holdMs` and reports it as FIGHTING; then it tries again, and a new burst starts a
// new hold-down. The first install of an object is not a restore: only a re-install counts.

/** When to stop fighting for an object. */
export interface HoldDownSettings {
  /** Re-installs of one object within the window that start a hold-down (default 5). */
  restores: number;
  /** The window, in milliseconds (default 60 s). */
  windowMs: number;
  /** How long fibwarden leaves the object alone, in milliseconds (default 300 s). */
  holdMs: number;
}

/** The defaults: 5 re-installs within a minute hold the object down for 5 minutes. */
export const DEFAULT_HOLD_DOWN: HoldDownSettings = { restores: 5, windowMs: 60_000, holdMs: 300_000 };

/** An object fibwarden has stopped fighting for. */
export interface HeldObject {
  /** The object's identity (its kernel key and kind). */
  id: string;
  /** When the hold-down started and when it ends (epoch milliseconds). */
  since: number;
  until: number;
  /** Re-installs seen in the window that started it. */
  restores: number;
}

interface History {
  installs: number[];
  held?: HeldObject;
}

/** Counts re-installs per object and decides when to stop fighting. Bounded by the objects it sees. */
export class FightDetector {
  private readonly history = new Map<string, History>();

  constructor(private readonly settings: HoldDownSettings = DEFAULT_HOLD_DOWN) {
    if (!(settings.restores >= 1 && settings.windowMs > 0 && settings.holdMs > 0)) {
      throw new RangeError(`hold-down settings must be positive (${JSON.stringify(settings)})`);
    }
  }

  /**
   * Records that fibwarden installed the object `id` at `nowMs`; returns the hold-down this
   * install started, if any (the install itself has happened: the hold-down stops the next).
   */
  installed(id: string, nowMs: number): HeldObject | undefined {
    const h = this.history.get(id) ?? { installs: [] };
    this.history.set(id, h);
    h.installs = h.installs.filter((t) => nowMs - t < this.settings.windowMs);
    h.installs.push(nowMs);
    const restores = h.installs.length - 1;
    if (restores < this.settings.restores || this.isHeld(id, nowMs)) return undefined;
    h.held = { id, since: nowMs, until: nowMs + this.settings.holdMs, restores };
    h.installs = [];
    return h.held;
  }

  /** True while fibwarden leaves `id` alone. */
  isHeld(id: string, nowMs: number): boolean {
    const held = this.history.get(id)?.held;
    return held !== undefined && nowMs < held.until;
  }

  /** Every object held down at `nowMs`, ordered by id; forgets ended hold-downs and old history. */
  held(nowMs: number): HeldObject[] {
    const out: HeldObject[] = [];
    for (const [id, h] of this.history) {
      if (h.held !== undefined && nowMs >= h.held.until) delete h.held;
      h.installs = h.installs.filter((t) => nowMs - t < this.settings.windowMs);
      if (h.held === undefined && h.installs.length === 0) this.history.delete(id);
      else if (h.held !== undefined) out.push(h.held);
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
