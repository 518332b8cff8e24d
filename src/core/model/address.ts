// Interface addresses in fibwarden's model.
import type { Family } from "../net/ip.js";

/** An address assigned to an interface. */
export interface InterfaceAddress {
  family: Family;
  /** Device name. */
  dev: string;
  /** The address itself, canonical. */
  address: string;
  prefixlen: number;
  /**
   * IPv4 label (`lo:fw`). fibwarden marks the IPv4 addresses it owns with a label because
   * iproute2 6.1 cannot set the kernel's address protocol field; IPv6 has no labels.
   */
  label?: string;
  /** Scope number (global 0, link 253, host 254). */
  scope: number;
}

/** True when two addresses are identical in every field fibwarden manages. */
export function addressesEqual(a: InterfaceAddress, b: InterfaceAddress): boolean {
  return a.family === b.family && a.dev === b.dev && a.address === b.address && a.prefixlen === b.prefixlen
    && (a.label ?? "") === (b.label ?? "") && a.scope === b.scope;
}
