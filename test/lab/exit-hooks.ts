/** Tears live labs down when the process exits or is interrupted (SIGINT, SIGTERM, SIGHUP). */
import { teardownLabSync } from "./teardown.js";

/** What the exit hook needs to know about a live lab. */
export interface LiveLab {
  dir: string;
  namespaces(): readonly string[];
}

const liveLabs = new Set<LiveLab>();
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
let installed = false;

/** Registers `lab` for teardown at exit; returns a function that unregisters it. */
export function registerForExitCleanup(lab: LiveLab): () => void {
  installHooks();
  liveLabs.add(lab);
  return () => {
    liveLabs.delete(lab);
  };
}

/** Tears down every registered lab now, synchronously. */
export function teardownLiveLabsSync(): void {
  for (const lab of [...liveLabs]) {
    liveLabs.delete(lab);
    try {
      teardownLabSync(lab.dir, lab.namespaces());
    } catch {
      // best effort while exiting; sweepStaleLabs catches what is left
    }
  }
}

function installHooks(): void {
  if (installed) return;
  installed = true;
  process.once("exit", teardownLiveLabsSync);
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      teardownLiveLabsSync();
      process.removeListener(signal, onSignal);
      // Keep the default behaviour (die by the signal) unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
