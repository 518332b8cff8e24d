// `fibwarden run [--config FILE]`: the daemon, until SIGTERM/SIGINT (SIGHUP reloads the config).
import { parseArgs } from "node:util";
import { startDaemon } from "../daemon/daemon.js";
import { FibwardenError } from "../core/errors.js";
import type { CliIo } from "./reconcile.js";

/** Runs the daemon; resolves with the exit code once it is stopped by a signal. */
export async function runDaemonCommand(argv: string[], io: CliIo): Promise<number> {
  let configPath: string | undefined;
  try {
    ({ values: { config: configPath } } = parseArgs({ args: argv, options: { config: { type: "string", short: "c" } }, allowPositionals: false }));
  } catch (e) {
    io.err(`fibwarden run: ${(e as Error).message}\n`);
    return 1;
  }
  let daemon;
  try {
    daemon = await startDaemon(configPath ? { configPath } : {});
  } catch (e) {
    const code = e instanceof FibwardenError ? e.code : "FW_UNKNOWN";
    io.err(`fibwarden run: ${code}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      process.off("SIGHUP", hup);
      void daemon.stop().then(() => resolve(0), () => resolve(1));
    };
    const hup = (): void => { void daemon.reload(); };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    process.on("SIGHUP", hup);
  });
}
