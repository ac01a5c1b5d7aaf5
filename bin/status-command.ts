/**
 * `figgy-events status`: is the pipeline healthy, and if not, what needs looking at.
 */
import { collect } from '../shared/concurrency.ts';
import { SetupError } from '../shared/errors.ts';
import { FUNCTION_NAMES, deadLetterQueueName } from '../shared/functions.ts';
import {
  attentionOf,
  countsByKind,
  mappingsStatus,
  SYNC_JOBS,
  syncerStatus,
  type DeadLetterDepth,
  type HealthSummary,
  type MappingsStatus,
  type SyncerStatus,
} from '../shared/health-summary.ts';
import { mappingVerdicts } from '../shared/replication/mapping-verdicts.ts';
import { DEFAULT_WEDGED_PASS_MINUTES } from '../shared/sync/jobs.ts';
import { deploymentFrom, mappingCheckService, statusService, tablesFrom } from './aws-services.ts';
import { renderColumns } from './columns.ts';
import { UsageError, parseOptions, type CommandContext } from './command-line.ts';

export const STATUS_HELP = `Usage: figgy-events status [--json] [--wedged-after MINUTES]

A health summary of one deployment:

  syncers       per syncer (replication-syncer, config-cache-syncer, audit-syncer) its last
                finished pass (when, how long, invocations, what it checked and repaired),
                the pass open now (its checkpoint's counts), who holds its lease until
                when, and the requests waiting for it
  mappings      the replication mappings the rule refuses now, and why (as "mappings
                check" judges them)
  dead letters  each function's dead-letter queue depth, where you may read the queues

Needs attention: a repair in the replication or cache syncer's last pass (an event was lost,
or a bug is live; the audit syncer's are shown, not flagged, as the construct does not alarm
on them), a pass open longer than --wedged-after, a refused or malformed mapping, a dead
letter.

Reads the sync progress table's three job items (GetItem), the replication table (Scan)
and the parameters the rule reads to judge the mappings (ssm:GetParameters, kms:Decrypt;
a value is never printed), and each queue's depth (sqs:GetQueueUrl and
sqs:GetQueueAttributes: a queue you may not read shows as "not readable"). Writes nothing.

Options:
  --wedged-after MINUTES   an open pass older than this is wedged (default ${DEFAULT_WEDGED_PASS_MINUTES}, as the
                           construct's passOpenAlarmMinutes)
  --json                   print the summary as JSON
  -h, --help               show this help

Exit codes: 0 healthy, 1 something needs attention (or a failure), 2 bad usage.

Environment: SYNC_PROGRESS_TABLE_NAME and REPLICATION_TABLE_NAME (default the figgy- tables),
FIGGY_DEPLOYMENT (the name prefix of the dead-letter queues, <prefix>-<function>-dlq;
default figgy), the replication functions' settings to judge the mappings
(REPLICATION_DESTINATION_PREFIXES and the others "mappings check --help" lists; without
them the mappings are not judged), and the AWS SDK's own: AWS_REGION, credentials,
AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS.
`;

/**
 * Runs `status`; resolves with 0 when healthy, 1 when anything needs attention.
 *
 * @example
 * const code = await runStatus(['--json'], context);
 */
export async function runStatus(args: readonly string[], context: CommandContext): Promise<number> {
  const { values } = parseOptions(args, { json: { type: 'boolean' }, 'wedged-after': { type: 'string' } });
  if (values.help) {
    context.stdout.write(STATUS_HELP);
    return 0;
  }
  const wedgedAfterMinutes = minutesOption(values['wedged-after']);
  const now = context.now();
  const deployment = deploymentFrom(context.env);
  const { service, close } = statusService(context.env);
  let syncers: SyncerStatus[];
  let deadLetters: DeadLetterDepth[];
  try {
    syncers = await Promise.all(SYNC_JOBS.map(async (job) => syncerStatus(job, await service.jobs.read(job), now, wedgedAfterMinutes)));
    deadLetters = await Promise.all(
      FUNCTION_NAMES.map(async (name): Promise<DeadLetterDepth> => {
        const queue = deadLetterQueueName(deployment, name);
        return { function: name, queue, ...(await service.queues.depth(queue)) };
      }),
    );
  } finally {
    close();
  }
  const mappings = await judgeMappings(context.env);
  const parts = { syncers, mappings, deadLetters };
  const summary: HealthSummary = { at: new Date(now).toISOString(), wedgedAfterMinutes, ...parts, attention: attentionOf(parts) };
  context.stdout.write(values.json ? `${JSON.stringify({ table: tablesFrom(context.env).syncProgress, deployment, ...summary }, null, 2)}\n` : rendered(summary));
  return summary.attention.length > 0 ? 1 : 0;
}

