// The two sides of a tracker (Calico Felix's deltatracker: desired and dataplane). A desired
// store holds one value per kernel key; a live store holds what the kernel holds, several values
// per key where the kernel can hold several (`ip route append`, IPv6 routes per device, a dump
// that shows duplicates). Every change reports the key with its values before and after, so the
// tracker can keep its indexes exact and mark the key dirty.
// A resync replaces a side in place, without a second copy of it (at a million routes a copy was
// the daemon's peak): each part of a resync (a dump, a BIRD protocol) marks the keys it finds
// unchanged with its own mark, stored in the value, and keeps apart only the keys that differ.
// The commit walks the side once: an unchanged key marked by a committed part stays as it is, a
// key no committed part saw goes, and the differing keys are set. A part that fails (`abort`, a
// dump the kernel reported interrupted) or a whole that fails leaves its marks behind, which the
// next resync does not take for its own (marks are never reused while a side may hold them), so
// the previous side, its indexes and the dirty keys stay untouched.
// Values are kept encoded (a Codec): the route tracker keeps a small number per route (its
// interned attributes, route-codec.ts) and builds Route objects only when asked; a resync
// compares encodings, so a key that did not change is never decoded.
import { canonicalJson } from "../plan/canonical-json.js";
import type { KeyAt, KeyMap } from "./route-key-map.js";
import { addToSlot, slotOf, slotValues, type Slot } from "./slot.js";

/** Called for every key whose values changed (in canonical order on both sides). */
export type ChangeListener<T> = (key: string, before: readonly T[], after: readonly T[]) => void;

/** What a store needs to know about its values. */
export interface StoreSpec<T> {
  keyOf(value: T): string;
  /** True when two values are the same in every field the model keeps. */
  equal(a: T, b: T): boolean;
  /** A new empty map for the side and a resync's parts (default: a Map; routes: RouteKeyMap). */
  newMap?: <V>() => KeyMap<V>;
}

/**
 * How a store keeps its values. `same(encode(a), encode(b))` exactly when `equal(a, b)`, and
 * `decode(keyOf(v), encode(v))` equals `v`. An encoding is never an array; a numeric encoding
 * is best a non-negative integer (it then carries a resync's mark without an allocation).
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

/** A resync in progress: values are collected and take effect at `commit`. */
export interface Resync<T> {
  add(value: T): void;
  /** Makes the collected values the side; reports exactly the keys whose values changed. */
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
  /** Makes the kept parts the side (parts not committed yet are dropped). */
  commit(): void;
  /** Drops every part; the previous side stays. */
  abort(): void;
}

// --- Marks -------------------------------------------------------------------------------------
// A stored single value is its encoding (mark 0: no resync part saw it) or the encoding with the
// mark of the part that found it unchanged: a non-negative integer encoding `e` marked `m` is the
// number -(e * MARKS + m) (a small integer: no allocation), anything else a Marked box.

/** Number of marks (mark 0 included). */
const MARKS = 1024;

class Marked<E> {
  constructor(readonly e: E, readonly m: number) {}
}

const packsAsNumber = (e: unknown): e is number => typeof e === "number" && Number.isSafeInteger(e) && e >= 0 && e * MARKS < Number.MAX_SAFE_INTEGER;

/** `e` stored with mark `m`. */
function pack<E>(e: E, m: number): unknown {
  if (packsAsNumber(e)) return m === 0 ? e : -(e * MARKS + m);
  if (m === 0 && typeof e !== "number") return e; // unmarked: itself (a number that does not pack is boxed, or it would read as marked)
  return new Marked(e, m);
}

/** The encoding of a stored single value. */
function valueOf<E>(s: unknown): E {
  if (typeof s === "number" && s < 0) return Math.floor(-s / MARKS) as E;
  return (s instanceof Marked ? s.e : s) as E;
}

/** The mark of a stored single value. */
function markOf(s: unknown): number {
  if (typeof s === "number") return s < 0 ? -s % MARKS : 0;
  return s instanceof Marked ? s.m : 0;
}

/** One part of a resync: its mark and the keys it found different (or new). */
interface Part<E> {
  readonly mark: number;
  pending: KeyMap<Slot<E>>;
  state: "open" | "kept" | "dropped";
}

const closedResync: Resync<never> = { add: () => undefined, commit: () => undefined, abort: () => undefined };

