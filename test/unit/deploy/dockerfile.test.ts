// Static checks of deploy/Dockerfile (no container engine runs in CI): Node 24 base images,
// every COPY source exists in the repository, the build and runtime steps the brief names, a
// non-root numeric USER, no file capabilities, and `fibwarden run` as the entrypoint.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../../", import.meta.url);
const read = (rel: string): string => readFileSync(new URL(rel, ROOT), "utf8");

/** One Dockerfile instruction: keyword, argument text, and the stage it belongs to. */
interface Instruction { keyword: string; args: string; stage: number }

/** Parses a Dockerfile: drops comments, joins `\` continuations, splits keyword and arguments. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  let stage = -1;
  for (const raw of text.split("\n")) {
    if (/^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, "");
    if (line.endsWith("\\")) { pending += `${line.slice(0, -1)} `; continue; }
    const full = `${pending}${line}`.trim();
    pending = "";
    if (full === "") continue;
    const m = /^([A-Za-z]+)\s+(.*)$/s.exec(full);
    if (m === null) throw new Error(`cannot parse Dockerfile line: ${full}`);
    const keyword = m[1]!.toUpperCase();
    if (keyword === "FROM") stage++;
    out.push({ keyword, args: m[2]!.replace(/\s+/g, " ").trim(), stage });
  }
  return out;
}

const instructions = parseDockerfile(read("deploy/Dockerfile"));
const all = (keyword: string): Instruction[] => instructions.filter((i) => i.keyword === keyword);
const stages = all("FROM").map((f) => ({ stage: f.stage, image: f.args.split(" ")[0]!, name: /\bAS (\S+)$/i.exec(f.args)?.[1] }));
const runtimeStage = stages[stages.length - 1]!.stage;
const inRuntime = (keyword: string): Instruction[] => all(keyword).filter((i) => i.stage === runtimeStage);

/** Global ARG defaults (before the first FROM), for `FROM ${NODE_IMAGE}`. */
const args = Object.fromEntries(all("ARG").filter((a) => a.stage === -1).map((a) => {
  const [k, v = ""] = a.args.split("=");
  return [k!, v];
}));
const resolve = (s: string): string => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => args[a ?? b ?? ""] ?? "");

describe("deploy/Dockerfile", () => {
  it("every stage builds on Node 24 (LTS), Debian slim", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(resolve(s.image), `stage ${s.name ?? s.stage}`).toMatch(/^node:24(\.\d+)*-(bookworm|trixie)-slim$/);
  });

  it("builds with npm ci && npm run build, and ships production dependencies only", () => {
    const runs = all("RUN").map((r) => r.args);
    const build = stages.find((s) => s.name === "build")!;
    const buildRuns = all("RUN").filter((r) => r.stage === build.stage).map((r) => r.args).join(" && ");
    expect(buildRuns).toMatch(/npm ci\b/);
    expect(buildRuns).toMatch(/npm run build\b/);
    expect(runs.some((r) => /npm ci --omit=dev\b/.test(r))).toBe(true);
    // The runtime stage never installs dev dependencies itself.
    for (const r of inRuntime("RUN")) expect(r.args).not.toMatch(/npm (ci|install)(?! --omit=dev)/);
    const copiedIntoRuntime = inRuntime("COPY").map((c) => c.args).join("\n");
    expect(copiedIntoRuntime).toMatch(/--from=build \/src\/dist\/ \.\/dist\//);
    expect(copiedIntoRuntime).toMatch(/--from=deps \/app\/node_modules\//);
    expect(copiedIntoRuntime).toMatch(/\bproto\//);
    expect(copiedIntoRuntime).toMatch(/\bpackage\.json\b/);
  });

  it("every COPY source from the build context exists in the repository", () => {
    const sources: string[] = [];
    for (const c of all("COPY")) {
      const parts = c.args.split(" ").filter((p) => !p.startsWith("--"));
      if (c.args.includes("--from=")) continue; // from another stage, not the context
      sources.push(...parts.slice(0, -1));
    }
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) expect(existsSync(new URL(s, ROOT)), `COPY ${s}`).toBe(true);
  });

  it("the build compiles what the image runs: package.json's bin is the entrypoint", () => {
    const pkg = JSON.parse(read("package.json")) as { bin: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.scripts.build).toBe("tsc -p tsconfig.build.json && node scripts/bundle.mjs");
    expect(pkg.bin.fibwarden).toBe("dist/bin/fibwarden.mjs");
    expect(read("scripts/bundle.mjs")).toMatch(/entryPoints: \{ fibwarden: `\$\{root\}dist\/cli\/main\.js` \}/);
    expect(existsSync(new URL("src/cli/main.ts", ROOT))).toBe(true);
    expect(read("src/cli/main.ts").startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(inRuntime("RUN").map((r) => r.args).join("\n")).toMatch(/ln -s \/app\/dist\/bin\/fibwarden\.mjs \/usr\/local\/bin\/fibwarden/);
    expect(all("RUN").map((r) => r.args).join("\n")).toMatch(/chmod 0755 dist\/bin\/fibwarden\.mjs/);
  });

  it("installs iproute2 in the runtime image", () => {
    expect(inRuntime("RUN").map((r) => r.args).join("\n")).toMatch(/apt-get install -y --no-install-recommends iproute2\b/);
  });

  it("switches to a non-root numeric USER (uid 65532) before the entrypoint", () => {
    const users = inRuntime("USER");
    expect(users.length).toBe(1);
    const [uid, gid] = users[0]!.args.split(":");
    expect(uid).toBe("65532");
    expect(gid).toBe("65532");
    const order = instructions.filter((i) => i.stage === runtimeStage).map((i) => i.keyword);
    expect(order.indexOf("USER")).toBeLessThan(order.indexOf("ENTRYPOINT"));
  });

  it("grants no capability itself: no setcap, no file capabilities, no setuid tricks", () => {
    const text = all("RUN").map((r) => r.args).join("\n");
    expect(text).not.toMatch(/\bsetcap\b/);
    expect(text).not.toMatch(/libcap2-bin/);
    expect(text).not.toMatch(/chmod [ug]?\+s\b|chmod [0-7]?[4-7][0-7]{3}\b/);
  });

  it("runs `fibwarden run` with the default config path", () => {
    const entry = inRuntime("ENTRYPOINT");
    expect(entry.length).toBe(1);
    expect(JSON.parse(entry[0]!.args)).toEqual(["fibwarden", "run"]);
    expect(JSON.parse(inRuntime("CMD")[0]!.args)).toEqual(["--config", "/etc/fibwarden/config.yaml"]);
  });
});
