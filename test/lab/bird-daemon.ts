/** Runs one BIRD 2 daemon inside a lab namespace as a child process. */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { runCommand } from "./exec.js";
import { queryBird } from "./bird-socket.js";
import { DEADLINE_MS, pollUntil } from "./wait.js";

/** Signals after which `kill` waits for the daemon to exit. */
const FATAL_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(["SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT"]);
const STOP_TIMEOUT_MS = 5_000;
const LOG_TAIL_CHARS = 2_000;

/** A BIRD daemon started by the lab. */
export interface BirdHandle {
  /** Lab-local name (defaults to the namespace's local name). */
  readonly name: string;
  /** Kernel name of the namespace BIRD runs in. */
  readonly namespace: string;
  readonly configPath: string;
  readonly socketPath: string;
  readonly pidPath: string;
  /** BIRD's log file (the config's `log` line is added by `startBird`). */
  readonly logPath: string;
  /** Pid of the running daemon, or undefined while stopped. */
  readonly pid: number | undefined;
  /** Sends one command on a fresh control connection and returns the raw reply. */
  query(command: string, timeoutMs?: number): Promise<string>;
  /** Replaces the config file and runs `configure`; throws if BIRD rejects it. */
  /** Writes, validates and loads a new config; `timeoutMs` for `configure` (default 15 s; a 1M-route static protocol needs more). */
  configure(configText: string, timeoutMs?: number): Promise<string>;
  /** Stops BIRD with SIGTERM (SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL); for fatal signals waits (bounded) for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops BIRD if it runs, then starts it again with the current config. */
  restart(): Promise<void>;
}

/** Where a daemon keeps its files, and which namespace it runs in. */
export interface BirdPlacement {
  name: string;
  namespace: string;
  dir: string;
  // Added for BIRD 1.6 (test/lab/bird16.ts): run another BIRD binary (e.g. an unpacked 1.6 `bird`
  // or `bird6`) instead of the `bird` on PATH, and name the control socket (`bird6.ctl`, as
  // calico-node does). Both default to the old behaviour: `bird` and `bird.ctl`.
  binary?: string;
  socketName?: string;
}

/** Writes the config, validates it with `bird -p`, starts BIRD and waits for its socket to answer. */
export async function startBirdDaemon(placement: BirdPlacement, configText: string): Promise<BirdHandle> {
  const daemon = new BirdDaemon(placement);
  daemon.writeConfig(configText);
  await daemon.validate();
  await daemon.start();
  return daemon;
}

class BirdDaemon implements BirdHandle {
  readonly name: string;
  readonly namespace: string;
  readonly configPath: string;
  readonly socketPath: string;
  readonly pidPath: string;
  readonly logPath: string;
  private readonly binary: string;
  private readonly outPath: string;
  private child: ResultPromise | undefined;
  private exited: Promise<unknown> = Promise.resolve();
  private running = false;

  constructor(placement: BirdPlacement) {
    this.name = placement.name;
    this.namespace = placement.namespace;
    mkdirSync(placement.dir, { recursive: true });
    this.binary = placement.binary ?? "bird";
    this.configPath = join(placement.dir, "bird.conf");
    this.socketPath = join(placement.dir, placement.socketName ?? "bird.ctl");
    this.pidPath = join(placement.dir, "bird.pid");
    this.logPath = join(placement.dir, "bird.log");
    this.outPath = join(placement.dir, "bird.out");
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  writeConfig(configText: string): void {
    const logLine = `log "${this.logPath}" all;\n`;
    writeFileSync(this.configPath, /^\s*log\s/m.test(configText) ? configText : logLine + configText);
  }

  async validate(): Promise<void> {
    await runCommand(this.binary, ["-p", "-c", this.configPath]).catch((err: unknown) => {
      throw new Error(`lab: BIRD config for ${this.name} is invalid (${this.configPath}): ${String(err)}`);
    });
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`lab: BIRD ${this.name} is already running`);
    rmSync(this.socketPath, { force: true });
    rmSync(this.pidPath, { force: true });
    const argv = ["netns", "exec", this.namespace, this.binary, "-f", "-c", this.configPath, "-s", this.socketPath, "-P", this.pidPath];
    const child = execa("ip", argv, {
      reject: false,
      stdin: "ignore",
      stdout: { file: this.outPath, append: true },
      stderr: { file: this.outPath, append: true },
    });
    this.child = child;
    this.running = true;
    this.exited = child.then(() => {
      if (this.child === child) this.running = false;
    });
    await pollUntil(async () => {
      if (!this.running) throw new Error(`BIRD exited during start-up: ${this.readOutput()}`);
      const reply = await queryBird(this.socketPath, "show status", 2_000);
      return { done: reply.includes("0013 "), detail: reply };
    }, { timeoutMs: DEADLINE_MS.state, intervalMs: 100, what: `BIRD ${this.name} control socket ${this.socketPath}` })
      .catch(async (err: unknown) => {
        await this.kill("SIGKILL");
        throw err;
      });
  }

  query(command: string, timeoutMs?: number): Promise<string> {
    return queryBird(this.socketPath, command, timeoutMs);
  }

  async configure(configText: string, timeoutMs = 15_000): Promise<string> {
    this.writeConfig(configText);
    await this.validate();
    const reply = await this.query("configure", timeoutMs);
    if (/^[89]\d{3}[ -]/m.test(reply)) throw new Error(`lab: BIRD ${this.name} refused the new config: ${reply}`);
    return reply;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    await this.kill("SIGTERM");
    if (this.running) await this.kill("SIGKILL");
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    if (!this.running || child === undefined) return;
    child.kill(signal);
    if (!FATAL_SIGNALS.has(signal)) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, signal === "SIGKILL" ? 2 * STOP_TIMEOUT_MS : STOP_TIMEOUT_MS);
    });
    await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private readOutput(): string {
    const parts: string[] = [];
    for (const file of [this.outPath, this.logPath]) {
      if (existsSync(file)) parts.push(readFileSync(file, "utf8").slice(-LOG_TAIL_CHARS));
    }
    return parts.join("\n").trim() || "(no output)";
  }
}
