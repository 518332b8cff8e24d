// Compact multi-values: a map entry holds the value itself when there is one (the common case)
// and an array only when there are several. Used by the trackers' stores and indexes.

/** One value, or several. Never an empty array. */
export type Slot<T> = T | T[];

/** The values of a slot (empty when there is none). */
export function slotValues<T>(slot: Slot<T> | undefined): readonly T[] {
  return slot === undefined ? [] : Array.isArray(slot) ? slot : [slot];
}

/** The slot for a list of values: undefined when empty, the value itself when one. */
export function slotOf<T>(list: readonly T[]): Slot<T> | undefined {
  return list.length === 0 ? undefined : list.length === 1 ? list[0] : [...list];
}

/** Adds `value` to the slot at `key` of `map`. */
export function addToSlot<K, T>(
  map: { get(key: K): Slot<T> | undefined; set(key: K, value: Slot<T>): unknown; setIfAbsent?(key: K, value: Slot<T>): Slot<T> | undefined },
  key: K, value: T,
): void {
  // One probe where the map offers it (RouteKeyMap), else a lookup and a set.
  let slot: Slot<T> | undefined;
  if (map.setIfAbsent !== undefined) {
    slot = map.setIfAbsent(key, value);
    if (slot === undefined) return;
  } else {
    slot = map.get(key);
    if (slot === undefined) {
      map.set(key, value);
      return;
    }
  }
  if (Array.isArray(slot)) slot.push(value);
  else map.set(key, [slot, value]);
}

/** Removes one value equal to `value` (`===`, or by `equal`) from the slot at `key` of `map`; false when absent. */
export function removeFromSlot<K, T>(map: Map<K, Slot<T>>, key: K, value: T, equal?: (a: T, b: T) => boolean): boolean {
  const list = slotValues(map.get(key));
  const i = equal === undefined ? list.indexOf(value) : list.findIndex((x) => equal(x, value));
  if (i < 0) return false;
  const next = slotOf(list.filter((_, j) => j !== i));
  if (next === undefined) map.delete(key);
  else map.set(key, next);
  return true;
}

/** Adds `n` to the count at `key`, dropping the entry at zero. */
export function bumpCount<K>(map: Map<K, number>, key: K, n: number): void {
  const next = (map.get(key) ?? 0) + n;
  if (next === 0) map.delete(key);
  else map.set(key, next);
}

/**
 * A map from keys to non-empty sets of string members, stored compactly: a key with one member
 * (the common case: a VIP's table, address or source holds one key) keeps the member itself, a
 * key with several a Set. At 10k VIPs, five indexes of one-member Sets cost ~8 MB of heap (a Set
 * and its table, ~170 bytes each); a string member costs nothing more than the map's entry.
 */
export class SetIndex<K> {
  private readonly map = new Map<K, string | Set<string>>();

  /** The number of keys. */
  get size(): number {
    return this.map.size;
  }

  /** Adds `member` at `key`. */
  add(key: K, member: string): void {
    const slot = this.map.get(key);
    if (slot === undefined) this.map.set(key, member);
    else if (typeof slot === "string") {
      if (slot !== member) this.map.set(key, new Set([slot, member]));
    } else slot.add(member);
  }

  /** Removes `member` at `key`, dropping the key when it has none left. */
  remove(key: K, member: string): void {
    const slot = this.map.get(key);
    if (slot === undefined) return;
    if (typeof slot === "string") {
      if (slot === member) this.map.delete(key);
      return;
    }
    slot.delete(member);
    if (slot.size === 1) this.map.set(key, slot.values().next().value as string);
    else if (slot.size === 0) this.map.delete(key);
  }

  /** The members at `key` (none when absent). */
  get(key: K): Iterable<string> {
    return SetIndex.members(this.map.get(key));
  }

  /** True when `key` has a member. */
  has(key: K): boolean {
    return this.map.has(key);
  }

  /** The keys with members. */
  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  /** Each key with its members. */
  *[Symbol.iterator](): IterableIterator<[K, Iterable<string>]> {
    for (const [key, slot] of this.map) yield [key, SetIndex.members(slot)];
  }

  private static members(slot: string | Set<string> | undefined): Iterable<string> {
    return slot === undefined ? [] : typeof slot === "string" ? [slot] : slot;
  }
}
