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
import { FibwardenError } from "../errors.js";
import type { Family, Prefix } from "../net/ip.js";
import { AddressCache, canonicalNetwork } from "./addresses.js";
import { consumeLines, ReplyConsumer } from "./consumer.js";
import type { ReplyLine } from "./framing.js";
import { applyAttribute, ATTR, classifyAttribute, normalizeAttributeName, normalizeSource } from "./route-attributes.js";
import { destFromWord, parseNextHopWords, parseRouteInfo, RouteSyntaxError } from "./route-line.js";
import type { BirdNextHop, BirdRoute, BirdRouteDest } from "./route-types.js";
import { parseUint, regionMatches, StringInterner } from "./strings.js";

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

/** Index of the colon that ends an attribute name (`: ` or a colon at the end), or -1. */
function findKeyColon(text: string): number {
  const n = text.length;
  for (let i = 1; i < n; i++) {
    if (text.charCodeAt(i) === 58 /* : */ && (i + 1 === n || text.charCodeAt(i + 1) === CC_SPACE)) return i;
  }
  return -1;
}

function skipSpaces(text: string, pos: number): number {
  while (text.charCodeAt(pos) === CC_SPACE) pos++;
  return pos;
}

/** Copies a cached nexthop, keeping only the keys that are present. */
function cloneNextHop(nh: BirdNextHop): BirdNextHop {
  const copy: BirdNextHop = nh.gateway === undefined
    ? { device: nh.device, weight: nh.weight, onlink: nh.onlink }
    : nh.device === undefined
      ? { gateway: nh.gateway, weight: nh.weight, onlink: nh.onlink }
      : { gateway: nh.gateway, device: nh.device, weight: nh.weight, onlink: nh.onlink };
  if (nh.mpls !== undefined) copy.mpls = nh.mpls.slice();
  return copy;
}

const NO_ATTRIBUTE = -1;

/** A state machine that turns the lines of a `show route` reply into BirdRoute records. */
export class RouteParser extends ReplyConsumer {
  private readonly onRoute: (route: BirdRoute) => void;
  private readonly strings = new StringInterner();
  private readonly addresses = new AddressCache();
  /** Parsed nexthop lines by text: a table has few distinct nexthops. */
  private readonly nexthops = new Map<string, BirdNextHop>();
  private table: string;
  private route: BirdRoute | undefined;
  private network: Prefix | undefined;
  private family: Family = 4;
  private mplsLabel: number | undefined;
  // The attribute being read; kept pending because BIRD may wrap its value onto more lines.
  private attrKind: number = NO_ATTRIBUTE;
  private attrName: string | undefined;
  private attrText = "";
  private attrFrom = 0;
  // Consecutive routes mostly repeat these; comparing in place avoids a substring and a lookup.
  private lastProtocol = "";
  private lastSince = "";
  private lastInfoText = "";
  private lastPreference = 0;
  private lastSummary: string | undefined;
  private lastInfo: string | undefined;
  private lastTypeText = "";
  private lastTypeSource = "";
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
    const open = text.indexOf("[", pos);
    const close = open < 0 ? -1 : text.indexOf("]", open);
    if (close < 0) throw new RouteSyntaxError("the route line has no [protocol time] part");

    const nexthops: BirdNextHop[] = [];
    let dest: BirdRouteDest | undefined;
    if (open - pos === 8 && regionMatches(text, pos, "unicast ")) {
      dest = "unicast";
    } else {
      const destText = text.slice(pos, open).trimEnd();
      dest = destFromWord(destText);
      if (dest === undefined) {
        // BIRD 1.6 prints a single nexthop in place of the destination word.
        if (!destText.startsWith("via ") && !destText.startsWith("dev ")) {
          throw new RouteSyntaxError(`unknown route destination ${JSON.stringify(destText)}`);
        }
        nexthops.push(parseNextHopWords(destText.split(" "), this.addresses, this.strings));
        dest = "unicast";
      }
    }

