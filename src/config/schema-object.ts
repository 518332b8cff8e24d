// fibwarden's configuration object schema: the YAML/JSON shape shared by the CLI, the docs, the JSON
// Schema in proto/ and the end-to-end tests. Pure: zod and src/core only. Objects are strict so
// that a typo is an error; cross-field rules are in schema-checks.ts.
import { z } from "zod";
import { addressFamily, canonicalAddress, canonicalPrefix, isAddress } from "../core/net/ip.js";
import { PROTO, TABLE } from "../core/model/names.js";
import { INTERFACE_NAME_REGEX, INTERFACE_PATTERN_REGEX } from "./interfaces.js";

/** The highest kernel table number. */
export const TABLE_MAX = 0xffffffff;
/** The highest rule priority fibwarden may use: main's rule sits at 32766. */
export const RULE_PRIORITY_MAX = 32765;
/** The longest UNIX socket path the kernel accepts (sun_path is 108 bytes with its NUL). */
export const SOCKET_PATH_MAX = 107;
/** pino's log levels. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const RESERVED_TABLES: readonly number[] = [TABLE.default, TABLE.main, TABLE.local];
const FOREIGN_PROTOCOLS: readonly number[] = [PROTO.kernel, PROTO.boot, PROTO.static, PROTO.bird];
const show = (v: unknown): string => JSON.stringify(v);
const byteLength = (s: string): number => new TextEncoder().encode(s).length;

const int = (min: number, max: number) => z.int()
  .min(min, { error: (iss) => `${show(iss.input)} is below the minimum ${min}` })
  .max(max, { error: (iss) => `${show(iss.input)} is above the maximum ${max}` });

const interfaceName = z.string().regex(INTERFACE_NAME_REGEX, {
  error: (iss) => `${show(iss.input)} is not an interface name: 1-15 bytes of A-Z a-z 0-9 _ . @ - (no ":", "/" or spaces)`,
});

const interfacePattern = z.string().regex(INTERFACE_PATTERN_REGEX, {
  error: (iss) => `${show(iss.input)} is not an interface name or pattern: 1-15 bytes of A-Z a-z 0-9 _ . @ - and the globs * ?`,
});

const birdName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, {
  error: (iss) => `${show(iss.input)} is not a BIRD protocol name (a letter or _, then letters, digits, _)`,
});

const tableNumber = int(1, TABLE_MAX);

/** A VIP: a bare IPv4/IPv6 address, or with its host length (/32, /128); canonicalized. */
const vipAddress = z.string().transform((text, ctx) => {
  const slash = text.indexOf("/");
  const bare = slash < 0 ? text : text.slice(0, slash);
  const family = addressFamily(bare);
  if (family === undefined) {
    ctx.issues.push({ code: "custom", input: text, message: `${show(text)} is not an IPv4 or IPv6 address` });
    return z.NEVER;
  }
  const hostLength = family === 4 ? "32" : "128";
  if (slash >= 0 && text.slice(slash + 1) !== hostLength) {
    ctx.issues.push({
      code: "custom", input: text,
      message: `a VIP is one host address: ${show(text)} has length /${text.slice(slash + 1)}, expected a bare address or /${hostLength}`,
    });
    return z.NEVER;
  }
  return canonicalAddress(bare, family);
});

const gatewayAddress = z.string().transform((text, ctx) => {
  if (!isAddress(text)) {
    ctx.issues.push({ code: "custom", input: text, message: `${show(text)} is not an IPv4 or IPv6 address` });
    return z.NEVER;
  }
  return canonicalAddress(text);
});

const prefix = z.string().transform((text, ctx) => {
  try {
    return canonicalPrefix(text);
  } catch (err) {
    ctx.issues.push({ code: "custom", input: text, message: err instanceof Error ? err.message : String(err) });
    return z.NEVER;
  }
});

const socketPath = z.string()
  .refine((p) => p.startsWith("/"), { error: (iss) => `${show(iss.input)} is not an absolute path` })
  .refine((p) => byteLength(p) <= SOCKET_PATH_MAX, { error: `a UNIX socket path is at most ${SOCKET_PATH_MAX} bytes` });

