// Attribute lines of `show route all`, named and typed the same whichever BIRD printed them.
//
// BIRD 1.6 and 2 name protocol attributes `BGP.as_path`, `OSPF.metric1`, `Kernel.metric`;
// BIRD 3 uses the filter-language names `bgp_path`, `ospf_metric1`, `krt_metric`. Keys are
// normalized to the BIRD 3 names, which are also the names a filter would use.
import type { AddressCache } from "./addresses.js";
import {
  parseAsPath, parseBgpOrigin, parseCommunities, parseExtCommunities, parseLargeCommunities, parseNextHopList,
} from "./bgp-values.js";
import type { BgpAttributes, BirdRoute } from "./route-types.js";
import { detach, parseUint } from "./strings.js";

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

/** Stores one complete attribute (name already normalized) on the route, typed when known. */
export function applyAttribute(route: BirdRoute, name: string, value: string, addresses: AddressCache): void {
  switch (name) {
    case "bgp_origin": {
      const v = parseBgpOrigin(value);
      if (v !== undefined) { bgpOf(route).origin = v; return; }
      break;
    }
    case "bgp_path": {
      const v = parseAsPath(value);
      if (v !== undefined) { bgpOf(route).asPath = v; return; }
      break;
    }
    case "bgp_next_hop": {
      const v = parseNextHopList(value, addresses);
      if (v !== undefined) { bgpOf(route).nextHop = v; return; }
      break;
    }
    case "bgp_med": {
      const v = parseUint(value);
      if (v !== undefined) { bgpOf(route).med = v; return; }
      break;
    }
    case "bgp_local_pref": {
      const v = parseUint(value);
      if (v !== undefined) { bgpOf(route).localPref = v; return; }
      break;
    }
    case "bgp_community": {
      const v = parseCommunities(value);
      if (v !== undefined) { bgpOf(route).communities = v; return; }
      break;
    }
    case "bgp_ext_community": {
      const v = parseExtCommunities(value);
      if (v !== undefined) { bgpOf(route).extCommunities = v; return; }
      break;
    }
    case "bgp_large_community": {
      const v = parseLargeCommunities(value);
      if (v !== undefined) { bgpOf(route).largeCommunities = v; return; }
      break;
    }
    default:
      break;
  }
  // Unknown attribute, or a known one in a form we do not recognise: keep it as text.
  (route.attributes ??= {})[name] = detach(value);
}
