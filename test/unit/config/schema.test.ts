import { describe, expect, it } from "vitest";
import { isFibwardenError } from "../../../src/core/errors.js";
import type { ConfigIssue } from "../../../src/config/index.js";
import { ConfigSchema, parseConfigText, splitListenAddress } from "../../../src/config/index.js";

/** The issues of a config text that must fail. */
function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfigText(text, { source: "t.yaml" });
  } catch (err) {
    if (!isFibwardenError(err, "FW_CONFIG_INVALID")) throw err;
    return err.details.issues as ConfigIssue[];
  }
  throw new Error("config was accepted");
}

const DEFAULTS = {
  bird: {
    sockets: ["/run/bird/bird.ctl"], restrict: true, connectTimeoutMs: 2000, idleTimeoutMs: 10000,
    replyTimeoutMs: 60000, maxReplyBytes: 1024 * 1024 * 1024,
  },
  ownership: {
    protocol: 201, tables: { from: 1000, to: 1999 }, rulePriorities: { from: 1000, to: 1999 },
    announceTables: [], addressLabel: "fw", addressDevices: ["lo"], vipRanges: [],
  },
  protect: { kernelProtocols: "all", repair: "report", metrics: {}, tables: {}, reinstallLimit: { share: 0.1, minimum: 50 } },
  vips: [],
  sysctls: { rpFilter: {}, sendRedirects: {} },
  daemon: { listen: "127.0.0.1:9473", resyncIntervalSeconds: 30, resyncCpuPercent: 0.1, debounceMs: 100, birdPollIntervalMs: 1000, birdPollMaxIntervalMs: 10000, holdDown: { restores: 5, windowSeconds: 60, holdSeconds: 300 }, driftSettleMs: 3000, logLevel: "info" },
  kernel: {},
};

describe("defaults", () => {
  it("{} gets every default", () => {
    expect(parseConfigText("{}")).toEqual(DEFAULTS);
    expect(ConfigSchema.parse({})).toEqual(DEFAULTS);
  });
  it("an empty file or a comment-only file is {}", () => {
    expect(parseConfigText("")).toEqual(DEFAULTS);
    expect(parseConfigText("# nothing yet\n")).toEqual(DEFAULTS);
  });
  it("a section given in part keeps the defaults of the rest", () => {
    const c = parseConfigText("bird:\n  restrict: false\ndaemon: {logLevel: debug}\n");
    expect(c.bird).toEqual({ ...DEFAULTS.bird, restrict: false });
    expect(c.daemon).toEqual({ ...DEFAULTS.daemon, logLevel: "debug" });
  });
  it("defaults are fresh objects, never shared between parses", () => {
    const a = parseConfigText("{}");
    a.vips.push({ address: "10.0.0.1", device: "lo" });
    a.bird.sockets.push("/x");
    expect(parseConfigText("{}")).toEqual(DEFAULTS);
  });
  it("JSON is accepted too", () => {
    const c = parseConfigText('{"vips": [{"address": "192.168.1.1", "announce": {"table": 198}}]}');
    expect(c.vips).toEqual([{ address: "192.168.1.1", device: "lo", announce: { table: 198 } }]);
  });
});

describe("VIP addresses", () => {
  it("accepts bare addresses and host lengths, canonicalized", () => {
    const c = parseConfigText(`
ownership: {vipRanges: ["fd00::/64"]}
vips:
  - address: 192.168.1.1
  - address: 192.168.1.2/32
  - address: FD00:0:0::1/128
  - address: fd00::2
`);
    expect(c.vips.map((v) => v.address)).toEqual(["192.168.1.1", "192.168.1.2", "fd00::1", "fd00::2"]);
  });
  it.each([
    ["192.168.1.0/24", "has length /24, expected a bare address or /32"],
    ["192.168.1.1/31", "has length /31, expected a bare address or /32"],
    ["192.168.1.1/128", "has length /128, expected a bare address or /32"],
    ["fd00::1/64", "has length /64, expected a bare address or /128"],
    ["fd00::1/32", "has length /32, expected a bare address or /128"],
    ["192.168.1.1/", "has length /, expected a bare address or /32"],
    ["192.168.1.256", "is not an IPv4 or IPv6 address"],
    ["vip.example", "is not an IPv4 or IPv6 address"],
  ])("refuses %s", (address, why) => {
    const [issue, ...rest] = issuesOf(`vips:\n  - address: "${address}"\n`);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ field: "vips[0].address", line: 2, column: 14 });
    expect(issue?.message).toContain(why);
  });
  it("an IPv6 /128 VIP with an IPv6 gateway and its range", () => {
    const c = parseConfigText(`
ownership: {vipRanges: [2001:db8:100::/124]}
vips:
  - address: 2001:db8:100::1/128
    announce: {table: 198}
    return: {gateway: "fe80::1", device: eth1}
`);
    expect(c.vips[0]).toEqual({ address: "2001:db8:100::1", device: "lo", announce: { table: 198 }, return: { gateway: "fe80::1", device: "eth1" } });
  });
});

