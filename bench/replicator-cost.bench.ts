/**
 * Question: what does one source change cost the replicator in DynamoDB as the number of
 * mappings grows, with the sources projection, next to finding the mappings by a Scan? And
 * (issue 11, disaster recovery) how many requests does a change under a mirrored prefix cost
 * as mirror mappings grow from 10 to 10,000?
 *
 * DynamoDB Local holds 100, then 1,000, then 10,000 mappings (a quarter of them merges of
 * two sources) and their source index rows, loaded with BatchWriteItem. The same 20 sources
 * change at every size, each read by two or three destinations, so the work that should
 * not grow is the same work at every size. `Replicator.onParameterChanged` runs with the
 * real DynamoDB adapters, once with the real `DynamoSourceIndex` and once with a Scan in
 * its place (bench/baselines/scan-source-index.ts); Parameter Store is in memory and in
 * sync, so nothing is written and DynamoDB is all that is measured.
 *
 * Mirrors: tables of their own on the same DynamoDB Local hold 10, then 100, 1,000 and
 * 10,000 mirrors, each of its own prefix (`/teams/t{i}/` → `/dr/teams/t{i}/`, a mirror at
 * home), with the source index rows the stream replicator writes for them. The same 20
 * parameters under four mirrored prefixes change at every size, each to a new value, so
 * every change writes its one replica; DynamoDB requests are metered as above and Parameter
 * Store calls counted on the in-memory store, which holds the sources and the replicas.
 */
