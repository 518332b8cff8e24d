// BIRD's version read from what the daemon says, and the dialect told from its replies when the
// version names no BIRD release. A dialect is never guessed: the kernel metric depends on it.
import { describe, expect, it } from "vitest";
import { dialectOf } from "../../../../src/adapters/bird/client.js";
import { parseProtocols } from "../../../../src/core/bird/protocols.js";
import { dialectFromProtocols, readBirdRelease } from "../../../../src/core/bird/version.js";
import { fixtureLines, type Daemon } from "./fixtures.js";

describe("readBirdRelease", () => {
  it.each([
    // distributions
    ["1.6.8", "1.6.8", 1],
    ["1.6.3", "1.6.3", 1],
    ["2.0.12", "2.0.12", 2],
    ["2.17.1", "2.17.1", 2],
    ["3.1.0", "3.1.0", 3],
    ["2.13", "2.13", 2],
    // calico-node's BIRD 1.6.8: calico's own version first, BIRD's after `+bird`
    ["v0.3.3+birdv1.6.8", "1.6.8", 1],
    ["v0.3.3-151-g767b5389+birdv1.6.8", "1.6.8", 1],
    // BIRD built from git, pre-releases
    ["v2.0.9-11-g207ac485", "2.0.9", 2],
    ["v2.14-60-g5b2e3f1a", "2.14", 2],
    ["2.0.7-pre", "2.0.7", 2],
    ["3.0-alpha2", "3.0", 3],
    ["3.0alpha0", "3.0", 3],
    ["1.6.8~rc1", "1.6.8", 1],
    ["bird-2.0.12", "2.0.12", 2],
  ])("%s is BIRD %s (dialect %i)", (version, release, dialect) => {
    const r = readBirdRelease(version);
    expect(r?.text).toBe(release);
    expect(r?.major).toBe(dialect);
    expect(dialectOf(version)).toBe(dialect);
  });

  it.each([
    ["v0.3.3"], // calico's version alone: 0.3.3 is no BIRD release
    ["0.3.3"],
    ["4.0.0"], // a future major: its defaults are not known
    ["v10.2.1"],
    [""],
    ["calico"],
    ["unknown"],
    ["2"],
    ["v0.3.3+birdv9.1.0"], // a marked release of no known major is not read past
    ["1.6.8.9"], // more components than any BIRD release has
  ])("%j names no BIRD release: undefined, never a guess", (version) => {
    expect(readBirdRelease(version)).toBeUndefined();
    expect(dialectOf(version)).toBeUndefined();
  });
});

describe("dialectFromProtocols (the version could not be read)", () => {
  const fromFixture = (daemon: Daemon) => dialectFromProtocols(parseProtocols(fixtureLines(daemon, "show-protocols-all.txt"), { legacyFamily: daemon === "bird6-1.6.8" ? 6 : 4 }));

  it("BIRD 1.6 prints kernel protocols without a Channel line: dialect 1", () => {
    expect(fromFixture("bird-1.6.8")).toBe(1);
    expect(fromFixture("bird6-1.6.8")).toBe(1);
  });

  it("BIRD 2 prints `Channel ipv4`: dialect 2; BIRD 3 adds `Created:`: dialect 3", () => {
    expect(fromFixture("bird-2.0.12")).toBe(2);
    expect(fromFixture("bird-3-synthetic")).toBe(3);
  });

  it("a reply that does not tell (no kernel protocol, or a mix) is undefined", () => {
    expect(dialectFromProtocols([])).toBeUndefined();
    expect(dialectFromProtocols([{ proto: "Device", channels: [] }, { proto: "BGP", channels: [{}] }])).toBeUndefined();
    expect(dialectFromProtocols([{ proto: "Kernel", channels: [] }])).toBeUndefined();
    expect(dialectFromProtocols([
      { proto: "Kernel", channels: [{ implicit: true }] },
      { proto: "Kernel", channels: [{}] },
    ])).toBeUndefined();
  });
});
