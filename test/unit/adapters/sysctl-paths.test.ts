// /proc/sys paths are built from validated names only; the file helper refuses other paths.
import { describe, expect, it } from "vitest";
import { isConfPath } from "../../../src/adapters/proc-files.js";
import { sysctlPath, validateSysctlValue } from "../../../src/adapters/sysctl.js";

describe("sysctl paths", () => {
  it("uses the raw interface name, dots included", () => {
    expect(sysctlPath("eth0.100", "rp_filter")).toBe("/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
    expect(sysctlPath("all", "send_redirects")).toBe("/proc/sys/net/ipv4/conf/all/send_redirects");
  });

  it.each(["../x", "a/b", "..", ".", "", "x".repeat(16), "-eth0", "a b"])("refuses interface %j with FW_INVALID_TOKEN", (iface) => {
    expect(() => sysctlPath(iface, "rp_filter")).toThrow(expect.objectContaining({ code: "FW_INVALID_TOKEN" }));
  });

  it("refuses unmanaged sysctls and out-of-range values", () => {
    expect(() => sysctlPath("eth0", "forwarding" as never)).toThrow(expect.objectContaining({ code: "FW_INVALID_TOKEN" }));
    expect(() => validateSysctlValue({ iface: "eth0", name: "rp_filter", value: 3 })).toThrow(/sysctl\.rp_filter/);
    expect(() => validateSysctlValue({ iface: "eth0", name: "send_redirects", value: 0.5 })).toThrow(/sysctl\.send_redirects/);
    expect(() => validateSysctlValue({ iface: "eth0", name: "rp_filter", value: 2 })).not.toThrow();
  });

  it("lets the file helper touch nothing but files directly under an interface directory", () => {
    expect(isConfPath("/proc/sys/net/ipv4/conf/eth0/rp_filter")).toBe(true);
    for (const p of ["/proc/sys/net/ipv4/conf/../../../../etc/passwd", "/proc/sys/net/ipv4/conf/eth0/../all/rp_filter",
      "/proc/sys/net/ipv4/conf/eth0", "/etc/passwd", "/proc/sys/net/ipv4/conf//rp_filter", "/proc/sys/net/ipv4/conf/a/b/c"]) {
      expect(isConfPath(p), p).toBe(false);
    }
  });
});
