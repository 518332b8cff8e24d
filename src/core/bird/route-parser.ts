// Streaming parser of `show route [all]` replies from BIRD 1.6, 2.x and 3.x.
//
// The three versions print the same route differently:
//   BIRD 1.6   `10.0.0.0/24   via 10.1.1.1 on eth0 [bgp1 12:00:00] * (100) [AS65000i]` — the
//              nexthop sits on the route line (`dev X`, `blackhole`, or `multipath` followed by
//              tab-indented `via` lines); no `Table` headers; `Type: BGP unicast univ`.
//   BIRD 2     `10.0.0.0/24   unicast [bgp1 12:00:00.000] * (100) [AS65000i]` then tab-indented
//              nexthop lines; `Table master4:` headers; `Type: BGP univ`; `BGP.as_path: ...`.
//   BIRD 3     as BIRD 2 but no `Type:` line; generic attributes first (`preference`, `from`,
//              `source`), `bgp_path`-style names, and a last `Internal route handling values`.
// Every route of a network after the first leaves the network column blank. Nexthop lines
// carry code 1007 (the route list) and attribute lines 1008/1012, which is how the two kinds
// of tab-indented lines are told apart.
//
// Speed: a table of a million routes repeats a few distinct nexthop lines, attribute lines
// and route-line tails (`unicast [peer time] * (100) [AS65000i]`), so each distinct one is
// parsed once and its (frozen) result reused; only the network is parsed on every route.
import { FibwardenError } from "../errors.js";
import type { Family, Prefix } from "../net/ip.js";
import { AddressCache, canonicalNetwork } from "./addresses.js";
import { consumeLines, ReplyConsumer } from "./consumer.js";
import type { ReplyLine } from "./framing.js";
import {
  assignAttribute, ATTR, classifyAttribute, normalizeAttributeName, normalizeSource, parseAttributeValue,
} from "./route-attributes.js";
import { destFromWord, parseNextHopWords, parseRouteInfo, RouteSyntaxError } from "./route-line.js";
import type { BirdNextHop, BirdRoute, BirdRouteDest } from "./route-types.js";
import { detach, parseUint, regionMatches, StringInterner } from "./strings.js";

/** Options of the route parser. */
export interface RouteParserOptions {
  /** Receives each route as soon as it is complete. */
  onRoute: (route: BirdRoute) => void;
  /**
   * Table of routes printed before any `Table X:` header. BIRD 1.6 prints no headers, so pass
   * the table the command asked for (`show route table t1`); default "master".
   */
  defaultTable?: string;
}

const CODE_ROUTE_LIST = 1007;
const CC_TAB = 9;
const CC_SPACE = 32;
/**
 * Upper bound of each cache of distinct lines. Keys are detached copies: a key sliced from a
 * reply line would keep that line's whole decoded chunk alive for the rest of the parse.
 */
const CACHE_LIMIT = 8192;

/** Everything a route line says after its network column. */
interface RouteTail {
  dest: BirdRouteDest;
  /** BIRD 1.6's nexthop on the route line (frozen), or undefined. */
  nexthop: BirdNextHop | undefined;
  protocol: string;
  since: string;
  from: string | undefined;
  primary: boolean;
  syncError: boolean;
  preference: number;
  summary?: string;
  info?: string;
}

/** A distinct attribute line, classified once. */
interface AttributeEntry {
  kind: number;
  /** Normalized name, for attributes kept as text. */
  name: string | undefined;
  valueAt: number;
  /** Parsed on first use: the typed value, or the text (or source/from) for the others. */
  parsed: boolean;
  typed: unknown;
  raw: string;
}

function skipSpaces(text: string, pos: number): number {
  while (text.charCodeAt(pos) === CC_SPACE) pos++;
  return pos;
}

/** Index of the colon that ends an attribute name (`: ` or a colon at the end), or -1. */
function findKeyColon(text: string): number {
  const colon = text.indexOf(": ", 1);
  if (colon >= 0) return colon;
  return text.charCodeAt(text.length - 1) === 58 /* : */ ? text.length - 1 : -1;
}

