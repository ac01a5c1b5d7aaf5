/**
 * Question: how close do a mirror's first copy and a full repair of it come to the floor that
 * the configured paces allow (writes at the target's, reads at home's and the target's), and do
 * they ever write faster than the write pace?
 *
 * The sandbox mirrors `/team/` into another region (a replica target with
 * `bulkWritesPerSecond: 2`), SSM's rate limits on in both. The first copy starts in the
 * stream replicator the moment the mapping is written; what its invocation has no time for
 * goes to the replication syncer, invoked by its continuation schedule (here at once, not a
 * minute later) with its timeout shortened to 60 s so the copy spans invocations. Then every
 * replica is deleted by hand and the syncer's pass repairs the mirror.
 */
import { performance } from 'node:perf_hooks';
import { DeleteParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startSandbox, type Sandbox } from '../local/index.ts';
import { chunk } from '../shared/concurrency.ts';
import { DEFAULT_BULK_READS_PER_SECOND } from '../shared/replication/replica-targets.ts';
import type { ReplicationSyncReport } from '../shared/replication/replication-syncer.ts';
import type { SyncOutcome } from '../shared/sync/sync-pass.ts';
import type { BenchmarkOptions, BenchmarkReport } from './support/report.ts';
import { documentClient, putParameters, ssmClient } from './support/sandbox-setup.ts';
import { progress, runIfMain } from './support/standalone.ts';
import { round } from './support/stats.ts';

const ID = 'mirror-copy';
const GOAL_RATIO = 1.2;
const PACE = 2;
const TARGET_REGION = 'eu-central-1';
const SYNCER_TIMEOUT_SECONDS = 60;
/** The sandbox's read pace in both places: the default, as none is set. */
const READ_PACE = DEFAULT_BULK_READS_PER_SECOND;
/** The Parameter Store calls that wait a turn of the read pace. */
const READ_CALLS = ['GetParameter', 'GetParameters', 'GetParametersByPath', 'DescribeParameters', 'ListTagsForResource'];

interface CopyRun {
  readonly label: string;
  readonly seconds: number;
  /** The longest of the write floor and each place's read floor. */
  readonly floorSeconds: number;
  readonly homeReads: number;
  readonly targetReads: number;
  readonly puts: number;
  readonly invocations: string;
  /** The highest rate over any ten consecutive replica writes, writes per second. */
  readonly fastestRate: number;
}

/** Writes a rate is measured over: one pair of neighbours would show only network jitter. */
const RATE_SPAN = 10;

/** Replicas in the target, and the highest rate over any ten consecutive writes since `since`. */
function replicasIn(sandbox: Sandbox, since: number): { count: number; fastestRate: number } {
  const replicas = sandbox.ssm.snapshot({ region: TARGET_REGION }).filter((parameter) => parameter.name.startsWith('/dr/team/'));
  const times = replicas.map((replica) => replica.lastModifiedDate.getTime()).filter((time) => time >= since).sort((a, b) => a - b);
  let fastest = 0;
  for (let first = 0; first + RATE_SPAN < times.length; first++) {
    const span = ((times[first + RATE_SPAN] as number) - (times[first] as number)) / 1000;
    fastest = Math.max(fastest, RATE_SPAN / span);
  }
  return { count: replicas.length, fastestRate: fastest };
}

/** Runs the syncer's continuation schedule until it finds nothing left to do; returns the invocations. */
async function continueUntilIdle(sandbox: Sandbox): Promise<number> {
  let invocations = 0;
  for (;;) {
    const outcome = (await sandbox.continueSchedule('replication-syncer')) as SyncOutcome<ReplicationSyncReport>;
    if (outcome.status === 'idle') return invocations;
    if (outcome.status === 'busy') continue;
    invocations++;
  }
}

function putsInTarget(sandbox: Sandbox, before: Record<string, number>): number {
  return (sandbox.ssm.callCounts().PutParameter ?? 0) - (before.PutParameter ?? 0);
}

