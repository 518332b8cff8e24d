/** A lab: network namespaces joined by veth pairs, with BIRD daemons, torn down as one unit. */
import { join } from "node:path";
import { startBirdDaemon, type BirdHandle } from "./bird-daemon.js";
import { runCommand, runInNamespace, runIp, type RunOptions } from "./exec.js";
import { registerForExitCleanup } from "./exit-hooks.js";
import { assertInterfaceName, generateLabPrefix, toNamespaceName } from "./names.js";
import { DEFAULT_LAB_ROOT, createLabRecord, toLabDir, writeLabRecord, type LabRecord } from "./state.js";
import { sweepStaleLabs } from "./sweep.js";
import { teardownLabSync } from "./teardown.js";

/** Options for `createLab`. */
export interface CreateLabOptions {
  /** Shown in logs and errors only; the kernel names always use the random prefix. */
  name?: string;
  /** State directory root (default /tmp/fibwarden-lab). */
  root?: string;
  /** Sweep labs left by dead runs first (default true). */
  sweep?: boolean;
}

/** A namespace of the lab. */
export interface LabNamespace {
  /** Lab-local name, e.g. "node". */
  readonly localName: string;
  /** Kernel name, e.g. "fwtk3x9q0node". */
  readonly name: string;
  /** Runs `argv` inside the namespace (`ip netns exec`); returns stdout, throws with stderr. */
  exec(argv: readonly string[], opts?: RunOptions): Promise<string>;
  /** Runs `ip -n <ns> args...`; returns stdout. */
  ip(args: readonly string[], opts?: RunOptions): Promise<string>;
}

/** Addresses for the two ends of a link (CIDR notation; IPv6 gets `nodad`). */
export interface LinkOptions {
  addrsA?: readonly string[];
  addrsB?: readonly string[];
}

/** One veth pair as created by `lab.link`. */
export interface LabLink {
  a: { namespace: LabNamespace; ifname: string; addrs: readonly string[] };
  b: { namespace: LabNamespace; ifname: string; addrs: readonly string[] };
}

/** Options for `lab.startBird`. */
export interface StartBirdOptions {
  /** Lab-local daemon name, for several daemons in one namespace (default: the namespace's). */
  name?: string;
}

/** Creates a lab with a fresh `fwt<6 base36>` prefix and registers it for cleanup at exit. */
export async function createLab(options: CreateLabOptions = {}): Promise<Lab> {
  const root = options.root ?? DEFAULT_LAB_ROOT;
  if (options.sweep ?? true) sweepStaleLabs(root);
  const prefix = generateLabPrefix();
  const dir = toLabDir(root, prefix);
  const record = createLabRecord(dir, prefix);
  return new Lab(options.name ?? prefix, dir, record);
}

/** Handle on a live lab; create it with `createLab`, end it with `destroy`. */
export class Lab {
  readonly prefix: string;
  private readonly namespaces = new Map<string, LabNamespace>();
  private readonly birds: BirdHandle[] = [];
  private readonly unregister: () => void;
  private destroying: Promise<void> | undefined;

  constructor(readonly name: string, readonly dir: string, private readonly record: LabRecord) {
    this.prefix = record.prefix;
    this.unregister = registerForExitCleanup({ dir, namespaces: () => this.record.namespaces });
  }

  /** Creates namespace `<prefix><localName>` with `lo` up. */
  async addNamespace(localName: string): Promise<LabNamespace> {
    this.assertAlive();
    if (this.namespaces.has(localName)) throw new Error(`lab ${this.name}: namespace "${localName}" exists`);
    const name = toNamespaceName(this.prefix, localName);
    this.record.namespaces.push(name);
    writeLabRecord(this.dir, this.record); // record first, so a crash in between is still swept
    await runCommand("ip", ["netns", "add", name]);
    const ns: LabNamespace = {
      localName,
      name,
      exec: (argv, opts) => runInNamespace(name, argv, opts),
      ip: (args, opts) => runIp(name, args, opts),
    };
    this.namespaces.set(localName, ns);
    await ns.ip(["link", "set", "lo", "up"]);
    return ns;
  }

  /** Returns the namespace with this lab-local name; throws if there is none. */
  namespace(localName: string): LabNamespace {
    const ns = this.namespaces.get(localName);
    if (ns === undefined) throw new Error(`lab ${this.name}: no namespace "${localName}"`);
    return ns;
  }

  /** Creates a veth pair `ifA` (in nsA) <-> `ifB` (in nsB), brings both up and adds addresses. */
  async link(nsA: LabNamespace, ifA: string, nsB: LabNamespace, ifB: string, opts: LinkOptions = {}): Promise<LabLink> {
    this.assertAlive();
    assertInterfaceName(ifA);
    assertInterfaceName(ifB);
    const peer = nsA.name === nsB.name ? ["peer", "name", ifB] : ["peer", "name", ifB, "netns", nsB.name];
    await nsA.ip(["link", "add", ifA, "type", "veth", ...peer]);
    const addrsA = opts.addrsA ?? [];
    const addrsB = opts.addrsB ?? [];
    await addAddresses(nsA, ifA, addrsA);
    await addAddresses(nsB, ifB, addrsB);
    await nsA.ip(["link", "set", ifA, "up"]);
    await nsB.ip(["link", "set", ifB, "up"]);
    return { a: { namespace: nsA, ifname: ifA, addrs: addrsA }, b: { namespace: nsB, ifname: ifB, addrs: addrsB } };
  }

  /** Sets sysctl `key` (e.g. "net.ipv4.ip_forward") to `value` inside `ns`. */
  async setSysctl(ns: LabNamespace, key: string, value: string | number): Promise<void> {
    await ns.exec(["sysctl", "-q", "-w", `${key}=${String(value)}`]);
  }

  /** Starts BIRD in `ns` with `configText`; resolves once its control socket answers. */
  async startBird(ns: LabNamespace, configText: string, opts: StartBirdOptions = {}): Promise<BirdHandle> {
    this.assertAlive();
    const name = opts.name ?? ns.localName;
    if (this.birds.some((b) => b.name === name)) throw new Error(`lab ${this.name}: BIRD "${name}" exists`);
    const bird = await startBirdDaemon({ name, namespace: ns.name, dir: join(this.dir, name) }, configText);
    this.birds.push(bird);
    return bird;
  }

  /** Stops every BIRD, kills what is left in the namespaces, deletes them and the lab dir; idempotent. */
  destroy(): Promise<void> {
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  private async teardown(): Promise<void> {
    await Promise.all(this.birds.map((bird) => bird.kill("SIGKILL").catch(() => undefined)));
    const failures = teardownLabSync(this.dir, this.record.namespaces);
    this.unregister();
    if (failures.length > 0) throw new Error(`lab ${this.name}: teardown left ${failures.join("; ")}`);
  }

  private assertAlive(): void {
    if (this.destroying !== undefined) throw new Error(`lab ${this.name} is destroyed`);
  }
}

async function addAddresses(ns: LabNamespace, ifname: string, addrs: readonly string[]): Promise<void> {
  for (const addr of addrs) {
    const v6 = addr.includes(":");
    await ns.ip(v6 ? ["-6", "addr", "add", addr, "dev", ifname, "nodad"] : ["addr", "add", addr, "dev", ifname]);
  }
}
