// Every fibwarden config that a deployment artifact ships or mounts validates with
// parseConfigText, as the daemon parses it, and respects what its environment can do: in
// Kubernetes /proc/sys is read-only and one ConfigMap serves every node.
import { readdirSync, readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { configToPolicy, parseConfigText } from "../../../src/config/index.js";
import type { Config } from "../../../src/config/index.js";
import { assertPolicy } from "../../../src/core/ownership.js";

const ROOT = new URL("../../../", import.meta.url);
const read = (rel: string): string => readFileSync(new URL(rel, ROOT), "utf8");

/** A config text and where it lives. */
interface ShippedConfig { source: string; text: string; kubernetes: boolean }

/** The `config.yaml` key of every ConfigMap under deploy/kubernetes. */
function configMapConfigs(): ShippedConfig[] {
  const out: ShippedConfig[] = [];
  for (const f of readdirSync(new URL("deploy/kubernetes/", ROOT)).filter((n) => n.endsWith(".yaml")).sort()) {
    const rel = `deploy/kubernetes/${f}`;
    for (const doc of parseAllDocuments(read(rel))) {
      expect(doc.errors.map((e) => e.message), rel).toEqual([]);
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string }; data?: Record<string, string> };
      if (o.kind !== "ConfigMap") continue;
      expect(Object.keys(o.data ?? {}), `${rel} ConfigMap ${o.metadata?.name}`).toEqual(["config.yaml"]);
      out.push({ source: `${rel} (ConfigMap ${o.metadata?.name}, data.config.yaml)`, text: o.data!["config.yaml"]!, kubernetes: true });
    }
  }
  return out;
}

const shipped: ShippedConfig[] = [
  ...configMapConfigs(),
  { source: "deploy/systemd/config.yaml", text: read("deploy/systemd/config.yaml"), kubernetes: false },
  ...readdirSync(new URL("deploy/examples/", ROOT)).filter((n) => n.endsWith(".yaml")).sort()
    .map((n) => ({ source: `deploy/examples/${n}`, text: read(`deploy/examples/${n}`), kubernetes: false })),
];

/** Parses as the daemon does; the Kubernetes pods set FIBWARDEN_DAEMON_LISTEN to their IP. */
const parse = (c: ShippedConfig): Config =>
  parseConfigText(c.text, { source: c.source, env: c.kubernetes ? { FIBWARDEN_DAEMON_LISTEN: "192.0.2.10:9473" } : {} });

describe("configs shipped with the deployment artifacts", () => {
  it("are all found: two ConfigMaps, the systemd sample, the examples", () => {
    expect(shipped.map((c) => c.source.split(" ")[0])).toEqual([
      "deploy/kubernetes/fibwarden-configmap.yaml",
      "deploy/kubernetes/metallb-daemonset.yaml",
      "deploy/systemd/config.yaml",
      "deploy/examples/calico-node.yaml",
      "deploy/examples/metallb-speaker.yaml",
    ]);
  });

  it.each(shipped.map((c) => [c.source, c] as const))("%s validates, with a sound ownership policy", (_name, c) => {
    const config = parse(c);
    expect(() => assertPolicy(configToPolicy(config))).not.toThrow();
    expect(config.vips.length).toBeGreaterThan(0);
    expect(config.kernel.netns, "kernel.netns needs CAP_SYS_ADMIN: tests only").toBeUndefined();
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

  it("the calico ConfigMap guards calico's BIRD 1.6 pair: kernel1 in main, both daemons' sockets", () => {
    const calico = parse(shipped[0]!);
    expect(calico.bird.sockets).toEqual(["/var/run/calico/bird.ctl", "/var/run/calico/bird6.ctl"]);
    expect(calico.protect.kernelProtocols).toEqual(["kernel1"]);
    expect(calico.protect.tables).toEqual({});
    expect(configToPolicy(calico).protectedTables).toEqual([254]);
  });
});
