// Address and prefix text, second round of mutation survivors: the longest IPv6 text that is still
// an address (45 characters, six full groups and a dotted-quad tail), and which refusal a prefix
// with an empty address part gets when its length part is not a number.
import { describe, expect, it } from "vitest";
import { canonicalAddress, canonicalPrefix, isAddress, parseIPv6 } from "../../../../src/core/net/ip.js";
import { thrown } from "../../../support/thrown.js";

describe("IPv6 text at its maximum length", () => {
  const longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
  it("accepts the 45-character address with six full groups and a dotted-quad tail", () => {
    expect(longest).toHaveLength(45);
    expect(parseIPv6(longest)).toEqual([0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff]);
    expect(isAddress(longest, 6)).toBe(true);
    expect(canonicalAddress(longest)).toBe("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    expect(canonicalPrefix(`${longest}/128`)).toBe("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
  });
  it("accepts a 45-character address whose tail differs from its groups", () => {
    expect(parseIPv6("0fff:ffff:ffff:ffff:ffff:ffff:192.168.100.200")).toEqual([0xfff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xc0a8, 0x64c8]);
  });
});

describe("a prefix with nothing before the slash", () => {
  it("with a non-numeric length is refused for its length", () => {
    expect(thrown(() => canonicalPrefix("/x"))).toEqual(["FW_INVALID_PREFIX", 'bad prefix length in "/x"']);
    expect(thrown(() => canonicalPrefix("/", 4))).toEqual(["FW_INVALID_PREFIX", 'bad prefix length in "/"']);
  });
  it("with a numeric length is refused as no address", () => {
    expect(thrown(() => canonicalPrefix("/24"))).toEqual(["FW_INVALID_PREFIX", 'not an IPv4/6 prefix: "/24"']);
  });
});
