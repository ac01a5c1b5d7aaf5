/**
 * Question: what does planning a restore of one prefix cost in DynamoDB when the audit table
 * also holds the records of many other prefixes, reading through the path index, next to
 * today's Scan?
 *
 * DynamoDB Local holds 100 parameters under `/target/app` with 10 records each (1,000
 * records), 500 records of a sibling under the same first segment (`/target/billing`, which
 * the index's partition holds too) and 99,500 records of 100 other first segments: 100,000
 * records beside the prefix. `Restorer.plan` runs with the real `DynamoAuditLog`, once with
 * the table marked as migrated (one Query of `AuditByPathRootIdx`) and once without the marker
 * (the adapter's own fallback, a Scan of the whole table), alternating. Parameter Store is in
 * memory and already as it was at T, so DynamoDB is all that is measured.
 */
import { performance } from 'node:perf_hooks';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { pathRoot } from '../shared/audit/path-root.ts';
import { MIGRATION_MARKER_KEY } from '../shared/aws/audit-path-migration.ts';
import { DynamoAuditLog } from '../shared/aws/dynamo-audit-log.ts';
import { DynamoReplicationMappings } from '../shared/aws/dynamo-replication.ts';
import { silentLog } from '../shared/log.ts';
import { isUnderPrefix } from '../shared/parameter-paths.ts';
import { Restorer } from '../shared/restore/restorer.ts';
import type { CurrentParameter, RestorePlan, RestoreTarget } from '../shared/restore/types.ts';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { batchWrite } from './support/sandbox-setup.ts';
import type { Usage } from './support/dynamo-meter.ts';
import { meteredTables } from './support/metered-tables.ts';
import type { BenchmarkOptions, BenchmarkReport } from './support/report.ts';
import { progress, runIfMain } from './support/standalone.ts';
import { median, round } from './support/stats.ts';

const ID = 'prefix-restore';
const PREFIX = '/target/app';
const PARAMETERS = 100;
const VERSIONS = 10;
const SIBLING_RECORDS = 500;
const OTHER_ROOTS = 100;
const ITEMS_GOAL = 2;
const TIME_GOAL = 50;
const START = Date.parse('2026-11-01T00:00:00Z');
/** After the fifth version of every parameter: each plan restores half the history back. */
const T = START + 5 * 60_000 + 30_000;

/** Version v of a parameter, one minute apart, as the auditor writes it. */
function auditItem(name: string, version: number): Record<string, unknown> {
  const time = START + version * 60_000;
  return {
    parameter_name: name,
    time: time + version,
    path_root: pathRoot(name),
    action: 'PutParameter',
    user: 'bench',
    user_arn: 'arn:aws:sts::123456789012:assumed-role/deployer/bench',
    value: `value of ${name} v${version}: postgres://db-${version}.internal:5432/app`,
    type: 'String',
    version: String(version),
    event_id: `${name}@${version}`,
    event_time: time,
    modified_at: time + 417,
  };
}

function recordsOf(names: readonly string[]): Record<string, unknown>[] {
  return names.flatMap((name) => Array.from({ length: VERSIONS }, (_, index) => auditItem(name, index + 1)));
}

/** Parameter Store now: every parameter at its last version, in memory; a plan writes nothing. */
class MemoryTarget implements RestoreTarget {
  constructor(private readonly parameters: ReadonlyMap<string, CurrentParameter>) {}

  async parametersUnder(prefix: string): Promise<Map<string, CurrentParameter>> {
    return new Map([...this.parameters].filter(([name]) => isUnderPrefix(name, prefix)));
  }

  async readCurrent(names: readonly string[]): Promise<Map<string, CurrentParameter>> {
    return new Map([...this.parameters].filter(([name]) => names.includes(name)));
  }

  async replicaMarks(): Promise<Map<string, string>> {
    return new Map();
  }

  async readVersion(): Promise<undefined> {
    return undefined;
  }

