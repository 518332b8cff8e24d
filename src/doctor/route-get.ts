// The kernel's own route lookup, `ip [-4|-6] -json route get DST [from SRC] [iif DEV]`, parsed
// into one result: the route it picked, or why the lookup failed. Pure: no I/O. iproute2 6.1
// prints JSON; a text parser is kept for older iproute2 without `-json` support for `route get`.
//
// How the kernel words failures matters here: an input lookup (`iif DEV`) that fails the
// reverse-path check (rp_filter) is a martian source, which netlink reports as EINVAL ("Invalid
// argument"), not EXDEV; a lookup that finds an `unreachable` route or no route reports
// ENETUNREACH; forwarding off for a non-local destination reports EHOSTUNREACH.
import { z } from "zod";
import { tableNumber } from "../core/model/names.js";
import { addressFamily, canonicalAddress } from "../core/net/ip.js";

/** Why a lookup failed, from the kernel's errno as iproute2 prints it. */
export type RouteLookupFailure =
  | "invalid" // EINVAL: martian source (rp_filter, a local or bogus source), blackhole route
  | "unreachable" // ENETUNREACH: no route, or an `unreachable` route
  | "host-unreachable" // EHOSTUNREACH: e.g. input to a non-local address with forwarding off
  | "prohibited" // EACCES: a `prohibit` route
  | "other";

/** The route the kernel picked. */
export interface RouteLookupHit {
  ok: true;
  /** Route type: `unicast`, `local`... */
  type: string;
  /** Output device (`lo` for local delivery). */
  dev: string;
  /** Next hop, canonical; absent for a directly connected destination. */
  gateway?: string;
  /** Table of the route (main 254 unless the lookup says otherwise; local 255 for local routes). */
  table: number;
  /** Preferred source address, canonical. */
  prefsrc?: string;
  /** Input interface of an input lookup (`iif`). */
  iif?: string;
}

/** A failed lookup. */
export interface RouteLookupMiss {
  ok: false;
  failure: RouteLookupFailure;
  /** iproute2's message, e.g. `RTNETLINK answers: Network is unreachable`. */
  message: string;
}

/** The result of one `ip route get`. */
export type RouteLookup = RouteLookupHit | RouteLookupMiss;

const wireRouteGet = z.array(z.looseObject({
  type: z.string().optional(),
  dst: z.string(),
  gateway: z.string().optional(),
  dev: z.string().optional(),
  table: z.union([z.string(), z.number()]).optional(),
  prefsrc: z.string().optional(),
  iif: z.string().optional(),
})).min(1);

const canonicalOrUndefined = (text: string | undefined): string | undefined =>
  text !== undefined && addressFamily(text) !== undefined ? canonicalAddress(text) : undefined;

function toHit(w: { type?: string; dev?: string; gateway?: string; table?: string | number; prefsrc?: string; iif?: string }): RouteLookup {
  const type = w.type ?? "unicast";
  if (w.dev === undefined) return { ok: false, failure: "other", message: `route get answered without a device (type ${type})` };
  const table = w.table === undefined ? (type === "local" ? 255 : 254) : tableNumber(w.table);
  if (table === undefined) return { ok: false, failure: "other", message: `route get answered with an unknown table ${JSON.stringify(w.table)}` };
  const hit: RouteLookupHit = { ok: true, type, dev: w.dev, table };
  const gateway = canonicalOrUndefined(w.gateway);
  const prefsrc = canonicalOrUndefined(w.prefsrc);
  if (gateway !== undefined) hit.gateway = gateway;
  if (prefsrc !== undefined) hit.prefsrc = prefsrc;
  if (w.iif !== undefined) hit.iif = w.iif;
  return hit;
}

/** Parses the stdout of `ip -json route get` (a one-element array). */
export function parseRouteGetJson(stdout: string): RouteLookup {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    return { ok: false, failure: "other", message: `route get: not JSON: ${JSON.stringify(stdout.slice(0, 200))}` };
  }
  const parsed = wireRouteGet.safeParse(data);
  if (!parsed.success) return { ok: false, failure: "other", message: `route get: unexpected JSON: ${parsed.error.issues[0]?.message ?? "?"}` };
  return toHit(parsed.data[0]!);
}

const TEXT_TYPES = new Set(["local", "unicast", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw"]);
const TEXT_KEYS: Record<string, "gateway" | "dev" | "table" | "prefsrc" | "iif"> = { via: "gateway", dev: "dev", table: "table", src: "prefsrc", iif: "iif" };

/** Parses the text stdout of `ip route get` (`10.0.0.2 from 10.1.1.1 via 10.0.0.1 dev eth1 table 100 uid 0`). */
export function parseRouteGetText(stdout: string): RouteLookup {
  const words = stdout.trim().split(/\s+/).filter((w) => w !== "");
  const w: { type?: string; gateway?: string; dev?: string; table?: string; prefsrc?: string; iif?: string } = {};
  let i = 0;
  if (words[0] !== undefined && TEXT_TYPES.has(words[0])) w.type = words[i++];
  i++; // the destination
  for (; i < words.length; i++) {
    const key = TEXT_KEYS[words[i]!];
    if (key === undefined) continue;
    const value = words[i + 1];
    if (value === undefined) break;
    w[key] = value;
    i++;
  }
  return toHit(w);
}

/** Parses the stdout of `ip route get`, JSON or text. */
export function parseRouteGet(stdout: string): RouteLookup {
  return stdout.trimStart().startsWith("[") ? parseRouteGetJson(stdout) : parseRouteGetText(stdout);
}

/** Classifies the stderr of a failed `ip route get`. */
export function routeGetFailure(stderr: string): RouteLookupMiss {
  const message = stderr.trim().split("\n").filter((l) => l.trim() !== "").join("; ") || "route get failed";
  const failure: RouteLookupFailure = /Invalid argument/i.test(message) ? "invalid"
    : /Network is unreachable/i.test(message) ? "unreachable"
      : /No route to host/i.test(message) ? "host-unreachable"
        : /Permission denied/i.test(message) ? "prohibited"
          : "other";
  return { ok: false, failure, message };
}
