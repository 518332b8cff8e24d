// BIRD prints a protocol's `since` and the status' `Last reboot` / `Last reconfiguration` by
// turning a monotonic timestamp into wall-clock time at print time: real_now - (mono_now - t).
// The two clocks are not read at the same instant, so one instant can print differently from
// one query to the next:
//   BIRD 1.6  both clocks are whole seconds, read together: the printed second alternates
//             between two values (seen in the lab: `22:35:36` in 338 of 355 polls, `22:35:37`
//             in the others, for a protocol that never changed state);
//   BIRD 2/3  the real clock is read lazily, after the monotonic one, so a busy BIRD can print
//             a few milliseconds late.
// A signature compared as text would then change with nothing changed, and trigger full passes.

/** Largest difference between two printings taken as the same instant. */
export const BIRD_TIME_JITTER_MS = 1000;

const DAY_MS = 86_400_000;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const OLD_DATE = /^(\d{2})-(\d{2})-(\d{4})$/;

type ParsedTime = { kind: "of-day" | "absolute"; ms: number };

function timeOfDayMs(text: string): number | undefined {
  const m = TIME.exec(text);
  if (m === null) return undefined;
  const frac = m[4] === undefined ? 0 : Number(`0.${m[4]}`) * 1000;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + frac;
}

/** Parses `HH:MM:SS[.f]` (time of day) or `<date> HH:MM:SS[.f]` with an ISO or `DD-MM-YYYY` date. */
function parseBirdTime(text: string): ParsedTime | undefined {
  const space = text.indexOf(" ");
  if (space < 0) {
    const ms = timeOfDayMs(text);
    return ms === undefined ? undefined : { kind: "of-day", ms };
  }
  const date = text.slice(0, space);
  const ofDay = timeOfDayMs(text.slice(space + 1));
  const iso = ISO_DATE.exec(date);
  const old = iso === null ? OLD_DATE.exec(date) : null;
  if (ofDay === undefined || (iso === null && old === null)) return undefined;
  const [y, mo, d] = iso !== null ? [iso[1], iso[2], iso[3]] : [old![3], old![2], old![1]];
  return { kind: "absolute", ms: Date.UTC(Number(y), Number(mo) - 1, Number(d)) + ofDay };
}

/**
 * Returns `previous` when `text` prints the same instant as `previous` up to BIRD's clock
 * jitter (times of day compared around midnight), else `text`. Dates alone and formats it does
 * not know compare as text.
 */
export function steadyBirdTime(text: string, previous: string | undefined): string {
  if (previous === undefined || previous === text) return text;
  const a = parseBirdTime(previous);
  const b = parseBirdTime(text);
  if (a === undefined || b === undefined || a.kind !== b.kind) return text;
  let diff = Math.abs(a.ms - b.ms);
  if (a.kind === "of-day") diff = Math.min(diff, DAY_MS - diff);
  return diff <= BIRD_TIME_JITTER_MS ? previous : text;
}
