// Token validators: what may reach an `ip -batch` line or a /run/netns path, and what is refused.
import { describe, expect, it } from "vitest";
import { refusal } from "./refusal.js";
import { FibwardenError } from "../../../../src/core/errors.js";
import {
  assertIntegerInRange, assertInterfaceName, assertNamespaceName, IFNAME_MAX_BYTES, isInterfaceName, refuseToken,
} from "../../../../src/core/render/tokens.js";


const IFNAME_RULE = 'interface name must be 1..15 bytes of [A-Za-z0-9_.:@-], not "." or "..", not starting with "-"';
const NETNS_RULE = 'namespace name must be 1..64 bytes of [A-Za-z0-9_.-], not "." or "..", not starting with "-"';

// Shell and batch metacharacters, blanks, line breaks, non-ASCII, path tricks, non-strings.
const BAD_COMMON: unknown[] = [
  "", "a b", "a\tb", "a\nb", "eth0\n", "a\rb", "a;b", "a|b", "a&b", "a$b", "a`b", "a'b", "a\"b", "a#b",
  "a\\b", "a/b", "../x", "a*b", "a(b", "a>b", "ä0", "a\u0000b", ".", "..", "-x", "-", 5, null, undefined, ["eth0"],
];

describe("interface names", () => {
  it("uses Linux's IFNAMSIZ-1 as the byte limit", () => {
    expect(IFNAME_MAX_BYTES).toBe(15);
  });

  it("accepts names at the length bounds: one byte and fifteen bytes", () => {
    expect(isInterfaceName("a")).toBe(true);
    expect(assertInterfaceName("a", "dev")).toBe("a");
    expect(assertInterfaceName("x".repeat(15), "dev")).toBe("x".repeat(15));
    expect(isInterfaceName("x".repeat(16))).toBe(false);
  });

  it("accepts every allowed character class: letters, digits, _ . : @ -", () => {
    for (const name of ["eth0", "ETH0", "v1.10", "lo:fw", "eth0@peer", "a_b-c", "...", "x-"]) {
      expect(isInterfaceName(name)).toBe(true);
      expect(assertInterfaceName(name, "dev")).toBe(name);
    }
  });

  it.each(BAD_COMMON.concat(["x".repeat(16)]))("refuses %j", (name) => {
    expect(isInterfaceName(name)).toBe(false);
    const err = refusal(() => assertInterfaceName(name, "route.dev"));
    expect(err.message.startsWith(`route.dev: ${IFNAME_RULE} (`)).toBe(true);
  });

  it("names the field, the rule and the offending value in the message, with structured details", () => {
    const err = refusal(() => assertInterfaceName("eth0;rm", "route.nexthops[0].dev"));
    expect(err).toBeInstanceOf(FibwardenError);
    expect(err.message).toBe(`route.nexthops[0].dev: ${IFNAME_RULE} ("eth0;rm")`);
    expect(err.details).toEqual({ field: "route.nexthops[0].dev", value: "eth0;rm" });
  });
});

describe("namespace names", () => {
  it("accepts names at the length bounds: one byte and sixty-four bytes", () => {
    expect(assertNamespaceName("a")).toBe("a");
    expect(assertNamespaceName("n".repeat(64))).toBe("n".repeat(64));
  });

  it("accepts letters, digits, _ . - (dots and dashes inside or at the end)", () => {
    for (const name of ["blue", "NS_1", "ns.v1", "ns-", "...", "a.b-c_d"]) expect(assertNamespaceName(name)).toBe(name);
  });

  it.each(BAD_COMMON.concat(["n".repeat(65), "a:b", "a@b"]))("refuses %j", (name) => {
    const err = refusal(() => assertNamespaceName(name, "vrf.netns"));
    expect(err.message.startsWith(`vrf.netns: ${NETNS_RULE} (`)).toBe(true);
  });

  it("refuses a BigInt or a circular object as FW_INVALID_TOKEN, naming the value", () => {
    expect(() => assertIntegerInRange(10n as never, 1, 255, "p")).toThrow(expect.objectContaining({ code: "FW_INVALID_TOKEN", message: "p: must be an integer in 1..255 (10)" }));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => assertIntegerInRange(circular as never, 1, 255, "p")).toThrow(expect.objectContaining({ code: "FW_INVALID_TOKEN" }));
  });

  it("refuses a non-string as FW_INVALID_TOKEN, not as a TypeError", () => {
    expect(() => assertNamespaceName(42)).toThrow(FibwardenError);
    expect(() => assertNamespaceName({ length: 3 })).toThrow(FibwardenError);
  });

  it("names the field netns by default, with the rule and the offending value", () => {
    const err = refusal(() => assertNamespaceName(".."));
    expect(err.message).toBe(`netns: ${NETNS_RULE} ("..")`);
    expect(err.details).toEqual({ field: "netns", value: ".." });
  });
});

describe("integers in range", () => {
  it("accepts both bounds", () => {
    expect(assertIntegerInRange(1, 1, 255, "ownProtocol")).toBe(1);
    expect(assertIntegerInRange(255, 1, 255, "ownProtocol")).toBe(255);
    expect(assertIntegerInRange(0, 0, 0xffffffff, "metric")).toBe(0);
    expect(assertIntegerInRange(0xffffffff, 0, 0xffffffff, "metric")).toBe(0xffffffff);
  });

  it.each<unknown>([0, 256, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "5", "1 ", null, undefined])("refuses %s for 1..255", (n) => {
    const err = refusal(() => assertIntegerInRange(n, 1, 255, "ownProtocol"));
    expect(err.message.startsWith("ownProtocol: must be an integer in 1..255 (")).toBe(true);
  });

  it("states the range and the offending value in the message, with structured details", () => {
    const err = refusal(() => assertIntegerInRange(256, 1, 255, "ownProtocol"));
    expect(err.message).toBe("ownProtocol: must be an integer in 1..255 (256)");
    expect(err.details).toEqual({ field: "ownProtocol", value: 256 });
  });
});

describe("refuseToken", () => {
  it("throws FW_INVALID_TOKEN with the field, the reason and the JSON of the value", () => {
    const err = refusal(() => refuseToken("kind", "not renderable", "x y"));
    expect(err.message).toBe('kind: not renderable ("x y")');
    expect(err.details).toEqual({ field: "kind", value: "x y" });
  });
});