/** A state machine that turns the lines of a `show route` reply into BirdRoute records. */
export class RouteParser extends ReplyConsumer {
  private readonly onRoute: (route: BirdRoute) => void;
  private readonly strings = new StringInterner();
  private readonly addresses = new AddressCache();
  private readonly nexthopCache = new Map<string, BirdNextHop>();
  private readonly headCache = new Map<string, { dest: BirdRouteDest; protocol: string }>();
  private prevHeadText = "";
  private prevHead: { dest: BirdRouteDest; protocol: string } | undefined;
  private prevSince = "";
  private prevSummary = "";
  private readonly attributeCache = new Map<string, AttributeEntry>();
  private table: string;
  private route: BirdRoute | undefined;
  private network: Prefix | undefined;
  private family: Family = 4;
  private mplsLabel: number | undefined;
  // The attribute being read; kept pending because BIRD may wrap its value onto more lines.
  private attr: AttributeEntry | undefined;
  private attrText = "";
  private attrWrapped = false;
  // The i-th nexthop and attribute line of the previous route, and what they parsed to:
  // routes from the same peer repeat them, and comparing two strings is cheaper than hashing.
  private readonly prevNexthopText: string[] = [];
  private readonly prevNexthop: BirdNextHop[] = [];
  private readonly prevAttrText: string[] = [];
  private readonly prevAttr: AttributeEntry[] = [];
  private nexthopIndex = 0;
  private attrIndex = 0;
  private emitted = 0;

  constructor(opts: RouteParserOptions) {
    super();
    this.onRoute = opts.onRoute;
    this.table = opts.defaultTable ?? "master";
  }

  /** Number of routes emitted so far. */
  get routeCount(): number {
    return this.emitted;
  }

  protected onLine(code: number, text: string): void {
    if (text.charCodeAt(0) === CC_TAB) {
      if (this.route === undefined) throw this.parseError("a nexthop or attribute line precedes any route", text);
      try {
        if (code === CODE_ROUTE_LIST) this.addNextHop(text);
        else this.addAttribute(text);
      } catch (err) {
        throw this.wrapError(err, text);
      }
      return;
    }
    if (code !== CODE_ROUTE_LIST) throw this.parseError(`unexpected code ${code} in a route list`, text);
    this.flushRoute();
    if (text.length === 0) return; // blank line between two tables
    if (text.charCodeAt(0) === 84 /* T */ && regionMatches(text, 0, "Table ") && text.endsWith(":")) {
      this.table = this.strings.intern(text.slice(6, -1));
      this.network = undefined;
      return;
    }
    try {
      this.startRoute(text);
    } catch (err) {
      throw this.wrapError(err, text);
    }
  }

  protected onFinal(): void {
    this.flushRoute();
  }

  private startRoute(text: string): void {
    let pos: number;
    if (text.charCodeAt(0) === CC_SPACE) {
      if (this.network === undefined) throw new RouteSyntaxError("a route without a network comes first");
      pos = skipSpaces(text, 0);
    } else {
      const sp = text.indexOf(" ");
      if (sp < 0) throw new RouteSyntaxError("incomplete route line");
      const netText = text.slice(0, sp);
      this.network = canonicalNetwork(netText);
      this.family = netText.indexOf(":") >= 0 ? 6 : 4;
      this.mplsLabel = undefined;
      pos = skipSpaces(text, sp);
      if (regionMatches(text, pos, "mpls ")) { // BIRD 3: `10.0.0.0/24 mpls 100`
        const end = text.indexOf(" ", pos + 5);
        this.mplsLabel = parseUint(text.slice(pos + 5, end < 0 ? text.length : end));
        if (this.mplsLabel === undefined || end < 0) throw new RouteSyntaxError("bad MPLS label");
        pos = skipSpaces(text, end);
      }
    }
    const tail = this.fastTail(text, pos) ?? this.parseTail(text.slice(pos));
    this.nexthopIndex = 0;
    this.attrIndex = 0;
    this.route = {
      table: this.table,
      network: this.network as Prefix,
      family: this.family,
      mplsLabel: this.mplsLabel,
      dest: tail.dest,
      nexthops: tail.nexthop === undefined ? [] : [tail.nexthop],
      protocol: tail.protocol,
      since: tail.since,
      from: tail.from,
      primary: tail.primary,
      syncError: tail.syncError,
      preference: tail.preference,
      summary: tail.summary,
      info: tail.info,
      source: undefined,
      bgp: undefined,
      attributes: undefined,
    };
  }

