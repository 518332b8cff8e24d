// Reads a whole route from the text of one `[ROUTE]` event of `ip monitor label route` (iproute2
// 6.1 has no JSON monitor; the text is that of `ip route show`), so a caller can update a cached
// view of the tables without a re-dump. The result equals what normalizeRoute (ip-json.ts) makes
// of the same kernel route in `ip -json -details route show`. Anything not understood gives
// undefined, and the caller must re-read instead: this parser never guesses.
//
// What the text leaves out, and why each default below is exact rather than a guess (iproute2's
// print_route and the kernel's fib_dump_info/rt6_fill_node):
// - type `unicast`, table `main`, proto `boot` and scope `global` (0) are printed whenever the
//   value differs from those. The scope is stored with the route (iproute2 picks the type's
//   default when it adds one), so a `local` route prints `scope host` and a missing scope is 0;
// - `metric` is left out when the IPv4 priority is 0; IPv6 routes always carry a metric and a
//   router preference (`pref`), IPv4 routes never carry `pref`: that is how `default` routes
//   without a gateway tell their family;
// - a host destination is printed without /32 or /128; multipath nexthops follow on lines of
//   their own (`\tnexthop via GW dev DEV weight N [flags]`), after everything else;
// - IPv6 blackhole-like routes (and IPv4 ones using a blackhole nexthop object) print `dev lo`,
//   which is not part of such a route.
// Source-specific routes (`from`), encapsulation, MPLS and cached clones cannot be expressed in
// the model (or not identically to the dump), so they give undefined, as do tos names from
// /etc/iproute2/rt_dsfield (`tos CS1`) and unknown protocol, table or scope names.
import { canonicalAddress, canonicalPrefix, type Family } from "../net/ip.js";
import { protocolNumber, scopeNumber, tableNumber } from "../model/names.js";
import { validateRoute } from "../model/normalize.js";
import { compareNexthops, isNexthopLessType, routeTypeOf, type Nexthop, type Route, type RouteType } from "../model/route.js";


/** Nexthop and route flags (print_rt_flags): state, not identity, except `onlink`. */
const FLAG_WORDS: ReadonlySet<string> = new Set([
  "dead", "onlink", "pervasive", "offload", "trap", "notify", "linkdown", "unresolved",
  "rt_offload", "rt_trap", "rt_offload_failed",
]);

const NUMBER = /^[0-9]+$/;
const DURATION = /^([0-9]+ms|[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?s)$/;

/** Route metrics (RTA_METRICS, mx_names) and the shape of their values; none is in the model. */
const METRIC_VALUES: Readonly<Record<string, RegExp>> = {
  mtu: NUMBER, window: NUMBER, rtt: DURATION, rttvar: DURATION, ssthresh: NUMBER, cwnd: NUMBER,
  advmss: NUMBER, reordering: NUMBER, hoplimit: NUMBER, initcwnd: NUMBER, rto_min: DURATION,
  initrwnd: NUMBER, quickack: NUMBER, congctl: /^[a-z0-9_]+$/i, fastopen_no_cookie: NUMBER,
};

// Realms (RTA_FLOW) are not in the model and not in normalizeRoute's result either.
const REALMS = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)?$/;
const PREFS: ReadonlySet<string> = new Set(["low", "medium", "high"]);
const NEXTHOP_WORDS: ReadonlySet<string> = new Set(["via", "dev", "weight", "realm", "realms"]);

/** The words of one nexthop: from the first line of a single-path route or a `nexthop` line. */
interface NexthopWords {
  via?: { family?: Family; host: string };
  dev?: string;
  weight?: number;
  flags: string[];
}

/** What the first line says, before defaults and canonical forms. */
interface RouteWords {
  type: RouteType;
  dst: string;
  nexthop: NexthopWords;
  table?: number;
  protocol?: number;
  scope?: number;
  tos?: number;
  prefsrc?: string;
  metric?: number;
  pref: boolean;
}

