/**
 * `figgy-events replay`: the name cache rebuilt from the audit log.
 */
import { replayService } from './aws-services.ts';
import { awsOptionsHelp, parseOptions, stderrLog, type CommandContext } from './command-line.ts';

export const REPLAY_HELP = `Usage: figgy-events replay [--table NAME] [--json]

Rebuilds the name cache from the audit log alone: each parameter's last audited change
becomes its item (ACTIVE, or a DELETED tombstone that expires 14 days after the delete).
Items that already say so are left alone, so a second run writes nothing; an item that
knows a later change than the audit log is kept.

Options:
  --table NAME   the table to rebuild (default: CACHE_TABLE_NAME, else figgy-config-cache);
                 another table must exist already, with the cache's key schema
                 (parameter_name S, last_updated N)
  --json         print the report as JSON
${awsOptionsHelp(17)}
  -h, --help     show this help

Exit codes: 0 done, 1 a failure (e.g. the table is missing), 2 bad usage.

Environment: AUDIT_TABLE_NAME, CACHE_TABLE_NAME (default figgy-config-*), and the AWS
SDK's own: AWS_REGION, credentials, AWS_ENDPOINT_URL_DYNAMODB.

Examples:
  figgy-events replay
  figgy-events replay --table figgy-config-cache-rebuilt --json
`;

/**
 * Runs `replay`; resolves with the exit code.
 *
 * @example
 * const code = await runReplay(['--table', 'figgy-config-cache-rebuilt'], context);
 */
export async function runReplay(args: readonly string[], context: CommandContext): Promise<number> {
  const { values } = parseOptions(args, { table: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    context.stdout.write(REPLAY_HELP);
    return 0;
  }
  const { service, close } = await replayService(context.env, values.table, stderrLog(context.stderr));
  try {
    // An empty prefix: every record of every parameter, whatever its name.
    const report = await service.replayer.replay(service.auditLog.recordsUnder(''));
    if (values.json) {
      context.stdout.write(`${JSON.stringify({ table: service.table, audit: service.auditLog.tableName, ...report }, null, 2)}\n`);
    } else {
      context.stdout.write(
        `replayed ${report.names} parameter(s) from ${service.auditLog.tableName} into ${service.table}: ` +
          `${report.written} written, ${report.unchanged} unchanged, ${report.keptNewer} kept (newer in the table), ` +
          `${report.expired} tombstone(s) past their TTL not written\n`,
      );
    }
    return 0;
  } finally {
    close();
  }
}