  /**
   * The common BIRD 2/3 tail `<dest> [<proto> <time>] [*] (<pref>) [<summary>]`, parsed in one
   * pass without slicing the whole tail; undefined for anything else (then parseTail decides).
   */
  private fastTail(text: string, pos: number): RouteTail | undefined {
    const open = text.indexOf(" [", pos);
    if (open < 0) return undefined;
    const sp = text.indexOf(" ", open + 2);
    const close = text.indexOf("]", open + 2);
    if (sp < 0 || close < 0 || sp > close) return undefined;
    // dest word and protocol: few distinct, compared with the previous route's first
    const head = text.slice(pos, sp);
    let hd = head === this.prevHeadText ? this.prevHead : this.headCache.get(head);
    if (hd === undefined) {
      const dest = destFromWord(text.slice(pos, open));
      if (dest === undefined) return undefined;
      hd = { dest, protocol: this.strings.intern(text.slice(open + 2, sp)) };
      if (this.headCache.size < CACHE_LIMIT) this.headCache.set(detach(head), hd);
    }
    this.prevHeadText = head;
    this.prevHead = hd;
    // time: no space inside (a `from X` or a two-word time format goes the slow way)
    if (text.indexOf(" ", sp + 1) < close && text.indexOf(" ", sp + 1) >= 0) return undefined;
    const sinceText = text.slice(sp + 1, close);
    const since = sinceText === this.prevSince ? this.prevSince : this.strings.short(sinceText);
    this.prevSince = since;
    let p = close + 1;
    let primary = false;
    let syncError = false;
    const mark = text.charCodeAt(p + 1);
    if (text.charCodeAt(p) === CC_SPACE && (mark === 42 || mark === 33) && text.charCodeAt(p + 2) === CC_SPACE) {
      primary = true;
      syncError = mark === 33;
      p += 2;
    }
    if (text.charCodeAt(p) !== CC_SPACE || text.charCodeAt(p + 1) !== 40 /* ( */) return undefined;
    p += 2;
    let preference = 0;
    const digitsAt = p;
    for (let d = text.charCodeAt(p) - 48; d >= 0 && d <= 9; d = text.charCodeAt(++p) - 48) preference = preference * 10 + d;
    if (p === digitsAt || text.charCodeAt(p) !== 41 /* ) */) return undefined;
    p++;
    let summary: string | undefined;
    if (p < text.length) {
      if (text.charCodeAt(p) !== CC_SPACE || text.charCodeAt(p + 1) !== 91 || text.charCodeAt(text.length - 1) !== 93) return undefined;
      const sumText = text.slice(p + 2, text.length - 1);
      summary = sumText === this.prevSummary ? this.prevSummary : this.strings.short(sumText);
      this.prevSummary = summary;
    }
    return { dest: hd.dest, nexthop: undefined, protocol: hd.protocol, since, from: undefined, primary, syncError, preference, summary, info: undefined };
  }

  /** Parses `unicast [proto time (from X)] * (pref) [summary]` (BIRD 1.6: `via X on Y [...]`). */
  private parseTail(text: string): RouteTail {
    const open = text.indexOf("[");
    const close = open < 0 ? -1 : text.indexOf("]", open);
    if (close < 0) throw new RouteSyntaxError("the route line has no [protocol time] part");

    const destText = text.slice(0, open).trimEnd();
    let dest = destFromWord(destText);
    let nexthop: BirdNextHop | undefined;
    if (dest === undefined) {
      // BIRD 1.6 prints a single nexthop in place of the destination word.
      if (!destText.startsWith("via ") && !destText.startsWith("dev ")) {
        throw new RouteSyntaxError(`unknown route destination ${JSON.stringify(destText)}`);
      }
      nexthop = Object.freeze(parseNextHopWords(destText.split(" "), this.addresses, this.strings));
      dest = "unicast";
    }

    const sp = text.indexOf(" ", open + 1);
    if (sp < 0 || sp > close) throw new RouteSyntaxError("the route line has no time");
    const fromAt = text.indexOf(" from ", sp);
    const hasFrom = fromAt >= 0 && fromAt < close;
    let p = close + 1;
    let primary = false;
    let syncError = false;
    if (text.charCodeAt(p) === CC_SPACE) {
      const mark = text.charCodeAt(p + 1);
      const after = text.charCodeAt(p + 2);
      if ((mark === 42 /* * */ || mark === 33 /* ! */) && (after === CC_SPACE || Number.isNaN(after))) {
        primary = true;
        syncError = mark === 33;
        p += 2;
      }
    }
    const tail: RouteTail = {
      dest,
      nexthop,
      protocol: this.strings.intern(text.slice(open + 1, sp)),
      since: this.strings.intern(text.slice(sp + 1, hasFrom ? fromAt : close)),
      from: hasFrom ? this.addresses.canonical(text.slice(fromAt + 6, close)) : undefined,
      primary,
      syncError,
      preference: 0,
      summary: undefined,
      info: undefined,
    };
    parseRouteInfo(text.slice(skipSpaces(text, p)), this.strings, tail);
    return tail;
  }

  private addNextHop(text: string): void {
    const i = this.nexthopIndex++;
    let nh: BirdNextHop | undefined;
    if (text === this.prevNexthopText[i]) {
      nh = this.prevNexthop[i] as BirdNextHop;
    } else {
      nh = this.nexthopCache.get(text);
      if (nh === undefined) {
        nh = parseNextHopWords(text.slice(1).split(" "), this.addresses, this.strings);
        if (nh.mpls !== undefined) Object.freeze(nh.mpls);
        Object.freeze(nh);
        if (this.nexthopCache.size < CACHE_LIMIT) this.nexthopCache.set(detach(text), nh);
      }
      this.prevNexthopText[i] = text;
      this.prevNexthop[i] = nh;
    }
    (this.route as BirdRoute).nexthops.push(nh);
  }

