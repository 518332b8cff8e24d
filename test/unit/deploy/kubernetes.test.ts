// The Kubernetes packages as operators apply them: `kubectl kustomize` renders the base and every
// overlay (the real kustomize that `kubectl apply -k` runs), and the rendered objects are
// checked: exactly CAP_NET_ADMIN and no way to gain more, the host network, the mounts (BIRD's
// socket directory from the node, read-only), the mounted config validates and makes the daemon
// listen where the probes and Prometheus look, the image, resources from the measured figures,
// and for the calico sidecar a patch that touches nothing of calico-node's own.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfigText, splitListenAddress } from "../../../src/config/index.js";
import type { Config } from "../../../src/config/index.js";
import { readRepoFile, renderKustomization, REPO_ROOT, type K8sObject } from "../../support/deploy-artifacts.js";
import { checkTool } from "../../support/tools.js";

const kubectl = checkTool("kubectl", "kubernetes-client", "kubernetes.test");

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown, what: string): Obj => {
  if (!isObj(v)) throw new Error(`${what} is not an object`);
  return v;
};
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

const OVERLAYS_DIR = "deploy/kubernetes/overlays";
const OVERLAYS = existsSync(`${REPO_ROOT}${OVERLAYS_DIR}`) ? readdirSync(`${REPO_ROOT}${OVERLAYS_DIR}`).sort() : [];
const POD_IP = "192.0.2.10";

/** A rendered overlay and its fibwarden pod. */
interface Rendered {
  overlay: string;
  objects: K8sObject[];
  find(kind: string, name: string): K8sObject | undefined;
  /** The DaemonSet that runs fibwarden (its own, or calico-node's patch). */
  daemonSet: K8sObject;
  pod: Obj;
  container: Obj;
}

const renders = new Map<string, Rendered>();
/** Renders an overlay once (kubectl kustomize) and finds fibwarden's pod in it. */
function rendered(overlay: string, dir = `${OVERLAYS_DIR}/${overlay}`): Rendered {
  const cached = renders.get(dir);
  if (cached) return cached;
  const objects = renderKustomization(dir);
  const find = (kind: string, name: string): K8sObject | undefined => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const daemonSet = objects.find((o) => o.kind === "DaemonSet" && list(podOf(o).containers).some((c) => c.name === "fibwarden"));
  if (daemonSet === undefined) throw new Error(`${dir}: no DaemonSet with a fibwarden container`);
  const pod = podOf(daemonSet);
  const container = list(pod.containers).find((c) => c.name === "fibwarden")!;
  const r = { overlay, objects, find, daemonSet, pod, container };
  renders.set(dir, r);
  return r;
}
const podOf = (ds: K8sObject): Obj => obj(obj(obj(ds.spec, "spec").template, "template").spec, "pod spec");

/** The container's environment as the kubelet builds it: $(VAR) expanded, status.podIP given. */
function containerEnv(c: Obj): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of list(c.env)) {
    const name = String(e.name);
    if (typeof e.value === "string") {
      env[name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, v: string) => env[v] ?? all);
    } else {
      expect(obj(obj(e.valueFrom, `env ${name}`).fieldRef, `env ${name}.fieldRef`).fieldPath, `env ${name}`).toBe("status.podIP");
      env[name] = POD_IP;
    }
  }
  return env;
}

/** The config the container runs with: the mounted ConfigMap's key, parsed with its FIBWARDEN_* env. */
function mountedConfig(r: Rendered): { config: Config; text: string; configMap: K8sObject } {
  const args = (r.container.args ?? []) as string[];
  const path = args[args.indexOf("--config") + 1] ?? "/etc/fibwarden/config.yaml";
  const mount = list(r.container.volumeMounts).find((m) => path.startsWith(`${String(m.mountPath)}/`));
  expect(mount, `${r.overlay}: nothing mounted at ${path}`).toBeDefined();
  expect(mount!.subPath, "a subPath mount never sees ConfigMap updates").toBeUndefined();
  const volume = list(r.pod.volumes).find((v) => v.name === mount!.name);
  const cmName = String(obj(volume?.configMap, `${r.overlay}: volume ${String(mount!.name)}.configMap`).name);
  const configMap = r.find("ConfigMap", cmName);
  expect(configMap, `${r.overlay}: ConfigMap ${cmName} is rendered with the pod`).toBeDefined();
  expect(configMap!.metadata.namespace).toBe(r.daemonSet.metadata.namespace);
  const text = obj(configMap!.data, "data")[path.slice(String(mount!.mountPath).length + 1)];
  expect(typeof text, `${r.overlay}: ConfigMap ${cmName} has the config key`).toBe("string");
  const env = Object.fromEntries(Object.entries(containerEnv(r.container)).filter(([k]) => k.startsWith("FIBWARDEN_")));
  return { config: parseConfigText(String(text), { source: `${r.overlay} ${cmName}`, env }), text: String(text), configMap: configMap! };
}

