// Cuts the byte stream of `ip monitor label ...` into events. A route event is one labeled line
// and, for a multipath route, the `\tnexthop ...` lines after it, which may arrive in a later
// read than the labeled line. So a route event stays open until the next labeled line, or until
// the caller closes it (the watcher does once the stream has been quiet for a debounce period).
import { parseMonitorRoute } from "./ip-monitor-route.js";
import { parseMonitorLine, type MonitorEvent } from "./ip-monitor.js";

/** Options of a monitor stream. */
export interface MonitorStreamOptions {
  /** Longest line kept; a longer one is dropped up to its end and spoils its event (default 64 KiB). */
  maxLineChars?: number;
  /** Most continuation lines kept for one route event; more spoil its route (default 4096). */
  maxEventLines?: number;
}

/** What one chunk of monitor output completed. */
export interface MonitorChunkResult {
  /** Events completed by the chunk, in the order the monitor printed them. */
  events: MonitorEvent[];
  /**
   * True when continuation lines arrived for a route event that `close` had already completed
   * with a route: that route may lack nexthops, so whoever used it must re-read.
   */
  lost: boolean;
}

interface OpenRoute {
  event: MonitorEvent;
  text: string;
  more: string[];
  spoiled: boolean;
}

/** Splits monitor output into events; route events carry their whole route when it parses. */
export class MonitorStream {
  private readonly maxLineChars: number;
  private readonly maxEventLines: number;
  private partial = "";
  private skipping = false;
  private open: OpenRoute | undefined;
  /** Set when `close` completed a route event with a route; cleared by the next labeled line. */
  private closedWithRoute = false;

  constructor(opts: MonitorStreamOptions = {}) {
    this.maxLineChars = opts.maxLineChars ?? 64 * 1024;
    this.maxEventLines = opts.maxEventLines ?? 4096;
  }

  /** True while a route event may still receive continuation lines. */
  get hasOpenEvent(): boolean {
    return this.open !== undefined;
  }

  /** True when the last chunk ended inside a line. */
  get midLine(): boolean {
    return this.partial !== "" || this.skipping;
  }

  /** Feeds one chunk of output (text, any split). */
  push(chunk: string): MonitorChunkResult {
    const out: MonitorChunkResult = { events: [], lost: false };
    let text = this.partial + chunk;
    this.partial = "";
    if (this.skipping) {
      const nl = text.indexOf("\n");
      if (nl < 0) return out;
      text = text.slice(nl + 1);
      this.skipping = false;
    }
    const lines = text.split("\n");
    const last = lines.pop() ?? "";
    for (const line of lines) this.line(line, out);
    if (last.length > this.maxLineChars) {
      // A runaway line: drop it up to its newline, keep the stream in sync, spoil its event.
      this.skipping = true;
      if (this.open !== undefined) this.open.spoiled = true;
    } else {
      this.partial = last;
    }
    return out;
  }

  /**
   * Completes the open route event, if any. With `complete` false (the output ended or was
   * cut), the event is returned without its route, since its last lines may be missing.
   */
  close(complete = true): MonitorEvent | undefined {
    const open = this.open;
    if (open === undefined) return undefined;
    this.open = undefined;
    const change = open.event.route!;
    const route = complete && !open.spoiled ? parseMonitorRoute(open.text, open.more) : undefined;
    this.closedWithRoute = route !== undefined;
    return route === undefined ? open.event : { kind: open.event.kind, route: { ...change, route } };
  }

  private line(line: string, out: MonitorChunkResult): void {
    if (!line.startsWith("[")) {
      // A continuation line: nexthops of the open route event, or lines of a link or address
      // event, which are not needed.
      if (this.open !== undefined) {
        if (this.open.more.length < this.maxEventLines) this.open.more.push(line);
        else this.open.spoiled = true;
      } else if (this.closedWithRoute) {
        out.lost = true;
        this.closedWithRoute = false;
      }
      return;
    }
    const done = this.close();
    if (done !== undefined) out.events.push(done);
    this.closedWithRoute = false;
    const ev = parseMonitorLine(line);
    if (ev === undefined) return;
    if (ev.kind === "route" && ev.route !== undefined) {
      this.open = { event: ev, text: line.slice(line.indexOf("]") + 1), more: [], spoiled: false };
    } else {
      out.events.push(ev);
    }
  }
}
