import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isFibwardenError } from "../../../src/core/errors.js";
import type { ConfigIssue } from "../../../src/config/index.js";
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfigText, resolveConfigPath } from "../../../src/config/index.js";

const dir = mkdtempSync(join(tmpdir(), "fw-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a config file into the test directory and returns its path. */
function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const fromArg = writeConfig("arg.yaml", "daemon:\n  logLevel: debug\n");
const fromEnv = writeConfig("env.yaml", "daemon:\n  logLevel: warn\n");

describe("which file", () => {
  it("explicit argument > FIBWARDEN_CONFIG > default", () => {
    expect(resolveConfigPath("/a.yaml", { FIBWARDEN_CONFIG: "/b.yaml" })).toEqual({ path: "/a.yaml", origin: "argument" });
    expect(resolveConfigPath(undefined, { FIBWARDEN_CONFIG: "/b.yaml" })).toEqual({ path: "/b.yaml", origin: "env" });
    expect(resolveConfigPath(undefined, {})).toEqual({ path: "/etc/fibwarden/config.yaml", origin: "default" });
    expect(resolveConfigPath("", { FIBWARDEN_CONFIG: " " })).toEqual({ path: DEFAULT_CONFIG_PATH, origin: "default" });
  });

  it("loadConfig reads the file the precedence picks", async () => {
    const both = await loadConfig({ path: fromArg, env: { FIBWARDEN_CONFIG: fromEnv } });
    expect(both).toMatchObject({ path: fromArg, origin: "argument", overrides: [] });
    expect(both.config.daemon.logLevel).toBe("debug");
    const envOnly = await loadConfig({ env: { FIBWARDEN_CONFIG: fromEnv } });
    expect(envOnly).toMatchObject({ path: fromEnv, origin: "env" });
    expect(envOnly.config.daemon.logLevel).toBe("warn");
  });

  it("a missing file is an error, even at the default path", async () => {
    const missing = join(dir, "missing.yaml");
    await expect(loadConfig({ path: missing, env: {} })).rejects.toSatisfy((err: unknown) =>
      isFibwardenError(err, "FW_CONFIG_INVALID") && err.message.includes(`${missing}: (file): no such file (from --config`));
    if (!existsSync(DEFAULT_CONFIG_PATH)) {
      await expect(loadConfig({ env: {} })).rejects.toThrow(`${DEFAULT_CONFIG_PATH}: (file): no such file (from the default path`);
    }
    await expect(loadConfig({ path: dir, env: {} })).rejects.toThrow("cannot read it (EISDIR)");
  });

  it("errors name the file that was read", async () => {
    const bad = writeConfig("bad.yaml", "vips:\n  - address: 10.0.0.1/24\n");
    await expect(loadConfig({ path: bad, env: {} })).rejects.toThrow(`${bad}:2:14: vips[0].address: a VIP is one host address`);
  });
});

describe("environment overrides of single fields", () => {
  const file = "bird:\n  sockets: [/run/bird/bird.ctl]\nprotect: {repair: report}\ndaemon: {listen: '127.0.0.1:9473', logLevel: info}\n";

  it("beat the file, and are reported", async () => {
    const path = writeConfig("overridden.yaml", file);
    const env = {
      FIBWARDEN_BIRD_SOCKETS: "/var/run/calico/bird.ctl, /var/run/calico/bird6.ctl,",
      FIBWARDEN_PROTECT_REPAIR: "reinstall",
      FIBWARDEN_DAEMON_LISTEN: "[::1]:9999",
      FIBWARDEN_LOG_LEVEL: "trace",
      FIBWARDEN_KERNEL_NETNS: "fw-lab",
    };
    const { config, overrides } = await loadConfig({ path, env });
    expect(config.bird.sockets).toEqual(["/var/run/calico/bird.ctl", "/var/run/calico/bird6.ctl"]);
    expect(config.protect.repair).toBe("reinstall");
    expect(config.daemon).toMatchObject({ listen: "[::1]:9999", logLevel: "trace" });
    expect(config.kernel.netns).toBe("fw-lab");
    expect(overrides).toEqual(Object.keys(env));
  });

  it("apply to sections the file leaves out or empty, and keep the rest of a section", () => {
    const c = parseConfigText("daemon:\n  debounceMs: 5\nkernel:\n", { env: { FIBWARDEN_LOG_LEVEL: "warn", FIBWARDEN_KERNEL_NETNS: "ns1" } });
    expect(c.daemon).toMatchObject({ debounceMs: 5, logLevel: "warn", listen: "127.0.0.1:9473" });
    expect(c.kernel).toEqual({ netns: "ns1" });
  });

  it("empty variables are ignored; no env means no overrides", () => {
    expect(parseConfigText(file, { env: { FIBWARDEN_BIRD_SOCKETS: "", FIBWARDEN_LOG_LEVEL: "  " } }).daemon.logLevel).toBe("info");
    expect(parseConfigText(file).bird.sockets).toEqual(["/run/bird/bird.ctl"]);
  });

  it("a bad value is reported against the variable", () => {
    let issues: ConfigIssue[] = [];
    try {
      parseConfigText(file, { source: "f.yaml", env: { FIBWARDEN_BIRD_SOCKETS: ",", FIBWARDEN_PROTECT_REPAIR: "fix" } });
    } catch (err) {
      if (isFibwardenError(err, "FW_CONFIG_INVALID")) issues = err.details.issues as ConfigIssue[];
    }
    expect(issues.map((i) => [i.env, i.field])).toEqual([["FIBWARDEN_BIRD_SOCKETS", "bird.sockets"], ["FIBWARDEN_PROTECT_REPAIR", "protect.repair"]]);
  });
});
