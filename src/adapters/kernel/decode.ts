// Decodes iproute2 output blocks to text. Almost all of a dump is ASCII, and for an ASCII block
// a latin1 slice is the same text at a tenth of the cost of UTF-8 decoding; blocks with other
// bytes (UTF-8 interface names) go through a streaming TextDecoder, which also completes a
// character split across two blocks.
import { isAscii } from "node:buffer";

/** A stateful block decoder: call it with each block in order. */
export type BlockDecoder = (block: Uint8Array) => string;

/** Creates a decoder for one output stream. */
export function createBlockDecoder(): BlockDecoder {
  const utf8 = new TextDecoder("utf-8");
  // True while the UTF-8 decoder may hold the first bytes of a split character.
  let pending = false;
  return (block) => {
    if (!pending && isAscii(block)) return Buffer.from(block.buffer, block.byteOffset, block.byteLength).toString("latin1");
    pending = !isAscii(block);
    return utf8.decode(block, { stream: true });
  };
}
