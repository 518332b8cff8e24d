// Parser of `show route [...] count`.
//   BIRD 2/3: `1007-355 of 355 routes for 311 networks in table master4` per table, then
//             `0014 Total: 421 of 421 routes for 367 networks in 2 tables` (or `0000 ` for one).
//   BIRD 1.6: a single `0014 355 of 355 routes for 311 networks` (no table name).
import { consumeLines, ReplyConsumer } from "./consumer.js";
import type { ReplyLine } from "./framing.js";

/** Counts for one table: routes shown (matching the filters) of all routes, and networks. */
export interface BirdTableCount {
  table: string;
  shown: number;
  routes: number;
  networks: number;
}

/** The parsed `show route count` reply. */
export interface BirdRouteCount {
  tables: BirdTableCount[];
  /** BIRD's total line, or the sum of the tables when BIRD printed none. */
  total: { shown: number; routes: number; networks: number; tables: number };
}

const TABLE_LINE = /^(\d+) of (\d+) routes for (\d+) networks(?: in table (\S+))?$/;
const TOTAL_LINE = /^Total: (\d+) of (\d+) routes for (\d+) networks in (\d+) tables$/;

/** Collects the counts of a `show route count` reply; read `result` after `end()`. */
export class RouteCountParser extends ReplyConsumer {
  private readonly tables: BirdTableCount[] = [];
  private total: BirdRouteCount["total"] | undefined;

  /** @param defaultTable table name for BIRD 1.6 lines, which name none (default "master"). */
  constructor(private readonly defaultTable = "master") {
    super();
  }

  /** The counts; valid once the reply is complete. */
  get result(): BirdRouteCount {
    const total = this.total ?? this.tables.reduce(
      (acc, t) => ({ shown: acc.shown + t.shown, routes: acc.routes + t.routes, networks: acc.networks + t.networks,
        tables: acc.tables + 1 }),
      { shown: 0, routes: 0, networks: 0, tables: 0 });
    return { tables: this.tables, total };
  }

  protected onLine(_code: number, text: string): void {
    if (text.length === 0 || (text.startsWith("Table ") && text.endsWith(":"))) return;
    const t = TABLE_LINE.exec(text);
    if (t !== null) {
      this.tables.push({
        table: t[4] ?? this.defaultTable, shown: Number(t[1]), routes: Number(t[2]), networks: Number(t[3]),
      });
      return;
    }
    const s = TOTAL_LINE.exec(text);
    if (s !== null) {
      this.total = { shown: Number(s[1]), routes: Number(s[2]), networks: Number(s[3]), tables: Number(s[4]) };
      return;
    }
    throw this.parseError("unrecognised line in a route count", text);
  }

  protected onFinal(code: number, text: string): void {
    // `0014 Total: ...` or BIRD 1.6's `0014 N of M routes ...` carry data on the final line.
    if (code === 14) this.onLine(code, text);
    else if (text.length > 0) throw this.parseError("unexpected final line in a route count", text);
  }
}

/** Parses a whole `show route count` reply. */
export function parseRouteCount(lines: Iterable<ReplyLine>, defaultTable = "master"): BirdRouteCount {
  return consumeLines(new RouteCountParser(defaultTable), lines).result;
}
