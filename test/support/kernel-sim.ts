// A kernel model for unit and property tests ONLY: it applies plan operations with the kernel's
// identity keys and write semantics, so it can serve as the oracle of the planner's properties.
// Modeled: `add` fails with EEXIST on an existing key whatever its protocol; `replace` overwrites
// the first route holding the key whatever its protocol; route `del` matches key + protocol +
// type (fib_table_delete / ip6_route_del); rules are kept in priority order and matched on every
// selector; removing an IPv4 address flushes routes using it as preferred source, removing an
// IPv6 one strips it from them; a route's prefsrc must be a local address (both families).
// Link state (`setLinkUp`): a route over a link that is down is refused (ENETDOWN); a link going
// down flushes the routes all of whose nexthops use it (IPv4 silently, local routes kept; IPv6
// with notifications, with its addresses, as keep_addr_on_down=0 does), a multipath route that
// keeps a nexthop elsewhere stays; a link coming up gets back the kernel's own routes of its
// addresses and its IPv6 link-local address, not the rest. IPv6 multipath routes lose one
// nexthop at a time (`deleteNexthop`). The methods that change state behind the planner's back
// return what the kernel notifies (`SimNotice`): the monitor events a watch would see.
// Not modeled: kernel-created local/prefix routes for addresses added, nexthop reachability,
// device existence for routes, dead-nexthop flags.
import type { InterfaceAddress } from "../../src/core/model/address.js";
import { addressKey, routeKey, ruleKey, sysctlKey } from "../../src/core/model/keys.js";
import type { Nexthop, Route } from "../../src/core/model/route.js";
import { ruleSelectorsEqual, type Rule } from "../../src/core/model/rule.js";
import type { SysctlValue } from "../../src/core/model/sysctl.js";
import type { LiveState, PlanOp } from "../../src/core/plan/types.js";

/** A simulated kernel error, with the errno name the real kernel returns. */
export class SimKernelError extends Error {
  constructor(readonly errno: "EEXIST" | "ESRCH" | "ENOENT" | "EINVAL" | "EADDRNOTAVAIL" | "ENETDOWN", message: string) {
    super(`${errno}: ${message}`);
  }
}

const clone = <T>(v: T): T => structuredClone(v);

/** What the kernel notifies (RTM_NEWROUTE/DELROUTE, RTM_NEWADDR/DELADDR) of a change, in order. */
export interface SimNotice {
  routes: Array<{ route: Route; deleted: boolean }>;
  addresses: Array<{ address: InterfaceAddress; deleted: boolean }>;
}

const noNotice = (): SimNotice => ({ routes: [], addresses: [] });

/** The kernel's own routes of an IPv6 link (link-local prefix and addresses, multicast): back when the link comes up. */
const isIpv6LinkRoute = (r: Route): boolean => r.family === 6 && r.protocol === 2 && (r.dst.startsWith("fe80:") || r.dst === "ff00::/8");

/** The simulated kernel state of one network namespace. */
export class KernelSim {
  routes: Route[] = [];
  rules: Rule[] = [];
  addresses: InterfaceAddress[] = [];
  sysctls = new Map<string, SysctlValue>();
  /** Administrative link state; a device not listed is up (the planner's properties name none). */
  links = new Map<string, boolean>();
  /** Per downed link: the kernel's own routes and link-local addresses it re-creates on up. */
  private downed = new Map<string, { routes: Route[]; addresses: InterfaceAddress[] }>();

  /** Builds a simulator holding `state`, loading each item with the kernel's add semantics. */
  static from(state: LiveState): KernelSim {
    const sim = new KernelSim();
    for (const a of state.addresses) sim.addAddress(a);
    for (const r of state.routes) sim.loadRoute(r);
    for (const r of state.rules) sim.addRule(r);
    for (const s of state.sysctls) sim.sysctls.set(sysctlKey(s), clone(s));
    return sim;
  }

  /** The state as the planner sees it (deep copy). */
  snapshot(): LiveState {
    return {
      routes: clone(this.routes), rules: clone(this.rules), addresses: clone(this.addresses),
      sysctls: [...this.sysctls.values()].map(clone),
    };
  }

  private hasLocalAddress(addr: string): boolean {
    return this.addresses.some((a) => a.address === addr);
  }

  private isDown(dev: string | undefined): boolean {
    return dev !== undefined && this.links.get(dev) === false;
  }

  /** A gateway or device route over a link that is down: "Nexthop device is not up". */
  private checkLinks(r: Route): void {
    const down = r.nexthops.find((n) => this.isDown(n.dev));
    if (down) throw new SimKernelError("ENETDOWN", `nexthop device ${down.dev} is not up`);
  }

