// Address and prefix text at its edges: octet and group limits, the embedded IPv4 tail, the
// zero run RFC 5952 compresses, masks at every boundary, and the error each refusal carries.
// Written against the survivors of mutation testing (docs/reliability.md, Mutation testing).
import { describe, expect, it } from "vitest";
import {
  addressFamily, canonicalAddress, canonicalPrefix, formatIPv4, formatIPv6, hostPrefix, isAddress, parseIPv4, parseIPv6,
  prefixContains, prefixFamily, splitPrefix,
} from "../../../../src/core/net/ip.js";
import { thrown } from "../../../support/thrown.js";

describe("IPv4 text", () => {
  it("four decimal octets of 0..255, no leading zeros, no signs or spaces", () => {
    expect(parseIPv4("0.0.0.0")).toBe(0);
    expect(parseIPv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIPv4("1.2.3.4")).toBe(0x01020304);
    expect(parseIPv4("10.0.0.10")).toBe(0x0a00000a);
    for (const bad of ["1.2.3", "1.2.3.4.5", "1.2.3.256", "1.2.3.04", "1.2..4", "1.2.3.", "+1.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1.2.3.1000", "1.2.3.a", "0x1.2.3.4"]) {
      expect(parseIPv4(bad), bad).toBeUndefined();
    }
  });
  it("formats every octet in place", () => {
    expect(formatIPv4(0x01020304)).toBe("1.2.3.4");
    expect(formatIPv4(0xff00ff00)).toBe("255.0.255.0");
    expect(formatIPv4(0xffffffff)).toBe("255.255.255.255");
  });
});

describe("IPv6 text", () => {
  it("eight groups of one to four hex digits, or fewer with one ::", () => {
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("1::")).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6("1:2:3:4:5:6:7::")).toEqual([1, 2, 3, 4, 5, 6, 7, 0]);
    expect(parseIPv6("ABCD::ef")).toEqual([0xabcd, 0, 0, 0, 0, 0, 0, 0xef]);
    for (const bad of ["", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "1:2:3:4:5:6:7:8::", "12345::", "g::", "1:::2", ":1:2:3:4:5:6:7", "a".repeat(46)]) {
      expect(parseIPv6(bad), bad).toBeUndefined();
    }
  });
  it("an embedded IPv4 tail takes the last two groups", () => {
    expect(parseIPv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIPv6("1:2:3:4:5:6:1.2.3.4")).toEqual([1, 2, 3, 4, 5, 6, 0x0102, 0x0304]);
    expect(parseIPv6("::1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0, 0x0102, 0x0304]);
    expect(parseIPv6("1:2:3:4:5:6:7:1.2.3.4")).toBeUndefined();
    expect(parseIPv6("::ffff:1.2.3.256")).toBeUndefined();
    expect(parseIPv6("1.2.3.4")).toBeUndefined();
  });
  it("formats the longest zero run of two or more as ::, the first on a tie", () => {
    expect(formatIPv6([0, 0, 0, 0, 0, 0, 0, 0])).toBe("::");
    expect(formatIPv6([1, 0, 0, 0, 0, 0, 0, 0])).toBe("1::");
    expect(formatIPv6([0, 0, 0, 0, 0, 0, 0, 1])).toBe("::1");
    expect(formatIPv6([1, 0, 0, 2, 0, 0, 0, 3])).toBe("1:0:0:2::3");
    expect(formatIPv6([1, 0, 0, 2, 0, 0, 3, 4])).toBe("1::2:0:0:3:4");
    expect(formatIPv6([1, 0, 2, 3, 4, 5, 6, 7])).toBe("1:0:2:3:4:5:6:7");
    expect(formatIPv6([0xabcd, 0xef, 0, 0, 0, 0, 0, 0x10])).toBe("abcd:ef::10");
  });
  it("addressFamily and isAddress by family", () => {
    expect([addressFamily("1.2.3.4"), addressFamily("::1"), addressFamily("x")]).toEqual([4, 6, undefined]);
    expect([isAddress("1.2.3.4"), isAddress("1.2.3.4", 4), isAddress("1.2.3.4", 6)]).toEqual([true, true, false]);
    expect([isAddress("::1"), isAddress("::1", 6), isAddress("::1", 4), isAddress("x")]).toEqual([true, true, false, false]);
  });
  it("canonicalAddress honours the family and says which it wanted", () => {
    expect(canonicalAddress("1.2.3.4", 4)).toBe("1.2.3.4");
    expect(canonicalAddress("FD00:0::1", 6)).toBe("fd00::1");
    expect(thrown(() => canonicalAddress("1.2.3.4", 6))).toEqual(["FW_INVALID_ADDRESS", 'not an IPv6 address: "1.2.3.4"']);
    expect(thrown(() => canonicalAddress("::1", 4))).toEqual(["FW_INVALID_ADDRESS", 'not an IPv4 address: "::1"']);
    expect(thrown(() => canonicalAddress("x"))).toEqual(["FW_INVALID_ADDRESS", 'not an IPv4/6 address: "x"']);
  });
});

