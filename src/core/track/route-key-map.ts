// A map from route keys to values that stores IPv4 keys and most IPv6 keys as numbers: per
// (table, TOS, metric) and prefix length, a hash table from the destination (an IPv4 address as a
// 32-bit integer, a V8 small integer; the first 52 bits of an IPv6 prefix of at most 52 bits, an
// integer exact in a double: a full IPv6 table's prefixes are /48 and shorter) to the value; any
// other key (a longer IPv6 prefix, or text that is not exactly what routeKey prints) in a Map by
// its string. It answers to the route keys' text like a Map<string, V>, so the
// trackers' sides keep their string-keyed API; what changes is the cost at a million routes. A
// Map keyed by a million key strings took 1.4-2.1 s to fill and 0.6-0.7 s for a million lookups
// from another side, one keyed by small integers 0.45 s and 0.2 s, the table here 0.1-0.3 s and
// 0.06-0.1 s (Node 20, micro-benchmarks); and no key string is held per route (about 40 bytes
// each), so a key built to look a route up dies young.
//
// Exactness: a key takes the numeric path only when it reads back as the very same text: `4|`,
// then table, four octets, prefix length, TOS and metric in decimal without leading zeros and in
// the kernel's ranges (u32, 0-255, 0-32, u8, u32), separated as routeKey separates them; or `6|`,
// table, an IPv6 prefix in RFC 5952's canonical text (what formatIPv6Net prints back) of at most
// 52 bits, and metric. So every key has one place, and `keys()` gives back exactly the texts that
// were set.
// Order of a walk: the groups in the order they were first used, within a group by prefix length,
// then by slot (see IntTable); the other keys last, by insertion. Deterministic for one history of
// operations, but not a Map's insertion order.
import { formatIPv6Net, ipv6Net, ipv6PrefixNet, lastCanonicalIPv4 } from "../parse/fast-canonical.js";
import { primeRouteKey } from "./route-key.js";

/**
 * What the trackers' sides need of a map from key text to values (a Map<string, V> is one). A
 * value is never undefined (undefined means "no value", as from Map.get).
 */
export interface KeyMap<V> {
  readonly size: number;
  get(key: string): V | undefined;
  has(key: string): boolean;
  set(key: string, value: V): unknown;
  /** The value at `key` when there is one (left as it is); else sets `value` and returns undefined. */
  setIfAbsent?(key: string, value: V): V | undefined;
  delete(key: string): boolean;
  /** Calls `fn` for every entry; `fn` may delete or set entries already present, not add new ones. */
  forEach(fn: (value: V, key: string) => void): void;
  /**
   * Replaces every value by what `fn` returns for it, in place; `key()` gives the entry's key
   * text, printed only when asked (RouteKeyMap), during the call. `fn` must not change the map.
   */
  updateEach?(fn: (value: V, key: () => string) => V): void;
  keys(): IterableIterator<string>;
  [Symbol.iterator](): IterableIterator<[string, V]>;
  /**
   * Calls `fn` for every entry with where it is (a KeyAt: one object reused for every call, valid
   * during the call): a numeric IPv4 entry's key text is printed only when `at.key()` is asked.
   */
  forEachAt?(fn: (value: V, at: KeyAt) => void): void;
  /** Every entry as a KeyAt with its `value` (one object reused for every step, valid until the next). */
  entriesAt?(): IterableIterator<KeyAt>;
  /** The value at the key of `at` (a KeyAt of another RouteKeyMap's walk), without its text where it is numeric. */
  getAt?(at: KeyAt): V | undefined;
}

/**
 * Where a walk is: an IPv4 key held as numbers (`v4`: table, TOS, metric, the destination address
 * as a signed 32-bit integer and the prefix length), an IPv6 key held as numbers (`v6`: table,
 * metric, TOS 0, the first 52 bits of the prefix as an integer and its length) or another key
 * (its text). `key()` prints the text. A walk reuses one KeyAt for every entry (nothing allocated
 * per entry).
 */
export interface KeyAt {
  readonly v4: boolean;
  readonly v6: boolean;
  readonly table: number;
  readonly tos: number;
  readonly metric: number;
  readonly addr: number;
  readonly len: number;
  /** The entry's value (entriesAt). */
  readonly value: unknown;
  key(): string;
}

