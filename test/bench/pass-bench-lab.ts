// The lab behind the full-pass benchmark: a dut BIRD 2 holding N routes learned over eBGP from a
// peer BIRD, and a kernel protocol in the dut that exports them all to the dut namespace's main
// table, so that BIRD and the kernel both hold N routes. IPv4 reuses the BIRD benchmark's lab
// (bird-bench-lab.ts) and adds the kernel protocol by `configure`; IPv6 builds the same shape
// with an ipv6 channel. Every wait is bounded.
import { execa } from "execa";
import { createLab, pollUntil, type BirdHandle, type Lab } from "../lab/index.js";
import { renderDutConfig } from "./bird-bench-config.js";
import { DEFAULT_GROUPS, startBirdBenchLab } from "./bird-bench-lab.js";

/** A running full-pass lab; call `destroy` when done (idempotent). */
export interface PassLab {
  family: 4 | 6;
  /** Routes BIRD holds and exports to the kernel. */
  n: number;
  dut: BirdHandle;
  /** Kernel name of the dut's namespace. */
  netns: string;
  /** Name of the dut's kernel protocol. */
  kernelProtocol: string;
  /** Milliseconds from starting the peer BIRD until the dut BIRD held all N routes. */
  convergeMs: number;
  /** Milliseconds from adding the kernel protocol until the kernel held all N routes. */
  exportMs: number;
  destroy(): Promise<void>;
}

/** Names of the dut's kernel protocols. */
export const KERNEL_PROTOCOLS = { 4: "kernel4", 6: "kernel6" } as const;

/** The IPv6 session's addresses (ULA), ASNs as in the IPv4 lab. */
const V6 = {
  peer: { ip: "fd00:b6::1", routerId: "192.0.2.1", asn: 65000, ifname: "bpeer0" },
  dut: { ip: "fd00:b6::2", routerId: "192.0.2.2", asn: 65001, ifname: "bdut0" },
  prefixLen: 64,
} as const;

const BGP_TIMERS = "connect delay time 1; connect retry time 2; error wait time 1, 4;";

/**
 * The dut's kernel protocol: exports every route of the family to main. `scan time 3600` so that
 * BIRD's own periodic kernel scan (seconds of CPU at 1M routes) does not fall into a measurement.
 */
export function renderKernelProtocol(family: 4 | 6): string {
  return [
    `protocol kernel ${KERNEL_PROTOCOLS[family]} {`,
    `  ipv${family} { import none; export all; };`,
    "  scan time 3600;",
    "}",
    "",
  ].join("\n");
}

/** The i-th IPv6 benchmark network: consecutive /48s from fd10::/16 (16M available). */
export function benchNetwork6(i: number): string {
  return `fd10:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::/48`;
}

/** IPv6 peer config: `groups` static protocols (own AS path each) announced to the dut over eBGP. */
export function renderPeer6Config(n: number, groups: number): string {
  const out: string[] = [`router id ${V6.peer.routerId};`, "protocol device { scan time 60; }"];
  for (let k = 0; k < groups; k++) {
    out.push(`protocol static s${k} {`, `  ipv6 { import filter { bgp_path.prepend(${20000 + k}); accept; }; };`);
    for (let i = k; i < n; i += groups) out.push(`  route ${benchNetwork6(i)} blackhole;`);
    out.push("}");
  }
  out.push(
    "protocol bgp dut {",
    `  local ${V6.peer.ip} as ${V6.peer.asn};`,
    `  neighbor ${V6.dut.ip} as ${V6.dut.asn};`,
    `  ${BGP_TIMERS}`,
    "  ipv6 { import none; export all; };",
    "}",
  );
  return `${out.join("\n")}\n`;
}

/** IPv6 dut config: one eBGP session importing into master6, and the kernel protocol. */
export function renderDut6Config(): string {
  return [
    `router id ${V6.dut.routerId};`,
    "protocol device { scan time 60; }",
    "protocol bgp peer {",
    `  local ${V6.dut.ip} as ${V6.dut.asn};`,
    `  neighbor ${V6.peer.ip} as ${V6.peer.asn};`,
    `  ${BGP_TIMERS}`,
    "  ipv6 { import all; export none; };",
    "}",
    renderKernelProtocol(6),
  ].join("\n");
}

