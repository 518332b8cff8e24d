// Maps `ip -batch - -force` stderr back to batch lines. iproute2 prints a failing line's
// messages (`RTNETLINK answers: File exists`, `Error: ...`, `Cannot find device "x"`) and then
// `Command failed -:<line>`; lines that succeed print nothing. A parse error inside a line makes
// iproute2 exit() on the spot: its message is then followed by no `Command failed` at all.

/** The errors of one batch run, by 1-based line number. */
export interface BatchErrors {
  /** Error text of each failed line. */
  byLine: Map<number, string>;
  /** Messages after the last `Command failed` line (iproute2 exited mid-batch, or warnings). */
  unattributed: string;
}

const COMMAND_FAILED = /^Command failed (.*):(\d+)$/;

/** Splits `ip -batch` stderr into per-line errors; `file` is the batch file name (`-` for stdin). */
export function parseBatchStderr(stderr: string, file = "-"): BatchErrors {
  const byLine = new Map<number, string>();
  let pending: string[] = [];
  for (const raw of stderr.split("\n")) {
    const line = raw.trimEnd();
    if (line === "") continue;
    const m = COMMAND_FAILED.exec(line);
    if (m !== null && m[1] === file) {
      const n = Number(m[2]);
      const previous = byLine.get(n);
      const text = pending.join("\n") || "command failed";
      byLine.set(n, previous === undefined ? text : `${previous}\n${text}`);
      pending = [];
    } else {
      pending.push(line);
    }
  }
  return { byLine, unattributed: pending.join("\n") };
}
