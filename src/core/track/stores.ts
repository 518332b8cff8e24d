// The two sides of a tracker (Calico Felix's deltatracker: desired and dataplane). A desired
// store holds one value per kernel key; a live store holds what the kernel holds, several values
// per key where the kernel can hold several (`ip route append`, IPv6 routes per device, a dump
// that shows duplicates). Every change reports the key with its values before and after, so the
// tracker can keep its indexes exact and mark the key dirty. A resync (`replace`) builds the new
// side apart and swaps it in at `commit`: a dump that fails midway (`abort`, or an exception
// from the iterable) leaves the previous side, its indexes and the dirty keys untouched.
// Values are kept encoded (a Codec): the route tracker keeps a small number per route (its
// interned attributes, route-codec.ts) and builds Route objects only when asked; a resync
// compares encodings, so a key that did not change is never decoded.
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

/**
 * How a store keeps its values. `same(encode(a), encode(b))` exactly when `equal(a, b)`, and
 * `decode(keyOf(v), encode(v))` equals `v`. An encoding is never an array.
 */
export interface Codec<T, E> {
  encode(value: T): E;
  decode(key: string, encoded: E): T;
  same(a: E, b: E): boolean;
}

/** The codec that keeps values as they are. */
export function identityCodec<T>(spec: StoreSpec<T>): Codec<T, T> {
  return { encode: (v) => v, decode: (_k, v) => v, same: (a, b) => spec.equal(a, b) };
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

function sameLists<T>(same: (a: T, b: T) => boolean, a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i]!));
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

/**
 * A resync fed by several readers at once (one per dump, family or BIRD protocol), each in its
 * own part: a part's commit keeps what it read, its abort drops it (a dump retried after the
 * kernel reported it interrupted starts a new part). The whole commits the kept parts together.
 */
export interface PartedResync<T> {
  /** A new part; its `commit` keeps its values for the whole, its `abort` drops them. */
  part(): Resync<T>;
  /** Swaps the kept parts in as the side (parts not committed yet are dropped). */
  commit(): void;
  /** Drops every part; the previous side stays. */
  abort(): void;
}

function partedCollector<T, E>(keyOf: (v: T) => string, encode: (v: T) => E, finish: (collected: Map<string, Slot<E>>) => void): PartedResync<T> {
  let kept: Array<Map<string, Slot<E>>> | undefined = [];
  return {
    part: () => collector(keyOf, encode, (c) => kept?.push(c)),
    commit: () => {
      const parts = kept;
      kept = undefined;
      if (parts === undefined) return;
      parts.sort((a, b) => b.size - a.size);
      const merged = parts[0] ?? new Map<string, Slot<E>>();
      for (const part of parts.slice(1)) {
        for (const [k, slot] of part) for (const e of slotValues(slot)) addToSlot(merged, k, e);
      }
      finish(merged);
    },
    abort: () => { kept = undefined; },
  };
}

/** A resync that collects encoded values per key and hands them to `finish` at commit. */
function collector<T, E>(keyOf: (v: T) => string, encode: (v: T) => E, finish: (collected: Map<string, Slot<E>>) => void): Resync<T> {
  let collected: Map<string, Slot<E>> | undefined = new Map<string, Slot<E>>();
  return {
    add: (v) => { if (collected !== undefined) addToSlot(collected, keyOf(v), encode(v)); },
    commit: () => {
      const c = collected;
      collected = undefined;
      if (c !== undefined) finish(c);
    },
    abort: () => { collected = undefined; },
  };
}

/** A store's codec and spec together. */
abstract class EncodedStore<T, E> {
  protected readonly codec: Codec<T, E>;

  constructor(protected readonly spec: StoreSpec<T>, protected readonly onChange: ChangeListener<T>, codec?: Codec<T, E>) {
    this.codec = codec ?? (identityCodec(spec) as unknown as Codec<T, E>);
  }

  /** Encoded values of one key in canonical order of their decoded values. */
  protected ordered(key: string, list: E[]): E[] {
    if (list.length < 2) return list;
    return list
      .map((e) => ({ e, text: canonicalJson(this.codec.decode(key, e)) }))
      .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
      .map((x) => x.e);
  }
}

