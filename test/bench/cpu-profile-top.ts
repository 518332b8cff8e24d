// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time.
// Usage: node --import tsx test/bench/cpu-profile-top.ts <file.cpuprofile> [top=25] [path filter]
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
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
    const file = f.url.replace(/^file:\/\//, "").replace(/^.*\/work\/main\//, "");
    const where = file === "" ? "(native)" : f.lineNumber > 0 ? `${file}:${f.lineNumber + 1}` : file;
    const key = `${f.functionName}@${where}`;
    const entry = sums.get(key) ?? { name: f.functionName || "(anonymous)", where, selfMs: 0, share: 0 };
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
