/** On-disk lab marker: `<root>/<prefix>/lab.json` names the creating process and its namespaces. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Where labs keep their state, configs, sockets and logs. */
export const DEFAULT_LAB_ROOT = "/tmp/fibwarden-lab";

/** Contents of `lab.json`. */
export interface LabRecord {
  prefix: string;
  /** Process that created the lab; the lab is stale once it is gone. */
  pid: number;
  /** Start time of that process (field 22 of /proc/<pid>/stat), to survive pid reuse. */
  pidStart: string | null;
  createdAt: string;
  /** Kernel names of the namespaces, recorded before each is created. */
  namespaces: string[];
}

/** Returns the state directory of lab `prefix` under `root`. */
export function toLabDir(root: string, prefix: string): string {
  return join(root, prefix);
}

/** Reads the start time of process `pid` from /proc, or null when it does not exist. */
export function readProcessStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm (field 2) may hold spaces and parentheses: fields after it start past the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19] ?? null; // field 22 overall = index 19 after pid, comm and state
  } catch {
    return null;
  }
}

/** True while the process that wrote `record` is still running. */
export function isCreatorAlive(record: Pick<LabRecord, "pid" | "pidStart">): boolean {
  const start = readProcessStart(record.pid);
  if (start === null) return false;
  return record.pidStart === null || record.pidStart === start;
}

/** Creates the lab directory and writes a fresh record for the current process. */
export function createLabRecord(dir: string, prefix: string): LabRecord {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const record: LabRecord = {
    prefix,
    pid: process.pid,
    pidStart: readProcessStart(process.pid),
    createdAt: new Date().toISOString(),
    namespaces: [],
  };
  writeLabRecord(dir, record);
  return record;
}

/** Writes `lab.json` atomically (write to a temp file, then rename). */
export function writeLabRecord(dir: string, record: LabRecord): void {
  const file = join(dir, "lab.json");
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Reads `lab.json` from `dir`, or undefined when it is missing or unreadable. */
export function readLabRecord(dir: string): LabRecord | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, "lab.json"), "utf8"));
    if (!isLabRecord(parsed)) return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

function isLabRecord(value: unknown): value is LabRecord {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.prefix === "string" && typeof v.pid === "number" && Array.isArray(v.namespaces)
    && v.namespaces.every((n) => typeof n === "string");
}
