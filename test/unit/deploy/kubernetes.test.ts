// Static checks of deploy/kubernetes/*.yaml: they parse, every container has exactly
// CAP_NET_ADMIN and cannot gain more, every volume and ConfigMap they use exists, the config
// they mount validates, and the probes reach the endpoints where that config makes the daemon
// listen.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { parseConfigText, splitListenAddress } from "../../../src/config/index.js";
import type { Config } from "../../../src/config/index.js";

const ROOT = new URL("../../../", import.meta.url);
const read = (rel: string): string => readFileSync(new URL(rel, ROOT), "utf8");

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown, what: string): Obj => {
  if (!isObj(v)) throw new Error(`${what} is not an object`);
  return v;
};
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** One Kubernetes object from a manifest file. */
interface Manifest { file: string; kind: string; name: string; namespace: string; body: Obj }

/** Parses every document of a YAML file; fails on any YAML error. */
function loadDocs(rel: string): Obj[] {
  const docs = parseAllDocuments(read(rel), { uniqueKeys: true });
  if (!Array.isArray(docs)) throw new Error(`${rel}: no documents`);
  return docs.map((d, i) => {
    expect(d.errors.map((e) => e.message), `${rel} document ${i}`).toEqual([]);
    return obj(d.toJS(), `${rel} document ${i}`);
  });
}

const K8S_DIR = "deploy/kubernetes/";
const K8S_FILES = readdirSync(new URL(K8S_DIR, ROOT)).filter((f) => f.endsWith(".yaml")).sort().map((f) => `${K8S_DIR}${f}`);
const manifests: Manifest[] = K8S_FILES.flatMap((file) => loadDocs(file).map((body) => {
  const meta = obj(body.metadata, `${file} metadata`);
  return { file, kind: String(body.kind), name: String(meta.name), namespace: String(meta.namespace ?? "default"), body };
}));

/** Pod specs (DaemonSets, including the calico-node patch) with where they come from. */
const podSpecs = manifests.filter((m) => m.kind === "DaemonSet").map((m) => ({
  ...m, spec: obj(obj(obj(m.body.spec, "spec").template, "template").spec, "pod spec"),
}));
const containers = podSpecs.flatMap((p) => [...list(p.spec.initContainers), ...list(p.spec.containers)].map((c) => ({ pod: p, c })));
const fibwardenContainers = containers.filter(({ c }) => c.name === "fibwarden");

/** The ConfigMap a pod's volume refers to, looked up among the repo's manifests. */
function configMapFor(pod: (typeof podSpecs)[number], volumeName: string): Manifest {
  const vol = list(pod.spec.volumes).find((v) => v.name === volumeName);
  const ref = obj(vol?.configMap, `${pod.file}: volume ${volumeName}.configMap`);
  const cm = manifests.find((m) => m.kind === "ConfigMap" && m.name === ref.name && m.namespace === pod.namespace);
  if (cm === undefined) throw new Error(`${pod.file}: ConfigMap ${String(ref.name)} in ${pod.namespace} is not in ${K8S_DIR}`);
  return cm;
}

/** The container's environment as the kubelet builds it: $(VAR) expanded, status.podIP given. */
function containerEnv(c: Obj, podIP: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of list(c.env)) {
    const name = String(e.name);
    if (typeof e.value === "string") {
      env[name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, v: string) => env[v] ?? all);
    } else {
      const field = obj(obj(e.valueFrom, `env ${name}`).fieldRef, `env ${name}.fieldRef`).fieldPath;
      expect(field, `env ${name}`).toBe("status.podIP");
      env[name] = podIP;
    }
  }
  return env;
}

/** The config the fibwarden container runs with: the mounted ConfigMap key plus its FIBWARDEN_* env. */
function mountedConfig(pod: (typeof podSpecs)[number], c: Obj, podIP = "192.0.2.10"): { config: Config; path: string; cm: Manifest } {
  const args = (c.args ?? []) as string[];
  const path = args[args.indexOf("--config") + 1] ?? "/etc/fibwarden/config.yaml";
  const mount = list(c.volumeMounts).find((m) => path.startsWith(`${String(m.mountPath)}/`));
  expect(mount, `${pod.file}: nothing mounted at ${path}`).toBeDefined();
  expect(mount!.subPath, "a subPath mount never sees ConfigMap updates").toBeUndefined();
  const cm = configMapFor(pod, String(mount!.name));
  const key = path.slice(String(mount!.mountPath).length + 1);
  const text = obj(cm.body.data, `${cm.file} data`)[key];
  expect(typeof text, `${cm.file}: data.${key}`).toBe("string");
  const env = Object.fromEntries(Object.entries(containerEnv(c, podIP)).filter(([k]) => k.startsWith("FIBWARDEN_")));
  return { config: parseConfigText(text as string, { source: `${cm.file} data.${key}`, env }), path, cm };
}

