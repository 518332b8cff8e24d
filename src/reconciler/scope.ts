// What the next pass must observe. Kernel events and VIP changes only add to it; the pass reads
// it. Everything: a resync (a monitor restart, lost events, no complete observation yet). Else:
// the route events to set or delete on the trackers' live side, the scopes to re-read from the
// kernel (a family's routes, one table's routes, rules, addresses, links, sysctls) and the VIPs
// whose configuration changed. An event that cannot be read, and every kernel action known to
// change state without events (link down, address removal, a partial IPv6 multipath delete),
// marks its scope to be re-read: the kernel is asked, never imitated.
import type { KernelChange, RouteChange } from "../adapters/ports.js";
import type { Family } from "../core/net/ip.js";
import type { AddressEvent, RuleEvent } from "../core/parse/ip-monitor-objects.js";

/** What to re-read from the kernel. */
export interface Rereads {
  /** Every route of these families. */
  families: Set<Family>;
  /** The routes of single tables: `family|table`. */
  tables: Set<string>;
  rules: boolean;
  addresses: boolean;
  links: boolean;
  sysctls: boolean;
}

/** What the next pass must observe. */
export interface PassScope {
  /** Why everything must be observed again; undefined when the rest of the scope says what. */
  resync: string | undefined;
  /** Route events with their routes, in order. */
  routes: RouteChange[];
  /** Rule and address events: checked against the trackers at the pass (a disagreement re-reads). */
  ruleEvents: RuleEvent[];
  addressEvents: AddressEvent[];
  reread: Rereads;
  /** VIP addresses (canonical) whose configuration changed (added, removed or edited). */
  vips: Set<string>;
}

/** A scope that asks for nothing (or for a resync, with its reason). */
export function emptyScope(resync?: string): PassScope {
  return {
    resync, routes: [], ruleEvents: [], addressEvents: [], vips: new Set(),
    reread: { families: new Set(), tables: new Set(), rules: false, addresses: false, links: false, sysctls: false },
  };
}

/** True when the scope asks for nothing. */
export function isEmptyScope(s: PassScope): boolean {
  const r = s.reread;
  return s.resync === undefined && s.routes.length === 0 && s.ruleEvents.length === 0 && s.addressEvents.length === 0
    && s.vips.size === 0 && r.families.size === 0 && r.tables.size === 0 && !r.rules && !r.addresses && !r.links && !r.sysctls;
}

/** Adds a batch of kernel changes to `scope`. */
export function noteKernelChange(scope: PassScope, change: KernelChange): void {
  if (change.resync) scope.resync ??= "the kernel monitor restarted: events may be lost";
  if (change.routesTruncated) scope.resync ??= "more changes than one batch lists";
  const kinds = new Set(change.kinds);
  const reread = scope.reread;
  if (kinds.has("rule")) {
    if (change.rules === undefined || change.rules.some((e) => e === undefined)) reread.rules = true;
    else scope.ruleEvents.push(...(change.rules as RuleEvent[]));
  }
  if (kinds.has("address")) {
    if (change.addresses === undefined || change.addresses.some((e) => e === undefined)) {
      // An unread address event may be a removal: its silent route flushes are re-read too.
      reread.addresses = true;
      reread.families.add(4).add(6);
    } else scope.addressEvents.push(...(change.addresses as AddressEvent[]));
  }
  if (kinds.has("link")) reread.links = true;
  if (kinds.has("link") || kinds.has("netconf")) reread.sysctls = true;
  if ((change.unreadRoutes ?? 0) > 0 || (change.unreadRoutes === undefined && kinds.has("route") && change.routes.length === 0)) {
    reread.families.add(4).add(6);
  }
  for (const rc of change.routes) {
    if (rc.route !== undefined) scope.routes.push(rc);
    else for (const f of rc.family === undefined ? [4, 6] as const : [rc.family]) reread.tables.add(`${f}|${rc.table}`);
  }
}

/** Merges `from` into `into` (a pass that could not run keeps its scope for the next one). */
export function mergeScope(into: PassScope, from: PassScope): void {
  into.resync ??= from.resync;
  into.routes.unshift(...from.routes);
  into.ruleEvents.unshift(...from.ruleEvents);
  into.addressEvents.unshift(...from.addressEvents);
  for (const v of from.vips) into.vips.add(v);
  const a = into.reread;
  const b = from.reread;
  for (const f of b.families) a.families.add(f);
  for (const t of b.tables) a.tables.add(t);
  a.rules ||= b.rules;
  a.addresses ||= b.addresses;
  a.links ||= b.links;
  a.sysctls ||= b.sysctls;
}
