// Parser of a reply about ONE network (`show route <net> [export <p>]`). BIRD ends it in one of
// three ways, observed on BIRD 2.0.12 and 1.6.8:
//   routes, then `0000`                 the network's routes (those the filter lets through)
//   `0000` alone                        BIRD has the network, but the filter rejects every route
//   `8001 Network not found`            BIRD has no such network (1.6: `8001 Network not in table`)
// For a lookup the third is an empty answer, not a refusal: it must neither raise nor make the
// client drop a connection whose reply ended cleanly.
import type { ReplyLineKind } from "./framing.js";
import { BIRD_CODE_NETWORK_NOT_FOUND } from "./reply-codes.js";
import { RouteParser } from "./route-parser.js";

/** A RouteParser that takes BIRD's `8001` (no such network) as an empty, complete reply. */
export class NetRouteParser extends RouteParser {
  private missing = false;

  /** True when BIRD answered that its table has no such network. */
  get notFound(): boolean {
    return this.missing;
  }

  override acceptLine(code: number, kind: ReplyLineKind, text: string): void {
    if (kind === "final" && code === BIRD_CODE_NETWORK_NOT_FOUND && this.routeCount === 0) {
      this.missing = true;
      super.acceptLine(0, kind, ""); // ends the reply as BIRD's `0000` would
      return;
    }
    super.acceptLine(code, kind, text);
  }
}
