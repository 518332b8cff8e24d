// Per-interface IPv4 sysctls (rp_filter, send_redirects, accept_redirects) through /proc/sys.
// Paths use the raw interface name: /proc/sys/net/ipv4/conf/eth0.100/rp_filter (it is the
// `sysctl` CLI that spells the dot as a slash, `net.ipv4.conf.eth0/100.rp_filter`). Every name
// is validated against the interface allow-list before it becomes part of a path.
import { FibwardenError } from "../core/errors.js";
import type { SysctlName, SysctlValue } from "../core/model/sysctl.js";
import {
  isSysctlName, parseSysctlText, SYSCTL_NAMES, sysctlRange, withEffectiveValues,
} from "../core/model/sysctl-effective.js";
import { assertIntegerInRange, assertInterfaceName, isInterfaceName } from "../core/render/tokens.js";
import { CONF_DIR, exchangeProcFiles, type ProcTarget } from "./proc-files.js";
import type { SysctlReading } from "./ports.js";

/** The /proc/sys path of a sysctl; throws FW_INVALID_TOKEN for a bad interface or sysctl name. */
export function sysctlPath(iface: string, name: SysctlName): string {
  assertInterfaceName(iface, "sysctl.iface");
  if (!isSysctlName(name)) throw new FibwardenError("FW_INVALID_TOKEN", `sysctl.name: not a managed sysctl (${JSON.stringify(name)})`);
  return `${CONF_DIR}${iface}/${name}`;
}

/** Checks a value to write; throws FW_INVALID_TOKEN naming the field. */
export function validateSysctlValue(v: SysctlValue): void {
  sysctlPath(v.iface, v.name);
  const { min, max } = sysctlRange(v.name);
  assertIntegerInRange(v.value, min, max, `sysctl.${v.name}`);
}

/**
 * Reads `names` for `all`, `default` and every interface, with effective values. Interfaces whose
 * names fail the allow-list are skipped (their files are read with the listing, under the file
 * helper's own path check, and dropped unread here).
 */
export async function readSysctls(target: ProcTarget, names: readonly SysctlName[] = SYSCTL_NAMES): Promise<SysctlReading[]> {
  for (const n of names) if (!isSysctlName(n)) throw new FibwardenError("FW_INVALID_TOKEN", `sysctl.name: ${JSON.stringify(n)}`);
  // One pass: the listing and every listed interface's files (a helper process in a namespace).
  const res = await exchangeProcFiles(target, { list: true, writes: [], reads: [], readEach: [...names] });
  const listed = res.list ?? [];
  const each = res.each;
  if (each === undefined || each.length !== listed.length) {
    throw new FibwardenError("FW_SYSCTL", `reading ${CONF_DIR}: the listing came without the files of each interface`);
  }
  const outcome = new Map(listed.map((iface, i) => [iface, each[i]]));
  const ifaces = listed.filter((i) => isInterfaceName(i)).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const wanted = ifaces.flatMap((iface) => names.map((name, j) => ({ iface, name, j })));
  const values: SysctlValue[] = [];
  wanted.forEach(({ j, ...w }) => {
    const r = outcome.get(w.iface)?.[j];
    // An interface that vanished between the listing and the read is simply not there any more.
    if (r === undefined || (r.error !== undefined && r.error === "ENOENT")) return;
    if (r.text === undefined) {
      throw new FibwardenError("FW_SYSCTL", `reading ${sysctlPath(w.iface, w.name)} failed: ${r.error ?? "no answer"}`, { details: { ...w } });
    }
    values.push({ ...w, value: parseSysctlText(r.text, sysctlPath(w.iface, w.name)) });
  });
  return withEffectiveValues(values);
}

const rank = (iface: string): number => (iface === "all" ? 0 : iface === "default" ? 1 : 2);

/** The outcome of one sysctl write. */
export interface SysctlWriteResult {
  value: SysctlValue;
  ok: boolean;
  error?: FibwardenError;
  /** The value read back right after the write (undefined when the read failed). */
  readBack?: number;
}

/** Writes values (validated first; invalid ones are not written) and reads each back. */
export async function writeSysctls(target: ProcTarget, values: readonly SysctlValue[]): Promise<SysctlWriteResult[]> {
  const results: SysctlWriteResult[] = values.map((value) => ({ value, ok: false }));
  const valid: number[] = [];
  values.forEach((v, i) => {
    try {
      validateSysctlValue(v);
      valid.push(i);
    } catch (err) {
      results[i]!.error = err as FibwardenError;
    }
  });
  if (valid.length === 0) return results;
  const paths = valid.map((i) => sysctlPath(values[i]!.iface, values[i]!.name));
  const res = await exchangeProcFiles(target, {
    list: false, writes: valid.map((i, k) => [paths[k]!, `${values[i]!.value}\n`]), reads: paths,
  });
  valid.forEach((i, k) => {
    const w = res.writes[k];
    const r = res.reads[k];
    const out = results[i]!;
    if (r?.text !== undefined) out.readBack = parseSysctlText(r.text, paths[k]!);
    if (w !== undefined && w.error === undefined) out.ok = true;
    else out.error = new FibwardenError("FW_SYSCTL", `writing ${paths[k]} failed: ${w?.error ?? "no answer"}`, { details: { ...values[i] } });
  });
  return results;
}
