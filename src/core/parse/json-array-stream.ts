// Incremental parsing of one big JSON array (`ip -json ... show` prints a single line `[{...},...]`)
// as its bytes arrive, so that parsing overlaps with iproute2's dump and the whole text is never
// held at once. Elements are handed out in batches parsed by JSON.parse (native and fast).
//
// How a batch is cut: at the last `},` followed by the expected element prefix (`{"type":` with
// `ip -details`, any `{"` otherwise). A raw `"` never occurs inside a JSON string (it is escaped),
// so such a candidate is never inside a string; a candidate inside a nested array leaves brackets
// unbalanced and JSON.parse fails, in which case a bracket- and string-aware scan finds the real
// boundary. A successful parse therefore always means a cut between two top-level elements.
import { FibwardenError } from "../errors.js";

/** Options of a JSON array stream. */
export interface JsonArrayStreamOptions {
  /** The text every top-level element starts with (default `{"`). */
  elementPrefix?: string;
  /** Parse once this many characters are pending (default 256 KiB). */
  batchChars?: number;
  /** Name used in error messages (`route`, `rule`...). */
  what?: string;
  /**
   * A faster parser for a batch (the text of whole top-level elements, comma-separated) that
   * returns the elements as JSON.parse would give them to `onItems`, or undefined when it cannot
   * say (JSON.parse then parses the batch): flat-route-scan.ts for route dumps.
   */
  scanBatch?: (body: string) => unknown[] | undefined;
}

/** A push parser for one JSON array. */
export interface JsonArrayStream {
  /** Feeds the next bytes (any split, including inside a UTF-8 sequence). */
  push(bytes: Uint8Array): void;
  /** Feeds the next text. */
  pushText(text: string): void;
  /** Ends the input: parses what is left and checks that the array was closed. */
  end(): void;
}

function fail(what: string, detail: string, cause?: unknown): never {
  throw new FibwardenError("FW_KERNEL_READ", `ip -json ${what}: ${detail}`, cause === undefined ? {} : { cause });
}

const GENERIC_SEPARATOR = "},{\"";

/** Index just after the last complete top-level element of `text` (which starts inside the array), or -1. */
export function lastElementEnd(text: string): number {
  let depth = 0;
  let inString = false;
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth === 0) last = i + 1;
      else if (depth < 0) return last; // the closing `]` of the array itself
    }
  }
  return last;
}

/** Creates a push parser that calls `onItems` with each parsed batch of top-level elements. */
export function createJsonArrayStream(onItems: (items: unknown[]) => void, opts: JsonArrayStreamOptions = {}): JsonArrayStream {
  const what = opts.what ?? "output";
  const separator = opts.elementPrefix === undefined ? GENERIC_SEPARATOR : `},${opts.elementPrefix}`;
  const batchChars = opts.batchChars ?? 256 * 1024;
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  let opened = false;
  let ended = false;

  const scanBatch = opts.scanBatch;

  const parseBatch = (body: string): void => {
    const scanned = scanBatch?.(body);
    if (scanned !== undefined) {
      onItems(scanned);
      return;
    }
    let items: unknown;
    try {
      items = JSON.parse(`[${body}]`);
    } catch (cause) {
      fail(what, "output is not valid JSON", cause);
    }
    onItems(items as unknown[]);
  };

  const tryCut = (): void => {
    let cut = pending.lastIndexOf(separator);
    if (cut < 0) cut = pending.lastIndexOf(GENERIC_SEPARATOR);
    if (cut < 0) return;
    const body = pending.slice(0, cut + 1);
    // A scan succeeds only on flat elements, where every `}` closes a top-level element: the
    // candidate was a real boundary.
    let items = scanBatch?.(body);
    try {
      items ??= JSON.parse(`[${body}]`) as unknown[];
    } catch {
      // The candidate sat inside a nested array: find the real boundary by scanning.
      const end = lastElementEnd(pending);
      if (end < 0) return;
      const comma = pending.indexOf(",", end);
      if (comma < 0) return;
      parseBatch(pending.slice(0, end));
      pending = pending.slice(comma + 1);
      return;
    }
    onItems(items);
    pending = pending.slice(cut + 2);
  };

  /** The elements of a batch by JSON.parse; undefined when it does not parse (a cut inside a nested array). */
  const parseOrUndefined = (body: string): unknown[] | undefined => {
    try {
      return JSON.parse(`[${body}]`) as unknown[];
    } catch {
      return undefined;
    }
  };

  /**
   * A big block parsed where it lies: appending it to what is pending would build a tree of the
   * two (a cons string) that the first search flattens, a copy of the block each time (0.45 s of
   * a million-route dump). Only the element the block completes is joined with what was pending.
   * Each part goes to the scan, and to JSON.parse when the scan declines it (a multipath route:
   * not scanned twice); false (nothing taken) when a part does not parse either (a candidate cut
   * inside a nested array), and the block goes the general way, which finds the real boundary.
   */
  const pushFlat = (text: string): boolean => {
    const cut = text.lastIndexOf(separator);
    if (cut < 0 || scanBatch === undefined) return false;
    const first = text.indexOf(separator);
    const headText = pending + text.slice(0, first + 1);
    const head = scanBatch(headText) ?? parseOrUndefined(headText);
    if (head === undefined) return false;
    const bodyText = text.slice(first + 2, cut + 1);
    const body = first === cut ? [] : scanBatch(bodyText) ?? parseOrUndefined(bodyText);
    if (body === undefined) return false;
    onItems(head);
    if (body.length > 0) onItems(body);
    pending = text.slice(cut + 2);
    return true;
  };

  const pushText = (text: string): void => {
    if (ended) fail(what, "data after the end of the output");
    if (opened && text.length >= batchChars && pending.length < batchChars && pushFlat(text)) return;
    pending += text;
    if (!opened) {
      const start = pending.search(/\S/);
      if (start < 0) return;
      if (pending[start] !== "[") fail(what, "output is not a JSON array");
      pending = pending.slice(start + 1);
      opened = true;
    }
    if (pending.length >= batchChars) tryCut();
  };

  return {
    push(bytes) {
      pushText(decoder.decode(bytes, { stream: true }));
    },
    pushText,
    end() {
      pushText(decoder.decode());
      ended = true;
      if (!opened) return; // no output at all: an empty dump
      const rest = pending.trimEnd();
      if (!rest.endsWith("]")) fail(what, "output ends before the JSON array is closed");
      pending = "";
      const body = rest.slice(0, -1);
      if (body.trim() !== "") parseBatch(body);
    },
  };
}
