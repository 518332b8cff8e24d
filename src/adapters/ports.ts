// The narrow interfaces the reconciler depends on: the kernel dataplane, each BIRD daemon, and
// a clock. Real adapters implement them (kernel/index.ts, bird/port.ts, clock.ts); fakes with
// failure injection implement them in tests. Types only: nothing here does I/O.
import type { BirdProtocol } from "../core/bird/protocol-types.js";
import type { BirdRoute } from "../core/bird/route-types.js";
import type { BirdStatus } from "../core/bird/status.js";
import type { InterfaceAddress } from "../core/model/address.js";
import type { Route } from "../core/model/route.js";
import type { Rule } from "../core/model/rule.js";
import type { SysctlName, SysctlValue } from "../core/model/sysctl.js";
import type { Family } from "../core/net/ip.js";
import type { LinkInfo } from "../core/parse/ip-json.js";
import type { ChangeKind, RouteChange } from "../core/parse/ip-monitor.js";
import type { AddressEvent, RuleEvent } from "../core/parse/ip-monitor-objects.js";
import type { PlanOp } from "../core/plan/types.js";
import type { FibwardenError } from "../core/errors.js";

/** What a change event says; defined in core next to the monitor parser. */
export type { ChangeKind, RouteChange } from "../core/parse/ip-monitor.js";

/** What became of one operation of an apply. */
export type OpStatus =
  | "applied" // iproute2 (or /proc) accepted it
  | "failed" // iproute2 (or /proc) reported an error for it: see `error`
  | "refused" // never sent: a token failed validation (FW_INVALID_TOKEN in `error`)
  | "unknown"; // iproute2 stopped before reporting on it (crash, timeout): see `confirmed`

/** The outcome of one operation, in the order of the ops given to `apply`. */
export interface OpResult {
  op: PlanOp;
  status: OpStatus;
  /** iproute2's or the kernel's error text, the refusal, or why the outcome is unknown. */
  error?: string;
  /** The typed error behind `error`, when there is one (refusals, sysctl write errors). */
  cause?: FibwardenError;
  /** The `ip -batch` lines sent for this op (two for a replace: guarded del, then add). */
  lines: string[];
  /**
   * What a re-read of the kernel after the apply shows: true when the kernel now holds what the
   * op intended (the object is there for add/replace/set, gone for delete), false when it does
   * not, undefined when no re-read was done.
   */
  confirmed?: boolean;
}

/** The outcome of an apply: every op's result, and counts. */
export interface ApplyResult {
  results: OpResult[];
  applied: number;
  failed: number;
  /** Wall time of the apply in milliseconds, re-read included. */
  elapsedMs: number;
  /** Set when the re-read after the apply failed: the ops it would have checked have no `confirmed`. */
  verifyError?: string;
}

/** Options of one apply. */
export interface ApplyOptions {
  /**
   * Which ops to check by re-reading the tables, rule families and addresses they touched, to
   * fill in `confirmed`: `unsure` (default: the ops that failed or whose outcome is unknown;
   * a line that succeeded was acknowledged by the kernel), `all`, or `none`. A re-read of a
   * table is a dump of the family's whole FIB (iproute2 filters by table in user space), so on
   * a node with 1M routes `all` costs a second or more even for one op. sysctl values are
   * always read back, whatever this says.
   */
  verify?: "all" | "unsure" | "none";
  signal?: AbortSignal;
}

/** One sysctl as read, with the value the kernel actually applies on this interface. */
export interface SysctlReading extends SysctlValue {
  /** The effective value (combined with `conf.all`); equal to `value` for `all` and `default`. */
  effective: number;
}

/** A debounced batch of kernel changes. */
export interface KernelChange {
  kinds: ChangeKind[];
  /** Route changes seen in the batch, at most `maxRouteDetails` of them. */
  routes: RouteChange[];
  /** True when more route (or rule, address) changes happened than the batch lists. */
  routesTruncated: boolean;
  /** Route events whose line could not be read at all: the caller must re-read routes. */
  unreadRoutes?: number;
  /** Number of monitor events in the batch. */
  events: number;
  /**
   * The batch's rule events in order, as far as the monitor text could be read (undefined where
   * it could not): the reconciler skips re-reading rules when each agrees with its cache.
   * Absent: the dataplane does not report them (re-read on any rule event).
   */
  rules?: Array<RuleEvent | undefined>;
  /** The batch's address events, like `rules`. */
  addresses?: Array<AddressEvent | undefined>;
  /**
   * True when events may have been missed (the monitor restarted): the caller should treat
   * everything as changed and do a full pass.
   */
  resync: boolean;
}

/** Options of a watch. */
export interface WatchOptions {
  /** Called with each debounced batch of changes. */
  onChange: (change: KernelChange) => void;
  /** Called when the monitor fails (it is then restarted with backoff). */
  onError?: (err: FibwardenError) => void;
  /** Quiet time before a batch is delivered (default 100 ms); a batch never waits more than 10x this. */
  debounceMs?: number;
  /** Maximum route details per batch (default 1000). */
  maxRouteDetails?: number;
  /** Stops the watch when aborted. */
  signal?: AbortSignal;
}

