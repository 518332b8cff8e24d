// Cross-field rules of the configuration: the ones a single field's schema cannot see. Pure.
// Each problem names the field a user should change, so the loader can point at its line.
import { assertPolicy, isProtectedTable, ownedAddressLabel, rangeIncludes } from "../core/ownership.js";
import { addressFamily, prefixContains, prefixFamily } from "../core/net/ip.js";
import { buildOwnershipPolicy } from "./policy.js";
import type { Config } from "./types.js";

/** One cross-field problem: the path of the field to fix and why. */
export interface ConfigProblem {
  path: (string | number)[];
  message: string;
}

type Check = (config: Config) => ConfigProblem[];

const checkUniqueVips: Check = (config) => {
  const seen = new Map<string, number>();
  return config.vips.flatMap((v, i) => {
    const first = seen.get(v.address);
    if (first === undefined) { seen.set(v.address, i); return []; }
    return [{ path: ["vips", i, "address"], message: `VIP ${v.address} is already vips[${first}]` }];
  });
};

const checkAnnounceTables: Check = (config) => {
  const src = config.ownership.tables;
  const policy = buildOwnershipPolicy(config);
  return config.vips.flatMap((v, i) => {
    if (v.announce === undefined) return [];
    const t = v.announce.table;
    const path = ["vips", i, "announce", "table"];
    if (rangeIncludes(src, t)) return [{ path, message: `table ${t} lies in the source-table range ownership.tables (${src.from}-${src.to}); pick one outside it` }];
    if (isProtectedTable(policy, t)) return [{ path, message: `table ${t} is protected (a BIRD kernel protocol syncs it); an announce table must be one BIRD only learns from` }];
    return [];
  });
};

// An announce table that is protected is reported at the VIP (checkAnnounceTables) or by the policy check.
const checkProtectedTables: Check = (config) =>
  Object.entries(config.protect.tables).flatMap(([name, t]) => rangeIncludes(config.ownership.tables, t)
    ? [{ path: ["protect", "tables", name], message: `table ${t} lies in ownership.tables; a protected table cannot be managed` }]
    : []);

const checkKernelProtocolNames: Check = (config) => {
  const list = config.protect.kernelProtocols;
  if (list === "all") return [];
  return (["metrics", "tables"] as const).flatMap((field) => Object.keys(config.protect[field])
    .filter((name) => !list.includes(name))
    .map((name) => ({ path: ["protect", field, name], message: `${name} is not in protect.kernelProtocols (${list.join(", ")})` })));
};

const checkVipOwnershipMarkers: Check = (config) => {
  const policy = buildOwnershipPolicy(config);
  const inVipRange = (a: string): boolean => config.ownership.vipRanges.some((p) => prefixFamily(p) === addressFamily(a) && prefixContains(p, a));
  return config.vips.flatMap((v, i): ConfigProblem[] => {
    if (inVipRange(v.address)) return [];
    if (addressFamily(v.address) === 6) {
      return [{ path: ["vips", i, "address"], message: `IPv6 VIP ${v.address} must lie inside ownership.vipRanges (IPv6 addresses carry no label; add ${v.address}/128 or its range)` }];
    }
    if (ownedAddressLabel(policy, v.device) === undefined) {
      return [{ path: ["vips", i, "device"], message: `label "${v.device}:${config.ownership.addressLabel}" exceeds 15 bytes; shorten the device name or ownership.addressLabel, or put ${v.address} inside ownership.vipRanges` }];
    }
    return [];
  });
};

const checkSourceTableCount: Check = (config) => {
  const needed = config.vips.filter((v) => v.return !== undefined).length;
  const { from, to } = config.ownership.tables;
  return needed > to - from + 1
    ? [{ path: ["ownership", "tables"], message: `${needed} VIPs with a return path need ${needed} source tables; ${from}-${to} holds ${to - from + 1}` }]
    : [];
};

/** Per-interface values that can never take effect because of `all` (rp_filter: max; send_redirects: OR). */
const checkSysctlAll: Check = (config) => {
  const out: ConfigProblem[] = [];
  for (const name of ["rpFilter", "sendRedirects"] as const) {
    const map = config.sysctls[name];
    const all = map.all;
    if (all === undefined) continue;
    for (const [pattern, value] of Object.entries(map)) {
      if (pattern === "all" || pattern === "default" || value >= all) continue;
      const rule = name === "rpFilter" ? "the effective rp_filter is max(all, iface)" : "the effective send_redirects is all OR iface";
      out.push({ path: ["sysctls", name, pattern], message: `${value} has no effect while sysctls.${name}.all is ${all}: ${rule}` });
    }
  }
  return out;
};

const checkPolicy: Check = (config) => {
  try {
    assertPolicy(buildOwnershipPolicy(config));
    return [];
  } catch (err) {
    return [{ path: ["ownership"], message: err instanceof Error ? err.message : String(err) }];
  }
};

const checkBirdPollBounds: Check = (config) => {
  const { birdPollIntervalMs: min, birdPollMaxIntervalMs: max } = config.daemon;
  return max >= min ? [] : [{ path: ["daemon", "birdPollMaxIntervalMs"], message: `${max} is below daemon.birdPollIntervalMs (${min}): the slowest pace cannot be faster than the fastest` }];
};

const CHECKS: Check[] = [
  checkUniqueVips, checkBirdPollBounds, checkAnnounceTables, checkProtectedTables, checkKernelProtocolNames,
  checkVipOwnershipMarkers, checkSourceTableCount, checkSysctlAll,
];

/** Every cross-field problem of a config whose fields are each valid; the policy check runs last. */
export function findConfigProblems(config: Config): ConfigProblem[] {
  const problems = CHECKS.flatMap((check) => check(config));
  return problems.length > 0 ? problems : checkPolicy(config);
}
