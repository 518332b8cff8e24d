// Parser of `show status`:
//   1000-BIRD 2.0.12
//   1011-Router ID is 10.111.255.2
//    Hostname is vm                               (BIRD 2+)
//    Current server time is 2026-11-22 18:53:56.815
//    Last reboot on 2026-11-22 18:53:14.444
//    Last reconfiguration on 2026-11-22 18:53:14.444
//   0013 Daemon is up and running
import { consumeLines, ReplyConsumer } from "./consumer.js";
import type { ReplyLine } from "./framing.js";

/** The parsed `show status` reply. */
export interface BirdStatus {
  /** Version number, e.g. "2.0.12". */
  version: string;
  routerId?: string;
  hostname?: string;
  serverTime?: string;
  lastReboot?: string;
  lastReconfiguration?: string;
  /** The final line, e.g. "Daemon is up and running" or "Reconfiguration in progress". */
  message: string;
  /** True when the message says the daemon is up and running. */
  up: boolean;
  /** Lines not recognised above (e.g. graceful restart notes). */
  notes: string[];
}

const PREFIXES: ReadonlyArray<readonly [string, "routerId" | "hostname" | "serverTime" | "lastReboot" | "lastReconfiguration"]> = [
  ["Router ID is ", "routerId"],
  ["Hostname is ", "hostname"],
  ["Current server time is ", "serverTime"],
  ["Last reboot on ", "lastReboot"],
  ["Last reconfiguration on ", "lastReconfiguration"],
];

/** Collects a `show status` reply; read `result` after `end()`. */
export class StatusParser extends ReplyConsumer {
  private readonly status: BirdStatus = { version: "", message: "", up: false, notes: [] };

  /** The status; valid once the reply is complete. */
  get result(): BirdStatus {
    return this.status;
  }

  protected onLine(code: number, text: string): void {
    if (code === 1000) {
      this.status.version = text.startsWith("BIRD ") ? text.slice(5) : text;
      return;
    }
    for (const [prefix, key] of PREFIXES) {
      if (text.startsWith(prefix)) {
        this.status[key] = text.slice(prefix.length);
        return;
      }
    }
    this.status.notes.push(text);
  }

  protected onFinal(code: number, text: string): void {
    if (code !== 13) throw this.parseError(`unexpected final code ${code} in show status`, text);
    this.status.message = text;
    this.status.up = text === "Daemon is up and running";
    if (this.status.version === "") throw this.parseError("show status without a version line", text);
  }
}

/** Parses a whole `show status` reply. */
export function parseStatus(lines: Iterable<ReplyLine>): BirdStatus {
  return consumeLines(new StatusParser(), lines).result;
}
