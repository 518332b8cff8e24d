// `fibwarden bird`: every word of the command reaches BIRD or the parser that matches it exactly;
// what no parser represents is refused (FW_INVALID_TOKEN, exit 1) before anything reaches BIRD.
// The matcher on its own, then runBirdCommand against the fake BIRD socket (the exact command
// that went out, and what was printed).
import { afterEach, describe, expect, it } from "vitest";
import { matchBirdCommand, splitBirdWords } from "../../../src/cli/bird-command.js";
import { runBirdCommand } from "../../../src/cli/bird.js";
import { isFibwardenError } from "../../../src/core/errors.js";
import { startFakeBird, type FakeBird } from "../../support/fake-bird.js";

const words = (s: string): string[] => s.split(" ");

function refusal(command: string): unknown {
  try {
    matchBirdCommand(words(command));
  } catch (err) {
    return err;
  }
  throw new Error(`expected ${command} to be refused`);
}

describe("matchBirdCommand", () => {
  it("keeps the name of `show protocols [all] NAME`", () => {
    expect(matchBirdCommand(words("show protocols all up_a4"))).toEqual({ kind: "protocols", command: "show protocols all up_a4", all: true, name: "up_a4" });
    expect(matchBirdCommand(words("show protocols up_a4"))).toEqual({ kind: "protocols", command: "show protocols up_a4", all: false, name: "up_a4" });
    expect(matchBirdCommand(words("show protocols all"))).toEqual({ kind: "protocols", command: "show protocols all", all: true });
    expect(matchBirdCommand(words("show protocols"))).toEqual({ kind: "protocols", command: "show protocols", all: false });
  });

  it("keeps every filter word of `show route ... count` and of `show route ...`", () => {
    expect(matchBirdCommand(words("show route export kernel1 count"))).toEqual({ kind: "route-count", command: "show route export kernel1 count" });
    expect(matchBirdCommand(words("show route count table master4"))).toEqual({ kind: "route-count", command: "show route count table master4" });
    expect(matchBirdCommand(words("show route for 10.0.0.1 all"))).toEqual({ kind: "routes", command: "show route for 10.0.0.1 all" });
    expect(matchBirdCommand(["show", "route", "where", "net ~ [ 10.0.0.0/8+ ]"])).toEqual({ kind: "routes", command: "show route where net ~ [ 10.0.0.0/8+ ]" });
  });

  it("a quoted string is one word: `count` inside it is not the count option", () => {
    expect(splitBirdWords('show route where proto = "a count" all')).toEqual(["show", "route", "where", "proto", "=", '"a count"', "all"]);
    expect(matchBirdCommand(["show", "route", "where", "proto", "=", '"a count"'])).toMatchObject({ kind: "routes" });
  });

  it("refuses shapes no parser represents, with FW_INVALID_TOKEN, instead of answering another question", () => {
    for (const command of [
      "show protocols all up_a4 up_b4", // two names
      "show protocols up_a4 all", // a name, then more
      'show protocols "up_*"', // a pattern
      "show status now",
      "show memory all",
      "show route stats",
      "show route export kernel1 stats",
      "show proto all up_a4", // BIRD abbreviations are not guessed
      "show interfaces",
      "configure",
      "show route protocol", // a name missing
    ]) {
      const err = refusal(command);
      expect(isFibwardenError(err, "FW_INVALID_TOKEN"), command).toBe(true);
    }
    expect((refusal("show route stats") as Error).message).toMatch(/no parser for `show route \.\.\. stats`; use --raw/);
  });

  it("validates names (checkBirdName) and refuses control characters", () => {
    for (const command of ["show protocols all up;a4", "show route protocol up_a4;x", "show route export -x", "show route table 1x"]) {
      const err = refusal(command);
      expect(isFibwardenError(err, "FW_INVALID_TOKEN"), command).toBe(true);
      expect((err as Error).message, command).toMatch(/invalid BIRD (protocol|table) name/);
    }
    expect(isFibwardenError(refusal("show status\tx"), "FW_INVALID_TOKEN")).toBe(true);
    try {
      matchBirdCommand(["show status\nconfigure"]);
      throw new Error("not refused");
    } catch (err) {
      expect(isFibwardenError(err, "FW_INVALID_TOKEN")).toBe(true);
    }
  });
});

