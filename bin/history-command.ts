/**
 * `figgy-events history`: every version of one parameter, newest first.
 */
import { auditReaderService } from './aws-services.ts';
import { renderAuditEntries } from './audit-tables.ts';
import { awsOptionsHelp, UsageError, nameArgument, parseOptions, stderrLog, type CommandContext } from './command-line.ts';

export const HISTORY_HELP = `Usage: figgy-events history NAME [--json]

Every recorded change of one parameter, newest first, from the audit log alone: time,
user, action, version, type and the value for a String or StringList. SecureString values
are never printed; a parameter that was ever a SecureString has every value masked. A
delete and a re-creation show as they happened (versions start again at 1). A record the
audit syncer added from CloudTrail's event history is marked * ("repair": true in --json).

NAME is a parameter path, such as /app/orders/db/host (a root-level name db-url is
written /db-url). When NAME has no record but names lie under it, history says how many:
for a prefix, "figgy-events log --prefix NAME" shows them.

Options:
  --json             print the entries as JSON, each with the user's full ARN where recorded
${awsOptionsHelp(21)}
  -h, --help         show this help

Reads one name by the audit table's own key: no Scan, whatever the table holds. Only when
that finds nothing does it count the records under NAME, through the path index (a Scan,
with a warning, before "figgy-events migrate" has run).

Exit codes: 0 done (also when nothing is recorded), 1 a failure, 2 bad usage.

Environment: AUDIT_TABLE_NAME (default figgy-config-auditor), and the AWS SDK's own:
AWS_REGION, credentials, AWS_ENDPOINT_URL_DYNAMODB.

Examples:
  figgy-events history /app/orders/db/host
  figgy-events history /app/orders/db/password --json
`;

/**
 * Runs `history`; resolves with the exit code.
 *
 * @example
 * const code = await runHistory(['/app/db/host', '--json'], context);
 */
export async function runHistory(args: readonly string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, 1);
  if (values.help) {
    context.stdout.write(HISTORY_HELP);
    return 0;
  }
  const [raw] = positionals;
  if (raw === undefined || raw.trim() === '') {
    throw new UsageError('a parameter NAME is required, e.g. figgy-events history /app/orders/db/host');
  }
  const name = nameArgument(raw);
  const { service: reader, close } = auditReaderService(context.env, { log: stderrLog(context.stderr) });
  try {
    const entries = await reader.history(name);
    // Only worth a read when nothing answered: a prefix is the usual reason for an empty history.
    const below = entries.length === 0 ? await reader.countBelow(name) : undefined;
    const prefixNote =
      below && below.records > 0
        ? `${name} is a prefix: ${below.records} record(s) of ${below.names} parameter(s) lie under it; ` +
          `"figgy-events log --prefix ${name}" shows them`
        : undefined;
    if (values.json) {
      context.stdout.write(`${JSON.stringify({ name, entries, ...(below && below.records > 0 && { below }) }, null, 2)}\n`);
      if (prefixNote) context.stderr.write(`note: ${prefixNote}\n`);
    } else {
      const table = entries.length === 0 ? '(no audit record of this name)' : renderAuditEntries(entries, { names: false });
      const note = prefixNote ? `\n${prefixNote}\n` : '';
      context.stdout.write(`history of ${name}, newest first\n\n${table}\n\n${entries.length} change(s)\n${note}`);
    }
    return 0;
  } finally {
    close();
  }
}
