// A Dataplane (src/adapters/ports.ts) over the kernel simulator, for unit tests only, with
// failure injection: a read that throws, an op index that fails.
import type { ApplyResult, Dataplane, KernelWatch, OpResult, SysctlReading, WatchOptions } from "../../src/adapters/ports.js";
import { FibwardenError } from "../../src/core/errors.js";
import type { Family } from "../../src/core/net/ip.js";
import type { LinkInfo } from "../../src/core/parse/ip-json.js";
import type { PlanOp } from "../../src/core/plan/types.js";
import { KernelSim } from "./kernel-sim.js";

/** Failures to inject. */
export interface FakeFailures {
  readRoutes?: boolean;
  /** Ops (by kind + index in the batch) that fail as if iproute2 refused them. */
  failOpIndexes?: number[];
}

/** A fake dataplane holding a simulated kernel. */
export class FakeDataplane implements Dataplane {
  applies: PlanOp[][] = [];
  constructor(public sim: KernelSim, public links: LinkInfo[] = [], public failures: FakeFailures = {}) {}

  async readRoutes(family?: Family, table?: number) {
    if (this.failures.readRoutes) throw new FibwardenError("FW_KERNEL_READ", "ip -json route: injected failure");
    return this.sim.snapshot().routes.filter((r) => (family === undefined || r.family === family) && (table === undefined || r.table === table));
  }
  async readRules() { return this.sim.snapshot().rules; }
  async readAddresses() { return this.sim.snapshot().addresses; }
  async readLinks() { return this.links; }
  async readSysctls(): Promise<SysctlReading[]> {
    return this.sim.snapshot().sysctls.map((s) => ({ ...s, effective: s.value }));
  }
  async apply(ops: readonly PlanOp[]): Promise<ApplyResult> {
    this.applies.push([...ops]);
    const results: OpResult[] = ops.map((op, i) => {
      if (this.failures.failOpIndexes?.includes(i)) return { op, status: "failed", error: "injected", lines: [] };
      try {
        this.sim.apply(op);
        return { op, status: "applied", lines: [] };
      } catch (e) {
        return { op, status: "failed", error: String(e), lines: [] };
      }
    });
    return { results, applied: results.filter((r) => r.status === "applied").length, failed: results.filter((r) => r.status !== "applied").length, elapsedMs: 0 };
  }
  watch(_opts?: WatchOptions): KernelWatch {
    return { started: Promise.resolve(), stop: async () => undefined };
  }
}