describe("runBirdCommand against a fake BIRD", () => {
  let fake: FakeBird | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = "";
    let err = "";
    const code = await runBirdCommand(["--socket", fake!.socketPath, ...args], (t) => { out += t; }, (t) => { err += t; });
    return { code, out, err };
  };
  const sent = (): string[] => fake!.commands.filter((c) => c !== "restrict");

  it("show protocols all NAME sends NAME and prints only it", async () => {
    fake = await startFakeBird("bird-2.0.12");
    const r = await run(["show", "protocols", "all", "up_a4"]);
    expect(r, r.err).toMatchObject({ code: 0, err: "" });
    expect(sent()).toEqual(["show protocols all up_a4"]);
    const printed = JSON.parse(r.out) as Array<{ name: string; bgp?: { neighborAddress?: string } }>;
    expect(printed.map((p) => p.name)).toEqual(["up_a4"]);
    expect(printed[0]!.bgp?.neighborAddress).toBe("10.111.1.1");
  });

  it("show protocols NAME sends NAME without `all`", async () => {
    fake = await startFakeBird("bird-2.0.12", { replies: {
      "show protocols up_b4": "2002-Name       Proto      Table      State  Since         Info\n1002-up_b4      BGP        ---        up     18:53:18.403  Established   \n0000 \n",
    } });
    const r = await run(["show", "protocols", "up_b4"]);
    expect(r.code, r.err).toBe(0);
    expect(sent()).toEqual(["show protocols up_b4"]);
    expect((JSON.parse(r.out) as Array<{ name: string }>).map((p) => p.name)).toEqual(["up_b4"]);
  });

  it("a reply that holds another protocol is an error, not an answer", async () => {
    fake = await startFakeBird("bird-2.0.12", { replies: {
      "show protocols up_b4": "2002-Name       Proto      Table      State  Since         Info\n1002-up_a4      BGP        ---        up     18:53:18.403  Established   \n0000 \n",
    } });
    const r = await run(["show", "protocols", "up_b4"]);
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err).toMatch(/^fibwarden bird: FW_BIRD_PARSE: show protocols up_b4: BIRD answered with up_a4, not up_b4\n$/);
  });

  it("a protocol BIRD does not know is BIRD's error (exit 1)", async () => {
    fake = await startFakeBird("bird-2.0.12");
    const r = await run(["show", "protocols", "all", "nonexistent"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^fibwarden bird: FW_BIRD_COMMAND: /);
  });

  it("show route ... count keeps its filter words", async () => {
    fake = await startFakeBird("bird-2.0.12");
    const r = await run(["show", "route", "export", "kernel1", "count"]);
    expect(r.code, r.err).toBe(0);
    expect(sent()).toEqual(["show route export kernel1 count"]);
    expect(JSON.parse(r.out)).toEqual({
      tables: [{ table: "master4", shown: 311, routes: 355, networks: 311 }],
      total: { shown: 311, routes: 355, networks: 311, tables: 1 },
    });
  });

  it("refusals reach nothing: no connection, exit 1, the code on stderr", async () => {
    fake = await startFakeBird("bird-2.0.12");
    for (const args of [["show", "protocols", "all", "up_a4", "up_b4"], ["show", "route", "stats"], ["show", "protocols", "bad;name"]]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.out).toBe("");
      expect(r.err).toMatch(/^fibwarden bird: FW_INVALID_TOKEN: /);
    }
    expect(fake.commands).toEqual([]);
  });

  it("--raw passes every word to BIRD as typed", async () => {
    fake = await startFakeBird("bird-2.0.12");
    const r = await run(["--raw", "show", "protocols", "all", "up_a4"]);
    expect(r.code).toBe(0);
    expect(sent()).toEqual(["show protocols all up_a4"]);
    expect(r.out).toMatch(/^1002 up_a4 +BGP/m);
  });

  it("bad options are refused with a usage line, not thrown", async () => {
    fake = await startFakeBird("bird-2.0.12");
    for (const args of [["--nope", "show", "status"], ["--family", "5", "show", "protocols"], ["--timeout", "soon", "show", "status"]]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err, args.join(" ")).toMatch(/^fibwarden bird: /);
    }
    expect(fake.commands).toEqual([]);
  });
});
