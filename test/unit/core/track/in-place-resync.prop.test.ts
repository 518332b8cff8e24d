// A resync replaces a side in place (marks in the stored values, only differing keys kept apart):
// under any sequence of events and parted resyncs (parts interleaved, committed, aborted or left
// open; wholes committed, aborted, or abandoned by a new resync; enough aborted parts to use up
// the marks), both stores hold exactly what a plain model says, and every change is reported
// once, with the model's values before and after. Checked with numeric encodings (marks packed
// into the number) and with object encodings (marks boxed). The model shares no code with the
// stores: plain arrays and JSON.stringify for the canonical order.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DesiredStore, LiveStore, type Codec, type PartedResync, type StoreSpec } from "../../../../src/core/track/stores.js";

const RUNS = Math.max(30, Math.round(Number(process.env.FC_RUNS ?? 2000) / 10));

interface V { k: string; v: number }
const spec: StoreSpec<V> = { keyOf: (x) => x.k, equal: (a, b) => a.k === b.k && a.v === b.v };
const numeric: Codec<V, number> = { encode: (x) => x.v, decode: (k, e) => ({ k, v: e }), same: (a, b) => a === b };
const text = (x: V): string => JSON.stringify({ k: x.k, v: x.v });
const byText = (a: V, b: V): number => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0);

const keyArb = fc.constantFrom("a", "b", "c", "d", "e");
const valArb = fc.record({ k: keyArb, v: fc.nat(4) });

type Op =
  | { kind: "add"; x: V } | { kind: "remove"; x: V } | { kind: "setAt"; k: string; xs: V[] }
  | { kind: "set"; x: V } | { kind: "delete"; k: string }
  | { kind: "resync"; adds: Array<{ part: number; x: V }>; parts: Array<"commit" | "abort" | "open">; whole: "commit" | "abort" | "abandon" }
  | { kind: "spend"; parts: number };

const resyncArb = fc.integer({ min: 1, max: 4 }).chain((n) => fc.record({
  kind: fc.constant("resync" as const),
  adds: fc.array(fc.record({ part: fc.nat(n - 1), x: valArb }), { maxLength: 14 }),
  parts: fc.array(fc.constantFrom("commit" as const, "commit" as const, "abort" as const, "open" as const), { minLength: n, maxLength: n }),
  whole: fc.constantFrom("commit" as const, "commit" as const, "abort" as const, "abandon" as const),
}));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: valArb.map((x) => ({ kind: "add" as const, x })) },
  { weight: 1, arbitrary: valArb.map((x) => ({ kind: "remove" as const, x })) },
  { weight: 1, arbitrary: keyArb.chain((k) => fc.array(fc.nat(4), { maxLength: 3 }).map((vs) => ({ kind: "setAt" as const, k, xs: vs.map((v) => ({ k, v })) }))) },
  { weight: 2, arbitrary: valArb.map((x) => ({ kind: "set" as const, x })) },
  { weight: 1, arbitrary: keyArb.map((k) => ({ kind: "delete" as const, k })) },
  { weight: 6, arbitrary: resyncArb },
  { weight: 1, arbitrary: fc.integer({ min: 3, max: 600 }).map((parts) => ({ kind: "spend" as const, parts })) },
);

/** The live model: key → values (a multiset). The desired model: key → distinct values, smallest first. */
type LiveModel = Map<string, V[]>;
type DesiredModel = Map<string, V[]>;

const canonical = (xs: readonly V[]): V[] => [...xs].sort(byText);
const distinct = (xs: readonly V[]): V[] => canonical(xs).filter((x, i, all) => i === 0 || text(x) !== text(all[i - 1]!));

function snapshotLive(s: LiveStore<V, unknown>): Record<string, string[]> {
  return Object.fromEntries([...s.keys()].sort().map((k) => [k, s.get(k).map(text)]));
}
function snapshotDesired(s: DesiredStore<V, unknown>): Record<string, string[]> {
  return Object.fromEntries([...s.keys()].sort().map((k) => [k, [s.get(k)!, ...s.duplicatesAt(k)].map(text)]));
}
const modelSnapshot = (m: Map<string, V[]>): Record<string, string[]> =>
  Object.fromEntries([...m.keys()].sort().map((k) => [k, canonical(m.get(k)!).map(text)]));

