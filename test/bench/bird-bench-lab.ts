// The lab behind the BIRD benchmark: two namespaces joined by a veth, a peer BIRD announcing N
// routes over eBGP and the dut BIRD that holds them; waits (bounded) until the dut has all N.
import { readFileSync } from "node:fs";
import { createLab, pollUntil, type BirdHandle, type Lab } from "../lab/index.js";
import { BENCH_BGP, renderDutConfig, renderPeerConfig } from "./bird-bench-config.js";

/** A running benchmark lab; call `destroy` when done (idempotent). */
export interface BirdBenchLab {
  lab: Lab;
  dut: BirdHandle;
  peer: BirdHandle;
  /** Milliseconds from starting the peer BIRD until the dut held all N routes. */
  convergeMs: number;
  destroy(): Promise<void>;
}

/** Number of distinct attribute sets (static protocols on the peer). */
export const DEFAULT_GROUPS = 1024;

const COUNT_LINE = /^(?:\d{4}[- ])?\s*(\d+) of (\d+) routes for (\d+) networks in table master4$/m;

/** Routes in the dut's master4, from `show route count` (0 when the table is not listed yet). */
export async function countRoutes(bird: BirdHandle): Promise<number> {
  const m = COUNT_LINE.exec(await bird.query("show route count", 10_000));
  return m ? Number(m[2]) : 0;
}

/** CPU time (user + system) a BIRD has used so far, in ms, from /proc (USER_HZ = 100); NaN if unknown. */
export function birdCpuMs(bird: BirdHandle): number {
  try {
    const pid = Number(readFileSync(bird.pidPath, "utf8").trim());
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime: fields 14 and 15 overall
  } catch {
    return Number.NaN;
  }
}

/** Builds the lab and waits until the dut's master4 holds `n` routes; tears down on failure. */
export async function startBirdBenchLab(n: number, groups = DEFAULT_GROUPS): Promise<BirdBenchLab> {
  const lab = await createLab({ name: `bird-bench-${n}` });
  try {
    const peerNs = await lab.addNamespace("peer");
    const dutNs = await lab.addNamespace("dut");
    const len = BENCH_BGP.prefixLen;
    await lab.link(peerNs, BENCH_BGP.peer.ifname, dutNs, BENCH_BGP.dut.ifname, {
      addrsA: [`${BENCH_BGP.peer.ip}/${len}`], addrsB: [`${BENCH_BGP.dut.ip}/${len}`],
    });
    const dut = await lab.startBird(dutNs, renderDutConfig());
    const t0 = performance.now();
    const peer = await lab.startBird(peerNs, renderPeerConfig(n, Math.max(1, Math.min(groups, n))));
    // Generous bound: ~60 s plus 120 s per million routes (2 cores, both BIRDs busy).
    await pollUntil(async () => {
      const have = await countRoutes(dut);
      return { done: have === n, value: have, detail: `dut has ${have} of ${n} routes` };
    }, { timeoutMs: 60_000 + n * 0.12, intervalMs: 1_000, what: `${n} BGP routes in the dut BIRD` });
    const convergeMs = performance.now() - t0;
    return { lab, dut, peer, convergeMs, destroy: () => lab.destroy() };
  } catch (err) {
    await lab.destroy().catch(() => undefined);
    throw err;
  }
}