    const sp = text.indexOf(" ", open + 1);
    if (sp < 0 || sp > close) throw new RouteSyntaxError("the route line has no time");
    let protocol = this.lastProtocol;
    if (!(sp - open - 1 === protocol.length && regionMatches(text, open + 1, protocol))) {
      protocol = this.lastProtocol = this.strings.intern(text.slice(open + 1, sp));
    }
    const fromAt = text.indexOf(" from ", sp);
    const hasFrom = fromAt >= 0 && fromAt < close;
    const sinceEnd = hasFrom ? fromAt : close;
    let since = this.lastSince;
    if (!(sinceEnd - sp - 1 === since.length && regionMatches(text, sp + 1, since))) {
      since = this.lastSince = this.strings.intern(text.slice(sp + 1, sinceEnd));
    }
    const from = hasFrom ? this.addresses.canonical(text.slice(fromAt + 6, close)) : undefined;

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

    const route: BirdRoute = {
      table: this.table,
      network: this.network as Prefix,
      family: this.family,
      mplsLabel: this.mplsLabel,
      dest,
      nexthops,
      protocol,
      since,
      from,
      primary,
      syncError,
      preference: 0,
      summary: undefined,
      info: undefined,
      source: undefined,
      bgp: undefined,
      attributes: undefined,
    };
    p = skipSpaces(text, p);
    const info = this.lastInfoText;
    if (text.length - p === info.length && info.length > 0 && regionMatches(text, p, info)) {
      route.preference = this.lastPreference;
      route.summary = this.lastSummary;
      route.info = this.lastInfo;
    } else {
      parseRouteInfo(text.slice(p), this.strings, route);
      this.lastInfoText = this.strings.intern(text.slice(p));
      this.lastPreference = route.preference;
      this.lastSummary = route.summary;
      this.lastInfo = route.info;
    }
    this.route = route;
  }

  private addNextHop(text: string): void {
    let nh = this.nexthops.get(text);
    if (nh === undefined) {
      nh = parseNextHopWords(text.slice(1).split(" "), this.addresses, this.strings);
      if (this.nexthops.size < 4096) this.nexthops.set(text, nh);
    }
    (this.route as BirdRoute).nexthops.push(cloneNextHop(nh));
  }

  private addAttribute(text: string): void {
    const route = this.route as BirdRoute;
    if (text.charCodeAt(1) === CC_TAB) {
      // BIRD wraps long community lists onto lines indented by two tabs.
      if (this.attrKind === NO_ATTRIBUTE) throw new RouteSyntaxError("a wrapped attribute line has no attribute");
      this.attrText = `${this.attrText.slice(this.attrFrom)} ${text.slice(2)}`;
      this.attrFrom = 0;
      return;
    }
    this.flushAttribute();
    const colon = findKeyColon(text);
    if (colon < 0) throw new RouteSyntaxError("an attribute line has no colon");
    const valueAt = Math.min(colon + 2, text.length);
    const kind = classifyAttribute(text, colon);
    switch (kind) {
      case ATTR.TYPE: { // BIRD 1.6 `BGP unicast univ`, BIRD 2 `BGP univ`: only the source is common
        if (text !== this.lastTypeText) {
          const sp = text.indexOf(" ", valueAt);
          this.lastTypeSource = this.strings.intern(normalizeSource(text.slice(valueAt, sp < 0 ? text.length : sp)));
          this.lastTypeText = text;
        }
        route.source = this.lastTypeSource;
        return;
      }
      case ATTR.SOURCE: // BIRD 3
        route.source = this.strings.intern(normalizeSource(text.slice(valueAt)));
        return;
      case ATTR.FROM: // BIRD 3 prints it always; BIRD 2 only in the brackets when it differs from the gateway
        if (route.from === undefined) route.from = this.addresses.canonical(text.slice(valueAt));
        return;
      case ATTR.IGNORED:
        return;
      default:
        this.attrKind = kind;
        this.attrName = kind === ATTR.OTHER ? normalizeAttributeName(text.slice(1, colon)) : undefined;
        this.attrText = text;
        this.attrFrom = valueAt;
    }
  }

  private flushAttribute(): void {
    if (this.attrKind === NO_ATTRIBUTE) return;
    applyAttribute(this.route as BirdRoute, this.attrKind, this.attrName, this.attrText, this.attrFrom, this.addresses);
    this.attrKind = NO_ATTRIBUTE;
    this.attrName = undefined;
    this.attrText = "";
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
