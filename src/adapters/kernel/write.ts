// Applies plan operations: ip ops as one `ip -batch - -force` per family (rendered and validated
// by core/render/ip-batch.ts), sysctl ops through /proc, then a re-read of what was touched.
// Every op gets a result: applied, failed (with iproute2's error text), refused (a token failed
// validation, nothing was sent) or unknown (iproute2 stopped before reporting on it).
import type { FibwardenError } from "../../core/errors.js";
import type { SysctlValue } from "../../core/model/sysctl.js";
import type { PlanOp } from "../../core/plan/types.js";
import { renderIpBatches } from "../../core/render/ip-batch.js";
import type { ApplyOptions, ApplyResult, OpResult } from "../ports.js";
import type { ProcTarget } from "../proc-files.js";
import { writeSysctls } from "../sysctl.js";
import { LINE_OK, runBatch, type LineOutcome } from "./batch-run.js";
import type { IpBatchSessions } from "./batch-session.js";
import type { IpContext } from "./ip-command.js";
import { verifyOps } from "./verify.js";

/** What an apply needs: where `ip` runs, where /proc is, and fibwarden's protocol. */
export interface WriteContext {
  ip: IpContext;
  proc: ProcTarget;
  ownProtocol: number;
  spoolDir?: string;
  /** Long-lived batch processes (batch-session.ts); without them each batch starts an `ip`. */
  sessions?: IpBatchSessions;
}

/** Folds the outcomes of an op's lines (two for a replace) into the op's status. */
function foldLines(result: OpResult, outcomes: readonly LineOutcome[]): void {
  const last = outcomes[outcomes.length - 1];
  if (last === undefined) return;
  if (outcomes.length === 1 && last === LINE_OK) {
    result.status = "applied";
    return;
  }
  const failures = outcomes
    .map((o, i) => (o.status === "ok" ? undefined : `${result.lines[i]?.split(" ").slice(0, 2).join(" ") ?? "line"}: ${o.error}`))
    .filter((e): e is string => e !== undefined);
  if (outcomes.some((o) => o.status === "unknown")) {
    result.status = "unknown";
  } else {
    // For a replace, the add decides: if the guarded del found nothing (our route was already
    // gone) and the add went in, the kernel holds what was asked.
    result.status = last.status === "ok" ? "applied" : "failed";
  }
  if (result.status !== "applied" && failures.length > 0) result.error = failures.join("; ");
}

/** Applies `ops` in order and reports on each; never throws for a failing op. */
export async function applyOps(ctx: WriteContext, ops: readonly PlanOp[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  const started = performance.now();
  const rendered = renderIpBatches(ops, { ownProtocol: ctx.ownProtocol });
  const results: OpResult[] = new Array<OpResult>(ops.length);
  for (let i = 0; i < ops.length; i++) results[i] = { op: ops[i]!, status: "unknown", lines: rendered.linesByOp[i] ?? [] };
  for (const { index, error } of rendered.refused) {
    Object.assign(results[index]!, { status: "refused", error: error.message, cause: error });
  }
  const touched: number[] = [];
  // Ops with several lines (a replace) collect their verdicts here; one-line ops are settled at once.
  const multiLine = new Map<number, LineOutcome[]>();
  for (const batch of rendered.batches) {
    const outcomes = await runBatch(ctx.ip, batch, opts.signal, ctx.sessions?.of(batch.family));
    for (let i = 0; i < outcomes.length; i++) {
      const idx = batch.opIndex[i]!;
      const result = results[idx]!;
      const o = outcomes[i]!;
      if (result.lines.length === 1) {
        touched.push(idx);
        if (o === LINE_OK) result.status = "applied";
        else foldLines(result, [o]);
        continue;
      }
      const list = multiLine.get(idx);
      if (list) list.push(o);
      else {
        touched.push(idx);
        multiLine.set(idx, [o]);
      }
    }
  }
  for (const [idx, outcomes] of multiLine) foldLines(results[idx]!, outcomes);

  const sysctlOps = rendered.notIp;
  if (sysctlOps.length > 0) {
    const values: SysctlValue[] = sysctlOps.map((i) => {
      const op = ops[i]!;
      if (op.kind !== "sysctl.set") throw new Error(`unexpected op kind ${op.kind}`);
      return op.sysctl;
    });
    try {
      const written = await writeSysctls(ctx.proc, values);
      written.forEach((w, k) => {
        const r = results[sysctlOps[k]!]!;
        r.lines = [`${values[k]!.iface}/${values[k]!.name} = ${values[k]!.value}`];
        if (w.ok) r.status = "applied";
        else if (w.error !== undefined) Object.assign(r, { status: w.error.code === "FW_INVALID_TOKEN" ? "refused" : "failed", error: w.error.message, cause: w.error });
        if (w.readBack !== undefined) r.confirmed = w.readBack === values[k]!.value;
      });
    } catch (err) {
      for (const i of sysctlOps) Object.assign(results[i]!, { status: "unknown", error: (err as Error).message, cause: err as FibwardenError });
    }
  }

  let verifyError: string | undefined;
  const verify = opts.verify ?? "unsure";
  if (verify !== "none") {
    const check = verify === "all" ? touched : touched.filter((i) => results[i]!.status !== "applied");
    if (check.length > 0) {
      const v = await verifyOps(ctx.ip, ops, check, { spoolDir: ctx.spoolDir });
      for (const [i, c] of v.confirmed) results[i]!.confirmed = c;
      verifyError = v.error;
    }
  }
  let applied = 0;
  for (const r of results) if (r.status === "applied") applied++;
  const out: ApplyResult = { results, applied, failed: results.length - applied, elapsedMs: performance.now() - started };
  if (verifyError !== undefined) out.verifyError = verifyError;
  return out;
}
