// The compact form of a route in the trackers: its kernel key (the store's map key) and one small
// number, the id of its interned attributes (type, protocol, scope, preferred source, nexthop
// set). A million BGP routes share a handful of attribute sets, so a side of the tracker costs a
// map entry and a key string per route, not a Route object with its nexthop objects; and two
// routes at one key are equal exactly when their ids are (BIRD's export against the kernel's copy
// compares two numbers). A Route is built only when asked for (decode), with the interned nexthop
// list shared and frozen: code that tries to change it throws instead of corrupting other routes.
// The table of attribute sets only grows (ids are never reused while a store may hold them); it
// holds each distinct set once, which is what a node's routes have (peers x nexthop sets), not
// one per route.
import { nexthopsEqual, type Nexthop, type Route, type RouteType } from "../model/route.js";
import type { Codec } from "./stores.js";
import { parseRouteKey } from "./route-key.js";

/** The interned attributes of routes: everything but the key fields. */
interface RouteAttrs {
  readonly type: RouteType;
  readonly protocol: number;
  readonly scope: number;
  readonly prefsrc: string | undefined;
  readonly nexthops: readonly Nexthop[];
}

// No field can hold a NUL: addresses are canonical text, device names are C strings.
const SEP = "\u0000";

/** The text that identifies a route's attributes (equal exactly when routesEqual says so, key aside). */
function fingerprint(r: Route): string {
  let text = `${r.type}${SEP}${r.protocol}${SEP}${r.scope}${SEP}${r.prefsrc ?? ""}`;
  for (const nh of r.nexthops) {
    text += `${SEP}${nh.gateway === undefined ? "-" : `=${nh.gateway}`}${SEP}${nh.dev === undefined ? "-" : `=${nh.dev}`}${SEP}${nh.weight}${SEP}${nh.onlink ? 1 : 0}`;
  }
  return text;
}

/** Interns route attributes; encodes a route as the id of its attributes. */
export class RouteCodec implements Codec<Route, number> {
  private readonly ids = new Map<string, number>();
  private readonly attrs: RouteAttrs[] = [];
  private lastId = -1;

  /** Number of distinct attribute sets seen. */
  get size(): number {
    return this.attrs.length;
  }

  encode(r: Route): number {
    // Dumps list routes of the same attributes in runs: try the last set first.
    const last = this.attrs[this.lastId];
    if (last !== undefined && last.type === r.type && last.protocol === r.protocol && last.scope === r.scope
      && last.prefsrc === r.prefsrc && nexthopsEqual(last.nexthops, r.nexthops)) return this.lastId;
    this.lastId = this.intern(r);
    return this.lastId;
  }

  private intern(r: Route): number {
    const fp = fingerprint(r);
    const known = this.ids.get(fp);
    if (known !== undefined) return known;
    const id = this.attrs.length;
    const nexthops = Object.freeze(r.nexthops.map((nh) => Object.freeze({ ...nh })));
    this.attrs.push(Object.freeze({ type: r.type, protocol: r.protocol, scope: r.scope, prefsrc: r.prefsrc, nexthops }));
    this.ids.set(fp, id);
    return id;
  }

  decode(key: string, id: number): Route {
    const a = this.attrs[id];
    if (a === undefined) throw new Error(`route attributes ${id} were never interned`); // a programming error
    const k = parseRouteKey(key);
    const r: Route = {
      family: k.family, table: k.table, dst: k.dst, type: a.type, protocol: a.protocol, metric: k.metric, tos: k.tos,
      scope: a.scope, nexthops: a.nexthops as Nexthop[],
    };
    if (a.prefsrc !== undefined) r.prefsrc = a.prefsrc;
    return r;
  }

  same(a: number, b: number): boolean {
    return a === b;
  }

  /** The preferred source of an encoded route (without building it). */
  prefsrcOf(id: number): string | undefined {
    return this.attrs[id]!.prefsrc;
  }

  /** The protocol of an encoded route (without building it). */
  protocolOf(id: number): number {
    return this.attrs[id]!.protocol;
  }
}