import { performance } from 'node:perf_hooks';
import { DynamoReplicationMappings, DynamoSourceIndex } from '../shared/aws/dynamo-replication.ts';
import { chunk, mapBounded } from '../shared/concurrency.ts';
import { ENV, destinationPrefixes } from '../shared/config.ts';
import type { ParameterPut } from '../shared/events/types.ts';
import { silentLog } from '../shared/log.ts';
import { linksOf, parseMapping } from '../shared/replication/mapping.ts';
import { Replicator, type ReplicationOutcome } from '../shared/replication/replicator.ts';
import { indexedLinks } from '../shared/replication/rules.ts';
import type { SourceIndex } from '../shared/replication/types.ts';
import { LOCAL_AWS_ENVIRONMENT, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { createTables } from '../local/tables.ts';
import { ScanSourceIndex } from './baselines/scan-source-index.ts';
import { batchWrite } from './support/sandbox-setup.ts';
import type { Usage } from './support/dynamo-meter.ts';
import { meteredTables } from './support/metered-tables.ts';
import { Calls, InMemoryParameterStore } from '../test/unit/support/in-memory.ts';
import type { BenchmarkOptions, BenchmarkReport, Goal, Table } from './support/report.ts';
import { progress, runIfMain } from './support/standalone.ts';
import { median, round } from './support/stats.ts';

const ID = 'replicator-cost';
const CHANGED_SOURCES = 20;
const RATIO_GOAL = 100;
const GOAL_SIZE = 10_000;
const MIRROR_FLAT_GOAL = 1.1;
const MIRROR_GOAL_SIZE = 10_000;

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

const mirrorSource = (i: number) => `/teams/t${i}/`;
const mirrorItem = (i: number) => ({ destination: `/dr${mirrorSource(i)}`, source: mirrorSource(i), type: 'mirror' });
const replicaOf = (name: string) => `/dr${name}`;

/** Five parameters under each of four mirrors that even the smallest size (10) holds. */
const MIRRORED_PARAMETERS = [0, 3, 6, 9].flatMap((i) => Array.from({ length: 5 }, (_, j) => `${mirrorSource(i)}service/key${j}`));

function change(name: string, sequence: number): ParameterPut {
  return {
    kind: 'put',
    action: 'PutParameter',
    eventId: `bench-${sequence}`,
    eventTime: Date.parse('2026-11-26T12:00:00Z') + sequence * 1000,
    name,
    author: { name: 'bench' },
    account: '123456789012',
    region: LOCAL_AWS_ENVIRONMENT.AWS_REGION,
    type: 'String',
    version: sequence + 1,
  };
}

type Setup = Pick<Awaited<ReturnType<typeof meteredTables>>, 'meter' | 'documents' | 'tables'>;

interface Side {
  readonly usage: Usage[];
  readonly ms: number[];
}

interface MappingRow {
  readonly size: number;
  readonly indexRows: number;
  readonly fanOut: number;
  readonly projection: Side;
  readonly scan: Side;
}

/** What one series found: its goal, its table and its figures for results.json. */
interface Findings {
  readonly goal: Goal;
  readonly table: Table;
  readonly figures: Record<string, number>;
}

const perChange = (side: Side, field: 'requests' | 'itemsRead' | 'readCapacityUnits') =>
  side.usage.reduce((sum, usage) => sum + usage[field], 0) / side.usage.length;

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const total = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((sum, count) => sum + count, 0);

/** "Query 1, GetItem 4.9": the mean count of each operation per change. */
function byOperation(changes: readonly Readonly<Record<string, number>>[]): string {
  const totals = new Map<string, number>();
  for (const counts of changes) {
    for (const [operation, count] of Object.entries(counts)) totals.set(operation, (totals.get(operation) ?? 0) + count);
  }
  return [...totals]
    .map(([operation, count]) => `${operation.replace(/Command$/, '')} ${round(count / changes.length, 2)}`)
    .join(', ');
}

/** Met only when every part is; a part not measured (a --quick run) leaves it unmeasured. */
function allMet(...parts: readonly (boolean | undefined)[]): boolean | undefined {
  if (parts.includes(false)) return false;
  return parts.includes(undefined) ? undefined : true;
}

async function measureMappings({ meter, documents, tables }: Setup, sizes: readonly number[], rounds: number): Promise<MappingRow[]> {
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

  const rows: MappingRow[] = [];
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
    for (let k = 0; k < CHANGED_SOURCES; k++) await withProjection.onParameterChanged(change(source(k), sequence++));
    meter.take();

    const projection: Side = { usage: [], ms: [] };
    const scan: Side = { usage: [], ms: [] };
    let fanOut = 0;
    progress(ID, `${size} mappings: ${rounds} × ${CHANGED_SOURCES} changes each way`);
    for (let round_ = 0; round_ < rounds; round_++) {
      for (let k = 0; k < CHANGED_SOURCES; k++) {
        const measure = async (side: Side, target: Replicator): Promise<ReplicationOutcome[]> => {
          const start = performance.now();
          const outcomes = await target.onParameterChanged(change(source(k), sequence++));
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
  return rows;
}

function mappingFindings(rows: readonly MappingRow[], rounds: number): Findings {
  const items = rows.map((row) => perChange(row.projection, 'itemsRead'));
  const flat = Math.max(...items) <= 1.1 * Math.min(...items);
  const last = rows.at(-1) as MappingRow;
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
    goal: {
      statement: `cost per change flat in the number of mappings, and ≥ ${RATIO_GOAL}× fewer items read than the Scan at ${GOAL_SIZE.toLocaleString('en')} mappings`,
      // --quick stops at 1,000 mappings: a pass there says nothing about 10,000.
      met: !flat || ratioAtLargest < RATIO_GOAL ? false : last.size >= GOAL_SIZE ? true : undefined,
      evidence: `items read per change ${items.map((n) => round(n, 1)).join(' / ')} across ${rows.map((row) => row.size).join(' / ')} mappings; Scan reads ${round(ratioAtLargest, 0)}× more at ${last.size}`,
    },
    table: {
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
        byOperation(row.projection.usage.map((usage) => usage.byOperation)),
        round(perChange(row.scan, 'requests'), 2),
        round(perChange(row.scan, 'itemsRead'), 2),
        round(perChange(row.scan, 'readCapacityUnits'), 2),
        round(median(row.scan.ms), 2),
        round(perChange(row.scan, 'itemsRead') / perChange(row.projection, 'itemsRead'), 1),
      ]),
    },
    figures,
  };
}

/** The store's call counts, and also what it was asked since the last take, change by change. */
class TakenCalls extends Calls {
  private since = new Map<string, number>();

  override count(operation: string): void {
    super.count(operation);
    this.since.set(operation, (this.since.get(operation) ?? 0) + 1);
  }

  take(): Record<string, number> {
    const taken = Object.fromEntries(this.since);
    this.since = new Map();
    return taken;
  }
}

/**
 * The in-memory store, its counts taken per change. They stand for Parameter Store requests
 * because it counts as the SSM adapter sends: one GetParameters per ten names, no retag when
 * there are no tags to change.
 */
class MeteredParameterStore extends InMemoryParameterStore {
  override readonly calls = new TakenCalls();
}

interface MirrorRow {
  readonly size: number;
  readonly dynamo: Usage[];
  readonly parameterStore: Record<string, number>[];
  readonly ms: number[];
}

const dynamoRequests = (row: MirrorRow) => mean(row.dynamo.map((usage) => usage.requests));
const parameterStoreCalls = (row: MirrorRow) => mean(row.parameterStore.map(total));
const requestsPerChange = (row: MirrorRow) => dynamoRequests(row) + parameterStoreCalls(row);

/** Mirrors [from, to) and their source index rows, written as the stream replicator writes them. */
async function loadMirrors({ documents, tables }: Setup, index: SourceIndex, from: number, to: number): Promise<void> {
  const items = Array.from({ length: to - from }, (_, offset) => mirrorItem(from + offset));
  await batchWrite(documents, tables.replication, items);
  const links = items.flatMap((item) => indexedLinks(parseMapping(item)));
  await mapBounded(chunk(links, 250), 8, (batch) => index.add(batch));
}

/**
 * Gives `name` a new value and replicates the change; returns its ms. Anything but its one
 * replica written would mean the sizes measure different work, so it throws.
 */
async function changeMirrored(replicator: Replicator, parameters: MeteredParameterStore, name: string, sequence: number): Promise<number> {
  const value = `value-${sequence}`;
  parameters.put(name, value);
  const start = performance.now();
  const outcomes = await replicator.onParameterChanged(change(name, sequence));
  const ms = performance.now() - start;
  const replica = replicaOf(name);
  const found = outcomes.map((outcome) => `${outcome.destination}:${outcome.result}`).join();
  if (found !== `${replica}:written` || parameters.current(replica)?.value !== value) {
    throw new Error(`${name}: expected its one replica ${replica} written with ${value}, got ${found || 'no outcome'}`);
  }
  return ms;
}

async function measureMirrors(setup: Setup, sizes: readonly number[], rounds: number): Promise<MirrorRow[]> {
  const { meter, documents, tables } = setup;
  const index = new DynamoSourceIndex(documents, tables.replicationSources);
  const parameters = new MeteredParameterStore();
  const replicator = new Replicator({
    parameters,
    mappings: new DynamoReplicationMappings(documents, tables.replication),
    sourceIndex: index,
    settings: { destinationPrefixes: destinationPrefixes({ [ENV.destinationPrefixes]: '/dr/' }) },
    log: silentLog,
  });

  const rows: MirrorRow[] = [];
  let loaded = 0;
  let sequence = 0;
  for (const size of sizes) {
    progress(ID, `loading mirrors ${loaded + 1}..${size} with BatchWriteItem`);
    await loadMirrors(setup, index, loaded, size);
    loaded = size;
    // One unmeasured change per parameter first: at the first size it writes the replicas
    // for the first time, and at every size it warms DynamoDB Local's JVM.
    for (const name of MIRRORED_PARAMETERS) await changeMirrored(replicator, parameters, name, sequence++);
    meter.take();
    parameters.calls.take();

    const row: MirrorRow = { size, dynamo: [], parameterStore: [], ms: [] };
    progress(ID, `${size} mirrors: ${rounds} × ${MIRRORED_PARAMETERS.length} changes`);
    for (let round_ = 0; round_ < rounds; round_++) {
      for (const name of MIRRORED_PARAMETERS) {
        row.ms.push(await changeMirrored(replicator, parameters, name, sequence++));
        row.dynamo.push(meter.take());
        row.parameterStore.push(parameters.calls.take());
      }
    }
    rows.push(row);
  }
  return rows;
}

function mirrorFindings(rows: readonly MirrorRow[], rounds: number): Findings {
  const requests = rows.map(requestsPerChange);
  const flat = Math.max(...requests) <= MIRROR_FLAT_GOAL * Math.min(...requests);
  const first = rows[0] as MirrorRow;
  const last = rows.at(-1) as MirrorRow;
  const ratio = requestsPerChange(last) / requestsPerChange(first);
  const figures: Record<string, number> = {};
  for (const row of rows) {
    figures[`mirrors.${row.size}.dynamoRequestsPerChange`] = round(dynamoRequests(row), 2);
    figures[`mirrors.${row.size}.parameterStoreCallsPerChange`] = round(parameterStoreCalls(row), 2);
    figures[`mirrors.${row.size}.requestsPerChange`] = round(requestsPerChange(row), 2);
    figures[`mirrors.${row.size}.msPerChange`] = round(median(row.ms), 2);
  }
  figures['mirrors.requestsRatio'] = round(ratio, 2);
  return {
    goal: {
      statement: `requests per change of a mirrored parameter within ${MIRROR_FLAT_GOAL}× from 10 to ${MIRROR_GOAL_SIZE.toLocaleString('en')} mirrors`,
      // --quick stops at 1,000 mirrors: a pass there says nothing about 10,000.
      met: !flat ? false : last.size >= MIRROR_GOAL_SIZE ? true : undefined,
      evidence: `requests per mirrored change ${requests.map((n) => round(n, 1)).join(' / ')} across ${rows.map((row) => row.size).join(' / ')} mirrors (${ratio.toFixed(2)}× from ${first.size} to ${last.size})`,
    },
    table: {
      caption: `Per change of a mirrored parameter, mean over ${rounds * MIRRORED_PARAMETERS.length} changes (time: median); each gives the parameter a new value, so its one replica is written. Parameter Store calls as the in-memory store counts them, sources and replicas together.`,
      columns: [
        'mirrors',
        'index rows',
        'DynamoDB: requests',
        'DynamoDB: items read',
        'DynamoDB: RCU',
        'DynamoDB: requests by operation',
        'Parameter Store: calls',
        'Parameter Store: calls by operation',
        'requests in all',
        `requests / at ${first.size} mirrors`,
        'ms',
      ],
      rows: rows.map((row) => [
        row.size,
        // One row per mirror: its source prefix.
        row.size,
        round(dynamoRequests(row), 2),
        round(mean(row.dynamo.map((usage) => usage.itemsRead)), 2),
        round(mean(row.dynamo.map((usage) => usage.readCapacityUnits)), 2),
        byOperation(row.dynamo.map((usage) => usage.byOperation)),
        round(parameterStoreCalls(row), 2),
        byOperation(row.parameterStore),
        round(requestsPerChange(row), 2),
        round(requestsPerChange(row) / requestsPerChange(first), 2),
        round(median(row.ms), 2),
      ]),
    },
    figures,
  };
}

export async function run({ quick }: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const rounds = quick ? 1 : 3;
  progress(ID, 'starting DynamoDB Local');
  const dynamo = await startDynamoDbLocal();
  try {
    const setup = await meteredTables(dynamo);
    // The mirrors get tables of their own, so the mappings above are not beside them.
    const mirrorSetup: Setup = { ...setup, tables: await createTables(setup.client, 'bench-mirrors') };
    const mappings = mappingFindings(await measureMappings(setup, quick ? [100, 1_000] : [100, 1_000, GOAL_SIZE], rounds), rounds);
    const mirrors = mirrorFindings(await measureMirrors(mirrorSetup, quick ? [10, 100, 1_000] : [10, 100, 1_000, MIRROR_GOAL_SIZE], rounds), rounds);
    return {
      id: ID,
      title: '2. Replicator cost per source change as mappings and mirrors grow',
      question:
        'How many DynamoDB requests and items does one source change cost as mappings grow, with the sources projection and with a Scan? And how many requests does a change under a mirrored prefix cost as mirror mappings grow from 10 to 10,000?',
      goal: {
        statement: `${mappings.goal.statement}; and ${mirrors.goal.statement}`,
        met: allMet(mappings.goal.met, mirrors.goal.met),
        evidence: `${mappings.goal.evidence}; ${mirrors.goal.evidence}`,
      },
      tables: [mappings.table, mirrors.table],
      figures: { ...mappings.figures, ...mirrors.figures },
      notes: [
        'Both sides run the same `Replicator` with the same `DynamoReplicationMappings`; only `destinationsOf` differs (one Query of the index vs a paginated Scan of the replication table). The rest of each change is one consistent GetItem per destination and one per source it reads (the cycle check), identical on both sides.',
        'Requests and items are counted by a middleware on the DynamoDB client (bench/support/dynamo-meter.ts), which also sets ReturnConsumedCapacity=TOTAL on reads; DynamoDB Local reports capacity as DynamoDB would price it.',
        "RCU tell a smaller story than items read: the Scan's reads are eventually consistent and billed by size (0.5 RCU per 4 KB), so its RCU grow with the table's bytes, while the projection's RCU are mostly the consistent GetItems (1 RCU each, found or not) of each destination's mapping and of the cycle check.",
        'Mirrors: a change of `/teams/t0/service/key0` costs one Query of the source index for its name and one per ancestor prefix (`/`, `/teams/`, `/teams/t0/`, `/teams/t0/service/`), each keyed by that one prefix, so the other mirrors are never read; then a GetItem of the mirror found, one per ancestor of its source for the cycle check (`/teams/`, `/teams/t0/`) and one of the replica\'s own name (another mapping\'s destination is never a mirror\'s to write); then the source and the replica read before and after the one write.',
        'Mirrors: Parameter Store is counted at the port: on SSM the adapter (shared/aws/ssm-parameter-store.ts) sends a readDetails of one name as GetParameters, DescribeParameters and ListTagsForResource, so SSM sees three requests for each readDetails counted here, as many at every size.',
        'Times are DynamoDB Local on this machine, not DynamoDB; the request and item counts are what DynamoDB would bill.',
      ],
      durationMs: Date.now() - started,
    };
  } finally {
    await dynamo.stop();
  }
}

await runIfMain(import.meta.url, run);
