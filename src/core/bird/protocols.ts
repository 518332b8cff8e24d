// Streaming parser of `show protocols` and `show protocols all`.
//   2002-Name       Proto      Table      State  Since         Info          (heading, skipped)
//   1002-up_a4      BGP        ---        up     18:53:18.814  Established   (one per protocol)
//   1006-  BGP state:          Established                              (`all`: detail block)
//          Neighbor address: 10.111.1.1 ...
//     Channel ipv4                                                     (BIRD 2/3 only)
//       State: UP / Table: master4 / Routes: ... / Route change stats ...
// BIRD 1.6 prints Preference, filters, Routes and change stats at protocol level, before the
// BGP block; they become one channel named after the daemon's family.
import { canonicalAddress } from "../net/ip.js";
import { consumeLines, ReplyConsumer } from "./consumer.js";
import type { ReplyLine } from "./framing.js";
import type { BirdBgpSession, BirdChannel, BirdProtocol, BirdRouteStats } from "./protocol-types.js";
import { indentOf, parseUint, splitFields } from "./strings.js";

/** Options of the protocols parser. */
export interface ProtocolsParserOptions {
  /** Receives each protocol once its block is complete. */
  onProtocol: (protocol: BirdProtocol) => void;
  /** Family of a BIRD 1.6 daemon (4 for `bird`, 6 for `bird6`), naming its implicit channel. */
  legacyFamily?: 4 | 6;
}

const CODE_HEADING = 2002;
const CODE_PROTOCOL = 1002;
const STATS_ROWS: Record<string, string> = {
  "Import updates": "importUpdates",
  "Import withdraws": "importWithdraws",
  "Export updates": "exportUpdates",
  "Export withdraws": "exportWithdraws",
};
const LEGACY_CHANNEL_KEYS = new Set([
  "Preference", "Input filter", "Output filter", "Routes", "Route change stats",
  "Import limit", "Receive limit", "Export limit",
]);
const DATE = /^(\d{4}-\d{2}-\d{2}|\d{2}-\d{2}-\d{4})$/;

type Section = "proto" | "bgp" | "caps" | "channel";

/** `RX limit` → `rxLimit`. */
function camelColumn(name: string): string {
  const words = name.toLowerCase().split(" ");
  return words.map((w, i) => (i === 0 ? w : (w[0] ?? "").toUpperCase() + w.slice(1))).join("");
}

/** A state machine that turns `show protocols [all]` lines into BirdProtocol records. */
export class ProtocolsParser extends ReplyConsumer {
  private readonly onProtocol: (protocol: BirdProtocol) => void;
  private readonly legacyChannelName: string;
  private proto: BirdProtocol | undefined;
  private section: Section = "proto";
  private sectionIndent = 0;
  private bgpIndent = 0;
  private channel: BirdChannel | undefined;
  private caps: string[] | undefined;
  private statsTarget: BirdChannel | undefined;
  private statsColumns: string[] = [];

  constructor(opts: ProtocolsParserOptions) {
    super();
    this.onProtocol = opts.onProtocol;
    this.legacyChannelName = opts.legacyFamily === 6 ? "ipv6" : "ipv4";
  }

  protected onLine(code: number, text: string): void {
    if (code === CODE_HEADING) return;
    if (code === CODE_PROTOCOL) {
      this.flush();
      this.proto = this.parseSummary(text);
      return;
    }
    if (this.proto === undefined) throw this.parseError(`unexpected code ${code} before any protocol`, text);
    this.detailLine(this.proto, text);
  }

  protected onFinal(): void {
    this.flush();
  }

  private flush(): void {
    const p = this.proto;
    if (p === undefined) return;
    this.proto = undefined;
    this.section = "proto";
    this.channel = undefined;
    this.caps = undefined;
    this.statsTarget = undefined;
    this.onProtocol(p);
  }

  /** Parses `name proto table state since info`; `since` may be `date time`. */
  private parseSummary(text: string): BirdProtocol {
    const fields = splitFields(text);
    if (fields.length < 5) throw this.parseError("a protocol line has fewer than 5 columns", text);
    const [name, proto, table, state] = fields as [string, string, string, string];
    let sinceFields = 1;
    if (DATE.test(fields[4] ?? "") && (fields[5] ?? "").includes(":")) sinceFields = 2;
    const since = fields.slice(4, 4 + sinceFields).join(" ");
    // Info is the rest of the line with its inner spacing, found after the since field(s).
    let pos = 0;
    for (let i = 0; i < 4 + sinceFields; i++) {
      pos = text.indexOf(fields[i] as string, pos) + (fields[i] as string).length;
    }
    const p: BirdProtocol = {
      name, proto, state, since, info: text.slice(pos).trim(), channels: [], details: {},
    };
    if (table !== "---") p.table = table;
    return p;
  }

