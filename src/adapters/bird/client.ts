// A client for BIRD's control socket over node:net: greeting, optional `restrict`, one request in
// flight per connection with a queue, streaming replies into a consumer, timeouts (connect,
// silence between bytes, whole reply), AbortSignal cancellation and lazy reconnect with capped
// exponential backoff. A connection whose reply was cut (timeout, abort, close) is destroyed:
// its stream position is unknown, so it is never reused.
import { createConnection, type Socket } from "node:net";
import { FibwardenError } from "../../core/errors.js";
import { ReplyFramer, type ReplyLineKind, type ReplyLineSink } from "../../core/bird/framing.js";
import type { ReplyConsumer } from "../../core/bird/consumer.js";
import { dialectOfRelease, readBirdRelease, type BirdDialect } from "../../core/bird/version.js";

export type { BirdDialect } from "../../core/bird/version.js";

/** Options of a BIRD client. */
export interface BirdClientOptions {
  socketPath: string;
  /** Send `restrict` after connecting (fibwarden only reads). Default true. */
  restrict?: boolean;
  connectTimeoutMs?: number;
  /** Longest silence between two chunks of a reply. */
  idleTimeoutMs?: number;
  /** Longest time for a whole reply. */
  replyTimeoutMs?: number;
  maxReplyBytes?: number;
  /** First and largest wait between reconnect attempts. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Receives asynchronous `+` lines (BIRD log echo) that arrive outside any reply. */
  onAsync?: (text: string) => void;
}

/** Per-request options. */
export interface BirdRequestOptions {
  signal?: AbortSignal;
  replyTimeoutMs?: number;
}

const DEFAULTS = { connectTimeoutMs: 2000, idleTimeoutMs: 10_000, replyTimeoutMs: 120_000, backoffInitialMs: 200, backoffMaxMs: 10_000 };

/**
 * The dialect of a greeting's version (`2.0.12` → 2, `v0.3.3+birdv1.6.8` → 1), or undefined when
 * no BIRD release can be read from it: never a guess.
 */
export function dialectOf(version: string): BirdDialect | undefined {
  const release = readBirdRelease(version);
  return release === undefined ? undefined : dialectOfRelease(release);
}

class GreetingSink implements ReplyLineSink {
  text: string | undefined;
  code = -1;
  acceptLine(code: number, kind: ReplyLineKind, text: string): void {
    if (kind === "final") { this.code = code; this.text = text; }
  }
}

class AsyncSink implements ReplyLineSink {
  constructor(private readonly onAsync?: (text: string) => void) {}
  acceptLine(_code: number, kind: ReplyLineKind, text: string): void {
    if (kind === "async") this.onAsync?.(text);
  }
}

interface Connection {
  socket: Socket;
  framer: ReplyFramer;
  version: string;
  dialect: BirdDialect | undefined;
}

/** One BIRD control socket. Requests are queued: one in flight at a time. */
export class BirdClient {
  readonly socketPath: string;
  private readonly opts: Required<Omit<BirdClientOptions, "onAsync" | "maxReplyBytes">> & Pick<BirdClientOptions, "onAsync" | "maxReplyBytes">;
  private conn: Connection | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private backoffMs = 0;
  private nextAttemptAt = 0;
  private closed = false;
  private readonly disconnectListeners = new Set<() => void>();

  constructor(options: BirdClientOptions) {
    this.socketPath = options.socketPath;
    this.opts = { restrict: true, ...DEFAULTS, ...options };
  }

  /** BIRD's version from the last greeting, if connected once. */
  get version(): string | undefined {
    return this.conn?.version;
  }

  /** BIRD's dialect from the last greeting's version; undefined before, or when the version is unreadable. */
  get dialect(): BirdDialect | undefined {
    return this.conn?.dialect;
  }

  /** Connects now (otherwise the first request does); resolves with BIRD's version. */
  async connect(signal?: AbortSignal): Promise<string> {
    return (await this.ensureConnected(signal)).version;
  }