describe("fields", () => {
  it("return is either a fixed gateway+device or a BGP peer", () => {
    const c = parseConfigText(`
vips:
  - {address: 10.0.0.1, return: {gateway: 10.1.0.1, device: eth1}}
  - {address: 10.0.0.2, return: {bgpPeer: up_b4}}
`);
    expect(c.vips.map((v) => v.return)).toEqual([{ gateway: "10.1.0.1", device: "eth1" }, { bgpPeer: "up_b4" }]);
  });
  it("a metric override is a number (both families) or per family", () => {
    const c = parseConfigText("protect:\n  metrics: {kernel1: 32, kernel2: {ipv6: 1024}}\n");
    expect(c.protect.metrics).toEqual({ kernel1: { ipv4: 32, ipv6: 32 }, kernel2: { ipv6: 1024 } });
    expect(issuesOf("protect:\n  metrics: {kernel1: {}}\n")[0]?.field).toBe("protect.metrics.kernel1");
  });
  it("interface names: at most 15 bytes, no ':' or '/'", () => {
    const long = parseConfigText("ownership: {vipRanges: [10.0.0.0/24]}\nvips: [{address: 10.0.0.1, device: cali1234567890a}]");
    expect(long.vips[0]?.device).toBe("cali1234567890a");
    for (const dev of ["cali1234567890ab", "lo:fw", "a/b", "..", "eth 0", "eth*"]) {
      const [issue] = issuesOf(`vips: [{address: 10.0.0.1, device: "${dev}"}]`);
      expect(issue?.field, dev).toBe("vips[0].device");
      expect(issue?.message).toContain("is not an interface name");
    }
  });
  it("sysctl patterns allow globs and the pseudo-interfaces, values are bounded", () => {
    const c = parseConfigText('sysctls:\n  rpFilter: {all: 0, default: 0, "cali*": 0, "eth?": 2, tunl0: 0}\n');
    expect(c.sysctls.rpFilter).toEqual({ all: 0, default: 0, "cali*": 0, "eth?": 2, tunl0: 0 });
    expect(issuesOf('sysctls:\n  rpFilter: {"cali*": 3}\n')[0]).toMatchObject({ field: 'sysctls.rpFilter["cali*"]', line: 2 });
    expect(issuesOf("sysctls:\n  sendRedirects: {eth0: 2}\n")[0]?.message).toContain("above the maximum 1");
    expect(issuesOf('sysctls:\n  rpFilter: {"a/b": 0}\n')[0]).toMatchObject({ field: 'sysctls.rpFilter["a/b"]', line: 2, column: 14, code: "invalid_key" });
  });
  it("rule priorities stay below main's 32766; protocol avoids kernel, boot, static, bird", () => {
    expect(issuesOf("ownership:\n  rulePriorities: {from: 1000, to: 32766}\n")[0]).toMatchObject({ field: "ownership.rulePriorities.to", line: 2, column: 36 });
    for (const p of [2, 3, 4, 12, 0, 256]) expect(issuesOf(`ownership: {protocol: ${p}}`)[0]?.field).toBe("ownership.protocol");
    expect(issuesOf("ownership:\n  tables: {from: 2000, to: 1000}\n")[0]).toMatchObject({ field: "ownership.tables.to", message: "the range is empty: to is smaller than from" });
    expect(issuesOf("ownership:\n  tables: {from: 100, to: 300}\n")[0]?.message).toContain("must not include the default (253), main (254) or local (255)");
  });
  it("the BIRD poll pace: the slowest is at least the fastest", () => {
    expect(parseConfigText("daemon: {birdPollIntervalMs: 500, birdPollMaxIntervalMs: 500}").daemon).toMatchObject({ birdPollIntervalMs: 500, birdPollMaxIntervalMs: 500 });
    expect(issuesOf("daemon:\n  birdPollIntervalMs: 2000\n  birdPollMaxIntervalMs: 1000\n")[0]).toMatchObject({
      field: "daemon.birdPollMaxIntervalMs", line: 3, message: "1000 is below daemon.birdPollIntervalMs (2000): the slowest pace cannot be faster than the fastest",
    });
    expect(issuesOf("daemon: {birdPollIntervalMs: 20000}")[0]?.field).toBe("daemon.birdPollMaxIntervalMs");
  });
  it("bird sockets are absolute, unique and fit sun_path", () => {
    expect(issuesOf("bird: {sockets: [bird.ctl]}")[0]?.message).toContain("not an absolute path");
    expect(issuesOf("bird: {sockets: []}")[0]?.field).toBe("bird.sockets");
    expect(issuesOf("bird: {sockets: [/a, /a]}")[0]).toMatchObject({ field: "bird.sockets[1]" });
    expect(issuesOf(`bird: {sockets: [/${"x".repeat(107)}]}`)[0]?.message).toContain("at most 107 bytes");
  });
  it("kernelProtocols is all or a list of BIRD names", () => {
    expect(parseConfigText("protect: {kernelProtocols: [kernel1, kernel2]}").protect.kernelProtocols).toEqual(["kernel1", "kernel2"]);
    expect(issuesOf("protect: {kernelProtocols: any}")[0]?.message).toBe('expected "all" or a list of BIRD kernel protocol names');
    expect(issuesOf("protect: {kernelProtocols: [1kernel]}")[0]?.field).toBe("protect.kernelProtocols[0]");
  });
  it("listen addresses", () => {
    expect(splitListenAddress("127.0.0.1:9473")).toEqual({ host: "127.0.0.1", port: 9473 });
    expect(splitListenAddress("[::1]:80")).toEqual({ host: "::1", port: 80 });
    expect(splitListenAddress("localhost:0")).toEqual({ host: "localhost", port: 0 });
    for (const bad of ["9473", "::1:80", "[10.0.0.1]:80", "a:65536", ":80"]) expect(splitListenAddress(bad), bad).toBeUndefined();
    expect(issuesOf("daemon: {listen: '9473'}")[0]?.field).toBe("daemon.listen");
  });
  it("missing required fields say so", () => {
    expect(issuesOf("vips:\n  - device: lo\n")[0]).toMatchObject({ field: "vips[0].address", line: 2, message: "required field is missing (expected string)" });
  });
});
