// `fibwarden reconcile --plan|--apply [--purge] [--settle DURATION] [--config F] [--output text|json]`.
// --purge plans (or applies) the removal of everything fibwarden owns, and nothing else.
// --settle (with --plan): drift counts only if a second observation, DURATION later, still shows it.
// Exit codes (like terraform's plan -detailed-exitcode):
//   --plan:  0 in sync, 2 changes/drift/conflicts pending, 1 error (incomplete observation too)
//   --apply: 0 converged, 2 converged except for reported conflicts/drift, 1 error
import { parseArgs } from "node:util";
import { loadConfig } from "../config/loader.js";
import { settledDrift } from "../core/drift/settle.js";
import { FibwardenError } from "../core/errors.js";
import { createReconciler } from "../index.js";
import { buildPlanReport } from "../report/plan-json.js";
import { renderPlanText } from "../report/plan-text.js";
import { parseDuration } from "./duration.js";
import { startProgress } from "./progress.js";

/** Where the CLI writes. */
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  color: boolean;
  /** Show a progress line (stderr is a terminal). */
  progress?: boolean;
}

/** Runs `fibwarden reconcile ...`; returns the exit code. */
export async function runReconcileCommand(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        plan: { type: "boolean", default: false },
        apply: { type: "boolean", default: false },
        purge: { type: "boolean", default: false },
        config: { type: "string", short: "c" },
        output: { type: "string", short: "o", default: "text" },
        settle: { type: "string", default: "0s" },
      },
      allowPositionals: false,
    }));
  } catch (e) {
    io.err(`fibwarden reconcile: ${(e as Error).message}\n`);
    return 1;
  }
  if (values.plan === values.apply) {
    io.err("fibwarden reconcile: give exactly one of --plan or --apply\n");
    return 1;
  }
  if (values.output !== "text" && values.output !== "json") {
    io.err(`fibwarden reconcile: --output must be text or json, not ${JSON.stringify(values.output)}\n`);
    return 1;
  }
  let settleMs: number;
  try {
    settleMs = parseDuration(values.settle, "--settle");
  } catch (e) {
    io.err(`fibwarden reconcile: ${(e as Error).message}\n`);
    return 1;
  }
  if (settleMs > 0 && (values.apply || values.purge)) {
    io.err("fibwarden reconcile: --settle goes with --plan (without --purge)\n");
    return 1;
  }
  const mode = values.apply ? "apply" : "plan";
  let reconciler;
  try {
    const loaded = await loadConfig(values.config ? { path: values.config } : {});
    reconciler = createReconciler({ config: loaded.config });
  } catch (e) {
    const code = e instanceof FibwardenError ? e.code : "FW_CONFIG_INVALID";
    io.err(`fibwarden reconcile: ${code}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  try {
    const progress = startProgress(mode === "apply" ? "observing, planning and applying..." : "observing and planning...", io.progress === true);
    let result = await (values.purge ? reconciler.purge(mode === "apply")
      : mode === "apply" ? reconciler.apply() : reconciler.plan()).finally(() => progress.stop());
    if (settleMs > 0 && result.plan !== undefined && result.plan.drift.length > 0) {
      result = await settle(reconciler, result, settleMs, io);
    }
    const report = buildPlanReport(result, mode);
    io.out(values.output === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderPlanText(report, io.color));
    if (!result.observationComplete || result.plan === undefined) return 1;
    if (mode === "plan") return report.inSync ? 0 : 2;
    if ((result.applied?.failed ?? 0) > 0) return 1;
    // Converged? Plan again: nothing left to do means converged; what remains is reported.
    const after = values.purge ? await reconciler.purge(false) : await reconciler.plan();
    if (!after.observationComplete || after.plan === undefined || after.plan.ops.length > 0) {
      io.err(`fibwarden reconcile: not converged after apply: ${after.plan?.ops.length ?? "?"} operations still pending\n`);
      return 1;
    }
    return after.plan.conflicts.length > 0 || after.plan.drift.length > 0 ? 2 : 0;
  } finally {
    await reconciler.stop();
  }
}

/**
 * Observes again `settleMs` after `first` and returns the second pass with only the drift both
 * saw (what BIRD was still converging on is gone by then). The wait is the product's settle
 * window, bounded by --settle's maximum.
 */
async function settle(reconciler: Pick<ReturnType<typeof createReconciler>, "plan">, first: Awaited<ReturnType<ReturnType<typeof createReconciler>["plan"]>>, settleMs: number, io: CliIo) {
  io.err(`fibwarden reconcile: settle: ${first.plan!.drift.length} drift finding(s) seen; observing again in ${settleMs} ms\n`);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const second = await reconciler.plan();
  if (second.plan === undefined) return second;
  const kept = settledDrift(first.plan!.drift, second.plan.drift);
  const cleared = first.plan!.drift.length - kept.length;
  io.err(`fibwarden reconcile: settle ${settleMs} ms: ${kept.length} drift finding(s) still there, ${cleared} cleared on re-observation\n`);
  second.plan.drift = kept;
  return second;
}