  /**
   * Sends one command and streams its reply into `consumer`; resolves with the consumer once its
   * final line arrived. Commands wait their turn behind earlier ones on this connection.
   */
  request<T extends ReplyConsumer>(command: string, consumer: T, options: BirdRequestOptions = {}): Promise<T> {
    if (/[\r\n]/.test(command)) {
      return Promise.reject(new FibwardenError("FW_INVALID_TOKEN", "a BIRD command must be a single line", { details: { command } }));
    }
    const run = this.queue.then(() => this.runRequest(command, consumer, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Calls `listener` each time an established connection closes other than by close(): BIRD
   * stopped or restarted (its exit closes every control connection), or a cut reply made the
   * client drop it. The next request reconnects. Returns the function that removes the listener.
   */
  onDisconnect(listener: () => void): () => void {
    this.disconnectListeners.add(listener);
    return () => { this.disconnectListeners.delete(listener); };
  }

  /** Closes the connection; later requests fail. */
  close(): void {
    this.closed = true;
    this.dropConnection();
  }

  private dropConnection(): void {
    this.conn?.socket.destroy();
    this.conn = undefined;
  }

  private unavailable(message: string, cause?: unknown): FibwardenError {
    return new FibwardenError("FW_BIRD_UNAVAILABLE", `${this.socketPath}: ${message}`, { cause, retryable: true, details: { socket: this.socketPath } });
  }

  private async ensureConnected(signal?: AbortSignal): Promise<Connection> {
    if (this.closed) throw this.unavailable("client closed");
    if (this.conn && !this.conn.socket.destroyed) return this.conn;
    const now = Date.now();
    if (now < this.nextAttemptAt) {
      throw this.unavailable(`not reconnecting for another ${this.nextAttemptAt - now} ms (backoff)`);
    }
    try {
      this.conn = await this.openConnection(signal);
      this.backoffMs = 0;
      this.nextAttemptAt = 0;
      return this.conn;
    } catch (err) {
      this.backoffMs = Math.min(this.opts.backoffMaxMs, this.backoffMs === 0 ? this.opts.backoffInitialMs : this.backoffMs * 2);
      this.nextAttemptAt = Date.now() + this.backoffMs;
      throw err;
    }
  }

  private openConnection(signal?: AbortSignal): Promise<Connection> {
    return new Promise<Connection>((resolve, reject) => {
      const framer = new ReplyFramer(this.opts.maxReplyBytes === undefined ? {} : { maxReplyBytes: this.opts.maxReplyBytes });
      const socket = createConnection({ path: this.socketPath });
      const greeting = new GreetingSink();
      let stage: "greeting" | "restrict" = "greeting";
      let version = "";
      const fail = (err: FibwardenError): void => {
        cleanup();
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new FibwardenError("FW_BIRD_TIMEOUT", `${this.socketPath}: no greeting within ${this.opts.connectTimeoutMs} ms`, { retryable: true, details: { socket: this.socketPath } })), this.opts.connectTimeoutMs);
      const onAbort = (): void => fail(new FibwardenError("FW_ABORTED", `${this.socketPath}: connect aborted`, { details: { socket: this.socketPath } }));
      const onError = (err: Error): void => fail(this.unavailable(`cannot connect: ${err.message}`, err));
      const onClose = (): void => fail(this.unavailable("closed during the greeting"));
      const onData = (chunk: Buffer): void => {
        try {
          framer.feed(chunk, greeting);
        } catch (err) {
          fail(err instanceof FibwardenError ? err : this.unavailable("bad greeting", err));
          return;
        }
        if (greeting.text === undefined) return;
        const text = greeting.text;
        greeting.text = undefined;
        if (stage === "greeting") {
          const m = /^BIRD (\S+) ready\.?$/.exec(text);
          if (greeting.code !== 1 || !m) {
            fail(new FibwardenError("FW_BIRD_PROTOCOL", `${this.socketPath}: unexpected greeting ${JSON.stringify(text)}`, { details: { socket: this.socketPath } }));
            return;
          }
          version = m[1]!;
          if (this.opts.restrict) {
            stage = "restrict";
            socket.write("restrict\n");
            return;
          }
        } else if (greeting.code !== 16) {
          fail(new FibwardenError("FW_BIRD_PROTOCOL", `${this.socketPath}: restrict refused: ${greeting.code} ${text}`, { details: { socket: this.socketPath } }));
          return;
        }
        cleanup();
        socket.on("error", () => undefined); // errors after setup surface through requests
        socket.once("close", () => {
          if (this.closed) return;
          for (const listener of [...this.disconnectListeners]) listener();
        });
        resolve({ socket, framer, version, dialect: dialectOf(version) });
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        socket.off("data", onData);
        socket.off("error", onError);
        socket.off("close", onClose);
      };
      if (signal?.aborted) { onAbort(); return; }
      signal?.addEventListener("abort", onAbort, { once: true });
      socket.on("data", onData);
      socket.on("error", onError);
      socket.on("close", onClose);
    });
  }

  private async runRequest<T extends ReplyConsumer>(command: string, consumer: T, options: BirdRequestOptions): Promise<T> {
    const conn = await this.ensureConnected(options.signal);
    const { socket, framer } = conn;
    const replyTimeoutMs = options.replyTimeoutMs ?? this.opts.replyTimeoutMs;
    const details = { socket: this.socketPath, command };
    return new Promise<T>((resolve, reject) => {
      let idle: ReturnType<typeof setTimeout> | undefined;
      const asyncSink = new AsyncSink(this.opts.onAsync);
      const finish = (err?: unknown): void => {
        clearTimeout(idle);
        clearTimeout(whole);
        options.signal?.removeEventListener("abort", onAbort);
        socket.off("data", onData);
        socket.off("close", onClose);
        socket.off("error", onError);
        if (err === undefined) {
          resolve(consumer);
          return;
        }
        // The stream position is unknown after a cut reply: never reuse this connection.
        if (this.conn === conn) this.dropConnection();
        reject(err);
      };
      const armIdle = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => finish(new FibwardenError("FW_BIRD_TIMEOUT", `${this.socketPath}: BIRD silent for ${this.opts.idleTimeoutMs} ms during "${command}"`, { retryable: true, details })), this.opts.idleTimeoutMs);
      };
      const whole = setTimeout(() => finish(new FibwardenError("FW_BIRD_TIMEOUT", `${this.socketPath}: "${command}" took longer than ${replyTimeoutMs} ms`, { retryable: true, details })), replyTimeoutMs);
      const onAbort = (): void => finish(new FibwardenError("FW_ABORTED", `${this.socketPath}: "${command}" aborted`, { details }));
      const onClose = (): void => finish(new FibwardenError("FW_BIRD_PROTOCOL", `${this.socketPath}: BIRD closed the socket in the middle of "${command}"`, { retryable: true, details }));
      const onError = (err: Error): void => finish(this.unavailable(`socket error during "${command}": ${err.message}`, err));
      const onData = (chunk: Buffer): void => {
        armIdle();
        try {
          framer.feed(chunk, consumer);
        } catch (err) {
          finish(err);
          return;
        }
        if (consumer.complete) {
          // Anything after the final line (async messages) goes to the async sink.
          try { framer.flush(asyncSink); } catch { /* nothing pending */ }
          finish();
        }
      };
      if (options.signal?.aborted) { onAbort(); return; }
      options.signal?.addEventListener("abort", onAbort, { once: true });
      socket.on("data", onData);
      socket.on("close", onClose);
      socket.on("error", onError);
      armIdle();
      socket.write(`${command}\n`);
    });
  }
}
