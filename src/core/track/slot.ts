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
export function addToSlot<K, T>(map: Map<K, Slot<T>>, key: K, value: T): void {
  const slot = map.get(key);
  if (slot === undefined) map.set(key, value);
  else if (Array.isArray(slot)) slot.push(value);
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

/** Adds `member` to the set at `key` of `map`. */
export function addToSet<K, V>(map: Map<K, Set<V>>, key: K, member: V): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([member]));
  else set.add(member);
}

/** Removes `member` from the set at `key`, dropping the entry when empty. */
export function removeFromSet<K, V>(map: Map<K, Set<V>>, key: K, member: V): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(member);
  if (set.size === 0) map.delete(key);
}
