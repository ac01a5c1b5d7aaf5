/**
 * Question: once a PutParameter call returns, how long until its effects can be read: the
 * audit record, the cache item and the replicated destination?
 *
 * Writes go through the sandbox, each to a parameter of its own that an app mapping copies to
 * a destination of its own, so every effect belongs to exactly one write. The clock starts
 * when the PutParameter response reaches the writer.
 *
 * First the sandbox's capacity is measured (writes back to back, nobody watching); the paced
 * runs then write at half that rate, so the figure is the pipeline's latency and not a queue
 * that a slower machine would build. Effects are timed passively: the audit record and the
 * cache item by the functions' own log lines ("recorded", "cache updated"), which carry the
 * time they were written right after DynamoDB acknowledged the write; the destination when the
 * SSM emulator commits the replicated PutParameter. Beside it, the same pace is timed the way
 * this benchmark used to: consistent Queries of every write still missing an effect, every
 * 5 ms, from the same process — whose own load makes the tail it measures.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { startSandbox, type Sandbox } from '../local/index.ts';
import { sampleCpu } from './support/process-cpu.ts';
import type { BenchmarkOptions, BenchmarkReport } from './support/report.ts';
import { batchWrite, documentClient, ssmClient } from './support/sandbox-setup.ts';
import { progress, runIfMain } from './support/standalone.ts';
import { percentile, round } from './support/stats.ts';

const ID = 'propagation';
const GOAL_P99_MS = 250;
const POLL_MS = 5;
const WARM_UP_WRITES = 50;

const EFFECTS = ['audit', 'cache', 'destination'] as const;
type Effect = (typeof EFFECTS)[number];

/** The log line each function writes once its effect is stored. */
const EFFECT_LINES: Readonly<Record<Exclude<Effect, 'destination'>, { functionName: string; message: string }>> = {
  audit: { functionName: 'parameter-store-auditor', message: 'recorded' },
  cache: { functionName: 'config-cache-manager', message: 'cache updated' },
};

const source = (i: number) => `/shared/prop/s${i}`;
const destination = (i: number) => `/app/prop/d${i}`;
const SOURCE_INDEX = /^\/shared\/prop\/s(\d+)$/;
const DESTINATION_INDEX = /^\/app\/prop\/d(\d+)$/;

interface Write {
  readonly index: number;
  /** Epoch ms when the PutParameter response arrived; undefined until then. */
  returnedAt?: number;
  /** Epoch ms each effect was stored (passive) or first read (polling). */
  readonly seenAt: Partial<Record<Effect, number>>;
}

type Observer = 'passive' | 'polling';

function put(ssm: SSMClient, index: number) {
  return ssm.send(new PutParameterCommand({ Name: source(index), Value: `value-${index}`, Type: 'String' }));
}

/** Writes back to back with nobody watching: the rate the sandbox sustains, and CPU per write. */
async function capacity(sandbox: Sandbox, ssm: SSMClient, indices: readonly number[]) {
  const cpuBefore = sampleCpu();
  const start = performance.now();
  for (const index of indices) await put(ssm, index);
  await sandbox.settle();
  const seconds = (performance.now() - start) / 1000;
  const cpuAfter = sampleCpu();
  const jvmMs =
    cpuBefore.jvmMs === undefined || cpuAfter.jvmMs === undefined ? undefined : (cpuAfter.jvmMs - cpuBefore.jvmMs) / indices.length;
  return { writesPerSecond: indices.length / seconds, nodeCpuMsPerWrite: (cpuAfter.nodeMs - cpuBefore.nodeMs) / indices.length, jvmCpuMsPerWrite: jvmMs };
}

/** Reads each effect's time off the functions' log lines, which the sandbox keeps in order. */
function passiveObserver(sandbox: Sandbox, byIndex: ReadonlyMap<number, Write>) {
  let read = sandbox.logs().length;
  return () => {
    const lines = sandbox.logs();
    for (const { functionName, line } of lines.slice(read)) {
      for (const effect of ['audit', 'cache'] as const) {
        const wanted = EFFECT_LINES[effect];
        if (functionName !== wanted.functionName || !line.includes(`"${wanted.message}"`)) continue;
        const entry = JSON.parse(line) as { message?: string; parameter_name?: string; timestamp?: string };
        const match = entry.message === wanted.message ? SOURCE_INDEX.exec(entry.parameter_name ?? '') : null;
        const write = match ? byIndex.get(Number(match[1])) : undefined;
        if (write && entry.timestamp) write.seenAt[effect] ??= Date.parse(entry.timestamp);
      }
    }
    read = lines.length;
  };
}

