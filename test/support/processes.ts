// Processes seen in /proc, for tests that check what fibwarden leaves running.
import { readdirSync, readFileSync } from "node:fs";

/** Pids of running processes whose argument list includes every one of `words` (exact arguments). */
export function processesWith(...words: string[]): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // gone meanwhile
    }
    if (words.every((w) => argv.includes(w))) out.push(Number(pid));
  }
  return out;
}