  private detailLine(p: BirdProtocol, text: string): void {
    const t = text.trim();
    if (t.length === 0) return;
    const indent = indentOf(text);
    if (this.section === "caps") {
      if (indent > this.sectionIndent) { this.caps?.push(t); return; }
      this.section = "bgp";
      this.sectionIndent = this.bgpIndent;
    }
    if ((this.section === "bgp" || this.section === "channel") && indent <= this.sectionIndent) {
      this.section = "proto";
    }
    const colon = t.indexOf(":");
    if (colon < 0) {
      if (t.startsWith("Channel ")) {
        this.channel = { name: t.slice(8).trim(), details: {} };
        p.channels.push(this.channel);
        this.section = "channel";
        this.sectionIndent = indent;
        return;
      }
      if ((t === "Local capabilities" || t === "Neighbor capabilities") && p.bgp !== undefined) {
        this.caps = [];
        if (t === "Local capabilities") p.bgp.localCapabilities = this.caps;
        else p.bgp.neighborCapabilities = this.caps;
        this.section = "caps";
        this.sectionIndent = indent;
        return;
      }
      this.targetDetails(p)[t] = "";
      return;
    }
    const key = t.slice(0, colon).trim();
    const value = t.slice(colon + 1).trim();
    const row = STATS_ROWS[key];
    if (row !== undefined && this.statsTarget !== undefined) {
      this.addStatsRow(this.statsTarget, row, value, text);
      return;
    }
    if (key === "BGP state") {
      p.bgp = { state: value, details: {} };
      this.section = "bgp";
      this.sectionIndent = indent;
      this.bgpIndent = indent;
      return;
    }
    if (this.section === "bgp" && p.bgp !== undefined) {
      this.bgpLine(p.bgp, key, value, text);
      return;
    }
    if (this.section === "channel" && this.channel !== undefined) {
      this.channelLine(this.channel, key, value, text);
      return;
    }
    if (LEGACY_CHANNEL_KEYS.has(key)) {
      this.channelLine(this.legacyChannel(p), key, value, text);
      return;
    }
    switch (key) {
      case "Description": p.description = value; return;
      case "Message": p.message = value; return;
      case "Created": p.created = value; return;
      default: p.details[key] = value;
    }
  }

  private targetDetails(p: BirdProtocol): Record<string, string> {
    if (this.section === "channel" && this.channel !== undefined) return this.channel.details;
    if (this.section === "bgp" && p.bgp !== undefined) return p.bgp.details;
    return p.details;
  }

  private legacyChannel(p: BirdProtocol): BirdChannel {
    let ch = p.channels[0];
    if (ch === undefined) {
      ch = { name: this.legacyChannelName, implicit: true, details: {} };
      if (p.table !== undefined) ch.table = p.table;
      p.channels.push(ch);
    }
    return ch;
  }

  private bgpLine(bgp: BirdBgpSession, key: string, value: string, text: string): void {
    switch (key) {
      case "Neighbor address": bgp.neighborAddress = this.address(value, text); return;
      case "Neighbor AS": bgp.neighborAs = this.uint(value, text); return;
      case "Local AS": bgp.localAs = this.uint(value, text); return;
      case "Neighbor ID": bgp.neighborId = value; return;
      case "Session": bgp.session = value; return;
      case "Source address": bgp.sourceAddress = this.address(value, text); return;
      case "Hold timer": bgp.holdTimer = value; return;
      case "Keepalive timer": bgp.keepaliveTimer = value; return;
      case "Last error": bgp.lastError = value; return;
      default: bgp.details[key] = value;
    }
  }

  private channelLine(ch: BirdChannel, key: string, value: string, text: string): void {
    switch (key) {
      case "State": ch.state = value; return;
      case "Import state": ch.importState = value; return;
      case "Export state": ch.exportState = value; return;
      case "Table": ch.table = value; return;
      case "Preference": ch.preference = this.uint(value, text); return;
      case "Input filter": ch.inputFilter = value; return;
      case "Output filter": ch.outputFilter = value; return;
      case "Routes": ch.routes = this.routeStats(value, text); return;
      case "Route change stats":
        this.statsTarget = ch;
        this.statsColumns = value.split(/\s{2,}/).filter((c) => c !== "").map(camelColumn);
        ch.changeStats = {};
        return;
      case "BGP Next hop": ch.bgpNextHop = value.split(" ").filter((a) => a !== "").map((a) => this.address(a, text)); return;
      default: ch.details[key] = value;
    }
  }

  private addStatsRow(ch: BirdChannel, row: string, value: string, text: string): void {
    const cells = splitFields(value);
    if (cells.length !== this.statsColumns.length) throw this.parseError("route change stats row does not match its header", text);
    const out: Record<string, number | null> = {};
    this.statsColumns.forEach((col, i) => {
      const cell = cells[i] as string;
      out[col] = cell === "---" ? null : this.uint(cell, text);
    });
    (ch.changeStats ??= {})[row] = out;
  }

  /** Parses `305 imported, 1 filtered, 2 exported, 305 preferred`. */
  private routeStats(value: string, text: string): BirdRouteStats {
    const stats: BirdRouteStats = { imported: 0, exported: 0, preferred: 0 };
    const seen = new Set<string>();
    for (const part of value.split(",")) {
      const [n, word, extra] = splitFields(part);
      if (n === undefined || word === undefined || extra !== undefined) throw this.parseError("bad Routes line", text);
      const v = this.uint(n, text);
      if (word === "imported" || word === "filtered" || word === "exported" || word === "preferred") {
        stats[word] = v;
        seen.add(word);
      } else {
        throw this.parseError(`unknown route count "${word}"`, text);
      }
    }
    // Pipe channels print only `N imported, M exported`: preferred stays 0 there.
    if (!seen.has("imported") || !seen.has("exported")) throw this.parseError("incomplete Routes line", text);
    return stats;
  }

  private uint(s: string, text: string): number {
    const v = parseUint(s);
    if (v === undefined) throw this.parseError(`not a number: ${JSON.stringify(s)}`, text);
    return v;
  }

  private address(s: string, text: string): string {
    try {
      return canonicalAddress(s);
    } catch (err) {
      throw this.parseError(`not an address: ${JSON.stringify(s)}`, text, err);
    }
  }
}

/** Parses a whole `show protocols [all]` reply into an array. */
export function parseProtocols(lines: Iterable<ReplyLine>, opts: Omit<ProtocolsParserOptions, "onProtocol"> = {}): BirdProtocol[] {
  const out: BirdProtocol[] = [];
  consumeLines(new ProtocolsParser({ ...opts, onProtocol: (p) => out.push(p) }), lines);
  return out;
}
