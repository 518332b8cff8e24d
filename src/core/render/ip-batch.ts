// Renders plan operations as `ip -batch` lines. Pure: no I/O, every token validated first.
//
// Choices the kernel forces (see docs and the tests that pin them):
// - One family per batch: the adapter runs `ip -4 -batch -` and `ip -6 -batch -` separately.
//   Family is not a per-line option in batch mode, and without `-6` a rule with no address
//   selector (`rule add priority 10 fwmark 1 lookup 100`) would silently be an IPv4 rule.
// - Deletes always carry `proto <ours>` (plus table, metric, tos, type): fib_table_delete,
//   ip6_route_del and the rule lookup of fib_nl_delrule skip objects of another protocol, so a
//   delete can only ever remove our own object; a foreign one at the same key stays (ESRCH).
// - `route.replace` is rendered as a proto-guarded `route del` of the previous route followed by
//   `route add`, never as `route replace`: a kernel replace overwrites whatever holds the key,
//   whatever its protocol. If a foreign route took the key since we observed it, the del fails
//   with ESRCH and the add fails with EEXIST, and nothing foreign is overwritten. The cost is a
//   window of microseconds in which the prefix falls back to a less specific route.
// - Everything is numeric (tables, protocols, scopes): no dependence on /etc/iproute2 name files.
// - Attributes come before the nexthop list: iproute2 hands every word after `nexthop` to the
//   nexthop parser, so an IPv6 `table N` written after it would be lost.
import { FibwardenError } from "../errors.js";
import type { InterfaceAddress } from "../model/address.js";
import { routeKey } from "../model/keys.js";
import { isNexthopLessType, ROUTE_TYPES, type Nexthop, type Route } from "../model/route.js";
import type { Rule } from "../model/rule.js";
import type { Family } from "../net/ip.js";
import { canonicalAddressMemo, canonicalPrefixFast, createMemo } from "../parse/fast-canonical.js";
import type { PlanOp } from "../plan/types.js";
import { assertIntegerInRange, assertInterfaceName, isInterfaceName, refuseToken } from "./tokens.js";

const U32 = 0xffffffff;

/** Options of the renderer. */
export interface RenderOptions {
  /** fibwarden's protocol number: every delete is guarded with it, and deletes of other protocols are refused. */
  ownProtocol: number;
}

/** The `ip -<family> -batch -` input of one family, with the op index that produced each line. */
export interface IpBatch {
  family: Family;
  lines: string[];
  /** `opIndex[i]` is the index (in the rendered op list) of the op that produced `lines[i]`. */
  opIndex: number[];
}

/** An op the renderer refused, with the FW_INVALID_TOKEN error that says which field. */
export interface RefusedOp {
  index: number;
  error: FibwardenError;
}

/** The result of rendering a list of ops. */
export interface RenderedBatches {
  /** Non-empty batches, IPv4 first; each op's lines keep the op order. */
  batches: IpBatch[];
  refused: RefusedOp[];
  /** Indices of ops that are not ip commands (sysctl.set): the caller writes them to /proc. */
  notIp: number[];
  /** The lines of each op, by op index (undefined for refused and sysctl ops). */
  linesByOp: Array<string[] | undefined>;
}

// Hot path (100k ops per apply): field names for error messages are only built on failure,
// and repeated gateways and device names are validated once (bounded memos).

/** FW_INVALID_TOKEN for `${base}.${name}`, with the original error as cause when there is one. */
function refuseField(base: string, name: string, why: string, value: unknown, cause?: unknown): never {
  const field = name === "" ? base : `${base}.${name}`;
  if (cause === undefined) refuseToken(field, why, value);
  throw new FibwardenError("FW_INVALID_TOKEN", `${field}: ${why}`, { cause, details: { field, value } });
}

const isIntIn = (n: unknown, min: number, max: number): n is number =>
  typeof n === "number" && Number.isInteger(n) && n >= min && n <= max;

function int(n: unknown, min: number, max: number, base: string, name: string): number {
  if (!isIntIn(n, min, max)) refuseField(base, name, `must be an integer in ${min}..${max}`, n);
  return n;
}

