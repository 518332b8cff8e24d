// The daemon's decisions over a manual clock: pass kinds, retry backoff, BIRD polls that never
// overlap a full pass, the CPU-budgeted resync, and readiness.
import { describe, expect, it } from "vitest";
import { DaemonDecisions, type DecisionOptions } from "../../../src/daemon/decisions.js";

function make(opts: Partial<DecisionOptions> = {}) {
  let now = 1_000_000;
  const d = new DaemonDecisions({ resyncFloorMs: 30_000, resyncCpuPercent: 0.5, now: () => now, ...opts });
  return { d, advance: (ms: number) => { now += ms; } };
}

const full = { mode: "full" as const, observationComplete: true, cpuMs: 10 };

describe("DaemonDecisions", () => {
  it("kernel events and ticks are incremental; start, bird, config, resync, retry, manual are full", () => {
    const { d } = make();
    expect(d.isFullPass(["kernel"])).toBe(false);
    expect(d.isFullPass(["tick", "kernel"])).toBe(false);
    for (const r of ["start", "bird", "config", "resync", "retry", "manual"] as const) expect(d.isFullPass(["kernel", r])).toBe(true);
  });

  it("retries an incomplete observation with capped exponential backoff, reset by a complete one", () => {
    const { d } = make({ retryMinMs: 500, retryMaxMs: 3_000 });
    const incomplete = { mode: "full" as const, observationComplete: false, cpuMs: 1 };
    const waits = [1, 2, 3, 4, 5].map(() => { d.passStarted(true); return d.passFinished(incomplete, true); });
    expect(waits).toEqual([500, 1_000, 2_000, 3_000, 3_000]);
    d.passStarted(true);
    expect(d.passFinished(full, true)).toBeUndefined();
    d.passStarted(true);
    expect(d.passFinished(incomplete, true)).toBe(500);
  });

  it("readiness: not before a complete observation, not while the last one is incomplete", () => {
    const { d } = make();
    expect(d.readiness()).toEqual({ ok: false, reason: "no complete observation yet" });
    d.passStarted(true);
    d.passFinished({ ...full, observationComplete: false }, true);
    expect(d.readiness().ok).toBe(false);
    d.passStarted(true);
    d.passFinished(full, true);
    expect(d.readiness()).toEqual({ ok: true, reason: "ready" });
    d.passStarted(false);
    d.passFinished({ mode: "incremental", observationComplete: false, cpuMs: 0 }, false);
    expect(d.readiness().reason).toMatch(/last observation incomplete/);
    // A pass that threw changes nothing of readiness.
    d.passStarted(true);
    d.passFailed();
    expect(d.readiness().ok).toBe(false);
  });

  it("a BIRD poll never starts during a full pass or beside another poll", () => {
    const { d } = make();
    d.passStarted(true);
    expect(d.pollStarting()).toBeUndefined();
    d.passFinished(full, true);
    const g = d.pollStarting();
    expect(g).toBeDefined();
    expect(d.pollStarting()).toBeUndefined(); // in flight
    d.pollAnswered(g!, "sig-a");
    expect(d.pollStarting()).toBeDefined();
    // An incremental pass does not stop polls.
    d.pollAnswered(d.pollStarting() ?? -1, undefined);
    d.passStarted(false);
    expect(d.pollStarting()).toBeDefined();
  });

  it("the first answer is the baseline; a change triggers; BIRD unreachable on the first poll triggers", () => {
    const { d } = make();
    expect(d.pollAnswered(d.pollStarting()!, "sig-a")).toBe(false);
    expect(d.pollAnswered(d.pollStarting()!, "sig-a")).toBe(false);
    expect(d.pollAnswered(d.pollStarting()!, "sig-b")).toBe(true);
    expect(d.pollAnswered(d.pollStarting()!, undefined)).toBe(false); // a failed poll is no change
    expect(d.pollAnswered(d.pollStarting()!, "sig-b")).toBe(false);
    const fresh = make().d;
    expect(fresh.pollAnswered(fresh.pollStarting()!, "bird.ctl unreachable")).toBe(true);
  });

  it("a poll that overlapped a full pass is dropped, also when the reconciler fell back to one", () => {
    const { d } = make();
    d.pollAnswered(d.pollStarting()!, "sig-a");
    const g = d.pollStarting()!;
    d.passStarted(true);
    d.passFinished(full, true);
    expect(d.pollAnswered(g, "sig-b")).toBe(false);
    // The baseline stays what it was: the next poll still sees the change.
    expect(d.pollAnswered(d.pollStarting()!, "sig-b")).toBe(true);
    const g2 = d.pollStarting()!;
    d.passStarted(false);
    d.passFinished(full, false); // asked incremental, ran full
    expect(d.pollAnswered(g2, "sig-c")).toBe(false);
  });

  it("resync: a tick until a full pass is due; full passes spaced by their CPU cost; nothing during a pass", () => {
    const { d, advance } = make({ resyncFloorMs: 30_000, resyncCpuPercent: 0.5 });
    expect(d.resyncDecision()).toBe("tick");
    advance(30_000);
    expect(d.resyncDecision()).toBe("resync");
    d.passStarted(true);
    expect(d.resyncDecision()).toBeUndefined();
    // A full pass that took 2 s of CPU at 0.5 % is due again after 400 s, not after 30 s.
    d.passFinished({ ...full, cpuMs: 2_000 }, true);
    advance(30_000);
    expect(d.resyncDecision()).toBe("tick");
    advance(369_900);
    expect(d.resyncDecision()).toBe("tick");
    advance(50);
    expect(d.resyncDecision()).toBe("resync");
    // An incremental pass does not move the resync clock.
    d.passStarted(false);
    d.passFinished({ mode: "incremental", observationComplete: true, cpuMs: 5 }, false);
    expect(d.resyncDecision()).toBe("resync");
    // Never more than a day apart, however costly.
    d.passStarted(true);
    d.passFinished({ ...full, cpuMs: 10_000_000 }, true);
    advance(86_400_000);
    expect(d.resyncDecision()).toBe("resync");
    // A reloaded config's timing applies from then on.
    d.retime({ resyncFloorMs: 600_000, resyncCpuPercent: 100 });
    d.passStarted(true);
    d.passFinished({ ...full, cpuMs: 1 }, true);
    advance(300_000);
    expect(d.resyncDecision()).toBe("tick");
  });
});
