// The version-independent model of `show protocols [all]`. BIRD 2/3 group import/export data
// by channel (`Channel ipv4`); BIRD 1.6 has no channels and prints the same data at protocol
// level, which the parser turns into a single channel.

/** Route counts of a channel: `Routes: 5 imported, 1 filtered, 3 exported, 2 preferred`. */
export interface BirdRouteStats {
  imported: number;
  /** Only when the channel keeps filtered routes. */
  filtered?: number;
  exported: number;
  preferred: number;
}

/**
 * `Route change stats` rows (importUpdates, importWithdraws, exportUpdates, exportWithdraws),
 * each by column (received, rejected, filtered, ignored, accepted; BIRD 3 adds rxLimit, limit);
 * BIRD's `---` is null.
 */
export type BirdChangeStats = Record<string, Record<string, number | null>>;

/** One channel of a protocol (the single implicit one for BIRD 1.6). */
export interface BirdChannel {
  /** `ipv4`, `ipv6`...; for BIRD 1.6 the family the parser was told (bird vs bird6). */
  name: string;
  /** True when BIRD printed no `Channel` line (BIRD 1.6): the data sat at protocol level. */
  implicit?: boolean;
  /** Channel state (`UP`); BIRD 1.6 has none. */
  state?: string;
  /** BIRD 3 `Import state:` / `Export state:`. */
  importState?: string;
  exportState?: string;
  table?: string;
  preference?: number;
  inputFilter?: string;
  outputFilter?: string;
  routes?: BirdRouteStats;
  changeStats?: BirdChangeStats;
  /** `BGP Next hop:` of a BGP channel, canonical addresses. */
  bgpNextHop?: string[];
  /** Other `Key: value` lines (limits...); lines without a colon have an empty value. */
  details: Record<string, string>;
}

/** The BGP session block of `show protocols all`. */
export interface BirdBgpSession {
  /** `Established`, `Active`, `Connect`... */
  state: string;
  neighborAddress?: string;
  neighborAs?: number;
  /** BIRD 2+ (BIRD 1.6 does not print it). */
  localAs?: number;
  neighborId?: string;
  /** e.g. `external AS4`. */
  session?: string;
  sourceAddress?: string;
  holdTimer?: string;
  keepaliveTimer?: string;
  lastError?: string;
  /** BIRD 2+ capability lists, one entry per line as printed (e.g. "AF announced: ipv4"). */
  localCapabilities?: string[];
  neighborCapabilities?: string[];
  /** Other lines of the block (BIRD 1.6 `Neighbor caps`, timers...). */
  details: Record<string, string>;
}

/** One protocol of `show protocols [all]`. */
export interface BirdProtocol {
  name: string;
  /** Protocol type: `BGP`, `Kernel`, `Static`, `Device`, `Direct`, `Pipe`... */
  proto: string;
  /** The protocol's main table; absent when BIRD prints `---` (BIRD 2 BGP). */
  table?: string;
  /** `up`, `down`, `start`, `stop`. */
  state: string;
  since: string;
  /** Info column, e.g. `Established` or `Active        Socket: Connection refused`. */
  info: string;
  description?: string;
  message?: string;
  /** BIRD 3 `Created:`. */
  created?: string;
  /** Channels (`show protocols all`); empty for plain `show protocols`. */
  channels: BirdChannel[];
  bgp?: BirdBgpSession;
  /** Other protocol-level lines. */
  details: Record<string, string>;
}
