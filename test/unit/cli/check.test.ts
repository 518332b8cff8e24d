// `fibwarden check`'s own parts: argument errors (exit 1) and what it reads of systemd-networkd
// (the process, networkd.conf and its drop-ins in systemd's order), on a fake root.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { observeNetworkd, runCheckCommand } from "../../../src/cli/check.js";
import { parseNetworkdForeignSettings } from "../../../src/core/coexist/networkd-conf.js";

const roots: string[] = [];
afterEach(() => { for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true }); });

function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "fw-check-root-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function run(...argv: string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await runCheckCommand(argv, { out: () => undefined, err: (s) => { err += s; }, color: false });
  return { code, err };
}

describe("fibwarden check: arguments", () => {
  it("exit 1 for an unknown option, output or agent", async () => {
    expect(await run("--bogus")).toMatchObject({ code: 1, err: expect.stringContaining("usage: fibwarden check") });
    expect(await run("--output", "yaml")).toMatchObject({ code: 1, err: expect.stringContaining("--output must be text or json") });
    expect(await run("--ignore", "okd,nobody")).toMatchObject({ code: 1, err: expect.stringContaining('unknown agent "nobody"; known: calico, aws-vpc-cni') });
  });
});

describe("observeNetworkd", () => {
  it("not running, no config: the defaults (removes both), not running", () => {
    expect(observeNetworkd(fakeRoot({ "proc/1/comm": "systemd\n" }))).toEqual({
      agent: "systemd-networkd", running: false, removesForeignRules: true, removesForeignRoutes: true, configFiles: [],
    });
  });

  it("running: the main file, then drop-ins by name; /etc masks the same name in /usr/lib", () => {
    const root = fakeRoot({
      "proc/1/comm": "systemd\n",
      "proc/77/comm": "systemd-network\n",
      "etc/systemd/networkd.conf": "[Network]\nManageForeignRoutingPolicyRules=no\n",
      "usr/lib/systemd/networkd.conf.d/10-vendor.conf": "[Network]\nManageForeignRoutingPolicyRules=yes\nManageForeignRoutes=no\n",
      "usr/lib/systemd/networkd.conf.d/20-masked.conf": "[Network]\nManageForeignRoutes=yes\n",
      "etc/systemd/networkd.conf.d/20-masked.conf": "# masks the vendor file\n",
    });
    expect(observeNetworkd(root)).toEqual({
      agent: "systemd-networkd", running: true, removesForeignRules: true, removesForeignRoutes: false,
      configFiles: ["/etc/systemd/networkd.conf", "/usr/lib/systemd/networkd.conf.d/10-vendor.conf"],
    });
  });

  it("reads only [Network], takes systemd's booleans, ignores what it cannot parse", () => {
    const s = parseNetworkdForeignSettings([
      { path: "a", text: "[DHCPv4]\nManageForeignRoutes=no\n[Network]\n ManageForeignRoutes = off \nManageForeignRoutingPolicyRules=maybe\n; comment\n" },
    ]);
    expect(s).toEqual({ manageForeignRoutingPolicyRules: true, manageForeignRoutes: false, from: ["a"] });
  });
});
