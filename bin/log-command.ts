/**
 * `figgy-events log`: every change under a prefix, in time order.
 */
import type { TimeWindow } from '../shared/restore/types.ts';
import { auditReaderService } from './aws-services.ts';
import { renderAuditEntries } from './audit-tables.ts';
import { awsOptionsHelp, UsageError, parseOptions, prefixOption, stderrLog, type CommandContext } from './command-line.ts';
import { parsePointInTime } from './point-in-time.ts';
import { countProgress } from './progress.ts';

export const LOG_HELP = `Usage: figgy-events log --prefix PATH [--since TIME] [--until TIME] [--user USER] [--json]

Every recorded change under PATH, oldest first across names, from the audit log alone:
time, name, action, version, type, the value for a String or StringList, and the user.
SecureString values are never printed, and a parameter that was ever a SecureString (at
any time in its history, not only in the changes shown) has every value masked. A record
the audit syncer added from CloudTrail's event history is marked * ("repair": true in --json).

Options:
  --prefix PATH   parameter path, e.g. /app/orders (required; / for everything)
  --since TIME    only changes at or after TIME
  --until TIME    only changes at or before TIME
                  TIME: ISO 8601 with a zone (2026-03-01T10:07:30Z), a date (2026-03-01 =
                  midnight UTC) or a time ago (90s, 15m, 2h, 3d, 1w)
  --user USER     only this user's changes (the audit record's user, e.g. alice)
  --json          print the entries as JSON, each with the user's full ARN where recorded
${awsOptionsHelp(18)}
  -h, --help      show this help

A prefix is read through the audit table's path index (one Query on its first segment);
--user through the user index (AuditByUserIdx); each name shown that those records do not
already show to be a secret, by its own key (one Query each). Before "figgy-events migrate" has run,
a prefix is read by a Scan of the whole table, with a warning.

Exit codes: 0 done, 1 a failure, 2 bad usage.

Environment: AUDIT_TABLE_NAME (default figgy-config-auditor), and the AWS SDK's own:
AWS_REGION, credentials, AWS_ENDPOINT_URL_DYNAMODB.

Examples:
  figgy-events log --prefix /app/orders --since 2026-03-01 --until 2026-03-02
  figgy-events log --prefix /app --since 1d --user alice --json
`;

/**
 * Runs `log`; resolves with the exit code.
 *
 * @example
 * const code = await runLog(['--prefix', '/app', '--since', '1d'], context);
 */
export async function runLog(args: readonly string[], context: CommandContext): Promise<number> {
  const { values } = parseOptions(args, {
    prefix: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    user: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    context.stdout.write(LOG_HELP);
    return 0;
  }
  if (values.prefix === undefined) throw new UsageError('--prefix is required, e.g. --prefix /app/orders (or / for everything)');
  const prefix = prefixOption(values.prefix);
  const now = context.now();
  const window: TimeWindow = {
    ...(values.since !== undefined && { since: parsePointInTime(values.since, now, '--since') }),
    ...(values.until !== undefined && { until: parsePointInTime(values.until, now, '--until') }),
  };
  if (window.since !== undefined && window.until !== undefined && window.until < window.since) {
    throw new UsageError(`--until ${values.until} is before --since ${values.since}`);
  }
  if (values.user !== undefined && values.user.trim() === '') throw new UsageError('--user is empty: name a user, e.g. --user alice');

  const reading = countProgress(context.stderr, 'audit records read');
  const { service: reader, close } = auditReaderService(context.env, { log: stderrLog(context.stderr), progress: reading });
  try {
    const entries = await reader.log({ prefix, window, ...(values.user !== undefined && { user: values.user }) });
    reading?.end();
    const iso = (time: number | undefined) => (time === undefined ? undefined : new Date(time).toISOString());
    if (values.json) {
      const document = { prefix, since: iso(window.since), until: iso(window.until), user: values.user, entries };
      context.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    } else {
      const span = [window.since && `since ${iso(window.since)}`, window.until && `until ${iso(window.until)}`, values.user && `by ${values.user}`]
        .filter(Boolean)
        .join(', ');
      const table = entries.length === 0 ? '(no change recorded)' : renderAuditEntries(entries, { names: true });
      context.stdout.write(`changes under ${prefix}${span ? ` ${span}` : ''}\n\n${table}\n\n${entries.length} change(s)\n`);
    }
    return 0;
  } finally {
    close();
  }
}
