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

// BGP attribute names after `BGP.` (BIRD 1.6/2) or `bgp_` (BIRD 3), by kind.
const BGP_NAMES: ReadonlyArray<readonly [string, string, number]> = [
  ["origin", "origin", ATTR.ORIGIN],
  ["as_path", "path", ATTR.PATH],
  ["next_hop", "next_hop", ATTR.NEXT_HOP],
  ["med", "med", ATTR.MED],
  ["local_pref", "local_pref", ATTR.LOCAL_PREF],
  ["community", "community", ATTR.COMMUNITY],
  ["ext_community", "ext_community", ATTR.EXT_COMMUNITY],
  ["large_community", "large_community", ATTR.LARGE_COMMUNITY],
];

function matches(text: string, at: number, len: number, name: string): boolean {
  return len === name.length && text.startsWith(name, at);
}

/**
 * Classifies the attribute whose name is `text[1, colon)` without slicing it: attribute lines
 * are most of a `show route all` reply, so this runs millions of times.
 */
export function classifyAttribute(text: string, colon: number): number {
  const len = colon - 1;
  const c = text.charCodeAt(1);
  if ((c === 66 /* B */ && text.startsWith("BGP.", 1)) || (c === 98 /* b */ && text.startsWith("bgp_", 1))) {
    const legacy = c === 66;
    for (const [old, modern, kind] of BGP_NAMES) {
      if (matches(text, 5, len - 4, legacy ? old : modern)) return kind;
    }
    return ATTR.OTHER;
  }
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