const unique = <T>(what: string) => (list: T[], ctx: z.RefinementCtx<T[]>): void => {
  list.forEach((item, i) => {
    const first = list.indexOf(item);
    if (first !== i) ctx.addIssue({ code: "custom", path: [i], message: `${show(item)} is listed twice (also at index ${first}) in ${what}` });
  });
};

const range = (min: number, max: number, what: string) => z.strictObject({
  from: int(min, max).describe(`First ${what} (inclusive).`),
  to: int(min, max).describe(`Last ${what} (inclusive).`),
}).refine((r) => r.from <= r.to, { path: ["to"], error: "the range is empty: to is smaller than from" });

/** Splits a `host:port` listen address (`[v6]:port` for IPv6); undefined when malformed. */
export function splitListenAddress(listen: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(listen);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  if (m[1] !== undefined) return addressFamily(m[1]) === 6 ? { host: m[1], port } : undefined;
  return { host: m[2] ?? "", port };
}

const birdSchema = z.strictObject({
  sockets: z.array(socketPath).min(1).superRefine(unique("bird.sockets")).default(() => ["/run/bird/bird.ctl"])
    .describe("BIRD control sockets, one per daemon: one for BIRD 2/3; calico-node's BIRD 1.6 runs two (`/var/run/calico/bird.ctl`, `/var/run/calico/bird6.ctl`)."),
  restrict: z.boolean().default(true)
    .describe("Send `restrict` after the greeting so that the session can only read (BIRD refuses configure, enable, disable...)."),
  connectTimeoutMs: int(1, 600_000).default(2_000)
    .describe("Time allowed to connect to a socket and receive BIRD's greeting, in milliseconds."),
  idleTimeoutMs: int(1, 3_600_000).default(10_000)
    .describe("Longest silence allowed between two bytes of a reply, in milliseconds."),
  replyTimeoutMs: int(1, 3_600_000).default(60_000)
    .describe("Time allowed for one whole reply, in milliseconds (`show route all` on a full table is large)."),
  maxReplyBytes: int(4_096, 2 ** 32).default(1024 * 1024 * 1024)
    .describe("Largest reply accepted, in bytes; a larger one fails with FW_BIRD_REPLY_TOO_LARGE. Route replies are streamed (parsed and released as they arrive), so this bounds a runaway reply, not memory: `show route export` of a full IPv4 table (1M routes) is about 94 MB, so the default (1 GiB) leaves room for ten times that."),
});

const ownershipSchema = z.strictObject({
  protocol: int(1, 255)
    .refine((p) => !FOREIGN_PROTOCOLS.includes(p), { error: "must not be kernel (2), boot (3), static (4) or bird (12)" })
    .default(201)
    .describe("Route and rule protocol number that marks fibwarden's own routes and rules (201 is used by no common routing daemon)."),
  tables: range(1, TABLE_MAX, "table")
    .refine((r) => !RESERVED_TABLES.some((t) => t >= r.from && t <= r.to), {
      error: "must not include the default (253), main (254) or local (255) table",
    })
    .default(() => ({ from: 1000, to: 1999 }))
    .describe("Tables fibwarden may create and own: one per-VIP source table is taken from here for each VIP with a `return` path."),
  rulePriorities: range(1, RULE_PRIORITY_MAX, "rule priority")
    .default(() => ({ from: 1000, to: 1999 }))
    .describe("Rule priorities fibwarden may use; they must stay below main's rule (32766) to take effect."),
  announceTables: z.array(tableNumber
    .refine((t) => !RESERVED_TABLES.includes(t), { error: "must not be the default (253), main (254) or local (255) table" }))
    .superRefine(unique("ownership.announceTables")).default(() => [])
    .describe("Kernel tables fibwarden owns its VIP announce routes in (BIRD learns them from there), managed even when no VIP uses them: list every announce table here so that removing the last VIP of a table still withdraws its route. The announce tables of VIPs set at run time through the library (`setVips`) must be listed here: only the config says what fibwarden owns, so that a restart owns what the process before it owned; an announce route in a table not listed is refused (`not-ownable`)."),
  addressLabel: z.string().regex(/^[A-Za-z0-9_-]{1,12}$/, { error: "must be 1-12 characters of A-Z a-z 0-9 _ -" })
    .default("fw")
    .describe("IPv4 label suffix that marks fibwarden's addresses: a VIP on `lo` is labelled `lo:fw` (a label is at most 15 bytes)."),
  addressDevices: z.array(interfaceName).superRefine(unique("ownership.addressDevices")).default(() => ["lo"])
    .describe("Devices on which fibwarden may own (and so remove) addresses, besides every configured VIP's device; keep a device here after its last VIP is gone so that its addresses are still cleaned up. The devices of VIPs set at run time through the library (`setVips`) must be listed here (or be a configured VIP's device); an address on another device is refused (`not-ownable`)."),
  vipRanges: z.array(prefix).prefault(() => [])
    .describe("Prefixes declared fibwarden's: a host address inside one on an address device is fibwarden's. The only ownership marker IPv6 VIP addresses can carry, so every IPv6 VIP must lie inside one."),
});

