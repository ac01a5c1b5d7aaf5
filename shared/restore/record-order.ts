/**
 * The order in which one parameter's audit records happened.
 */
import type { AuditRecord } from '../audit/types.ts';

const SECOND = 1000;

/** What the parameter was after the records placed so far; `unknown` before the first one. */
type Running =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'absent' }
  | { readonly kind: 'present'; readonly version: number };

/**
 * Sorts the records of one parameter into the order their changes happened.
 *
 * Seconds come first: CloudTrail's eventTime is all that orders two seconds. Within a second
 * the audit key's slot says nothing about order (a put takes the slot of its version, a delete
 * the slot after whatever was recorded first, and events arrive in any order), so the records
 * are replayed in the only order Parameter Store allows: within one incarnation the version is
 * the order, a delete ends an incarnation, and a put of version 1 starts the next.
 *
 * Where that leaves a choice (a delete and a re-creation up to the same version in one
 * second), the time SSM wrote each version decides: the auditor keeps it on the record
 * (`modifiedAt`, milliseconds). Records written without it (Figgy's own, or a value already
 * gone) are strung into incarnations, and the next seconds decide how such a second ended;
 * where nothing decides, the running incarnation continues before it ends, and in the log's
 * first second a delete comes before the version 1 it shares the second with. A history that
 * breaks the rules (a lost record) is placed breaking as few of them as it can.
 *
 * @example
 * // put v3, then delete, then re-create (v1), all in one second and recorded out of order:
 * orderRecords([recreateV1, putV3, deleteIt]); // [putV3, deleteIt, recreateV1]
 */
export function orderRecords(records: readonly AuditRecord[]): AuditRecord[] {
  const sorted = [...records].sort((a, b) => secondOf(a) - secondOf(b) || a.time - b.time);
  const seconds: AuditRecord[][] = [];
  for (const record of sorted) {
    const last = seconds.at(-1);
    if (last && secondOf(last[0] as AuditRecord) === secondOf(record)) last.push(record);
    else seconds.push([record]);
  }
  // Each second may leave a choice of how it ended, and only a later second can tell which
  // was true: keep the cheapest history (fewest broken rules) per way the parameter can
  // stand after each second, preferring the first-found among equals.
  let paths = new Map<string, Path>([['unknown', { running: { kind: 'unknown' }, breaks: 0 }]]);
  for (const second of seconds) {
    const next = new Map<string, Path>();
    for (const path of paths.values()) {
      for (const candidate of orderingsOfSecond(second, path.running)) {
        const last = candidate.at(-1) as AuditRecord;
        const running: Running = isPut(last) ? { kind: 'present', version: versionOf(last) } : { kind: 'absent' };
        const key = running.kind === 'present' ? `v${running.version}` : running.kind;
        const breaks = path.breaks + ruleBreaks(candidate, path.running);
        const known = next.get(key);
        if (!known || breaks < known.breaks) next.set(key, { running, breaks, second: candidate, before: path });
      }
    }
    paths = next;
  }
  const ordered: (readonly AuditRecord[])[] = [];
  const best = [...paths.values()].reduce((a, b) => (b.breaks < a.breaks ? b : a));
  for (let path: Path | undefined = best; path?.second; path = path.before) ordered.push(path.second);
  return ordered.reverse().flat();
}

/** A history up to some second, linked backwards so that extending it copies nothing. */
interface Path {
  readonly running: Running;
  readonly breaks: number;
  readonly second?: readonly AuditRecord[];
  readonly before?: Path;
}

/** The whole second of a record's event, which is all CloudTrail tells. */
export function secondOf(record: Pick<AuditRecord, 'eventTime'>): number {
  return Math.floor(record.eventTime / SECOND);
}

/** True for a put record; everything else the log holds is a delete of one form or another. */
export function isPut(record: AuditRecord): boolean {
  return record.action === 'PutParameter';
}

function versionOf(record: AuditRecord): number {
  return record.version ?? 0;
}

/**
 * The orders one second's records (in slot order) may have happened in, given what came
 * before, most likely first: with SSM's write times on every put, the one they give; else
 * each way of stringing the puts into incarnations and of choosing which comes last.
 */
function orderingsOfSecond(records: readonly AuditRecord[], running: Running): AuditRecord[][] {
  const puts = records.filter(isPut);
  const deletes = records.filter((record) => !isPut(record));
  const orderings =
    puts.every((put) => put.modifiedAt !== undefined)
      ? [byWriteTime(puts, deletes, running)]
      : (['running-first', 'newest-first'] as const).flatMap((prefer) => byIncarnation(puts, deletes, running, prefer));
  return [...replacedFirst(orderings, running), ...orderings];
}

/**
 * For a log's first second, the orderings with a delete moved before a version 1 that starts
 * them: the parameter may have existed before the log began, and a delete with a re-creation
 * in one second (a Terraform replace) is far more common than a parameter created and deleted
 * within its first second. Offered first, so it stands unless a later second says otherwise.
 */
