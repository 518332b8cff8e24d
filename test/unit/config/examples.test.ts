import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assertPolicy } from "../../../src/core/ownership.js";
import { configToPolicy, parseConfigText } from "../../../src/config/index.js";
import type { Config } from "../../../src/config/index.js";

/** Parses one of the deploy/examples files. */
function loadExample(name: string): Config {
  const path = new URL(`../../../deploy/examples/${name}`, import.meta.url);
  return parseConfigText(readFileSync(path, "utf8"), { source: `deploy/examples/${name}` });
}

describe("deploy/examples", () => {
  it("calico-node.yaml validates: BIRD 1.6's two sockets, per-family kernel1 metrics", () => {
    const c = loadExample("calico-node.yaml");
    expect(c.bird.sockets).toEqual(["/var/run/calico/bird.ctl", "/var/run/calico/bird6.ctl"]);
    expect(c.protect.metrics).toEqual({ kernel1: { ipv4: 0, ipv6: 1024 } });
    expect(c.vips.map((v) => v.return)).toEqual([
      { gateway: "10.111.221.1", device: "eth1" }, { bgpPeer: "Global_10_111_222_1" }, { bgpPeer: "Global_fd00_111_222__1" },
    ]);
    expect(c.sysctls.rpFilter).toEqual({ all: 0, "cali*": 0, tunl0: 0 });
    const policy = configToPolicy(c);
    expect(policy.tables).toEqual([{ from: 1000, to: 1999 }]);
    expect(policy.addressRanges).toEqual(["fd00:10:96::/112"]);
  });

  it("metallb-speaker.yaml validates: announce table 198 is managed, main is protected", () => {
    const c = loadExample("metallb-speaker.yaml");
    expect(c.vips.map((v) => v.address)).toEqual(["203.0.113.1", "203.0.113.2", "2001:db8:100::1"]);
    const policy = configToPolicy(c);
    expect(() => assertPolicy(policy)).not.toThrow();
    expect(policy.tables).toEqual([{ from: 1000, to: 1999 }, { from: 198, to: 198 }]);
    expect(policy.protectedTables).toEqual([254]);
    expect(c.protect).toMatchObject({ kernelProtocols: ["kernel1", "kernel2"], repair: "reinstall" });
  });

  it("the brief's example shape validates as written", () => {
    const c = parseConfigText(`
bird:
  sockets: [/run/bird/bird.ctl]
ownership:
  protocol: 201
  tables: {from: 1000, to: 1999}
  rulePriorities: {from: 1000, to: 1999}
protect:
  kernelProtocols: all
  repair: report
vips:
  - address: 192.168.1.1
    device: lo
    announce: {table: 198}
    return: {gateway: 10.111.221.21, device: eth1}
  - address: 192.168.2.1
    return: {bgpPeer: up_b4}
sysctls:
  rpFilter: {"cali*": 0, "tunl0": 0}
  sendRedirects: {"*": 0}
daemon:
kernel:
`);
    expect(c.vips).toHaveLength(2);
    expect(c.daemon.listen).toBe("127.0.0.1:9473");
  });
});
