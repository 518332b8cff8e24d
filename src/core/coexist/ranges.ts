// Arithmetic on inclusive number ranges: overlap, merge, and the free gaps left in bounds. Pure.
import type { NumberRange } from "../ownership.js";

/** The overlap of two inclusive ranges, or undefined when they are disjoint. */
export function intersectRanges(a: NumberRange, b: NumberRange): NumberRange | undefined {
  const from = Math.max(a.from, b.from);
  const to = Math.min(a.to, b.to);
  return from <= to ? { from, to } : undefined;
}

/** Sorts and merges ranges that overlap or touch. */
export function mergeRanges(ranges: readonly NumberRange[]): NumberRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from || a.to - b.to);
  const out: NumberRange[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last !== undefined && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

/** The parts of `bounds` that no range in `blocked` covers, in ascending order. */
export function freeGaps(bounds: NumberRange, blocked: readonly NumberRange[]): NumberRange[] {
  const out: NumberRange[] = [];
  let next = bounds.from;
  for (const b of mergeRanges(blocked)) {
    if (b.to < next) continue;
    if (b.from > bounds.to) break;
    if (b.from > next) out.push({ from: next, to: b.from - 1 });
    next = b.to + 1;
  }
  if (next <= bounds.to) out.push({ from: next, to: bounds.to });
  return out;
}

/** Number of values in an inclusive range. */
export const rangeSize = (r: NumberRange): number => r.to - r.from + 1;

/**
 * A range inside `bounds` that overlaps nothing in `blocked`: the lowest one of `width` values,
 * else the widest free gap (narrower than asked), else undefined when nothing is free.
 */
export function findFreeRange(bounds: NumberRange, blocked: readonly NumberRange[], width: number): NumberRange | undefined {
  const gaps = freeGaps(bounds, blocked);
  const fits = gaps.find((g) => rangeSize(g) >= width);
  if (fits !== undefined) return { from: fits.from, to: fits.from + width - 1 };
  let widest: NumberRange | undefined;
  for (const g of gaps) if (widest === undefined || rangeSize(g) > rangeSize(widest)) widest = g;
  return widest;
}

/** `1000-1999`, or `198` for a single value. */
export const formatRange = (r: NumberRange): string => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`);
