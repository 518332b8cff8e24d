// Attribute lines of `show route all`, named and typed the same whichever BIRD printed them.
//
// BIRD 1.6 and 2 name protocol attributes `BGP.as_path`, `OSPF.metric1`, `Kernel.metric`;
// BIRD 3 uses the filter-language names `bgp_path`, `ospf_metric1`, `krt_metric`. Keys are
// normalized to the BIRD 3 names, which are also the names a filter would use.
import type { AddressCache } from "./addresses.js";
import {
  parseAsPathAt, parseBgpOriginAt, parseCommunitiesAt, parseExtCommunities, parseLargeCommunitiesAt,
  parseNextHopListAt, parseU32At,
} from "./bgp-values.js";
import type { BgpAttributes, BirdRoute } from "./route-types.js";
import { detach } from "./strings.js";

/** Attribute kinds the route parser treats specially (see `classifyAttribute`). */
export const ATTR = {
  OTHER: 0, ORIGIN: 1, PATH: 2, NEXT_HOP: 3, MED: 4, LOCAL_PREF: 5, COMMUNITY: 6, EXT_COMMUNITY: 7,
  LARGE_COMMUNITY: 8, TYPE: 9, SOURCE: 10, FROM: 11, IGNORED: 12,
} as const;

// Attribute names with a special meaning, as BIRD 1.6/2 (`BGP.x`, `Type`) or BIRD 3 print them.
const KINDS = new Map<string, number>([
  ["BGP.origin", ATTR.ORIGIN], ["bgp_origin", ATTR.ORIGIN],
  ["BGP.as_path", ATTR.PATH], ["bgp_path", ATTR.PATH],
  ["BGP.next_hop", ATTR.NEXT_HOP], ["bgp_next_hop", ATTR.NEXT_HOP],
  ["BGP.med", ATTR.MED], ["bgp_med", ATTR.MED],
  ["BGP.local_pref", ATTR.LOCAL_PREF], ["bgp_local_pref", ATTR.LOCAL_PREF],
  ["BGP.community", ATTR.COMMUNITY], ["bgp_community", ATTR.COMMUNITY],
  ["BGP.ext_community", ATTR.EXT_COMMUNITY], ["bgp_ext_community", ATTR.EXT_COMMUNITY],
  ["BGP.large_community", ATTR.LARGE_COMMUNITY], ["bgp_large_community", ATTR.LARGE_COMMUNITY],
  ["Type", ATTR.TYPE], ["source", ATTR.SOURCE], ["from", ATTR.FROM],
  // BIRD 3: `preference` repeats the route line; `igp_metric` is BIRD 3 only (BIRD 2 shows it
  // at most inside the info parentheses), and keeping it would make the same route parse
  // differently by version; `Internal route handling values` are debugging ids.
  ["preference", ATTR.IGNORED], ["igp_metric", ATTR.IGNORED], ["Internal route handling values", ATTR.IGNORED],
]);

/** Classifies an attribute by its name as printed (`BGP.as_path`, `bgp_path`, `Type`...). */
export function classifyAttribute(name: string): number {
  return KINDS.get(name) ?? ATTR.OTHER;
}

const LEGACY_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ["BGP.", "bgp_"], ["OSPF.", "ospf_"], ["Kernel.", "krt_"], ["RIP.", "rip_"], ["Babel.", "babel_"],
];

const nameCache = new Map<string, string>();

/** Maps a BIRD 1.6/2 attribute name to its BIRD 3 name (`BGP.as_path` → `bgp_path`). */
export function normalizeAttributeName(raw: string): string {
  const hit = nameCache.get(raw);
  if (hit !== undefined) return hit;
  let name = raw;
  if (raw === "BGP.as_path") name = "bgp_path";
  else {
    for (const [legacy, modern] of LEGACY_PREFIXES) {
      if (raw.startsWith(legacy)) { name = modern + raw.slice(legacy.length); break; }
    }
  }
  name = detach(name);
  if (nameCache.size < 1024) nameCache.set(detach(raw), name);
  return name;
}

