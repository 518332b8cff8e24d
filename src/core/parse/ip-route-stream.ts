// Streaming form of parseIpRoutes: normalizes a route dump batch by batch while it is read.
import type { Route } from "../model/route.js";
import type { Family } from "../net/ip.js";
import { normalizeWireRoute } from "./ip-json.js";
import { scanFlatRouteBatch } from "./flat-route-scan.js";
import { createJsonArrayStream } from "./json-array-stream.js";

/** A push parser for `ip -<family> -json -details route show ...` output. */
export interface IpRouteStream {
  /** Feeds the next bytes of output. */
  push(bytes: Uint8Array): void;
  /** Feeds the next text of output (for callers that decode bytes themselves). */
  pushText(text: string): void;
  /** Ends the output and returns every route, in dump order. */
  end(): Route[];
}

/**
 * Creates a push parser for one family's route dump (same results and errors as parseIpRoutes);
 * `defaultTable` as there (the table of a `route show table N` dump). With `onRoute`, each route
 * goes there as soon as it is read and `end` returns an empty list (a full table is never held).
 */
export function createIpRouteStream(family: Family, defaultTable = 254, onRoute?: (r: Route) => void): IpRouteStream {
  const routes: Route[] = [];
  const emit = onRoute ?? ((r: Route): void => { routes.push(r); });
  const stream = createJsonArrayStream((items) => {
    for (let i = 0; i < items.length; i++) emit(normalizeWireRoute(items[i], family, defaultTable));
  }, { what: "route", elementPrefix: "{\"type\":", scanBatch: scanFlatRouteBatch });
  return {
    push: (bytes) => stream.push(bytes),
    pushText: (text) => stream.pushText(text),
    end() {
      stream.end();
      return routes;
    },
  };
}
