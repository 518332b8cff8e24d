/** Removes what dead lab runs left behind: processes, namespaces and state directories. */
import { readdirSync } from "node:fs";
import { LAB_PREFIX_PATTERN } from "./names.js";
import { DEFAULT_LAB_ROOT, isCreatorAlive, readLabRecord, toLabDir } from "./state.js";
import { deleteNamespacesSync, killNamespaceProcessesSync, listNamespacesSync, teardownLabSync } from "./teardown.js";

/** What `sweepStaleLabs` removed. */
export interface SweepReport {
  /** Prefixes of the stale labs that were torn down. */
  labs: string[];
  /** Namespaces deleted (recorded ones and prefix-matched orphans). */
  namespaces: string[];
  /** Problems met on the way (the sweep goes on past them). */
  failures: string[];
}

/** Tears down every lab under `root` whose creating process is dead; under the default root also
 *  deletes orphan `fwt*` namespaces (lab-named, with no state dir at all). */
export function sweepStaleLabs(root: string = DEFAULT_LAB_ROOT): SweepReport {
  const report: SweepReport = { labs: [], namespaces: [], failures: [] };
  const allNamespaces = listNamespacesSync();
  const liveOrUnknownPrefixes = new Set<string>();
  for (const prefix of listLabPrefixes(root)) {
    const dir = toLabDir(root, prefix);
    const record = readLabRecord(dir);
    // A directory without a readable record may be a lab being created right now: leave it.
    if (record === undefined || isCreatorAlive(record)) {
      liveOrUnknownPrefixes.add(prefix);
      continue;
    }
    const namespaces = unique([...record.namespaces, ...allNamespaces.filter((ns) => ns.startsWith(prefix))]);
    report.failures.push(...teardownLabSync(dir, namespaces));
    report.labs.push(prefix);
    report.namespaces.push(...namespaces.filter((ns) => allNamespaces.includes(ns)));
  }
  // Namespaces named like a lab but with no state directory at all: their run is long gone.
  const orphans = root !== DEFAULT_LAB_ROOT ? [] : allNamespaces.filter((ns) => {
    const prefix = ns.slice(0, 9);
    return LAB_PREFIX_PATTERN.test(prefix) && ns.length > 9 && !liveOrUnknownPrefixes.has(prefix)
      && !report.labs.includes(prefix);
  });
  if (orphans.length > 0) {
    killNamespaceProcessesSync(orphans);
    report.failures.push(...deleteNamespacesSync(orphans));
    report.namespaces.push(...orphans);
  }
  return report;
}

function listLabPrefixes(root: string): string[] {
  try {
    return readdirSync(root).filter((name) => LAB_PREFIX_PATTERN.test(name));
  } catch {
    return [];
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