/** A cursor over the words of one line; every reader returns false when the words do not fit. */
class Words {
  private i = 0;
  private readonly seen = new Set<string>();
  constructor(private readonly words: readonly string[]) {}
  get done(): boolean { return this.i >= this.words.length; }
  peek(): string | undefined { return this.words[this.i]; }
  next(): string | undefined { return this.words[this.i++]; }
  /** Records a keyword; false when it was already seen on this line. */
  once(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}

function splitWords(line: string): string[] {
  const t = line.trim();
  return t === "" ? [] : t.split(/\s+/);
}

function parseTos(text: string): number | undefined {
  const n = /^0x[0-9a-f]{1,2}$/i.test(text) ? parseInt(text, 16) : NUMBER.test(text) ? Number(text) : NaN;
  return Number.isInteger(n) && n <= 255 ? n : undefined;
}

function parseU32(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return n <= 0xffffffff ? n : undefined;
}

/** Reads one nexthop word (`via`, `dev`, `weight`, `realm(s)`, a flag) into `nh`; false when it is none. */
function readNexthopWord(w: Words, word: string, nh: NexthopWords, multipath: boolean): boolean {
  if (FLAG_WORDS.has(word)) {
    nh.flags.push(word);
    return true;
  }
  if (!NEXTHOP_WORDS.has(word) || !w.once(word)) return false;
  switch (word) {
    case "via": {
      let host = w.next();
      let family: Family | undefined;
      // RTA_VIA (a gateway of the other family) prints the family first: `via inet6 fe80::1`.
      if (host === "inet" || host === "inet6") {
        family = host === "inet" ? 4 : 6;
        host = w.next();
      }
      if (host === undefined) return false;
      nh.via = family === undefined ? { host } : { family, host };
      return true;
    }
    case "dev": {
      const dev = w.next();
      if (dev === undefined) return false;
      nh.dev = dev;
      return true;
    }
    case "weight": {
      if (!multipath) return false;
      const text = w.next();
      const n = text === undefined ? undefined : parseU32(text);
      if (n === undefined || n < 1 || n > 256) return false;
      nh.weight = n;
      return true;
    }
    case "realm":
    case "realms": {
      const text = w.next();
      return text !== undefined && REALMS.test(text);
    }
    default:
      return false;
  }
}

/** Reads a route metric (`mtu lock 1400`, `rtt 12ms`, `features ecn`); false when `word` is none. */
function readMetric(w: Words, word: string): boolean {
  if (word === "features") {
    if (!w.once(word)) return false;
    if (w.peek() === "lock") w.next();
    // print_rtax_features: `ecn`, then the raw value in hex if other bits are set.
    if (w.peek() === "ecn") w.next();
    if (/^0x[0-9a-f]+$/i.test(w.peek() ?? "")) w.next();
    return true;
  }
  const shape = Object.prototype.hasOwnProperty.call(METRIC_VALUES, word) ? METRIC_VALUES[word] : undefined;
  if (shape === undefined || !w.once(word)) return false;
  if (w.peek() === "lock") w.next();
  const value = w.next();
  return value !== undefined && shape.test(value);
}

/** Reads the first line of a route event (after the label); undefined when a word is not understood. */
function readRouteLine(line: string): RouteWords | undefined {
  const w = new Words(splitWords(line));
  if (w.peek() === "Deleted") w.next();
  let type: RouteType = "unicast";
  const first = w.peek();
  const named = first === undefined ? undefined : routeTypeOf(first);
  if (named !== undefined) {
    type = named;
    w.next();
  }
  const dst = w.next();
  if (dst === undefined) return undefined;
  const out: RouteWords = { type, dst, nexthop: { flags: [] }, pref: false };
  while (!w.done) {
    const word = w.next()!;
    if (readNexthopWord(w, word, out.nexthop, false)) continue;
    if (readMetric(w, word)) continue;
    if (!w.once(word)) return undefined;
    const value = w.next();
    if (value === undefined) return undefined;
    switch (word) {
      case "nhid":
        // A nexthop object: with the kernel's default nexthop_compat_mode the route still
        // carries the resolved gateway and device (or multipath lines), as the dump does.
        if (parseU32(value) === undefined) return undefined;
        break;
      case "tos":
        out.tos = parseTos(value);
        if (out.tos === undefined) return undefined;
        break;
      case "table":
        out.table = tableNumber(value);
        if (out.table === undefined) return undefined;
        break;
      case "proto":
        out.protocol = protocolNumber(value);
        if (out.protocol === undefined) return undefined;
        break;
      case "scope":
        out.scope = scopeNumber(value);
        if (out.scope === undefined) return undefined;
        break;
      case "src":
        out.prefsrc = value;
        break;
      case "metric":
        out.metric = parseU32(value);
        if (out.metric === undefined) return undefined;
        break;
      case "expires":
        if (!/^-?[0-9]+sec$/.test(value)) return undefined;
        break;
      case "pref":
        if (!PREFS.has(value) && !NUMBER.test(value)) return undefined;
        out.pref = true;
        break;
      default:
        return undefined;
    }
  }
  return out;
}

/** Reads a `\tnexthop ...` continuation line; undefined when it is anything else. */
function readNexthopLine(line: string): NexthopWords | undefined {
  if (!/^\s/.test(line)) return undefined;
  const w = new Words(splitWords(line));
  if (w.next() !== "nexthop") return undefined;
  const nh: NexthopWords = { flags: [] };
  while (!w.done) {
    if (!readNexthopWord(w, w.next()!, nh, true)) return undefined;
  }
  // iproute2 prints the weight of every multipath nexthop (rtnh_hops + 1).
  return nh.weight === undefined ? undefined : nh;
}

function familyOf(words: RouteWords): Family | undefined {
  // IPv6 routes always carry RTA_PREF and RTA_PRIORITY; IPv4 routes never carry RTA_PREF.
  const family: Family = words.pref ? 6 : 4;
  if (family === 6 && words.metric === undefined) return undefined;
  if (words.dst !== "default" && words.dst.includes(":") !== (family === 6)) return undefined;
  return family;
}

function toNexthop(words: NexthopWords, family: Family): Nexthop | undefined {
  if (words.via === undefined && words.dev === undefined) return undefined;
  const nh: Nexthop = { weight: words.weight ?? 1, onlink: words.flags.includes("onlink") };
  if (words.via !== undefined) nh.gateway = canonicalAddress(words.via.host, words.via.family ?? family);
  if (words.dev !== undefined) nh.dev = words.dev;
  return nh;
}

function buildRoute(words: RouteWords, more: readonly NexthopWords[]): Route | undefined {
  const family = familyOf(words);
  if (family === undefined) return undefined;
  const single = words.nexthop.via !== undefined || words.nexthop.dev !== undefined;
  // Multipath routes print no gateway or device of their own. Their route-level flags (`dead`
  // when every nexthop is, offload state) are ignored, as normalizeRoute ignores them.
  if (more.length > 0 && single) return undefined;
  const nexthops: Nexthop[] = [];
  if (!isNexthopLessType(words.type)) {
    for (const nw of single ? [words.nexthop] : more) {
      const nh = toNexthop(nw, family);
      if (nh === undefined) return undefined;
      nexthops.push(nh);
    }
  }
  nexthops.sort(compareNexthops);
  const route: Route = {
    family,
    table: words.table ?? 254,
    dst: canonicalPrefix(words.dst, family),
    type: words.type,
    protocol: words.protocol ?? 3,
    metric: words.metric ?? 0,
    tos: family === 6 ? 0 : words.tos ?? 0,
    scope: family === 6 ? 0 : words.scope ?? 0,
    nexthops,
  };
  if (words.prefsrc !== undefined) route.prefsrc = canonicalAddress(words.prefsrc, family);
  // The kernel never reports a unicast route without a nexthop; a first line without one is a
  // multipath route whose nexthop lines are missing.
  if (route.type === "unicast" && nexthops.length === 0) return undefined;
  validateRoute(route);
  return route;
}

/**
 * Parses one route event of `ip monitor label route`: `text` is what follows the `[ROUTE]` label
 * (an optional `Deleted ` included), `continuation` the lines that followed before the next
 * labeled line (multipath nexthops). Returns the route as the ip-json normalizer would read it
 * from a dump, or undefined when any word is not understood.
 */
export function parseMonitorRoute(text: string, continuation: readonly string[] = []): Route | undefined {
  const words = readRouteLine(text);
  if (words === undefined) return undefined;
  const more: NexthopWords[] = [];
  for (const line of continuation) {
    const nh = readNexthopLine(line);
    if (nh === undefined) return undefined;
    more.push(nh);
  }
  try {
    return buildRoute(words, more);
  } catch {
    // canonicalAddress/canonicalPrefix/validateRoute refused a value: not a route we understand.
    return undefined;
  }
}