function replacedFirst(orderings: readonly AuditRecord[][], running: Running): AuditRecord[][] {
  if (running.kind !== 'unknown') return [];
  return orderings.flatMap((ordering) => {
    const [first] = ordering;
    const deletion = ordering.find((record) => !isPut(record));
    if (!first || !deletion || !isPut(first) || versionOf(first) !== 1) return [];
    return [[deletion, ...ordering.filter((record) => record !== deletion)]];
  });
}

/** How many of Parameter Store's rules an order breaks, after `running`: each means a lost record. */
function ruleBreaks(ordered: readonly AuditRecord[], running: Running): number {
  let breaks = 0;
  let state = running;
  for (const record of ordered) {
    if (isPut(record)) {
      const expected = state.kind === 'present' ? state.version + 1 : state.kind === 'absent' ? 1 : undefined;
      if (expected !== undefined && versionOf(record) !== expected) breaks++;
      state = { kind: 'present', version: versionOf(record) };
    } else {
      if (state.kind === 'absent') breaks++;
      state = { kind: 'absent' };
    }
  }
  return breaks;
}

/**
 * SSM's write times order the puts; a delete falls wherever the next put does not continue
 * the incarnation before it, and the deletes left over come last.
 */
function byWriteTime(puts: readonly AuditRecord[], deletes: readonly AuditRecord[], running: Running): AuditRecord[] {
  const waiting = [...deletes];
  const ordered: AuditRecord[] = [];
  let version = running.kind === 'present' ? running.version : undefined;
  for (const put of [...puts].sort((a, b) => (a.modifiedAt as number) - (b.modifiedAt as number))) {
    if (version !== undefined && versionOf(put) <= version && waiting.length > 0) ordered.push(waiting.shift() as AuditRecord);
    ordered.push(put);
    version = versionOf(put);
  }
  return [...ordered, ...waiting];
}

/**
 * The version an incarnation running into this second had reached, if the second's records
 * continue one: the running state's, or for a history that began mid-life, one below the
 * lowest version that no run of this second can reach (so a complete history reads as one).
 */
function continuedVersion(records: readonly AuditRecord[], running: Running): number | undefined {
  if (running.kind === 'present') return running.version;
  if (running.kind === 'absent') return undefined;
  const { orphans } = stringRuns(records.filter(isPut), undefined, 'running-first');
  return orphans.length > 0 ? Math.min(...orphans) - 1 : undefined;
}

interface Run {
  last: number;
  readonly records: AuditRecord[];
}

/**
 * Strings puts into incarnations: each version continues a run that ended one below it, and
 * each version 1 starts a run of its own. Where two runs could take a version, `prefer` picks
 * the running incarnation or the newest one. A version above 1 that no run reaches (a record
 * is missing, or the history began mid-life) starts a run of its own and is reported.
 */
function stringRuns(puts: readonly AuditRecord[], continuedFrom: number | undefined, prefer: Preference) {
  const runs: Run[] = continuedFrom === undefined ? [] : [{ last: continuedFrom, records: [] }];
  const orphans: number[] = [];
  for (const put of [...puts].sort((a, b) => versionOf(a) - versionOf(b))) {
    const version = versionOf(put);
    const candidates = version === 1 ? [] : runs.filter((candidate) => candidate.last === version - 1);
    const run = prefer === 'running-first' ? candidates[0] : candidates.at(-1);
    if (run) {
      run.records.push(put);
      run.last = version;
    } else {
      if (version !== 1) orphans.push(version);
      runs.push({ last: version, records: [put] });
    }
  }
  return { runs, orphans };
}

type Preference = 'running-first' | 'newest-first';

/**
 * Without write times, the puts are strung into incarnations (see `stringRuns`): the running
 * incarnation goes first, then each new one after a delete; deletes left over come last. New
 * incarnations of one second may have come in any order, so one ordering is given per choice
 * of the incarnation that came last (the one the parameter was left in).
 */
function byIncarnation(
  puts: readonly AuditRecord[],
  deletes: readonly AuditRecord[],
  running: Running,
  prefer: Preference,
): AuditRecord[][] {
  const continuedFrom = continuedVersion(puts, running);
  const { runs } = stringRuns(puts, continuedFrom, prefer);
  const first = continuedFrom === undefined ? [] : runs.slice(0, 1);
  const fresh = runs.slice(first.length);
  const lastChoices = fresh.length === 0 ? [-1] : fresh.map((_, index) => fresh.length - 1 - index);
  return lastChoices.map((lastIndex) => {
    const order = [...first, ...fresh.filter((_, index) => index !== lastIndex), ...(lastIndex < 0 ? [] : [fresh[lastIndex] as Run])];
    const waiting = [...deletes];
    const ordered: AuditRecord[] = [];
    order.forEach((run, index) => {
      const continues = index === 0 && continuedFrom !== undefined;
      const afterSomething = index > 0 || running.kind === 'present';
      if (afterSomething && !continues && waiting.length > 0) ordered.push(waiting.shift() as AuditRecord);
      ordered.push(...run.records);
    });
    return [...ordered, ...waiting];
  });
}
