// `show route <net> [export <p>]`: the three ways BIRD ends a reply about one network.
import { describe, expect, it } from "vitest";
import { BirdCommandError, consumeLines, frameTranscript, NetRouteParser, parseRoutes, type BirdRoute } from "../../../../src/core/bird/index.js";
import { fixtureLines, type Daemon } from "./fixtures.js";

function lookup(lines: ReturnType<typeof frameTranscript>): { routes: BirdRoute[]; parser: NetRouteParser } {
  const routes: BirdRoute[] = [];
  const parser = consumeLines(new NetRouteParser({ onRoute: (r) => routes.push(r) }), lines);
  return { routes, parser };
}

describe("NetRouteParser", () => {
  for (const [daemon, text] of [["bird-2.0.12", "Network not found"], ["bird-1.6.8", "Network not in table"]] as const) {
    it(`${daemon}: 8001 ${text} is an empty, complete answer`, () => {
      const { routes, parser } = lookup(frameTranscript(`8001 ${text}\n`));
      expect(routes).toEqual([]);
      expect(parser.complete).toBe(true);
      expect(parser.notFound).toBe(true);
    });
  }

  it("a network BIRD has but the export filter rejects: `0000` alone, no routes, found", () => {
    const { routes, parser } = lookup(frameTranscript("0000 \n"));
    expect(routes).toEqual([]);
    expect(parser.notFound).toBe(false);
  });

  for (const daemon of ["bird-2.0.12", "bird-1.6.8"] as const satisfies readonly Daemon[]) {
    it(`${daemon}: the routes of one network parse as RouteParser parses them`, () => {
      const lines = fixtureLines(daemon, "show-route-10.200.0.0_24-all.txt");
      const { routes, parser } = lookup(lines);
      expect(routes).toEqual(parseRoutes(lines));
      expect(routes.map((r) => r.network)).toEqual(["10.200.0.0/24"]);
      expect(parser.routeCount).toBe(1);
      expect(parser.notFound).toBe(false);
    });
  }

  it("other refusals still throw (a wrong-family prefix: 9001)", () => {
    expect(() => lookup(frameTranscript("9001 No valid tables\n"))).toThrow(BirdCommandError);
  });
});