function run(ops: Op[], codec: Codec<V, unknown> | undefined, marks: number): void {
  const liveReports: Array<[string, string[], string[]]> = [];
  const desiredReports: Array<[string, string[], string[]]> = [];
  const live = new LiveStore<V, unknown>(spec, (k, b, a) => liveReports.push([k, b.map(text), a.map(text)]), codec, marks);
  const desired = new DesiredStore<V, unknown>(spec, (k, b, a) => desiredReports.push([k, b.map(text), a.map(text)]), codec, marks);
  let lm: LiveModel = new Map();
  let dm: DesiredModel = new Map();
  for (const op of ops) {
    const beforeLive = new Map(lm);
    const beforeDesired = new Map(dm);
    liveReports.length = 0;
    desiredReports.length = 0;
    switch (op.kind) {
      case "add": live.add(op.x); lm.set(op.x.k, [...(lm.get(op.x.k) ?? []), op.x]); break;
      case "remove": {
        live.remove(op.x);
        const xs = lm.get(op.x.k) ?? [];
        const i = xs.findIndex((y) => text(y) === text(op.x));
        if (i >= 0) { const rest = xs.filter((_, j) => j !== i); if (rest.length > 0) lm.set(op.x.k, rest); else lm.delete(op.x.k); }
        break;
      }
      case "setAt": live.setAt(op.k, op.xs); if (op.xs.length > 0) lm.set(op.k, op.xs); else lm.delete(op.k); break;
      case "set": desired.set(op.x); dm.set(op.x.k, [op.x]); break;
      case "delete": desired.delete(op.k); dm.delete(op.k); break;
      case "spend": {
        // Aborted parts leave their marks: enough of them make the stores take every mark off.
        const l = live.beginParts();
        const d = desired.beginParts();
        for (let i = 0; i < Math.min(op.parts, marks / 2 - 1); i++) { l.part().add({ k: "a", v: i % 5 }); d.part().add({ k: "b", v: i % 5 }); }
        l.abort();
        d.abort();
        break;
      }
      case "resync": {
        const sides: Array<PartedResync<V>> = [live.beginParts(), desired.beginParts()];
        const parts = sides.map((s) => op.parts.map(() => s.part()));
        for (const { part, x } of op.adds) for (const ps of parts) ps[part]!.add(x);
        op.parts.forEach((end, i) => { for (const ps of parts) if (end === "commit") ps[i]!.commit(); else if (end === "abort") ps[i]!.abort(); });
        if (op.whole === "commit") {
          for (const s of sides) s.commit();
          const kept = op.adds.filter((a) => op.parts[a.part] === "commit").map((a) => a.x);
          lm = new Map();
          dm = new Map();
          for (const x of kept) lm.set(x.k, [...(lm.get(x.k) ?? []), x]);
          for (const [k, xs] of lm) dm.set(k, distinct(xs));
        } else if (op.whole === "abort") {
          for (const s of sides) s.abort();
        } else {
          // A new resync abandons the open one: it never takes effect, even if committed later.
          const next = [live.beginParts(), desired.beginParts()];
          for (const s of next) s.part().commit();
          for (const s of next) s.commit();
          for (const s of sides) s.commit();
          lm = new Map();
          dm = new Map();
        }
        break;
      }
    }
    expect(snapshotLive(live)).toEqual(modelSnapshot(lm));
    expect(snapshotDesired(desired)).toEqual(Object.fromEntries([...dm.keys()].sort().map((k) => [k, dm.get(k)!.map(text)])));
    // Reports: each changed key once, with the model's values before and after.
    const expectLive = [...new Set([...beforeLive.keys(), ...lm.keys()])].sort()
      .map((k) => [k, canonical(beforeLive.get(k) ?? []).map(text), canonical(lm.get(k) ?? []).map(text)] as [string, string[], string[]])
      .filter(([, b, a]) => JSON.stringify(b) !== JSON.stringify(a));
    expect([...liveReports].sort(([a], [b]) => (a < b ? -1 : 1))).toEqual(expectLive);
    const winner = (xs: V[] | undefined): string[] => (xs === undefined ? [] : [text(xs[0]!)]);
    const expectDesired = [...new Set([...beforeDesired.keys(), ...dm.keys()])].sort()
      .filter((k) => JSON.stringify((beforeDesired.get(k) ?? []).map(text)) !== JSON.stringify((dm.get(k) ?? []).map(text)))
      .map((k) => [k, winner(beforeDesired.get(k)), winner(dm.get(k))]);
    expect([...desiredReports].sort(([a], [b]) => (a < b ? -1 : 1))).toEqual(expectDesired);
  }
}

describe("in-place resync (property)", () => {
  // Few marks (10, 12) reuse them within a few resyncs; 1024 is what the trackers use.
  const marksArb = fc.constantFrom(10, 12, 1024);

  it("numeric encodings: the stores equal the model and report exactly the keys that changed", () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), marksArb, (ops, marks) => run(ops, numeric as Codec<V, unknown>, marks)), { numRuns: RUNS });
  });

  it("numbers that cannot carry a mark (negative, fractional: boxed instead): the same", () => {
    const odd: Codec<V, number> = { encode: (x) => x.v - 2.5, decode: (k, e) => ({ k, v: e + 2.5 }), same: (a, b) => a === b };
    fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), marksArb, (ops, marks) => run(ops, odd as Codec<V, unknown>, marks)), { numRuns: RUNS });
  });

  it("object encodings: the same", () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), marksArb, (ops, marks) => run(ops, undefined, marks)), { numRuns: RUNS });
  });

  it("a mark left by an aborted resync is not taken for a later part's, however many parts come between", () => {
    const live = new LiveStore<V, number>(spec, () => undefined, numeric, 10);
    live.replace([{ k: "a", v: 1 }, { k: "b", v: 1 }]);
    live.replace([{ k: "a", v: 1 }, { k: "b", v: 1 }]); // both now marked by this resync's part
    const aborted = live.beginParts();
    aborted.part().add({ k: "a", v: 1 }); // marks "a" again, then the whole fails
    for (let i = 0; i < 3; i++) aborted.part();
    aborted.abort();
    const alsoAborted = live.beginParts();
    for (let i = 0; i < 4; i++) alsoAborted.part();
    alsoAborted.abort();
    const resync = live.beginParts(); // its part must not reuse the mark "a" carries
    const part = resync.part();
    part.add({ k: "b", v: 1 });
    part.commit();
    resync.commit();
    expect([...live.keys()]).toEqual(["b"]);
  });

  it("unchanged keys keep their stored key objects and order across resyncs (no copy of the side)", () => {
    const live = new LiveStore<V, number>(spec, () => undefined, numeric);
    live.replace([{ k: "c", v: 1 }, { k: "a", v: 2 }, { k: "b", v: 3 }]);
    live.replace([{ k: "b", v: 3 }, { k: "a", v: 4 }, { k: "c", v: 1 }, { k: "d", v: 0 }]);
    expect([...live.keys()]).toEqual(["c", "a", "b", "d"]);
    expect(live.soleEncodedAt("c")).toBe(1);
    expect(live.soleEncodedAt("a")).toBe(4);
  });
});
