// Shared by the BIRD parser tests and update-golden.ts: where the transcripts are, which parser
// reads which transcript, and the JSON form of a parse that the golden files store.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FibwardenError } from "../../../../src/core/errors.js";
import {
  BirdCommandError, frameTranscript, parseMemory, parseProtocols, parseRouteCount, parseRoutes, parseStatus,
  type ReplyLine,
} from "../../../../src/core/bird/index.js";

/** Root of the BIRD transcripts (copied from /work/shared/fixtures/bird, plus the synthetic BIRD 3 set). */
export const FIXTURE_ROOT = fileURLToPath(new URL("../../../fixtures/bird/", import.meta.url));
/** Root of the golden parses. */
export const GOLDEN_ROOT = fileURLToPath(new URL("../../../fixtures/bird/golden/", import.meta.url));

/** Transcript folders: three real daemons and the synthetic BIRD 3 set. */
export const DAEMONS = ["bird-2.0.12", "bird-1.6.8", "bird6-1.6.8", "bird-3-synthetic"] as const;
export type Daemon = (typeof DAEMONS)[number];

/** The raw bytes of a transcript. */
export function fixtureBytes(daemon: Daemon, file: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURE_ROOT}${daemon}/${file}`));
}

/** A transcript framed into lines. */
export function fixtureLines(daemon: Daemon, file: string): ReplyLine[] {
  return frameTranscript(fixtureBytes(daemon, file));
}

/** Every transcript (`*.txt`) of a daemon folder, sorted. */
export function listTranscripts(daemon: Daemon): string[] {
  return readdirSync(`${FIXTURE_ROOT}${daemon}`).filter((f) => f.endsWith(".txt")).sort();
}

/** Which parser reads a transcript, by its command (the file name). */
export type ParserKind = "routes" | "count" | "protocols" | "status" | "memory" | "lines";

/** Picks the parser for a transcript file name such as `show-route-export-kernel1-count.txt`. */
export function parserKindFor(file: string): ParserKind {
  const cmd = file.replace(/\.txt$/, "");
  if (cmd.startsWith("show-route") && cmd.endsWith("count")) return "count";
  if (cmd.startsWith("show-route")) return "routes";
  if (cmd.startsWith("show-protocols")) return "protocols";
  if (cmd === "show-status") return "status";
  if (cmd === "show-memory") return "memory";
  // greeting, show-interfaces*, show-threads, and the error transcripts of invalid commands
  // (which no parser would be asked to read) are checked at the framing level.
  return "lines";
}

/** Parser options that depend on the daemon: BIRD 1.6 has one table and one family. */
export function optionsFor(daemon: Daemon): { defaultTable: string; legacyFamily: 4 | 6 } {
  return { defaultTable: "master", legacyFamily: daemon === "bird6-1.6.8" ? 6 : 4 };
}

/** What a golden file stores: the parser used and its result, or the error it threw. */
export interface GoldenParse {
  parser: ParserKind;
  result?: unknown;
  error?: { code: string; birdCode?: number; birdText?: string; retryable: boolean };
}

/** Parses already framed lines with the given parser. */
export function runParser(kind: ParserKind, daemon: Daemon, lines: ReplyLine[]): unknown {
  const opts = optionsFor(daemon);
  switch (kind) {
    case "routes": return parseRoutes(lines, { defaultTable: opts.defaultTable });
    case "count": return parseRouteCount(lines, opts.defaultTable);
    case "protocols": return parseProtocols(lines, { legacyFamily: opts.legacyFamily });
    case "status": return parseStatus(lines);
    case "memory": return parseMemory(lines);
    case "lines": return lines;
  }
}

/** Parses a transcript into its golden form (errors included). */
export function parseTranscript(daemon: Daemon, file: string, lines?: ReplyLine[]): GoldenParse {
  const parser = parserKindFor(file);
  try {
    const framed = lines ?? fixtureLines(daemon, file);
    if (parser === "lines") {
      // A refused command is still a complete, well-framed reply: record the refusal.
      const last = framed[framed.length - 1];
      if (last !== undefined && last.code >= 8000) throw new BirdCommandError(last.code, last.text);
    }
    return { parser, result: runParser(parser, daemon, framed) };
  } catch (err) {
    if (!(err instanceof FibwardenError)) throw err;
    const error: GoldenParse["error"] = { code: err.code, retryable: err.retryable };
    if (err instanceof BirdCommandError) {
      error.birdCode = err.birdCode;
      error.birdText = err.birdText;
    }
    return { parser, error };
  }
}

/** Path of the golden file of a transcript. */
export function goldenPath(daemon: Daemon, file: string): string {
  return `${GOLDEN_ROOT}${daemon}/${file.replace(/\.txt$/, ".json")}`;
}

/** Formats a golden parse as JSON with one record per line, so that a reviewer can read it. */
export function formatGolden(parse: GoldenParse): string {
  const { result } = parse;
  if (Array.isArray(result)) {
    const body = result.map((item) => `  ${JSON.stringify(item)}`).join(",\n");
    return `{"parser": ${JSON.stringify(parse.parser)}, "result": [\n${body}\n]}\n`;
  }
  return `${JSON.stringify(parse, null, 1)}\n`;
}

/** Reads a golden file back (undefined when it does not exist yet). */
export function readGolden(daemon: Daemon, file: string): GoldenParse | undefined {
  const p = goldenPath(daemon, file);
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as GoldenParse) : undefined;
}