const familyMetrics = z.strictObject({
  ipv4: int(0, TABLE_MAX).optional().describe("Metric of the IPv4 routes."),
  ipv6: int(0, TABLE_MAX).optional().describe("Metric of the IPv6 routes."),
}).refine((m) => m.ipv4 !== undefined || m.ipv6 !== undefined, { error: "give ipv4, ipv6 or both" });

const kernelMetric = z.union([int(0, TABLE_MAX), familyMetrics])
  .transform((m): { ipv4?: number; ipv6?: number } => (typeof m === "number" ? { ipv4: m, ipv6: m } : m));

const protectSchema = z.strictObject({
  kernelProtocols: z.union([z.literal("all"), z.array(birdName).min(1).superRefine(unique("protect.kernelProtocols"))], {
    error: 'expected "all" or a list of BIRD kernel protocol names',
  }).default("all")
    .describe('BIRD kernel protocols whose exported routes are protected: "all", or a list of names such as `kernel1`.'),
  repair: z.enum(["report", "reinstall"]).default("report")
    .describe("What to do with a protected route missing from the kernel: `report` it as drift, or `reinstall` it with `proto bird` (never over another protocol's route)."),
  metrics: z.record(birdName, kernelMetric).prefault(() => ({}))
    .describe("Kernel metric per kernel protocol, when bird.conf sets one (BIRD's socket does not tell): a number, or `{ipv4, ipv6}` (calico's BIRD 1.6 names both daemons' protocol `kernel1`). Unset: BIRD's default, metric 32 for BIRD 2/3; IPv4 0 and IPv6 1024 for BIRD 1.6."),
  tables: z.record(birdName, tableNumber).default(() => ({}))
    .describe("Kernel table per kernel protocol, when bird.conf sets `kernel table N` (BIRD's socket does not tell). Unset: main (254). These tables are protected and must not be managed."),
  reinstallLimit: z.strictObject({
    share: z.number().min(0).max(1).default(0.1)
      .describe("Share (0..1) of a kernel protocol's exported routes."),
    minimum: int(0, 1_000_000).default(50)
      .describe("Reinstalls always allowed, whatever the protocol's size."),
  }).prefault(() => ({}))
    .describe("With `repair: reinstall`, the most protected routes of one kernel protocol (table, family, metric) that one pass reinstalls: max(minimum, share × routes). More missing at once is refused and reported (problem `mass-reinstall`): it is more often a wrong model (metric, table) than a mass deletion."),
});

