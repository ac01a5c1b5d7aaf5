/**
 * Question: how close does the replication syncer come, at 10,000 mappings, to the fastest
 * run SSM's rate limits allow?
 *
 * The sandbox runs with SSM's default limits (GetParameters 40/s, PutParameter 3/s, each a
 * token bucket holding one second of burst). 10,000 app mappings each copy their own source,
 * so a run reads 20,000 names: 2,000 GetParameters calls of ten names. The floor is what the
 * bucket allows, (reads − 40) / 40 s, or (writes − 1) / 2 s for the destinations it must
 * repair at the default pace of repairs if that is longer (the two overlap). Two runs: every
 * destination in sync (no writes),
 * then with some drifted.
 */
import { performance } from 'node:perf_hooks';
import { startSandbox, type Sandbox } from '../local/index.ts';
import { GET_PARAMETERS_BATCH_SIZE } from '../shared/aws/ssm-parameters.ts';
import { DEFAULT_RATE_LIMITS } from '../local/ssm/index.ts';
import { DEFAULT_BULK_WRITES_PER_SECOND } from '../shared/replication/replica-targets.ts';
import type { ReplicationSyncReport } from '../shared/replication/replication-syncer.ts';
import type { SyncOutcome } from '../shared/sync/sync-pass.ts';
import type { BenchmarkOptions, BenchmarkReport } from './support/report.ts';
import { batchWrite, documentClient, putParameters, ssmClient } from './support/sandbox-setup.ts';
import { progress, runIfMain } from './support/standalone.ts';
import { round } from './support/stats.ts';

const ID = 'replication-syncer';
const GOAL_RATIO = 1.5;

const source = (i: number) => `/shared/sync/s${i}`;
const destination = (i: number) => `/app/sync/d${i}`;

interface SyncRun {
  readonly label: string;
  readonly seconds: number;
  readonly floorSeconds: number;
  readonly report: ReplicationSyncReport;
  readonly getParametersCalls: number;
  readonly getParametersNeeded: number;
  readonly putParameterCalls: number;
}

/** Seconds the token buckets need for `calls` calls at `rate`/s, the first second's burst free. */
function bucketSeconds(calls: number, rate: number): number {
  return Math.max(0, calls - rate) / rate;
}

async function timedSync(sandbox: Sandbox, label: string, names: number): Promise<SyncRun> {
  await sandbox.settle();
  sandbox.setFaults({ ssmRateLimits: true });
  const before = sandbox.ssm.callCounts();
  const start = performance.now();
  const outcome = (await sandbox.runSchedule('replication-syncer')) as SyncOutcome<ReplicationSyncReport>;
  if (outcome.status !== 'finished') throw new Error(`the replication syncer ended as ${outcome.status}`);
  const { report } = outcome;
  const seconds = (performance.now() - start) / 1000;
  const after = sandbox.ssm.callCounts();
  sandbox.setFaults({ ssmRateLimits: false });
  const delta = (operation: string) => (after[operation] ?? 0) - (before[operation] ?? 0);
  const getParametersNeeded = Math.ceil(names / GET_PARAMETERS_BATCH_SIZE);
  // Reads and paced repairs overlap (a repair waits its turn while later chunks are read), so
  // the floor is the slower of the two: the read bucket, or the pace of repairs (the first at
  // once, each next one a pace later).
  const floorSeconds = Math.max(
    bucketSeconds(getParametersNeeded, DEFAULT_RATE_LIMITS.read),
    Math.max(0, report.written - 1) / DEFAULT_BULK_WRITES_PER_SECOND,
  );
  return {
    label,
    seconds,
    floorSeconds,
    report,
    getParametersCalls: delta('GetParameters'),
    getParametersNeeded,
    putParameterCalls: delta('PutParameter'),
  };
}

