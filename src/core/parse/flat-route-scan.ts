// A scanner for the common case of a route dump batch: `ip -json` route elements that are flat
// objects (values are plain strings, non-negative integers and arrays of plain strings), as
// every route with a single nexthop prints. It builds one small object per element with only
// the fields normalizeRoute reads, instead of JSON.parse's object with every key and a flags
// array each: at a million routes JSON.parse took 1.1-1.8 s of the pass, this scan 0.4 s
// (docs/performance.md, issue #17).
//
// It is exact or it declines. A batch it returns is one JSON.parse would parse, and each element
// carries the same values in the fields ip-json.ts reads (keys it does not read are skipped,
// which the wire schema tolerates; a repeated key keeps its last value, as JSON.parse does).
// Anything else makes it return undefined for the whole batch and the caller parses the batch
// with JSON.parse as before: a `nexthops`, `via` or `nh_info` key (whatever its value), a nested
// object, a value of another kind than the field's wire type, `true`/`false`/`null`, a number
// with a sign, a fraction, an exponent, a leading zero or more than 15 digits, whitespace between
// tokens, and any backslash or control character in the batch (escapes, and what JSON forbids
// raw in a string).

/** The fields of a route element that ip-json.ts reads (undefined when the element has none). */
export interface FlatWireRoute {
  type: string | undefined;
  dst: string;
  gateway: string | undefined;
  dev: string | undefined;
  table: string | number | undefined;
  protocol: string | number | undefined;
  scope: string | number | undefined;
  prefsrc: string | undefined;
  metric: number | undefined;
  tos: string | number | undefined;
  dsfield: string | number | undefined;
  flags: string[] | undefined;
}

/** A backslash (an escape) or a character JSON forbids raw inside a string. */
const NEEDS_JSON = /[\u0000-\u001f\\]/;

/** The shared value of `"flags":[]` (never changed: normalizeRoute only reads flags). */
const NO_FLAGS: string[] = Object.freeze([]) as unknown as string[];

const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const ZERO = 48;
const NINE = 57;
const MAX_DIGITS = 15;

/** The wire type a field's value must have. */
const enum Kind { Other = 0, Str = 1, NumOrStr = 2, Int = 3, Flags = 4, Nested = 5 }

/** The fields ip-json.ts reads, by key, with the wire type of each (any other key: skipped). */
const FIELDS: ReadonlyMap<string, { field: keyof FlatWireRoute | undefined; kind: Kind }> = new Map([
  ["type", Kind.Str], ["dst", Kind.Str], ["gateway", Kind.Str], ["dev", Kind.Str], ["prefsrc", Kind.Str],
  ["table", Kind.NumOrStr], ["protocol", Kind.NumOrStr], ["scope", Kind.NumOrStr], ["tos", Kind.NumOrStr], ["dsfield", Kind.NumOrStr],
  ["metric", Kind.Int], ["flags", Kind.Flags],
  // Read too, as objects or lists of objects: an element with any of them is not flat.
  ["via", Kind.Nested], ["nexthops", Kind.Nested], ["nh_info", Kind.Nested],
].map(([key, kind]) => [key as string, { field: kind === Kind.Nested ? undefined : key as keyof FlatWireRoute, kind: kind as Kind }]));

const OTHER = { field: undefined, kind: Kind.Other } as const;

/**
 * The elements of `body` (the text between a JSON array's brackets, or a run of its elements cut
 * between two of them), or undefined when the batch is not made of flat route elements only (the
 * caller then uses JSON.parse).
 */
export function scanFlatRouteBatch(body: string): FlatWireRoute[] | undefined {
  if (NEEDS_JSON.test(body)) return undefined;
  const out: FlatWireRoute[] = [];
  const n = body.length;
  let i = 0;
  while (i < n) {
    if (body.charCodeAt(i) !== OPEN_BRACE) return undefined;
    i++;
    const w: FlatWireRoute = {
      type: undefined, dst: undefined as unknown as string, gateway: undefined, dev: undefined, table: undefined, protocol: undefined,
      scope: undefined, prefsrc: undefined, metric: undefined, tos: undefined, dsfield: undefined, flags: undefined,
    };
    if (body.charCodeAt(i) === CLOSE_BRACE) i++;
    else {
      for (;;) {
        // A key: no escape can occur (checked above), so the next quote ends it.
        if (body.charCodeAt(i) !== QUOTE) return undefined;
        const keyEnd = body.indexOf("\"", i + 1);
        if (keyEnd < 0 || body.charCodeAt(keyEnd + 1) !== COLON) return undefined;
        const { field, kind } = FIELDS.get(body.slice(i + 1, keyEnd)) ?? OTHER;
        if (kind === Kind.Nested) return undefined;
        i = keyEnd + 2;
        const c = body.charCodeAt(i);
        let value: string | number | string[];
        if (c === QUOTE) {
          const end = body.indexOf("\"", i + 1);
          if (end < 0) return undefined;
          value = body.slice(i + 1, end);
          i = end + 1;
          if (kind === Kind.Int || kind === Kind.Flags) return undefined;
        } else if (c >= ZERO && c <= NINE) {
          let j = i + 1;
          let x = c - ZERO;
          if (c !== ZERO) {
            for (; j < n; j++) {
              const d = body.charCodeAt(j);
              if (d < ZERO || d > NINE) break;
              x = x * 10 + (d - ZERO);
            }
          }
          if (j - i > MAX_DIGITS) return undefined;
          value = x;
          i = j;
          if (kind === Kind.Str || kind === Kind.Flags) return undefined;
        } else if (c === OPEN_BRACKET) {
          const list: string[] = [];
          i++;
          if (body.charCodeAt(i) === CLOSE_BRACKET) i++;
          else {
            for (;;) {
              if (body.charCodeAt(i) !== QUOTE) return undefined;
              const end = body.indexOf("\"", i + 1);
              if (end < 0) return undefined;
              list.push(body.slice(i + 1, end));
              i = end + 1;
              const s = body.charCodeAt(i++);
              if (s === CLOSE_BRACKET) break;
              if (s !== COMMA) return undefined;
            }
          }
          value = list.length === 0 ? NO_FLAGS : list;
          if (kind !== Kind.Flags && kind !== Kind.Other) return undefined;
        } else return undefined;
        if (field !== undefined) (w as unknown as Record<string, unknown>)[field] = value;
        const s = body.charCodeAt(i++);
        if (s === CLOSE_BRACE) break;
        if (s !== COMMA) return undefined;
      }
    }
    if (w.dst === undefined) return undefined; // the schema requires it: JSON.parse's path says why
    out.push(w);
    if (i < n && body.charCodeAt(i++) !== COMMA) return undefined;
    if (i === n && body.charCodeAt(n - 1) === COMMA) return undefined; // a trailing comma
  }
  return out;
}
