// Summarizes a V8 sampling heap profile (.heapprofile, e.g. from pass-child.ts): the functions
// whose allocations are still alive, largest first, by self size and by size including callees.
// Usage: node --import tsx test/bench/heap-profile-top.ts <file.heapprofile> [top=25]
import { readFileSync } from "node:fs";

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** One function's share of the live sampled memory. */
export interface HeapFunction {
  name: string;
  where: string;
  selfBytes: number;
  /** Bytes allocated by it or anything it called (counted once per function on a stack). */
  totalBytes: number;
}

function label(f: HeapNode["callFrame"]): { key: string; name: string; where: string } {
  const file = f.url.replace(/^file:\/\//, "").replace(/^.*\/(src|test)\//, "$1/");
  const where = file === "" ? "(native)" : f.lineNumber >= 0 ? `${file}:${f.lineNumber + 1}` : file;
  const name = f.functionName || "(anonymous)";
  return { key: `${name}@${where}`, name, where };
}

/** Self and inclusive live bytes per function, largest self first. */
export function topHeapFunctions(head: HeapNode, top = 25): { total: number; rows: HeapFunction[] } {
  const rows = new Map<string, HeapFunction>();
  let total = 0;
  const walk = (node: HeapNode, onStack: Set<string>): number => {
    const { key, name, where } = label(node.callFrame);
    const row = rows.get(key) ?? { name, where, selfBytes: 0, totalBytes: 0 };
    rows.set(key, row);
    row.selfBytes += node.selfSize;
    total += node.selfSize;
    const first = !onStack.has(key);
    if (first) onStack.add(key);
    let inclusive = node.selfSize;
    for (const c of node.children) inclusive += walk(c, onStack);
    if (first) {
      onStack.delete(key);
      row.totalBytes += inclusive;
    }
    return inclusive;
  };
  walk(head, new Set());
  return { total, rows: [...rows.values()].sort((a, b) => b.selfBytes - a.selfBytes).slice(0, top) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, topArg] = process.argv.slice(2);
  if (file === undefined) throw new Error("usage: heap-profile-top.ts <file.heapprofile> [top]");
  const profile = JSON.parse(readFileSync(file, "utf8")) as { head: HeapNode };
  const { total, rows } = topHeapFunctions(profile.head, Number(topArg ?? 25));
  const mb = (b: number): string => (b / 1e6).toFixed(1).padStart(8);
  process.stdout.write(`live sampled total ${mb(total)} MB\n    self MB  share  incl. MB  function\n`);
  for (const r of rows) {
    process.stdout.write(`${mb(r.selfBytes)} ${((r.selfBytes / Math.max(1, total)) * 100).toFixed(1).padStart(5)}%  ${mb(r.totalBytes)}  ${r.name}  ${r.where}\n`);
  }
}
