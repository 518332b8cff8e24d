// A kernel model for unit and property tests ONLY: it applies plan operations with the kernel's
// identity keys and write semantics, so it can serve as the oracle of the planner's properties.
// Modeled: `add` fails with EEXIST on an existing key whatever its protocol; `replace` overwrites
// the first route holding the key whatever its protocol; route `del` matches key + protocol +
// type (fib_table_delete / ip6_route_del); rules are kept in priority order and matched on every
// selector; removing an IPv4 address flushes routes using it as preferred source, removing an
// IPv6 one strips it from them; a route's prefsrc must be a local address (both families).
// Not modeled: kernel-created local/prefix routes for addresses, nexthop reachability, device
// existence for routes, link state.
import type { InterfaceAddress } from "../../src/core/model/address.js";
import { addressKey, routeKey, ruleKey, sysctlKey } from "../../src/core/model/keys.js";
import type { Route } from "../../src/core/model/route.js";
import { ruleSelectorsEqual, type Rule } from "../../src/core/model/rule.js";
import type { SysctlValue } from "../../src/core/model/sysctl.js";
import type { LiveState, PlanOp } from "../../src/core/plan/types.js";

/** A simulated kernel error, with the errno name the real kernel returns. */
export class SimKernelError extends Error {
  constructor(readonly errno: "EEXIST" | "ESRCH" | "ENOENT" | "EINVAL" | "EADDRNOTAVAIL", message: string) {
    super(`${errno}: ${message}`);
  }
}

const clone = <T>(v: T): T => structuredClone(v);

/** The simulated kernel state of one network namespace. */
export class KernelSim {
  routes: Route[] = [];
  rules: Rule[] = [];
  addresses: InterfaceAddress[] = [];
  sysctls = new Map<string, SysctlValue>();

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

  /** `ip addr del`: removes the address and applies the kernel's side effects on prefsrc routes. */
  deleteAddress(a: InterfaceAddress): void {
    const k = addressKey(a);
    const i = this.addresses.findIndex((x) => addressKey(x) === k && (a.label === undefined || x.label === a.label));
    if (i < 0) throw new SimKernelError("EADDRNOTAVAIL", `no address ${k}`);
    this.addresses.splice(i, 1);
    if (this.hasLocalAddress(a.address)) return;
    if (a.family === 4) {
      this.routes = this.routes.filter((r) => r.prefsrc !== a.address);
    } else {
      for (const r of this.routes) if (r.prefsrc === a.address) delete r.prefsrc;
    }
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
      case "address.delete": return this.deleteAddress(op.address);
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
