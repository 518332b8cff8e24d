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
import { canonicalAddress, canonicalPrefix, type Family } from "../net/ip.js";
import type { PlanOp } from "../plan/types.js";
import { assertIntegerInRange, assertInterfaceName, refuseToken } from "./tokens.js";

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
}

/** Re-throws anything thrown by `fn` as FW_INVALID_TOKEN naming `field`, with the original as cause. */
function token<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    if (cause instanceof FibwardenError && cause.code === "FW_INVALID_TOKEN") throw cause;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new FibwardenError("FW_INVALID_TOKEN", `${field}: ${why}`, { cause, details: { field } });
  }
}

function family(f: unknown, field: string): Family {
  if (f !== 4 && f !== 6) refuseToken(field, "family must be 4 or 6", f);
  return f;
}

function prefix(text: unknown, fam: Family, field: string): string {
  if (typeof text !== "string") refuseToken(field, "must be a prefix", text);
  return token(field, () => canonicalPrefix(text, fam));
}

function address(text: unknown, fam: Family, field: string): string {
  if (typeof text !== "string") refuseToken(field, "must be an address", text);
  return token(field, () => canonicalAddress(text, fam));
}

const hex = (n: number, width: number): string => `0x${n.toString(16).padStart(width, "0")}`;

function checkOwnProtocol(opts: RenderOptions): number {
  return assertIntegerInRange(opts.ownProtocol, 1, 255, "ownProtocol");
}

function renderNexthop(nh: Nexthop, fam: Family, field: string, multipath: boolean): string {
  const words: string[] = [];
  if (nh.gateway !== undefined) words.push("via", address(nh.gateway, fam, `${field}.gateway`));
  if (nh.dev !== undefined) words.push("dev", assertInterfaceName(nh.dev, `${field}.dev`));
  if (words.length === 0) refuseToken(field, "a nexthop needs a gateway or a device", nh);
  const weight = assertIntegerInRange(nh.weight, 1, 256, `${field}.weight`);
  if (multipath) words.push("weight", String(weight));
  else if (weight !== 1) refuseToken(`${field}.weight`, "a single-path route has no weight (the kernel keeps 1)", weight);
  if (typeof nh.onlink !== "boolean") refuseToken(`${field}.onlink`, "must be a boolean", nh.onlink);
  if (nh.onlink) words.push("onlink");
  return multipath ? `nexthop ${words.join(" ")}` : words.join(" ");
}

/** The words that identify a route to the kernel: type, destination, [tos], table. */
function routeSelector(r: Route, field: string): { fam: Family; words: string[] } {
  const fam = family(r.family, `${field}.family`);
  if (!(ROUTE_TYPES as readonly string[]).includes(r.type)) refuseToken(`${field}.type`, "unknown route type", r.type);
  const words = [r.type, prefix(r.dst, fam, `${field}.dst`)];
  if (fam === 4) words.push("tos", hex(assertIntegerInRange(r.tos, 0, 255, `${field}.tos`), 2));
  else if (r.tos !== 0) refuseToken(`${field}.tos`, "IPv6 routes have no TOS", r.tos);
  words.push("table", String(assertIntegerInRange(r.table, 1, U32, `${field}.table`)));
  return { fam, words };
}

/** `route add ...` for a model route. */
export function renderRouteAdd(r: Route, field = "route"): string {
  const { fam, words } = routeSelector(r, field);
  words.push("proto", String(assertIntegerInRange(r.protocol, 0, 255, `${field}.protocol`)));
  words.push("metric", String(assertIntegerInRange(r.metric, 0, U32, `${field}.metric`)));
  if (fam === 4) words.push("scope", String(assertIntegerInRange(r.scope, 0, 255, `${field}.scope`)));
  if (r.prefsrc !== undefined) words.push("src", address(r.prefsrc, fam, `${field}.prefsrc`));
  if (!Array.isArray(r.nexthops)) refuseToken(`${field}.nexthops`, "must be an array", r.nexthops);
  if (isNexthopLessType(r.type)) {
    if (r.nexthops.length > 0) refuseToken(`${field}.nexthops`, `a ${r.type} route has no nexthop`, r.nexthops);
  } else if (r.nexthops.length === 0) {
    if (r.type === "unicast") refuseToken(`${field}.nexthops`, "a unicast route needs a nexthop", r.nexthops);
  } else if (r.nexthops.length === 1) {
    words.push(renderNexthop(r.nexthops[0]!, fam, `${field}.nexthops[0]`, false));
  } else {
    r.nexthops.forEach((nh, i) => words.push(renderNexthop(nh, fam, `${field}.nexthops[${i}]`, true)));
  }
  return `route add ${words.join(" ")}`;
}

/** `route del ... proto <ours>`: removes our route at this key and nothing else. */
export function renderRouteDelete(r: Route, opts: RenderOptions, field = "route"): string {
  const own = checkOwnProtocol(opts);
  if (r.protocol !== own) refuseToken(`${field}.protocol`, `refusing to delete a route that is not ours (protocol ${own})`, r.protocol);
  const { words } = routeSelector(r, field);
  words.push("proto", String(own), "metric", String(assertIntegerInRange(r.metric, 0, U32, `${field}.metric`)));
  return `route del ${words.join(" ")}`;
}

