// Reads routes, rules, links and addresses through `ip -json` and normalizes them into the model.
// Always one family per command: without `-4`/`-6`, `route show table all` mixes both families
// and `default` would be ambiguous.
import { FibwardenError, isFibwardenError } from "../../core/errors.js";
import type { InterfaceAddress } from "../../core/model/address.js";
import type { Route } from "../../core/model/route.js";
import type { Rule } from "../../core/model/rule.js";
import type { Family } from "../../core/net/ip.js";
import { parseIpAddrs, parseIpRules, type LinkInfo } from "../../core/parse/ip-json.js";
import { createIpRouteStream } from "../../core/parse/ip-route-stream.js";
import { assertIntegerInRange } from "../../core/render/tokens.js";
import { createBlockDecoder } from "./decode.js";
import { describeIp, runIp, type IpContext } from "./ip-command.js";
import type { RouteSink } from "../ports.js";
import { streamIpOutput } from "./stream-output.js";

/** Options of a read. */
export interface ReadOptions {
  /** Only this table (a number) instead of all tables. */
  table?: number;
  /** Directory for the route dump spool file (see stream-output.ts). */
  spoolDir?: string;
  signal?: AbortSignal;
}

/** Re-throws a parse failure as FW_KERNEL_READ naming the command; keeps errors that already do. */
function asReadError(err: unknown, command: string): FibwardenError {
  if (isFibwardenError(err) && typeof err.details.command === "string") return err;
  if (isFibwardenError(err, "FW_ABORTED")) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new FibwardenError("FW_KERNEL_READ", `\`${command}\`: output failed validation: ${why}`, {
    cause: err, details: { command },
  });
}

/** What iproute2 prints on stderr when the kernel flagged a dump NLM_F_DUMP_INTR. */
const DUMP_INTERRUPTED = "Dump was interrupted and may be inconsistent";

/** How many times one dump is tried when the kernel reports it interrupted. */
export const DUMP_ATTEMPTS = 3;

function saysInterrupted(stderr: unknown): boolean {
  return typeof stderr === "string" && stderr.includes(DUMP_INTERRUPTED);
}

/**
 * Runs a dump until the kernel does not report it interrupted, at most DUMP_ATTEMPTS times.
 * The kernel sets NLM_F_DUMP_INTR when its tables changed while it was dumping them: the dump
 * may miss or repeat objects (a torn dump), so it is never used. `dump` returns its value and
 * `ip`'s stderr; an `ip` that failed while saying so counts as interrupted too.
 */
async function readWholeDump<T>(command: string, dump: () => Promise<{ value: () => T; stderr: string }>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let interrupted: boolean;
    try {
      const { value, stderr } = await dump();
      interrupted = saysInterrupted(stderr);
      if (!interrupted) return value();
    } catch (err) {
      interrupted = isFibwardenError(err) && saysInterrupted(err.details.stderr);
      if (!interrupted) throw err;
    }
    if (attempt >= DUMP_ATTEMPTS) {
      throw new FibwardenError("FW_KERNEL_DUMP_INTERRUPTED",
        `\`${command}\`: the kernel reported the dump interrupted ${attempt} times in a row (its state kept changing during the dump); not used`,
        { retryable: true, details: { command, attempts: attempt } });
    }
  }
}

/**
 * The argument list of a route dump of one family. `-N` (numeric): iproute2 names protocols,
 * tables and scopes from /etc/iproute2/rt_protos, rt_protos.d and rt_tables, which other packages
 * extend: FRR's rt_protos.d names 196 `static`, the name of 4, and a name a site gives 201 would
 * not parse. Ownership rests on these numbers, so they are read as numbers.
 */
export function routeDumpArgs(family: Family, table?: number): string[] {
  const t = table === undefined ? "all" : String(assertIntegerInRange(table, 1, 0xffffffff, "table"));
  return [`-${family}`, "-N", "-json", "-details", "route", "show", "table", t];
}

/** Reads every route of `family` (in every table, or in `opts.table`). */
export async function readRoutes(ctx: IpContext, family: Family, opts: ReadOptions = {}): Promise<Route[]> {
  const args = routeDumpArgs(family, opts.table);
  const command = describeIp(ctx, args);
  // With a table filter iproute2 prints no `table` key: every route is in the filtered table.
  return readWholeDump(command, async () => {
    const parser = createIpRouteStream(family, opts.table ?? 254);
    const decode = createBlockDecoder();
    try {
      const stderr = await streamIpOutput(ctx, args, (bytes) => parser.pushText(decode(bytes)), { code: "FW_KERNEL_READ", spoolDir: opts.spoolDir, signal: opts.signal });
      // A torn dump's output need not parse: it is judged by stderr first.
      return { stderr, value: () => { try { return parser.end(); } catch (err) { throw asReadError(err, command); } } };
    } catch (err) {
      throw asReadError(err, command);
    }
  });
}

/**
 * Streams every route of `family` (as readRoutes) into a sink from `part`, one per attempt: the
 * sink of an attempt the kernel reported interrupted, or that failed, is never committed.
 * Resolves with the number of routes of the committed attempt.
 */
export async function streamRoutes(ctx: IpContext, family: Family, part: () => RouteSink, opts: ReadOptions = {}): Promise<number> {
  const args = routeDumpArgs(family, opts.table);
  const command = describeIp(ctx, args);
  return readWholeDump(command, async () => {
    const sink = part();
    let n = 0;
    const parser = createIpRouteStream(family, opts.table ?? 254, (r) => { sink.add(r); n++; });
    const decode = createBlockDecoder();
    try {
      const stderr = await streamIpOutput(ctx, args, (bytes) => parser.pushText(decode(bytes)), { code: "FW_KERNEL_READ", spoolDir: opts.spoolDir, signal: opts.signal });
      return { stderr, value: () => {
        try { parser.end(); } catch (err) { throw asReadError(err, command); }
        sink.commit();
        return n;
      } };
    } catch (err) {
      throw asReadError(err, command);
    }
  });
}

/** Reads every policy rule of `family`. */
export async function readRules(ctx: IpContext, family: Family, opts: ReadOptions = {}): Promise<Rule[]> {
  const args = [`-${family}`, "-N", "-json", "-details", "rule", "show"];
  const command = describeIp(ctx, args);
  return readWholeDump(command, async () => {
    const { stdout, stderr } = await runIp(ctx, args, { code: "FW_KERNEL_READ", signal: opts.signal });
    return { stderr, value: () => { try { return parseIpRules(stdout, family); } catch (err) { throw asReadError(err, command); } } };
  });
}

/** Reads every link and its IPv4/IPv6 addresses. */
export async function readLinksAndAddresses(ctx: IpContext, opts: ReadOptions = {}): Promise<{ links: LinkInfo[]; addresses: InterfaceAddress[] }> {
  const args = ["-json", "address", "show"];
  const command = describeIp(ctx, args);
  return readWholeDump(command, async () => {
    const { stdout, stderr } = await runIp(ctx, args, { code: "FW_KERNEL_READ", signal: opts.signal });
    return { stderr, value: () => { try { return parseIpAddrs(stdout); } catch (err) { throw asReadError(err, command); } } };
  });
}