/** One desired value per key; duplicates given to a resync are kept apart to be reported. */
export class DesiredStore<T, E = T> extends EncodedStore<T, E> {
  private values = new Map<string, E>();
  private readonly extra = new Map<string, T[]>();
  private keyOrder: (() => Iterable<string>) | undefined;
  private keyOrderSize: () => number = () => 0;

  /**
   * Has resyncs store their keys in the order, and as the very string objects, of `order` (the
   * live side's keys): a million lookups from one side into the other then walk both maps in
   * step instead of at random, and each key's text is held once, not twice. Keys `order` lacks
   * follow. Used when the resync holds at least a quarter as many keys as `order`.
   */
  alignKeysWith(order: { keys(): Iterable<string>; readonly size: number }): void {
    this.keyOrder = () => order.keys();
    this.keyOrderSize = () => order.size;
  }

  /** `collected` in the order of keyOrder, with its key objects (see alignKeysWith). */
  private aligned<S>(collected: Map<string, S>): Map<string, S> {
    if (this.keyOrder === undefined || collected.size * 4 < this.keyOrderSize()) return collected;
    const out = new Map<string, S>();
    for (const k of this.keyOrder()) {
      const v = collected.get(k);
      if (v !== undefined) out.set(k, v);
    }
    if (out.size < collected.size) for (const [k, v] of collected) if (!out.has(k)) out.set(k, v);
    return out;
  }

  /** The desired value at `key`. */
  get(key: string): T | undefined {
    const e = this.values.get(key);
    return e === undefined ? undefined : this.codec.decode(key, e);
  }

  /** The encoded desired value at `key` (see Codec). */
  encodedAt(key: string): E | undefined {
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

  /** True when some key has duplicates. */
  get hasDuplicates(): boolean {
    return this.extra.size > 0;
  }

  /** Every key with a desired value. */
  keys(): IterableIterator<string> {
    return this.values.keys();
  }

  /** Every key with its encoded value. */
  entries(): IterableIterator<[string, E]> {
    return this.values.entries();
  }

  /** Number of keys. */
  get size(): number {
    return this.values.size;
  }

  /** Sets the desired value at its key (an event); clears the key's duplicates. */
  set(value: T): void {
    const k = this.spec.keyOf(value);
    const e = this.codec.encode(value);
    const before = this.values.get(k);
    const hadExtra = this.extra.delete(k);
    if (before !== undefined && !hadExtra && this.codec.same(before, e)) return; // unchanged
    this.values.set(k, e);
    this.onChange(k, before === undefined ? [] : [this.codec.decode(k, before)], [this.codec.decode(k, e)]);
  }

  /** Removes the desired value at `key`; false when there was none. */
  delete(key: string): boolean {
    const before = this.values.get(key);
    if (before === undefined) return false;
    this.values.delete(key);
    this.extra.delete(key);
    this.onChange(key, [this.codec.decode(key, before)], []);
    return true;
  }

  /** Starts a resync of the whole side. */
  begin(): Resync<T> {
    return collector(this.spec.keyOf, (v) => this.codec.encode(v), (collected) => this.commitResync(collected));
  }

  /** Starts a resync of the whole side fed in parts (see PartedResync). */
  beginParts(): PartedResync<T> {
    return partedCollector(this.spec.keyOf, (v) => this.codec.encode(v), (collected) => this.commitResync(collected));
  }

  /** Replaces the whole side (all, or nothing when `all` throws). */
  replace(all: Iterable<T>): void {
    replaceAll(this.begin(), all);
  }

  /** Distinct values of a resync's key in canonical order (identical duplicates collapse). */
  private unique(key: string, list: readonly E[]): E[] {
    const out: E[] = [];
    for (const e of list) if (!out.some((x) => this.codec.same(x, e))) out.push(e);
    return this.ordered(key, out);
  }

  /**
   * Swaps the collected values in, in one walk of each side: a key whose encoding did not change
   * is neither decoded nor reported. The first load adopts the collected map as the side.
   */
  private commitResync(incoming: Map<string, Slot<E>>): void {
    const collected = this.aligned(incoming);
    const decode = (k: string, e: E | undefined): T[] => (e === undefined ? [] : [this.codec.decode(k, e)]);
    if (this.values.size === 0 && this.extra.size === 0) {
      const values = new Map<string, E>();
      for (const [k, slot] of collected) {
        if (!Array.isArray(slot)) continue;
        const unique = this.unique(k, slot);
        values.set(k, unique[0]!);
        if (unique.length > 1) this.extra.set(k, unique.slice(1).map((e) => this.codec.decode(k, e)));
      }
      for (const [k, e] of values) collected.set(k, e);
      this.values = collected as Map<string, E>;
      for (const [k, e] of this.values) this.onChange(k, [], decode(k, e));
      return;
    }
    const old = this.values;
    this.values = new Map();
    for (const [k, slot] of collected) {
      const unique = Array.isArray(slot) ? this.unique(k, slot) : [slot];
      const winner = unique[0]!;
      const extra = unique.length > 1 ? unique.slice(1).map((e) => this.codec.decode(k, e)) : undefined;
      const before = old.get(k);
      const sameExtra = sameLists(this.spec.equal, this.extra.get(k) ?? [], extra ?? []);
      const same = before !== undefined && this.codec.same(before, winner);
      this.values.set(k, same ? before : winner); // unchanged: keep the stored value (indexes may refer to it)
      if (extra === undefined) this.extra.delete(k);
      else this.extra.set(k, extra);
      if (!same || !sameExtra) this.onChange(k, decode(k, before), decode(k, winner));
    }
    for (const [k, before] of old) {
      if (collected.has(k)) continue;
      this.extra.delete(k);
      this.onChange(k, decode(k, before), []);
    }
  }
}

/** The kernel's side: several values per key where the kernel holds several. */
export class LiveStore<T, E = T> extends EncodedStore<T, E> {
  private slots = new Map<string, Slot<E>>();

