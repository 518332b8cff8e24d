// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time.
// Usage: node --import tsx test/bench/cpu-profile-top.ts <file.cpuprofile> [top=25] [path filter]
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** One function's share of the profile. */
export interface HotFunction {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}

/** Source maps of bundled files (dist/bin/*.mjs has linked maps): minified names back to src/. */
const maps = new Map<string, SourceMap | undefined>();
function sourceMapOf(file: string): SourceMap | undefined {
  if (!maps.has(file)) {
    const map = `${file}.map`;
    maps.set(file, existsSync(map) ? new SourceMap(JSON.parse(readFileSync(map, "utf8")) as ConstructorParameters<typeof SourceMap>[0]) : undefined);
  }
  return maps.get(file);
}

/** A frame's name and place, through the bundle's source map when there is one. */
function frameOf(f: ProfileNode["callFrame"]): { name: string; where: string } {
  const path = f.url.replace(/^file:\/\//, "");
  const map = path.endsWith(".mjs") ? sourceMapOf(path) : undefined;
  const entry = map?.findEntry(f.lineNumber, f.columnNumber ?? 0) as { originalSource?: string; originalLine?: number; name?: string } | undefined;
  if (entry?.originalSource !== undefined) {
    const src = entry.originalSource.replace(/^.*?\/(src|dist)\//, "$1/");
    return { name: `${f.functionName || "(anonymous)"}${entry.name ? ` (${entry.name})` : ""}`, where: `${src}:${(entry.originalLine ?? 0) + 1}` };
  }
  const file = path.replace(/^.*\/work\/main\//, "");
  return { name: f.functionName || "(anonymous)", where: file === "" ? "(native)" : f.lineNumber > 0 ? `${file}:${f.lineNumber + 1}` : file };
}

/** Self time per function (summed over call sites), largest first; `filter` keeps matching urls. */
export function topFunctions(profile: Profile, top = 25, filter?: string): HotFunction[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const total = Math.max(1, profile.endTime - profile.startTime);
  const sums = new Map<string, HotFunction>();
  for (const [id, us] of self) {
    const f = byId.get(id)?.callFrame;
    if (f === undefined) continue;
    const { name, where } = frameOf(f);
    const key = `${name}@${where}`;
    const entry = sums.get(key) ?? { name, where, selfMs: 0, share: 0 };
    entry.selfMs += us / 1e3;
    entry.share = (entry.selfMs * 1e3) / total;
    sums.set(key, entry);
  }
  return [...sums.values()]
    .filter((h) => filter === undefined || h.where.includes(filter))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, topArg, filter] = process.argv.slice(2);
  if (file === undefined) throw new Error("usage: cpu-profile-top.ts <file.cpuprofile> [top] [filter]");
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  for (const h of topFunctions(profile, Number(topArg ?? 25), filter)) {
    process.stdout.write(`${h.selfMs.toFixed(1).padStart(9)} ms ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.name}  ${h.where}\n`);
  }
}
