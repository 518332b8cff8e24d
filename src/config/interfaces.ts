// Interface names and interface patterns (globs) as the config uses them: VIP devices, return
// devices and the keys of the sysctl maps. Pure. How a pattern map is applied to an interface
// (which pattern wins) is the sysctl builder's: src/core/desired/sysctls.ts, re-exported here.
import { IFNAME_MAX } from "../core/ownership.js";

export { matchInterfacePattern, pickPatternValue } from "../core/desired/sysctls.js";

// The kernel's dev_valid_name refuses "/", ":", whitespace, "." and ".."; ":" only appears in
// IPv4 labels. Names are ASCII here, so 15 characters are 15 bytes (IFNAMSIZ - 1).

/** An interface name: 1-15 of A-Z a-z 0-9 _ . @ -, not "." or "..". */
export const INTERFACE_NAME_REGEX = /^(?!\.\.?$)[A-Za-z0-9_.@-]{1,15}$/;
/** An interface name or glob (`*` any run, `?` one character). */
export const INTERFACE_PATTERN_REGEX = /^(?!\.\.?$)[A-Za-z0-9_.@*?-]{1,15}$/;

/** True when `name` is a valid Linux interface name (1-15 bytes of A-Z a-z 0-9 _ . @ -). */
export function isInterfaceName(name: string): boolean {
  return name.length <= IFNAME_MAX && INTERFACE_NAME_REGEX.test(name);
}

/** True when `pattern` is an interface name or a glob of one (`*` any run, `?` one character). */
export function isInterfacePattern(pattern: string): boolean {
  return pattern.length <= IFNAME_MAX && INTERFACE_PATTERN_REGEX.test(pattern);
}