/**
 * A store's values by key, resynced in place (see the header). `side` holds per key a stored
 * single value (see Marks) or, on a live side, an array of several encodings.
 */
abstract class MarkedSide<T, E> {
  protected readonly codec: Codec<T, E>;
  protected side: KeyMap<unknown>;
  /** Marks the side's values may carry. */
  private marksInUse = new Set<number>([0]);
  private nextMark = 1;
  private open: PartedResync<T> | undefined;

  /**
   * `marks`: how many marks a resync may use (at most MARKS; fewer only to test the marks'
   * reuse). A resync of up to marks / 2 - 1 parts always finds a free mark.
   */
  constructor(protected readonly spec: StoreSpec<T>, protected readonly onChange: ChangeListener<T>, codec?: Codec<T, E>, private readonly marks = MARKS) {
    this.codec = codec ?? (identityCodec(spec) as unknown as Codec<T, E>);
    this.side = this.newMap();
    if (!Number.isInteger(marks) || marks < 4 || marks > MARKS) throw new Error(`marks must be an integer in 4..${MARKS}`);
  }

  /**
   * Replaces each value of `map` by `fn`'s: a first load's walk over values that mostly stay as
   * they are (a key is printed only when `fn` asks for it, where the map can).
   */
  protected static updateEach<V>(map: KeyMap<V>, fn: (value: V, key: () => string) => V): void {
    if (map.updateEach !== undefined) {
      map.updateEach(fn);
      return;
    }
    map.forEach((v, k) => {
      const next = fn(v, () => k);
      if (next !== v) map.set(k, next);
    });
  }

  /**
   * Has the owner take a first load's keys in bulk where it can: `hook` is called for every key
   * of a first load that holds one value, with its encoding and where it is (the key's text is
   * printed only if the hook asks `at.key()`); when it returns true it accounted for the key's
   * change itself, which is then not reported through onChange. (The route tracker counts a
   * million of BIRD's routes into its indexes this way without building a route or a key text
   * for each.)
   */
  takeFirstLoads(hook: (encoded: E, at: KeyAt) => boolean): void {
    this.firstLoadHook = hook;
  }

  private firstLoadHook: ((encoded: E, at: KeyAt) => boolean) | undefined;

  /** Reports every key of a first load (`side`, just adopted): through the hook where it takes it, else `report`. */
  protected reportFirstLoad(side: KeyMap<unknown>, report: (key: string, stored: unknown) => void): void {
    const hook = this.firstLoadHook;
    if (hook === undefined || side.forEachAt === undefined) {
      side.forEach((s, k) => report(k, s)); // forEach, not a lookup per key: the values are at hand
      return;
    }
    side.forEachAt((s, at) => {
      if (Array.isArray(s) || !hook(valueOf<E>(s), at)) report(at.key(), s);
    });
  }

  /** The stored value at the key of `at` (another walk's KeyAt), without printing the key where the map can. */
  protected storedAt(at: KeyAt): unknown {
    return this.side.getAt === undefined ? this.side.get(at.key()) : this.side.getAt(at);
  }

  /** A new empty map of this side's kind. */
  protected newMap<V>(): KeyMap<V> {
    return this.spec.newMap === undefined ? new Map<string, V>() : this.spec.newMap<V>();
  }

  /** Makes the kept parts' values the side: `merged` holds the keys that differ, `kept` the marks of unchanged keys. */
  protected abstract finish(merged: KeyMap<Slot<E>>, kept: ReadonlySet<number>): void;

  /**
   * A key a committed part found unchanged keeps its value, its mark taken off where it cost a
   * box (a box costs memory between resyncs; a number's mark does not).
   */
  protected keepUnchanged(key: string, stored: unknown): void {
    if (stored instanceof Marked) this.side.set(key, pack(stored.e, 0));
  }

  /** Encoded values of one key in canonical order of their decoded values. */
  protected ordered(key: string, list: readonly E[]): E[] {
    if (list.length < 2) return [...list];
    return list
      .map((e) => ({ e, text: canonicalJson(this.codec.decode(key, e)) }))
      .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
      .map((x) => x.e);
  }

