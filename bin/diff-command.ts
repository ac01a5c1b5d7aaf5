/**
 * `figgy-events diff`: how a prefix differed between two moments.
 */
import { diffSummary } from '../shared/audit/audit-reader.ts';
import { auditReaderService } from './aws-services.ts';
import { diffSummaryLine, renderDiff } from './audit-tables.ts';
import { awsOptionsHelp, UsageError, parseOptions, prefixOption, stderrLog, type CommandContext } from './command-line.ts';
import { parsePointInTime } from './point-in-time.ts';
import { countProgress } from './progress.ts';

export const DIFF_HELP = `Usage: figgy-events diff --prefix PATH --from TIME [--to TIME] [--json]

Per parameter under PATH, from the audit log alone: created, updated, deleted, unchanged
(or unknown, when the log begins too late to tell) between the two moments, the version
in effect at each (the value for a String or StringList; every value of a parameter that
was ever a SecureString, before --to or after it, masked), and who made the last change up
to --to. Parameters that existed at neither moment are left out. A last change the audit
syncer added from CloudTrail's event history is marked * ("repair": true in --json).

Options:
  --prefix PATH   parameter path, e.g. /app/orders (required)
  --from TIME     the first moment (required)
  --to TIME       the second moment (default: now)
                  TIME: ISO 8601 with a zone (2026-03-01T10:07:30Z), a date (2026-03-01 =
                  midnight UTC) or a time ago (90s, 15m, 2h, 3d, 1w)
  --json          print the entries as JSON
${awsOptionsHelp(18)}
  -h, --help      show this help

Reads the records under PATH up to --to through the path index (a Scan, with a warning,
before "figgy-events migrate" has run), and each name those records do not already show to
be a secret by its own key (one Query each). Nothing is read from Parameter Store.

Exit codes: 0 done, 1 a failure, 2 bad usage.

Environment: AUDIT_TABLE_NAME (default figgy-config-auditor), and the AWS SDK's own:
AWS_REGION, credentials, AWS_ENDPOINT_URL_DYNAMODB.

Examples:
  figgy-events diff --prefix /prod --from 1d
  figgy-events diff --prefix /app/orders --from 2026-03-01 --to 2026-03-02T12:00:00Z --json
`;

/**
 * Runs `diff`; resolves with the exit code.
 *
 * @example
 * const code = await runDiff(['--prefix', '/prod', '--from', '1d'], context);
 */
export async function runDiff(args: readonly string[], context: CommandContext): Promise<number> {
  const { values } = parseOptions(args, {
    prefix: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    context.stdout.write(DIFF_HELP);
    return 0;
  }
  if (values.prefix === undefined) throw new UsageError('--prefix is required, e.g. --prefix /app/orders');
  if (values.from === undefined) throw new UsageError('--from is required, e.g. --from 2026-03-01T10:00:00Z or --from 1d');
  const prefix = prefixOption(values.prefix);
  const now = context.now();
  const from = parsePointInTime(values.from, now, '--from');
  const to = values.to === undefined ? now : parsePointInTime(values.to, now, '--to');
  if (to < from) throw new UsageError(`--to ${values.to} is before --from ${values.from}`);

  const reading = countProgress(context.stderr, 'audit records read');
  const { service: reader, close } = auditReaderService(context.env, { log: stderrLog(context.stderr), progress: reading });
  try {
    const entries = await reader.diff({ prefix, from, to });
    reading?.end();
    const summary = diffSummary(entries);
    const [fromIso, toIso] = [new Date(from).toISOString(), new Date(to).toISOString()];
    if (values.json) {
      context.stdout.write(`${JSON.stringify({ prefix, from: fromIso, to: toIso, summary, entries }, null, 2)}\n`);
    } else {
      const table = entries.length === 0 ? '(no parameter under this prefix at either moment)' : renderDiff(entries);
      context.stdout.write(`diff of ${prefix} from ${fromIso} to ${toIso}\n\n${table}\n\n${diffSummaryLine(summary)}\n`);
    }
    return 0;
  } finally {
    close();
  }
}
