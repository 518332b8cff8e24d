// The IPv6 fast path gives the general parser's answer or steps aside: on canonical text (what
// BIRD and iproute2 print) it answers, on anything else it returns undefined and the general path
// canonicalizes or throws.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalPrefix, formatIPv6 } from "../../../../src/core/net/ip.js";
import { canonicalPrefixFast, fastCanonicalIPv6Prefix } from "../../../../src/core/parse/fast-canonical.js";
import { canonicalNetwork } from "../../../../src/core/bird/addresses.js";

const FC_RUNS = Number(process.env.FC_RUNS ?? 2000);

const general = (text: string): string | Error => {
  try { return canonicalPrefix(text, 6); } catch (err) { return err as Error; }
};

// Groups biased towards zero runs, so that `::` placement is exercised.
const groupArb = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 0xffff }));
const groupsArb = fc.array(groupArb, { minLength: 8, maxLength: 8 });
const lenArb = fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 128 }), fc.constantFrom(48, 56, 64, 128));

/** Text forms of groups: canonical, full, uppercase, leading zeros, `::` in other places. */
function spellings(groups: number[]): string[] {
  const out = [formatIPv6(groups), groups.map((g) => g.toString(16)).join(":"), formatIPv6(groups).toUpperCase(),
    groups.map((g) => g.toString(16).padStart(4, "0")).join(":")];
  for (let s = 0; s < 8; s++) {
    for (let e = s + 1; e <= 8; e++) {
      if (groups.slice(s, e).every((g) => g === 0)) {
        out.push(`${groups.slice(0, s).map((g) => g.toString(16)).join(":")}::${groups.slice(e).map((g) => g.toString(16)).join(":")}`);
      }
    }
  }
  return out;
}

describe("fastCanonicalIPv6Prefix", () => {
  it("answers exactly as canonicalPrefix, or steps aside (property: many spellings of random prefixes)", () => {
    fc.assert(fc.property(groupsArb, lenArb, fc.constantFrom("", "0", "00"), (groups, len, pad) => {
      for (const addr of spellings(groups)) {
        const text = len === undefined ? addr : `${addr}/${pad === "" || len > 9 ? "" : pad}${len}`;
        const fast = fastCanonicalIPv6Prefix(text);
        const slow = general(text);
        if (fast !== undefined) expect(fast, text).toBe(slow);
        if (slow instanceof Error) expect(fast, text).toBeUndefined();
        let viaFast: string | Error;
        try { viaFast = canonicalPrefixFast(text, 6); } catch (err) { viaFast = err as Error; }
        if (slow instanceof Error) expect((viaFast as Error).message, text).toBe(slow.message);
        else expect(viaFast, text).toBe(slow);
      }
    }), { numRuns: FC_RUNS });
  });

  it("answers every canonical prefix (the fast path is taken, not only correct)", () => {
    fc.assert(fc.property(groupsArb, fc.integer({ min: 0, max: 128 }), (groups, len) => {
      const canon = canonicalPrefix(`${formatIPv6(groups)}/${len}`, 6, { strict: false });
      expect(fastCanonicalIPv6Prefix(canon), canon).toBe(canon);
      expect(canonicalNetwork(canon)).toBe(canon);
      const host = formatIPv6(groups);
      expect(fastCanonicalIPv6Prefix(host)).toBe(`${host}/128`);
    }), { numRuns: FC_RUNS });
  });

  it("steps aside on odd text", () => {
    for (const t of ["", "/64", "::/", "::/129", "::/064", "1:", ":1", "1:::2", "1::2::3", "::ffff:1.2.3.4", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7", "1::2:3:4:5:6:7", "1:0::2", "0:0:1:0::", "1:0:0:2::3:4", "12345::", "g::", "fd00::1/48", "::1/", "::1/a"]) {
      expect(fastCanonicalIPv6Prefix(t), t).toBeUndefined();
    }
    expect(fastCanonicalIPv6Prefix("fd00::/48")).toBe("fd00::/48");
    expect(fastCanonicalIPv6Prefix("::/0")).toBe("::/0");
    expect(fastCanonicalIPv6Prefix("1::")).toBe("1::/128");
    expect(fastCanonicalIPv6Prefix("0:0:1::")).toBe("0:0:1::/128"); // the longer run is the one compressed
    expect(fastCanonicalIPv6Prefix("1:0:0:2:0:0:0:3")).toBeUndefined(); // not compressed: the general path's
    expect(canonicalPrefixFast("1:0:0:2:0:0:0:3", 6)).toBe("1:0:0:2::3/128");
    expect(fastCanonicalIPv6Prefix("1:0:0:2::3")).toBe("1:0:0:2::3/128");
  });
});