  write(): Promise<number> {
    throw new Error('a plan writes nothing');
  }

  delete(): Promise<void> {
    throw new Error('a plan deletes nothing');
  }
}

interface Side {
  readonly usage: Usage[];
  readonly ms: number[];
}

const mean = (side: Side, field: 'requests' | 'itemsRead' | 'readCapacityUnits') =>
  side.usage.reduce((sum, usage) => sum + usage[field], 0) / side.usage.length;

export async function run({ quick }: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const others = quick ? 10_000 : 100_000;
  const rounds = quick ? 1 : 3;
  progress(ID, 'starting DynamoDB Local');
  const dynamo = await startDynamoDbLocal();
  try {
    const { meter, documents, tables } = await meteredTables(dynamo);

    const targetNames = Array.from({ length: PARAMETERS }, (_, i) => `${PREFIX}/service-${Math.floor(i / 10)}/param-${i}`);
    const siblingNames = Array.from({ length: SIBLING_RECORDS / VERSIONS }, (_, i) => `/target/billing/param-${i}`);
    const otherCount = (others - SIBLING_RECORDS) / VERSIONS;
    const otherNames = Array.from({ length: otherCount }, (_, i) => `/team-${i % OTHER_ROOTS}/service-${Math.floor(i / OTHER_ROOTS) % 10}/param-${i}`);
    const own = recordsOf(targetNames);
    progress(ID, `loading ${own.length} records under ${PREFIX} and ${others.toLocaleString('en')} beside it with BatchWriteItem`);
    await batchWrite(documents, tables.audit, [...own, ...recordsOf(siblingNames), ...recordsOf(otherNames)]);

    const current = new Map<string, CurrentParameter>(
      targetNames.map((name) => {
        const last = auditItem(name, VERSIONS);
        return [name, { name, type: 'String', value: String(last.value), version: VERSIONS, lastModified: Number(last.modified_at) }];
      }),
    );
    const target = new MemoryTarget(current);
    const mappings = new DynamoReplicationMappings(documents, tables.replication);
    // A new adapter per plan: it asks for the migration marker once per instance, as a CLI run does.
    const restorer = () =>
      new Restorer({
        history: new DynamoAuditLog(documents, tables.audit, { log: silentLog }),
        target,
        decrypter: { decrypt: () => Promise.reject(new Error('no SecureString in this benchmark')) },
        mappings,
        log: silentLog,
      });
    const markMigrated = async (migrated: boolean) => {
      if (migrated) await documents.send(new PutCommand({ TableName: tables.audit, Item: { ...MIGRATION_MARKER_KEY, status: 'complete' } }));
      else await documents.send(new DeleteCommand({ TableName: tables.audit, Key: MIGRATION_MARKER_KEY }));
    };
    const measure = async (side: Side): Promise<RestorePlan> => {
      meter.take();
      const start = performance.now();
      const plan = await restorer().plan({ prefix: PREFIX, at: T });
      side.ms.push(performance.now() - start);
      side.usage.push(meter.take());
      return plan;
    };
    const summary = (plan: RestorePlan) => plan.steps.map((step) => `${step.name}:${step.action}:${step.atT?.version}`).join();

    // One unmeasured plan each way warms DynamoDB Local's JVM and both code paths.
    await markMigrated(true);
    await restorer().plan({ prefix: PREFIX, at: T });
    await markMigrated(false);
    await restorer().plan({ prefix: PREFIX, at: T });

    const index: Side = { usage: [], ms: [] };
    const scan: Side = { usage: [], ms: [] };
    for (let round_ = 0; round_ < rounds; round_++) {
      progress(ID, `round ${round_ + 1} of ${rounds}: a plan through the index, then one by Scan`);
      await markMigrated(true);
      const viaIndex = await measure(index);
      await markMigrated(false);
      const viaScan = await measure(scan);
      if (summary(viaIndex) !== summary(viaScan)) throw new Error('the index and the Scan planned different restores');
      if (viaIndex.steps.length !== PARAMETERS || viaIndex.steps.some((step) => step.action !== 'update' || step.atT?.version !== 5)) {
        throw new Error(`expected ${PARAMETERS} updates back to version 5, planned ${summary(viaIndex).slice(0, 200)}`);
      }
    }

    const itemsRatio = mean(index, 'itemsRead') / own.length;
    const timeRatio = median(scan.ms) / median(index.ms);
    const full = others >= 100_000;
    return {
      id: ID,
      title: '6. Restore plan of one prefix beside 100,000 other records',
      question: `What does planning a restore of a ${PARAMETERS}-parameter prefix (${own.length.toLocaleString('en')} records) cost when the audit table also holds ${others.toLocaleString('en')} records of other prefixes, through the path index and by a Scan?`,
      goal: {
        statement: `items read ≤ ${ITEMS_GOAL}× the prefix's own records, and ≥ ${TIME_GOAL}× less time than the Scan, at 100,000 other records`,
        met: itemsRatio > ITEMS_GOAL || timeRatio < TIME_GOAL ? false : full ? true : undefined,
        evidence: `index reads ${round(mean(index, 'itemsRead'), 0)} items (${round(itemsRatio, 2)}× the prefix's ${own.length}) in ${round(median(index.ms), 0)} ms; the Scan reads ${round(mean(scan, 'itemsRead'), 0)} in ${round(median(scan.ms), 0)} ms (${round(timeRatio, 1)}× the time)`,
      },
      tables: [
        {
          caption: `One restore plan of ${PREFIX} (${PARAMETERS} parameters, ${own.length} records), mean over ${rounds} plan(s) each way (time: median). "items read" is DynamoDB's ScannedCount for Query/Scan and the items GetItem returned.`,
          columns: ['records beside the prefix', 'side', 'requests', 'items read', 'items read / prefix records', 'RCU', 'ms'],
          rows: [
            [others, 'path index (Query)', round(mean(index, 'requests'), 1), round(mean(index, 'itemsRead'), 0), round(itemsRatio, 2), round(mean(index, 'readCapacityUnits'), 1), round(median(index.ms), 1)],
            [others, 'Scan (before migrate)', round(mean(scan, 'requests'), 1), round(mean(scan, 'itemsRead'), 0), round(mean(scan, 'itemsRead') / own.length, 1), round(mean(scan, 'readCapacityUnits'), 1), round(median(scan.ms), 1)],
          ],
        },
      ],
      figures: {
        'index.itemsRead': round(mean(index, 'itemsRead'), 0),
        'index.requests': round(mean(index, 'requests'), 1),
        'index.ms': round(median(index.ms), 1),
        'scan.itemsRead': round(mean(scan, 'itemsRead'), 0),
        'scan.requests': round(mean(scan, 'requests'), 1),
        'scan.ms': round(median(scan.ms), 1),
        itemsReadPerOwnRecord: round(itemsRatio, 2),
        scanTimeRatio: round(timeRatio, 1),
      },
      notes: [
        `Both sides run the same Restorer and the same DynamoAuditLog; only the migration marker differs, which sends the adapter to one Query of ${'`AuditByPathRootIdx`'} or to its Scan fallback. Each also does one GetItem (the marker) and one Scan of the empty replication table.`,
        `The index is partitioned by a name's first segment, so the Query reads every record under ${'`/target`'}: the prefix's ${own.length} and the sibling ${'`/target/billing`'}'s ${SIBLING_RECORDS}, which a filter then drops. A prefix that shares its first segment with much larger siblings reads them too; the Scan reads everything whatever the prefix.`,
        'Times are DynamoDB Local on this machine, not DynamoDB; the request and item counts are what DynamoDB would bill.',
      ],
      durationMs: Date.now() - started,
    };
  } finally {
    await dynamo.stop();
  }
}

await runIfMain(import.meta.url, run);