function ruleWords(r: Rule, field: string): string[] {
  const fam = family(r.family, `${field}.family`);
  if (r.extra !== undefined) refuseToken(`${field}.extra`, "selectors fibwarden does not model cannot be rendered", r.extra);
  const words = ["priority", String(assertIntegerInRange(r.priority, 0, U32, `${field}.priority`))];
  if (r.from !== undefined) words.push("from", prefix(r.from, fam, `${field}.from`));
  if (r.to !== undefined) words.push("to", prefix(r.to, fam, `${field}.to`));
  if (r.iif !== undefined) words.push("iif", assertInterfaceName(r.iif, `${field}.iif`));
  if (r.oif !== undefined) words.push("oif", assertInterfaceName(r.oif, `${field}.oif`));
  if (r.fwmark !== undefined) {
    const value = assertIntegerInRange(r.fwmark.value, 0, U32, `${field}.fwmark.value`);
    const mask = assertIntegerInRange(r.fwmark.mask, 0, U32, `${field}.fwmark.mask`);
    words.push("fwmark", `${hex(value, 1)}/${hex(mask, 1)}`);
  }
  if (assertIntegerInRange(r.tos, 0, 255, `${field}.tos`) !== 0) words.push("tos", hex(r.tos, 2));
  switch (r.action) {
    case "lookup":
      words.push("lookup", String(assertIntegerInRange(r.table, 1, U32, `${field}.table`)));
      break;
    case "goto":
      words.push("goto", String(assertIntegerInRange(r.gotoPriority, 0, U32, `${field}.gotoPriority`)));
      break;
    case "nop": case "blackhole": case "unreachable": case "prohibit":
      words.push(r.action);
      break;
    default:
      refuseToken(`${field}.action`, "unknown rule action", r.action);
  }
  return words;
}

/** `rule add priority P [selectors] <action> proto N`. */
export function renderRuleAdd(r: Rule, field = "rule"): string {
  const words = ruleWords(r, field);
  words.push("proto", String(assertIntegerInRange(r.protocol, 0, 255, `${field}.protocol`)));
  return `rule add ${words.join(" ")}`;
}

/** `rule del` with every selector and `proto <ours>`: removes our rule and nothing else. */
export function renderRuleDelete(r: Rule, opts: RenderOptions, field = "rule"): string {
  const own = checkOwnProtocol(opts);
  if (r.protocol !== own) refuseToken(`${field}.protocol`, `refusing to delete a rule that is not ours (protocol ${own})`, r.protocol);
  return `rule del ${[...ruleWords(r, field), "proto", String(own)].join(" ")}`;
}

function addressWords(a: InterfaceAddress, field: string): { fam: Family; words: string[] } {
  const fam = family(a.family, `${field}.family`);
  const len = assertIntegerInRange(a.prefixlen, 0, fam === 4 ? 32 : 128, `${field}.prefixlen`);
  const dev = assertInterfaceName(a.dev, `${field}.dev`);
  const words = [`${address(a.address, fam, `${field}.address`)}/${len}`, "dev", dev];
  if (a.label !== undefined) {
    if (fam === 6) refuseToken(`${field}.label`, "IPv6 addresses have no label", a.label);
    const label = assertInterfaceName(a.label, `${field}.label`);
    if (!label.startsWith(dev)) refuseToken(`${field}.label`, `an IPv4 label must begin with the device name ${dev}`, label);
    words.push("label", label);
  }
  return { fam, words };
}

/**
 * `address add A/L dev D [label L] scope S [nodad]`. IPv6 addresses get `nodad`: fibwarden's
 * addresses are VIPs, shared by design, and DAD would only hold them tentative (unusable as a
 * source) or mark them failed.
 */
export function renderAddressAdd(a: InterfaceAddress, field = "address"): string {
  const { fam, words } = addressWords(a, field);
  words.push("scope", String(assertIntegerInRange(a.scope, 0, 255, `${field}.scope`)));
  if (fam === 6) words.push("nodad");
  return `address add ${words.join(" ")}`;
}

/** `address del A/L dev D [label L]`: with a label the kernel only removes the address carrying it. */
export function renderAddressDelete(a: InterfaceAddress, field = "address"): string {
  return `address del ${addressWords(a, field).words.join(" ")}`;
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
  ops.forEach((op, index) => {
    const fam = opFamily(op);
    if (fam === undefined) {
      notIp.push(index);
      return;
    }
    let lines: string[];
    try {
      family(fam, "family");
      lines = renderOpLines(op, opts);
    } catch (error) {
      if (!(error instanceof FibwardenError)) throw error;
      refused.push({ index, error });
      return;
    }
    for (const line of lines) {
      byFamily[fam].lines.push(line);
      byFamily[fam].opIndex.push(index);
    }
  });
  return { batches: [byFamily[4], byFamily[6]].filter((b) => b.lines.length > 0), refused, notIp };
}

/** Renders ops strictly: the lines per family, or the first refusal thrown. */
export function renderIpBatchText(ops: readonly PlanOp[], opts: RenderOptions): Record<Family, string> {
  const { batches, refused } = renderIpBatches(ops, opts);
  if (refused[0] !== undefined) throw refused[0].error;
  const out: Record<Family, string> = { 4: "", 6: "" };
  for (const b of batches) out[b.family] = b.lines.map((l) => `${l}\n`).join("");
  return out;
}
