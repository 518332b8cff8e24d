// Test support for incremental passes: a fake dataplane whose kernel watch the test drives (it
// delivers KernelChange batches as the monitor would), and BIRD's per-prefix export replies cut
// from a captured full export, for the fake BIRD.
import type { KernelChange, KernelWatch, WatchOptions } from "../../src/adapters/ports.js";
import type { InterfaceAddress } from "../../src/core/model/address.js";
import type { Nexthop, Route } from "../../src/core/model/route.js";
import type { Rule } from "../../src/core/model/rule.js";
import type { Family } from "../../src/core/net/ip.js";
import { FakeDataplane } from "./fake-dataplane.js";
import { readFixture } from "./fixtures.js";
import type { SimNotice } from "./kernel-sim.js";

/** A fake dataplane whose watch the test drives; counts route, rule, address and link reads (the call log). */
export class WatchedDataplane extends FakeDataplane {
  onChange: ((c: KernelChange) => void) | undefined;
  reads = { routes: 0, rules: 0, addresses: 0, links: 0 };
  /** Every route read, in order: its family and table (undefined: all). */
  routeReads: Array<{ family?: Family; table?: number }> = [];
  override async readRoutes(family?: Family, table?: number) {
    this.reads.routes++;
    this.routeReads.push({ ...(family === undefined ? {} : { family }), ...(table === undefined ? {} : { table }) });
    return super.readRoutes(family, table);
  }
  override async readRules() { this.reads.rules++; return super.readRules(); }
  override async readAddresses() { this.reads.addresses++; return super.readAddresses(); }
  /** The links with their state in the simulated kernel (`linkSet`). */
  override async readLinks() { this.reads.links++; return this.links.map((l) => ({ ...l, up: this.sim.links.get(l.name) ?? l.up })); }
  override watch(opts: WatchOptions): KernelWatch {
    this.onChange = opts.onChange;
    return { started: Promise.resolve(), stop: async () => { this.onChange = undefined; } };
  }
  /** Delivers one batch (defaults: nothing changed, one event). */
  send(c: Partial<KernelChange>): void {
    this.onChange?.({ kinds: [], routes: [], routesTruncated: false, events: 1, resync: false, ...c });
  }
  /** Route events with their routes, as the monitor reports them. */
  emit(routes: Array<{ route: Route; deleted: boolean }>, kinds: KernelChange["kinds"] = ["route"]): void {
    this.send({ kinds, events: routes.length, routes: routes.map(({ route, deleted }) => ({ family: route.family, table: route.table, dst: route.dst, deleted, route })) });
  }
  rule(r: Rule, deleted: boolean): void {
    this.send({ kinds: ["rule"], rules: [{ deleted, family: r.family, priority: r.priority, from: r.from!, table: r.table!, protocol: r.protocol }] });
  }
  address(a: InterfaceAddress, deleted: boolean): void {
    this.send({ kinds: ["address"], addresses: [addressEvent(a, deleted)] });
  }
  /** Reports what the kernel notified of a change it made itself; `link` adds the link event. */
  notify(n: SimNotice, link = false): void {
    const kinds: KernelChange["kinds"] = [];
    if (link) kinds.push("link");
    if (n.routes.length > 0) kinds.push("route");
    if (n.addresses.length > 0) kinds.push("address");
    this.send({
      kinds, events: (link ? 1 : 0) + n.routes.length + n.addresses.length,
      routes: n.routes.map(({ route, deleted }) => ({ family: route.family, table: route.table, dst: route.dst, deleted, route })),
      ...(n.addresses.length > 0 ? { addresses: n.addresses.map(({ address, deleted }) => addressEvent(address, deleted)) } : {}),
    });
  }
  /** `ip link set <dev> up|down` in the simulated kernel, reported as the monitor would. */
  linkSet(dev: string, up: boolean): void {
    this.notify(this.sim.setLinkUp(dev, up), true);
  }
  /** `ip addr del` in the simulated kernel, reported as the monitor would (the silent flushes unreported). */
  addressDel(a: InterfaceAddress): void {
    const n = this.sim.deleteAddress(a);
    this.notify({ routes: n.routes, addresses: [{ address: a, deleted: true }] });
  }
  /** Deletes one nexthop of an IPv6 multipath route; the monitor reports that nexthop alone. */
  nexthopDel(r: Route, nh: Nexthop): void {
    this.notify(this.sim.deleteNexthop(r, nh));
  }
}

function addressEvent(a: InterfaceAddress, deleted: boolean) {
  return { deleted, family: a.family, dev: a.dev, address: a.address, prefixlen: a.prefixlen, ...(a.label ? { label: a.label } : {}) };
}

/**
 * `show route <net> export kernel1` replies cut from the captured BIRD 2 full export, plus BIRD's
 * `8001 Network not found` for each of `missing` and for any other net (as real BIRD answers for
 * a net it does not export: the kernel's own prefix routes, a foreign route's key).
 */
export function perPrefixExportReplies(missing: readonly string[] = []): Record<string, string> {
  const lines = readFixture("bird/bird-2.0.12/show-route-export-kernel1.txt").split("\n");
  const out: Record<string, string> = {};
  let net: string | undefined;
  let block: string[] = [];
  const flush = () => { if (net) out[`show route ${net} export kernel1`] = `${lines[0]}\n${block.join("\n")}\n0000 \n`; };
  for (const l of lines.slice(1)) {
    const m = /^ (\S+\/\d+)\s/.exec(l);
    if (m) { flush(); net = m[1]; block = [l]; } else if (l.startsWith("\t") || l.startsWith(" \t")) block.push(l);
  }
  flush();
  for (const u of missing) out[`show route ${u} export kernel1`] = "8001 Network not found\n";
  return new Proxy(out, {
    get: (target, cmd) => (typeof cmd === "string" && !(cmd in target) && /^show route \S+ export kernel1$/.test(cmd) ? "8001 Network not found\n" : target[cmd as string]),
  });
}