function family(f: unknown, base: string): Family {
  if (f !== 4 && f !== 6) refuseField(base, "family", "family must be 4 or 6", f);
  return f;
}

function prefix(text: unknown, fam: Family, base: string, name: string): string {
  if (typeof text !== "string") refuseField(base, name, "must be a prefix", text);
  try {
    return canonicalPrefixFast(text, fam);
  } catch (cause) {
    return refuseField(base, name, cause instanceof Error ? cause.message : String(cause), text, cause);
  }
}

function address(text: unknown, fam: Family, base: string, name: string): string {
  if (typeof text !== "string") refuseField(base, name, "must be an address", text);
  try {
    return canonicalAddressMemo(text, fam);
  } catch (cause) {
    return refuseField(base, name, cause instanceof Error ? cause.message : String(cause), text, cause);
  }
}

const goodNames = createMemo(4096, (name) => isInterfaceName(name));

function ifname(name: unknown, base: string, field: string): string {
  if (typeof name !== "string" || !goodNames(name)) assertInterfaceName(name, `${base}.${field}`);
  return name as string;
}

const hex = (n: number, width: number): string => `0x${n.toString(16).padStart(width, "0")}`;
const ROUTE_TYPE_SET: ReadonlySet<string> = new Set(ROUTE_TYPES);

function checkOwnProtocol(opts: RenderOptions): number {
  return assertIntegerInRange(opts.ownProtocol, 1, 255, "ownProtocol");
}

// Lines are built as word lists joined once: the result is one flat string, where chains of
// `+=` would leave each of 100k lines as a tree of string pieces for the GC to copy around.
function pushNexthop(words: string[], nh: Nexthop, fam: Family, base: string, i: number, multipath: boolean): void {
  const at = `${base}.nexthops[${i}]`;
  if (nh.gateway === undefined && nh.dev === undefined) refuseField(at, "", "a nexthop needs a gateway or a device", nh);
  if (multipath) words.push("nexthop");
  if (nh.gateway !== undefined) words.push("via", address(nh.gateway, fam, at, "gateway"));
  if (nh.dev !== undefined) words.push("dev", ifname(nh.dev, at, "dev"));
  const weight = int(nh.weight, 1, 256, at, "weight");
  if (multipath) words.push("weight", String(weight));
  else if (weight !== 1) refuseField(at, "weight", "a single-path route has no weight (the kernel keeps 1)", weight);
  if (typeof nh.onlink !== "boolean") refuseField(at, "onlink", "must be a boolean", nh.onlink);
  if (nh.onlink) words.push("onlink");
}

/** Pushes the words that identify a route to the kernel: type, destination, [tos], table. */
function pushRouteSelector(words: string[], r: Route, base: string): Family {
  const fam = family(r.family, base);
  if (!ROUTE_TYPE_SET.has(r.type)) refuseField(base, "type", "unknown route type", r.type);
  words.push(r.type, prefix(r.dst, fam, base, "dst"));
  if (fam === 4) words.push("tos", hex(int(r.tos, 0, 255, base, "tos"), 2));
  else if (r.tos !== 0) refuseField(base, "tos", "IPv6 routes have no TOS", r.tos);
  words.push("table", String(int(r.table, 1, U32, base, "table")));
  return fam;
}

/** `route add ...` for a model route. */
export function renderRouteAdd(r: Route, base = "route"): string {
  const words = ["route", "add"];
  const fam = pushRouteSelector(words, r, base);
  words.push("proto", String(int(r.protocol, 0, 255, base, "protocol")), "metric", String(int(r.metric, 0, U32, base, "metric")));
  if (fam === 4) words.push("scope", String(int(r.scope, 0, 255, base, "scope")));
  if (r.prefsrc !== undefined) words.push("src", address(r.prefsrc, fam, base, "prefsrc"));
  const nhs = r.nexthops;
  if (!Array.isArray(nhs)) refuseField(base, "nexthops", "must be an array", nhs);
  if (isNexthopLessType(r.type)) {
    if (nhs.length > 0) refuseField(base, "nexthops", `a ${r.type} route has no nexthop`, nhs);
  } else if (nhs.length === 0) {
    if (r.type === "unicast") refuseField(base, "nexthops", "a unicast route needs a nexthop", nhs);
  } else {
    for (let i = 0; i < nhs.length; i++) pushNexthop(words, nhs[i]!, fam, base, i, nhs.length > 1);
  }
  return words.join(" ");
}

