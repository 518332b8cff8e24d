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
import { detach, regionMatches } from "./strings.js";

/** Attribute kinds the route parser treats specially (see `classifyAttribute`). */
export const ATTR = {
  OTHER: 0, ORIGIN: 1, PATH: 2, NEXT_HOP: 3, MED: 4, LOCAL_PREF: 5, COMMUNITY: 6, EXT_COMMUNITY: 7,
  LARGE_COMMUNITY: 8, TYPE: 9, SOURCE: 10, FROM: 11, IGNORED: 12,
} as const;

/** The kind of a BGP attribute by the name after `BGP.`/`bgp_` (name lengths are all distinct). */
function classifyBgpName(text: string, at: number, len: number, legacy: boolean): number {
  switch (len) {
    case 6: return regionMatches(text, at, "origin") ? ATTR.ORIGIN : ATTR.OTHER;
    case 7: return regionMatches(text, at, "as_path") && legacy ? ATTR.PATH : ATTR.OTHER;
    case 4: return regionMatches(text, at, "path") && !legacy ? ATTR.PATH : ATTR.OTHER;
    case 8: return regionMatches(text, at, "next_hop") ? ATTR.NEXT_HOP : ATTR.OTHER;
    case 3: return regionMatches(text, at, "med") ? ATTR.MED : ATTR.OTHER;
    case 10: return regionMatches(text, at, "local_pref") ? ATTR.LOCAL_PREF : ATTR.OTHER;
    case 9: return regionMatches(text, at, "community") ? ATTR.COMMUNITY : ATTR.OTHER;
    case 13: return regionMatches(text, at, "ext_community") ? ATTR.EXT_COMMUNITY : ATTR.OTHER;
    case 15: return regionMatches(text, at, "large_community") ? ATTR.LARGE_COMMUNITY : ATTR.OTHER;
    default: return ATTR.OTHER;
  }
}

function matches(text: string, at: number, len: number, name: string): boolean {
  return len === name.length && regionMatches(text, at, name);
}

/**
 * Classifies the attribute whose name is `text[1, colon)` without slicing it: attribute lines
 * are most of a `show route all` reply, so this runs millions of times.
 */
export function classifyAttribute(text: string, colon: number): number {
  const len = colon - 1;
  const c = text.charCodeAt(1);
  if (c === 66 /* B */ && regionMatches(text, 1, "BGP.")) return classifyBgpName(text, 5, len - 4, true);
  if (c === 98 /* b */ && regionMatches(text, 1, "bgp_")) return classifyBgpName(text, 5, len - 4, false);
  if (matches(text, 1, len, "Type")) return ATTR.TYPE;
  if (matches(text, 1, len, "source")) return ATTR.SOURCE;
  if (matches(text, 1, len, "from")) return ATTR.FROM;
  // BIRD 3: `preference` repeats the route line; `igp_metric` is BIRD 3 only (BIRD 2 shows it
  // at most inside the info parentheses), and keeping it would make the same route parse
  // differently by version; `Internal route handling values` are debugging ids.
  if (matches(text, 1, len, "preference") || matches(text, 1, len, "igp_metric")
    || matches(text, 1, len, "Internal route handling values")) return ATTR.IGNORED;
  return ATTR.OTHER;
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
 * Stores one complete attribute on the route: `kind` from `classifyAttribute`, the value is
 * `text` from offset `from`, and `name` is the normalized name (only needed for OTHER).
 */
export function applyAttribute(
  route: BirdRoute, kind: number, name: string | undefined, text: string, from: number, addresses: AddressCache,
): void {
  switch (kind) {
    case ATTR.ORIGIN: {
      const v = parseBgpOriginAt(text, from);
      if (v !== undefined) { bgpOf(route).origin = v; return; }
      break;
    }
    case ATTR.PATH: {
      const v = parseAsPathAt(text, from);
      if (v !== undefined) { bgpOf(route).asPath = v; return; }
      break;
    }
    case ATTR.NEXT_HOP: {
      const v = parseNextHopListAt(text, from, addresses);
      if (v !== undefined) { bgpOf(route).nextHop = v; return; }
      break;
    }
    case ATTR.MED: {
      const v = parseU32At(text, from);
      if (v !== undefined) { bgpOf(route).med = v; return; }
      break;
    }
    case ATTR.LOCAL_PREF: {
      const v = parseU32At(text, from);
      if (v !== undefined) { bgpOf(route).localPref = v; return; }
      break;
    }
    case ATTR.COMMUNITY: {
      const v = parseCommunitiesAt(text, from);
      if (v !== undefined) { bgpOf(route).communities = v; return; }
      break;
    }
    case ATTR.EXT_COMMUNITY: {
      const v = parseExtCommunities(text.slice(from));
      if (v !== undefined) { bgpOf(route).extCommunities = v; return; }
      break;
    }
    case ATTR.LARGE_COMMUNITY: {
      const v = parseLargeCommunitiesAt(text, from);
      if (v !== undefined) { bgpOf(route).largeCommunities = v; return; }
      break;
    }
    default:
      break;
  }
  // Unknown attribute, or a known one in a form we do not recognise: keep it as text.
  const key = name ?? TYPED_NAMES[kind] ?? "unknown";
  (route.attributes ??= {})[key] = detach(text.slice(from));
}
