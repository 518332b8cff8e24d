// The BIRD signature on the captured transcripts: what must change it (a protocol going down,
// a reconfiguration, a BGP return path losing its session) and what must not (route imports
// moving counters, BIRD's clock jitter, a down BGP session cycling through its states).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { frameTranscript, parseProtocols, parseStatus } from "../../../../src/core/bird/index.js";
import { bgpPeersToDescribe, signBirdDaemon, type BirdDaemonFacts, type BirdSignatureScope } from "../../../../src/core/bird/signature.js";
import { FIXTURE_ROOT, type Daemon } from "./fixtures.js";

type Edit = [from: string | RegExp, to: string];

function transcript(daemon: Daemon, file: string, edits: readonly Edit[] = []): ReturnType<typeof frameTranscript> {
  let text = readFileSync(`${FIXTURE_ROOT}${daemon}/${file}`, "utf8");
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    expect(next, `edit ${String(from)} of ${daemon}/${file}`).not.toBe(text);
    text = next;
  }
  return frameTranscript(text);
}

/** Facts as the poller gathers them: status, plain protocols, and `all` for the BGP peers. */
function facts(daemon: Daemon, edits: { status?: Edit[]; protocols?: Edit[]; peer?: Edit[] } = {}, peerFile?: string): BirdDaemonFacts {
  const legacyFamily = daemon === "bird6-1.6.8" ? 6 : 4;
  return {
    status: parseStatus(transcript(daemon, "show-status.txt", edits.status)),
    protocols: parseProtocols(transcript(daemon, "show-protocols.txt", edits.protocols), { legacyFamily }),
    bgpPeers: peerFile === undefined ? [] : parseProtocols(transcript(daemon, peerFile, edits.peer), { legacyFamily }),
  };
}

const V4: BirdSignatureScope = { kernelProtocols: "all", bgpPeers: ["up_a4"] };
const sign = (f: BirdDaemonFacts, scope = V4, previous?: ReadonlyMap<string, string>) => signBirdDaemon(f, scope, previous).text;

