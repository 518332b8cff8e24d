// Interface names and interface patterns (globs) as the config uses them: VIP devices, return
// devices and the sysctl maps keyed by pattern. Pure.
import { IFNAME_MAX } from "../core/ownership.js";

// The kernel's dev_valid_name refuses "/", ":" and whitespace; ":" only appears in IPv4 labels.
const NAME = /^[A-Za-z0-9_.@-]+$/;
const PATTERN = /^[A-Za-z0-9_.@*?-]+$/;

/** The sysctl pseudo-interfaces, matched only when a map names them explicitly. */
export const SYSCTL_PSEUDO_INTERFACES = ["all", "default"] as const;

/** True when `name` is a valid Linux interface name (1-15 bytes of A-Z a-z 0-9 _ . @ -). */
export function isInterfaceName(name: string): boolean {
  return name.length <= IFNAME_MAX && NAME.test(name) && name !== "." && name !== "..";
}

/** True when `pattern` is an interface name or a glob of one (`*` any run, `?` one character). */
export function isInterfacePattern(pattern: string): boolean {
  return pattern.length <= IFNAME_MAX && PATTERN.test(pattern) && pattern !== "." && pattern !== "..";
}

/** True when `pattern` contains a glob character. */
export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** Matches an interface name against a pattern; globs never match `all` or `default`. */
export function matchInterfacePattern(pattern: string, name: string): boolean {
  if (!isGlob(pattern)) return pattern === name;
  if ((SYSCTL_PSEUDO_INTERFACES as readonly string[]).includes(name)) return false;
  const source = pattern.replace(/[.@-]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(name);
}

/** How specific a pattern is: exact names first, then globs with more literal characters. */
function specificity(pattern: string): number {
  return isGlob(pattern) ? pattern.replace(/[*?]/g, "").length : 1000;
}

/**
 * The value a pattern map gives an interface, or undefined when no pattern matches. An exact
 * name wins over any glob; among globs the one with the most literal characters wins; ties go
 * to the pattern that sorts first, so the result never depends on key order.
 */
export function selectInterfaceValue<T>(map: Readonly<Record<string, T>>, name: string): T | undefined {
  let best: string | undefined;
  for (const pattern of Object.keys(map)) {
    if (!matchInterfacePattern(pattern, name)) continue;
    if (best === undefined || specificity(pattern) > specificity(best) ||
      (specificity(pattern) === specificity(best) && pattern < best)) best = pattern;
  }
  return best === undefined ? undefined : map[best];
}
