// `npm run bench`: every benchmark suite, one table each. Not part of `npm test`; no assertions.
// Suites that need root and network namespaces say so and are skipped when those are missing.
// BENCH_ONLY: a comma list of the suites to run (plan, bird, kernel, pass, latency, small, scale);
// unset: all of them. E.g. `BENCH_ONLY=small npm run bench`. `scale` is issue #17's acceptance
// table in one run (test/bench/scale-bench.ts; its sizes are BENCH_SCALE_*, not BENCH_SIZES).
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { checkLabSupport } from "../lab/index.js";
import { benchBird } from "./bird-bench.js";
import { benchKernel } from "./kernel-bench.js";
import { benchLatency } from "./latency-bench.js";
import { benchPass } from "./pass-bench.js";
import { benchPlan } from "./plan-bench.js";
import { benchScale } from "./scale-bench.js";
import { benchSmallNode } from "./small-node-bench.js";
import { formatTable } from "./stats.js";

function header(): string {
  let kernel = "";
  try { kernel = execFileSync("uname", ["-r"], { encoding: "utf8" }).trim(); } catch { /* unknown */ }
  return `fibwarden bench  ${new Date().toISOString()}  node ${process.version}  ${cpus().length} cores  ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB  kernel ${kernel}\n`;
}

const SUITES = ["plan", "bird", "kernel", "pass", "latency", "small", "scale"] as const;
const onlyList = (process.env.BENCH_ONLY ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");
const only = onlyList.length > 0 ? onlyList : undefined;
const unknown = (only ?? []).filter((x) => !(SUITES as readonly string[]).includes(x));
if (unknown.length > 0) {
  process.stderr.write(`BENCH_ONLY: unknown suite(s) ${unknown.join(", ")}; known: ${SUITES.join(", ")}\n`);
  process.exit(1);
}
const selected = (suite: (typeof SUITES)[number]): boolean => only === undefined || only.includes(suite);

const sizes = (process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
process.stdout.write(header());
if (only !== undefined) process.stdout.write(`suites: ${only.join(", ")} (BENCH_ONLY)\n`);
if (selected("plan")) {
  for (const n of sizes) {
    process.stdout.write(`\n## planner, ${n} routes\n${formatTable(benchPlan(n))}`);
  }
}
const lab = checkLabSupport();
const gc = (globalThis as { gc?: () => void }).gc;
if (selected("bird")) {
  for (const n of sizes) {
    gc?.(); // leave the planner's garbage behind before timing reads
    if (!lab.ok) {
      process.stdout.write(`\n## BIRD read+parse, ${n} routes: skipped (${lab.reason})\n`);
      continue;
    }
    process.stdout.write(`\n## BIRD read+parse, ${n} routes (real BIRD in a lab namespace)\n${formatTable(await benchBird([n]))}`);
  }
}
if (selected("kernel")) {
  if (lab.ok) {
    gc?.();
    process.stdout.write(`\n## kernel read and apply (iproute2 in a lab namespace)\n${formatTable(await benchKernel(sizes))}`);
  } else {
    process.stdout.write(`\n## kernel read and apply: skipped (${lab.reason})\n`);
  }
}
if (selected("pass")) {
  if (lab.ok) {
    gc?.();
    process.stdout.write(`\n## full pass vs the slower raw dump, its peak RSS, IPv6 (real BIRD + kernel in a lab)\n${formatTable(await benchPass(sizes))}`);
  } else {
    process.stdout.write(`\n## full pass vs the slower raw dump: skipped (${lab.reason})\n`);
  }
}
if (selected("latency")) {
  if (lab.ok) {
    gc?.();
    process.stdout.write(`\n## latency: VIP add, protected-route repair, daemon idle cost (real BIRD in a lab)\n${formatTable(await benchLatency())}`);
  } else {
    process.stdout.write(`\n## latency: VIP add, protected-route repair, daemon idle cost: skipped (${lab.reason})\n`);
  }
}
if (selected("small")) {
  if (lab.ok) {
    gc?.();
    process.stdout.write(`\n## small node: command start-up, daemon idle cost, BIRD down noticed (real BIRD in a lab)\n${formatTable(await benchSmallNode())}`);
  } else {
    process.stdout.write(`\n## small node: command start-up, daemon idle cost, BIRD down noticed: skipped (${lab.reason})\n`);
  }
}
if (selected("scale")) {
  if (lab.ok) {
    gc?.();
    process.stdout.write(`\n## scale: issue #17 figures beside their raw references (real BIRD + kernel in labs, the built CLI and daemon)\n${formatTable(await benchScale())}`);
  } else {
    process.stdout.write(`\n## scale: issue #17 figures: skipped (${lab.reason})\n`);
  }
}
