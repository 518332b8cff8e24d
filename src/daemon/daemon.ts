// `fibwarden run`: the sidecar daemon. Passes (observe, desire, plan, apply) scheduled by kernel
// change events (incremental, from the reconciler's event-fed cache), BIRD changes (a cheap
// poll), config file changes and a periodic full resync; bursts are debounced. Fail static: an incomplete observation deletes
// nothing and makes the daemon unready. SIGTERM stops leaving the kernel as it is; SIGHUP reloads.
import { watch as watchFs, type FSWatcher } from "node:fs";
import type { Server } from "node:http";
import { basename, dirname } from "node:path";
import type { Logger } from "pino";
import type { KernelWatch } from "../adapters/ports.js";
import { loadConfig } from "../config/loader.js";
import { splitListenAddress } from "../config/schema.js";
import type { Config } from "../config/schema.js";
import { createReconciler, type PassResult, type Reconciler } from "../index.js";
import { startHttp } from "./http.js";
import { createLogger, opFields } from "./logger.js";
import { DaemonDecisions } from "./decisions.js";
import { DriftReporter } from "./drift-report.js";
import { FightWatch } from "./fighting.js";
import { DaemonMetrics } from "./metrics.js";
import { PollPacer } from "./poll-pacer.js";
import { PassScheduler, type TriggerReason } from "./scheduler.js";

/** Options of the daemon. */
export interface DaemonOptions {
  configPath?: string;
  /** A logger to use instead of pino on stdout. */
  logger?: Logger;
}

/** A running daemon. */
export interface Daemon {
  readonly config: Config;
  readonly url: string;
  /** Re-reads the config file; keeps the old config when the new one is invalid. */
  reload(): Promise<boolean>;
  /** Stops cleanly; the kernel keeps its state. */
  stop(): Promise<void>;
}