const returnSchema = z.strictObject({
  gateway: gatewayAddress.optional().describe("Next hop for replies from the VIP (same family as the VIP); needs `device`."),
  device: interfaceName.optional().describe("Interface replies from the VIP leave by; needs `gateway`."),
  bgpPeer: birdName.optional().describe("BIRD BGP protocol whose session carries the VIP: gateway and device are derived from it."),
}).superRefine((r, ctx) => {
  const fixed = r.gateway !== undefined || r.device !== undefined;
  if (fixed && r.bgpPeer !== undefined) {
    ctx.addIssue({ code: "custom", path: ["bgpPeer"], message: "set either {gateway, device} or {bgpPeer}, not both" });
  } else if (!fixed && r.bgpPeer === undefined) {
    ctx.addIssue({ code: "custom", path: [], message: "needs either {gateway, device} or {bgpPeer}" });
  } else if (fixed && r.gateway === undefined) {
    ctx.addIssue({ code: "custom", path: ["device"], message: "device needs a gateway too: set both, or use bgpPeer" });
  } else if (fixed && r.device === undefined) {
    ctx.addIssue({ code: "custom", path: ["gateway"], message: "gateway needs a device too: set both, or use bgpPeer" });
  }
}).transform((r): { gateway: string; device: string } | { bgpPeer: string } =>
  r.bgpPeer !== undefined ? { bgpPeer: r.bgpPeer } : { gateway: r.gateway ?? "", device: r.device ?? "" });

const vipSchema = z.strictObject({
  address: vipAddress.describe('The VIP: one IPv4 or IPv6 host address ("/32" or "/128" accepted, other lengths refused).'),
  device: interfaceName.default("lo").describe("Device the address is added to."),
  announce: z.strictObject({
    table: tableNumber
      .refine((t) => !RESERVED_TABLES.includes(t), { error: "must not be the default (253), main (254) or local (255) table" })
      .describe("Kernel table of the announce route; it must lie outside `ownership.tables`."),
  }).optional().describe("Add a host route for the VIP to a table that a BIRD kernel protocol learns from, so that BIRD exports it over BGP. Unset: no announce route."),
  return: returnSchema.optional()
    .describe("Per-VIP source routing: a source table with a default route and a `from <VIP>` rule, so replies leave the way requests came in. Unset: replies follow main."),
}).superRefine((v, ctx) => {
  if (v.return !== undefined && "gateway" in v.return && addressFamily(v.return.gateway) !== addressFamily(v.address)) {
    ctx.addIssue({ code: "custom", path: ["return", "gateway"], message: `gateway ${v.return.gateway} is not in the VIP's address family (${v.address})` });
  }
});

const sysctlMap = (max: number, what: string) => z.record(interfacePattern, int(0, max)).default(() => ({}))
  .describe(`${what}: interface name or glob pattern -> 0..${max}. Globs never match \`all\` or \`default\`; name those explicitly. An exact name beats any glob; among globs the higher length - 2 x wildcards wins.`);

const sysctlsSchema = z.strictObject({
  rpFilter: sysctlMap(2, "net.ipv4.conf.<iface>.rp_filter (0 off, 1 strict, 2 loose)"),
  sendRedirects: sysctlMap(1, "net.ipv4.conf.<iface>.send_redirects"),
});

