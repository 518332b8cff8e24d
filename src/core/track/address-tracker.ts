// The address tracker: our desired addresses and the kernel's, keyed by addressKey, with the
// addresses per IP (local addresses: an IP with a live address is local, whatever its device)
// and our desired address keys per IP. Changes mark the key and its IP dirty.
import { addressesEqual, type InterfaceAddress } from "../model/address.js";
import { addressKey } from "../model/keys.js";
import type { DirtyKeys } from "./dirty.js";
import { addToSlot, removeFromSlot, slotValues, SetIndex, type Slot } from "./slot.js";
import { DesiredStore, LiveStore, type StoreSpec } from "./stores.js";

const spec: StoreSpec<InterfaceAddress> = { keyOf: addressKey, equal: addressesEqual };

/** Desired and live addresses with per-IP indexes. */
export class AddressTracker {
  readonly desired: DesiredStore<InterfaceAddress>;
  readonly live: LiveStore<InterfaceAddress>;
  /** Live addresses per IP. */
  readonly liveByIp = new Map<string, Slot<InterfaceAddress>>();
  /** Keys of desired addresses per IP. */
  readonly desiredByIp = new SetIndex<string>();

  constructor(private readonly dirty: () => DirtyKeys) {
    this.desired = new DesiredStore(spec, (k, b, a) => {
      this.touch(k, b, a);
      for (const x of b) this.desiredByIp.remove(x.address, k);
      for (const x of a) this.desiredByIp.add(x.address, k);
    });
    this.live = new LiveStore(spec, (k, b, a) => {
      this.touch(k, b, a);
      for (const x of b) removeFromSlot(this.liveByIp, x.address, x);
      for (const x of a) addToSlot(this.liveByIp, x.address, x);
    });
  }

  /** Live addresses with IP `ip` (on any device). */
  liveAt(ip: string): readonly InterfaceAddress[] {
    return slotValues(this.liveByIp.get(ip));
  }

  /** How many live addresses have IP `ip`. */
  localCount(ip: string): number {
    return this.liveAt(ip).length;
  }

  private touch(key: string, before: readonly InterfaceAddress[], after: readonly InterfaceAddress[]): void {
    const d = this.dirty();
    if (d.everything) return;
    d.addresses.add(key);
    for (const a of [...before, ...after]) d.ips.add(a.address);
  }
}
