// Prometheus metrics of the daemon (prom-client): one registry per daemon.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PassResult } from "../reconciler/pass.js";

/** The daemon's metrics. */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly passes = new Counter({ name: "fibwarden_passes_total", help: "Reconcile passes, by result (ok, incomplete, error).", labelNames: ["result"], registers: [this.registry] });
  readonly passesByMode = new Counter({ name: "fibwarden_passes_by_mode_total", help: "Reconcile passes by mode: full (everything observed) or incremental (what kernel events named).", labelNames: ["mode"], registers: [this.registry] });
  readonly passDuration = new Histogram({ name: "fibwarden_pass_duration_seconds", help: "Duration of a reconcile pass (observe, plan, apply).", buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly planOps = new Gauge({ name: "fibwarden_plan_operations", help: "Operations in the last plan, by kind.", labelNames: ["kind"], registers: [this.registry] });
  readonly withheld = new Gauge({ name: "fibwarden_plan_withheld_operations", help: "Deletions withheld by the last plan because the observation was incomplete.", registers: [this.registry] });
  readonly fighting = new Gauge({ name: "fibwarden_fighting_objects", help: "Objects of fibwarden's it has stopped re-installing because another agent keeps removing them (daemon.holdDown).", registers: [this.registry] });
  readonly drift = new Gauge({ name: "fibwarden_drift", help: "Drift of protected BIRD routes known now that passes kept seeing for daemon.driftSettleMs, by kind.", labelNames: ["kind"], registers: [this.registry] });
  readonly conflicts = new Gauge({ name: "fibwarden_conflicts", help: "Conflicts known now (the last full pass, updated by incremental passes), by reason.", labelNames: ["reason"], registers: [this.registry] });
  readonly applyErrors = new Counter({ name: "fibwarden_apply_errors_total", help: "Operations that failed to apply.", registers: [this.registry] });
  readonly applied = new Counter({ name: "fibwarden_applied_operations_total", help: "Operations applied, by kind.", labelNames: ["kind"], registers: [this.registry] });
  readonly observationComplete = new Gauge({ name: "fibwarden_observation_complete", help: "1 when the last pass observed the source completely (bird, kernel).", labelNames: ["source"], registers: [this.registry] });
  readonly lastSuccess = new Gauge({ name: "fibwarden_last_successful_pass_timestamp_seconds", help: "Unix time of the last pass with a complete observation and no apply error.", registers: [this.registry] });
  readonly protectedRoutes = new Gauge({ name: "fibwarden_protected_routes", help: "Routes BIRD exports that fibwarden protects.", registers: [this.registry] });
  readonly vipProblems = new Gauge({ name: "fibwarden_vip_problems", help: "Problems with VIPs found by the last full pass (return path unknown, no free source table...), each logged as 'vip problem'.", registers: [this.registry] });
  readonly reinstallGuards = new Gauge({ name: "fibwarden_reinstall_guards", help: "Groups of protected routes (one BIRD kernel protocol's table, family and metric) the last full pass refused to reinstall, by guard (kernel-metric-mismatch, mass-reinstall); each logged as 'reinstall refused by guard'.", labelNames: ["code"], registers: [this.registry] });
  readonly sysctlProblems = new Gauge({ name: "fibwarden_sysctl_problems", help: "Sysctls the last full pass found ineffective (a per-interface value overridden by conf.all), each logged as 'sysctl ineffective'.", registers: [this.registry] });

  constructor() {
    // The event-loop lag histogram samples every 500 ms, not prom-client's default 10 ms: a
    // 10 ms timer woke the idle daemon 100 times a second (0.9 % of a core, the bulk of its idle
    // cost; docs/performance.md, small nodes). A pass that blocks the loop is still sampled.
    collectDefaultMetrics({ register: this.registry, prefix: "fibwarden_", eventLoopMonitoringPrecision: 500 });
  }

  /** Records one pass. */
  /** Sets the drift gauge from the settled drift findings (see drift-report.ts). */
  recordDrift(settled: ReadonlyArray<{ kind: string }>): void {
    this.drift.reset();
    for (const d of settled) this.drift.inc({ kind: d.kind });
  }

  record(r: PassResult): void {
    const failed = r.applied?.failed ?? 0;
    this.passes.inc({ result: !r.kernel.complete ? "error" : !r.observationComplete ? "incomplete" : failed > 0 ? "error" : "ok" });
    this.passDuration.observe(r.elapsedMs / 1000);
    this.observationComplete.set({ source: "bird" }, r.bird.complete ? 1 : 0);
    this.observationComplete.set({ source: "kernel" }, r.kernel.complete ? 1 : 0);
    this.passesByMode.inc({ mode: r.mode });
    this.planOps.reset();
    for (const op of r.plan?.ops ?? []) this.planOps.inc({ kind: op.kind });
    if (r.mode === "full") {
      this.protectedRoutes.set(r.bird.kernelProtocols.reduce((n, k) => n + k.routeCount, 0));
      this.withheld.set(r.plan?.withheld.length ?? 0);
      this.reinstallGuards.reset();
      for (const code of ["kernel-metric-mismatch", "mass-reinstall"]) this.reinstallGuards.set({ code }, 0);
      for (const g of r.plan?.guards ?? []) this.reinstallGuards.inc({ code: g.code });
      // An incremental pass builds only the VIPs it touches: only a full pass sees them all.
      if (r.desired) {
        this.vipProblems.set(r.desired.vipProblems.length);
        this.sysctlProblems.set(r.desired.sysctlProblems.length);
      }
    }
    // What the reconciler knows now: an incremental pass updates only what it looked at.
    // Drift is recorded apart (recordDrift): only what has settled counts.
    if (r.current) {
      this.conflicts.reset();
      for (const [reason, n] of Object.entries(r.current.conflictReasons)) this.conflicts.set({ reason }, n);
    } else if (r.plan) {
      this.conflicts.reset();
      for (const c of r.plan.conflicts) this.conflicts.inc({ reason: c.reason });
    }
    for (const res of r.applied?.results ?? []) {
      if (res.status === "applied") this.applied.inc({ kind: res.op.kind });
    }
    if (failed > 0) this.applyErrors.inc(failed);
    if (r.observationComplete && failed === 0) this.lastSuccess.set(Date.now() / 1000);
  }
}
