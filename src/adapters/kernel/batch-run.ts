// Runs one family's lines through `ip [-n NS] -<family> -batch - -force` and says what became of
// each line. `-force` keeps going after a failed line: one op failing never stops the others
// (the planner's order still holds for every op that succeeds), and every line gets a verdict.
import { isFibwardenError } from "../../core/errors.js";
import { parseBatchStderr } from "../../core/parse/ip-batch-errors.js";
import type { IpBatch } from "../../core/render/ip-batch.js";
import type { IpBatchSession } from "./batch-session.js";
import { runIp, type IpContext } from "./ip-command.js";

/** The verdict on one batch line. */
export type LineOutcome = { status: "ok" } | { status: "failed"; error: string } | { status: "unknown"; error: string };

/** The one "ok" verdict, shared by every successful line (100k lines, one object). */
export const LINE_OK: LineOutcome = Object.freeze({ status: "ok" });

/** The argument list of a batch run. */
export function batchArgs(batch: Pick<IpBatch, "family">): string[] {
  return [`-${batch.family}`, "-batch", "-", "-force"];
}

/**
 * Runs a batch, in `session`'s process when it has one (batch-session.ts), else in a process of
 * its own. Exit 0: every line succeeded. Exit 1: every line ran, the failed ones are named
 * on stderr. Anything else (iproute2 exit()ed on a line it could not parse, was killed, timed
 * out): lines up to the last reported failure are known, the rest are unknown. A session reports
 * the same way: complete when iproute2 reached the end of the batch, else up to its last report.
 */
export async function runBatch(ctx: IpContext, batch: IpBatch, signal?: AbortSignal, session?: IpBatchSession): Promise<LineOutcome[]> {
  let stderr: string;
  let complete: boolean;
  let abortReason = "";
  const viaSession = await session?.run(batch.lines, signal);
  if (viaSession !== undefined) {
    stderr = viaSession.stderr;
    complete = viaSession.complete;
    abortReason = viaSession.reason ?? "";
  } else {
    try {
      const r = await runIp(ctx, batchArgs(batch), { code: "FW_KERNEL_WRITE", input: `${batch.lines.join("\n")}\n`, allowExitCodes: [1], signal });
      stderr = r.stderr;
      complete = true;
    } catch (err) {
      if (!isFibwardenError(err)) throw err;
      stderr = typeof err.details.stderr === "string" ? err.details.stderr : "";
      complete = false;
      abortReason = err.message;
      if (typeof err.details.exitCode !== "number" && stderr === "" && /could not be started/.test(err.message)) {
        // Nothing ran at all.
        return batch.lines.map(() => ({ status: "failed", error: err.message }));
      }
    }
  }
  const { byLine, unattributed } = parseBatchStderr(stderr);
  let lastReported = 0;
  for (const n of byLine.keys()) if (n > lastReported) lastReported = n;
  const out = new Array<LineOutcome>(batch.lines.length);
  for (let i = 0; i < out.length; i++) {
    const n = i + 1;
    const error = byLine.get(n);
    if (error !== undefined) out[i] = { status: "failed", error };
    else if (complete || n < lastReported) out[i] = LINE_OK;
    else out[i] = { status: "unknown", error: `iproute2 stopped before reporting on this line: ${unattributed || abortReason}` };
  }
  return out;
}