  /**
   * Loads a route as a dump shows it: no key or prefsrc check. A real kernel can hold several
   * routes per key: IPv6 link routes (fe80::/64 on each device) that the kernel adds without
   * NLM_F_EXCL, and anything added with `ip route append`.
   */
  loadRoute(r: Route): void {
    this.routes.push(clone(r));
  }

  /** `ip route add`: NLM_F_CREATE|NLM_F_EXCL: EEXIST when any route holds the key. */
  addRoute(r: Route): void {
    if (r.prefsrc !== undefined && !this.hasLocalAddress(r.prefsrc)) {
      throw new SimKernelError("EINVAL", `invalid prefsrc ${r.prefsrc}`);
    }
    this.checkLinks(r);
    const k = routeKey(r);
    if (this.routes.some((x) => routeKey(x) === k)) throw new SimKernelError("EEXIST", `route ${k}`);
    this.routes.push(clone(r));
  }

  /**
   * `ip route replace`: NLM_F_CREATE|NLM_F_REPLACE; overwrites the first route holding the key,
   * whatever its protocol. (IPv6 prefers a same-metric route of the same ECMP-ability, and falls
   * back to the first one; either way something at the key is overwritten.)
   */
  replaceRoute(r: Route): void {
    if (r.prefsrc !== undefined && !this.hasLocalAddress(r.prefsrc)) {
      throw new SimKernelError("EINVAL", `invalid prefsrc ${r.prefsrc}`);
    }
    this.checkLinks(r);
    const k = routeKey(r);
    const i = this.routes.findIndex((x) => routeKey(x) === k);
    if (i >= 0) this.routes[i] = clone(r);
    else this.routes.push(clone(r));
  }

  /** `ip route del <dst> table T metric M [tos X] proto P type Y`: first match on key, protocol, type. */
  deleteRoute(r: Route): void {
    const k = routeKey(r);
    const i = this.routes.findIndex((x) => routeKey(x) === k && x.protocol === r.protocol
      && (r.family === 6 || x.type === r.type));
    if (i < 0) throw new SimKernelError("ESRCH", `no route ${k} proto ${r.protocol}`);
    this.routes.splice(i, 1);
  }

  /**
   * `ip -6 route del <dst> via <gw> dev <dev> ...` on a multipath route: IPv6 keeps each nexthop
   * as a sibling route and deletes just that one; the route goes with its last nexthop. The
   * kernel notifies the deleted nexthop alone, not what remains.
   */
  deleteNexthop(r: Route, nh: Nexthop): SimNotice {
    if (r.family !== 6) throw new SimKernelError("EINVAL", "only IPv6 deletes one nexthop of a multipath route");
    const k = routeKey(r);
    const same = (x: Nexthop): boolean => x.gateway === nh.gateway && x.dev === nh.dev;
    const i = this.routes.findIndex((x) => routeKey(x) === k && x.protocol === r.protocol && x.nexthops.some(same));
    if (i < 0) throw new SimKernelError("ESRCH", `no route ${k} via ${nh.gateway} dev ${nh.dev}`);
    const route = this.routes[i]!;
    const gone = route.nexthops.find(same)!;
    route.nexthops = route.nexthops.filter((x) => !same(x));
    if (route.nexthops.length === 0) this.routes.splice(i, 1);
    return { routes: [{ route: clone({ ...route, nexthops: [{ ...gone, weight: 1 }] }), deleted: true }], addresses: [] };
  }

  /**
   * `ip link set <dev> down|up`. Down: IPv4 flushes, without notifying, every route all of whose
   * nexthops use the link (fib_sync_down_dev + fib_flush), except `local` routes (their nexthop
   * scope is nowhere: the address stays reachable); IPv6 deletes such routes with notifications
   * and, as keep_addr_on_down=0 does, removes the link's addresses. A multipath route with a
   * nexthop elsewhere stays (the kernel marks the dead nexthop; the model keeps no flags). Up:
   * the kernel re-creates its own routes of the link's IPv4 addresses (prefix and broadcast) and
   * the IPv6 link-local address with its routes, notifying each; the rest stays gone.
   */
  setLinkUp(dev: string, up: boolean): SimNotice {
    const notice = noNotice();
    const wasUp = this.links.get(dev) !== false;
    this.links.set(dev, up);
    if (up === wasUp) return notice;
    if (up) {
      const back = this.downed.get(dev) ?? { routes: [], addresses: [] };
      this.downed.delete(dev);
      for (const a of back.addresses) {
        this.addresses.push(clone(a));
        notice.addresses.push({ address: clone(a), deleted: false });
      }
      for (const r of back.routes) {
        this.routes.push(clone(r));
        notice.routes.push({ route: clone(r), deleted: false });
      }
      return notice;
    }
    const stash = { routes: [] as Route[], addresses: [] as InterfaceAddress[] };
    const onlyHere = (r: Route): boolean => r.nexthops.length > 0 && r.nexthops.every((n) => n.dev === dev);
    const own4 = new Set(this.addresses.filter((a) => a.family === 4 && a.dev === dev).map((a) => a.address));
    const kept: Route[] = [];
    for (const r of this.routes) {
      if (!onlyHere(r) || (r.family === 4 && r.type === "local")) {
        kept.push(r);
        continue;
      }
      if (r.family === 6) notice.routes.push({ route: clone(r), deleted: true });
      if ((r.family === 4 && r.protocol === 2 && r.prefsrc !== undefined && own4.has(r.prefsrc)) || isIpv6LinkRoute(r)) stash.routes.push(clone(r));
    }
    this.routes = kept;
    for (const a of this.addresses.filter((x) => x.family === 6 && x.dev === dev)) {
      notice.routes.push(...this.deleteAddress(a).routes);
      notice.addresses.push({ address: clone(a), deleted: true });
      if (a.address.startsWith("fe80:")) stash.addresses.push(clone(a));
    }
    this.downed.set(dev, stash);
    return notice;
  }

