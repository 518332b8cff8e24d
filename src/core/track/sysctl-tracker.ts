// The sysctl tracker: desired and live values keyed by sysctlKey. The kernel holds one value per
// key, so both sides hold one (the last value given wins).
import { sysctlKey } from "../model/keys.js";
import type { SysctlValue } from "../model/sysctl.js";
import type { DirtyKeys } from "./dirty.js";
import { replaceAll, type Resync } from "./stores.js";

const same = (a: SysctlValue, b: SysctlValue): boolean => a.iface === b.iface && a.name === b.name && a.value === b.value;

/** One side of the sysctl tracker: one value per key. */
export class SysctlSide {
  private readonly values = new Map<string, SysctlValue>();

  constructor(private readonly onChange: (key: string) => void) {}

  /** The value at `key`. */
  get(key: string): SysctlValue | undefined {
    return this.values.get(key);
  }

  /** Every key. */
  keys(): IterableIterator<string> {
    return this.values.keys();
  }

  /** Sets the value at its key. */
  set(s: SysctlValue): void {
    const k = sysctlKey(s);
    const before = this.values.get(k);
    if (before !== undefined && same(before, s)) return;
    this.values.set(k, s);
    this.onChange(k);
  }

  /** Removes the value at `key`. */
  delete(key: string): boolean {
    if (!this.values.delete(key)) return false;
    this.onChange(key);
    return true;
  }

  /** Starts a resync of the whole side. */
  begin(): Resync<SysctlValue> {
    const next = new Map<string, SysctlValue>();
    let open = true;
    return {
      add: (s) => { next.set(sysctlKey(s), s); },
      commit: () => {
        if (!open) return;
        open = false;
        for (const k of [...this.values.keys()]) if (!next.has(k)) this.delete(k);
        for (const s of next.values()) this.set(s);
      },
      abort: () => { open = false; },
    };
  }

  /** Replaces the whole side (all, or nothing when `all` throws). */
  replace(all: Iterable<SysctlValue>): void {
    replaceAll(this.begin(), all);
  }
}

/** Desired and live sysctls. */
export class SysctlTracker {
  readonly desired: SysctlSide;
  readonly live: SysctlSide;

  constructor(dirty: () => DirtyKeys) {
    this.desired = new SysctlSide((k) => dirty().sysctls.add(k));
    this.live = new SysctlSide((k) => dirty().sysctls.add(k));
  }
}