  /** Starts a resync of the whole side fed in parts (see PartedResync); one still open is aborted. */
  beginParts(): PartedResync<T> {
    this.open?.abort();
    if (this.marksInUse.size > this.marks / 2) this.clearMarks();
    const parts: Array<Part<E>> = [];
    const byMark = new Map<number, Part<E>>(); // open and kept parts
    const used = new Set<number>();
    const changed = new Set<string>(); // keys with a single stored value that some part holds apart
    let done = false;
    const finished = (): void => {
      done = true;
      if (this.open === resync) this.open = undefined;
    };
    const resync: PartedResync<T> = {
      part: () => {
        if (done) return closedResync;
        const p: Part<E> = { mark: this.allocMark(used), pending: this.newMap(), state: "open" };
        used.add(p.mark);
        byMark.set(p.mark, p);
        parts.push(p);
        return {
          add: (v) => { if (!done && p.state === "open") this.addTo(p, v, byMark, changed); },
          commit: () => { if (!done && p.state === "open") p.state = "kept"; },
          abort: () => {
            if (done || p.state !== "open") return;
            p.state = "dropped";
            byMark.delete(p.mark);
            p.pending = this.newMap();
          },
        };
      },
      commit: () => {
        if (done) return;
        finished();
        const kept = parts.filter((p) => p.state === "kept").sort((a, b) => b.pending.size - a.pending.size);
        const keptMarks = new Set(kept.map((p) => p.mark));
        const merged = kept[0]?.pending ?? this.newMap<Slot<E>>();
        for (const p of kept.slice(1)) {
          for (const [k, slot] of p.pending) for (const e of slotValues(slot)) addToSlot(merged, k, e);
        }
        this.finish(merged, keptMarks);
        this.marksInUse = new Set([0, ...keptMarks]);
      },
      abort: () => {
        if (done) return;
        finished();
        for (const m of used) this.marksInUse.add(m);
      },
    };
    this.open = resync;
    return resync;
  }

  /** Starts a resync of the whole side. */
  begin(): Resync<T> {
    const whole = this.beginParts();
    const part = whole.part();
    return {
      add: (v) => part.add(v),
      commit: () => { part.commit(); whole.commit(); },
      abort: () => whole.abort(),
    };
  }

  /** Replaces the whole side (all, or nothing when `all` throws). */
  replace(all: Iterable<T>): void {
    replaceAll(this.begin(), all);
  }

  private addTo(p: Part<E>, v: T, byMark: ReadonlyMap<number, Part<E>>, changed: Set<string>): void {
    const k = this.spec.keyOf(v);
    const e = this.codec.encode(v);
    const s = this.side.size === 0 ? undefined : this.side.get(k); // a first load: nothing to compare with
    if (s !== undefined && !Array.isArray(s)) {
      const was = valueOf<E>(s);
      const owner = byMark.get(markOf(s));
      if (owner !== undefined) {
        // A part of this resync found the key unchanged, and now it has another value: both go apart.
        this.side.set(k, pack(was, 0));
        addToSlot(owner.pending, k, was);
        changed.add(k);
      } else if (!changed.has(k) && this.codec.same(was, e)) {
        this.side.set(k, pack(was, p.mark));
        return;
      } else {
        changed.add(k);
      }
    }
    addToSlot(p.pending, k, e);
  }

  /**
   * The next mark neither this resync nor the side uses. (With the clearing at begin, a mark in
   * use comes round again only within a resync of more than marks / 2 parts; the check keeps
   * even that from taking another part's mark: it throws instead.)
   */
  private allocMark(used: ReadonlySet<number>): number {
    for (let i = 1; i < this.marks; i++) {
      const m = this.nextMark;
      this.nextMark = (this.nextMark % (this.marks - 1)) + 1;
      if (!this.marksInUse.has(m) && !used.has(m)) return m;
    }
    throw new Error(`a resync of ${this.marks / 2} parts or more`); // a programming error: parts are few
  }

  /** Takes every mark off the side (when too many are in use to leave enough for a resync). */
  private clearMarks(): void {
    for (const [k, s] of this.side) if (!Array.isArray(s) && markOf(s) !== 0) this.side.set(k, pack(valueOf(s), 0));
    this.marksInUse = new Set([0]);
  }
}

/** One desired value per key; duplicates given to a resync are kept apart to be reported. */
export class DesiredStore<T, E = T> extends MarkedSide<T, E> {
  private readonly extra = new Map<string, T[]>();
  /** The desired value at `key`. */
  get(key: string): T | undefined {
    const e = this.encodedAt(key);
    return e === undefined ? undefined : this.codec.decode(key, e);
  }