/** Routes in table `master4`/`master6` of `bird`, from `show route count` (0 while not listed). */
export async function countTableRoutes(bird: BirdHandle, family: 4 | 6): Promise<number> {
  const line = new RegExp(`^(?:\\d{4}[- ])?\\s*(\\d+) of (\\d+) routes for (\\d+) networks in table master${family}$`, "m");
  const m = line.exec(await bird.query("show route count", 10_000));
  return m ? Number(m[2]) : 0;
}

/** Routes with `proto bird` in the main table of `netns` (`ip ... | wc -l`, bounded). */
export async function countKernelBirdRoutes(netns: string, family: 4 | 6): Promise<number> {
  const script = `ip -n "$1" -${family} route show table main proto bird | wc -l`;
  const r = await execa("sh", ["-c", script, "sh", netns], { timeout: 120_000 });
  return Number(String(r.stdout).trim());
}

/** Generous bound for a wait on N routes: 60 s plus 120 s per million (2 busy cores). */
function boundMs(n: number): number {
  return 60_000 + n * 0.12;
}

/** Waits (bounded) until the kernel of `netns` holds `n` BIRD routes of `family`; returns the ms. */
async function waitForKernel(netns: string, family: 4 | 6, n: number): Promise<number> {
  const t0 = performance.now();
  await pollUntil(async () => {
    const have = await countKernelBirdRoutes(netns, family);
    return { done: have >= n, detail: `kernel has ${have} of ${n} proto bird routes` };
  }, { timeoutMs: boundMs(n), intervalMs: 2_000, what: `${n} BIRD routes in the kernel of ${netns}` });
  return performance.now() - t0;
}

/** IPv4: the BIRD benchmark's lab (peer -> dut over eBGP), then the dut's kernel protocol added. */
async function startPassLab4(n: number, groups: number): Promise<PassLab> {
  const bench = await startBirdBenchLab(n, groups);
  try {
    const t0 = performance.now();
    await bench.dut.configure(`${renderDutConfig()}${renderKernelProtocol(4)}`);
    await waitForKernel(bench.dut.namespace, 4, n);
    return {
      family: 4, n, dut: bench.dut, netns: bench.dut.namespace, kernelProtocol: KERNEL_PROTOCOLS[4],
      convergeMs: bench.convergeMs, exportMs: performance.now() - t0, destroy: () => bench.destroy(),
    };
  } catch (err) {
    await bench.destroy().catch(() => undefined);
    throw err;
  }
}

/** IPv6: peer and dut namespaces joined by a veth, the same eBGP shape on an ipv6 channel. */
async function startPassLab6(n: number, groups: number): Promise<PassLab> {
  const lab: Lab = await createLab({ name: `pass-bench-v6-${n}` });
  try {
    const peerNs = await lab.addNamespace("peer");
    const dutNs = await lab.addNamespace("dut");
    await lab.link(peerNs, V6.peer.ifname, dutNs, V6.dut.ifname, {
      addrsA: [`${V6.peer.ip}/${V6.prefixLen}`], addrsB: [`${V6.dut.ip}/${V6.prefixLen}`],
    });
    const dut = await lab.startBird(dutNs, renderDut6Config());
    const t0 = performance.now();
    await lab.startBird(peerNs, renderPeer6Config(n, groups));
    await pollUntil(async () => {
      const have = await countTableRoutes(dut, 6);
      return { done: have === n, detail: `dut has ${have} of ${n} routes` };
    }, { timeoutMs: boundMs(n), intervalMs: 1_000, what: `${n} IPv6 BGP routes in the dut BIRD` });
    const convergeMs = performance.now() - t0;
    const t1 = performance.now();
    await waitForKernel(dutNs.name, 6, n);
    return {
      family: 6, n, dut, netns: dutNs.name, kernelProtocol: KERNEL_PROTOCOLS[6],
      convergeMs, exportMs: performance.now() - t1, destroy: () => lab.destroy(),
    };
  } catch (err) {
    await lab.destroy().catch(() => undefined);
    throw err;
  }
}

/** Builds the lab for `family` with `n` routes; tears it down again on failure. */
export function startPassLab(family: 4 | 6, n: number, groups = DEFAULT_GROUPS): Promise<PassLab> {
  const g = Math.max(1, Math.min(groups, n));
  return family === 4 ? startPassLab4(n, g) : startPassLab6(n, g);
}