/** A running watch. */
export interface KernelWatch {
  /** Resolves once the monitor process is running (it may still miss a change made at once). */
  readonly started: Promise<void>;
  /** Stops the monitor, waits for its process to exit; idempotent. */
  stop(): Promise<void>;
}

/** Where streamed routes go: a part of a tracker resync (PartedResync in src/core/track). */
export interface RouteSink {
  add(route: Route): void;
  /** The dump was whole: keep what it gave. */
  commit(): void;
}

/** The kernel dataplane as the reconciler sees it. */
export interface Dataplane {
  /**
   * Every route of every table of `family` (both families when omitted), or of one `table`
   * (the kernel filters a table dump itself, so a small table reads fast beside a big one).
   */
  readRoutes(family?: Family, table?: number): Promise<Route[]>;
  /**
   * Optional: every route of every table of both families (as readRoutes), streamed while the
   * dumps are read into sinks from `part`, one per dump and attempt; a sink is committed only
   * when its dump was whole. Rejects as readRoutes does (the caller then drops every part).
   * Resolves with the number of routes. A resync of a full table uses it so that the routes are
   * never held as one list.
   */
  streamRoutes?(part: () => RouteSink): Promise<number>;
  /** Every policy rule of `family`, or of both. */
  readRules(family?: Family): Promise<Rule[]>;
  /** Every IPv4 and IPv6 address of every link. */
  readAddresses(): Promise<InterfaceAddress[]>;
  /** Every link. */
  readLinks(): Promise<LinkInfo[]>;
  /**
   * Optional: readLinks and readAddresses from one read (one `ip address show` lists both): a
   * full pass asks for both at once.
   */
  readLinksAndAddresses?(): Promise<{ links: LinkInfo[]; addresses: InterfaceAddress[] }>;
  /** rp_filter, send_redirects and accept_redirects of `all`, `default` and every interface. */
  readSysctls(names?: readonly SysctlName[]): Promise<SysctlReading[]>;
  /** Applies ops in order; never throws for one op failing (see each result). */
  apply(ops: readonly PlanOp[], opts?: ApplyOptions): Promise<ApplyResult>;
  /** Watches routes, rules, links, addresses and netconf for changes. */
  watch(opts: WatchOptions): KernelWatch;
  /**
   * Optional: ends what the dataplane keeps running between calls (the kernel dataplane's batch
   * processes). It stays usable: a later call starts what it needs again.
   */
  close?(): Promise<void>;
}

/** Options of one BIRD query. */
export interface BirdQueryOptions {
  signal?: AbortSignal;
}

/**
 * One BIRD daemon as the reconciler sees it: read-only queries over its control socket, each
 * parsed into the model at the edge. A query that BIRD refuses throws (a BIRD command error, or
 * FW_BIRD_UNAVAILABLE when the daemon cannot be reached).
 */
export interface BirdPort {
  /** The daemon's control socket path: its name in observations and signatures. */
  readonly socket: string;
  /** The version BIRD's greeting printed, once connected; undefined before. */
  readonly version: string | undefined;
  /** `show status`: version, router id, whether BIRD is up. */
  status(opts?: BirdQueryOptions): Promise<BirdStatus>;
  /**
   * `show protocols`, with `all` in detail (channels, BGP state). `family` names BIRD 1.6's
   * implicit channel (4 for bird, 6 for bird6); unset, the greeting's dialect decides.
   */
  protocols(all: boolean, family?: 4 | 6, opts?: BirdQueryOptions): Promise<BirdProtocol[]>;
  /** `show protocols all <name>`: one protocol in detail; BIRD refuses a name it does not know. */
  protocol(name: string, opts?: BirdQueryOptions): Promise<BirdProtocol | undefined>;
  /** Streams every route BIRD exports to one kernel protocol into `onRoute`; resolves with their number. */
  exportedRoutes(kernelProtocol: string, onRoute: (r: BirdRoute) => void, opts?: BirdQueryOptions): Promise<number>;
  /** Streams the routes exported to one kernel protocol at exactly `prefix` (none: 0). */
  exportedRoutesAt(kernelProtocol: string, prefix: string, onRoute: (r: BirdRoute) => void, opts?: BirdQueryOptions): Promise<number>;
  /**
   * Optional: calls `listener` when the control connection closes other than by close() (BIRD
   * stopped or restarted); returns the function that removes it. The daemon polls at once then.
   */
  onDisconnect?(listener: () => void): () => void;
  /** Closes the connection; later queries fail. */
  close(): void;
}

/** Time as the reconciler and the daemon see it. */
export interface Clock {
  /** Monotonic milliseconds: only differences mean something. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns the function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}
