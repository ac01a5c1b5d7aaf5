/**
 * Question: do the two syncers finish a pass at 110,000 parameters and 100,000 mappings — more
 * than one Lambda invocation can do under SSM's rate limits — by continuing across
 * invocations from their checkpoints, never from the beginning, and how close do they come
 * to the floor their read pace (`bulkReadsPerSecond`, default 10 calls a second) sets?
 *
 * The sandbox holds 10,000 sources and 100,000 destinations (each source read by ten app
 * mappings), loaded as if they existed before the deployment: no events, no stream records,
 * an empty name cache and source index. The syncers' timeout is shortened to 60 s so a pass
 * needs several invocations; `runSchedule` invokes the start schedule, then the continuation
 * schedule until the pass is finished, as the one-minute schedule would without the wait.
 */
import { performance } from 'node:perf_hooks';
import { startSandbox, type Sandbox } from '../local/index.ts';
import { DEFAULT_RATE_LIMITS } from '../local/ssm/index.ts';
import { DEFAULT_BULK_READS_PER_SECOND, DEFAULT_BULK_WRITES_PER_SECOND } from '../shared/replication/replica-targets.ts';
import { GET_PARAMETERS_BATCH_SIZE } from '../shared/aws/ssm-parameters.ts';
import type { CacheSyncReport } from '../shared/cache/cache-syncer.ts';
import type { ScheduledFunctionName } from '../shared/functions.ts';
import type { ReplicationSyncReport } from '../shared/replication/replication-syncer.ts';
import type { SyncOutcome } from '../shared/sync/sync-pass.ts';
import type { BenchmarkOptions, BenchmarkReport } from './support/report.ts';
import { batchWrite, documentClient, putParameters, ssmClient } from './support/sandbox-setup.ts';
import { progress, runIfMain } from './support/standalone.ts';
import { round } from './support/stats.ts';

const ID = 'syncers-at-scale';
const TIMEOUT_SECONDS = 60;
const FANOUT = 10;
/** DescribeParameters lists at most 50 parameters a page. */
const DESCRIBE_PAGE = 50;
/** Throttled calls are sent again by the client; a pass begun again would send 2×. */
const SENT_PER_NEEDED_GOAL = 1.1;

const source = (k: number) => `/shared/scale/s${k}`;
const destination = (i: number) => `/app/scale/d${i}`;

interface Run<R> {
  readonly name: ScheduledFunctionName;
  readonly seconds: number;
  readonly invocations: number;
  readonly report: R;
  readonly calls: Record<string, number>;
}

async function timedPass<R>(sandbox: Sandbox, name: ScheduledFunctionName): Promise<Run<R>> {
  await sandbox.settle();
  sandbox.setFaults({ ssmRateLimits: true });
  const before = sandbox.ssm.callCounts();
  const start = performance.now();
  const outcome = (await sandbox.runSchedule(name)) as SyncOutcome<R>;
  const seconds = (performance.now() - start) / 1000;
  const after = sandbox.ssm.callCounts();
  sandbox.setFaults({ ssmRateLimits: false });
  if (outcome.status !== 'finished') throw new Error(`${name} ended its pass as ${outcome.status}`);
  const calls = Object.fromEntries(Object.keys(after).map((operation) => [operation, (after[operation] ?? 0) - (before[operation] ?? 0)]));
  return { name, seconds, invocations: outcome.invocations, report: outcome.report, calls };
}

/** Seconds SSM's token bucket needs for `calls` at `rate`/s, the first second's burst free. */
/** Seconds `calls` calls take at `rate` a second, the first at once. */
function pacedSeconds(calls: number, rate: number): number {
  return Math.max(0, calls - 1) / rate;
}

