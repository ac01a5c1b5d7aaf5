/**
 * `--at` and every other time option: an ISO 8601 time with its zone, a date, or a time ago such as `2h`.
 */
import { UsageError } from './command-line.ts';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;
const AGO = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)(?:\s+ago)?$/i;
const SHORT_YEAR = /^(\d{1,3})-\d{1,2}-\d{1,2}(?:$|[Tt ])/;
const SIGNED_AGO = /^[+-]\s*(\d+(?:\.\d+)?\s*[smhdw])(?:\s+ago)?$/i;
// Date.UTC reads years 0-99 as 1900-1999, and nothing the audit log holds is older than epoch.
const EARLIEST_YEAR = 1970;
// RFC 3339's time-numoffset (ISO 8601's profile for the internet): hours 00-23, minutes 00-59.
// Real zones span -12:00 to +14:00, but the grammar is the rule people and tools check against;
// anything past it (+24:00, +99:99) is a typo that would otherwise move T by days.
const MAX_OFFSET_HOURS = 23;
const MAX_OFFSET_MINUTES = 59;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses a point in time into epoch ms; errors name `option`, the flag it was given to.
 *
 * A time of day must carry its zone (`Z` or `+02:00`): restoring to the wrong hour because a
 * shell and a server disagree on local time is the mistake this refuses to make. A bare date
 * is midnight UTC. `90s`, `15m`, `2h`, `3d`, `1w` (optionally followed by `ago`) count back from
 * `now`.
 *
 * An offset must be one RFC 3339 allows (hours 00-23, minutes 00-59), and a time ago may not
 * reach before 1970.
 *
 * A time after `now` is refused: nothing was recorded there yet, and restoring to it would
 * only mean "now" by accident. So is a year before 1970 (`0026-03-01` is a typo for 2026, not
 * the year 26 that `Date.UTC` would turn into 1926).
 *
 * @example
 * parsePointInTime('2026-03-01T10:07:30Z', Date.now()); // 1772359650000
 * parsePointInTime('2h', Date.parse('2026-03-01T12:00:00Z')); // 2026-03-01T10:00:00Z
 */
export function parsePointInTime(text: string, now: number, option = '--at'): number {
  const trimmed = text.trim();
  const ago = AGO.exec(trimmed);
  if (ago) {
    // Whole milliseconds, so that the T printed as ISO 8601 names this same T when passed again.
    const time = Math.round(now - Number(ago[1]) * (UNIT_MS[(ago[2] as string).toLowerCase()] as number));
    // Also catches spans too long for a Date (99999999w, or an Infinity of digits).
    if (!(time >= 0)) throw new UsageError(`${option} "${text}" reaches back to before 1970, before anything was recorded`);
    return time;
  }
  const signed = SIGNED_AGO.exec(trimmed);
  if (signed) {
    const span = (signed[1] as string).replace(/\s+/g, '');
    throw new UsageError(`${option} "${text}": a time ago has no sign; write "${span}" (or "${span} ago") for that long before now`);
  }

  const shortYear = SHORT_YEAR.exec(trimmed);
  if (shortYear) {
    throw new UsageError(`${option} "${text}": the year ${shortYear[1]} is not written in full; use four digits, such as 2026-03-01`);
  }
  const iso = ISO.exec(trimmed);
  if (!iso) {
    throw new UsageError(
      `${option} "${text}" is not a time: use ISO 8601 with a zone (2026-03-01T10:07:30Z, 2026-03-01T11:07:30+01:00), ` +
        'a date (2026-03-01, midnight UTC) or a time ago (90s, 15m, 2h, 3d, 1w)',
    );
  }
  const [, year, month, day, hour, minute, second, fraction, utc, sign, offsetHours, offsetMinutes] = iso;
  if (Number(year) < EARLIEST_YEAR) {
    throw new UsageError(`${option} "${text}": the year ${year} is before ${EARLIEST_YEAR}; write the year in full, such as 2026`);
  }
  if (hour !== undefined && utc === undefined && sign === undefined) {
    throw new UsageError(`${option} "${text}" has no time zone: add Z for UTC or an offset such as +01:00`);
  }
  if (sign !== undefined && (Number(offsetHours) > MAX_OFFSET_HOURS || Number(offsetMinutes) > MAX_OFFSET_MINUTES)) {
    throw new UsageError(
      `${option} "${text}": the offset ${trimmed.slice(trimmed.lastIndexOf(sign))} is not a time zone offset; ` +
        'write +hh:mm or -hh:mm with hours 00-23 and minutes 00-59, such as +01:00',
    );
  }
  const parts = [Number(year), Number(month) - 1, Number(day), Number(hour ?? 0), Number(minute ?? 0), Number(second ?? 0)];
  const millis = Number((fraction ?? '0').padEnd(3, '0').slice(0, 3));
  const utcTime = Date.UTC(parts[0] as number, parts[1] as number, parts[2] as number, parts[3] as number, parts[4] as number, parts[5] as number, millis);
  const check = new Date(utcTime);
  // Date.UTC rolls 2026-02-30 over into March; a mistyped date should be an error instead.
  if (
    check.getUTCMonth() !== parts[1] ||
    check.getUTCDate() !== parts[2] ||
    check.getUTCHours() !== parts[3] ||
    check.getUTCMinutes() !== parts[4] ||
    check.getUTCSeconds() !== parts[5]
  ) {
    throw new UsageError(`${option} "${text}" is not a valid date and time`);
  }
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  const time = utcTime - offset;
  // A year of 1970 with a positive offset still lands before it.
  if (time < 0) throw new UsageError(`${option} "${text}" is before 1970, before anything was recorded`);
  if (time > now) {
    throw new UsageError(
      `${option} "${text}" is in the future (now is ${new Date(now).toISOString()}): nothing has been recorded there yet`,
    );
  }
  return time;
}

/**
 * The option that names `at` again, absolutely: what to pass to plan or apply for the same T
 * later, when a time ago such as `2h` would mean another moment.
 *
 * @example
 * rerunAt(Date.parse('2026-03-01T10:00:00Z')); // '--at 2026-03-01T10:00:00.000Z'
 */
export function rerunAt(at: number): string {
  return `--at ${new Date(at).toISOString()}`;
}