  private addAttribute(text: string): void {
    const route = this.route as BirdRoute;
    if (text.charCodeAt(1) === CC_TAB) {
      // BIRD wraps long community lists onto lines indented by two tabs.
      if (this.attr === undefined) throw new RouteSyntaxError("a wrapped attribute line has no attribute");
      this.attrText = `${this.attrWrapped ? this.attrText : this.attrText.slice(this.attr.valueAt)} ${text.slice(2)}`;
      this.attrWrapped = true;
      return;
    }
    this.flushAttribute();
    const i = this.attrIndex++;
    let entry: AttributeEntry | undefined;
    if (text === this.prevAttrText[i]) {
      entry = this.prevAttr[i] as AttributeEntry;
    } else {
      entry = this.attributeCache.get(text);
      if (entry === undefined) {
        entry = this.classifyLine(text);
        if (this.attributeCache.size < CACHE_LIMIT) this.attributeCache.set(detach(text), entry);
      }
      this.prevAttrText[i] = text;
      this.prevAttr[i] = entry;
    }
    switch (entry.kind) {
      case ATTR.TYPE: // BIRD 1.6 `BGP unicast univ`, BIRD 2 `BGP univ`: only the source is common
      case ATTR.SOURCE: // BIRD 3
        route.source = entry.raw;
        return;
      case ATTR.FROM: // BIRD 3 prints it always; BIRD 2 only in the brackets when it differs from the gateway
        if (route.from === undefined) route.from = entry.raw;
        return;
      case ATTR.IGNORED:
        return;
      default:
        this.attr = entry;
        this.attrText = text;
        this.attrWrapped = false;
    }
  }

  /** Classifies a distinct attribute line; the generic attributes are resolved at once. */
  private classifyLine(text: string): AttributeEntry {
    const colon = findKeyColon(text);
    if (colon < 0) throw new RouteSyntaxError("an attribute line has no colon");
    const valueAt = Math.min(colon + 2, text.length);
    const key = text.slice(1, colon);
    const kind = classifyAttribute(key);
    const entry: AttributeEntry = {
      kind, name: kind === ATTR.OTHER ? normalizeAttributeName(key) : undefined, valueAt,
      parsed: false, typed: undefined, raw: "",
    };
    if (kind === ATTR.TYPE || kind === ATTR.SOURCE) {
      const end = kind === ATTR.TYPE ? text.indexOf(" ", valueAt) : -1;
      entry.raw = this.strings.intern(normalizeSource(text.slice(valueAt, end < 0 ? text.length : end)));
      entry.parsed = true;
    } else if (kind === ATTR.FROM) {
      entry.raw = this.addresses.canonical(text.slice(valueAt));
      entry.parsed = true;
    }
    return entry;
  }

  private flushAttribute(): void {
    const entry = this.attr;
    if (entry === undefined) return;
    this.attr = undefined;
    const route = this.route as BirdRoute;
    if (this.attrWrapped) {
      const text = this.attrText;
      assignAttribute(route, entry.kind, entry.name, parseAttributeValue(entry.kind, text, 0, this.addresses), detach(text));
      return;
    }
    if (!entry.parsed) {
      entry.typed = parseAttributeValue(entry.kind, this.attrText, entry.valueAt, this.addresses);
      if (entry.typed === undefined) entry.raw = detach(this.attrText.slice(entry.valueAt));
      entry.parsed = true;
    }
    assignAttribute(route, entry.kind, entry.name, entry.typed, entry.raw);
  }

  private flushRoute(): void {
    const route = this.route;
    if (route === undefined) return;
    this.flushAttribute();
    this.route = undefined;
    if (route.from !== undefined && route.from === route.nexthops[0]?.gateway) route.from = undefined;
    this.emitted++;
    this.onRoute(route);
  }

  private wrapError(err: unknown, text: string): unknown {
    if (err instanceof RouteSyntaxError) return this.parseError(`bad route line: ${err.message}`, text, err);
    if (err instanceof FibwardenError && (err.code === "FW_INVALID_PREFIX" || err.code === "FW_INVALID_ADDRESS")) {
      return this.parseError(`bad route line: ${err.message}`, text, err);
    }
    return err;
  }
}

/** Parses a whole (small) `show route` reply into an array. */
export function parseRoutes(lines: Iterable<ReplyLine>, opts: Omit<RouteParserOptions, "onRoute"> = {}): BirdRoute[] {
  const routes: BirdRoute[] = [];
  consumeLines(new RouteParser({ ...opts, onRoute: (r) => routes.push(r) }), lines);
  return routes;
}
