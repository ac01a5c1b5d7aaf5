/**
 * Question: how long does an audit-syncer pass over 10,000 events of CloudTrail's event history
 * take next to the floor CloudTrail's quota sets (two LookupEvents a second, 50 events a page)?
 *
 * 10,000 puts are made before the deployment (`beforeDeployment`), so no event reaches a
 * function; then 99 in 100 of them are recorded as the auditor would have (its own code, against
 * the sandbox), and one in 100 is left out, as events EventBridge lost. One pass of the shipped
 * `audit-syncer` bundle (its first, so it reaches 90 days back) reads the whole history, finds
 * the 9,900 recorded and records the 100 others, each a GetParameter of its version at the
 * default read pace. The floor is (pages − 1) / 2 s: its first lookup at once, each next one
 * half a second later, and the last page's records after it.
 */
import { performance } from 'node:perf_hooks';
import { startSandbox } from '../local/index.ts';
import { Auditor } from '../shared/audit/auditor.ts';
import type { AuditSyncReport } from '../shared/audit/audit-syncer.ts';
import { LOOKUPS_PER_SECOND } from '../shared/audit/audit-syncer.ts';
import { LOOKUP_PAGE_SIZE } from '../shared/aws/cloudtrail-event-history.ts';
import { DynamoAuditLog } from '../shared/aws/dynamo-audit-log.ts';
import { SsmParameterStore } from '../shared/aws/ssm-parameter-store.ts';
import { mapBounded } from '../shared/concurrency.ts';
import { parseCloudTrailRecord } from '../shared/events/cloudtrail.ts';
import { DEFAULT_BULK_READS_PER_SECOND } from '../shared/replication/replica-targets.ts';
import { SSM_EVENT_NAMES } from '../shared/events/pattern.ts';
import { silentLog } from '../shared/log.ts';
import type { CloudTrailDetail } from '../local/ssm/index.ts';
import type { SyncOutcome } from '../shared/sync/sync-pass.ts';
import type { BenchmarkOptions, BenchmarkReport } from './support/report.ts';
import { documentClient, putParameters, ssmClient } from './support/sandbox-setup.ts';
import { progress, runIfMain } from './support/standalone.ts';
import { round } from './support/stats.ts';

const ID = 'audit-syncer';
const GOAL_RATIO = 1.2;
/** One event in this many never reached the auditor. */
const LOST_ONE_IN = 100;

