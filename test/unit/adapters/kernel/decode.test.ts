// The block decoder: ASCII blocks take the latin1 path, UTF-8 split across blocks still decodes.
import { describe, expect, it } from "vitest";
import { createBlockDecoder } from "../../../../src/adapters/kernel/decode.js";

describe("createBlockDecoder", () => {
  it("decodes any split of mixed ASCII and UTF-8 text to the original", () => {
    const text = '[{"dev":"eth0"},{"dev":"ĺö→x"},{"dev":"v1.10"},{"dev":"😀"}]'.repeat(3);
    const bytes = new TextEncoder().encode(text);
    for (let size = 1; size <= 17; size++) {
      const decode = createBlockDecoder();
      let out = "";
      for (let i = 0; i < bytes.length; i += size) out += decode(bytes.subarray(i, i + size));
      expect(out).toBe(text);
    }
  });
});