/** Normalizes a route source name: BIRD 1.6's `static-device` is BIRD 2/3's `static`. */
export function normalizeSource(raw: string): string {
  return raw === "static-device" ? "static" : raw;
}

const TYPED_NAMES: Record<number, string> = {
  [ATTR.ORIGIN]: "bgp_origin", [ATTR.PATH]: "bgp_path", [ATTR.NEXT_HOP]: "bgp_next_hop", [ATTR.MED]: "bgp_med",
  [ATTR.LOCAL_PREF]: "bgp_local_pref", [ATTR.COMMUNITY]: "bgp_community",
  [ATTR.EXT_COMMUNITY]: "bgp_ext_community", [ATTR.LARGE_COMMUNITY]: "bgp_large_community",
};

/** Freezes an array and the arrays or objects in it (one level down, and AS path sets' lists). */
function freezeList<T>(list: readonly T[]): readonly T[] {
  for (const item of list) {
    if (typeof item === "object" && item !== null) {
      const asns = (item as { asns?: unknown }).asns;
      if (Array.isArray(asns)) Object.freeze(asns);
      Object.freeze(item);
    }
  }
  return Object.freeze(list);
}

/**
 * Parses the value of a typed attribute (`kind` from `classifyAttribute`) at `text[from..]`.
 * Lists come back frozen so that routes can share them. Returns undefined for OTHER kinds
 * and for values in a form we do not recognise.
 */
export function parseAttributeValue(kind: number, text: string, from: number, addresses: AddressCache): unknown {
  switch (kind) {
    case ATTR.ORIGIN: return parseBgpOriginAt(text, from);
    case ATTR.MED:
    case ATTR.LOCAL_PREF: return parseU32At(text, from);
    case ATTR.PATH: { const v = parseAsPathAt(text, from); return v && freezeList(v); }
    case ATTR.NEXT_HOP: { const v = parseNextHopListAt(text, from, addresses); return v && freezeList(v); }
    case ATTR.COMMUNITY: { const v = parseCommunitiesAt(text, from); return v && freezeList(v); }
    case ATTR.EXT_COMMUNITY: { const v = parseExtCommunities(text.slice(from)); return v && freezeList(v); }
    case ATTR.LARGE_COMMUNITY: { const v = parseLargeCommunitiesAt(text, from); return v && freezeList(v); }
    default: return undefined;
  }
}

function bgpOf(route: BirdRoute): BgpAttributes {
  let bgp = route.bgp;
  if (bgp === undefined) {
    bgp = {
      origin: undefined, asPath: undefined, nextHop: undefined, med: undefined, localPref: undefined,
      communities: undefined, extCommunities: undefined, largeCommunities: undefined,
    };
    route.bgp = bgp;
  }
  return bgp;
}

/**
 * Stores an attribute on the route: a typed value from `parseAttributeValue` when `typed`
 * is defined, else `raw` under `name` (or the BIRD 3 name of the typed kind).
 */
export function assignAttribute(route: BirdRoute, kind: number, name: string | undefined, typed: unknown, raw: string): void {
  if (typed !== undefined) {
    const bgp = bgpOf(route);
    switch (kind) {
      case ATTR.ORIGIN: bgp.origin = typed as BgpAttributes["origin"]; return;
      case ATTR.PATH: bgp.asPath = typed as BgpAttributes["asPath"]; return;
      case ATTR.NEXT_HOP: bgp.nextHop = typed as BgpAttributes["nextHop"]; return;
      case ATTR.MED: bgp.med = typed as number; return;
      case ATTR.LOCAL_PREF: bgp.localPref = typed as number; return;
      case ATTR.COMMUNITY: bgp.communities = typed as BgpAttributes["communities"]; return;
      case ATTR.EXT_COMMUNITY: bgp.extCommunities = typed as BgpAttributes["extCommunities"]; return;
      case ATTR.LARGE_COMMUNITY: bgp.largeCommunities = typed as BgpAttributes["largeCommunities"]; return;
      default: break;
    }
  }
  (route.attributes ??= {})[name ?? TYPED_NAMES[kind] ?? "unknown"] = raw;
}
