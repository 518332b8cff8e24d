/** Naming rules for lab resources: unique prefixes, namespace names and interface names. */
import { randomBytes } from "node:crypto";

/** Linux IFNAMSIZ is 16 including the terminating NUL: interface names hold at most 15 chars. */
export const MAX_IFNAME_LENGTH = 15;

/** Every lab prefix starts with this tag; `sweepStaleLabs` relies on it. */
export const LAB_TAG = "fwt";

/** Matches a lab prefix: the tag plus 6 base36 characters. */
export const LAB_PREFIX_PATTERN = /^fwt[0-9a-z]{6}$/;

const BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";
const LOCAL_NAME_PATTERN = /^[a-z][a-z0-9]*$/;
const IFNAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** Returns a fresh lab prefix such as `fwtk3x9q0`. */
export function generateLabPrefix(): string {
  const bytes = randomBytes(6);
  let suffix = "";
  for (const byte of bytes) suffix += BASE36[byte % BASE36.length];
  return `${LAB_TAG}${suffix}`;
}

/** Builds the kernel namespace name for a lab-local name (`fwtk3x9q0` + `router`). */
export function toNamespaceName(prefix: string, localName: string): string {
  if (!LOCAL_NAME_PATTERN.test(localName)) {
    throw new Error(`lab: namespace name "${localName}" must match ${LOCAL_NAME_PATTERN}`);
  }
  return `${prefix}${localName}`;
}

/** Throws unless `name` is a valid interface name (1..15 chars, no slash or space). */
export function assertInterfaceName(name: string): void {
  if (name.length === 0 || name.length > MAX_IFNAME_LENGTH || !IFNAME_PATTERN.test(name)) {
    throw new Error(`lab: interface name "${name}" must be 1..${MAX_IFNAME_LENGTH} chars of [A-Za-z0-9_.-]`);
  }
}

/** True when `namespace` belongs to the lab with this prefix. */
export function isLabNamespace(prefix: string, namespace: string): boolean {
  return namespace.startsWith(prefix) && namespace.length > prefix.length;
}
