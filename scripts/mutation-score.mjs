#!/usr/bin/env node
// Mutation score over every committed Stryker incremental file (reports/mutation/stryker-incremental*.json):
// `npm run mutate` and its per-area variants each keep their own file, so no single Stryker report
// covers src/core/ as a whole. Prints the score per area and in total, as Stryker computes it:
// (killed + timeout) / (killed + timeout + survived + no coverage); compile errors and ignored
// (static) mutants are not counted. `--survivors [substring]` also lists the survivors.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const dir = "reports/mutation";
const args = process.argv.slice(2);
const listAt = args.indexOf("--survivors");
const filter = listAt >= 0 ? (args[listAt + 1] ?? "") : null;

const files = new Map();
for (const name of readdirSync(dir).filter((n) => /^stryker-incremental.*\.json$/.test(n)).sort()) {
  const report = JSON.parse(readFileSync(join(dir, name), "utf8"));
  for (const [file, entry] of Object.entries(report.files ?? {})) {
    if (files.has(file)) throw new Error(`${file} is in two incremental files; keep each file in one area`);
    files.set(file, { ...entry, from: name });
  }
}

const empty = () => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, compileError: 0, ignored: 0 });
const key = { Killed: "killed", Timeout: "timeout", Survived: "survived", NoCoverage: "noCoverage", CompileError: "compileError", Ignored: "ignored", RuntimeError: "killed" };
const areaOf = (file) => {
  const parts = file.split("/");
  return parts.length > 3 ? parts.slice(0, 3).join("/") + "/" : file;
};
const score = (c) => {
  const detected = c.killed + c.timeout;
  const total = detected + c.survived + c.noCoverage;
  return total === 0 ? "n/a" : ((100 * detected) / total).toFixed(1) + " %";
};
const add = (a, b) => { for (const k of Object.keys(a)) a[k] += b[k]; };

const areas = new Map();
const totals = new Map();
for (const [file, entry] of files) {
  const c = empty();
  for (const m of entry.mutants) {
    const k = key[m.status];
    if (!k) throw new Error(`${file}: unknown mutant status ${m.status}`);
    c[k] += 1;
    if (filter !== null && (m.status === "Survived" || m.status === "NoCoverage") && file.includes(filter)) {
      const line = entry.source.split("\n")[m.location.start.line - 1]?.trim().slice(0, 90);
      console.log(`${file}:${m.location.start.line} ${m.status} ${m.mutatorName} ${JSON.stringify(m.replacement ?? "").slice(0, 50)} | ${line}`);
    }
  }
  const area = areaOf(file);
  if (!areas.has(area)) areas.set(area, empty());
  add(areas.get(area), c);
  const top = file.split("/").slice(0, 2).join("/") + "/";
  if (!totals.has(top)) totals.set(top, empty());
  add(totals.get(top), c);
}

const row = (name, c) =>
  `${name.padEnd(28)} ${score(c).padStart(8)}  killed ${String(c.killed + c.timeout).padStart(5)}  survived ${String(c.survived).padStart(4)}  no coverage ${String(c.noCoverage).padStart(3)}  compile errors ${String(c.compileError).padStart(4)}`;
console.log("area                           score");
for (const [area, c] of [...areas].sort()) console.log(row(area, c));
for (const [top, c] of [...totals].sort()) console.log(row(`${top} (all)`, c));

// Files of the mutated trees that no run has measured (yet): the totals above leave them out.
const walk = (d) => readdirSync(d).flatMap((n) => {
  const p = `${d}/${n}`;
  return statSync(p).isDirectory() ? walk(p) : p.endsWith(".ts") ? [p] : [];
});
const unmeasured = [...totals.keys()].flatMap((top) => walk(top.replace(/\/$/, ""))).filter((f) => !files.has(f));
if (unmeasured.length > 0) console.log(`no result (no mutable code, or not run yet), ${unmeasured.length} files: ${unmeasured.join(" ")}`);
