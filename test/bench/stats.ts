// Small helpers for benchmark statistics and the printed table.

/** One line of a benchmark table: either timings (ms per run) or a single value. */
export interface BenchRow {
  name: string;
  ms?: number[];
  value?: number;
  ratio?: number;
  goal?: string;
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Formats rows as a plain-text table (median, min, max, ratio, goal). */
export function formatTable(rows: readonly BenchRow[]): string {
  const lines = [`${"benchmark".padEnd(64)} ${"median".padStart(10)} ${"min".padStart(10)} ${"max".padStart(10)} ${"ratio".padStart(7)}  goal`];
  for (const r of rows) {
    const f = (x: number | undefined) => (x === undefined ? "" : x.toFixed(1)).padStart(10);
    if (r.ms) {
      lines.push(`${r.name.padEnd(64)} ${f(median(r.ms))} ${f(Math.min(...r.ms))} ${f(Math.max(...r.ms))} ${(r.ratio === undefined ? "" : r.ratio.toFixed(2)).padStart(7)}  ${r.goal ?? ""}`);
    } else {
      lines.push(`${r.name.padEnd(64)} ${f(r.value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
