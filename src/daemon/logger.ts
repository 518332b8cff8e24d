// pino JSON logs with stable keys: `pass` (pass id) on every line of a pass, `op`, `route`,
// `table`, `proto`, `reason`, `err`, `code`, `socket`.
import { pino, type Logger } from "pino";
import type { PlanOp } from "../core/plan/types.js";

/** Creates the daemon's logger (JSON lines on stdout). */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { svc: "fibwarden" }, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? process.stdout);
}

/** The stable log fields of a plan operation. */
export function opFields(op: PlanOp): Record<string, unknown> {
  switch (op.kind) {
    case "route.add": case "route.replace": case "route.delete":
      return { op: op.kind, route: op.route.dst, table: op.route.table, proto: op.route.protocol, reason: op.reason };
    case "rule.add": case "rule.delete":
      return { op: op.kind, rule: op.rule.priority, from: op.rule.from, table: op.rule.table, proto: op.rule.protocol, reason: op.reason };
    case "address.add": case "address.delete":
      return { op: op.kind, address: `${op.address.address}/${op.address.prefixlen}`, dev: op.address.dev, reason: op.reason };
    case "sysctl.set":
      return { op: op.kind, sysctl: `${op.sysctl.iface}.${op.sysctl.name}`, value: op.sysctl.value, previous: op.previous, reason: op.reason };
  }
}