describe("signBirdDaemon", () => {
  it("BIRD 2: status, every kernel protocol, the named BGP peer", () => {
    expect(sign(facts("bird-2.0.12", {}, "show-protocols-all-up_a4.txt")).split("\n")).toEqual([
      '["status","2.0.12","Daemon is up and running","2026-11-22 18:53:14.444","2026-11-22 18:53:14.444"]',
      '["kernel","kernel1","Kernel","up","18:53:14.444"]',
      '["kernel","kernel2","Kernel","up","18:53:14.444"]',
      '["bgp","up_a4","BGP","up","established","10.111.1.1"]',
    ]);
  });

  it("BIRD 1.6: the same facts from the v4 and the v6 daemon", () => {
    expect(sign(facts("bird-1.6.8", {}, "show-protocols-all-up_a4.txt")).split("\n")).toEqual([
      '["status","1.6.8","Daemon is up and running","2026-11-22 18:59:08","2026-11-22 18:59:08"]',
      '["kernel","kernel1","Kernel","up","18:59:08"]',
      '["bgp","up_a4","BGP","up","established","10.111.1.1"]',
    ]);
    const v6 = facts("bird6-1.6.8", {}, "show-protocols-all-up_a6.txt");
    expect(sign(v6, { kernelProtocols: ["kernel1"], bgpPeers: ["up_a6"] })).toContain('["bgp","up_a6","BGP","up","established","fd00:111:1::1"]');
  });

  it("named kernel protocols: only those, and one BIRD does not have is signed as absent", () => {
    const text = sign(facts("bird-2.0.12"), { kernelProtocols: ["kernel2", "kernel9"], bgpPeers: [] });
    expect(text.split("\n").slice(1)).toEqual(['["kernel","kernel2","Kernel","up","18:53:14.444"]', '["kernel","kernel9","absent"]']);
  });

  it("a BGP peer the daemon does not list is not asked for, and signs as absent", () => {
    const f = facts("bird-2.0.12");
    expect(bgpPeersToDescribe({ kernelProtocols: "all", bgpPeers: ["up_b4", "nope", "up_b4"] }, f.protocols)).toEqual(["up_b4"]);
    expect(sign(f, { kernelProtocols: "all", bgpPeers: ["nope"] })).toContain('["bgp","nope","absent"]');
  });

  it("route imports and exports move counters, not the signature", () => {
    const before = sign(facts("bird-2.0.12", {}, "show-protocols-all-up_a4.txt"));
    const after = sign(facts("bird-2.0.12", {
      peer: [
        ["305 imported, 2 exported, 305 preferred", "306 imported, 3 exported, 306 preferred"],
        [/Import updates: {12}305 {10}0 {10}0 {10}0 {8}305/, "Import updates:            306          0          0          0        306"],
        ["Hold timer:       65.857/90", "Hold timer:       80.002/90"],
      ],
      // the server time moves on every poll
      status: [["Current server time is 2026-11-22 18:53:56.815", "Current server time is 2026-11-22 18:54:30.001"]],
    }, "show-protocols-all-up_a4.txt"));
    expect(after).toBe(before);
  });

  it("a protected kernel protocol going down, or restarting, changes it", () => {
    const before = sign(facts("bird-2.0.12"));
    expect(sign(facts("bird-2.0.12", { protocols: [[/kernel1 {4}Kernel {5}master4 {4}up {5}18:53:14.444/, "kernel1    Kernel     master4    down   18:55:00.000"]] }))).not.toBe(before);
    expect(sign(facts("bird-2.0.12", { protocols: [[/kernel1 {4}Kernel {5}master4 {4}up {5}18:53:14.444/, "kernel1    Kernel     master4    up     18:55:00.000"]] }))).not.toBe(before);
  });

  it("a protocol fibwarden does not protect changing state does not change it", () => {
    const before = sign(facts("bird-2.0.12"), { kernelProtocols: ["kernel1"], bgpPeers: [] });
    const after = sign(facts("bird-2.0.12", { protocols: [[/up_b4 {6}BGP {8}--- {8}up {5}18:53:18.403  Established/, "up_b4      BGP        ---        start  18:55:00.000  Active"]] }), { kernelProtocols: ["kernel1"], bgpPeers: [] });
    expect(after).toBe(before);
  });

  it("BIRD reconfiguring or rebooting changes it", () => {
    const before = sign(facts("bird-2.0.12"));
    expect(sign(facts("bird-2.0.12", { status: [["Last reconfiguration on 2026-11-22 18:53:14.444", "Last reconfiguration on 2026-11-22 19:10:00.000"]] }))).not.toBe(before);
    expect(sign(facts("bird-2.0.12", { status: [["Last reboot on 2026-11-22 18:53:14.444", "Last reboot on 2026-11-22 19:10:00.000"]] }))).not.toBe(before);
    expect(sign(facts("bird-2.0.12", { status: [["0013 Daemon is up and running", "0013 Reconfiguration in progress"]] }))).not.toBe(before);
  });

  it("the BGP return path losing its session, or its neighbor, changes it; a down session cycling states does not", () => {
    const peer = "show-protocols-all-up_a4.txt";
    const before = sign(facts("bird-2.0.12", {}, peer));
    const active: Edit[] = [["up     18:53:18.814  Established", "start  18:54:00.000  Active"], ["BGP state:          Established", "BGP state:          Active"]];
    const down = sign(facts("bird-2.0.12", { peer: active }, peer));
    expect(down).not.toBe(before);
    expect(down).toContain('["bgp","up_a4","BGP","start","not-established","10.111.1.1"]');
    const connect = sign(facts("bird-2.0.12", { peer: [["up     18:53:18.814  Established", "start  18:54:00.000  Connect"], ["BGP state:          Established", "BGP state:          Connect"]] }, peer));
    expect(connect).toBe(down);
    expect(sign(facts("bird-2.0.12", { peer: [["Neighbor address: 10.111.1.1", "Neighbor address: 10.111.1.9"]] }, peer))).not.toBe(before);
  });

  it("BIRD 1.6 printing the same instants one second off signs the same, given the previous times", () => {
    const first = signBirdDaemon(facts("bird-1.6.8"), V4);
    const jittered = facts("bird-1.6.8", {
      status: [["Last reboot on 2026-11-22 18:59:08", "Last reboot on 2026-11-22 18:59:09"], ["Last reconfiguration on 2026-11-22 18:59:08", "Last reconfiguration on 2026-11-22 18:59:09"]],
      protocols: [[/kernel1  Kernel   master   up     18:59:08/, "kernel1  Kernel   master   up     18:59:09"]],
    });
    expect(signBirdDaemon(jittered, V4, first.times).text).toBe(first.text);
    expect(signBirdDaemon(jittered, V4).text).not.toBe(first.text); // without memory it would flap
    const restarted = facts("bird-1.6.8", { protocols: [[/kernel1  Kernel   master   up     18:59:08/, "kernel1  Kernel   master   up     18:59:15"]] });
    expect(signBirdDaemon(restarted, V4, first.times).text).not.toBe(first.text);
  });

  it("the times it returns are the steady ones, so that jitter never accumulates", () => {
    const first = signBirdDaemon(facts("bird-1.6.8"), V4);
    const plus1 = facts("bird-1.6.8", { protocols: [[/kernel1  Kernel   master   up     18:59:08/, "kernel1  Kernel   master   up     18:59:09"]] });
    const second = signBirdDaemon(plus1, V4, first.times);
    expect(second.times.get("kernel.kernel1.since")).toBe("18:59:08");
  });

  it("BIRD 3 (synthetic): the same shape as BIRD 2", () => {
    const f: BirdDaemonFacts = {
      status: parseStatus(transcript("bird-3-synthetic", "show-status.txt")),
      protocols: parseProtocols(transcript("bird-3-synthetic", "show-protocols-all.txt")),
      bgpPeers: parseProtocols(transcript("bird-3-synthetic", "show-protocols-all.txt")).filter((p) => p.name === "up_a4"),
    };
    expect(sign(f)).toContain('["bgp","up_a4","BGP","up","established","10.111.1.1"]');
    expect(sign(f)).toContain('["status","3.3.0","Daemon is up and running"');
  });
});
