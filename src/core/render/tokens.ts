// Validators for every value that ends up as a token of an `ip -batch` line, a command argument
// or a /proc/sys path. The policy is to refuse, never to escape: `ip -batch` splits lines on
// blanks, honours quotes and `#` comments, and a parse error there calls exit() and aborts the
// rest of the batch, so a value that does not match the allow-list never reaches iproute2.
import { FibwardenError } from "../errors.js";

/** Linux IFNAMSIZ is 16 with the terminating NUL: names and IPv4 labels hold 1..15 bytes. */
export const IFNAME_MAX_BYTES = 15;

const IFNAME_CHARS = /^[A-Za-z0-9_.:@-]+$/;
const NETNS_CHARS = /^[A-Za-z0-9_.-]+$/;

function refuse(field: string, why: string, value: unknown): never {
  throw new FibwardenError("FW_INVALID_TOKEN", `${field}: ${why} (${shown(value)})`, { details: { field, value } });
}

/** The refused value as text; JSON.stringify itself throws for a BigInt or a circular object. */
function shown(value: unknown): string {
  try {
    return String(JSON.stringify(value));
  } catch {
    return String(value);
  }
}

/** True when `name` is an interface name (or IPv4 label) fibwarden accepts. */
export function isInterfaceName(name: unknown): name is string {
  // The character class is ASCII-only, so string length equals byte length here.
  return typeof name === "string" && name.length >= 1 && name.length <= IFNAME_MAX_BYTES
    && IFNAME_CHARS.test(name) && name !== "." && name !== ".." && !name.startsWith("-");
}

/** Returns `name` when it is an acceptable interface name; throws FW_INVALID_TOKEN naming `field`. */
export function assertInterfaceName(name: unknown, field: string): string {
  if (!isInterfaceName(name)) {
    refuse(field, `interface name must be 1..${IFNAME_MAX_BYTES} bytes of [A-Za-z0-9_.:@-], not "." or "..", not starting with "-"`, name);
  }
  return name;
}

/** Returns `name` when it is an acceptable network namespace name (a file name under /run/netns). */
export function assertNamespaceName(name: unknown, field = "netns"): string {
  if (typeof name !== "string" || name.length < 1 || name.length > 64 || !NETNS_CHARS.test(name)
    || name === "." || name === ".." || name.startsWith("-")) {
    refuse(field, "namespace name must be 1..64 bytes of [A-Za-z0-9_.-], not \".\" or \"..\", not starting with \"-\"", name);
  }
  return name;
}

/** Returns `n` when it is an integer in [min, max]; throws FW_INVALID_TOKEN naming `field`. */
export function assertIntegerInRange(n: unknown, min: number, max: number, field: string): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) refuse(field, `must be an integer in ${min}..${max}`, n);
  return n;
}

/** Throws FW_INVALID_TOKEN naming `field`, for values that are well-formed but cannot be rendered. */
export function refuseToken(field: string, why: string, value: unknown): never {
  refuse(field, why, value);
}