  /** The encoded desired value at `key` (see Codec). */
  encodedAt(key: string): E | undefined {
    const s = this.side.get(key);
    return s === undefined ? undefined : valueOf<E>(s);
  }

  /** True when `key` has a desired value. */
  has(key: string): boolean {
    return this.side.has(key);
  }

  /** The encoded desired value at the key of `at` (a walk's KeyAt, see KeyMap.forEachAt). */
  encodedAtAt(at: KeyAt): E | undefined {
    const s = this.storedAt(at);
    return s === undefined ? undefined : valueOf<E>(s);
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
    return this.side.keys();
  }

  /** Every key with its encoded value. */
  *entries(): IterableIterator<[string, E]> {
    for (const [k, s] of this.side) yield [k, valueOf<E>(s)];
  }

  /** Number of keys. */
  get size(): number {
    return this.side.size;
  }

  /** Sets the desired value at its key (an event); clears the key's duplicates. */
  set(value: T): void {
    const k = this.spec.keyOf(value);
    const e = this.codec.encode(value);
    const before = this.encodedAt(k);
    const hadExtra = this.extra.delete(k);
    if (before !== undefined && !hadExtra && this.codec.same(before, e)) return; // unchanged
    this.side.set(k, pack(e, 0));
    this.onChange(k, before === undefined ? [] : [this.codec.decode(k, before)], [this.codec.decode(k, e)]);
  }

  /** Removes the desired value at `key`; false when there was none. */
  delete(key: string): boolean {
    const before = this.encodedAt(key);
    if (before === undefined) return false;
    this.side.delete(key);
    this.extra.delete(key);
    this.onChange(key, [this.codec.decode(key, before)], []);
    return true;
  }

  /** Distinct values of a resync's key in canonical order (identical duplicates collapse). */
  private unique(key: string, list: readonly E[]): E[] {
    const out: E[] = [];
    for (const e of list) if (!out.some((x) => this.codec.same(x, e))) out.push(e);
    return this.ordered(key, out);
  }

  /**
   * One walk of the side, then the keys that differ: an unchanged key is neither decoded nor
   * reported. The first load adopts the collected map as the side.
   */
  protected finish(merged: KeyMap<Slot<E>>, kept: ReadonlySet<number>): void {
    const decode = (k: string, e: E | undefined): T[] => (e === undefined ? [] : [this.codec.decode(k, e)]);
    if (this.side.size === 0 && this.extra.size === 0) {
      const collected = merged as KeyMap<unknown>;
      MarkedSide.updateEach(collected, (slot, key) => {
        if (!Array.isArray(slot)) return pack(slot as E, 0);
        const k = key();
        const unique = this.unique(k, slot as E[]);
        if (unique.length > 1) this.extra.set(k, unique.slice(1).map((e) => this.codec.decode(k, e)));
        return pack(unique[0]!, 0);
      });
      this.side = collected;
      this.reportFirstLoad(collected, (k, s) => this.onChange(k, [], decode(k, valueOf<E>(s))));
      return;
    }
    // forEach: a walk of a million entries without an entry array each.
    this.side.forEach((s, k) => {
      if (merged.has(k)) return;
      const e = valueOf<E>(s);
      if (kept.has(markOf(s))) {
        this.keepUnchanged(k, s);
        if (this.extra.delete(k)) this.onChange(k, decode(k, e), decode(k, e)); // its duplicates went
        return;
      }
      this.side.delete(k);
      this.extra.delete(k);
      this.onChange(k, decode(k, e), []);
    });
    for (const [k, slot] of merged) {
      const unique = this.unique(k, slotValues(slot));
      const winner = unique[0]!;
      const extra = unique.length > 1 ? unique.slice(1).map((e) => this.codec.decode(k, e)) : undefined;
      const before = this.encodedAt(k);
      const sameExtra = sameLists(this.spec.equal, this.extra.get(k) ?? [], extra ?? []);
      const same = before !== undefined && this.codec.same(before, winner);
      this.side.set(k, pack(same ? before : winner, 0)); // unchanged: keep the stored value (indexes may refer to it)
      if (extra === undefined) this.extra.delete(k);
      else this.extra.set(k, extra);
      if (!same || !sameExtra) this.onChange(k, decode(k, before), decode(k, winner));
    }
  }
}

