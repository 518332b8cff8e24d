import { describe, expect, it } from "vitest";
import { classifyAddress, classifyRoute } from "../../../src/core/ownership.js";
import type { SysctlPolicy } from "../../../src/core/desired/sysctls.js";
import type { ProtectSettings } from "../../../src/reconciler/observe-bird.js";
import {
  configToPolicy, isInterfaceName, matchInterfacePattern, parseConfigText, pickPatternValue,
} from "../../../src/config/index.js";

describe("configToPolicy", () => {
  it("the default config gives the default policy", () => {
    expect(configToPolicy(parseConfigText("{}"))).toEqual({
      protocol: 201, tables: [{ from: 1000, to: 1999 }], rulePriorities: { from: 1000, to: 1999 }, birdProtocol: 12,
      protectedTables: [254], addressDevices: ["lo"], addressLabelSuffix: "fw", addressRanges: [],
    });
  });

  it("adds announce tables, protected tables, VIP devices and VIP ranges", () => {
    const policy = configToPolicy(parseConfigText(`
ownership:
  protocol: 202
  tables: {from: 5000, to: 5099}
  addressLabel: vip
  vipRanges: [fd00:100::/120, 10.111.100.0/24]
protect:
  tables: {kernel1: 254, kernel3: 100}
vips:
  - {address: 10.111.100.1, device: vip0, announce: {table: 198}}
  - {address: 10.111.100.2, device: vip0, announce: {table: 197}}
  - {address: fd00:100::1, announce: {table: 198}}
`));
    expect(policy).toMatchObject({
      protocol: 202,
      tables: [{ from: 5000, to: 5099 }, { from: 197, to: 197 }, { from: 198, to: 198 }],
      protectedTables: [100, 254], addressDevices: ["lo", "vip0"], addressLabelSuffix: "vip",
      addressRanges: ["10.111.100.0/24", "fd00:100::/120"],
    });
    expect(classifyRoute(policy, { protocol: 202, table: 198 })).toBe("ours");
    expect(classifyRoute(policy, { protocol: 12, table: 100 })).toBe("protected");
    expect(classifyAddress(policy, { family: 6, dev: "lo", address: "fd00:100::1", prefixlen: 128, scope: 0 })).toBe("ours");
    expect(classifyAddress(policy, { family: 4, dev: "vip0", address: "10.111.100.1", prefixlen: 32, scope: 0, label: "vip0:vip" })).toBe("ours");
  });
});

describe("the config feeds the builders as is", () => {
  it("protect is the BIRD observer's ProtectSettings, sysctls the sysctl builder's SysctlPolicy", () => {
    const c = parseConfigText("protect: {kernelProtocols: [kernel1], metrics: {kernel1: 32}, tables: {kernel1: 254}}\nsysctls: {rpFilter: {all: 0}}");
    const protect: ProtectSettings = c.protect;
    const sysctls: SysctlPolicy = c.sysctls;
    expect(protect.metrics).toEqual({ kernel1: { ipv4: 32, ipv6: 32 } });
    expect(sysctls.rpFilter).toEqual({ all: 0 });
  });
});

describe("interface patterns", () => {
  it("globs match names but never all/default", () => {
    expect(matchInterfacePattern("cali*", "cali12ab")).toBe(true);
    expect(matchInterfacePattern("eth?", "eth10")).toBe(false);
    expect(matchInterfacePattern("eth0.1*", "eth0x100")).toBe(false);
    expect(matchInterfacePattern("*", "all")).toBe(false);
    expect(matchInterfacePattern("*", "default")).toBe(false);
    expect(matchInterfacePattern("all", "all")).toBe(true);
  });

  it("an exact name beats a glob, a more specific glob a looser one, independent of key order", () => {
    const map = { "*": 1, "cali*": 0, cali0: 2, "c*": 1 };
    expect(pickPatternValue(map, "cali0")).toBe(2);
    expect(pickPatternValue(map, "cali1")).toBe(0);
    expect(pickPatternValue(map, "cx")).toBe(1);
    expect(pickPatternValue(map, "all")).toBeUndefined();
    expect(pickPatternValue({ "a?": 1, "?b": 2 }, "ab")).toBe(pickPatternValue({ "?b": 2, "a?": 1 }, "ab"));
  });

  it("interface names follow the kernel", () => {
    expect(["lo", "eth0", "eth0.100", "veth@x", "cali1234567890a"].every(isInterfaceName)).toBe(true);
    expect(["", ".", "..", "cali1234567890ab", "eth0:1", "a/b", "a b"].some(isInterfaceName)).toBe(false);
  });
});

describe("ownership.announceTables", () => {
  it("keeps an announce table managed after its last VIP is gone, so the stale route is withdrawn", async () => {
    const { parseConfigText: parse } = await import("../../../src/config/parse.js");
    const { configToPolicy: toPolicy } = await import("../../../src/config/policy.js");
    const { classifyRoute } = await import("../../../src/core/ownership.js");
    const withList = toPolicy(parse("ownership: {announceTables: [198]}"));
    const without = toPolicy(parse("{}"));
    expect(classifyRoute(withList, { protocol: 201, table: 198 })).toBe("ours");
    expect(classifyRoute(without, { protocol: 201, table: 198 })).toBe("alien");
    expect(() => parse("ownership: {announceTables: [254]}")).toThrow(/main \(254\)/);
  });
});
