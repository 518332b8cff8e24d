// MonitorStream: monitor output in any split becomes the same events, route events keep their
// continuation lines, and a route closed too early is reported when its lines turn up later.
import { describe, expect, it } from "vitest";
import type { MonitorEvent } from "../../../../src/core/parse/ip-monitor.js";
import { parseMonitorRoute } from "../../../../src/core/parse/ip-monitor-route.js";
import { MonitorStream } from "../../../../src/core/parse/ip-monitor-stream.js";
import { loadMonitorCapture } from "../../../support/ip-monitor-capture.js";

const steps = loadMonitorCapture("iproute2-6.1.txt");
const captured = steps.map((s) => s.monitor).join("");
const capturedEvents = steps.flatMap((s) => s.events);

function feed(text: string, size: number, opts?: ConstructorParameters<typeof MonitorStream>[0]): { events: MonitorEvent[]; lost: boolean } {
  const stream = new MonitorStream(opts);
  const events: MonitorEvent[] = [];
  let lost = false;
  for (let i = 0; i < text.length; i += size) {
    const r = stream.push(text.slice(i, i + size));
    events.push(...r.events);
    lost ||= r.lost;
  }
  const last = stream.close();
  if (last !== undefined) events.push(last);
  return { events, lost };
}

const MULTIPATH = "[ROUTE]10.13.0.0/24 proto 201 \n\tnexthop via 10.0.0.2 dev v0 weight 2 \n\tnexthop via 10.0.1.2 dev v1 weight 3 \n";

describe("MonitorStream", () => {
  it("reads the captured monitor text into one event per route, each with the route parseMonitorRoute reads", () => {
    const { events, lost } = feed(captured, captured.length);
    expect(lost).toBe(false);
    expect(events).toHaveLength(capturedEvents.length);
    events.forEach((ev, i) => {
      const cap = capturedEvents[i]!;
      expect(ev.kind).toBe("route");
      expect(ev.route?.deleted).toBe(cap.deleted);
      expect(ev.route?.route).toEqual(parseMonitorRoute(cap.text, cap.more));
    });
  });

  it("gives the same events for any chunk size", () => {
    const whole = feed(captured, captured.length).events;
    for (const size of [1, 2, 3, 7, 13, 64, 100, 1000, 4096]) expect(feed(captured, size).events, `size ${size}`).toEqual(whole);
  });

  it("keeps a route event open until the next labeled line, then emits it before that line's event", () => {
    const s = new MonitorStream();
    expect(s.push("[ROUTE]10.13.0.0/24 proto 201 \n").events).toEqual([]);
    expect(s.hasOpenEvent).toBe(true);
    expect(s.push("\tnexthop via 10.0.0.2 dev v0 weight 2 \n\tnexthop via 10.0.1.2 dev v1 weight 3 \n").events).toEqual([]);
    const { events } = s.push("[LINK]3: v1: <BROADCAST,MULTICAST> mtu 1500 state DOWN \n    link/ether 00:11:22:33:44:55\n");
    expect(events.map((e) => e.kind)).toEqual(["route", "link"]);
    expect(events[0]!.route?.route?.nexthops.map((n) => n.gateway)).toEqual(["10.0.0.2", "10.0.1.2"]);
    expect(s.hasOpenEvent).toBe(false);
  });

  it("says when it stopped inside a line", () => {
    const s = new MonitorStream();
    s.push("[ROUTE]10.13.0.0/24 proto 201 \n\tnexthop via 10.0.0.2 de");
    expect(s.midLine).toBe(true);
    s.push("v v0 weight 2 \n");
    expect(s.midLine).toBe(false);
  });

  it("reports lines that arrive for a route event closed with its route", () => {
    const s = new MonitorStream();
    s.push("[ROUTE]10.13.0.0/24 proto 201 \n\tnexthop via 10.0.0.2 dev v0 weight 2 \n");
    const early = s.close();
    expect(early?.route?.route?.nexthops).toHaveLength(1); // looks complete, is not
    expect(s.push("\tnexthop via 10.0.1.2 dev v1 weight 3 \n")).toEqual({ events: [], lost: true });
    // Lines of other events do not count, nor those of an event closed without a route.
    expect(s.push("[LINK]3: v1: <UP> mtu 1500\n    link/ether 00:11:22:33:44:55\n").lost).toBe(false);
    s.push("[ROUTE]10.13.0.0/24 proto 201 \n");
    expect(s.close()?.route?.route).toBeUndefined();
    expect(s.push("\tnexthop via 10.0.0.2 dev v0 weight 2 \n").lost).toBe(false);
  });

  it("closes without the route when told the output may be cut", () => {
    const s = new MonitorStream();
    s.push(MULTIPATH);
    expect(s.close(false)).toEqual({ kind: "route", route: { family: 4, table: 254, dst: "10.13.0.0/24", deleted: false } });
    expect(s.close()).toBeUndefined();
  });

  it("spoils an event with a runaway line and resumes at the next line", () => {
    const { events } = feed(`${MULTIPATH.replace("weight 3 ", `weight 3 ${"x".repeat(300)}`)}[ROUTE]10.5.0.0/24 via 10.0.0.9 dev v0 \n`, 50, { maxLineChars: 100 });
    expect(events.map((e) => [e.route?.dst, e.route?.route !== undefined])).toEqual([["10.13.0.0/24", false], ["10.5.0.0/24", true]]);
  });

  it("spoils an event with too many continuation lines", () => {
    const { events } = feed(MULTIPATH, MULTIPATH.length, { maxEventLines: 1 });
    expect(events[0]!.route?.route).toBeUndefined();
  });

  it("emits events it cannot place at once, and skips unlabeled lines", () => {
    const { events } = feed("[ROUTE]something odd\n\tnexthop via 10.0.0.2 dev v0 weight 1 \n[NEIGH]10.0.0.2 dev v0 lladdr 00:11:22:33:44:55\n[RULE]1000:\tfrom all lookup 100\n", 5);
    expect(events).toEqual([{ kind: "route" }, { kind: "rule" }]);
  });
});