function minutesOption(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_WEDGED_PASS_MINUTES;
  const minutes = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(minutes) || minutes < 1) {
    throw new UsageError(`--wedged-after "${raw}" must be a whole number of minutes, 1 or more, e.g. --wedged-after 180`);
  }
  return minutes;
}

/** The refused mappings, by the rule the functions run; not judged without their settings. */
async function judgeMappings(env: CommandContext['env']): Promise<MappingsStatus> {
  let check;
  try {
    check = await mappingCheckService(env);
  } catch (error) {
    if (error instanceof SetupError) return { judged: false, reason: error.message };
    throw error;
  }
  try {
    return mappingsStatus(await mappingVerdicts(await collect(check.service.mappings.scan()), check.service.judging));
  } finally {
    check.close();
  }
}

function rendered(summary: HealthSummary): string {
  const syncerRows = summary.syncers.map((syncer) => [
    syncer.job,
    lastPassText(syncer),
    repairsText(syncer),
    openPassText(syncer),
    syncer.lease ? `${syncer.lease.holder} until ${syncer.lease.until}` : 'free',
    syncer.requests.length === 0 ? 'none' : syncer.requests.join(' '),
  ]);
  const sections = [renderColumns(['SYNCER', 'LAST FINISHED PASS', 'REPAIRED', 'OPEN PASS', 'LEASE', 'REQUESTS WAITING'], syncerRows)];
  const { mappings } = summary;
  if (!mappings.judged) sections.push(`Mappings: not judged (${mappings.reason})`);
  else if (mappings.refused.length === 0) sections.push(`Mappings: none of ${mappings.count} refused${unjudged(mappings.unjudged)}`);
  else {
    const rows = mappings.refused.map((refused) => [refused.destination ?? '(no destination)', refused.status, refused.reason ?? '']);
    sections.push(`${renderColumns(['MAPPING', 'VERDICT', 'WHY'], rows)}\nMappings: ${mappings.refused.length} of ${mappings.count} refused${unjudged(mappings.unjudged)}`);
  }
  const letterRows = summary.deadLetters.map((queue) => [queue.function, queue.queue, queue.depth === undefined ? `unknown: ${queue.unknown ?? ''}` : String(queue.depth)]);
  sections.push(renderColumns(['FUNCTION', 'DEAD-LETTER QUEUE', 'DEPTH'], letterRows));
  const verdict =
    summary.attention.length === 0
      ? 'healthy: nothing needs attention'
      : `${summary.attention.length} thing(s) need attention:\n${summary.attention.map((line) => `  - ${line}`).join('\n')}`;
  sections.push(verdict);
  return `${sections.join('\n\n')}\n`;
}

function lastPassText(syncer: SyncerStatus): string {
  const last = syncer.lastPass;
  if (!last) return 'none yet';
  return `${last.finishedAt}, ${last.seconds}s, ${last.invocations} invocation(s), ${last.checked} checked`;
}

function repairsText(syncer: SyncerStatus): string {
  if (!syncer.lastPass) return '-';
  const { firstPassChanges } = syncer.lastPass;
  if (firstPassChanges) {
    return `first pass: ${countsByKind(firstPassChanges) || 'nothing to bring in'}`;
  }
  return countsByKind(syncer.lastPass.repairs) || 'nothing';
}

function openPassText(syncer: SyncerStatus): string {
  const open = syncer.openPass;
  if (open === undefined) return 'none';
  if (open === 'unreadable') return 'open (saved by another release: the next invocation begins anew)';
  const counts = Object.entries(open.counts)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name}=${count}`)
    .join(' ');
  return `${open.wedged ? 'WEDGED ' : ''}since ${open.startedAt} (${open.minutesOpen} min, ${open.invocations} invocation(s))${counts ? ` ${counts}` : ''}`;
}

function unjudged(count: number): string {
  return count > 0 ? ` (${count} could not be judged: run "figgy-events mappings check")` : '';
}
