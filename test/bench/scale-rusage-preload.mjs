// Preloaded into a `fibwarden` CLI process by scale-bench.ts (`node --import <this file>
// dist/bin/fibwarden.mjs ...`), so that the CLI itself is unchanged: when the process exits it
// writes one line to stderr, `FWSCALE_RUSAGE {"maxRssKiB":..,"userUs":..,"systemUs":..}`, its peak
// RSS (getrusage ru_maxrss, KiB) and CPU time. A synchronous write: 'exit' handlers cannot wait.
import { writeSync } from "node:fs";

process.on("exit", () => {
  const u = process.resourceUsage();
  writeSync(2, `\nFWSCALE_RUSAGE ${JSON.stringify({ maxRssKiB: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime })}\n`);
});