export async function run({ quick }: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const mappings = quick ? 1_000 : 10_000;
  const drifted = quick ? 6 : 30;
  progress(ID, 'starting the sandbox');
  const sandbox = await startSandbox({
    // Auditing 20,000 set-up writes would only slow the set-up; the syncer does not read the audit log.
    auditedNamespaces: ['/audited-by-this-benchmark-nothing/'],
  });
  try {
    const ssm = ssmClient(sandbox);
    const documents = documentClient(sandbox);
    const indices = Array.from({ length: mappings }, (_, i) => i);
    progress(ID, `putting ${mappings} sources and ${mappings} destinations already in sync (rate limits off)`);
    await putParameters(ssm, indices.flatMap((i) => [
      { name: source(i), value: `value-${i}` },
      { name: destination(i), value: `value-${i}` },
    ]));
    progress(ID, `writing ${mappings} mappings with BatchWriteItem; the stream replicator indexes each`);
    await batchWrite(documents, sandbox.tables.replication, indices.map((i) => ({ destination: destination(i), source: source(i), type: 'app' })));
    await sandbox.settle();

    const names = 2 * mappings;
    progress(ID, `syncer run 1: ${mappings} mappings in sync, SSM rate limits on`);
    const inSync = await timedSync(sandbox, 'all in sync', names);

    const spread = Math.floor(mappings / drifted);
    progress(ID, `drifting ${drifted} destinations`);
    await putParameters(ssm, Array.from({ length: drifted }, (_, n) => ({ name: destination(n * spread), value: 'drifted' })));
    progress(ID, `syncer run 2: ${drifted} drifted destinations, SSM rate limits on`);
    const withDrift = await timedSync(sandbox, `${drifted} drifted`, names);

    const runs = [inSync, withDrift];
    for (const result of runs) {
      if (result.report.mappings !== mappings) throw new Error(`${result.label}: the syncer saw ${result.report.mappings} mappings, not ${mappings}`);
    }
    if (withDrift.report.written !== drifted) throw new Error(`the syncer repaired ${withDrift.report.written} destinations, not ${drifted}`);
    const worst = Math.max(...runs.map((result) => result.seconds / result.floorSeconds));
    const figures: Record<string, number> = { mappings, worstRatioToFloor: round(worst, 2) };
    runs.forEach((result, index) => {
      const key = index === 0 ? 'inSync' : 'drifted';
      figures[`${key}.seconds`] = round(result.seconds, 1);
      figures[`${key}.floorSeconds`] = round(result.floorSeconds, 1);
      figures[`${key}.getParametersCalls`] = result.getParametersCalls;
      figures[`${key}.written`] = result.report.written;
    });
    return {
      id: ID,
      title: `3. Replication syncer at ${mappings.toLocaleString('en')} mappings under SSM rate limits`,
      question: `How long does one replication-syncer run take at ${mappings.toLocaleString('en')} mappings with SSM's rate limits on, next to the floor those limits allow?`,
      goal: {
        statement: `wall time ≤ ${GOAL_RATIO}× the floor`,
        met: worst <= GOAL_RATIO,
        evidence: runs.map((result) => `${result.label}: ${round(result.seconds, 1)} s vs ${round(result.floorSeconds, 1)} s floor`).join('; '),
      },
      tables: [
        {
          caption: `One pass of \`replication-syncer\` in the sandbox; SSM limits ${DEFAULT_RATE_LIMITS.read} reads/s and ${DEFAULT_RATE_LIMITS.write} writes/s per operation, repairs paced at ${DEFAULT_BULK_WRITES_PER_SECOND} writes/s.`,
          columns: [
            'run',
            'mappings',
            'names read',
            'GetParameters needed',
            'GetParameters sent (throttled included)',
            'destinations written',
            'PutParameter sent',
            'floor s',
            'wall s',
            'wall − floor s',
            'wall / floor',
          ],
          rows: runs.map((result) => [
            result.label,
            result.report.mappings,
            names,
            result.getParametersNeeded,
            result.getParametersCalls,
            result.report.written,
            result.putParameterCalls,
            round(result.floorSeconds, 1),
            round(result.seconds, 1),
            round(result.seconds - result.floorSeconds, 1),
            round(result.seconds / result.floorSeconds, 2),
          ]),
        },
      ],
      figures,
      notes: [
        'Wall time is `sandbox.runSchedule()` on a settled sandbox: the invocation plus the events its own writes cause; Scan of the mappings and the source index rebuild are inside it.',
        'The floor gives the first second of the read bucket free, so it is slightly below reads / 40; paced repairs overlap with the reads of later chunks, so the floor is the larger of the two, not their sum. It counts one GetParameters per ten names and one PutParameter per repaired destination; the replicator also reads a drifted destination\'s sources again right before writing and once after (so a source changed since the snapshot is never overwritten by its older value): those reads are in the wall time, not in the floor.',
        'What is above the floor is mostly a fixed cost of the first throttles: the four workers spend the bucket\'s burst in milliseconds, the throttled calls back off (adaptive retry, 500 ms base for throttling) and the client lowers its rate, then climbs back. A long run amortizes it; a short one (--quick, 1,000 mappings) shows it as a larger ratio.',
        'The set-up (sources, destinations, mappings) runs with the limits off and is not timed; the auditor is pointed at a namespace the benchmark never writes, only to make the set-up shorter.',
      ],
      durationMs: Date.now() - started,
    };
  } finally {
    await sandbox.stop();
  }
}

await runIfMain(import.meta.url, run);