/** A walk's KeyAt. */
class WalkAt<V> implements KeyAt {
  v4 = false;
  v6 = false;
  table = 0;
  tos = 0;
  metric = 0;
  addr = 0;
  len = 0;
  value: unknown = undefined;
  group: Group<V> | undefined = undefined;
  text = "";

  at(g: Group<V>, addr: number, len: number, value: unknown): this {
    this.v4 = !g.v6;
    this.v6 = g.v6;
    this.group = g;
    this.table = g.table;
    this.tos = g.tos;
    this.metric = g.metric;
    this.addr = addr;
    this.len = len;
    this.value = value;
    return this;
  }

  other(text: string, value: unknown): this {
    this.v4 = false;
    this.v6 = false;
    this.group = undefined;
    this.text = text;
    this.value = value;
    return this;
  }

  key(): string {
    const g = this.group;
    return g === undefined ? this.text : g.v6 ? v6Key(g, this.addr, this.len) : v4Key(g, this.addr, this.len);
  }
}

/**
 * Keys of one family and (table, TOS, metric): per prefix length, destination -> value (IPv4: the
 * address as a signed 32-bit integer; IPv6: the prefix's first 52 bits, TOS 0).
 */
interface Group<V> {
  readonly v6: boolean;
  readonly table: number;
  readonly tos: number;
  readonly metric: number;
  readonly byLen: Array<IntTable<V> | undefined>;
  /** The key text before the destination (`4|table|`, `6|table|`) and after it (`|tos|metric`, `|metric`). */
  readonly head: string;
  readonly tail: string;
}

/** What IntTable.put returns when it inserted. */
const ABSENT: unique symbol = Symbol("absent");

/** Smallest capacity of an IntTable (a power of two). */
const MIN_CAPACITY = 8;

/** A key cell: 0 never used, GONE a tombstone (a key since deleted: a probe goes on past it), else key + KEY_BIAS. */
const GONE = -1;
const KEY_BIAS = 2 ** 31 + 1;

