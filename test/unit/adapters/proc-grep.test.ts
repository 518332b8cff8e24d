// The namespace read of every interface's sysctl files is GNU grep's output (see proc-files.ts):
// what it prints for files read and files it could not read becomes the same response the Node
// helper gives; anything else fails the whole read (FW_SYSCTL), never a part of it.
import { describe, expect, it } from "vitest";
import { CONF_DIR, grepEachArgv, parseGrepEach } from "../../../src/adapters/proc-files.js";

const NAMES = ["rp_filter", "send_redirects"];
const line = (iface: string, name: string, value: string) => `${CONF_DIR}${iface}/${name}\0${value}\n`;
const parse = (stdout: string, stderr = "") => parseGrepEach(NAMES, stdout, stderr, "grep");

describe("the grep read of /proc/sys/net/ipv4/conf in a namespace", () => {
  it("asks grep for exactly the named files, every line with its file name, NUL-separated", () => {
    expect(grepEachArgv(NAMES)).toEqual(["-r", "-H", "-Z", "--include=rp_filter", "--include=send_redirects", "-e", "", "--", CONF_DIR]);
    for (const bad of ["rp_filter*", "../x", "a b", "", "--x"]) {
      expect(() => grepEachArgv([bad]), bad).toThrow(expect.objectContaining({ code: "FW_INVALID_TOKEN" }));
    }
  });

  it("lists every directory named and gives each file's text in the order asked", () => {
    const res = parse(line("all", "send_redirects", "1") + line("all", "rp_filter", "2") + line("eth0.100", "rp_filter", "0")
      + line("eth0.100", "send_redirects", "1") + line("lo", "rp_filter", "0"));
    expect(res.list).toEqual(["all", "eth0.100", "lo"]);
    expect(res.each).toEqual([
      [{ text: "2\n" }, { text: "1\n" }],
      [{ text: "0\n" }, { text: "1\n" }],
      // A file grep did not name is gone (an interface deleted mid-read), as the Node paths say.
      [{ text: "0\n" }, { error: "ENOENT" }],
    ]);
  });

  it("keeps every line of a file (the value parser then refuses more than one)", () => {
    expect(parse(line("all", "rp_filter", "1") + line("all", "rp_filter", "2")).each).toEqual([[{ text: "1\n2\n" }, { error: "ENOENT" }]]);
  });

  it("turns grep's per-file messages into that file's error, ENOENT for a file that vanished", () => {
    const res = parse(line("v0", "rp_filter", "1"),
      `grep: ${CONF_DIR}v0/send_redirects: Permission denied\ngrep: ${CONF_DIR}v9/rp_filter: No such file or directory\n`);
    expect(res.list).toEqual(["v0", "v9"]);
    expect(res.each).toEqual([[{ text: "1\n" }, { error: "Permission denied" }], [{ error: "ENOENT" }, { error: "ENOENT" }]]);
  });

  it.each([
    ["a line cut short", line("all", "rp_filter", "1").slice(0, -1), ""],
    ["a line without a file name", "1\n", ""],
    ["a path outside an interface directory", `/etc/passwd\0root\n`, ""],
    ["a deeper path", `${CONF_DIR}a/b/rp_filter\0x\n`, ""],
    ["a file not asked for", line("all", "forwarding", "1"), ""],
    ["a message of another shape", "", "grep: warning: something\n"],
    ["a message about a path outside", "", "grep: /etc/shadow: Permission denied\n"],
  ])("refuses the whole read on %s (FW_SYSCTL)", (_what, stdout, stderr) => {
    expect(() => parse(stdout, stderr)).toThrow(expect.objectContaining({ code: "FW_SYSCTL" }));
  });

  it("an empty answer is an empty listing", () => {
    expect(parse("")).toEqual({ list: [], each: [], writes: [], reads: [] });
  });
});
