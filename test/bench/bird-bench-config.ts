// BIRD 2 configs for the BIRD read+parse benchmark: a "peer" that originates N IPv4 /24s from
// static protocols and announces them over eBGP to the "dut", whose table is then read. Each
// static protocol tags its routes with its own AS path and communities (import filter), so the
// dut's `show route all` carries BGP.* attributes with a realistic mix of distinct values.
// No kernel protocol: neither BIRD touches any routing table of the kernel.

/** Addresses and ASNs of the benchmark's BGP session (TEST-NET-1, private ASNs). */
export const BENCH_BGP = {
  peer: { ip: "192.0.2.1", asn: 65000, ifname: "bpeer0" },
  dut: { ip: "192.0.2.2", asn: 65001, ifname: "bdut0" },
  prefixLen: 30,
} as const;

/** Transit-looking ASNs that the generated AS paths are built from. */
const PATH_ASNS = [174, 1299, 2914, 3257, 3356, 6453, 6461, 6762, 6939, 7018, 9002, 13335, 15169, 16509, 20940, 4200000101];

/** The i-th benchmark network: consecutive /24s from 11.0.0.0 (1M fit below 27.0.0.0). */
export function benchNetwork(i: number): string {
  return `${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`;
}

/**
 * AS path (before the peer's own ASN) that static protocol `k` gives its routes: 0..3 transit
 * hops, then an origin ASN of its own, so that the `[ASxxxxi]` summaries are as varied as the paths.
 */
export function benchPath(k: number): number[] {
  const transit = Array.from({ length: k % 4 }, (_, j) => PATH_ASNS[(k * 7 + j * 5 + (k >>> 4)) % PATH_ASNS.length]!);
  return [...transit, 20000 + k];
}

/** Import filter of static protocol `k`: its AS path, two standard communities, for every 4th a large one. */
function groupFilter(k: number): string {
  const cmds = benchPath(k).reverse().map((asn) => `bgp_path.prepend(${asn});`);
  cmds.push(`bgp_community.add((${BENCH_BGP.peer.asn}, ${100 + (k % 16)}));`, `bgp_community.add((${BENCH_BGP.peer.asn}, ${2000 + (k % 7)}));`);
  if (k % 4 === 0) cmds.push(`bgp_large_community.add((${BENCH_BGP.peer.asn}, ${k}, 1));`);
  return `${cmds.join(" ")} accept;`;
}

/** Peer config: `groups` static protocols holding routes i ≡ k (mod groups), all announced to the dut. */
export function renderPeerConfig(n: number, groups: number): string {
  const out: string[] = [`router id ${BENCH_BGP.peer.ip};`, "protocol device { scan time 60; }"];
  for (let k = 0; k < groups; k++) {
    out.push(`protocol static s${k} {`, `  ipv4 { import filter { ${groupFilter(k)} }; };`);
    for (let i = k; i < n; i += groups) out.push(`  route ${benchNetwork(i)} blackhole;`);
    out.push("}");
  }
  out.push(
    "protocol bgp dut {",
    `  local ${BENCH_BGP.peer.ip} as ${BENCH_BGP.peer.asn};`,
    `  neighbor ${BENCH_BGP.dut.ip} as ${BENCH_BGP.dut.asn};`,
    "  connect delay time 1; connect retry time 2; error wait time 1, 4;",
    "  ipv4 { import none; export all; };",
    "}",
  );
  return `${out.join("\n")}\n`;
}

/** Dut config: one eBGP session importing everything into master4; nothing else. */
export function renderDutConfig(): string {
  return [
    `router id ${BENCH_BGP.dut.ip};`,
    "protocol device { scan time 60; }",
    "protocol bgp peer {",
    `  local ${BENCH_BGP.dut.ip} as ${BENCH_BGP.dut.asn};`,
    `  neighbor ${BENCH_BGP.peer.ip} as ${BENCH_BGP.peer.asn};`,
    "  connect delay time 1; connect retry time 2; error wait time 1, 4;",
    "  ipv4 { import all; export none; };",
    "}",
    "",
  ].join("\n");
}
