// The two sides of a tracker (Calico Felix's deltatracker: desired and dataplane). A desired
// store holds one value per kernel key; a live store holds what the kernel holds, several values
// per key where the kernel can hold several (`ip route append`, IPv6 routes per device, a dump
// that shows duplicates). Every change reports the key with its values before and after, so the
// tracker can keep its indexes exact and mark the key dirty. A resync (`replace`) builds the new
// side apart and swaps it in at `commit`: a dump that fails midway (`abort`, or an exception
// from the iterable) leaves the previous side, its indexes and the dirty keys untouched.
import { canonicalJson } from "../plan/canonical-json.js";
import { addToSlot, slotOf, slotValues, type Slot } from "./slot.js";

/** Called for every key whose values changed (in canonical order on both sides). */
export type ChangeListener<T> = (key: string, before: readonly T[], after: readonly T[]) => void;

/** What a store needs to know about its values. */
export interface StoreSpec<T> {
  keyOf(value: T): string;
  /** True when two values are the same in every field the model keeps. */
  equal(a: T, b: T): boolean;
}

const byCanonical = <T>(a: T, b: T): number => {
  const x = canonicalJson(a);
  const y = canonicalJson(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Sorts several values canonically, so nothing depends on the order the kernel listed them in. */
export function canonicalOrder<T>(values: readonly T[]): T[] {
  return values.length < 2 ? [...values] : [...values].sort(byCanonical);
}

function sameLists<T>(spec: StoreSpec<T>, a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => spec.equal(x, b[i]!));
}

/** A resync in progress: values are collected apart and swapped in by `commit`. */
export interface Resync<T> {
  add(value: T): void;
  /** Swaps the collected side in; reports exactly the keys whose values changed. */
  commit(): void;
  /** Drops what was collected; the previous side stays. */
  abort(): void;
}

/** Runs a whole resync from an iterable: all of it, or nothing when the iterable throws. */
export function replaceAll<T>(resync: Resync<T>, all: Iterable<T>): void {
  try {
    for (const v of all) resync.add(v);
  } catch (err) {
    resync.abort();
    throw err;
  }
  resync.commit();
}

/** A resync that collects values per key (compactly) and hands them to `finish` at commit. */
function collector<T>(keyOf: (v: T) => string, finish: (collected: Map<string, Slot<T>>) => void): Resync<T> {
  const collected = new Map<string, Slot<T>>();
  let open = true;
  return {
    add: (v) => { addToSlot(collected, keyOf(v), v); },
    commit: () => {
      if (!open) return;
      open = false;
      finish(collected);
    },
    abort: () => { open = false; },
  };
}

/** One desired value per key; duplicates given to a resync are kept apart to be reported. */
export class DesiredStore<T> {
  private readonly values = new Map<string, T>();
  private readonly extra = new Map<string, T[]>();

  constructor(private readonly spec: StoreSpec<T>, private readonly onChange: ChangeListener<T>) {}

  /** The desired value at `key`. */
  get(key: string): T | undefined {
    return this.values.get(key);
  }

  /** True when `key` has a desired value. */
  has(key: string): boolean {
    return this.values.has(key);
  }

  /** Other distinct values a resync gave for `key` (the canonically smallest won). */
  duplicatesAt(key: string): readonly T[] {
    return this.extra.get(key) ?? [];
  }

  /** Every key with a desired value. */
  keys(): IterableIterator<string> {
    return this.values.keys();
  }

  /** Number of keys. */
  get size(): number {
    return this.values.size;
  }

  /** Sets the desired value at its key (an event); clears the key's duplicates. */
  set(value: T): void {
    const k = this.spec.keyOf(value);
    const before = this.values.get(k);
    const hadExtra = this.extra.delete(k);
    if (before !== undefined && !hadExtra && this.spec.equal(before, value)) return; // unchanged: keep the stored object
    this.values.set(k, value);
    this.onChange(k, before === undefined ? [] : [before], [value]);
  }

  /** Removes the desired value at `key`; false when there was none. */
  delete(key: string): boolean {
    const before = this.values.get(key);
    if (before === undefined) return false;
    this.values.delete(key);
    this.extra.delete(key);
    this.onChange(key, [before], []);
    return true;
  }

  /** Starts a resync of the whole side. */
  begin(): Resync<T> {
    return collector(this.spec.keyOf, (collected) => this.commitResync(collected));
  }

  /** Replaces the whole side (all, or nothing when `all` throws). */
  replace(all: Iterable<T>): void {
    replaceAll(this.begin(), all);
  }

  /** Swaps the collected values in; unchanged keys keep their stored objects (indexes refer to them). */
  private commitResync(collected: Map<string, Slot<T>>): void {
    const changed: Array<[string, T | undefined, T | undefined, T[] | undefined]> = [];
    for (const [k, slot] of collected) {
      const unique = Array.isArray(slot) ? dedupeCanonical(slot) : [slot];
      const winner = unique[0]!;
      const extra = unique.length > 1 ? unique.slice(1) : undefined;
      const before = this.values.get(k);
      const sameExtra = sameLists(this.spec, this.extra.get(k) ?? [], extra ?? []);
      if (before === undefined || !sameExtra || !this.spec.equal(before, winner)) changed.push([k, before, winner, extra]);
    }
    for (const [k, before] of this.values) if (!collected.has(k)) changed.push([k, before, undefined, undefined]);
    for (const [k, before, after, extra] of changed) {
      if (after === undefined) this.values.delete(k);
      else this.values.set(k, after);
      if (extra === undefined) this.extra.delete(k);
      else this.extra.set(k, extra);
      this.onChange(k, before === undefined ? [] : [before], after === undefined ? [] : [after]);
    }
  }
}

/** Distinct values in canonical order (identical duplicates collapse). */
function dedupeCanonical<T>(list: readonly T[]): T[] {
  const unique = new Map(list.map((t) => [canonicalJson(t), t] as const));
  return [...unique.keys()].sort().map((text) => unique.get(text)!);
}

/** The kernel's side: several values per key where the kernel holds several. */
export class LiveStore<T> {
  private slots = new Map<string, Slot<T>>();

  constructor(private readonly spec: StoreSpec<T>, private readonly onChange: ChangeListener<T>) {}

  /** The values at `key`, in canonical order. */
  get(key: string): readonly T[] {
    return slotValues(this.slots.get(key));
  }

  /** True when the kernel holds something at `key`. */
  has(key: string): boolean {
    return this.slots.has(key);
  }

  /** Every key holding at least one value. */
  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  /** Number of keys. */
  get size(): number {
    return this.slots.size;
  }

  /** Adds one more value at its key (a dump line, `ip route append`). */
  add(value: T): void {
    const k = this.spec.keyOf(value);
    const before = this.get(k);
    this.store(k, before, canonicalOrder([...before, value]));
  }

  /** Removes one value equal to `value`; false when the key holds none. */
  remove(value: T): boolean {
    const k = this.spec.keyOf(value);
    const before = this.get(k);
    const i = before.findIndex((x) => this.spec.equal(x, value));
    if (i < 0) return false;
    this.store(k, before, before.filter((_, j) => j !== i));
    return true;
  }

  /** Sets the values at `key` (an event the kernel reports as a replacement, or a fresh read of one key). */
  setAt(key: string, values: readonly T[]): void {
    this.store(key, this.get(key), canonicalOrder(values));
  }

  /** Starts a resync of the whole side. */
  begin(): Resync<T> {
    return collector(this.spec.keyOf, (collected) => this.commitResync(collected));
  }

  /** Swaps the collected values in; unchanged keys keep their stored objects (indexes refer to them). */
  private commitResync(collected: Map<string, Slot<T>>): void {
    if (this.slots.size === 0) { // the first load: the collected map becomes the side
      this.slots = collected;
      for (const [k, slot] of collected) {
        if (Array.isArray(slot)) slot.sort(byCanonical);
        this.onChange(k, [], slotValues(slot));
      }
      return;
    }
    const changed: Array<[string, readonly T[], readonly T[]]> = [];
    for (const [k, slot] of collected) {
      const before = this.get(k);
      const after = Array.isArray(slot) ? canonicalOrder(slot) : [slot];
      if (!sameLists(this.spec, before, after)) changed.push([k, before, after]);
    }
    for (const [k, slot] of this.slots) if (!collected.has(k)) changed.push([k, slotValues(slot), []]);
    for (const [k, before, after] of changed) {
      const slot = slotOf(after);
      if (slot === undefined) this.slots.delete(k);
      else this.slots.set(k, slot);
      this.onChange(k, before, after);
    }
  }

  /** Replaces the whole side (all, or nothing when `all` throws). */
  replace(all: Iterable<T>): void {
    replaceAll(this.begin(), all);
  }

  private store(k: string, before: readonly T[], after: readonly T[]): void {
    if (sameLists(this.spec, before, after)) return; // unchanged: keep the stored objects
    const slot = slotOf(after);
    if (slot === undefined) this.slots.delete(k);
    else this.slots.set(k, slot);
    this.onChange(k, before, after);
  }
}