/** The kernel's side: several values per key where the kernel holds several. */
export class LiveStore<T, E = T> extends MarkedSide<T, E> {
  /** The encodings at `key` in canonical order. */
  private encodedList(key: string): readonly E[] {
    const s = this.side.get(key);
    return s === undefined ? [] : Array.isArray(s) ? (s as E[]) : [valueOf<E>(s)];
  }

  /** The values at `key`, in canonical order. */
  get(key: string): readonly T[] {
    return this.encodedList(key).map((e) => this.codec.decode(key, e));
  }

  /** The encoded value at `key` when the kernel holds exactly one there. */
  soleEncodedAt(key: string): E | undefined {
    const s = this.side.get(key);
    return s === undefined || Array.isArray(s) ? undefined : valueOf<E>(s);
  }

  /** True when the kernel holds something at `key`. */
  has(key: string): boolean {
    return this.side.has(key);
  }

  /** True when the kernel holds something at the key of `at` (a walk's KeyAt, see KeyMap.forEachAt). */
  hasAt(at: KeyAt): boolean {
    return this.storedAt(at) !== undefined;
  }

  /**
   * Every key as a KeyAt (valid until the next step; see KeyMap.entriesAt) whose `value` is what
   * the side stores at the key: soleEncodingOf reads it.
   */
  *entriesAt(): IterableIterator<KeyAt> {
    if (this.side.entriesAt !== undefined) {
      yield* this.side.entriesAt();
      return;
    }
    for (const [k, s] of this.side) yield { v4: false, v6: false, table: 0, tos: 0, metric: 0, addr: 0, len: 0, value: s, key: () => k };
  }

  /** The sole encoding of what entriesAt gave as a key's `value`, or undefined where the kernel holds several. */
  soleEncodingOf(stored: unknown): E | undefined {
    return Array.isArray(stored) ? undefined : valueOf<E>(stored);
  }

  /** Every key holding at least one value. */
  keys(): IterableIterator<string> {
    return this.side.keys();
  }

  /** Number of keys. */
  get size(): number {
    return this.side.size;
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

  /** Stores encodings at `key`: nothing, a single value, or several. */
  private storeEncoded(key: string, list: readonly E[]): void {
    const slot = slotOf(list);
    if (slot === undefined) this.side.delete(key);
    else this.side.set(key, Array.isArray(slot) ? slot : pack(slot, 0));
  }

  /**
   * One walk of the side, then the keys that differ (the first load adopts the collected map):
   * a key whose encodings did not change is neither decoded nor reported.
   */
  protected finish(merged: KeyMap<Slot<E>>, kept: ReadonlySet<number>): void {
    const decodeAll = (k: string, list: readonly E[]): T[] => list.map((e) => this.codec.decode(k, e));
    if (this.side.size === 0) {
      const collected = merged as KeyMap<unknown>;
      MarkedSide.updateEach(collected, (slot, key) => (Array.isArray(slot) ? this.ordered(key(), slot as E[]) : pack(slot as E, 0)));
      this.side = collected;
      this.reportFirstLoad(collected, (k, s) => this.onChange(k, [], decodeAll(k, Array.isArray(s) ? (s as E[]) : [valueOf<E>(s)])));
      return;
    }
    this.side.forEach((s, k) => {
      if (merged.has(k)) return; // differs: below
      if (!Array.isArray(s) && kept.has(markOf(s))) { // unchanged
        this.keepUnchanged(k, s);
        return;
      }
      const before = this.encodedList(k);
      this.side.delete(k);
      this.onChange(k, decodeAll(k, before), []);
    });
    for (const [k, slot] of merged) {
      const after = this.ordered(k, slotValues(slot));
      const before = this.encodedList(k);
      if (sameLists(this.codec.same, before, after)) continue; // unchanged: keep the stored values
      this.storeEncoded(k, after);
      this.onChange(k, decodeAll(k, before), decodeAll(k, after));
    }
  }

  private store(k: string, before: readonly T[], after: readonly T[]): void {
    if (sameLists(this.spec.equal, before, after)) return; // unchanged
    this.storeEncoded(k, after.map((v) => this.codec.encode(v)));
    this.onChange(k, before, after);
  }
}