/** Read calls made in each place since `before` (from {@link readsNow}). */
function readsSince(sandbox: Sandbox, before: { home: number; target: number }): { home: number; target: number } {
  const now = readsNow(sandbox);
  return { home: now.home - before.home, target: now.target - before.target };
}

function readsNow(sandbox: Sandbox): { home: number; target: number } {
  const reads = (counts: Record<string, number>) => READ_CALLS.reduce((sum, operation) => sum + (counts[operation] ?? 0), 0);
  return { home: reads(sandbox.ssm.callCounts({})), target: reads(sandbox.ssm.callCounts({ region: TARGET_REGION })) };
}

/** The floor the paces allow: every write at the write pace, every read of a place at its read pace. */
function pacedFloor(writes: number, reads: { home: number; target: number }): number {
  return Math.max((writes - 1) / PACE, reads.home / READ_PACE, reads.target / READ_PACE);
}

export async function run({ quick }: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const size = quick ? 60 : 300;
  progress(ID, 'starting the sandbox');
  const sandbox = await startSandbox({
    auditedNamespaces: ['/audited-by-this-benchmark-nothing/'],
    replicaTargets: [{ region: TARGET_REGION, destinationPrefixes: ['/dr/'], bulkWritesPerSecond: PACE }],
    functions: { 'replication-syncer': { timeoutSeconds: SYNCER_TIMEOUT_SECONDS } },
  });
  try {
    const ssm = ssmClient(sandbox);
    const documents = documentClient(sandbox);
    progress(ID, `putting ${size} parameters under /team/`);
    await putParameters(ssm, Array.from({ length: size }, (_, i) => ({ name: `/team/p${String(i).padStart(4, '0')}`, value: `value-${i}` })));
    await sandbox.settle();
    sandbox.setFaults({ ssmRateLimits: true });

    progress(ID, `first copy of ${size} parameters at ${PACE} writes/s and ${READ_PACE} reads/s (write floor ${(size - 1) / PACE} s)`);
    let before = sandbox.ssm.callCounts();
    let readsBefore = readsNow(sandbox);
    let start = performance.now();
    const copyStart = Date.now();
    const destination = `arn:aws:ssm:${TARGET_REGION}:${sandbox.accountId}:parameter/dr/team/`;
    await documents.send(new PutCommand({ TableName: sandbox.tables.replication, Item: { destination, source: '/team/', type: 'mirror' } }));
    await sandbox.settle();
    const continued = await continueUntilIdle(sandbox);
    const firstSeconds = (performance.now() - start) / 1000;
    const first = replicasIn(sandbox, copyStart);
    if (first.count !== size) throw new Error(`the first copy left ${first.count} replicas, not ${size}`);
    const firstReads = readsSince(sandbox, readsBefore);
    const runs: CopyRun[] = [
      {
        label: 'first copy',
        seconds: firstSeconds,
        floorSeconds: pacedFloor(size, firstReads),
        homeReads: firstReads.home,
        targetReads: firstReads.target,
        puts: putsInTarget(sandbox, before),
        invocations: `stream replicator, then ${continued} syncer`,
        fastestRate: first.fastestRate,
      },
    ];

    progress(ID, `deleting every replica by hand; the syncer's pass repairs the mirror`);
    sandbox.setFaults({ ssmRateLimits: false });
    const target = new SSMClient({ endpoint: sandbox.endpoints.ssm, region: TARGET_REGION, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
    const replicas = sandbox.ssm.snapshot({ region: TARGET_REGION }).map((parameter) => parameter.name);
    for (const names of chunk(replicas, 10)) await target.send(new DeleteParametersCommand({ Names: names }));
    sandbox.setFaults({ ssmRateLimits: true });
    before = sandbox.ssm.callCounts();
    readsBefore = readsNow(sandbox);
    start = performance.now();
    const repairStart = Date.now();
    const outcome = (await sandbox.runSchedule('replication-syncer')) as SyncOutcome<ReplicationSyncReport>;
    const repairSeconds = (performance.now() - start) / 1000;
    const repaired = replicasIn(sandbox, repairStart);
    if (outcome.status !== 'finished' || repaired.count !== size) throw new Error(`the repair ended ${outcome.status} with ${repaired.count} replicas, not ${size}`);
    const repairReads = readsSince(sandbox, readsBefore);
    runs.push({
      label: 'full repair',
      seconds: repairSeconds,
      floorSeconds: pacedFloor(size, repairReads),
      homeReads: repairReads.home,
      targetReads: repairReads.target,
      puts: putsInTarget(sandbox, before),
      invocations: `${outcome.invocations} syncer`,
      fastestRate: repaired.fastestRate,
    });
    sandbox.setFaults({ ssmRateLimits: false });

    const worst = Math.max(...runs.map((each) => each.seconds / each.floorSeconds));
    const fastest = Math.max(...runs.map((each) => each.fastestRate));
    return {
      id: ID,
      title: `8. A mirror's first copy and full repair of ${size} parameters at ${PACE} writes/s and ${READ_PACE} reads/s`,
      question: `How long do a mirror's first copy and a full repair of ${size} parameters take at ${PACE} writes/s and ${READ_PACE} reads/s, next to the floor those paces allow, and is the write pace ever exceeded?`,
      goal: {
        statement: `wall time ≤ ${GOAL_RATIO}× the floor, and never faster than ${PACE} writes/s over ${RATE_SPAN} writes`,
        // The pace spaces the starts of the requests; 1 % is left for when they land.
        met: worst <= GOAL_RATIO && fastest <= PACE * 1.01,
        evidence: `${runs.map((each) => `${each.label}: ${round(each.seconds, 1)} s vs ${round(each.floorSeconds, 1)} s floor`).join('; ')}; fastest ${round(fastest, 3)} writes/s over any ${RATE_SPAN}`,
      },
      tables: [
        {
          caption: `Mirror /team/ → ${TARGET_REGION} /dr/team/ in the sandbox, SSM limits on (3 writes/s per region), replication-syncer timeout ${SYNCER_TIMEOUT_SECONDS} s.`,
          columns: ['run', 'replicas', 'PutParameter in the target', 'reads at home', 'reads in the target', 'invocations', 'paced floor s', 'wall s', 'wall / floor', `fastest writes/s over ${RATE_SPAN}`],
          rows: runs.map((each) => [
            each.label,
            size,
            each.puts,
            each.homeReads,
            each.targetReads,
            each.invocations,
            round(each.floorSeconds, 1),
            round(each.seconds, 1),
            round(each.seconds / each.floorSeconds, 2),
            round(each.fastestRate, 3),
          ]),
        },
      ],
      figures: Object.fromEntries(
        runs.flatMap((each, index) => {
          const key = index === 0 ? 'firstCopy' : 'repair';
          return [
            [`${key}.seconds`, round(each.seconds, 1)],
            [`${key}.ratioToFloor`, round(each.seconds / each.floorSeconds, 2)],
            [`${key}.fastestRate`, round(each.fastestRate, 3)],
          ];
        }),
      ),
      notes: [
        `The paced floor is the longest of (replicas − 1) / ${PACE} s (the write pace lets the first write go at once and each next one ${1000 / PACE} ms later) and each place's read calls / ${READ_PACE} s (GetParameter(s), DescribeParameters pages and ListTagsForResource, counted by the emulator per region): a mirror at the default paces is read-bound, as each replica is read in its chunk and again, fresh, right before it is written.`,
        'Wall time of the first copy runs from writing the mapping to the last continuation invocation that found nothing left; of the repair, the start schedule\'s invocation and the continuations after it.',
        `The rate is measured from the replicas' LastModifiedDate over every ${RATE_SPAN} consecutive writes (a sliding second would count ${PACE + 1} writes whenever two requests land a few milliseconds closer than they were sent); the pace is carried from one invocation to the next through the job's item, so the hand-over does not burst.`,
      ],
      durationMs: Date.now() - started,
    };
  } finally {
    await sandbox.stop();
  }
}

await runIfMain(import.meta.url, run);
