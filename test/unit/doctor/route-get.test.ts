// `ip route get` parsing, on output captured from iproute2 6.1 (kernel 6.18) in the two-uplink lab.
import { describe, expect, it } from "vitest";
import { parseRouteGet, parseRouteGetJson, parseRouteGetText, routeGetFailure } from "../../../src/doctor/route-get.js";

// ip -n NODE -4 -json route get 10.111.50.2 from 10.111.100.1 (no source table: the default route)
const REPLY_MAIN = '[{"dst":"10.111.50.2","from":"10.111.100.1","gateway":"10.111.9.1","dev":"eth0","flags":[],"uid":0,"cache":[]}]\n';
// the same with `from 10.111.100.1 lookup 1000` and `default via 10.111.1.1 dev na0 table 1000`
const REPLY_SOURCE_TABLE = '[{"dst":"10.111.50.2","from":"10.111.100.1","gateway":"10.111.1.1","dev":"na0","table":"1000","flags":[],"uid":0,"cache":[]}]\n';
const REPLY_SOURCE_TABLE_TEXT = "10.111.50.2 from 10.111.100.1 via 10.111.1.1 dev na0 table 1000 uid 0 \n    cache \n";
// ip -n NODE -4 -json route get 10.111.1.1 (a BGP neighbor)
const NEIGHBOR = '[{"dst":"10.111.1.1","dev":"na0","prefsrc":"10.111.1.2","flags":[],"uid":0,"cache":[]}]\n';
// ip -n NODE -4 -json route get 10.111.100.1 from 10.111.50.2 iif na0 (rp_filter off, or passing)
const INPUT_LOCAL = '[{"type":"local","dst":"10.111.100.1","from":"10.111.50.2","dev":"lo","flags":[],"cache":["local"],"iif":"na0"}]\n';

describe("ip route get", () => {
  it("parses the reply route by the main table and by a source table", () => {
    expect(parseRouteGetJson(REPLY_MAIN)).toEqual({ ok: true, type: "unicast", dev: "eth0", gateway: "10.111.9.1", table: 254 });
    expect(parseRouteGetJson(REPLY_SOURCE_TABLE)).toEqual({ ok: true, type: "unicast", dev: "na0", gateway: "10.111.1.1", table: 1000 });
  });

  it("parses a directly connected neighbor and an input lookup delivered locally", () => {
    expect(parseRouteGet(NEIGHBOR)).toEqual({ ok: true, type: "unicast", dev: "na0", prefsrc: "10.111.1.2", table: 254 });
    expect(parseRouteGet(INPUT_LOCAL)).toEqual({ ok: true, type: "local", dev: "lo", table: 255, iif: "na0" });
  });

  it("parses the text form the same as the JSON form", () => {
    expect(parseRouteGetText(REPLY_SOURCE_TABLE_TEXT)).toEqual(parseRouteGetJson(REPLY_SOURCE_TABLE));
    expect(parseRouteGet(REPLY_SOURCE_TABLE_TEXT)).toEqual(parseRouteGetJson(REPLY_SOURCE_TABLE));
    expect(parseRouteGetText("local 10.111.100.1 from 10.111.50.2 dev lo table local \n    cache <local> iif na0 \n"))
      .toEqual({ ok: true, type: "local", dev: "lo", table: 255, iif: "na0" });
  });

  it("classifies the kernel's refusals", () => {
    // strict rp_filter on the input lookup: a martian source is EINVAL, not EXDEV
    expect(routeGetFailure("RTNETLINK answers: Invalid argument\n")).toEqual({ ok: false, failure: "invalid", message: "RTNETLINK answers: Invalid argument" });
    // reply lookup from an address that is not local
    expect(routeGetFailure("RTNETLINK answers: Network is unreachable\n").failure).toBe("unreachable");
    // input lookup toward a non-local address with forwarding off
    expect(routeGetFailure("RTNETLINK answers: No route to host\n").failure).toBe("host-unreachable");
    expect(routeGetFailure("RTNETLINK answers: Permission denied\n").failure).toBe("prohibited");
    expect(routeGetFailure("").failure).toBe("other");
  });

  it("reports unusable output as a failure, never throws", () => {
    expect(parseRouteGetJson("not json")).toMatchObject({ ok: false, failure: "other" });
    expect(parseRouteGetJson("[]")).toMatchObject({ ok: false, failure: "other" });
    expect(parseRouteGetJson('[{"dst":"10.0.0.1"}]')).toMatchObject({ ok: false, message: expect.stringMatching(/without a device/) });
    expect(parseRouteGetJson('[{"dst":"10.0.0.1","dev":"x","table":"nosuch"}]')).toMatchObject({ ok: false, message: expect.stringMatching(/unknown table/) });
  });
});