/** `route del ... proto <ours>`: removes our route at this key and nothing else. */
export function renderRouteDelete(r: Route, opts: RenderOptions, base = "route"): string {
  const own = checkOwnProtocol(opts);
  if (r.protocol !== own) refuseField(base, "protocol", `refusing to delete a route that is not ours (protocol ${own})`, r.protocol);
  const words = ["route", "del"];
  pushRouteSelector(words, r, base);
  words.push("proto", String(own), "metric", String(int(r.metric, 0, U32, base, "metric")));
  return words.join(" ");
}

function ruleWords(r: Rule, base: string): string[] {
  const fam = family(r.family, base);
  if (r.extra !== undefined) refuseField(base, "extra", "selectors fibwarden does not model cannot be rendered", r.extra);
  const words = ["priority", String(int(r.priority, 0, U32, base, "priority"))];
  if (r.from !== undefined) words.push("from", prefix(r.from, fam, base, "from"));
  if (r.to !== undefined) words.push("to", prefix(r.to, fam, base, "to"));
  if (r.iif !== undefined) words.push("iif", ifname(r.iif, base, "iif"));
  if (r.oif !== undefined) words.push("oif", ifname(r.oif, base, "oif"));
  if (r.fwmark !== undefined) {
    const value = int(r.fwmark.value, 0, U32, base, "fwmark.value");
    const mask = int(r.fwmark.mask, 0, U32, base, "fwmark.mask");
    words.push("fwmark", `${hex(value, 1)}/${hex(mask, 1)}`);
  }
  if (int(r.tos, 0, 255, base, "tos") !== 0) words.push("tos", hex(r.tos, 2));
  switch (r.action) {
    case "lookup":
      words.push("lookup", String(int(r.table, 1, U32, base, "table")));
      break;
    case "goto":
      words.push("goto", String(int(r.gotoPriority, 0, U32, base, "gotoPriority")));
      break;
    case "nop": case "blackhole": case "unreachable": case "prohibit":
      words.push(r.action);
      break;
    default:
      refuseField(base, "action", "unknown rule action", r.action);
  }
  return words;
}

/** `rule add priority P [selectors] <action> proto N`. */
export function renderRuleAdd(r: Rule, base = "rule"): string {
  const words = ruleWords(r, base);
  words.push("proto", String(int(r.protocol, 0, 255, base, "protocol")));
  return `rule add ${words.join(" ")}`;
}

/** `rule del` with every selector and `proto <ours>`: removes our rule and nothing else. */
export function renderRuleDelete(r: Rule, opts: RenderOptions, base = "rule"): string {
  const own = checkOwnProtocol(opts);
  if (r.protocol !== own) refuseField(base, "protocol", `refusing to delete a rule that is not ours (protocol ${own})`, r.protocol);
  return `rule del ${[...ruleWords(r, base), "proto", String(own)].join(" ")}`;
}

function addressWords(a: InterfaceAddress, base: string): { fam: Family; words: string[] } {
  const fam = family(a.family, base);
  const len = int(a.prefixlen, 0, fam === 4 ? 32 : 128, base, "prefixlen");
  const dev = ifname(a.dev, base, "dev");
  const words = [`${address(a.address, fam, base, "address")}/${len}`, "dev", dev];
  if (a.label !== undefined) {
    if (fam === 6) refuseField(base, "label", "IPv6 addresses have no label", a.label);
    const label = ifname(a.label, base, "label");
    if (!label.startsWith(dev)) refuseField(base, "label", `an IPv4 label must begin with the device name ${dev}`, label);
    words.push("label", label);
  }
  return { fam, words };
}

/**
 * `address add A/L dev D [label L] scope S [nodad]`. IPv6 addresses get `nodad`: fibwarden's
 * addresses are VIPs, shared by design, and DAD would only hold them tentative (unusable as a
 * source) or mark them failed.
 */
