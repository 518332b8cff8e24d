// `fibwarden check [--config F] [--ignore AGENT,...] [--output text|json]`: checks the managed
// table and rule-priority ranges against the ranges other agents are known to use, the foreign
// rules and routes live in them now (in kernel.netns when set), and systemd-networkd's foreign
// rule/route removal (host namespace only). Read-only.
// Exit codes (like `reconcile --plan`): 0 no finding, 2 findings, 1 error (bad arguments,
// invalid config, unreadable kernel).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { announceTables } from "../config/policy.js";
import { checkSharedRanges, type ManagerObservation, type SharingReport } from "../core/coexist/check.js";
import { isAgentId, KNOWN_AGENTS, type AgentId } from "../core/coexist/known-ranges.js";
import { parseNetworkdForeignSettings, type ConfText } from "../core/coexist/networkd-conf.js";
import { formatRange } from "../core/coexist/ranges.js";
import { configToPolicy, createKernelDataplane, FibwardenError, loadConfig } from "../index.js";
import type { CliIo } from "./reconcile.js";

const USAGE = "usage: fibwarden check [--config FILE] [--ignore AGENT[,AGENT...]] [--output text|json]\n";

/** Runs `fibwarden check ...`; returns the exit code. */
export async function runCheckCommand(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: "string", short: "c" },
        ignore: { type: "string", multiple: true, default: [] },
        output: { type: "string", short: "o", default: "text" },
      },
      allowPositionals: false,
    }));
  } catch (e) {
    io.err(`fibwarden check: ${(e as Error).message}\n${USAGE}`);
    return 1;
  }
  if (values.output !== "text" && values.output !== "json") {
    io.err(`fibwarden check: --output must be text or json, not ${JSON.stringify(values.output)}\n`);
    return 1;
  }
  const ignore: AgentId[] = [];
  for (const id of values.ignore.flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean)) {
    if (!isAgentId(id)) {
      io.err(`fibwarden check: --ignore: unknown agent ${JSON.stringify(id)}; known: ${Object.keys(KNOWN_AGENTS).join(", ")}\n`);
      return 1;
    }
    ignore.push(id);
  }
  try {
    const { config } = await loadConfig(values.config ? { path: values.config } : {});
    const policy = configToPolicy(config);
    const netns = config.kernel.netns ?? null;
    const dataplane = createKernelDataplane({ timeoutMs: 30_000, ownProtocol: policy.protocol, ...(netns !== null ? { netns } : {}) });
    const [rules, routes] = await Promise.all([dataplane.readRules(), dataplane.readRoutes()]);
    const notes: string[] = [];
    const managers: ManagerObservation[] = [];
    if (netns === null) managers.push(observeNetworkd());
    else notes.push(`systemd-networkd not checked: kernel.netns (${netns}) is set, and networkd manages the host's namespace`);
    const tables = { ...config.ownership.tables };
    const announce = announceTables(config);
    const report = checkSharedRanges({ policy, tables, announceTables: announce, live: { rules, routes }, managers, ignore });
    const json = {
      apiVersion: "fibwarden/v1", kind: "CheckReport", netns,
      managed: { tables, announceTables: announce, rulePriorities: policy.rulePriorities },
      ignored: ignore, findings: report.findings, suggested: report.suggested, notes,
    };
    io.out(values.output === "json" ? `${JSON.stringify(json, null, 2)}\n` : renderCheckText(json, report, io.color));
    return report.findings.length > 0 ? 2 : 0;
  } catch (e) {
    const code = e instanceof FibwardenError ? e.code : "FW_UNKNOWN";
    io.err(`fibwarden check: ${code}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

interface CheckJson {
  netns: string | null;
  managed: { tables: { from: number; to: number }; announceTables: number[]; rulePriorities: { from: number; to: number } };
  ignored: string[];
  notes: string[];
}

function renderCheckText(j: CheckJson, r: SharingReport, color: boolean): string {
  const c = (code: number, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const out = [
    `managed ranges${j.netns !== null ? ` (netns ${j.netns})` : ""}: tables ${formatRange(j.managed.tables)}` +
      `${j.managed.announceTables.length > 0 ? `, announce tables ${j.managed.announceTables.join(", ")}` : ""}, rule priorities ${formatRange(j.managed.rulePriorities)}`,
  ];
  if (j.ignored.length > 0) out.push(`ignored agents: ${j.ignored.join(", ")}`);
  out.push("");
  for (const f of r.findings) {
    out.push(`${f.severity === "error" ? c(31, "x") : c(33, "!")} ${f.code} [${f.severity}] ${f.agent}: ${f.message}`);
    out.push(`    source: ${f.source}`, `    fix: ${f.fix.description}`);
    for (const s of f.fix.config) out.push(`      ${s}`);
  }
  for (const n of j.notes) out.push(`note: ${n}`);
  out.push(r.findings.length === 0 ? c(32, "no finding: the managed ranges overlap nothing known or live")
    : `${r.findings.length} finding${r.findings.length === 1 ? "" : "s"}`);
  return `${out.join("\n")}\n`;
}

/** Where systemd reads networkd.conf and its drop-ins, highest precedence first. */
const CONF_DIRS = ["etc/systemd", "run/systemd", "usr/local/lib/systemd", "usr/lib/systemd"];

/**
 * Whether systemd-networkd runs (a process named `systemd-network`, as /proc/PID/comm cuts it)
 * and what its networkd.conf says about foreign rules and routes. Only this mount namespace's
 * processes and files are seen: from inside a container, networkd on the host is not.
 */
export function observeNetworkd(root = "/"): ManagerObservation {
  const files = networkdConfFiles(root);
  const s = parseNetworkdForeignSettings(files);
  return {
    agent: "systemd-networkd", running: processRuns(join(root, "proc"), "systemd-network"),
    removesForeignRules: s.manageForeignRoutingPolicyRules, removesForeignRoutes: s.manageForeignRoutes, configFiles: s.from,
  };
}

function processRuns(procDir: string, comm: string): boolean {
  let pids: string[];
  try {
    pids = readdirSync(procDir).filter((d) => /^\d+$/.test(d));
  } catch {
    return false;
  }
  return pids.some((pid) => {
    try {
      return readFileSync(join(procDir, pid, "comm"), "utf8").trim() === comm;
    } catch {
      return false; // the process ended meanwhile
    }
  });
}

/** networkd.conf (the first found) and then the drop-ins by file name (a name in a higher directory masks the same name below). */
function networkdConfFiles(root: string): ConfText[] {
  const read = (path: string): ConfText | undefined => {
    try {
      return { path: `/${path}`, text: readFileSync(join(root, path), "utf8") };
    } catch {
      return undefined;
    }
  };
  const main = CONF_DIRS.map((d) => `${d}/networkd.conf`).find((p) => existsSync(join(root, p)));
  const dropIns = new Map<string, string>();
  for (const d of [...CONF_DIRS].reverse()) {
    let names: string[] = [];
    try {
      names = readdirSync(join(root, d, "networkd.conf.d")).filter((n) => n.endsWith(".conf"));
    } catch { /* no such directory */ }
    for (const n of names) dropIns.set(n, `${d}/networkd.conf.d/${n}`);
  }
  const ordered = [...(main !== undefined ? [main] : []), ...[...dropIns].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, p]) => p)];
  return ordered.map(read).filter((f): f is ConfText => f !== undefined);
}
