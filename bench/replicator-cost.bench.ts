/**
 * Question: what does one source change cost the replicator in DynamoDB as the number of
 * mappings grows, with the sources projection, next to finding the mappings by a Scan?
 *
 * DynamoDB Local holds 100, then 1,000, then 10,000 mappings (a quarter of them merges of
 * two sources) and their source index rows, loaded with BatchWriteItem. The same 20 sources
 * change at every size, each read by two or three destinations, so the work that should
 * not grow is the same work at every size. `Replicator.onParameterChanged` runs with the
 * real DynamoDB adapters, once with the real `DynamoSourceIndex` and once with a Scan in
 * its place (bench/baselines/scan-source-index.ts); Parameter Store is in memory and in
 * sync, so nothing is written and DynamoDB is all that is measured.
 */
import { performance } from 'node:perf_hooks';
import { DynamoReplicationMappings, DynamoSourceIndex } from '../shared/aws/dynamo-replication.ts';
import { chunk, mapBounded } from '../shared/concurrency.ts';
import { ENV, destinationPrefixes } from '../shared/config.ts';
import type { ParameterPut } from '../shared/events/types.ts';
import { silentLog } from '../shared/log.ts';
import { linksOf, parseMapping } from '../shared/replication/mapping.ts';
import { Replicator, type ReplicationOutcome } from '../shared/replication/replicator.ts';
import type { SourceIndex } from '../shared/replication/types.ts';
import { LOCAL_AWS_ENVIRONMENT, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { ScanSourceIndex } from './baselines/scan-source-index.ts';
import { batchWrite } from './support/sandbox-setup.ts';
import type { Usage } from './support/dynamo-meter.ts';
import { meteredTables } from './support/metered-tables.ts';
import { InMemoryParameterStore } from '../test/unit/support/in-memory.ts';
import type { BenchmarkOptions, BenchmarkReport } from './support/report.ts';
import { progress, runIfMain } from './support/standalone.ts';
import { median, round } from './support/stats.ts';

const ID = 'replicator-cost';
const CHANGED_SOURCES = 20;
const RATIO_GOAL = 100;
const GOAL_SIZE = 10_000;

const source = (k: number) => `/shared/bench/s${k}`;
const destination = (i: number) => `/app/bench/d${i}`;

/**
 * Mapping i reads source ⌊i/2⌋; every fourth is a merge that also reads the next source, so
 * a source has two or three destinations whatever the table size.
 */
function mappingItem(i: number): Record<string, unknown> {
  const k = Math.floor(i / 2);
  return i % 4 === 3
    ? { destination: destination(i), type: 'merge', source: [`\${${source(k)}}`, ':', `\${${source(k + 1)}}`] }
    : { destination: destination(i), type: 'app', source: source(k) };
}

function change(k: number, sequence: number): ParameterPut {
  return {
    kind: 'put',
    action: 'PutParameter',
    eventId: `bench-${k}-${sequence}`,
    eventTime: Date.parse('2026-11-26T12:00:00Z') + sequence * 1000,
    name: source(k),
    author: { name: 'bench' },
    account: '123456789012',
    region: LOCAL_AWS_ENVIRONMENT.AWS_REGION,
    type: 'String',
    version: sequence + 1,
  };
}

interface Side {
  readonly usage: Usage[];
  readonly ms: number[];
}

const perChange = (side: Side, field: 'requests' | 'itemsRead' | 'readCapacityUnits') =>
  side.usage.reduce((sum, usage) => sum + usage[field], 0) / side.usage.length;

/** "Query 1, GetItem 4.9": the mean count of each operation per change. */
function byOperation(side: Side): string {
  const totals = new Map<string, number>();
  for (const usage of side.usage) {
    for (const [operation, count] of Object.entries(usage.byOperation)) totals.set(operation, (totals.get(operation) ?? 0) + count);
  }
  return [...totals]
    .map(([operation, count]) => `${operation.replace(/Command$/, '')} ${round(count / side.usage.length, 2)}`)
    .join(', ');
}

export async function run({ quick }: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const sizes = quick ? [100, 1_000] : [100, 1_000, GOAL_SIZE];
  const rounds = quick ? 1 : 3;
  progress(ID, 'starting DynamoDB Local');
  const dynamo = await startDynamoDbLocal();
  try {
    const { meter, documents, tables } = await meteredTables(dynamo);
    const index = new DynamoSourceIndex(documents, tables.replicationSources);
    const parameters = new InMemoryParameterStore();
    const replicator = (sourceIndex: SourceIndex) =>
      new Replicator({
        parameters,
        mappings: new DynamoReplicationMappings(documents, tables.replication),
        sourceIndex,
        // Read as the functions read it, so the prefix is in the form the rule expects.
        settings: { destinationPrefixes: destinationPrefixes({ [ENV.destinationPrefixes]: '/app/' }) },
        log: silentLog,
      });
    const withProjection = replicator(index);
    const withScan = replicator(new ScanSourceIndex(documents, tables.replication));

    const rows: { size: number; indexRows: number; fanOut: number; projection: Side; scan: Side }[] = [];
    let loaded = 0;
    let indexRows = 0;
    let sequence = 0;
    for (const size of sizes) {
      progress(ID, `loading mappings ${loaded + 1}..${size} with BatchWriteItem`);
      const items = Array.from({ length: size - loaded }, (_, offset) => mappingItem(loaded + offset));
      await batchWrite(documents, tables.replication, items);
      const links = items.flatMap((item) => linksOf(parseMapping(item)));
      await mapBounded(chunk(links, 250), 8, (batch) => index.add(batch));
      indexRows += links.length;
      for (let k = 0; k <= Math.floor(size / 2) + 1; k++) if (k >= Math.floor(loaded / 2)) parameters.put(source(k), `value-${k}`);
      loaded = size;

      // One unmeasured change per source first: it brings the destinations in sync (so the
      // measured changes write nothing) and warms DynamoDB Local's JVM.
      for (let k = 0; k < CHANGED_SOURCES; k++) await withProjection.onParameterChanged(change(k, sequence++));
      meter.take();

      const projection: Side = { usage: [], ms: [] };
      const scan: Side = { usage: [], ms: [] };
      let fanOut = 0;
      progress(ID, `${size} mappings: ${rounds} × ${CHANGED_SOURCES} changes each way`);
      for (let round_ = 0; round_ < rounds; round_++) {
        for (let k = 0; k < CHANGED_SOURCES; k++) {
          const measure = async (side: Side, target: Replicator): Promise<ReplicationOutcome[]> => {
            const start = performance.now();
            const outcomes = await target.onParameterChanged(change(k, sequence++));
            side.ms.push(performance.now() - start);
            side.usage.push(meter.take());
            return outcomes;
          };
          const viaIndex = await measure(projection, withProjection);
          const viaScan = await measure(scan, withScan);
          const found = (outcomes: ReplicationOutcome[]) => outcomes.map((o) => `${o.destination}:${o.result}`).sort().join();
          if (found(viaIndex) !== found(viaScan)) {
            throw new Error(`the index and the Scan disagree on ${source(k)}: ${found(viaIndex)} vs ${found(viaScan)}`);
          }
          if (viaIndex.some((outcome) => outcome.result !== 'in-sync')) {
            throw new Error(`${source(k)}: a destination was not in sync, so the change wrote: ${found(viaIndex)}`);
          }
          fanOut += viaIndex.length;
        }
      }
      rows.push({ size, indexRows, fanOut: fanOut / (rounds * CHANGED_SOURCES), projection, scan });
    }

    const items = rows.map((row) => perChange(row.projection, 'itemsRead'));
    const flat = Math.max(...items) <= 1.1 * Math.min(...items);
    const last = rows.at(-1) as (typeof rows)[number];
    const ratioAtLargest = perChange(last.scan, 'itemsRead') / perChange(last.projection, 'itemsRead');
    const figures: Record<string, number> = {};
    for (const row of rows) {
      figures[`${row.size}.projection.requestsPerChange`] = round(perChange(row.projection, 'requests'), 2);
      figures[`${row.size}.projection.itemsReadPerChange`] = round(perChange(row.projection, 'itemsRead'), 2);
      figures[`${row.size}.projection.rcuPerChange`] = round(perChange(row.projection, 'readCapacityUnits'), 2);
      figures[`${row.size}.projection.msPerChange`] = round(median(row.projection.ms), 2);
      figures[`${row.size}.scan.requestsPerChange`] = round(perChange(row.scan, 'requests'), 2);
      figures[`${row.size}.scan.itemsReadPerChange`] = round(perChange(row.scan, 'itemsRead'), 2);
      figures[`${row.size}.scan.rcuPerChange`] = round(perChange(row.scan, 'readCapacityUnits'), 2);
      figures[`${row.size}.scan.msPerChange`] = round(median(row.scan.ms), 2);
    }
    figures.itemsReadRatioAtLargest = round(ratioAtLargest, 1);
    return {
      id: ID,
      title: '2. Replicator cost per source change as mappings grow',
      question:
        'How many DynamoDB requests and items does one source change cost as mappings grow, with the sources projection and with a Scan?',
      goal: {
        statement: `cost per change flat in the number of mappings, and ≥ ${RATIO_GOAL}× fewer items read than the Scan at ${GOAL_SIZE.toLocaleString('en')} mappings`,
        // --quick stops at 1,000 mappings: a pass there says nothing about 10,000.
        met: !flat || ratioAtLargest < RATIO_GOAL ? false : last.size >= GOAL_SIZE ? true : undefined,
        evidence: `items read per change ${items.map((n) => round(n, 1)).join(' / ')} across ${rows.map((row) => row.size).join(' / ')} mappings; Scan reads ${round(ratioAtLargest, 0)}× more at ${last.size}`,
      },
      tables: [
        {
          caption: `Per source change, mean over ${rounds * CHANGED_SOURCES} changes (time: median). "items read" is DynamoDB's ScannedCount for Query/Scan and the items GetItem returned; RCU from ReturnConsumedCapacity.`,
          columns: [
            'mappings',
            'index rows',
            'destinations per change',
            'projection: requests',
            'projection: items read',
            'projection: RCU',
            'projection: ms',
            'projection: requests by operation',
            'Scan: requests',
            'Scan: items read',
            'Scan: RCU',
            'Scan: ms',
            'items read, Scan / projection',
          ],
          rows: rows.map((row) => [
            row.size,
            row.indexRows,
            round(row.fanOut, 2),
            round(perChange(row.projection, 'requests'), 2),
            round(perChange(row.projection, 'itemsRead'), 2),
            round(perChange(row.projection, 'readCapacityUnits'), 2),
            round(median(row.projection.ms), 2),
            byOperation(row.projection),
            round(perChange(row.scan, 'requests'), 2),
            round(perChange(row.scan, 'itemsRead'), 2),
            round(perChange(row.scan, 'readCapacityUnits'), 2),
            round(median(row.scan.ms), 2),
            round(perChange(row.scan, 'itemsRead') / perChange(row.projection, 'itemsRead'), 1),
          ]),
        },
      ],
      figures,
      notes: [
        'Both sides run the same `Replicator` with the same `DynamoReplicationMappings`; only `destinationsOf` differs (one Query of the index vs a paginated Scan of the replication table). The rest of each change is one consistent GetItem per destination and one per source it reads (the cycle check), identical on both sides.',
        'Requests and items are counted by a middleware on the DynamoDB client (bench/support/dynamo-meter.ts), which also sets ReturnConsumedCapacity=TOTAL on reads; DynamoDB Local reports capacity as DynamoDB would price it.',
        "RCU tell a smaller story than items read: the Scan's reads are eventually consistent and billed by size (0.5 RCU per 4 KB), so its RCU grow with the table's bytes, while the projection's RCU are mostly the consistent GetItems (1 RCU each, found or not) of each destination's mapping and of the cycle check.",
        'Times are DynamoDB Local on this machine, not DynamoDB; the request and item counts are what DynamoDB would bill.',
      ],
      durationMs: Date.now() - started,
    };
  } finally {
    await dynamo.stop();
  }
}

await runIfMain(import.meta.url, run);
