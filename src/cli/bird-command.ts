// Which parser answers a `fibwarden bird` command, decided from every word of it: a structured
// birdc must never quietly answer a different question than the one asked. A shape no parser
// represents exactly is refused (FW_INVALID_TOKEN, with `--raw` as the way out), never
// answered with something else; names are validated before they reach BIRD. Pure.
import { checkBirdName } from "../adapters/bird/queries.js";
import { FibwardenError } from "../core/errors.js";

/** A command a parser answers exactly, with the text that goes to BIRD. */
export type BirdCliCommand =
  | { kind: "status"; command: string }
  | { kind: "memory"; command: string }
  | { kind: "protocols"; command: string; all: boolean; name?: string }
  | { kind: "route-count"; command: string }
  | { kind: "routes"; command: string };

/** Options of `show route` that take a protocol or table name as their argument. */
const NAMED_ROUTE_OPTIONS: Record<string, string> = {
  protocol: "protocol", export: "protocol", preexport: "protocol", noexport: "protocol", table: "table",
};

/** Options of `show route` whose reply no parser reads. */
const UNPARSED_ROUTE_OPTIONS = new Set(["stats"]);

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Splits a command into words, a double-quoted string being one word (BIRD's own lexing of strings). */
export function splitBirdWords(command: string): string[] {
  return command.match(/"[^"]*"?|[^\s"]+/g) ?? [];
}

function refuse(command: string, why: string): never {
  throw new FibwardenError("FW_INVALID_TOKEN", `${JSON.stringify(command)}: ${why}; use --raw to see BIRD's own reply`, { details: { command } });
}

/**
 * Matches the words of a `fibwarden bird` command to the parser that answers it exactly; throws
 * FW_INVALID_TOKEN for a shape no parser represents and for an invalid protocol or table name.
 */
export function matchBirdCommand(words: readonly string[]): BirdCliCommand {
  const command = words.join(" ").trim();
  if (CONTROL.test(command)) throw new FibwardenError("FW_INVALID_TOKEN", `control characters in the command ${JSON.stringify(command)}`, { details: { command } });
  const w = splitBirdWords(command);
  if (w[0] !== "show") refuse(command, "only `show` commands are parsed");
  const [, what, ...rest] = w;
  if (what === "status" || what === "memory") {
    if (rest.length > 0) refuse(command, `\`show ${what}\` takes no more words (${rest.join(" ")})`);
    return { kind: what, command };
  }
  if (what === "protocols") return matchProtocols(command, rest);
  if (what === "route") return matchRoute(command, rest);
  return refuse(command, `no parser for \`show ${what ?? ""}\` (parsed: show status, show memory, show protocols [all] [NAME], show route ...)`);
}

function matchProtocols(command: string, rest: readonly string[]): BirdCliCommand {
  const all = rest[0] === "all";
  const names = all ? rest.slice(1) : rest;
  if (names.length > 1) refuse(command, `\`show protocols [all] [NAME]\` takes one protocol name, not ${names.length} (${names.join(" ")})`);
  const name = names[0];
  if (name === undefined) return { kind: "protocols", command, all };
  if (name.startsWith("\"")) refuse(command, `protocol patterns (${name}) are not parsed: name one protocol`);
  return { kind: "protocols", command, all, name: checkBirdName(name, "protocol") };
}

function matchRoute(command: string, rest: readonly string[]): BirdCliCommand {
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (UNPARSED_ROUTE_OPTIONS.has(word)) refuse(command, `no parser for \`show route ... ${word}\``);
    const named = NAMED_ROUTE_OPTIONS[word];
    if (named === undefined) continue;
    const arg = rest[i + 1];
    if (arg === undefined) refuse(command, `\`${word}\` needs a ${named} name`);
    checkBirdName(arg, named);
    i++;
  }
  return rest.includes("count") ? { kind: "route-count", command } : { kind: "routes", command };
}