/** A quantity such as 128Mi, 2Gi or 500M in MiB. */
function mebibytes(q: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)$/.exec(String(q));
  if (m === null) throw new Error(`unexpected memory quantity ${String(q)}`);
  const n = Number(m[1]);
  return m[2] === "Gi" ? n * 1024 : m[2] === "Mi" ? n : m[2] === "G" ? (n * 1e9) / 2 ** 20 : (n * 1e6) / 2 ** 20;
}
/** A CPU quantity (250m, 1, "1") in millicores. */
const millicores = (q: unknown): number => (String(q).endsWith("m") ? Number(String(q).slice(0, -1)) : Number(q) * 1000);
const MB = 1e6 / 2 ** 20; // MiB per MB

/** A kustomization outside the repository that uses an overlay with a component. */
function renderWithComponent(overlay: string, component: string): Rendered {
  const dir = mkdtempSync(join(tmpdir(), "fibwarden-kustomize-"));
  tempDirs.push(dir);
  const rel = (p: string): string => relative(dir, `${REPO_ROOT}${p}`);
  writeFileSync(join(dir, "kustomization.yaml"), [
    "apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
    `resources: [${rel(`${OVERLAYS_DIR}/${overlay}`)}]`, `components: [${rel(component)}]`, "",
  ].join("\n"));
  return rendered(`${overlay}+${component}`, dir);
}
const tempDirs: string[] = [];
afterAll(() => { for (const d of tempDirs) rmSync(d, { recursive: true, force: true }); });

