// How far V8 lets the old generation grow past what survived its last full collection before it
// collects again: by default up to several times (a factor V8 picks from its GC speed), which at
// a full table meant a daemon whose live heap was ~110 MB (300k routes, heap snapshot) peaking
// at 450 MB RSS across a resync, and a `reconcile --plan` at 1M peaking at 503 MB. The commands
// that hold a table (`run`, `reconcile`) cap that growth at 10 % (`--heap-growing-percent`,
// read by V8 at each collection, so setting it at run time takes effect; measured in
// docs/performance.md, "Round 3"). FIBWARDEN_HEAP_GROWING_PERCENT overrides the value (0: V8's
// own factor); a `--heap-growing-percent` on node's command line is left as it is.
import { setFlagsFromString } from "node:v8";

/** The growth cap the commands set unless told otherwise. */
export const DEFAULT_HEAP_GROWING_PERCENT = 10;

/** What to set: a percent (0: nothing), or why the environment's value is refused. */
export function heapGrowingPercent(execArgv: readonly string[], env: NodeJS.ProcessEnv): { percent: number } | { error: string } {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a))) return { percent: 0 };
  const raw = env.FIBWARDEN_HEAP_GROWING_PERCENT;
  if (raw === undefined || raw === "") return { percent: DEFAULT_HEAP_GROWING_PERCENT };
  if (!/^\d{1,3}$/.test(raw) || Number(raw) > 400) {
    return { error: `FIBWARDEN_HEAP_GROWING_PERCENT must be an integer from 0 to 400 (0: V8's own heap growth), not ${JSON.stringify(raw)}` };
  }
  return { percent: Number(raw) };
}

/** Sets the cap for this process; false (after saying why on `err`) when the environment's value is refused. */
export function tuneHeap(err: (s: string) => void, execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): boolean {
  const r = heapGrowingPercent(execArgv, env);
  if ("error" in r) {
    err(`fibwarden: FW_CONFIG_INVALID: ${r.error}\n`);
    return false;
  }
  if (r.percent > 0) setFlagsFromString(`--heap-growing-percent=${r.percent}`);
  return true;
}