  /** `ip rule add`: EEXIST when a rule with the same selectors exists; inserted after equal priorities. */
  addRule(r: Rule): void {
    if (this.rules.some((x) => ruleSelectorsEqual(x, r))) throw new SimKernelError("EEXIST", `rule ${ruleKey(r)}`);
    let i = this.rules.findIndex((x) => x.priority > r.priority);
    if (i < 0) i = this.rules.length;
    this.rules.splice(i, 0, clone(r));
  }

  /** `ip rule del` with every selector and the protocol: first exact match. */
  deleteRule(r: Rule): void {
    const i = this.rules.findIndex((x) => ruleSelectorsEqual(x, r) && (r.protocol === 0 || x.protocol === r.protocol));
    if (i < 0) throw new SimKernelError("ENOENT", `no rule ${ruleKey(r)}`);
    this.rules.splice(i, 1);
  }

  /** `ip addr add`: EEXIST on the same key. */
  addAddress(a: InterfaceAddress): void {
    const k = addressKey(a);
    if (this.addresses.some((x) => addressKey(x) === k)) throw new SimKernelError("EEXIST", `address ${k}`);
    this.addresses.push(clone(a));
  }

  /**
   * `ip addr del`: removes the address and applies the kernel's side effects on prefsrc routes:
   * IPv4 deletes its own routes of the address (local, broadcast, prefix: notified) and flushes
   * every other route using it as preferred source (silently); IPv6 strips it (silently).
   */
  deleteAddress(a: InterfaceAddress): SimNotice {
    const notice = noNotice();
    const k = addressKey(a);
    const i = this.addresses.findIndex((x) => addressKey(x) === k && (a.label === undefined || x.label === a.label));
    if (i < 0) throw new SimKernelError("EADDRNOTAVAIL", `no address ${k}`);
    this.addresses.splice(i, 1);
    if (this.hasLocalAddress(a.address)) return notice;
    if (a.family === 4) {
      for (const r of this.routes) if (r.prefsrc === a.address && r.protocol === 2) notice.routes.push({ route: clone(r), deleted: true });
      this.routes = this.routes.filter((r) => r.prefsrc !== a.address);
    } else {
      for (const r of this.routes) if (r.prefsrc === a.address) delete r.prefsrc;
    }
    return notice;
  }

  /** Writes a sysctl of an existing interface. */
  setSysctl(s: SysctlValue): void {
    const k = sysctlKey(s);
    if (!this.sysctls.has(k)) throw new SimKernelError("ENOENT", `no sysctl ${k}`);
    this.sysctls.set(k, clone(s));
  }

  /** Applies one plan operation with kernel semantics. */
  apply(op: PlanOp): void {
    switch (op.kind) {
      case "route.add": return this.addRoute(op.route);
      case "route.replace": return this.replaceRoute(op.route);
      case "route.delete": return this.deleteRoute(op.route);
      case "rule.add": return this.addRule(op.rule);
      case "rule.delete": return this.deleteRule(op.rule);
      case "address.add": return this.addAddress(op.address);
      case "address.delete": this.deleteAddress(op.address); return;
      case "sysctl.set": return this.setSysctl(op.sysctl);
    }
  }

  /** Applies operations in order, calling `afterEach` after every one; stops at the first error. */
  execute(ops: readonly PlanOp[], afterEach?: (index: number, op: PlanOp) => void): void {
    ops.forEach((op, i) => {
      this.apply(op);
      afterEach?.(i, op);
    });
  }
}