describe.skipIf(kubectl.skip)("deploy/kubernetes: kustomize packages", () => {
  it("kubectl is installed (CI installs kubernetes-client when it is missing)", () => {
    expect(kubectl.available, kubectl.reason).toBe(true);
  });

  it("has the two overlays operators use, and the base renders", () => {
    expect(OVERLAYS).toEqual(["calico-sidecar", "standalone"]);
    expect(renderKustomization("deploy/kubernetes/base").map((o) => o.kind).sort()).toEqual(["ConfigMap", "DaemonSet", "Service", "ServiceAccount"]);
  });

  it("standalone renders the DaemonSet, its ConfigMap, ServiceAccount and metrics Service in metallb-system", () => {
    const r = rendered("standalone");
    expect(r.objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      "ConfigMap metallb-system/fibwarden-config",
      "DaemonSet metallb-system/fibwarden",
      "Service metallb-system/fibwarden",
      "ServiceAccount metallb-system/fibwarden",
    ]);
  });

  it("calico-sidecar renders the ConfigMap, the metrics Service and a patch of calico-node, nothing else", () => {
    const r = rendered("calico-sidecar");
    expect(r.objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      "ConfigMap kube-system/fibwarden-config",
      "DaemonSet kube-system/calico-node",
      "Service kube-system/fibwarden",
    ]);
    // The base's DaemonSet was only the container's source: no local-config object leaks out.
    expect(JSON.stringify(r.objects)).not.toContain("local-config");
  });

  it("the calico patch adds only the fibwarden container and fibwarden-* volumes to calico-node", () => {
    const r = rendered("calico-sidecar");
    // Server-side apply makes the field manager own exactly what the object names: no labels,
    // annotations, selector or pod-level field of calico-node's may appear in it.
    expect(Object.keys(r.daemonSet).sort()).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    expect(Object.keys(r.daemonSet.metadata).sort()).toEqual(["name", "namespace"]);
    expect(Object.keys(obj(r.daemonSet.spec, "spec"))).toEqual(["template"]);
    expect(Object.keys(obj(obj(r.daemonSet.spec, "spec").template, "template"))).toEqual(["spec"]);
    expect(Object.keys(r.pod).sort()).toEqual(["containers", "volumes"]);
    expect(list(r.pod.containers).map((c) => c.name)).toEqual(["fibwarden"]);
    expect(list(r.pod.volumes).map((v) => v.name)).toEqual(["fibwarden-bird-sockets", "fibwarden-config", "fibwarden-tmp"]);
  });

  it("both overlays run the same container: image, args, env, probes, resources, security context", () => {
    const [a, b] = OVERLAYS.map((o) => rendered(o).container);
    const withoutBirdMount = (c: Obj): Obj => ({ ...c, volumeMounts: list(c.volumeMounts).filter((m) => m.name !== "fibwarden-bird-sockets") });
    expect(withoutBirdMount(a!)).toEqual(withoutBirdMount(b!));
  });

  it.each(OVERLAYS)("%s: the image is the one the Dockerfile builds, pinned to a version", (overlay) => {
    const c = rendered(overlay).container;
    expect(c.image).toMatch(/^[\w./-]+\/fibwarden(:\d+\.\d+\.\d+|@sha256:[0-9a-f]{64})$/);
    expect(String(c.image)).toContain(`:${(JSON.parse(readRepoFile("package.json")) as { version: string }).version}`);
    expect(c.imagePullPolicy).toBe("IfNotPresent");
    // The Dockerfile's `fibwarden run` (its bundle, which it links to /usr/local/bin/fibwarden)
    // under V8's lite mode: small nodes (docs/performance.md "Small nodes").
    expect(c.command).toEqual(["node", "--lite-mode", "--no-expose-wasm", "/app/dist/bin/fibwarden.mjs", "run"]);
    expect(readRepoFile("deploy/Dockerfile")).toContain("ln -s /app/dist/bin/fibwarden.mjs /usr/local/bin/fibwarden");
    // The small-node bench measures the daemon with the same flags.
    const flags = (c.command as string[]).slice(1, -2).join(" ");
    expect(readRepoFile("test/bench/small-node-bench.ts")).toContain(`const DAEMONSET_NODE_FLAGS = "${flags}";`);
    expect(c.args).toEqual(["--config", "/etc/fibwarden/config.yaml"]);
  });

  it.each(OVERLAYS)("%s: drops ALL capabilities, adds exactly NET_ADMIN, and cannot gain more", (overlay) => {
    const r = rendered(overlay);
    const offenders: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (isObj(v)) for (const [k, x] of Object.entries(v)) {
        if (k === "privileged" && x !== false) offenders.push(path);
        walk(x, `${path}.${k}`);
      }
    };
    for (const o of r.objects) walk(o, `${o.kind}/${o.metadata.name}`);
    expect(offenders).toEqual([]);
    for (const k of ["hostPID", "hostIPC"]) expect(r.pod[k], k).toBeUndefined();
    const sc = obj(r.container.securityContext, "securityContext");
    expect(obj(sc.capabilities, "capabilities")).toEqual({ drop: ["ALL"], add: ["NET_ADMIN"] });
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(obj(sc.seccompProfile, "seccompProfile").type).toBe("RuntimeDefault");
    // uid 0 is deliberate (runtimes clear ambient capabilities, so a non-root process would have
    // no effective NET_ADMIN); it is only acceptable with the settings above.
    expect([sc.runAsUser, sc.runAsNonRoot]).toEqual([0, false]);
  });

  it("standalone shares the host network and mounts no API token; calico-node provides its own", () => {
    const s = rendered("standalone");
    expect(s.pod.hostNetwork).toBe(true);
    expect(s.pod.automountServiceAccountToken).toBe(false);
    const sa = s.find("ServiceAccount", String(s.pod.serviceAccountName));
    expect(sa?.automountServiceAccountToken).toBe(false);
    // No RBAC: fibwarden never talks to the API server.
    expect(s.objects.filter((o) => /Role/.test(o.kind))).toEqual([]);
    expect(rendered("calico-sidecar").pod.hostNetwork).toBeUndefined();
  });

  it.each(OVERLAYS)("%s: every mount is a volume of the pod, read-only but the /tmp spool", (overlay) => {
    const r = rendered(overlay);
    const defined = new Set(list(r.pod.volumes).map((v) => String(v.name)));
    expect(list(r.container.volumeMounts).length).toBe(3);
    for (const m of list(r.container.volumeMounts)) {
      expect(defined.has(String(m.name)), `volume ${String(m.name)}`).toBe(true);
      expect(m.readOnly === true || m.mountPath === "/tmp", `${String(m.mountPath)} should be readOnly`).toBe(true);
      expect(m.subPath).toBeUndefined();
    }
    const tmp = list(r.pod.volumes).find((v) => v.name === "fibwarden-tmp");
    expect(obj(tmp?.emptyDir, "fibwarden-tmp.emptyDir").sizeLimit).toBe("256Mi");
  });

  it.each(OVERLAYS)("%s: BIRD's sockets lie in the node's socket directory, mounted at the same path", (overlay) => {
    const r = rendered(overlay);
    const { config } = mountedConfig(r);
    expect(config.bird.sockets.length).toBeGreaterThan(0);
    for (const socket of config.bird.sockets) {
      const mount = list(r.container.volumeMounts).find((m) => socket.startsWith(`${String(m.mountPath)}/`));
      expect(mount, `no volume holds ${socket}`).toBeDefined();
      expect(mount!.name).toBe("fibwarden-bird-sockets");
      const vol = list(r.pod.volumes).find((v) => v.name === mount!.name);
      expect(obj(vol?.hostPath, `${socket}'s volume is a hostPath`).path, socket).toBe(mount!.mountPath);
    }
  });

  it("the calico sidecar reads calico's BIRD 1.6 pair; the standalone one a speaker's BIRD 2", () => {
    expect(mountedConfig(rendered("calico-sidecar")).config.bird.sockets).toEqual(["/var/run/calico/bird.ctl", "/var/run/calico/bird6.ctl"]);
    expect(mountedConfig(rendered("standalone")).config.bird.sockets).toEqual(["/run/bird/bird.ctl"]);
  });

  it.each(OVERLAYS)("%s: the ConfigMap is the overlay's config.yaml, under a fixed name (reloads in place)", (overlay) => {
    const r = rendered(overlay);
    const { text, configMap } = mountedConfig(r);
    expect(text).toBe(readRepoFile(`${OVERLAYS_DIR}/${overlay}/config.yaml`));
    // A content-hash suffix would roll the pods (calico-node itself) on every edit.
    expect(configMap.metadata.name).toBe("fibwarden-config");
  });

  it.each(OVERLAYS)("%s: the probes hit /healthz and /readyz where the daemon listens (the pod IP)", (overlay) => {
    const r = rendered(overlay);
    const listen = splitListenAddress(mountedConfig(r).config.daemon.listen);
    // The kubelet probes the pod IP (the node's IP under hostNetwork): loopback would fail.
    expect(listen).toEqual({ host: POD_IP, port: 9473 });
    const ports = list(r.container.ports);
    const portOf = (p: unknown): number => (typeof p === "number" ? p : Number(ports.find((x) => x.name === p)?.containerPort));
    for (const [probe, path] of [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"]] as const) {
      const get = obj(obj(r.container[probe], probe).httpGet, `${probe}.httpGet`);
      expect(get.path, probe).toBe(path);
      expect(portOf(get.port), probe).toBe(listen!.port);
      expect(get.host, "the kubelet's default host is the pod IP").toBeUndefined();
    }
  });

  it.each(OVERLAYS)("%s: the metrics Service is headless, on the daemon's port, and selects fibwarden's pods", (overlay) => {
    const r = rendered(overlay);
    const svc = r.find("Service", "fibwarden")!;
    const spec = obj(svc.spec, "Service spec");
    expect(spec.clusterIP).toBe("None");
    expect(list(spec.ports)).toEqual([{ name: "fibwarden", port: 9473, targetPort: "fibwarden", protocol: "TCP" }]);
    expect(list(r.container.ports).map((p) => p.name)).toContain("fibwarden");
    expect(svc.metadata.labels?.["app.kubernetes.io/name"]).toBe("fibwarden");
    const selector = obj(spec.selector, "selector") as Record<string, string>;
    if (overlay === "calico-sidecar") {
      expect(selector).toEqual({ "k8s-app": "calico-node" }); // calico's manifests label calico-node's pods so
    } else {
      const podLabels = obj(obj(obj(r.daemonSet.spec, "spec").template, "template").metadata, "template metadata").labels as Record<string, string>;
      for (const [k, v] of Object.entries(selector)) expect(podLabels[k], k).toBe(v);
    }
  });

  it("the ServiceMonitor scrapes both overlays' Services by label, namespace and port name", () => {
    const monitor = renderKustomization("deploy/prometheus").find((o) => o.kind === "ServiceMonitor")!;
    const spec = obj(monitor.spec, "ServiceMonitor spec");
    const matchLabels = obj(obj(spec.selector, "selector").matchLabels, "matchLabels");
    const namespaces = obj(spec.namespaceSelector, "namespaceSelector").matchNames as string[];
    for (const overlay of OVERLAYS) {
      const svc = rendered(overlay).find("Service", "fibwarden")!;
      for (const [k, v] of Object.entries(matchLabels)) expect(svc.metadata.labels?.[k], `${overlay} ${k}`).toBe(v);
      expect(namespaces).toContain(svc.metadata.namespace);
      expect(list(spec.endpoints).map((e) => e.port)).toEqual(list(obj(svc.spec, "spec").ports).map((p) => p.name));
    }
  });

  it.each(OVERLAYS)("%s: requests and limits cover the measured figures of a small node", (overlay) => {
    const r = obj(rendered(overlay).container.resources, "resources");
    const req = obj(r.requests, "requests");
    const lim = obj(r.limits, "limits");
    expect(Object.keys(req).sort()).toEqual(["cpu", "memory"]);
    expect(Object.keys(lim).sort()).toEqual(["cpu", "memory"]);
    expect(mebibytes(req.memory), "request above the idle peak, 82.3 MiB (docs/operations.md, Sizing)").toBeGreaterThan(82.3);
    expect(mebibytes(lim.memory), "limit above a 100k-route full pass, 277 MB (docs/performance.md)").toBeGreaterThan(277 * MB);
    expect(millicores(req.cpu), "request above the idle daemon (~1 millicore) and its ip children").toBeGreaterThanOrEqual(5);
    expect(millicores(lim.cpu), "a pass runs on one thread: one core").toBe(1000);
  });

  it.each(OVERLAYS)("%s + components/large-tables: resources for a 1M-route table", (overlay) => {
    const r = renderWithComponent(overlay, "deploy/kubernetes/components/large-tables");
    const res = obj(r.container.resources, "resources");
    const req = obj(res.requests, "requests");
    const lim = obj(res.limits, "limits");
    expect(mebibytes(req.memory), "request above the steady RSS at 1M routes and 10k VIPs, 290 MB").toBeGreaterThan(290 * MB);
    expect(mebibytes(lim.memory), "limit above the peak across a config reload at 1M routes, 1,007 MB, with headroom").toBeGreaterThan(1.5 * 1007 * MB);
    expect(millicores(req.cpu), "request above 0.45 % idle CPU at 1M routes").toBeGreaterThanOrEqual(5);
    // The image's own entrypoint, with V8's JIT (not the base's lite mode).
    expect(r.container.command).toEqual(["fibwarden", "run"]);
    expect(readRepoFile("deploy/Dockerfile")).toContain('ENTRYPOINT ["fibwarden", "run"]');
    // Only the resources and the command change, in the same container.
    const base = rendered(overlay);
    expect({ ...r.container, resources: undefined, command: undefined }).toEqual({ ...base.container, resources: undefined, command: undefined });
    expect(r.objects.length).toBe(base.objects.length);
  });

  it("the figures the manifests cite are in the docs they cite", () => {
    const perf = readRepoFile("docs/performance.md");
    for (const figure of ["**276-290 MB**", "**734-1,007 MB**", "**0.45 %**", "| 277 MB |", "**57.2 MB** (57.1-57.5)", "| 62.8 MB (62.6-72.0) |", "1.5x |"]) expect(perf, figure).toContain(figure);
    expect(readRepoFile("docs/operations.md")).toContain("(peak 82.3)");
  });
});

