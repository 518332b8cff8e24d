/** Lab command line for people and for the lab's own interruption test.
 *
 *   node --import tsx test/lab/cli.ts sweep                 remove labs left by dead runs
 *   node --import tsx test/lab/cli.ts up [two-uplink|solo]   build a lab, print it as one JSON line,
 *        [--hold-seconds N]                                  hold it until SIGINT/SIGTERM or N s (default 600)
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createLab, type Lab } from "./lab.js";
import { sweepStaleLabs } from "./sweep.js";
import { buildTwoUplinkTopology } from "./two-uplink.js";

const MAX_HOLD_SECONDS = 3_600;

/** Describes a held lab on stdout (one JSON line). */
export interface HeldLabInfo {
  prefix: string;
  dir: string;
  namespaces: Record<string, string>;
  birds: Record<string, { pid: number | undefined; socketPath: string }>;
}

async function runUp(kind: string, holdSeconds: number): Promise<void> {
  const lab = await createLab({ name: `cli-${kind}` });
  const info = kind === "solo" ? await buildSolo(lab) : await buildTwoUplink(lab);
  process.stdout.write(`${JSON.stringify(info)}\n`);
  // SIGINT/SIGTERM are handled by the lab's exit hooks: they tear the lab down and end the process.
  await sleep(holdSeconds * 1_000);
  await lab.destroy();
}

async function buildSolo(lab: Lab): Promise<HeldLabInfo> {
  const ns = await lab.addNamespace("solo");
  await lab.link(ns, "s0", ns, "s1", { addrsA: ["10.111.77.1/24"], addrsB: ["10.111.77.2/24"] });
  const bird = await lab.startBird(ns, "router id 10.111.77.1;\nprotocol device { scan time 10; }\n");
  return {
    prefix: lab.prefix, dir: lab.dir, namespaces: { solo: ns.name },
    birds: { solo: { pid: bird.pid, socketPath: bird.socketPath } },
  };
}

async function buildTwoUplink(lab: Lab): Promise<HeldLabInfo> {
  const topo = await buildTwoUplinkTopology(lab);
  return {
    prefix: lab.prefix, dir: lab.dir,
    namespaces: Object.fromEntries(Object.entries(topo.ns).map(([k, ns]) => [k, ns.name])),
    birds: Object.fromEntries(Object.entries(topo.birds).map(([k, b]) => [k, { pid: b.pid, socketPath: b.socketPath }])),
  };
}

function parseHoldSeconds(argv: readonly string[]): number {
  const i = argv.indexOf("--hold-seconds");
  const value = i >= 0 ? Number(argv[i + 1]) : 600;
  if (!Number.isFinite(value) || value < 0 || value > MAX_HOLD_SECONDS) {
    throw new Error(`--hold-seconds must be 0..${MAX_HOLD_SECONDS}`);
  }
  return value;
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, kind] = argv;
  if (command === "sweep") {
    process.stdout.write(`${JSON.stringify(sweepStaleLabs())}\n`);
  } else if (command === "up") {
    await runUp(kind === "solo" ? "solo" : "two-uplink", parseHoldSeconds(argv));
  } else {
    process.stderr.write("usage: cli.ts sweep | cli.ts up [two-uplink|solo] [--hold-seconds N]\n");
    process.exitCode = 64;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
