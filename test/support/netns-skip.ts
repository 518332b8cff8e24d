// Why an integration test that needs network namespaces (but not BIRD) cannot run here, or
// undefined when it can: Linux, root, and `ip netns add` working (probed with a throwaway name).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

export function netnsSkipReason(probePrefix: string): string | undefined {
  if (process.platform !== "linux") return `platform is ${process.platform}`;
  if (process.getuid?.() !== 0) return "not running as root (network namespaces need CAP_SYS_ADMIN)";
  const probe = `${probePrefix}${randomBytes(3).toString("hex")}`;
  // Generous bounds: a probe timed out on a busy machine would skip the whole file.
  const r = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) return `\`ip netns add\` failed: ${(r.stderr || r.error?.message || "").trim()}`;
  spawnSync("ip", ["netns", "delete", probe], { timeout: 30_000 });
  return undefined;
}
