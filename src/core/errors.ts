// The closed set of fibwarden error codes. Callers match on `code`, never on message text.

/** Every stable error code fibwarden raises. */
export const ERROR_CODES = {
  FW_INVALID_ADDRESS: "an address is not valid IPv4/IPv6 text",
  FW_INVALID_PREFIX: "a prefix is malformed or has host bits set",
  FW_INVALID_MODEL: "a route, rule, address or sysctl value is not valid",
  FW_INVALID_TOKEN: "a value refused before it could reach an ip -batch line",
  FW_CONFIG_INVALID: "the configuration failed validation",
  FW_BIRD_PROTOCOL: "BIRD sent bytes that do not follow its reply protocol",
  FW_BIRD_COMMAND: "BIRD answered a command with an 8xxx/9xxx error",
  FW_BIRD_TIMEOUT: "BIRD did not answer in time",
  FW_BIRD_UNAVAILABLE: "the BIRD control socket could not be reached",
  FW_BIRD_REPLY_TOO_LARGE: "a BIRD reply exceeded the configured size limit",
  FW_BIRD_PARSE: "a BIRD reply did not parse",
  FW_BIRD_DIALECT: "BIRD's dialect (1.x, 2.x, 3.x) could not be told from its version or its replies",
  FW_KERNEL_READ: "reading kernel state through iproute2 failed",
  FW_KERNEL_DUMP_INTERRUPTED: "the kernel reported every try of a dump interrupted (its state changed during it); the observation is incomplete",
  FW_KERNEL_WRITE: "writing kernel state through iproute2 failed",
  FW_SYSCTL: "reading or writing a sysctl failed",
  FW_OBSERVATION_INCOMPLETE: "BIRD or the kernel could not be fully observed; nothing is deleted",
  FW_ABORTED: "the operation was cancelled",
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options common to fibwarden errors. */
export interface FibwardenErrorOptions {
  cause?: unknown;
  /** True when retrying the same operation later may succeed (timeouts, BIRD reconfiguring). */
  retryable?: boolean;
  /** Structured context for logs (socket path, command, line number...). */
  details?: Record<string, unknown>;
}

/** Base class of every error fibwarden raises on purpose. */
export class FibwardenError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: FibwardenErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "FibwardenError";
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details ?? {};
  }
}

/** True when `err` is a FibwardenError, optionally of the given code. */
export function isFibwardenError(err: unknown, code?: ErrorCode): err is FibwardenError {
  return err instanceof FibwardenError && (code === undefined || err.code === code);
}
