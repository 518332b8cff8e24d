import { describe, expect, it } from "vitest";
import { FibwardenError, isFibwardenError } from "../../../src/core/errors.js";
import type { ConfigIssue } from "../../../src/config/index.js";
import { parseConfigText } from "../../../src/config/index.js";

/** The error of a config text that must fail. */
function errorOf(text: string, env: Record<string, string> = {}): FibwardenError {
  try {
    parseConfigText(text, { source: "/etc/fibwarden/config.yaml", env });
  } catch (err) {
    if (isFibwardenError(err, "FW_CONFIG_INVALID")) return err;
    throw err;
  }
  throw new Error("config was accepted");
}

const issuesOf = (text: string, env: Record<string, string> = {}): ConfigIssue[] => errorOf(text, env).details.issues as ConfigIssue[];

/** The one issue of a config text that must fail with exactly one problem. */
function onlyIssue(text: string): ConfigIssue {
  const issues = issuesOf(text);
  expect(issues, JSON.stringify(issues)).toHaveLength(1);
  return issues[0] as ConfigIssue;
}

describe("cross-field rules name the line and field", () => {
  it("duplicate VIP addresses (compared canonically)", () => {
    const issue = onlyIssue(`
vips:
  - address: 192.168.1.1
    device: lo
  - address: 192.168.1.1/32
`);
    expect(issue).toMatchObject({ line: 5, column: 14, field: "vips[1].address", message: "VIP 192.168.1.1 is already vips[0]" });
  });

  it("return with both a gateway and a BGP peer", () => {
    const issue = onlyIssue(`
vips:
  - address: 192.168.2.1
    return:
      gateway: 10.111.221.21
      device: eth1
      bgpPeer: up_b4
`);
    expect(issue).toMatchObject({ line: 7, column: 16, field: "vips[0].return.bgpPeer", message: "set either {gateway, device} or {bgpPeer}, not both" });
  });

  it("return with neither, or with half of gateway/device", () => {
    expect(onlyIssue("vips:\n  - address: 10.0.0.1\n    return: {}\n")).toMatchObject({ line: 3, column: 5, field: "vips[0].return", message: "needs either {gateway, device} or {bgpPeer}" });
    expect(onlyIssue("vips:\n  - address: 10.0.0.1\n    return: {gateway: 10.1.0.1}\n")).toMatchObject({ line: 3, column: 23, field: "vips[0].return.gateway" });
    expect(onlyIssue("vips:\n  - address: 10.0.0.1\n    return: {device: eth1}\n")).toMatchObject({ line: 3, column: 22, field: "vips[0].return.device" });
  });

  it("a gateway of the other family", () => {
    const issue = onlyIssue(`
ownership:
  vipRanges: [fd00:100::/120]
vips:
  - address: fd00:100::1
    return: {gateway: 10.0.0.1, device: eth1}
`);
    expect(issue).toMatchObject({ line: 6, column: 23, field: "vips[0].return.gateway" });
    expect(issue.message).toContain("not in the VIP's address family");
  });

  it("an announce table inside the source-table range", () => {
    const issue = onlyIssue(`
ownership:
  tables: {from: 1000, to: 1999}
vips:
  - address: 192.168.1.1
    announce:
      table: 1500
`);
    expect(issue).toMatchObject({ line: 7, column: 14, field: "vips[0].announce.table" });
    expect(issue.message).toContain("lies in the source-table range ownership.tables (1000-1999)");
  });

  it.each([253, 254, 255])("announce table %i (default, main, local)", (t) => {
    expect(onlyIssue(`vips:\n  - address: 192.168.1.1\n    announce: {table: ${t}}\n`))
      .toMatchObject({ line: 3, column: 23, field: "vips[0].announce.table", message: "must not be the default (253), main (254) or local (255) table" });
  });

  it("an announce table that a protected kernel protocol syncs", () => {
    const issue = onlyIssue(`
protect:
  tables: {kernel3: 198}
vips:
  - address: 192.168.1.1
    announce: {table: 198}
`);
    expect(issue).toMatchObject({ line: 6, column: 23, field: "vips[0].announce.table" });
    expect(issue.message).toContain("table 198 is protected");
  });

  it("a protected table inside the managed range", () => {
    expect(onlyIssue("protect:\n  tables:\n    kernel1: 1000\n")).toMatchObject({ line: 3, column: 14, field: "protect.tables.kernel1" });
  });

  it("overrides for a kernel protocol that is not protected", () => {
    const issue = onlyIssue("protect:\n  kernelProtocols: [kernel1]\n  metrics:\n    kernel1: 32\n    kernl2: 32\n");
    expect(issue).toMatchObject({ line: 5, column: 13, field: "protect.metrics.kernl2", message: "kernl2 is not in protect.kernelProtocols (kernel1)" });
  });

  it("an IPv6 VIP outside vipRanges, an IPv4 label that does not fit", () => {
    expect(onlyIssue("vips:\n  - address: fd00::1\n")).toMatchObject({ line: 2, column: 14, field: "vips[0].address" });
    expect(onlyIssue("vips:\n  - address: fd00::1\n").message).toContain("must lie inside ownership.vipRanges");
    const label = onlyIssue("vips:\n  - address: 10.0.0.1\n    device: vipdevice0123\n");
    expect(label).toMatchObject({ line: 3, column: 13, field: "vips[0].device" });
    expect(label.message).toContain('label "vipdevice0123:fw" exceeds 15 bytes');
    expect(() => parseConfigText("ownership: {vipRanges: [10.0.0.0/8]}\nvips:\n  - {address: 10.0.0.1, device: vipdevice0123}\n")).not.toThrow();
  });

  it("more VIPs with a return path than source tables", () => {
    const issue = onlyIssue(`
ownership:
  tables: {from: 1000, to: 1001}
vips:
  - {address: 10.0.0.1, return: {bgpPeer: up}}
  - {address: 10.0.0.2, return: {bgpPeer: up}}
  - {address: 10.0.0.3, return: {bgpPeer: up}}
  - {address: 10.0.0.4}
`);
    expect(issue).toMatchObject({ line: 3, column: 3, field: "ownership.tables", message: "3 VIPs with a return path need 3 source tables; 1000-1001 holds 2" });
  });

  it("a per-interface sysctl that all defeats", () => {
    const issues = issuesOf(`
sysctls:
  rpFilter:
    all: 2
    "lxc*": 0
    eth0: 2
  sendRedirects: {all: 1, "*": 0}
`);
    expect(issues.map((i) => [i.line, i.field])).toEqual([[5, 'sysctls.rpFilter["lxc*"]'], [7, 'sysctls.sendRedirects["*"]']]);
    expect(issues[0]?.message).toBe("0 has no effect while sysctls.rpFilter.all is 2: the effective rp_filter is max(all, iface)");
  });

  it("cross-field rules wait until every field is valid on its own", () => {
    const issues = issuesOf("ownership:\n  rulePriorities: {from: 1000, to: 32766}\nvips: [{address: 10.0.0.1}, {address: 10.0.0.1}]\n");
    expect(issues.map((i) => i.field)).toEqual(["ownership.rulePriorities.to"]);
  });
});

