// From a validated config to the ownership policy the planner enforces. Pure.
import { assertPolicy, defaultOwnershipPolicy } from "../core/ownership.js";
import type { NumberRange, OwnershipPolicy } from "../core/ownership.js";
import { FibwardenError } from "../core/errors.js";
import { TABLE } from "../core/model/names.js";
import type { Config } from "./types.js";

const sortedUnique = <T>(items: Iterable<T>, compare?: (a: T, b: T) => number): T[] => [...new Set(items)].sort(compare);

/**
 * The announce tables fibwarden manages, sorted, each once: those listed in
 * `ownership.announceTables` (managed even when no VIP uses them, so that the announce route of
 * a removed VIP is still recognised as fibwarden's and withdrawn) and those the VIPs use.
 */
export function announceTables(config: Pick<Config, "vips"> & { ownership?: Pick<Config["ownership"], "announceTables"> }): number[] {
  return sortedUnique([
    ...(config.ownership?.announceTables ?? []),
    ...config.vips.flatMap((v) => (v.announce === undefined ? [] : [v.announce.table])),
  ], (a, b) => a - b);
}

/** The tables BIRD's kernel protocols sync, as far as the config knows: main plus `protect.tables`. */
export function protectedTables(config: Pick<Config, "protect">): number[] {
  return sortedUnique([TABLE.main, ...Object.values(config.protect.tables)], (a, b) => a - b);
}

/** Builds the ownership policy a config describes, without checking it (see configToPolicy). */
export function buildOwnershipPolicy(config: Config): OwnershipPolicy {
  const tables: NumberRange[] = [
    { ...config.ownership.tables },
    ...announceTables(config).map((t) => ({ from: t, to: t })),
  ];
  return defaultOwnershipPolicy({
    protocol: config.ownership.protocol,
    tables,
    rulePriorities: { ...config.ownership.rulePriorities },
    protectedTables: protectedTables(config),
    addressDevices: sortedUnique([...config.ownership.addressDevices, ...config.vips.map((v) => v.device)]),
    addressLabelSuffix: config.ownership.addressLabel,
    addressRanges: sortedUnique(config.ownership.vipRanges),
  });
}

/** The ownership policy of a validated config; throws FW_CONFIG_INVALID if it breaks an invariant. */
export function configToPolicy(config: Config): OwnershipPolicy {
  const policy = buildOwnershipPolicy(config);
  try {
    assertPolicy(policy);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new FibwardenError("FW_CONFIG_INVALID", `configuration: ${why}`, {
      cause: err, details: { issues: [{ path: ["ownership"], field: "ownership", message: why }] },
    });
  }
  return policy;
}