export async function run({ quick }: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const mappings = quick ? 10_000 : 100_000;
  const sources = mappings / FANOUT;
  const drifted = quick ? 10 : 60;
  progress(ID, 'starting the sandbox');
  const sandbox = await startSandbox({
    auditedNamespaces: ['/audited-by-this-benchmark-nothing/'],
    functions: {
      'replication-syncer': { timeoutSeconds: TIMEOUT_SECONDS },
      'config-cache-syncer': { timeoutSeconds: TIMEOUT_SECONDS },
    },
  });
  try {
    const ssm = ssmClient(sandbox);
    const documents = documentClient(sandbox);
    const parameters = sources + mappings;
    progress(ID, `loading ${parameters} parameters and ${mappings} mappings as if they existed before the deployment`);
    await sandbox.beforeDeployment(async () => {
      await putParameters(
        ssm,
        [
          ...Array.from({ length: sources }, (_, k) => ({ name: source(k), value: `value-${k}` })),
          ...Array.from({ length: mappings }, (_, i) => ({
            name: destination(i),
            // Every ⌈mappings / drifted⌉-th destination: exactly `drifted` of them.
            value: i % Math.ceil(mappings / drifted) === 0 ? 'drifted' : `value-${i % sources}`,
          })),
        ],
        32,
      );
      await batchWrite(
        documents,
        sandbox.tables.replication,
        Array.from({ length: mappings }, (_, i) => ({ destination: destination(i), source: source(i % sources), type: 'app' })),
      );
    });

    progress(ID, `config-cache-syncer: ${parameters} parameters, an empty cache, SSM rate limits on, ${TIMEOUT_SECONDS} s timeout`);
    const cache = await timedPass<CacheSyncReport>(sandbox, 'config-cache-syncer');
    progress(ID, `replication-syncer: ${mappings} mappings, no source index yet, ${drifted} drifted, SSM rate limits on`);
    const replication = await timedPass<ReplicationSyncReport>(sandbox, 'replication-syncer');

    if (cache.report.added !== parameters) throw new Error(`the cache syncer added ${cache.report.added} names, not ${parameters}`);
    if (replication.report.written !== drifted) throw new Error(`the replication syncer repaired ${replication.report.written} destinations, not ${drifted}`);

    // One pass's SSM work, read once: the listing, and every name it checks or reads.
    const listingPages = Math.ceil(parameters / DESCRIBE_PAGE);
    // A pass reads each mapping's source and destination right before judging it: a source
    // read minutes earlier for another chunk may be stale, so it is read again (ten a call).
    const getParametersNeeded = Math.ceil((2 * mappings) / GET_PARAMETERS_BATCH_SIZE);
    // Background reads are paced, the first call at once: SSM's bucket is never the limit.
    const cacheFloor = pacedSeconds(listingPages, DEFAULT_BULK_READS_PER_SECOND);
    // Paced repairs overlap the reads of later chunks: the floor is the slower of the two.
    const replicationFloor = Math.max(pacedSeconds(getParametersNeeded, DEFAULT_BULK_READS_PER_SECOND), pacedSeconds(drifted, DEFAULT_BULK_WRITES_PER_SECOND));
    const rows = [
      {
        run: cache,
        work: `${parameters.toLocaleString('en')} names listed and cached`,
        needed: `${3 * listingPages} DescribeParameters: the listing, the new names' second look, the cache's check`,
        sent: cache.calls.DescribeParameters ?? 0,
        perPass: 3 * listingPages,
        floor: cacheFloor,
      },
      {
        run: replication,
        work: `${mappings.toLocaleString('en')} mappings judged, ${drifted} repaired`,
        needed: `${getParametersNeeded} GetParameters: two names a mapping, ten a call`,
        sent: replication.calls.GetParameters ?? 0,
        perPass: getParametersNeeded,
        floor: replicationFloor,
      },
    ];
    // Several invocations, and every call of one pass sent once (throttled retries aside).
    const completed = rows.every((row) => row.run.invocations > 1 && row.sent / row.perPass <= SENT_PER_NEEDED_GOAL);
    return {
      id: ID,
      title: `7. Syncers at ${parameters.toLocaleString('en')} parameters and ${mappings.toLocaleString('en')} mappings, across invocations`,
      question: `Do both syncers finish a pass at ${parameters.toLocaleString('en')} parameters and ${mappings.toLocaleString('en')} mappings with SSM's rate limits on and a ${TIMEOUT_SECONDS} s timeout, continuing from their checkpoints?`,
      goal: {
        statement: `each pass needs several invocations and finishes, sending at most ${SENT_PER_NEEDED_GOAL}× the calls of one pass (none begun again)`,
        met: completed,
        evidence: rows.map((row) => `${row.run.name}: ${row.run.invocations} invocations, ${round(row.run.seconds, 0)} s vs ${round(row.floor, 0)} s floor`).join('; '),
      },
      tables: [
        {
          caption: `One pass per syncer in the sandbox, timeout ${TIMEOUT_SECONDS} s, SSM limits ${DEFAULT_RATE_LIMITS.read} reads/s and ${DEFAULT_RATE_LIMITS.write} writes/s; background reads paced at the default ${DEFAULT_BULK_READS_PER_SECOND} calls/s, repairs at ${DEFAULT_BULK_WRITES_PER_SECOND} writes/s.`,
          columns: ['syncer', 'work', 'one pass needs', 'sent (throttled included)', 'sent / needed', 'invocations', 'floor s', 'wall s', 'wall / floor'],
          rows: rows.map((row) => [
            row.run.name,
            row.work,
            row.needed,
            row.sent,
            round(row.sent / row.perPass, 2),
            row.run.invocations,
            round(row.floor, 0),
            round(row.run.seconds, 0),
            round(row.run.seconds / row.floor, 2),
          ]),
        },
      ],
      figures: Object.fromEntries(
        rows.flatMap((row) => [
          [`${row.run.name}.invocations`, row.run.invocations],
          [`${row.run.name}.seconds`, round(row.run.seconds, 1)],
          [`${row.run.name}.floorSeconds`, round(row.floor, 1)],
          [`${row.run.name}.sentPerNeeded`, round(row.sent / row.perPass, 2)],
        ]),
      ),
      notes: [
        'sent / needed near 1 is the evidence that no invocation began the pass again: every page or batch was read once, plus the calls SSM throttled and the client retried.',
        'One cache pass sends three listings\' worth of DescribeParameters on an empty cache: the listing, a second look at each name it adds (a listing that takes minutes races with live writes) and the check of every cached name in its second phase, 50 names a call; the floor counts the listing alone.',
        'The replication floor counts one GetParameters per ten names read (each mapping\'s source and destination) at the default read pace, or the repairs at the default write pace, whichever is slower; every invocation also reads all mappings from DynamoDB, which the floor leaves out.',
        'The cache floor counts only Parameter Store\'s listing, at the default read pace; a first pass into an empty cache also makes one DynamoDB transaction per name and each invocation scans the cache once, which on DynamoDB Local is most of the wall time.',
        'Set-up (110,000 PutParameter calls and 100,000 BatchWriteItem items) runs with the rate limits off, the event rule and the stream mapping paused, and is not timed.',
      ],
      durationMs: Date.now() - started,
    };
  } finally {
    await sandbox.stop();
  }
}

await runIfMain(import.meta.url, run);