describe("deploy/kubernetes: files", () => {
  it("every repository path the manifests mention exists", () => {
    const files = ["base", "overlays/calico-sidecar", "overlays/standalone", "components/large-tables"]
      .flatMap((d) => readdirSync(`${REPO_ROOT}deploy/kubernetes/${d}`).map((f) => `deploy/kubernetes/${d}/${f}`));
    expect(files.length).toBeGreaterThan(8);
    for (const file of files) {
      const found = readRepoFile(file).match(/(?<![\w/.-])(?:deploy|docs|src|test|proto|scripts)\/[\w./-]*[\w/]/g) ?? [];
      for (const rel of new Set(found)) expect(existsSync(`${REPO_ROOT}${rel}`), `${file} mentions ${rel}`).toBe(true);
    }
  });

  it("README.md shows the one command for each overlay and for the monitoring package", () => {
    const readme = readRepoFile("README.md");
    expect(readme).toContain("kubectl apply --server-side --field-manager=fibwarden -k deploy/kubernetes/overlays/calico-sidecar\n");
    expect(readme).toContain("kubectl apply -k deploy/kubernetes/overlays/standalone\n");
    expect(readme).toContain("kubectl apply -n monitoring -k deploy/prometheus\n");
    for (const overlay of OVERLAYS) expect(readme, overlay).toContain(`-k deploy/kubernetes/overlays/${overlay}\n`);
  });

  it("no loose manifests are left beside the kustomize layout", () => {
    expect(readdirSync(`${REPO_ROOT}deploy/kubernetes`).sort()).toEqual(["base", "components", "overlays"]);
  });
});