/** Mixes a 32-bit integer (murmur3's finalizer): neighbouring addresses land far apart. */
function mix(k: number): number {
  let h = Math.imul(k ^ (k >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The hash of a key: a 32-bit integer's mix; for a larger one (an IPv6 network), its two halves'. */
function hashKey(k: number): number {
  const lo = k | 0;
  return lo === k ? mix(lo) : mix(lo ^ mix((k - (k >>> 0)) / 4294967296));
}

/**
 * A hash table from integers (-2^31 to 2^52) to values: open addressing with linear probing over one
 * Float64Array of (key, value) pairs, so a lookup usually reads one cache line (a V8 Map reads a
 * bucket, an entry and its chain: 0.5-0.6 us a random lookup at a million entries against 0.1 us
 * here, micro-benchmark). The array lives outside V8's heap: the collector neither scans nor
 * moves it (a tagged array of a million entries was scanned at every full collection while a
 * table was read), and a new one is zeroed memory the system maps lazily. A key cell holds
 * key + KEY_BIAS (never 0: 0 is a cell never used; GONE a tombstone). A value that is a number
 * (the trackers' encodings, marks included) is held in its cell; any other value (or NaN) in
 * `objects` by slot, its cell NaN. Deletes leave a tombstone (nothing moves, so a walk may delete
 * as it goes); keys plus tombstones stay at most half the capacity, so every probe ends at an
 * empty cell. Order of a walk: slot order (deterministic for one history of operations).
 */
class IntTable<V> {
  private cells = new Float64Array(2 * MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  /** Values that are not numbers (or are NaN), by slot; their cells hold NaN. */
  private objects = new Map<number, V>();
  /** Keys held. */
  size = 0;
  /** Keys held plus tombstones. */
  private used = 0;

  /** The slot of `k`, or -1. */
  private find(k: number): number {
    const cells = this.cells;
    const mask = this.mask;
    const want = k + KEY_BIAS;
    for (let i = hashKey(k) & mask; ; i = (i + 1) & mask) {
      const c = cells[2 * i]!;
      if (c === want) return i;
      if (c === 0) return -1;
    }
  }

  /** The value in slot `i` (which holds a key). */
  valueAt(i: number): V {
    const v = this.cells[2 * i + 1]!;
    return (v === v ? v : this.objects.get(i)) as V; // NaN: held in objects
  }

  /** The key in slot `i`, or undefined when the slot holds none. */
  keyAt(i: number): number | undefined {
    const c = this.cells[2 * i]!;
    return c > 0 ? c - KEY_BIAS : undefined;
  }

  /** Number of slots (keyAt and valueAt take 0 to slots - 1). */
  get slots(): number {
    return this.mask + 1;
  }

  private store(i: number, v: V): void {
    if (typeof v === "number" && v === v) {
      if (this.cells[2 * i + 1] !== this.cells[2 * i + 1]) this.objects.delete(i);
      this.cells[2 * i + 1] = v;
    } else {
      this.cells[2 * i + 1] = NaN;
      this.objects.set(i, v);
    }
  }

  get(k: number): V | undefined {
    const i = this.find(k);
    return i < 0 ? undefined : this.valueAt(i);
  }

  has(k: number): boolean {
    return this.find(k) >= 0;
  }

  /** Sets the value of `k`; true when `k` is new. */
  set(k: number, v: V): boolean {
    return this.put(k, v, true) === ABSENT;
  }

  /** The value of `k` when it is held (left as it is); else sets `v` and returns undefined. */
  setIfAbsent(k: number, v: V): V | undefined {
    const was = this.put(k, v, false);
    return was === ABSENT ? undefined : was;
  }

  /** One probe for `k`: the value it held (replaced by `v` if `replace`), or ABSENT when `v` was inserted. */
  private put(k: number, v: V, replace: boolean): V | typeof ABSENT {
    const cells = this.cells;
    const mask = this.mask;
    const want = k + KEY_BIAS;
    let tomb = -1;
    let i = hashKey(k) & mask;
    for (; ; i = (i + 1) & mask) {
      const c = cells[2 * i]!;
      if (c === want) {
        const was = this.valueAt(i);
        if (replace) this.store(i, v);
        return was;
      }
      if (c === 0) break;
      if (c === GONE && tomb < 0) tomb = i;
    }
    if (tomb >= 0) i = tomb;
    else this.used++;
    cells[2 * i] = want;
    this.store(i, v);
    this.size++;
    if (this.used * 2 > this.mask + 1) this.resize();
    return ABSENT;
  }

  delete(k: number): boolean {
    const i = this.find(k);
    if (i < 0) return false;
    const cells = this.cells;
    if (cells[2 * i + 1] !== cells[2 * i + 1]) this.objects.delete(i);
    cells[2 * i] = GONE;
    cells[2 * i + 1] = 0;
    this.size--;
    return true;
  }

  /** Calls `fn` for every key; `fn` may delete keys or set the values of keys held, not add keys. */
  forEach(fn: (v: V, k: number) => void): void {
    const cells = this.cells;
    for (let i = 0; 2 * i < cells.length; i++) {
      const c = cells[2 * i]!;
      if (c > 0) fn(this.valueAt(i), c - KEY_BIAS);
    }
  }

  /** Replaces every value by what `fn` returns for it (`fn` must not change the table). */
  updateEach(fn: (v: V, k: number) => V): void {
    const cells = this.cells;
    for (let i = 0; 2 * i < cells.length; i++) {
      const c = cells[2 * i]!;
      if (c > 0) {
        const was = this.valueAt(i);
        const next = fn(was, c - KEY_BIAS);
        if (next !== was) this.store(i, next);
      }
    }
  }

  /** Rehashes into a capacity that holds the keys at most a quarter full (tombstones dropped). */
  private resize(): void {
    let capacity = MIN_CAPACITY;
    while (capacity < 4 * this.size) capacity *= 2;
    const old = this.cells;
    const oldObjects = this.objects;
    const cells = new Float64Array(2 * capacity);
    const objects = new Map<number, V>();
    const mask = capacity - 1;
    for (let j = 0; 2 * j < old.length; j++) {
      const c = old[2 * j]!;
      if (c <= 0) continue;
      let i = hashKey(c - KEY_BIAS) & mask;
      while (cells[2 * i] !== 0) i = (i + 1) & mask;
      cells[2 * i] = c;
      const v = old[2 * j + 1]!;
      cells[2 * i + 1] = v;
      if (v !== v) objects.set(i, oldObjects.get(j)!);
    }
    this.cells = cells;
    this.objects = objects;
    this.mask = mask;
    this.used = this.size;
  }
}

const U32_MAX = 0xffffffff;
const BAR = 124; // "|"
const DOT = 46;
const SLASH = 47;
const ZERO = 48;
const NINE = 57;

/** The fields of the key last read by readKey (module scratch: no allocation per key). */
let rV6 = false;
let rTable = 0;
let rAddr = 0;
let rLen = 0;
let rTos = 0;
let rMetric = 0;

/**
 * Sets the fields of the key read last; with `key`, also records that key as read (a walk that
 * printed it, a dump's route that primed it), so its next readKey takes the fields as they are.
 */
function setRead(key: string | undefined, v6: boolean, table: number, addr: number, len: number, tos: number, metric: number): void {
  if (key !== undefined) {
    lastKey = key;
    lastWasNumeric = true;
  }
  rV6 = v6;
  rTable = table;
  rAddr = addr;
  rLen = len;
  rTos = tos;
  rMetric = metric;
}

/**
 * Reads a decimal number at `i` of `key` up to `stop` (which must follow it): its value, or -1
 * when the text there is not a number without leading zeros of at most `max`. Sets `readEnd`.
 */
let readEnd = 0;
function readNumber(key: string, i: number, stop: number, max: number): number {
  const first = key.charCodeAt(i); // NaN past the end: not a digit
  if (!(first >= ZERO && first <= NINE)) return -1;
  let n = first - ZERO;
  let j = i + 1;
  for (; j < key.length; j++) {
    const c = key.charCodeAt(j);
    if (c < ZERO || c > NINE) break;
    if (first === ZERO) return -1; // a leading zero
    n = n * 10 + (c - ZERO);
    if (n > max) return -1;
  }
  if (j >= key.length ? stop !== -1 : key.charCodeAt(j) !== stop) return -1;
  readEnd = j;
  return n;
}

/**
 * The key readKey read last and what it found: the trackers ask several maps about one key in a
 * row (a side, then a resync's part; BIRD's side, then the kernel's), so it is read once.
 */
let lastKey: string | undefined;
let lastWasNumeric = false;

/**
 * True (and the r* fields set) when `key` is an IPv4 route key exactly as routeKey prints it, or
 * an IPv6 one with a canonical prefix of at most 52 bits: a key held as numbers.
 */
function readKey(key: string): boolean {
  if (key === lastKey) return lastWasNumeric;
  lastKey = key;
  lastWasNumeric = parseV4(key) || parseV6(key);
  return lastWasNumeric;
}

/** `6|table|prefix|metric` with a canonical IPv6 prefix of at most 52 bits (see the header). */
function parseV6(key: string): boolean {
  if (key.charCodeAt(0) !== 54 /* 6 */ || key.charCodeAt(1) !== BAR) return false;
  const table = readNumber(key, 2, BAR, U32_MAX);
  if (table < 0) return false;
  const start = readEnd + 1;
  const bar = key.indexOf("|", start);
  if (bar < 0) return false;
  const metric = readNumber(key, bar + 1, -1, U32_MAX);
  if (metric < 0) return false;
  const len = ipv6PrefixNet(key.slice(start, bar));
  if (len < 0) return false;
  setRead(undefined, true, table, ipv6Net, len, 0, metric);
  return true;
}

function parseV4(key: string): boolean {
  if (key.charCodeAt(0) !== 52 /* 4 */ || key.charCodeAt(1) !== BAR) return false;
  const table = readNumber(key, 2, BAR, U32_MAX);
  if (table < 0) return false;
  let addr = 0;
  let i = readEnd + 1;
  for (let octet = 0; octet < 4; octet++) {
    const v = readNumber(key, i, octet < 3 ? DOT : SLASH, 255);
    if (v < 0) return false;
    addr = addr * 256 + v;
    i = readEnd + 1;
  }
  const len = readNumber(key, i, BAR, 32);
  if (len < 0) return false;
  const tos = readNumber(key, readEnd + 1, BAR, 255);
  if (tos < 0) return false;
  const metric = readNumber(key, readEnd + 1, -1, U32_MAX);
  if (metric < 0) return false;
  setRead(undefined, false, table, addr | 0, len, tos, metric); // the address as a signed 32-bit integer: a small integer in V8
  return true;
}

const isU32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= U32_MAX;

/**
 * Has the next readKey of `key` (routeKey's text of these fields, just printed) take the fields
 * as read when `dst` is the prefix the IPv4 fast path last found canonical (a dump's route on its
 * way into a side): the key text is then exactly what readKey would accept, and its prefix is not
 * read again. Otherwise nothing: readKey reads the text.
 */
export function primeV4Key(key: string, table: number, dst: string, tos: number, metric: number): void {
  const v = lastCanonicalIPv4(dst);
  if (v < 0 || !isU32(table) || !isU32(metric) || !Number.isInteger(tos) || tos < 0 || tos > 255) return;
  setRead(key, false, table, Math.floor(v / 64) | 0, v % 64, tos, metric);
}

/**
 * primeV4Key for an IPv6 key: when `dst` is a canonical prefix of at most 52 bits, the key is
 * taken as read without reading its text (the prefix's network comes from the memo of the IPv6
 * fast path when it just read `dst`, as on a dump's way into a side; else `dst` is read once,
 * here). Otherwise nothing: readKey reads the text.
 */
export function primeV6Key(key: string, table: number, dst: string, metric: number): void {
  if (!isU32(table) || !isU32(metric)) return;
  const len = ipv6PrefixNet(dst);
  if (len >= 0) setRead(key, true, table, ipv6Net, len, 0, metric);
}

/** Decimal texts of 0-255 (octets; prefix lengths use the first 33). */
const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

/** The pieces of an IPv4 key's text, joined at once (a template would build a tree of pieces). */
const PIECES: string[] = ["", "", ".", "", ".", "", ".", "", "/", "", ""];

/**
 * The key text of an IPv4 entry, as routeKey prints it. The key is the next one the walk's
 * caller asks about (and builds a route from): readKey and parseRouteKey take it as read.
 */
function v4Key(g: Group<unknown>, addr: number, len: number): string {
  const a = addr >>> 0;
  PIECES[0] = g.head;
  PIECES[1] = DECIMAL[a >>> 24]!;
  PIECES[3] = DECIMAL[(a >>> 16) & 255]!;
  PIECES[5] = DECIMAL[(a >>> 8) & 255]!;
  PIECES[7] = DECIMAL[a & 255]!;
  PIECES[9] = DECIMAL[len]!;
  PIECES[10] = g.tail;
  const key = PIECES.join("");
  const dst = key.slice(g.head.length, key.length - g.tail.length);
  setRead(key, false, g.table, addr, len, g.tos, g.metric);
  primeRouteKey(key, 4, g.table, dst, g.tos, g.metric);
  return key;
}

/** The key text of an IPv6 entry held as numbers (as v4Key: readKey and parseRouteKey take it as read). */
function v6Key(g: Group<unknown>, net: number, len: number): string {
  const dst = formatIPv6Net(net, len);
  PIECES6[0] = g.head;
  PIECES6[1] = dst;
  PIECES6[2] = g.tail;
  const key = PIECES6.join("");
  setRead(key, true, g.table, net, len, 0, g.metric);
  primeRouteKey(key, 6, g.table, dst, 0, g.metric);
  return key;
}

/** The pieces of an IPv6 key's text (head, prefix, tail), joined at once. */
const PIECES6: string[] = ["", "", ""];

/** Route keys to values; see the header. */
export class RouteKeyMap<V> implements KeyMap<V> {
  /** IPv4: table -> (TOS * 2^32 + metric) -> group. */
  private readonly groups = new Map<number, Map<number, Group<V>>>();
  /** IPv6: table -> metric -> group. */
  private readonly groups6 = new Map<number, Map<number, Group<V>>>();
  /** The groups in the order they were first used (iteration order). */
  private readonly order: Array<Group<V>> = [];
  private last: Group<V> | undefined;
  private numeric = 0;
  private readonly other = new Map<string, V>();

  get size(): number {
    return this.numeric + this.other.size;
  }

  /** The group of the key last read (created with `create`), or undefined. */
  private group(create: boolean): Group<V> | undefined {
    return this.groupOf(rV6, rTable, rTos, rMetric, create);
  }

  /** The group of the family and (table, TOS, metric) (created with `create`), or undefined. */
  private groupOf(v6: boolean, table: number, tos: number, metric: number, create: boolean): Group<V> | undefined {
    const last = this.last;
    if (last !== undefined && last.table === table && last.metric === metric && last.tos === tos && last.v6 === v6) return last;
    const groups = v6 ? this.groups6 : this.groups;
    let byTable = groups.get(table);
    const id = tos * 0x1_0000_0000 + metric;
    let g = byTable?.get(id);
    if (g === undefined) {
      if (!create) return undefined;
      if (byTable === undefined) {
        byTable = new Map();
        groups.set(table, byTable);
      }
      g = v6
        ? { v6, table, tos: 0, metric, byLen: [], head: `6|${table}|`, tail: `|${metric}` }
        : { v6, table, tos, metric, byLen: [], head: `4|${table}|`, tail: `|${tos}|${metric}` };
      byTable.set(id, g);
      this.order.push(g);
    }
    this.last = g;
    return g;
  }

  get(key: string): V | undefined {
    if (!readKey(key)) return this.other.get(key);
    return this.group(false)?.byLen[rLen]?.get(rAddr);
  }

  has(key: string): boolean {
    if (!readKey(key)) return this.other.has(key);
    return this.group(false)?.byLen[rLen]?.has(rAddr) === true;
  }

  /** The table of the numeric key last read (its group's, for its prefix length), made if need be. */
  private tableOfRead(): IntTable<V> {
    const g = this.group(true)!;
    let m = g.byLen[rLen];
    if (m === undefined) {
      m = new IntTable();
      g.byLen[rLen] = m;
    }
    return m;
  }

  set(key: string, value: V): this {
    if (!readKey(key)) this.other.set(key, value);
    else if (this.tableOfRead().set(rAddr, value)) this.numeric++;
    return this;
  }

  setIfAbsent(key: string, value: V): V | undefined {
    if (!readKey(key)) {
      const was = this.other.get(key);
      if (was === undefined) this.other.set(key, value);
      return was;
    }
    const was = this.tableOfRead().setIfAbsent(rAddr, value);
    if (was === undefined) this.numeric++;
    return was;
  }

  delete(key: string): boolean {
    if (!readKey(key)) return this.other.delete(key);
    const gone = this.group(false)?.byLen[rLen]?.delete(rAddr) === true;
    if (gone) this.numeric--;
    return gone;
  }

  forEach(fn: (value: V, key: string) => void): void {
    this.forEachAt((v, at) => fn(v, at.key()));
  }

  updateEach(fn: (value: V, key: () => string) => V): void {
    // One key function for the whole walk, not a closure per entry: it prints the entry at hand.
    const at = new WalkAt<V>();
    const key = (): string => at.key();
    for (const g of this.order) {
      for (let len = 0; len < g.byLen.length; len++) {
        g.byLen[len]?.updateEach((v, addr) => {
          at.at(g, addr, len, v);
          return fn(v, key);
        });
      }
    }
    for (const [k, v] of this.other) {
      const next = fn(v, () => k);
      if (next !== v) this.other.set(k, next);
    }
  }

  forEachAt(fn: (value: V, at: KeyAt) => void): void {
    const at = new WalkAt<V>();
    for (let gi = 0; gi < this.order.length; gi++) {
      const g = this.order[gi]!;
      for (let len = 0; len < g.byLen.length; len++) g.byLen[len]?.forEach((v, addr) => fn(v, at.at(g, addr, len, v)));
    }
    this.other.forEach((v, k) => fn(v, at.other(k, v)));
  }

  *entriesAt(): IterableIterator<KeyAt> {
    const at = new WalkAt<V>();
    for (const g of this.order) {
      for (let len = 0; len < g.byLen.length; len++) {
        const m = g.byLen[len];
        if (m === undefined) continue;
        for (let i = 0; i < m.slots; i++) {
          const addr = m.keyAt(i);
          if (addr !== undefined) yield at.at(g, addr, len, m.valueAt(i));
        }
      }
    }
    for (const [k, v] of this.other) yield at.other(k, v);
  }

  getAt(at: KeyAt): V | undefined {
    // The same text takes the same path in every RouteKeyMap: numbers where `at` has them.
    if (!at.v4 && !at.v6) return this.other.get(at.key());
    return this.groupOf(at.v6, at.table, at.tos, at.metric, false)?.byLen[at.len]?.get(at.addr);
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this) yield k;
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    for (const at of this.entriesAt()) yield [at.key(), at.value as V];
  }
}
