/** Reads the kernel routing state of a lab namespace as `ip -json` gives it. */
import type { LabNamespace } from "./lab.js";
import { DEADLINE_MS, pollUntil, type PollOptions } from "./wait.js";

/** One route as `ip -json route show` prints it (only the fields tests commonly use are typed). */
export interface KernelRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  metric?: number;
  table?: string;
  type?: string;
  nexthops?: { gateway?: string; dev?: string; weight?: number }[];
  [key: string]: unknown;
}

/** Reads the routes of one family and table (`main`, `all`, a number) inside `ns`. */
export async function readKernelRoutes(ns: LabNamespace, family: 4 | 6, table: string | number = "main"): Promise<KernelRoute[]> {
  const out = await ns.ip([`-${family}`, "-json", "route", "show", "table", String(table)]);
  return out.trim() === "" ? [] : (JSON.parse(out) as KernelRoute[]);
}

/** Polls the kernel table until `accept(routes)` is true; returns the last routes read. */
export async function waitForKernelRoutes(
  ns: LabNamespace, family: 4 | 6, table: string | number,
  accept: (routes: KernelRoute[]) => boolean, opts: PollOptions = {},
): Promise<KernelRoute[]> {
  return pollUntil(async () => {
    const routes = await readKernelRoutes(ns, family, table);
    return accept(routes) ? { done: true, value: routes } : { done: false, detail: JSON.stringify(routes) };
  }, { timeoutMs: DEADLINE_MS.bird, intervalMs: 250, what: `IPv${family} routes in table ${String(table)} of ${ns.name}`, ...opts });
}
