/** `npm run soak -- --rounds N --seed S [--cli PATH] [--max-minutes M] [--settle-ms MS] [--coexist]`: exits 1 on the first violation. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { checkLabSupport } from "../lab/index.js";
import { CLI_PATH, ensureBuilt } from "../support/cli.js";
import { runSoak } from "./soak.js";

function arg(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: readonly string[]): Promise<number> {
  const support = checkLabSupport();
  if (!support.ok) {
    process.stderr.write(`soak: no lab support: ${support.reason}\n`);
    return 2;
  }
  const rounds = Number(arg(argv, "--rounds") ?? 50);
  const seed = Number(arg(argv, "--seed") ?? Math.floor(Math.random() * 2 ** 31));
  const maxMinutes = arg(argv, "--max-minutes");
  const settleMs = arg(argv, "--settle-ms");
  if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(seed)) throw new Error("--rounds and --seed must be integers");
  const cliArg = arg(argv, "--cli");
  const cliPath = cliArg ? resolve(cliArg) : CLI_PATH;
  if (!cliArg) await ensureBuilt();
  if (!existsSync(cliPath)) throw new Error(`no fibwarden CLI at ${cliPath}`);
  process.stdout.write(`soak: seed=${seed} rounds=${rounds} cli=${cliPath}\n`);
  const r = await runSoak({
    rounds, seed, cliPath,
    ...(maxMinutes ? { maxDurationMs: Number(maxMinutes) * 60_000 } : {}),
    ...(settleMs ? { settleMs: Number(settleMs) } : {}),
    lenientVipRemoval: argv.includes("--lenient-vip-removal"),
    coexist: argv.includes("--coexist"),
    dumpLogsPath: arg(argv, "--dump-logs") ?? `/tmp/fibwarden-soak-${seed}.jsonl`,
  });
  process.stdout.write(`${JSON.stringify({ ...r, durationS: Math.round(r.durationMs / 1000) }, null, 1)}\n`);
  process.stdout.write(r.violations.length === 0 ? `soak: PASS seed=${seed} rounds=${r.rounds}\n` : `soak: FAIL seed=${seed}\n`);
  return r.violations.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 2;
});
