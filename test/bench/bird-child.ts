// Child process of the BIRD benchmark: one read in a fresh process, so that its peak RSS is
// the read's own. Prints one JSON line: {mode, ms, cpuMs, bytes, routes, maxRssKiB}.
// Usage: node --import tsx test/bench/bird-child.ts <raw|parse|idle> <socket> <command...>
import { fibwardenRead, rawRead, type ReadResult } from "./bird-readers.js";

/** What the child reports on stdout. */
export interface ChildReport extends ReadResult {
  mode: string;
  /** process.resourceUsage().maxRSS at exit, in KiB. */
  maxRssKiB: number;
}

async function main(): Promise<void> {
  const [mode, socketPath, ...words] = process.argv.slice(2);
  const command = words.join(" ");
  let result: ReadResult = { ms: 0, cpuMs: 0, bytes: 0, routes: 0 };
  if (mode === "raw" || mode === "parse") {
    if (socketPath === undefined || command === "") throw new Error("usage: bird-child.ts <raw|parse|idle> <socket> <command...>");
    result = mode === "raw" ? await rawRead(socketPath, command) : await fibwardenRead(socketPath, command);
  } else if (mode !== "idle") {
    throw new Error(`unknown mode ${String(mode)}`);
  }
  const report: ChildReport = { mode, ...result, maxRssKiB: process.resourceUsage().maxRSS };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bird-child: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