describe("deploy/kubernetes manifests", () => {
  it("every file parses as YAML (all documents) into named Kubernetes objects", () => {
    expect(K8S_FILES).toEqual([
      "deploy/kubernetes/calico-node-sidecar-patch.yaml",
      "deploy/kubernetes/fibwarden-configmap.yaml",
      "deploy/kubernetes/metallb-daemonset.yaml",
    ]);
    for (const m of manifests) {
      expect(m.body.apiVersion, m.file).toMatch(/^(v1|apps\/v1)$/);
      expect(m.name, m.file).not.toBe("undefined");
    }
    expect(manifests.map((m) => `${m.kind} ${m.namespace}/${m.name}`).sort()).toEqual([
      "ConfigMap kube-system/fibwarden-config",
      "ConfigMap metallb-system/fibwarden-config",
      "DaemonSet kube-system/calico-node",
      "DaemonSet metallb-system/fibwarden",
      "ServiceAccount metallb-system/fibwarden",
    ]);
  });

  it("the calico patch adds only the fibwarden container and its own volumes to kube-system/calico-node", () => {
    const patch = podSpecs.find((p) => p.file.endsWith("calico-node-sidecar-patch.yaml"))!;
    expect([patch.name, patch.namespace]).toEqual(["calico-node", "kube-system"]);
    expect(list(patch.spec.containers).map((c) => c.name)).toEqual(["fibwarden"]);
    // Its volume names cannot collide with calico-node's (var-run-calico, lib-modules, ...).
    for (const v of list(patch.spec.volumes)) expect(String(v.name)).toMatch(/^fibwarden-/);
    // Pod-level fields would change calico-node itself: the patch leaves them alone.
    expect(Object.keys(patch.spec).sort()).toEqual(["containers", "volumes"]);
  });

  it("no container is privileged, anywhere", () => {
    const offenders: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (isObj(v)) for (const [k, x] of Object.entries(v)) {
        if (k === "privileged" && x !== false) offenders.push(path);
        walk(x, `${path}.${k}`);
      }
    };
    for (const m of manifests) walk(m.body, m.file);
    expect(offenders).toEqual([]);
    for (const p of podSpecs) for (const k of ["hostPID", "hostIPC"]) expect(p.spec[k], `${p.file} ${k}`).toBeUndefined();
  });

  it("every container drops ALL capabilities and adds exactly NET_ADMIN, and cannot gain more", () => {
    expect(containers.length).toBeGreaterThan(0);
    for (const { pod, c } of containers) {
      const sc = obj(c.securityContext, `${pod.file} ${String(c.name)} securityContext`);
      const caps = obj(sc.capabilities, "capabilities");
      expect(caps.drop, pod.file).toEqual(["ALL"]);
      expect(caps.add, pod.file).toEqual(["NET_ADMIN"]);
      expect(sc.allowPrivilegeEscalation, pod.file).toBe(false);
      expect(sc.readOnlyRootFilesystem, pod.file).toBe(true);
      expect(obj(sc.seccompProfile, "seccompProfile").type, pod.file).toBe("RuntimeDefault");
      // uid 0 is deliberate (runtimes clear ambient capabilities, so a non-root process would
      // have no effective NET_ADMIN); it is only acceptable with the three settings above.
      if (sc.runAsNonRoot !== true) expect([sc.runAsUser, sc.runAsNonRoot], pod.file).toEqual([0, false]);
    }
  });

  it("every volume mounted is defined in the pod, and the mounts are read-only but /tmp", () => {
    for (const { pod, c } of fibwardenContainers) {
      const defined = new Set(list(pod.spec.volumes).map((v) => String(v.name)));
      for (const m of list(c.volumeMounts)) {
        expect(defined.has(String(m.name)), `${pod.file}: volume ${String(m.name)}`).toBe(true);
        expect(m.readOnly === true || m.mountPath === "/tmp", `${pod.file}: ${String(m.mountPath)} should be readOnly`).toBe(true);
      }
    }
  });

  it("the config each pod mounts comes from a ConfigMap in the repo, in the pod's namespace, and validates", () => {
    expect(fibwardenContainers.map(({ pod }) => pod.file).sort()).toEqual([
      "deploy/kubernetes/calico-node-sidecar-patch.yaml", "deploy/kubernetes/metallb-daemonset.yaml",
    ]);
    for (const { pod, c } of fibwardenContainers) {
      const { config, path, cm } = mountedConfig(pod, c);
      expect(path).toBe("/etc/fibwarden/config.yaml");
      expect(cm.namespace).toBe(pod.namespace);
      expect(config.bird.sockets.length).toBeGreaterThan(0);
    }
    const calico = fibwardenContainers.find(({ pod }) => pod.name === "calico-node")!;
    expect(mountedConfig(calico.pod, calico.c).cm.file).toBe("deploy/kubernetes/fibwarden-configmap.yaml");
  });

  it("BIRD's sockets lie in a directory mounted from the same host path", () => {
    for (const { pod, c } of fibwardenContainers) {
      const { config } = mountedConfig(pod, c);
      for (const socket of config.bird.sockets) {
        const mount = list(c.volumeMounts).find((m) => socket.startsWith(`${String(m.mountPath)}/`));
        expect(mount, `${pod.file}: no volume holds ${socket}`).toBeDefined();
        const vol = list(pod.spec.volumes).find((v) => v.name === mount!.name);
        expect(obj(vol?.hostPath, `${pod.file}: ${socket}'s volume is a hostPath`).path, socket).toBe(mount!.mountPath);
      }
    }
    const calico = fibwardenContainers.find(({ pod }) => pod.name === "calico-node")!;
    expect(mountedConfig(calico.pod, calico.c).config.bird.sockets).toEqual(["/var/run/calico/bird.ctl", "/var/run/calico/bird6.ctl"]);
  });

  it("the probes hit /healthz and /readyz on the address the daemon listens on (the pod IP)", () => {
    for (const { pod, c } of fibwardenContainers) {
      const { config } = mountedConfig(pod, c, "192.0.2.10");
      const listen = splitListenAddress(config.daemon.listen);
      // The kubelet probes the pod IP (the node's IP under hostNetwork): loopback would fail.
      expect(listen, pod.file).toEqual({ host: "192.0.2.10", port: 9473 });
      const ports = list(c.ports);
      const portOf = (p: unknown): number => (typeof p === "number" ? p : Number(ports.find((x) => x.name === p)?.containerPort));
      for (const [probe, path] of [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"]] as const) {
        const get = obj(obj(c[probe], `${pod.file} ${probe}`).httpGet, `${probe}.httpGet`);
        expect(get.path, `${pod.file} ${probe}`).toBe(path);
        expect(portOf(get.port), `${pod.file} ${probe}`).toBe(listen!.port);
        expect(get.host, "the kubelet's default host is the pod IP").toBeUndefined();
      }
    }
  });

  it("the host network is shared: declared by the DaemonSet, inherited from calico-node by the patch", () => {
    for (const p of podSpecs) {
      if (p.name === "calico-node") expect(p.spec.hostNetwork).toBeUndefined();
      else expect(p.spec.hostNetwork, p.file).toBe(true);
    }
  });

  it("resources have requests and limits, the request above the measured idle RSS (82 MiB peak)", () => {
    const mebibytes = (q: unknown): number => {
      const m = /^(\d+)(Mi|Gi)$/.exec(String(q));
      if (m === null) throw new Error(`unexpected quantity ${String(q)}`);
      return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
    };
    for (const { pod, c } of fibwardenContainers) {
      const r = obj(c.resources, `${pod.file} resources`);
      const req = obj(r.requests, "requests");
      const lim = obj(r.limits, "limits");
      expect(Object.keys(req).sort()).toEqual(["cpu", "memory"]);
      expect(Object.keys(lim).sort()).toEqual(["cpu", "memory"]);
      expect(mebibytes(req.memory)).toBeGreaterThan(82);
      expect(mebibytes(lim.memory)).toBeGreaterThan(mebibytes(req.memory));
    }
  });

  it("fibwarden's own DaemonSet mounts no API token (it never talks to the API server)", () => {
    const ds = podSpecs.find((p) => p.name === "fibwarden")!;
    expect(ds.spec.automountServiceAccountToken).toBe(false);
    const sa = manifests.find((m) => m.kind === "ServiceAccount" && m.name === ds.spec.serviceAccountName && m.namespace === ds.namespace);
    expect(sa?.body.automountServiceAccountToken).toBe(false);
  });

  it("every repository path the manifests mention exists", () => {
    for (const file of K8S_FILES) {
      for (const rel of mentionedRepoPaths(read(file))) expect(existsSync(new URL(rel, ROOT)), `${file} mentions ${rel}`).toBe(true);
    }
  });
});

/** Repository paths named in a text (deploy/..., docs/..., src/..., test/..., proto/...). */
function mentionedRepoPaths(text: string): string[] {
  const found = text.match(/(?<![\w/.-])(?:deploy|docs|src|test|proto|scripts)\/[\w./-]*[\w/]/g) ?? [];
  return [...new Set(found)];
}