export function renderAddressAdd(a: InterfaceAddress, base = "address"): string {
  const { fam, words } = addressWords(a, base);
  words.push("scope", String(int(a.scope, 0, 255, base, "scope")));
  if (fam === 6) words.push("nodad");
  return `address add ${words.join(" ")}`;
}

/** `address del A/L dev D [label L]`: with a label the kernel only removes the address carrying it. */
export function renderAddressDelete(a: InterfaceAddress, base = "address"): string {
  return `address del ${addressWords(a, base).words.join(" ")}`;
}

/** The family of an ip op, or undefined for ops that are not ip commands (sysctl.set). */
export function opFamily(op: PlanOp): Family | undefined {
  switch (op.kind) {
    case "route.add": case "route.replace": case "route.delete": return op.route.family;
    case "rule.add": case "rule.delete": return op.rule.family;
    case "address.add": case "address.delete": return op.address.family;
    case "sysctl.set": return undefined;
  }
}

/** Renders the `ip -batch` lines of one op; throws FW_INVALID_TOKEN naming the refused field. */
export function renderOpLines(op: PlanOp, opts: RenderOptions): string[] {
  switch (op.kind) {
    case "route.add":
      return [renderRouteAdd(op.route)];
    case "route.delete":
      return [renderRouteDelete(op.route, opts)];
    case "route.replace": {
      if (op.previous.family !== op.route.family || routeKey(op.previous) !== routeKey(op.route)) {
        refuseToken("previous", "a replace must keep the kernel key of the route it replaces", routeKey(op.previous));
      }
      return [renderRouteDelete(op.previous, opts, "previous"), renderRouteAdd(op.route)];
    }
    case "rule.add":
      return [renderRuleAdd(op.rule)];
    case "rule.delete":
      return [renderRuleDelete(op.rule, opts)];
    case "address.add":
      return [renderAddressAdd(op.address)];
    case "address.delete":
      return [renderAddressDelete(op.address)];
    case "sysctl.set":
      return refuseToken("kind", "sysctl.set is written to /proc, not rendered as an ip command", op.kind);
  }
}

/** Renders ops into one batch per family; refused ops are listed, never half-rendered. */
export function renderIpBatches(ops: readonly PlanOp[], opts: RenderOptions): RenderedBatches {
  checkOwnProtocol(opts);
  const byFamily: Record<Family, IpBatch> = {
    4: { family: 4, lines: [], opIndex: [] },
    6: { family: 6, lines: [], opIndex: [] },
  };
  const refused: RefusedOp[] = [];
  const notIp: number[] = [];
  const linesByOp = new Array<string[] | undefined>(ops.length);
  for (let index = 0; index < ops.length; index++) {
    const op = ops[index]!;
    const fam = opFamily(op);
    if (fam === undefined) {
      notIp.push(index);
      continue;
    }
    let lines: string[];
    try {
      family(fam, "op");
      lines = renderOpLines(op, opts);
    } catch (error) {
      // An op the model's types do not allow (a null nexthop, a null fwmark) fails inside the
      // renderer with a TypeError: refused like any bad token, so the other ops still render.
      refused.push({ index, error: error instanceof FibwardenError ? error : malformedOp(index, error) });
      continue;
    }
    linesByOp[index] = lines;
    const batch = byFamily[fam];
    for (const line of lines) {
      batch.lines.push(line);
      batch.opIndex.push(index);
    }
  }
  return { batches: [byFamily[4], byFamily[6]].filter((b) => b.lines.length > 0), refused, notIp, linesByOp };
}

function malformedOp(index: number, cause: unknown): FibwardenError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new FibwardenError("FW_INVALID_TOKEN", `operation ${index} is malformed: ${why}`, { cause, details: { field: "op", value: index } });
}

/** Renders ops strictly: the lines per family, or the first refusal thrown. */
export function renderIpBatchText(ops: readonly PlanOp[], opts: RenderOptions): Record<Family, string> {
  const { batches, refused } = renderIpBatches(ops, opts);
  if (refused[0] !== undefined) throw refused[0].error;
  const out: Record<Family, string> = { 4: "", 6: "" };
  for (const b of batches) out[b.family] = `${b.lines.join("\n")}\n`;
  return out;
}