describe("prefixes", () => {
  it("IPv4 masks at every kind of boundary", () => {
    expect(canonicalPrefix("0.0.0.0/0")).toBe("0.0.0.0/0");
    expect(canonicalPrefix("255.255.255.255/0", 4, { strict: false })).toBe("0.0.0.0/0");
    expect(canonicalPrefix("255.255.255.255/1", 4, { strict: false })).toBe("128.0.0.0/1");
    expect(canonicalPrefix("255.255.255.255/31", 4, { strict: false })).toBe("255.255.255.254/31");
    expect(canonicalPrefix("255.255.255.255/32")).toBe("255.255.255.255/32");
    expect(canonicalPrefix("10.1.2.3/23", 4, { strict: false })).toBe("10.1.2.0/23");
  });
  it("IPv6 masks inside a group and at group edges", () => {
    const all = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    expect(canonicalPrefix(`${all}/0`, 6, { strict: false })).toBe("::/0");
    expect(canonicalPrefix(`${all}/1`, 6, { strict: false })).toBe("8000::/1");
    expect(canonicalPrefix(`${all}/16`, 6, { strict: false })).toBe("ffff::/16");
    expect(canonicalPrefix(`${all}/17`, 6, { strict: false })).toBe("ffff:8000::/17");
    expect(canonicalPrefix(`${all}/127`, 6, { strict: false })).toBe("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
    expect(canonicalPrefix(`${all}/128`)).toBe(`${all}/128`);
    expect(canonicalPrefix("fd00::/8")).toBe("fd00::/8");
  });
  it("each refusal names what is wrong", () => {
    expect(thrown(() => canonicalPrefix("10.0.0.1/24"))).toEqual(["FW_INVALID_PREFIX", "host bits set in 10.0.0.1/24"]);
    expect(thrown(() => canonicalPrefix("fd00::1/64"))).toEqual(["FW_INVALID_PREFIX", "host bits set in fd00::1/64"]);
    expect(thrown(() => canonicalPrefix("10.0.0.0/33"))).toEqual(["FW_INVALID_PREFIX", "IPv4 prefix length over 32: 10.0.0.0/33"]);
    expect(thrown(() => canonicalPrefix("fd00::/129"))).toEqual(["FW_INVALID_PREFIX", "IPv6 prefix length over 128: fd00::/129"]);
    expect(thrown(() => canonicalPrefix("10.0.0.0/1234"))).toEqual(["FW_INVALID_PREFIX", 'bad prefix length in "10.0.0.0/1234"']);
    expect(thrown(() => canonicalPrefix("10.0.0.0/-1"))).toEqual(["FW_INVALID_PREFIX", 'bad prefix length in "10.0.0.0/-1"']);
    expect(thrown(() => canonicalPrefix("10.0.0.0/8x"))).toEqual(["FW_INVALID_PREFIX", 'bad prefix length in "10.0.0.0/8x"']);
    expect(thrown(() => canonicalPrefix("x/8"))).toEqual(["FW_INVALID_PREFIX", 'not an IPv4/6 prefix: "x/8"']);
    expect(thrown(() => canonicalPrefix("10.0.0.0/8", 6))).toEqual(["FW_INVALID_PREFIX", 'not an IPv6 prefix: "10.0.0.0/8"']);
    expect(thrown(() => canonicalPrefix("default"))).toEqual(["FW_INVALID_PREFIX", '"default" needs a known family']);
  });
  it("'all' is the family's zero prefix, like 'default'", () => {
    expect(canonicalPrefix("all", 4)).toBe("0.0.0.0/0");
    expect(canonicalPrefix("all", 6)).toBe("::/0");
    expect(thrown(() => canonicalPrefix("all"))).toEqual(["FW_INVALID_PREFIX", '"all" needs a known family']);
  });
  it("a length of up to three digits, leading zeros allowed", () => {
    expect(canonicalPrefix("10.0.0.0/008")).toBe("10.0.0.0/8");
    expect(canonicalPrefix("fd00::/064")).toBe("fd00::/64");
  });
  it("family, split and containment", () => {
    expect([prefixFamily("10.0.0.0/8"), prefixFamily("fd00::/8")]).toEqual([4, 6]);
    expect(splitPrefix("fd00::/64")).toEqual({ address: "fd00::", length: 64 });
    expect(splitPrefix("10.0.0.0/8")).toEqual({ address: "10.0.0.0", length: 8 });
    expect(prefixContains("0.0.0.0/0", "255.1.2.3")).toBe(true);
    expect(prefixContains("10.0.0.0/8", "11.0.0.0")).toBe(false);
    expect(prefixContains("fd00::/16", "fd00:1::5")).toBe(true);
    expect(prefixContains("fd00::/16", "fd01::5")).toBe(false);
    expect(prefixContains("10.0.0.0/8", "garbage")).toBe(false);
  });
  it("hostPrefix per family; garbage is refused as an address", () => {
    expect(hostPrefix("FD00::1")).toBe("fd00::1/128");
    expect(thrown(() => hostPrefix("x"))).toEqual(["FW_INVALID_ADDRESS", 'not an address: "x"']);
  });
});