export async function run({ quick }: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const events = quick ? 1_000 : 10_000;
  progress(ID, 'starting the sandbox');
  const sandbox = await startSandbox({ functions: { 'audit-syncer': { timeoutSeconds: 900 } } });
  try {
    const ssm = ssmClient(sandbox);
    const details: CloudTrailDetail[] = [];
    const unsubscribe = sandbox.ssm.onWrite((detail) => {
      details.push(detail);
    });
    progress(ID, `putting ${events} parameters before the deployment: history only, no event delivered`);
    await sandbox.beforeDeployment(() => putParameters(ssm, Array.from({ length: events }, (_, i) => ({ name: `/bench/audit/p${i}`, value: `value-${i}` }))));
    unsubscribe();
    if (details.length !== events) throw new Error(`the emulator recorded ${details.length} writes, not ${events}`);

    progress(ID, `recording ${events - events / LOST_ONE_IN} of them as the auditor would have`);
    const auditor = new Auditor({
      auditLog: new DynamoAuditLog(documentClient(sandbox), sandbox.tables.audit),
      parameters: new SsmParameterStore(ssm),
      namespaces: ['/'],
      log: silentLog,
    });
    const delivered = details.filter((_, index) => index % LOST_ONE_IN !== 0);
    await mapBounded(delivered, 16, async (detail) => {
      for (const change of parseCloudTrailRecord(detail)) await auditor.record(change);
    });

    progress(ID, `one audit-syncer pass over ${events} events`);
    const before = sandbox.ssm.callCounts();
    const start = performance.now();
    const outcome = (await sandbox.runSchedule('audit-syncer')) as SyncOutcome<AuditSyncReport>;
    const seconds = (performance.now() - start) / 1000;
    const after = sandbox.ssm.callCounts();
    if (outcome.status !== 'finished') throw new Error(`the audit syncer ended as ${outcome.status}`);
    const { report } = outcome;
    const lost = events - delivered.length;
    if (report.repaired !== lost || report.alreadyRecorded !== delivered.length) {
      throw new Error(`the pass repaired ${report.repaired} (expected ${lost}) and found ${report.alreadyRecorded} recorded (expected ${delivered.length})`);
    }
    const delta = (operation: string) => (after[operation] ?? 0) - (before[operation] ?? 0);
    // One lookup a page of puts, and one (empty) for each delete event.
    const pages = Math.ceil(events / LOOKUP_PAGE_SIZE) + SSM_EVENT_NAMES.length - 1;
    const floorSeconds = (pages - 1) / LOOKUPS_PER_SECOND;
    const ratio = seconds / floorSeconds;
    return {
      id: ID,
      title: `9. Audit syncer over ${events.toLocaleString('en')} events of CloudTrail's event history`,
      question: `How long does one audit-syncer pass over ${events.toLocaleString('en')} events (1 in ${LOST_ONE_IN} never audited) take next to the floor of CloudTrail's ${LOOKUPS_PER_SECOND} LookupEvents a second, ${LOOKUP_PAGE_SIZE} events a page?`,
      goal: {
        statement: `the pass ≤ ${GOAL_RATIO}× its floor`,
        met: ratio <= GOAL_RATIO,
        evidence: `${round(seconds, 1)} s vs ${round(floorSeconds, 1)} s floor (${round(ratio, 2)}×); ${report.repaired} repaired, ${report.alreadyRecorded} found recorded`,
      },
      tables: [
        {
          caption: `One pass of \`audit-syncer\` in the sandbox, its first (importing 90 days), over ${events} PutParameter events of which ${lost} never reached the auditor.`,
          columns: ['events', 'already recorded', 'repaired', 'LookupEvents sent', 'pages needed', 'GetParameter sent', 'floor s', 'wall s', 'wall / floor'],
          rows: [[events, report.alreadyRecorded, report.repaired, delta('LookupEvents'), pages, delta('GetParameter'), round(floorSeconds, 1), round(seconds, 1), round(ratio, 2)]],
        },
      ],
      figures: {
        events,
        seconds: round(seconds, 1),
        floorSeconds: round(floorSeconds, 1),
        ratioToFloor: round(ratio, 2),
        repaired: report.repaired,
        lookups: delta('LookupEvents'),
        getParameter: delta('GetParameter'),
      },
      notes: [
        'Wall time is `sandbox.runSchedule()` on a settled sandbox: the invocation, its DynamoDB reads and writes and its paced GetParameter calls.',
        `The floor is (pages − 1) / ${LOOKUPS_PER_SECOND} s: LookupEvents filters on one attribute, so the pass looks up PutParameter, DeleteParameter and DeleteParameters in turn, ${LOOKUP_PAGE_SIZE} events a page; the pass's own work on a page (a Query per change, and for a missing put a GetParameter of its version at the default ${DEFAULT_BULK_READS_PER_SECOND} reads a second, then a PutItem) fits within the wait for the next lookup's turn.`,
        `A pass that imports a history no event of which reached the auditor is bound by Parameter Store's read pace instead: one GetParameter a put, ${DEFAULT_BULK_READS_PER_SECOND} a second by default (\`bulkReadsPerSecond\`), against the lookups' ${LOOKUPS_PER_SECOND * LOOKUP_PAGE_SIZE} events a second.`,
        'The set-up (puts before the deployment, the auditor\'s records written with its own code) is not timed.',
      ],
      durationMs: Date.now() - started,
    };
  } finally {
    await sandbox.stop();
  }
}

await runIfMain(import.meta.url, run);
