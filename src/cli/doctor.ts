// `fibwarden doctor --vip ADDR --client ADDR [--config F] [--output text|json]`: explains the path
// of a flow from a client to a VIP on this node and names what would break it. Read-only.
// Exit codes: 0 the verdict is OK (warnings are named in it), 2 a finding of severity error breaks
// the flow (ASYMMETRIC_RETURN when the replies' next hop is not the router the requests come
// from, even on the same interface), 1 error (bad arguments, config, unreadable kernel, or BIRD
// not fully observed: the report is still printed).
import { parseArgs } from "node:util";
import { loadConfig } from "../config/loader.js";
import { analyzeFlow } from "../doctor/analyze.js";
import { gatherFlow } from "../doctor/gather.js";
import { FibwardenError } from "../core/errors.js";
import { isAddress } from "../core/net/ip.js";
import { buildDoctorReport } from "../report/doctor-json.js";
import { renderDoctorText } from "../report/doctor-text.js";
import type { CliIo } from "./reconcile.js";

const USAGE = "usage: fibwarden doctor --vip ADDR --client ADDR [--config FILE] [--output text|json]\n";

/** Runs `fibwarden doctor ...`; returns the exit code. */
export async function runDoctorCommand(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        vip: { type: "string" },
        client: { type: "string" },
        config: { type: "string", short: "c" },
        output: { type: "string", short: "o", default: "text" },
      },
      allowPositionals: false,
    }));
  } catch (e) {
    io.err(`fibwarden doctor: ${(e as Error).message}\n${USAGE}`);
    return 1;
  }
  if (values.vip === undefined || values.client === undefined) {
    io.err(`fibwarden doctor: --vip and --client are required\n${USAGE}`);
    return 1;
  }
  for (const [flag, text] of [["--vip", values.vip], ["--client", values.client]] as const) {
    if (!isAddress(text)) {
      io.err(`fibwarden doctor: ${flag}: not an IPv4/IPv6 address: ${JSON.stringify(text)}\n`);
      return 1;
    }
  }
  if (values.output !== "text" && values.output !== "json") {
    io.err(`fibwarden doctor: --output must be text or json, not ${JSON.stringify(values.output)}\n`);
    return 1;
  }
  const t0 = performance.now();
  try {
    const loaded = await loadConfig(values.config ? { path: values.config } : {});
    const gathered = await gatherFlow({ config: loaded.config, vip: values.vip, client: values.client });
    const analysis = analyzeFlow(gathered.input);
    const report = buildDoctorReport(analysis, {
      netns: gathered.netns, complete: gathered.complete, problems: gathered.problems, elapsedMs: performance.now() - t0,
    });
    io.out(values.output === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderDoctorText(report, io.color));
    if (!gathered.complete) return 1;
    return report.verdict.breaks ? 2 : 0;
  } catch (e) {
    const code = e instanceof FibwardenError ? e.code : "FW_UNKNOWN";
    io.err(`fibwarden doctor: ${code}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
