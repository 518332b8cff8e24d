// Maps a config field path to its line and column in the YAML/JSON text, and back. Pure.
import { isAlias, isMap, isPair, isScalar, isSeq } from "yaml";
import type { Document, LineCounter, Node, Pair } from "yaml";

/** A 1-based line and column in the config text. */
export interface TextPosition {
  line: number;
  column: number;
}

type Path = readonly (string | number)[];

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));

function positionOf(node: unknown, lc: LineCounter): TextPosition | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (range === undefined) return undefined;
  const { line, col } = lc.linePos(range[0]);
  return { line, column: col };
}

function resolve(node: unknown, doc: Document): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/**
 * The position of the field at `path`: a scalar's value, a section's key (`return:`), the key
 * itself with `atKey` (unknown or invalid keys). A path that runs out of the document (a missing
 * field) points at the deepest part that exists; an empty document has no position.
 */
export function locatePath(doc: Document, lc: LineCounter, path: Path, opts: { atKey?: boolean } = {}): TextPosition | undefined {
  let node = resolve(doc.contents, doc);
  let best = positionOf(node, lc);
  for (const [i, seg] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (pair === undefined) return best;
      const value = resolve(pair.value, doc);
      best = positionOf(pair.key, lc) ?? best;
      if (last && opts.atKey) return best;
      if (value === null || value === undefined) return best;
      if (isScalar(value)) return last ? positionOf(value, lc) ?? best : best;
      node = value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = resolve(node.items[seg], doc);
      if (item === undefined || item === null) return best;
      best = positionOf(item, lc) ?? best;
      node = item;
    } else {
      return best;
    }
  }
  return best;
}

const contains = (node: unknown, offset: number): boolean => {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range !== undefined && offset >= range[0] && offset < range[2];
};

/**
 * The path of the deepest field whose value covers `offset` (for YAML errors). A key that covers
 * it is part of the path only with `includeKey` (a duplicate key is well formed; a key the
 * parser stumbled on is not worth naming).
 */
export function pathAtOffset(doc: Document, offset: number, opts: { includeKey?: boolean } = {}): (string | number)[] {
  const path: (string | number)[] = [];
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = (node.items as Pair<unknown, unknown>[]).find((p) => contains(p.key, offset) || contains(p.value, offset));
      if (pair === undefined || !isPair(pair)) return path;
      if (contains(pair.key, offset)) return opts.includeKey === true ? [...path, keyText(pair.key)] : path;
      path.push(keyText(pair.key));
      node = pair.value as Node;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(item, offset));
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}
