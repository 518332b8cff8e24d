import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isFibwardenError } from "../../../../src/core/errors.js";
import {
  canonicalAddress, canonicalPrefix, formatIPv6, hostPrefix, parseIPv4, parseIPv6, prefixContains,
} from "../../../../src/core/net/ip.js";

// Runs per property: FC_RUNS when set (mutation testing sets it low), else this file's default.
const runs = (n: number): number => (process.env.FC_RUNS ? Number(process.env.FC_RUNS) : n);

describe("canonicalPrefix", () => {
  it("treats a host route read back without a length as /32 or /128", () => {
    expect(canonicalPrefix("10.0.0.1")).toBe("10.0.0.1/32");
    expect(canonicalPrefix("10.0.0.1/32")).toBe("10.0.0.1/32");
    expect(canonicalPrefix("fd00::1")).toBe("fd00::1/128");
  });
  it("maps default to the family's zero prefix", () => {
    expect(canonicalPrefix("default", 4)).toBe("0.0.0.0/0");
    expect(canonicalPrefix("default", 6)).toBe("::/0");
    expect(() => canonicalPrefix("default")).toThrow(/family/);
  });
  it("writes IPv6 in RFC 5952 form", () => {
    expect(canonicalPrefix("FD00:0:0:0:0:0:0:1/128")).toBe("fd00::1/128");
    expect(canonicalPrefix("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1/128");
    expect(canonicalPrefix("2001:0db8:0000:0001:0000:0000:0000:0000/64")).toBe("2001:db8:0:1::/64");
    expect(canonicalAddress("::ffff:10.1.2.3")).toBe("::ffff:a01:203");
    expect(formatIPv6([1, 0, 1, 0, 1, 0, 1, 0])).toBe("1:0:1:0:1:0:1:0");
  });
  it("refuses host bits, bad lengths and garbage with FW_INVALID_PREFIX", () => {
    for (const bad of ["10.0.0.1/24", "10.0.0.0/33", "fd00::1/64", "10.0.0/24", "1.2.3.4/", "x", "", "01.2.3.4", "fd00:::1"]) {
      let err: unknown;
      try { canonicalPrefix(bad); } catch (e) { err = e; }
      expect(isFibwardenError(err, "FW_INVALID_PREFIX"), bad).toBe(true);
    }
    expect(canonicalPrefix("10.0.0.1/24", 4, { strict: false })).toBe("10.0.0.0/24");
  });
  it("honours the family argument", () => {
    expect(() => canonicalPrefix("10.0.0.0/8", 6)).toThrow();
    expect(() => canonicalPrefix("fd00::/8", 4)).toThrow();
  });
  it("prefixContains and hostPrefix", () => {
    expect(prefixContains("192.168.100.0/30", "192.168.100.3")).toBe(true);
    expect(prefixContains("192.168.100.0/30", "192.168.100.4")).toBe(false);
    expect(prefixContains("fd00:100::/126", "fd00:100::3")).toBe(true);
    expect(prefixContains("fd00:100::/126", "10.0.0.1")).toBe(false);
    expect(hostPrefix("192.168.1.1")).toBe("192.168.1.1/32");
  });
});

describe("properties", () => {
  it("IPv4 text round-trips through the canonical form", () => {
    fc.assert(fc.property(fc.ipV4(), (a) => {
      expect(canonicalAddress(a)).toBe(a);
      expect(parseIPv4(a)).toBeDefined();
    }), { numRuns: runs(2000) });
  });
  it("any IPv6 spelling canonicalizes to the same value, idempotently", () => {
    fc.assert(fc.property(fc.ipV6(), (a) => {
      const c = canonicalAddress(a);
      expect(canonicalAddress(c)).toBe(c);
      expect(parseIPv6(c)).toEqual(parseIPv6(a));
      expect(c).toBe(c.toLowerCase());
      expect(c).not.toMatch(/(^|:)0[0-9a-f]/);
    }), { numRuns: runs(2000) });
  });
  it("masking a random address to a random length yields a prefix that contains it", () => {
    fc.assert(fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (a, len) => {
      const p = canonicalPrefix(`${a}/${len}`, 4, { strict: false });
      expect(prefixContains(p, a)).toBe(true);
      expect(canonicalPrefix(p)).toBe(p);
    }), { numRuns: runs(1000) });
  });
});
