// External tools the deployment tests run (kubectl, promtool, prometheus): found on PATH, or a
// reason. Outside CI a missing tool skips its tests loudly; under CI (CI set) it is a failure:
// .ci/run installs every one of them.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Whether a tool can run here, and what its tests should do if it cannot. */
export interface ToolCheck {
  name: string;
  /** Absolute path, when found. */
  path: string | undefined;
  available: boolean;
  /** Skip the tests that need it: missing and not under CI. */
  skip: boolean;
  reason: string;
}

/** True when the environment says this is a CI run (`CI=true`, `CI=1`...). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? "").trim().toLowerCase();
  return v !== "" && v !== "0" && v !== "false";
}

/** Finds an executable on PATH. */
export function findOnPath(name: string, pathVar = process.env.PATH ?? ""): string | undefined {
  for (const dir of pathVar.split(delimiter).filter((d) => d !== "")) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Looks `name` up once, for `describe.skipIf(tool.skip)`; prints why when the tests will skip
 * or fail. `debianPackage` names what provides it.
 */
export function checkTool(name: string, debianPackage: string, testFile: string): ToolCheck {
  const path = findOnPath(name);
  if (path !== undefined) return { name, path, available: true, skip: false, reason: `${name} at ${path}` };
  const reason = `${name} not found on PATH (Debian: apt-get install ${debianPackage})`;
  const skip = !isCi();
  console.warn(`\n[${testFile}] ${skip ? "SKIPPING" : "FAILING (CI is set)"}: ${reason}\n`);
  return { name, path, available: false, skip, reason };
}