const daemonSchema = z.strictObject({
  listen: z.string().refine((s) => splitListenAddress(s) !== undefined, {
    error: (iss) => `${show(iss.input)} is not host:port (use [addr]:port for IPv6)`,
  }).default("127.0.0.1:9473").describe("Address of the health and Prometheus metrics endpoints (`host:port`, `[v6]:port`)."),
  resyncIntervalSeconds: int(1, 86_400).default(30).describe("Shortest period of the full resync pass, in seconds (see `resyncCpuPercent`)."),
  resyncCpuPercent: z.number().min(0.01).max(100).default(0.1).describe("Full resync passes are spaced so that they use at most this share of one CPU: the next one waits at least 100 / resyncCpuPercent times the CPU time of the last one (default 0.1 %: a 50 ms pass on a small node every 50 s, a 20 s pass over a full table every 5.6 h), never closer than `resyncIntervalSeconds`. Kernel events, BIRD changes and config changes are handled at once, incrementally."),
  debounceMs: int(0, 60_000).default(100).describe("Quiet time after a kernel, BIRD or config event before a pass starts, in milliseconds."),
  birdPollIntervalMs: int(100, 600_000).default(1_000).describe("The fastest pace of BIRD polls, in milliseconds: while BIRD is unreachable, right after its status or protocols changed, after its control connection closed and after a config reload. Each poll that finds nothing new doubles the wait, up to `birdPollMaxIntervalMs`."),
  birdPollMaxIntervalMs: int(100, 600_000).default(10_000).describe("The slowest pace of BIRD polls on a quiet node, in milliseconds (at least `birdPollIntervalMs`; equal: a fixed pace). A change seen only by polling (a protocol reconfigured, a BGP neighbour's address, a BIRD that hangs without closing its socket) is noticed at most this late; BIRD stopping closes its control connection and is noticed at once; route changes arrive as kernel events."),
  holdDown: z.strictObject({
    restores: int(0, 1_000).default(5).describe("Re-installs of one of fibwarden's objects (a rule, route, address or sysctl) within `windowSeconds` after which fibwarden stops re-installing it (FIGHTING); 0 never stops."),
    windowSeconds: int(1, 86_400).default(60).describe("The window the re-installs are counted in, in seconds."),
    holdSeconds: int(1, 86_400).default(300).describe("How long fibwarden then leaves the object to the other agent, in seconds; a full pass follows."),
  }).prefault({}).describe("Hold-down against an agent that keeps removing what fibwarden installs (systemd-networkd with ManageForeignRoutingPolicyRules=yes, a CNI claiming the same range): rather than fight for ever, fibwarden reports FIGHTING (log, `fibwarden_fighting_objects`, `/readyz` detail) and leaves the object alone for a while. BIRD's routes that `protect.repair: reinstall` puts back are not held down (the mass-reinstall guard bounds those)."),
  driftSettleMs: int(0, 600_000).default(3_000).describe("Drift of protected routes is logged (`protected route drift`) and counted in `fibwarden_drift` only once passes have kept seeing it for this long, in milliseconds: a route BIRD is still converging on is not an alarm. Drift that fibwarden repairs (`protect.repair: reinstall`) is logged at once. 0 reports at once."),
  logLevel: z.enum(LOG_LEVELS).default("info").describe("pino log level."),
});

const kernelSchema = z.strictObject({
  netns: z.string().regex(/^(?!\.\.?$)[A-Za-z0-9_.-]{1,255}$/, {
    error: (iss) => `${show(iss.input)} is not a network namespace name (a file name under /run/netns)`,
  }).optional().describe("Operate inside this named network namespace (`ip netns`); unset: the current one."),
});

// Defaults of fields whose schema transforms (addresses, prefixes) are prefaults: zod's JSON Schema
// drops a plain default there, since it is an output value.

/** The configuration object without its cross-field rules. */
export const ConfigObjectSchema = z.strictObject({
  bird: birdSchema.prefault({})
    .describe("How fibwarden talks to BIRD over its control sockets."),
  ownership: ownershipSchema.prefault({})
    .describe("What fibwarden owns; everything else is reported, never changed."),
  protect: protectSchema.prefault({})
    .describe("BGP routes that BIRD exports to the kernel and fibwarden guards."),
  vips: z.array(vipSchema).prefault(() => [])
    .describe("Service VIPs: each address on its device, optionally announced to BIRD and with its own return path."),
  sysctls: sysctlsSchema.prefault({})
    .describe("Per-interface sysctls fibwarden sets, re-applies to new interfaces and reports with their effective values."),
  daemon: daemonSchema.prefault({})
    .describe("`fibwarden run`: the daemon's timing, endpoints and logs."),
  kernel: kernelSchema.prefault({})
    .describe("Where fibwarden reads and writes kernel state."),
}).describe("fibwarden configuration (YAML or JSON). Every field is optional; `{}` is a valid config.");
