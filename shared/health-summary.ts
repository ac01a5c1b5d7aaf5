/**
 * What `figgy-events status` tells an operator, and whether anything needs their attention:
 * each syncer's last finished pass and open pass, the mappings the rule refuses, the dead
 * letters waiting. Pure: the CLI reads the parts, this judges them.
 */
import type { FunctionName } from './functions.ts';
import { AUDIT_PASS, CACHE_PASS, REPLICATION_PASS, type PassReading, type RepairKind } from './metric-counts.ts';
import { REPAIRS_NEED_ATTENTION } from './metrics.ts';
import type { MappingVerdict } from './replication/mapping-verdicts.ts';
import { readState } from './sync/job-lease.ts';
import { AUDIT_SYNC_JOB, CACHE_SYNC_JOB, REPLICATION_JOB, type SyncJob } from './sync/jobs.ts';
import type { PassState } from './sync/sync-pass.ts';
import type { FinishedPass, JobView } from './sync/types.ts';

/** The syncers' jobs, in the order status shows them. */
export const SYNC_JOBS: readonly SyncJob[] = [REPLICATION_JOB, CACHE_SYNC_JOB, AUDIT_SYNC_JOB];

// Each syncer's report is read as its metrics read it: a repair here is a repair on the dashboard.
const READINGS: Readonly<Record<SyncJob, PassReading<never>>> = {
  [REPLICATION_JOB]: REPLICATION_PASS as PassReading<never>,
  [CACHE_SYNC_JOB]: CACHE_PASS as PassReading<never>,
  [AUDIT_SYNC_JOB]: AUDIT_PASS as PassReading<never>,
};

/** The last pass that finished, as its job's item keeps it. */
export interface LastPass {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly invocations: number;
  /** What the pass checked: mappings, parameters listed, or events read. */
  readonly checked: number;
  /** Its repairs by kind, only the kinds it made; none for the job's first pass. */
  readonly repairs: Partial<Record<RepairKind, number>>;
  /** The job's first pass: what it changed (by the same kinds) brought the deployment in, as the metrics count it. */
  readonly firstPassChanges?: Partial<Record<RepairKind, number>>;
}

/** The pass open now, as its last checkpoint left it. */
export interface OpenPass {
  readonly startedAt: string;
  readonly minutesOpen: number;
  readonly invocations: number;
  /** The counts so far, as the syncer's report has them. */
  readonly counts: Readonly<Record<string, number>>;
  /** Open longer than the threshold: its invocations keep failing or stopping. */
  readonly wedged: boolean;
}

/** One syncer's job as status shows it. */
export interface SyncerStatus {
  readonly job: SyncJob;
  /** Absent when no pass has finished since the job's item began keeping it. */
  readonly lastPass?: LastPass;
  /**
   * Absent when no pass is open; `unreadable` when its state is of another release (the next
   * invocation begins a new pass).
   */
  readonly openPass?: OpenPass | 'unreadable';
  /** Who holds the job now, until when; absent when nobody does or the lease ran out. */
  readonly lease?: { readonly holder: string; readonly until: string };
  /** What other functions asked the job to take on, and start requests, waiting. */
  readonly requests: readonly string[];
}

/** A dead-letter queue's depth, or why it is not known. */
export interface DeadLetterDepth {
  readonly function: FunctionName;
  readonly queue: string;
  /** Messages waiting; absent when the queue could not be read. */
  readonly depth?: number;
  /** Why the depth is not known: `not readable` (access denied), `no such queue`, or the failure. */
  readonly unknown?: string;
}

/** The mappings the rule refuses now, or why they were not judged. */
export type MappingsStatus =
  | {
      readonly judged: true;
      readonly count: number;
      /** Refused and malformed mappings: replication writes nothing for them. */
      readonly refused: readonly Pick<MappingVerdict, 'destination' | 'status' | 'reason'>[];
      /** Mappings that could not be judged (a read failed): neither healthy nor not. */
      readonly unjudged: number;
    }
  | { readonly judged: false; readonly reason: string };

/** The whole summary, and what needs attention (empty when healthy). */
export interface HealthSummary {
  readonly at: string;
  readonly wedgedAfterMinutes: number;
  readonly syncers: readonly SyncerStatus[];
  readonly mappings: MappingsStatus;
  readonly deadLetters: readonly DeadLetterDepth[];
  /** One line per thing to look at; the exit code is 1 when there is any. */
  readonly attention: readonly string[];
}

/**
 * One syncer's job from its item (undefined: the job has never run) at `now`.
 *
 * @example
 * syncerStatus('replication-syncer', await progress.read('replication-syncer'), Date.now(), 180);
 */
