// Runs the built `fibwarden` binary as it ships (dist/bin/fibwarden.mjs, the bundle that package.json's
// `bin`, the image and the systemd unit run), building it first when it is missing.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Path of the built CLI, as it ships: the bundle (scripts/bundle.mjs). */
export const CLI_PATH = `${ROOT}dist/bin/fibwarden.mjs`;

/** Builds dist/ (tsc, then the bundle) if the CLI is not there (npm test builds before vitest). */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(CLI_PATH)) return;
  await execa("npm", ["run", "build"], { cwd: ROOT, timeout: 180_000 });
}

/** Runs `fibwarden args...`; never throws for a non-zero exit. */
export async function runFibwarden(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [CLI_PATH, ...args], { reject: false, timeout: 120_000, env: { NO_COLOR: "1", ...env } });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
