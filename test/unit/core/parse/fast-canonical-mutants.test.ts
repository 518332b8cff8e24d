// The IPv4 fast path must give exactly the general parser's result (value or error) on text that
// is almost canonical; the memo helper computes each key once and forgets everything at its limit;
// the memoized address canonicalizer honours the requested family.
import { describe, expect, it } from "vitest";
import { isFibwardenError } from "../../../../src/core/errors.js";
import { canonicalAddress, canonicalPrefix } from "../../../../src/core/net/ip.js";
import {
  canonicalAddressMemo, canonicalPrefixFast, createMemo, fastCanonicalIPv4Prefix,
} from "../../../../src/core/parse/fast-canonical.js";

function outcome(f: () => string): { ok: string } | { code: string; message: string } {
  try {
    return { ok: f() };
  } catch (e) {
    if (!isFibwardenError(e)) throw e;
    return { code: e.code, message: e.message };
  }
}

describe("canonicalPrefixFast on IPv4 text that is not canonical", () => {
  it.each([
    // octets that are not decimal digits
    "a.0.0.0", "10.0.0.+", "10.0.0. ", "1+.0.0.0", "1a.0.0.0", "10.1:.0.0",
    // leading zeros, out-of-range octets, a trailing dot
    "01.0.0.0", "10.00.0.0", "256.0.0.0", "10.0.0.999", "1.2.3.", "1.2.3.4.",
    // prefix lengths that are not 1 or 2 canonical decimal digits
    "0.0.0.0/.", "0.0.0.0/:", "0.0.0.0/08", "0.0.0.0/00", "0.0.0.0/1.", "0.0.0.0/1:", "0.0.0.0/:0", "0.0.0.0/100", "0.0.0.0/010",
  ])("%j gets the general parser's answer, not the fast path's", (text) => {
    expect(fastCanonicalIPv4Prefix(text)).toBeUndefined();
    expect(outcome(() => canonicalPrefixFast(text, 4))).toEqual(outcome(() => canonicalPrefix(text, 4)));
  });

  it("refuses non-canonical octets and lengths with FW_INVALID_PREFIX, or rewrites them canonically", () => {
    expect(outcome(() => canonicalPrefixFast("01.0.0.0", 4))).toMatchObject({ code: "FW_INVALID_PREFIX" });
    expect(outcome(() => canonicalPrefixFast("256.0.0.0", 4))).toMatchObject({ code: "FW_INVALID_PREFIX" });
    expect(outcome(() => canonicalPrefixFast("1.2.3.4.", 4))).toMatchObject({ code: "FW_INVALID_PREFIX" });
    expect(outcome(() => canonicalPrefixFast("0.0.0.0/100", 4))).toMatchObject({ code: "FW_INVALID_PREFIX" });
    expect(canonicalPrefixFast("0.0.0.0/08", 4)).toBe("0.0.0.0/8");
    expect(canonicalPrefixFast("0.0.0.0/010", 4)).toBe("0.0.0.0/10");
  });

  it("returns canonical text unchanged, adding /32 to a bare address", () => {
    expect(canonicalPrefixFast("10.0.0.0/8", 4)).toBe("10.0.0.0/8");
    expect(canonicalPrefixFast("255.255.255.255", 4)).toBe("255.255.255.255/32");
    expect(canonicalPrefixFast("10.0.0.1/32", 4)).toBe("10.0.0.1/32");
  });

  it("never takes the IPv4 fast path for an IPv6 dump", () => {
    expect(outcome(() => canonicalPrefixFast("10.0.0.0/8", 6))).toMatchObject({ code: "FW_INVALID_PREFIX" });
    expect(canonicalPrefixFast("fd00::/8", 6)).toBe("fd00::/8");
  });
});

describe("createMemo", () => {
  function counted<V>(limit: number, f: (k: string) => V): { memo: (k: string) => V; calls: string[] } {
    const calls: string[] = [];
    return { memo: createMemo(limit, (k) => { calls.push(k); return f(k); }), calls };
  }

  it("computes each key once while under the limit", () => {
    const { memo, calls } = counted(3, (k) => k.toUpperCase());
    expect([memo("a"), memo("b"), memo("a"), memo("b")]).toEqual(["A", "B", "A", "B"]);
    expect(calls).toEqual(["a", "b"]);
  });

  it("remembers an undefined result too", () => {
    const { memo, calls } = counted(3, () => undefined);
    expect([memo("a"), memo("a")]).toEqual([undefined, undefined]);
    expect(calls).toEqual(["a"]);
  });

  it("forgets every entry once it holds `limit` entries, then starts over", () => {
    const { memo, calls } = counted(2, (k) => k);
    memo("a"); memo("b"); // full
    memo("c"); // forgets a and b, keeps c
    memo("c"); memo("b"); memo("a");
    expect(calls).toEqual(["a", "b", "c", "b", "a"]);
  });
});

describe("canonicalAddressMemo", () => {
  it.each([
    ["fd00::1", 4], ["10.0.0.1", 6], ["::ffff:10.0.0.1", 4],
  ] as const)("refuses %j for family %s like canonicalAddress", (text, family) => {
    const err = outcome(() => canonicalAddressMemo(text, family));
    expect(err).toMatchObject({ code: "FW_INVALID_ADDRESS", message: expect.stringContaining(`IPv${family} address`) });
    expect(err).toEqual(outcome(() => canonicalAddress(text, family)));
  });

  it.each([
    ["10.0.0.1", 4, "10.0.0.1"], ["FD00:0::1", 6, "fd00::1"], ["10.0.0.1", undefined, "10.0.0.1"], ["FD00::0:1", undefined, "fd00::1"],
  ] as const)("canonicalizes %j for family %s", (text, family, want) => {
    expect(canonicalAddressMemo(text, family)).toBe(want);
    expect(canonicalAddressMemo(text, family)).toBe(want); // and again, from the memo
  });
});