/** Starts the daemon. Throws (FW_CONFIG_INVALID...) only when it cannot start at all. */
export async function startDaemon(options: DaemonOptions = {}): Promise<Daemon> {
  let loaded = await loadConfig(options.configPath ? { path: options.configPath } : {});
  let config = loaded.config;
  const log = options.logger ?? createLogger(config.daemon.logLevel);
  const metrics = new DaemonMetrics();
  let reconciler: Reconciler = createReconciler({ config });
  let passId = 0;
  // The decisions keep only what they need: holding the last PassResult would keep a full
  // table's routes alive.
  const decisions = new DaemonDecisions({
    resyncFloorMs: config.daemon.resyncIntervalSeconds * 1000, resyncCpuPercent: config.daemon.resyncCpuPercent,
  });
  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const driftReporter = new DriftReporter(config.daemon.driftSettleMs);
  const newFightWatch = (c: Config): FightWatch | undefined => (c.daemon.holdDown.restores === 0 ? undefined : new FightWatch({
    restores: c.daemon.holdDown.restores, windowMs: c.daemon.holdDown.windowSeconds * 1000, holdMs: c.daemon.holdDown.holdSeconds * 1000,
  }, c.ownership.protocol));
  let fights = newFightWatch(config);
  const holdTimers = new Set<ReturnType<typeof setTimeout>>();
  let settleTimer: ReturnType<typeof setTimeout> | undefined;

  const runOnePass = async (reasons: TriggerReason[]): Promise<void> => {
    const id = ++passId;
    const plog = log.child({ pass: id });
    plog.debug({ reasons }, "pass start");
    let result: PassResult;
    const full = decisions.isFullPass(reasons);
    const cpu0 = process.cpuUsage();
    decisions.passStarted(full);
    try {
      const watch = fights;
      result = await reconciler.apply(watch === undefined ? { full } : { full, hold: (op) => watch.isHeld(op, Date.now()) });
    } catch (err) {
      decisions.passFailed();
      plog.error({ err }, "pass failed");
      return;
    }
    const cpu = process.cpuUsage(cpu0);
    const retryInMs = decisions.passFinished({ mode: result.mode, observationComplete: result.observationComplete, cpuMs: (cpu.user + cpu.system) / 1000 }, full);
    metrics.record(result);
    for (const h of fights?.applied(result.applied, Date.now()) ?? []) {
      plog.warn({ object: h.id, restores: h.restores, until: new Date(h.until).toISOString(),
        hint: "another agent keeps removing it: with systemd-networkd set ManageForeignRoutingPolicyRules=no and ManageForeignRoutes=no (networkd.conf), or give it [RoutingPolicyRule] sections of its own; `fibwarden check` names known agents" },
      "FIGHTING: stopped re-installing an object another agent keeps removing");
      // When the hold-down ends, a full pass installs the object again.
      const t = setTimeout(() => { holdTimers.delete(t); scheduler.trigger("resync"); }, Math.max(0, h.until - Date.now()) + 10);
      holdTimers.add(t);
    }
    for (const op of result.held ?? []) plog.debug({ ...opFields(op), held: true }, "held back: FIGHTING");
    metrics.fighting.set(fights?.held(Date.now()).length ?? 0);
    for (const r of result.applied?.results ?? []) {
      if (r.status === "applied") plog.info(opFields(r.op), "applied");
      else plog.error({ ...opFields(r.op), status: r.status, err: r.error }, "operation failed");
    }
    const driftFields = (d: NonNullable<PassResult["plan"]>["drift"][number]) => ({ drift: d.kind, route: d.expected.dst, table: d.expected.table, proto: d.expected.protocol, repaired: d.repaired, reason: d.message });
    // Drift counts once passes kept seeing it for the settle window; a repair is reported at once.
    for (const d of result.plan?.drift ?? []) if (d.repaired) plog.warn(driftFields(d), "protected route drift");
    if (result.observationComplete) {
      const report = driftReporter.observe(reconciler.currentFindings().drift, Date.now());
      for (const d of report.newlySettled) if (!d.repaired) plog.warn(driftFields(d), "protected route drift");
      metrics.recordDrift(report.settled);
      clearTimeout(settleTimer);
      if (report.recheckInMs !== undefined) {
        plog.debug({ settling: report.pending, recheckInMs: report.recheckInMs }, "drift settling");
        settleTimer = setTimeout(() => scheduler.trigger("tick"), report.recheckInMs);
      }
    }
    for (const c of result.plan?.conflicts ?? []) plog.warn({ conflict: c.reason, object: c.object, key: c.key, reason: c.message }, "conflict left alone");
    for (const g of result.plan?.guards ?? []) plog.error({ guard: g.code, table: g.table, family: g.family, metric: g.metric, missing: g.missing, total: g.total, liveMetric: g.liveMetric, reason: g.message }, "reinstall refused by guard");
    for (const o of result.plan?.withheld ?? []) plog.warn({ ...opFields(o), withheld: true }, "deletion withheld: observation incomplete");
    for (const p of [...(result.desired?.vipProblems ?? [])]) plog.warn({ vip: p.vip, reason: p.reason }, "vip problem");
    for (const p of [...(result.desired?.sysctlProblems ?? [])]) plog.warn({ sysctl: `${p.iface}.${p.name}`, desired: p.desired, effective: p.effective, reason: p.reason }, "sysctl ineffective");
    if (retryInMs === undefined) {
      plog.info({
        reasons, mode: result.mode, ms: Math.round(result.elapsedMs), ops: result.plan?.ops.length ?? 0,
        drift: result.plan?.drift.length ?? 0, conflicts: result.plan?.conflicts.length ?? 0,
        driftNow: result.current?.drift ?? 0, conflictsNow: result.current?.conflicts ?? 0,
      }, "pass done");
    } else {
      for (const p of [...result.bird.problems, ...result.kernel.problems]) plog.warn({ code: p.code, socket: (p as { socket?: string }).socket, err: p.message }, "observation incomplete: nothing deleted");
      // Retry with capped backoff: the periodic resync alone could leave the node unmanaged for long.
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => scheduler.trigger("retry"), retryInMs);
    }
  };

  const scheduler = new PassScheduler({ debounceMs: config.daemon.debounceMs, runPass: runOnePass });

  let kernelWatch: KernelWatch | undefined;
  const startKernelWatch = (): void => {
    kernelWatch = reconciler.watchKernel({
      debounceMs: config.daemon.debounceMs,
      onChange: (change) => { log.debug({ kinds: change.kinds, events: change.events }, "kernel changed"); scheduler.trigger("kernel"); },
      onError: (err) => log.warn({ err, code: err.code }, "kernel monitor restarting"),
    });
  };

  // The BIRD poll never overlaps a full pass (see DaemonDecisions.pollStarting). Incremental
  // passes ask BIRD little (one prefix at a time) and do not count: the soak showed that
  // dropping polls for them (a tick every 2 s) hid a stopped BIRD. The pace adapts (PollPacer):
  // fast while BIRD is unreachable or just changed, slower on a quiet node; a closed control
  // connection (BIRD stopped) polls at once.
  const pacer = new PollPacer(config.daemon.birdPollIntervalMs, config.daemon.birdPollMaxIntervalMs);
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  const schedulePoll = (ms: number): void => {
    clearTimeout(pollTimer);
    if (!stopped) pollTimer = setTimeout(pollBird, ms);
  };
  const pollBird = (): void => {
    if (stopped) return;
    const generation = decisions.pollStarting();
    if (generation === undefined) { schedulePoll(pacer.delayMs); return; }
    reconciler.birdSignature().then(
      (sig) => {
        const changed = decisions.pollAnswered(generation, sig);
        if (changed || sig.includes("unreachable")) pacer.wake(); else pacer.quiet();
        if (changed) scheduler.trigger("bird");
        schedulePoll(pacer.delayMs);
      },
      () => { decisions.pollAnswered(generation, undefined); pacer.wake(); schedulePoll(pacer.delayMs); },
    );
  };
  let unwatchBird = (): void => undefined;
  const watchBird = (): void => {
    unwatchBird = reconciler.onBirdDisconnect(() => {
      if (stopped) return;
      log.debug("BIRD control connection closed: polling now");
      pacer.wake();
      schedulePoll(0);
    });
  };
  watchBird();
  schedulePoll(pacer.delayMs);
  // The periodic full pass is the safety net behind the incremental ones; every
  // `resyncIntervalSeconds` the daemon runs either that full pass (when due) or a cheap
  // incremental one (`tick`), so that the last-successful-pass metric stays fresh on a quiet node.
  const resync = setInterval(() => {
    const reason = decisions.resyncDecision();
    if (reason !== undefined) scheduler.trigger(reason);
  }, config.daemon.resyncIntervalSeconds * 1000);

  const reload = async (): Promise<boolean> => {
    try {
      loaded = await loadConfig(options.configPath ? { path: options.configPath } : {});
    } catch (err) {
      log.error({ err, code: (err as { code?: string }).code }, "config reload failed: keeping the running config");
      return false;
    }
    const old = reconciler;
    let kept = false;
    await scheduler.hold();
    try {
      await kernelWatch?.stop();
      config = loaded.config;
      decisions.retime({ resyncFloorMs: config.daemon.resyncIntervalSeconds * 1000, resyncCpuPercent: config.daemon.resyncCpuPercent });
      driftReporter.retime(config.daemon.driftSettleMs);
      fights = newFightWatch(config);
      // The same policy, kernel and BIRD: the reconciler keeps its trackers (a full table is not
      // learnt again beside the old one); else a new one replaces it.
      kept = reconciler.reconfigure(config);
      if (!kept) {
        unwatchBird();
        reconciler = createReconciler({ config });
        await old.stop();
        watchBird();
      }
      pacer.retime(config.daemon.birdPollIntervalMs, config.daemon.birdPollMaxIntervalMs);
      schedulePoll(pacer.delayMs);
      startKernelWatch();
      log.info({ path: loaded.path, vips: config.vips.length, kept }, "config reloaded");
      scheduler.trigger("config");
    } finally {
      scheduler.release();
    }
    return true;
  };

  let fsWatcher: FSWatcher | undefined;
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  try {
    // Watch the directory: Kubernetes ConfigMaps swap a symlink rather than writing the file.
    fsWatcher = watchFs(dirname(loaded.path), (_event, name) => {
      if (name !== null && name !== basename(loaded.path) && !String(name).startsWith("..")) return;
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(() => { void reload(); }, 200);
    });
  } catch (err) {
    log.warn({ err }, "cannot watch the config file; SIGHUP still reloads it");
  }

  const listen = splitListenAddress(config.daemon.listen) ?? { host: "127.0.0.1", port: 9473 };
  const server: Server = await startHttp(listen.host, listen.port, {
    alive: () => !stopped,
    ready: () => {
      const r = decisions.readiness();
      const held = fights?.held(Date.now()) ?? [];
      if (held.length === 0) return r;
      // Still ready (the node routes; one object is left to another agent), with the detail.
      return { ok: r.ok, reason: `${r.reason}\n${held.map((h) => `FIGHTING: ${h.id}: ${h.restores} re-installs; left alone until ${new Date(h.until).toISOString()}`).join("\n")}` };
    },
  }, metrics);
  const address = server.address();
  const url = typeof address === "object" && address ? `http://${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${address.port}` : "";

  startKernelWatch();
  scheduler.trigger("start");
  log.info({ url, config: loaded.path, sockets: config.bird.sockets, netns: config.kernel.netns, vips: config.vips.length }, "fibwarden running");

  return {
    get config() { return config; },
    url,
    reload,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(pollTimer);
      unwatchBird();
      clearInterval(resync);
      clearTimeout(retryTimer);
      clearTimeout(settleTimer);
      for (const t of holdTimers) clearTimeout(t);
      clearTimeout(reloadTimer);
      fsWatcher?.close();
      await scheduler.stop();
      await kernelWatch?.stop();
      await reconciler.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      log.info("fibwarden stopped; the kernel keeps its routes");
    },
  };
}