describe("error reports", () => {
  it("the message names file, line, column and field for every problem, in file order", () => {
    const err = errorOf(`bird:
  sockets: [/run/bird/bird.ctl]
vips:
  - address: 192.168.1.1
    return: {gateway: "fd00::1", device: eth1}
  - address: 192.168.1.1/24
`);
    expect(err.code).toBe("FW_CONFIG_INVALID");
    expect(err.message.split("\n")).toEqual([
      "invalid configuration /etc/fibwarden/config.yaml (2 problems):",
      "  /etc/fibwarden/config.yaml:5:23: vips[0].return.gateway: gateway fd00::1 is not in the VIP's address family (192.168.1.1)",
      '  /etc/fibwarden/config.yaml:6:14: vips[1].address: a VIP is one host address: "192.168.1.1/24" has length /24, expected a bare address or /32',
    ]);
    const issue = (err.details.issues as ConfigIssue[])[1];
    expect(issue).toEqual({
      source: "/etc/fibwarden/config.yaml", line: 6, column: 14, path: ["vips", 1, "address"], field: "vips[1].address",
      code: "custom", message: 'a VIP is one host address: "192.168.1.1/24" has length /24, expected a bare address or /32',
    });
  });

  it("unknown keys are errors at the key, with a suggestion", () => {
    const issues = issuesOf("bird:\n  sokets: [/run/bird/bird.ctl]\nvips:\n  - address: 10.0.0.1\n    anounce: {table: 198}\nextra: 1\n");
    expect(issues.map((i) => [i.line, i.column, i.field])).toEqual([[2, 3, "bird.sokets"], [5, 5, "vips[0].anounce"], [6, 1, "extra"]]);
    expect(issues[0]?.message).toMatch(/^unknown field "sokets" \(did you mean "sockets"\?\); allowed here: sockets, restrict, /);
    expect(issues[1]?.message).toContain('did you mean "announce"?');
    expect(issues[2]?.message).toContain("allowed here: bird, ownership, protect, vips, sysctls, daemon, kernel");
  });

  it("YAML syntax errors carry their line", () => {
    const [issue, ...rest] = issuesOf("bird:\n  sockets: [/run/bird/bird.ctl\nvips: []\n");
    expect(rest).toEqual([]);
    expect(issue?.code).toMatch(/^yaml:/);
    expect(issue?.line).toBeGreaterThanOrEqual(2);
    expect(issue?.message).toMatch(/^YAML syntax: /);
    const bad = errorOf("daemon:\n  logLevel: info\n listen: x\n");
    expect(bad.details.issues).toEqual([expect.objectContaining({ line: 3, column: 1, message: "YAML syntax: All mapping items must start at the same column" })]);
    expect(bad.message).toContain("/etc/fibwarden/config.yaml:3:1: ");
    expect(onlyIssue("daemon:\n  listen: \"127.0.0.1:9473\n  logLevel: info\n").message).toBe('YAML syntax: Missing closing "quote');
    expect(onlyIssue("daemon:\n\tlogLevel: info\n")).toMatchObject({ line: 2, message: "YAML syntax: Tabs are not allowed as indentation" });
  });

  it("a duplicate key is a YAML error naming the field", () => {
    expect(onlyIssue("daemon:\n  logLevel: info\n  logLevel: debug\n")).toMatchObject({
      line: 3, column: 3, field: "daemon.logLevel", code: "yaml:DUPLICATE_KEY", message: "YAML syntax: Map keys must be unique",
    });
  });

  it("a root that is not a mapping", () => {
    expect(onlyIssue("- a\n- b\n")).toMatchObject({ line: 1, field: "(root)" });
  });

  it("a bad environment override names the variable, not a line", () => {
    const err = errorOf("daemon:\n  listen: 127.0.0.1:9473\n", { FIBWARDEN_DAEMON_LISTEN: "9473", FIBWARDEN_LOG_LEVEL: "loud" });
    const issues = err.details.issues as ConfigIssue[];
    expect(issues.map((i) => [i.env, i.field, i.line])).toEqual([
      ["FIBWARDEN_DAEMON_LISTEN", "daemon.listen", undefined], ["FIBWARDEN_LOG_LEVEL", "daemon.logLevel", undefined],
    ]);
    expect(err.message).toContain('FIBWARDEN_DAEMON_LISTEN (environment): daemon.listen: "9473" is not host:port');
  });
});