export function syncerStatus(job: SyncJob, view: JobView | undefined, now: number, wedgedAfterMinutes: number): SyncerStatus {
  if (!view) return { job, requests: [] };
  const reading = READINGS[job];
  const last = view.lastPass === undefined ? undefined : (JSON.parse(view.lastPass) as FinishedPass<never>);
  const lastPass: LastPass | undefined = last && {
    startedAt: iso(last.startedAt),
    finishedAt: iso(last.finishedAt),
    seconds: Math.round((last.finishedAt - last.startedAt) / 1000),
    invocations: last.invocations,
    checked: reading.checked(last.report),
    ...firstPassOr(Object.fromEntries(Object.entries(reading.repairs(last.report)).filter(([, count]) => count > 0)), last.firstPass === true),
  };
  let openPass: SyncerStatus['openPass'];
  if (view.state !== undefined) {
    const state = readState<PassState<unknown, Record<string, unknown>>>(view.state);
    openPass = state
      ? {
          startedAt: iso(state.startedAt),
          minutesOpen: Math.floor((now - state.startedAt) / 60_000),
          invocations: state.invocations,
          counts: Object.fromEntries(Object.entries(state.report).filter((entry): entry is [string, number] => typeof entry[1] === 'number')),
          wedged: now - state.startedAt > wedgedAfterMinutes * 60_000,
        }
      : 'unreadable';
  }
  const held = view.owner !== undefined && view.leaseUntil !== undefined && view.leaseUntil >= now;
  return {
    job,
    ...(lastPass && { lastPass }),
    ...(openPass && { openPass }),
    ...(held && { lease: { holder: view.owner as string, until: iso(view.leaseUntil as number) } }),
    requests: view.requests,
  };
}

/**
 * What needs attention in the parts: a repair in a syncer's last pass (an event was lost or a
 * bug is live; the syncers whose repairs the construct alarms on, {@link REPAIRS_NEED_ATTENTION}),
 * a wedged pass, a mapping the rule refuses, a dead letter.
 *
 * @example
 * attentionOf({ syncers, mappings, deadLetters }); // ['replication-syncer repaired 1 destination-rewritten in its last pass', ...]
 */
export function attentionOf(parts: Pick<HealthSummary, 'syncers' | 'mappings' | 'deadLetters'>): string[] {
  const attention: string[] = [];
  for (const syncer of parts.syncers) {
    const repairs = syncer.lastPass?.repairs ?? {};
    if (Object.keys(repairs).length > 0 && REPAIRS_NEED_ATTENTION[syncer.job]) {
      attention.push(`${syncer.job} repaired ${countsByKind(repairs)} in its last pass (finished ${syncer.lastPass?.finishedAt})`);
    }
    const open = syncer.openPass;
    if (open !== undefined && open !== 'unreadable' && open.wedged) {
      attention.push(`${syncer.job}'s pass is wedged: open ${open.minutesOpen} minutes over ${open.invocations} invocation(s) since ${open.startedAt}; read its logs`);
    }
  }
  if (parts.mappings.judged) {
    for (const refused of parts.mappings.refused) {
      attention.push(`mapping ${refused.destination ?? '(no destination)'} is ${refused.status}: ${refused.reason ?? 'no reason given'}`);
    }
  }
  for (const queue of parts.deadLetters) {
    if (queue.depth !== undefined && queue.depth > 0) attention.push(`${queue.depth} dead letter(s) of ${queue.function} in ${queue.queue}`);
  }
  return attention;
}

/** The mappings' part of the summary from their verdicts. */
export function mappingsStatus(verdicts: readonly MappingVerdict[]): MappingsStatus {
  const refused = verdicts
    .filter((verdict) => verdict.status === 'refused' || verdict.status === 'malformed')
    .map(({ destination, status, reason }) => ({ ...(destination !== undefined && { destination }), status, ...(reason !== undefined && { reason }) }));
  return { judged: true, count: verdicts.length, refused, unjudged: verdicts.filter((verdict) => verdict.status === 'failed').length };
}

/**
 * Repairs or changes by kind as status and the sandbox say them.
 *
 * @example
 * countsByKind({ 'destination-rewritten': 2, 'index-row-added': 1 }); // '2 destination-rewritten, 1 index-row-added'
 */
export function countsByKind(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** A first pass's changes apart from repairs, as `SyncFirstPassChanges` counts them. */
function firstPassOr(changes: Partial<Record<RepairKind, number>>, first: boolean): Pick<LastPass, 'repairs' | 'firstPassChanges'> {
  return first ? { repairs: {}, firstPassChanges: changes } : { repairs: changes };
}