  /** The values at `key`, in canonical order. */
  get(key: string): readonly T[] {
    const slot = this.slots.get(key);
    if (slot === undefined) return [];
    if (!Array.isArray(slot)) return [this.codec.decode(key, slot)];
    return slot.map((e) => this.codec.decode(key, e));
  }

  /** The encoded value at `key` when the kernel holds exactly one there. */
  soleEncodedAt(key: string): E | undefined {
    const slot = this.slots.get(key);
    return slot === undefined || Array.isArray(slot) ? undefined : slot;
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
    return collector(this.spec.keyOf, (v) => this.codec.encode(v), (collected) => this.commitResync(collected));
  }

  /** Starts a resync of the whole side fed in parts (see PartedResync). */
  beginParts(): PartedResync<T> {
    return partedCollector(this.spec.keyOf, (v) => this.codec.encode(v), (collected) => this.commitResync(collected));
  }

  /**
   * Swaps the collected values in (the collected map becomes the side); a key whose encodings did
   * not change is neither decoded nor reported.
   */
  private commitResync(collected: Map<string, Slot<E>>): void {
    for (const [k, slot] of collected) if (Array.isArray(slot)) collected.set(k, this.ordered(k, slot));
    const old = this.slots;
    this.slots = collected;
    const decodeAll = (k: string, slot: Slot<E> | undefined): T[] => slotValues(slot).map((e) => this.codec.decode(k, e));
    for (const [k, slot] of collected) {
      const before = old.get(k);
      if (before !== undefined && sameLists(this.codec.same, slotValues(before), slotValues(slot))) {
        collected.set(k, before); // unchanged: keep the stored values (indexes may refer to them)
        continue;
      }
      this.onChange(k, decodeAll(k, before), decodeAll(k, slot));
    }
    for (const [k, before] of old) if (!collected.has(k)) this.onChange(k, decodeAll(k, before), []);
  }

  /** Replaces the whole side (all, or nothing when `all` throws). */
  replace(all: Iterable<T>): void {
    replaceAll(this.begin(), all);
  }

  private store(k: string, before: readonly T[], after: readonly T[]): void {
    if (sameLists(this.spec.equal, before, after)) return; // unchanged
    const slot = slotOf(after.map((v) => this.codec.encode(v)));
    if (slot === undefined) this.slots.delete(k);
    else this.slots.set(k, slot);
    this.onChange(k, before, after);
  }
}