/** The old observer: consistent Queries, every few milliseconds, of every write still missing an effect. */
function pollingObserver(sandbox: Sandbox, writes: readonly Write[]) {
  const documents = documentClient(sandbox);
  const tables = { audit: sandbox.tables.audit, cache: sandbox.tables.cache } as const;
  const exists = async (table: string, name: string): Promise<boolean> => {
    const output = await documents.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'parameter_name = :name',
        ExpressionAttributeValues: { ':name': name },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    return (output.Items?.length ?? 0) > 0;
  };
  return async () => {
    const missing = writes.flatMap((write) =>
      write.returnedAt === undefined
        ? []
        : (['audit', 'cache'] as const).filter((effect) => write.seenAt[effect] === undefined).map((effect) => ({ write, effect })),
    );
    await Promise.all(
      missing.map(async ({ write, effect }) => {
        if (await exists(tables[effect], source(write.index))) write.seenAt[effect] ??= Date.now();
      }),
    );
  };
}

/** Paced writes, each effect timed by `observer`; returns the writes with what was seen when. */
async function pacedWrites(sandbox: Sandbox, ssm: SSMClient, writes: Write[], paceMs: number, observer: Observer): Promise<void> {
  const byIndex = new Map(writes.map((write) => [write.index, write]));
  const stopHook = sandbox.ssm.onWrite((detail) => {
    const name = detail.requestParameters?.name;
    if (detail.eventName !== 'PutParameter' || detail.errorCode || typeof name !== 'string') return;
    const match = DESTINATION_INDEX.exec(name);
    const write = match ? byIndex.get(Number(match[1])) : undefined;
    if (write) write.seenAt.destination ??= Date.now();
  });
  const observe = observer === 'passive' ? passiveObserver(sandbox, byIndex) : pollingObserver(sandbox, writes);
  // The passive observer only reads memory, and every time it reads is in the log line itself,
  // so it looks rarely; the polling one's times are its reads, so it looks often.
  const lookEveryMs = observer === 'passive' ? 100 : POLL_MS;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      await observe();
      await sleep(lookEveryMs);
    }
  })();

  const start = performance.now();
  for (const [position, write] of writes.entries()) {
    const wait = start + position * paceMs - performance.now();
    if (wait > 0) await sleep(wait);
    await put(ssm, write.index);
    write.returnedAt = Date.now();
  }
  await sandbox.settle();
  // settle() means the functions are done; the watcher may still be one look behind them.
  const deadline = performance.now() + 10_000;
  while (writes.some((write) => EFFECTS.some((effect) => write.seenAt[effect] === undefined)) && performance.now() < deadline) {
    await sleep(lookEveryMs);
  }
  watching = false;
  await watcher;
  await observe();
  stopHook();
}

/** p50/p90/p99/max per effect, and of all three, over the counted writes. */
function latencyRows(counted: readonly Write[]) {
  const latencies = (effect: Effect | 'all') =>
    counted.flatMap((write) => {
      const seen = effect === 'all' ? EFFECTS.map((each) => write.seenAt[each]) : [write.seenAt[effect]];
      if (seen.some((time) => time === undefined)) return [];
      return [Math.max(...(seen as number[])) - (write.returnedAt as number)];
    });
  return ([...EFFECTS, 'all'] as const).map((effect) => {
    const values = latencies(effect);
    return {
      effect,
      observed: values.length,
      p50: round(percentile(values, 50), 1),
      p90: round(percentile(values, 90), 1),
      p99: round(percentile(values, 99), 1),
      max: round(Math.max(...values), 1),
    };
  });
}

