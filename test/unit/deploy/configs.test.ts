// Every fibwarden config that a deployment artifact ships or mounts validates with
// parseConfigText, as the daemon parses it, and respects what its environment can do: in
// Kubernetes /proc/sys is read-only and one ConfigMap serves every node.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configToPolicy, parseConfigText } from "../../../src/config/index.js";
import type { Config } from "../../../src/config/index.js";
import { assertPolicy } from "../../../src/core/ownership.js";

const ROOT = new URL("../../../", import.meta.url);
const read = (rel: string): string => readFileSync(new URL(rel, ROOT), "utf8");

/** A config text and where it lives. */
interface ShippedConfig { source: string; text: string; kubernetes: boolean }

/** The config.yaml of the Kubernetes base and of each overlay (kustomize puts each in the ConfigMap). */
function kustomizeConfigs(): ShippedConfig[] {
  const dirs = ["deploy/kubernetes/base", ...readdirSync(new URL("deploy/kubernetes/overlays/", ROOT)).sort().map((d) => `deploy/kubernetes/overlays/${d}`)];
  return dirs.map((d) => ({ source: `${d}/config.yaml`, text: read(`${d}/config.yaml`), kubernetes: true }));
}

const shipped: ShippedConfig[] = [
  ...kustomizeConfigs(),
  { source: "deploy/systemd/config.yaml", text: read("deploy/systemd/config.yaml"), kubernetes: false },
  ...readdirSync(new URL("deploy/examples/", ROOT)).filter((n) => n.endsWith(".yaml")).sort()
    .map((n) => ({ source: `deploy/examples/${n}`, text: read(`deploy/examples/${n}`), kubernetes: false })),
];

/** Parses as the daemon does; the Kubernetes pods set FIBWARDEN_DAEMON_LISTEN to their IP. */
const parse = (c: ShippedConfig): Config =>
  parseConfigText(c.text, { source: c.source, env: c.kubernetes ? { FIBWARDEN_DAEMON_LISTEN: "192.0.2.10:9473" } : {} });

describe("configs shipped with the deployment artifacts", () => {
  it("are all found: the Kubernetes base and overlays, the systemd sample, the examples", () => {
    expect(shipped.map((c) => c.source)).toEqual([
      "deploy/kubernetes/base/config.yaml",
      "deploy/kubernetes/overlays/calico-sidecar/config.yaml",
      "deploy/kubernetes/overlays/standalone/config.yaml",
      "deploy/systemd/config.yaml",
      "deploy/examples/calico-node.yaml",
      "deploy/examples/metallb-speaker.yaml",
    ]);
  });

  it.each(shipped.map((c) => [c.source, c] as const))("%s validates, with a sound ownership policy", (_name, c) => {
    const config = parse(c);
    expect(() => assertPolicy(configToPolicy(config))).not.toThrow();
    // The base only observes and reports: each overlay replaces it with a config that has VIPs.
    if (c.source !== "deploy/kubernetes/base/config.yaml") expect(config.vips.length).toBeGreaterThan(0);
    expect(config.kernel.netns, "kernel.netns needs CAP_SYS_ADMIN: tests only").toBeUndefined();
  });

  it("the base config only reports: no VIPs, drift reported and not repaired", () => {
    const base = parse(shipped[0]!);
    expect(base.vips).toEqual([]);
    expect(base.protect.repair).toBe("report");
  });

  it("the Kubernetes configs set no sysctls (read-only /proc/sys) and no node-specific return path", () => {
    for (const c of shipped.filter((s) => s.kubernetes)) {
      const config = parse(c);
      expect(config.sysctls, c.source).toEqual({ rpFilter: {}, sendRedirects: {} });
      for (const v of config.vips) {
        // One ConfigMap serves every node: a gateway and device would be one node's.
        expect(v.return !== undefined && "bgpPeer" in v.return, `${c.source} ${v.address}: return by bgpPeer`).toBe(true);
      }
    }
  });

  it("the calico config guards calico's BIRD 1.6 pair: kernel1 in main, both daemons' sockets", () => {
    const calico = parse(shipped.find((c) => c.source.includes("calico-sidecar"))!);
    expect(calico.bird.sockets).toEqual(["/var/run/calico/bird.ctl", "/var/run/calico/bird6.ctl"]);
    expect(calico.protect.kernelProtocols).toEqual(["kernel1"]);
    expect(calico.protect.tables).toEqual({});
    expect(configToPolicy(calico).protectedTables).toEqual([254]);
  });
});
