// BIRD's version, read from whatever the daemon says. Version strings are not all plain numbers:
// distributions print `1.6.8`, `2.0.12`, `2.17.1`, `3.1.0`; calico-node's BIRD 1.6.8 says
// `v0.3.3+birdv1.6.8` (its own version first, BIRD's after `+bird`); BIRD built from git says
// `v2.0.9-11-g207ac485`; pre-releases say `3.0-alpha2` or `2.0.7-pre`. The dialect decides the
// kernel metric fibwarden expects, so a version that cannot be read is never guessed: the caller
// decides from what BIRD's replies show, or gives up (observation incomplete).

/** BIRD's major dialect: 1 (1.6, separate IPv4/IPv6 daemons), 2 or 3. */
export type BirdDialect = 1 | 2 | 3;

/** A BIRD release found inside a version string. */
export interface BirdRelease {
  major: number;
  minor: number;
  /** Absent when the string has only two components (`2.13`, `3.0-alpha2`). */
  patch?: number;
  /** `major.minor[.patch]`. */
  text: string;
}

// A release embedded after a `bird` marker: `+birdv1.6.8`, `bird-2.0.12`, `bird 1.6.8`.
const MARKED = /bird[-_ ]?v?(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?(?![\d.])/i;
// A release at the start: `2.0.12`, `v2.0.9-11-g207ac485`, `3.0-alpha2`, `2.0.7-pre`, `1.6.8~rc1`.
const LEADING = /^v?(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?(?=$|[-+~_ ]|[a-z])/i;

const KNOWN_MAJORS: readonly number[] = [1, 2, 3];

function toRelease(m: RegExpExecArray): BirdRelease {
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const release: BirdRelease = { major, minor, text: `${major}.${minor}` };
  if (m[3] !== undefined) {
    release.patch = Number(m[3]);
    release.text += `.${release.patch}`;
  }
  return release;
}

/**
 * Finds the BIRD release inside a version string, or undefined when none can be read with
 * certainty: a release marked with `bird` wins (calico's `v0.3.3+birdv1.6.8` is BIRD 1.6.8, not
 * 0.3.3); otherwise the leading `[v]major.minor[.patch]`, if its major is a BIRD major (1-3).
 */
export function readBirdRelease(version: string): BirdRelease | undefined {
  const marked = MARKED.exec(version);
  if (marked) {
    const r = toRelease(marked);
    return KNOWN_MAJORS.includes(r.major) ? r : undefined;
  }
  const leading = LEADING.exec(version.trim());
  if (!leading) return undefined;
  const r = toRelease(leading);
  return KNOWN_MAJORS.includes(r.major) ? r : undefined;
}

/** The dialect of a release: its major version. */
export function dialectOfRelease(release: BirdRelease): BirdDialect {
  return release.major as BirdDialect;
}

/** How a daemon's dialect was decided. */
export type DialectSource = "version" | "replies";

/**
 * What BIRD's `show protocols all` reply tells of the dialect: BIRD 1.6 prints kernel protocols'
 * import/export data without a `Channel` line; BIRD 2 and 3 print it under `Channel ipv4`
 * (`ipv6`); BIRD 3 adds a `Created:` line to each protocol. Undefined when the reply does not
 * tell (no kernel protocol with route data, or a mix).
 */
export function dialectFromProtocols(protocols: ReadonlyArray<{
  proto: string; created?: string; channels: ReadonlyArray<{ implicit?: boolean }>;
}>): BirdDialect | undefined {
  let legacy = 0;
  let channelled = 0;
  for (const p of protocols) {
    if (p.proto !== "Kernel") continue;
    for (const ch of p.channels) {
      if (ch.implicit === true) legacy++;
      else channelled++;
    }
  }
  if (legacy > 0 && channelled === 0) return 1;
  if (channelled > 0 && legacy === 0) return protocols.some((p) => p.created !== undefined) ? 3 : 2;
  return undefined;
}
