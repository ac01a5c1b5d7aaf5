/**
 * `figgy-events migrate`: backfills the audit table's path index.
 */
import { DEFAULT_MIGRATION_WPS } from '../shared/aws/audit-path-migration.ts';
import { migrationService } from './aws-services.ts';
import { awsOptionsHelp, parseOptions, type CommandContext } from './command-line.ts';
import { PACE_ALIASES, paceOption } from './pace.ts';
import { countProgress } from './progress.ts';
import { InterruptedError } from '../shared/errors.ts';

export const MIGRATE_HELP = `Usage: figgy-events migrate [--max-tps N] [--json]

Gives every audit record written before the path index (AuditByPathRootIdx) its
path_root, the first segment of its name, so that restore, diff and log read a prefix by
one Query instead of a Scan of the whole table. Run it once, after deploying the version
that adds the index; until then those commands still work, by a Scan, with a warning.

Idempotent (a record that has path_root is left alone; a finished table is not read
again), resumable (an interrupted run continues from its last page) and paced. Only
path_root is added: every attribute the Figgy CLI reads stays as it was. When it is done
it marks the table with one item (#figgy-events/migration/path-root), which no parameter
name can be and neither index holds.

Options:
  --max-tps N        record updates per second at most (default ${DEFAULT_MIGRATION_WPS};
                     --max-wps is the same option)
  --json             print the report as JSON
${awsOptionsHelp(21)}
  -h, --help         show this help

Exit codes: 0 done (or nothing to do), 1 a failure (e.g. the table has no path index yet),
2 bad usage.

Environment: AUDIT_TABLE_NAME (default figgy-config-auditor), and the AWS SDK's own:
AWS_REGION, credentials, AWS_ENDPOINT_URL_DYNAMODB.
`;

/**
 * Runs `migrate`; resolves with the exit code.
 *
 * @example
 * const code = await runMigrate(['--max-tps', '50'], context);
 */
export async function runMigrate(args: readonly string[], context: CommandContext): Promise<number> {
  const { values } = parseOptions(args, { 'max-tps': { type: 'string' }, json: { type: 'boolean' } }, 0, PACE_ALIASES);
  if (values.help) {
    context.stdout.write(MIGRATE_HELP);
    return 0;
  }
  const maxWritesPerSecond = paceOption(values['max-tps'], DEFAULT_MIGRATION_WPS);
  const progress = countProgress(context.stderr, 'audit records read');
  let read = 0;
  const { service: migration, close } = migrationService(context.env);
  try {
    const report = await migration.run({
      maxWritesPerSecond,
      onProgress: ({ scanned, updated }) => {
        progress?.add(scanned - read);
        read = scanned;
        // A page is a checkpoint: stopping here loses nothing.
        if (context.signal?.aborted) throw new InterruptedError(`interrupted after ${updated} update(s); run "figgy-events migrate" again to resume`);
      },
    });
    progress?.end();
    if (values.json) {
      context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else if (report.alreadyComplete) {
      context.stdout.write(`${report.table} is already migrated: every record has path_root; nothing to do\n`);
    } else {
      context.stdout.write(
        `migrated ${report.table}${report.resumed ? ' (resumed)' : ''}: ${report.scanned} item(s) read, ` +
          `${report.updated} record(s) given path_root; prefixes are now read through AuditByPathRootIdx\n`,
      );
    }
    return 0;
  } finally {
    close();
  }
}
