// Dirty keys: what changed since the last plan. A key is dirty when either side changed at it.
// Besides the keys, the trackers record the IP addresses that a change touched (the preferred
// source of a route before and after, the address itself), because a route that is gone no
// longer says which address it used: `closeKeys` (src/core/plan/close-keys.ts) needs them.

/** Keys per kind, as the planner takes them. */
export interface KeySet {
  routes: ReadonlySet<string>;
  rules: ReadonlySet<string>;
  addresses: ReadonlySet<string>;
  sysctls: ReadonlySet<string>;
}

/** Dirty keys per kind, and the addresses the changes touched. */
export interface DirtyKeys {
  /**
   * True when every key is to be planned (trackers never planned yet): the per-key sets are then
   * not kept, and closeKeys returns every key.
   */
  everything: boolean;
  routes: Set<string>;
  rules: Set<string>;
  addresses: Set<string>;
  sysctls: Set<string>;
  /** IPs a change touched: a route's preferred source (before and after), an address. */
  ips: Set<string>;
}

/** An empty set of dirty keys. */
export function emptyDirty(everything = false): DirtyKeys {
  return { everything, routes: new Set(), rules: new Set(), addresses: new Set(), sysctls: new Set(), ips: new Set() };
}
