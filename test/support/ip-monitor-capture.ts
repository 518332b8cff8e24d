// Loads a capture made by test/fixtures/ip-monitor/capture.sh: per step, the commands, the
// `ip monitor label route` text printed meanwhile, and the route dumps taken after the step.
import type { Route } from "../../src/core/model/route.js";
import { parseIpRoutes } from "../../src/core/parse/ip-json.js";
import { readFixture } from "./fixtures.js";

/** One `[ROUTE]` event: the text after the label and the lines that continued it. */
export interface CapturedRouteEvent {
  text: string;
  more: string[];
  deleted: boolean;
}

/** One step of a capture. */
export interface CaptureStep {
  index: number;
  title: string;
  commands: string[];
  /** The monitor text of the step, verbatim. */
  monitor: string;
  events: CapturedRouteEvent[];
  /** Both dumps after the step, through the ip-json normalizer. */
  routes: Route[];
}

/** Splits monitor text into route events (lines starting with blanks continue the event before). */
export function splitRouteEvents(monitor: string): CapturedRouteEvent[] {
  const events: CapturedRouteEvent[] = [];
  for (const line of monitor.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("[ROUTE]")) {
      const text = line.slice("[ROUTE]".length);
      events.push({ text, more: [], deleted: text.startsWith("Deleted ") });
    } else {
      const last = events[events.length - 1];
      if (last === undefined || !/^\s/.test(line)) throw new Error(`capture: stray monitor line ${JSON.stringify(line)}`);
      last.more.push(line);
    }
  }
  return events;
}

function section(body: string, header: string, next?: string): string {
  const start = body.indexOf(`${header}\n`);
  if (start < 0) throw new Error(`capture: no ${JSON.stringify(header)} section`);
  const from = start + header.length + 1;
  const end = next === undefined ? body.length : body.indexOf(`${next}\n`, from);
  return body.slice(from, end < 0 ? body.length : end);
}

/** Reads `test/fixtures/ip-monitor/<name>`; step 0 is the fresh namespace. */
export function loadMonitorCapture(name: string): CaptureStep[] {
  const text = readFixture(`ip-monitor/${name}`);
  const v4 = "--- ip -4 -json -details route show table all";
  const v6 = "--- ip -6 -json -details route show table all";
  return text.split(/^=== step /m).slice(1).map((body) => {
    const [head = "", ...rest] = body.split("\n");
    const m = /^(\d+) (.*)$/.exec(head);
    if (m === null) throw new Error(`capture: bad step header ${JSON.stringify(head)}`);
    const monitor = section(body, "--- monitor", v4);
    return {
      index: Number(m[1]),
      title: m[2]!,
      commands: rest.filter((l) => l.startsWith("$ ")).map((l) => l.slice(2)),
      monitor,
      events: splitRouteEvents(monitor),
      routes: [...parseIpRoutes(section(body, v4, v6), 4), ...parseIpRoutes(section(body, v6), 6)],
    };
  });
}
