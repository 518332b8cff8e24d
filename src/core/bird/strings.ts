// String helpers for parsers that keep records long after the reply text is gone.
//
// Why: V8 returns substrings of long strings as views into the parent. A record holding a
// slice of a reply line would keep the whole decoded chunk (tens of KB) alive, and a table of
// 1M routes would pin the entire reply. Parsers therefore store either numbers, interned
// strings (few distinct values: protocols, devices, times) or detached copies.

/** Returns a copy of `s` that does not share storage with the string it was sliced from. */
export function detach(s: string): string {
  // Short strings are always copied by V8; longer ones are flattened through a concatenation.
  return s.length < 13 ? s : (" " + s).slice(1);
}

/** Deduplicates strings that repeat across records; stops growing after `limit` entries. */
export class StringInterner {
  private readonly map = new Map<string, string>();

  constructor(private readonly limit = 16384) {}

  /** Returns the stored copy of `s`, storing a detached copy on first sight. */
  intern(s: string): string {
    const hit = this.map.get(s);
    if (hit !== undefined) return hit;
    const copy = detach(s);
    if (this.map.size < this.limit) this.map.set(copy, copy);
    return copy;
  }

  /**
   * `s` itself when it is short (V8 copies a slice of under 13 characters: it pins no reply
   * text), else intern(s). For per-route texts with many distinct values (a route's time, its
   * `[AS64512i]` summary: thousands across a full table), where interning was a hash and a
   * lookup per route, 0.1-0.2 s of a 1M-route read (profile), to share strings of a few bytes.
   */
  short(s: string): string {
    return s.length < 13 ? s : this.intern(s);
  }
}

/** Splits `s` on runs of spaces and tabs, dropping empty fields. */
export function splitFields(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && s.charCodeAt(i) !== 32 && s.charCodeAt(i) !== 9) i++;
    out.push(s.slice(start, i));
  }
  return out;
}

/** Number of leading spaces. */
export function indentOf(s: string): number {
  let i = 0;
  while (s.charCodeAt(i) === 32) i++;
  return i;
}

/** Parses a non-negative decimal integer (no sign, no exponent), or returns undefined. */
export function parseUint(s: string): number | undefined {
  const n = s.length;
  if (n === 0 || n > 15) return undefined;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return undefined;
    v = v * 10 + d;
  }
  return v;
}

/** True when `text` holds `lit` at offset `at` (a char-code loop, for short literals on hot paths). */
export function regionMatches(text: string, at: number, lit: string): boolean {
  const n = lit.length;
  if (at + n > text.length) return false;
  for (let i = 0; i < n; i++) {
    if (text.charCodeAt(at + i) !== lit.charCodeAt(i)) return false;
  }
  return true;
}
