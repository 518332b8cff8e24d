// systemd-networkd's ManageForeignRoutingPolicyRules= and ManageForeignRoutes= (section
// [Network] of networkd.conf and its drop-ins), read from the files' text. Both default to yes:
// networkd then removes every rule and route it did not create, whatever its range. Pure.

/** One configuration file, in the order systemd applies them (main file, then drop-ins by name). */
export interface ConfText {
  path: string;
  text: string;
}

/** The two settings, and the files that set either. */
export interface NetworkdForeignSettings {
  manageForeignRoutingPolicyRules: boolean;
  manageForeignRoutes: boolean;
  /** Files that assign one of the settings. */
  from: string[];
}

const TRUE = new Set(["1", "yes", "y", "true", "t", "on"]);
const FALSE = new Set(["0", "no", "n", "false", "f", "off"]);

/** Applies the files in order (a later assignment wins; an unparsable boolean is ignored, as systemd does). */
export function parseNetworkdForeignSettings(files: readonly ConfText[]): NetworkdForeignSettings {
  const out: NetworkdForeignSettings = { manageForeignRoutingPolicyRules: true, manageForeignRoutes: true, from: [] };
  for (const f of files) {
    let section = "";
    for (const raw of f.text.split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
      if (line.startsWith("[")) {
        // The name between the brackets, spaces and all: systemd's parser does not strip it, so
        // `[ Network ]` is an unknown section whose settings networkd ignores.
        section = line.replace(/^\[|\]$/g, "");
        continue;
      }
      const eq = line.indexOf("=");
      if (section !== "Network" || eq < 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim().toLowerCase();
      const flag = TRUE.has(value) ? true : FALSE.has(value) ? false : undefined;
      if (flag === undefined) continue;
      if (key === "ManageForeignRoutingPolicyRules") out.manageForeignRoutingPolicyRules = flag;
      else if (key === "ManageForeignRoutes") out.manageForeignRoutes = flag;
      else continue;
      if (!out.from.includes(f.path)) out.from.push(f.path);
    }
  }
  return out;
}
