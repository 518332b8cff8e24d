#!/usr/bin/env node
// `npm run demo`: fibwarden's main job on a throwaway lab, from a fresh machine, in one command.
//
// As root on Linux it: installs bird2, iproute2 and nftables with apt-get when they are missing;
// checks that network namespaces can be created; builds fibwarden (`npm ci` when node_modules is
// missing, then `npm run build`); then runs scripts/demo-lab.ts, which builds a lab of network
// namespaces with real BIRD 2 (field report F3: a node with two BGP uplinks and two VIPs), shows
// a client failing to connect, prints `fibwarden reconcile --plan`, applies it, shows the client
// connecting, runs `fibwarden doctor` when this build has it, and tears the lab down (also on
// failure and on Ctrl-C). Without root or without namespaces it says so and exits non-zero.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const say = (s) => process.stdout.write(`${s}\n`);
const fail = (s) => {
  process.stderr.write(`fibwarden demo: ${s}\n`);
  process.exit(1);
};

/** Runs a command with its output on the terminal; exits the demo when it fails. */
function run(file, args, what, env = {}) {
  say(`$ ${[file, ...args].join(" ")}`);
  const r = spawnSync(file, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } });
  if (r.error !== undefined || r.status !== 0) fail(`${what} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
}

/** The output of `file args` (stdout and stderr), or undefined when it cannot be run. */
function probe(file, args) {
  const r = spawnSync(file, args, { encoding: "utf8", timeout: 10_000 });
  return r.error !== undefined ? undefined : `${r.stdout ?? ""}${r.stderr ?? ""}`;
}

if (process.platform !== "linux") fail(`needs Linux (network namespaces); this is ${process.platform}`);
if (process.getuid?.() !== 0) {
  fail("needs root: it creates network namespaces, veth links and nftables rules, and runs BIRD.\n"
    + "Run it as root, e.g. `sudo npm run demo` (or `sudo node scripts/demo.mjs`).");
}
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 9)) fail(`needs Node.js >= 20.9 (this is ${process.versions.node})`);

// 1. System packages, only when missing.
const needed = [
  { pkg: "bird2", present: () => probe("bird", ["--version"]) !== undefined },
  { pkg: "iproute2", present: () => probe("ip", ["-V"]) !== undefined },
  { pkg: "nftables", present: () => probe("nft", ["--version"]) !== undefined },
];
const missing = needed.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length > 0) {
  if (probe("apt-get", ["--version"]) === undefined) fail(`missing ${missing.join(", ")}, and there is no apt-get here to install them: install them and run again`);
  say(`Installing ${missing.join(", ")}...`);
  run("apt-get", ["update"], "apt-get update", { DEBIAN_FRONTEND: "noninteractive" });
  run("apt-get", ["install", "-y", ...missing], "apt-get install", { DEBIAN_FRONTEND: "noninteractive" });
}
const birdVersion = probe("bird", ["--version"]) ?? "";
if (!/BIRD version 2\./.test(birdVersion)) fail(`needs BIRD 2 (package bird2); \`bird --version\` says: ${birdVersion.trim() || "nothing"}`);

// 2. Network namespaces.
const probeNs = `fwdemoprobe${process.pid}`;
const add = spawnSync("ip", ["netns", "add", probeNs], { encoding: "utf8" });
if (add.status !== 0) {
  fail(`cannot create network namespaces here (\`ip netns add\`: ${(add.stderr ?? "").trim() || add.error?.message || "failed"}).\n`
    + "The demo needs a kernel with netns and veth and the right to use them (root on the host, or a privileged container).");
}
spawnSync("ip", ["netns", "delete", probeNs]);
const firstLine = (text) => (text ?? "").trim().split("\n")[0];
say(`Prerequisites: ${firstLine(birdVersion)}; ${firstLine(probe("ip", ["-V"]))}; ${firstLine(probe("nft", ["--version"]))}; network namespaces: ok`);

// 3. Build fibwarden.
if (!existsSync(`${ROOT}node_modules`)) run("npm", ["ci"], "npm ci");
run("npm", ["run", "build", "--silent"], "npm run build");

// 4. The lab. Signals go to the driver, which tears its lab down; if it dies without doing so
// (SIGKILL), the sweep removes what its dead process left.
say("");
const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo-lab.ts"], { cwd: ROOT, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => { child.kill(signal); });
}
child.on("exit", (code, signal) => {
  if (code !== 0) {
    spawnSync(process.execPath, ["--import", "tsx", "test/lab/cli.ts", "sweep"], { cwd: ROOT, stdio: "ignore", timeout: 60_000 });
  }
  if (signal !== null) say(`\nfibwarden demo: interrupted (${signal}); the lab was torn down`);
  process.exitCode = code ?? 1;
});
