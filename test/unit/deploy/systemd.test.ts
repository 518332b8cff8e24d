// Static checks of deploy/systemd/fibwarden.service: exactly CAP_NET_ADMIN, the sandbox the
// daemon can live in (only the sysctl subtree it writes is writable), the config path it reads
// is the sample's install target, and the sample validates.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONF_DIR } from "../../../src/adapters/proc-files.js";
import { parseConfigText } from "../../../src/config/index.js";

const ROOT = new URL("../../../", import.meta.url);
const read = (rel: string): string => readFileSync(new URL(rel, ROOT), "utf8");

/** Parses a unit file into section -> key -> values (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (kv === null || current === undefined) throw new Error(`cannot parse unit line: ${line}`);
    current.set(kv[1]!, [...(current.get(kv[1]!) ?? []), kv[2]!]);
  }
  return sections;
}

const UNIT_TEXT = read("deploy/systemd/fibwarden.service");
const unit = parseUnit(UNIT_TEXT);
const service = unit.get("Service")!;
/** The last value of a [Service] key (systemd's rule for single-valued settings). */
const get = (key: string): string | undefined => service.get(key)?.at(-1);

describe("deploy/systemd/fibwarden.service", () => {
  it("has [Unit], [Service] and [Install]; runs `fibwarden run` as Type=simple; SIGHUP reloads", () => {
    expect([...unit.keys()]).toEqual(["Unit", "Service", "Install"]);
    expect(get("Type")).toBe("simple");
    expect(get("ExecStart")).toBe("/usr/local/bin/fibwarden run --config /etc/fibwarden/config.yaml");
    expect(get("ExecReload")).toBe("/bin/kill -HUP $MAINPID");
    expect(get("Restart")).toBe("on-failure");
    expect(unit.get("Install")!.get("WantedBy")).toEqual(["multi-user.target"]);
  });

  it("grants exactly CAP_NET_ADMIN, ambient for a non-root user, and no way to gain more", () => {
    expect(service.get("CapabilityBoundingSet")).toEqual(["CAP_NET_ADMIN"]);
    expect(service.get("AmbientCapabilities")).toEqual(["CAP_NET_ADMIN"]);
    expect(get("NoNewPrivileges")).toBe("yes");
    expect(get("DynamicUser") === "yes" || (get("User") !== undefined && get("User") !== "root")).toBe(true);
    expect(get("SupplementaryGroups")).toBe("bird"); // BIRD's control socket: 0660 bird:bird
    expect(UNIT_TEXT).not.toMatch(/^\s*(PermissionsStartOnly|User=root|User=0)\b/m);
  });

  it("sandboxes the file system, leaving writable only the sysctls fibwarden sets", () => {
    expect(get("ProtectSystem")).toBe("strict");
    expect(get("ProtectHome")).toBe("yes");
    expect(get("PrivateTmp")).toBe("yes");
    expect(get("ProtectKernelTunables")).toBe("yes");
    // The carve-out is the directory the sysctl adapter writes under, nothing wider.
    expect(service.get("ReadWritePaths")).toEqual([CONF_DIR.replace(/\/$/, "")]);
  });

  it("restricts sockets to UNIX (BIRD), INET/INET6 (endpoints) and NETLINK (iproute2)", () => {
    expect(get("RestrictAddressFamilies")?.split(/\s+/).sort()).toEqual(["AF_INET", "AF_INET6", "AF_NETLINK", "AF_UNIX"]);
  });

  it("sets none of the options that would break a Node.js daemon acting on the host network", () => {
    expect(get("MemoryDenyWriteExecute")).not.toBe("yes"); // V8's JIT
    expect(get("ProcSubset")).not.toBe("pid"); // hides /proc/sys
    expect(get("PrivateNetwork")).not.toBe("yes"); // fibwarden manages the host's namespace
    expect(get("PrivateUsers")).not.toBe("yes"); // capabilities would not reach the host namespace
    if (get("SystemCallFilter") !== undefined) expect(get("SystemCallErrorNumber")).toBe("EPERM"); // fall back, never SIGSYS
  });

  it("reads the sample config, which the header installs there and which validates", () => {
    const configArg = /--config (\S+)/.exec(get("ExecStart")!)![1]!;
    const install = new RegExp(`install -m 0644 -D (\\S+) ${configArg.replace(/[.]/g, "\\.")}`).exec(UNIT_TEXT);
    expect(install, "the header says how to install the sample config").not.toBeNull();
    const sample = install![1]!;
    expect(sample).toBe("deploy/systemd/config.yaml");
    const config = parseConfigText(read(sample), { source: sample });
    expect(config.bird.sockets).toEqual(["/run/bird/bird.ctl"]);
    expect(Object.keys(config.sysctls.rpFilter).length).toBeGreaterThan(0); // the host can write them
    expect(existsSync(new URL("deploy/systemd/fibwarden.service", ROOT))).toBe(true);
  });

  it("every repository path the unit and the sample mention exists", () => {
    for (const file of ["deploy/systemd/fibwarden.service", "deploy/systemd/config.yaml"]) {
      const text = read(file);
      const found = text.match(/(?<![\w/.-])(?:deploy|docs|src|test|proto|scripts)\/[\w./-]*[\w/]/g) ?? [];
      for (const rel of new Set(found)) expect(existsSync(new URL(rel, ROOT)), `${file} mentions ${rel}`).toBe(true);
    }
  });
});
