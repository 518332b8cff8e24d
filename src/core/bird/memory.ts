// Parser of `show memory`:
//   BIRD 2/3: `Routing tables:     58.4 kB   6352.0  B` (effective, overhead) under a header line
//   BIRD 1.6: `Routing tables:     58 kB` (one column)
// Sizes are printed with binary units (kB = 1024 B) and are returned in bytes.
import { consumeLines, ReplyConsumer } from "./consumer.js";
import type { ReplyLine } from "./framing.js";
import { splitFields } from "./strings.js";

/** One line of `show memory`, sizes in bytes. */
export interface BirdMemoryEntry {
  name: string;
  effective: number;
  /** Allocator overhead (BIRD 2+). */
  overhead?: number;
}

/** The parsed `show memory` reply. */
export interface BirdMemory {
  entries: BirdMemoryEntry[];
  total?: BirdMemoryEntry;
}

const UNITS: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Converts `58.4` + `kB` into bytes, or returns undefined. */
export function sizeToBytes(number: string, unit: string): number | undefined {
  const mult = UNITS[unit];
  if (mult === undefined || !/^\d+(\.\d+)?$/.test(number)) return undefined;
  return Math.round(Number(number) * mult);
}

/** Collects a `show memory` reply; read `result` after `end()`. */
export class MemoryParser extends ReplyConsumer {
  private readonly memory: BirdMemory = { entries: [] };

  /** The memory report; valid once the reply is complete. */
  get result(): BirdMemory {
    return this.memory;
  }

  protected onLine(_code: number, text: string): void {
    const colon = text.indexOf(":");
    if (colon < 0) return; // the "BIRD memory usage" title and the column header
    const name = text.slice(0, colon).trim();
    const fields = splitFields(text.slice(colon + 1));
    if (fields.length !== 2 && fields.length !== 4) throw this.parseError("bad show memory line", text);
    const effective = sizeToBytes(fields[0] ?? "", fields[1] ?? "");
    const overhead = fields.length === 4 ? sizeToBytes(fields[2] ?? "", fields[3] ?? "") : undefined;
    if (effective === undefined || (fields.length === 4 && overhead === undefined)) {
      throw this.parseError("bad size in show memory", text);
    }
    const entry: BirdMemoryEntry = overhead === undefined ? { name, effective } : { name, effective, overhead };
    if (name === "Total") this.memory.total = entry;
    else this.memory.entries.push(entry);
  }

  protected onFinal(): void {}
}

/** Parses a whole `show memory` reply. */
export function parseMemory(lines: Iterable<ReplyLine>): BirdMemory {
  return consumeLines(new MemoryParser(), lines).result;
}