export async function run({ quick }: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const measured = quick ? 200 : 1_000;
  const capacityWrites = quick ? 150 : 400;
  const paced = WARM_UP_WRITES + measured;
  const total = capacityWrites + 2 * paced;
  progress(ID, 'starting the sandbox');
  const sandbox = await startSandbox();
  try {
    const ssm = ssmClient(sandbox, 'alice');
    progress(ID, `creating ${total} app mappings (their sources do not exist yet)`);
    await batchWrite(
      documentClient(sandbox),
      sandbox.tables.replication,
      Array.from({ length: total }, (_, index) => ({ destination: destination(index), source: source(index), type: 'app' })),
    );
    await sandbox.settle();

    progress(ID, `${capacityWrites} writes back to back, unobserved, for the sandbox's capacity`);
    const limit = await capacity(sandbox, ssm, Array.from({ length: capacityWrites }, (_, index) => index));
    // Half the sustained rate: the figure must hold on a slower machine of the same kind too.
    const paceMs = round(2000 / limit.writesPerSecond, 1);

    const runs = {} as Record<Observer, ReturnType<typeof latencyRows>>;
    let offset = capacityWrites;
    for (const observer of ['passive', 'polling'] as const) {
      progress(ID, `${paced} writes, one every ${paceMs} ms, timed ${observer === 'passive' ? "by the functions' log lines" : 'by polling Queries'}`);
      const writes: Write[] = Array.from({ length: paced }, (_, index) => ({ index: offset + index, seenAt: {} }));
      offset += paced;
      await pacedWrites(sandbox, ssm, writes, paceMs, observer);
      runs[observer] = latencyRows(writes.slice(WARM_UP_WRITES));
    }

    const effectRows = runs.passive.filter((row) => row.effect !== 'all');
    const unseen = effectRows.filter((row) => row.observed < measured);
    const worstP99 = Math.max(...effectRows.map((row) => row.p99));
    const figures: Record<string, number> = {
      writes: measured,
      paceMs,
      worstP99Ms: worstP99,
      pollingWorstP99Ms: Math.max(...runs.polling.filter((row) => row.effect !== 'all').map((row) => row.p99)),
      capacityWritesPerSecond: round(limit.writesPerSecond, 1),
      nodeCpuMsPerWrite: round(limit.nodeCpuMsPerWrite, 1),
      ...(limit.jvmCpuMsPerWrite !== undefined && { jvmCpuMsPerWrite: round(limit.jvmCpuMsPerWrite, 1) }),
    };
    for (const row of runs.passive) {
      figures[`${row.effect}.p50Ms`] = row.p50;
      figures[`${row.effect}.p99Ms`] = row.p99;
    }
    const label: Record<Effect | 'all', string> = {
      audit: 'audit record stored',
      cache: 'cache item stored',
      destination: 'replicated destination written',
      all: 'all three',
    };
    const latencyTable = (observer: Observer, caption: string) => ({
      caption,
      columns: ['effect', 'observed', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      rows: runs[observer].map((row) => [label[row.effect], row.observed, row.p50, row.p90, row.p99, row.max]),
    });
    return {
      id: ID,
      title: '4. Propagation latency',
      question: 'From a PutParameter call returning, how long until its audit record, cache item and replicated destination can be read?',
      goal: {
        statement: `p99 ≤ ${GOAL_P99_MS} ms for each effect at half the sustained rate`,
        met: unseen.length > 0 ? false : worstP99 <= GOAL_P99_MS,
        evidence:
          unseen.length > 0
            ? `effects never observed: ${unseen.map((row) => `${row.effect} ${measured - row.observed}`).join(', ')}`
            : `worst p99 ${worstP99} ms at one write every ${paceMs} ms (half of ${round(limit.writesPerSecond, 1)} writes/s)`,
      },
      tables: [
        {
          caption: `What bounds the pace: ${capacityWrites} writes back to back, nobody watching, each replicated (so two SSM writes and six function invocations per write).`,
          columns: ['sustained writes/s', 'Node CPU ms per write (functions, emulator, bus)', 'DynamoDB Local CPU ms per write'],
          rows: [[round(limit.writesPerSecond, 1), round(limit.nodeCpuMsPerWrite, 1), limit.jvmCpuMsPerWrite === undefined ? 'n/a' : round(limit.jvmCpuMsPerWrite, 1)]],
        },
        latencyTable(
          'passive',
          `${measured} writes, one every ${paceMs} ms (half the sustained rate), each to its own parameter with its own app mapping; milliseconds from the PutParameter response to the effect being stored, timed by the functions' own log lines.`,
        ),
        latencyTable(
          'polling',
          `The same pace timed as before: consistent Queries of every write still missing an effect, every ${POLL_MS} ms, from the benchmark's process.`,
        ),
      ],
      figures,
      notes: [
        "Audit and cache times are the timestamps of the functions' log lines written right after DynamoDB acknowledged the write; reading nothing, the observer adds no load.",
        "The destination time is the SSM emulator committing the replicator's PutParameter; a read at that instant returns the new value.",
        'The polling observer is the old method, kept beside to show where its tail came from: its Queries run in the process that also hosts the SSM emulator and the event bus, and its own load, growing with every write still missing, delays the pipeline it times.',
        "The event reaches the functions as soon as the emulator has stored the write, before its response is sent; on AWS, CloudTrail's delivery to EventBridge adds its own delay (typically seconds), so these figures are the pipeline's own share.",
      ],
      durationMs: Date.now() - started,
    };
  } finally {
    await sandbox.stop();
  }
}

await runIfMain(import.meta.url, run);
