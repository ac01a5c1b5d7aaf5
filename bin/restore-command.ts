/**
 * `figgy-events restore`: a prefix of Parameter Store back to a point in time.
 */
import { planEntries, summarize } from '../shared/restore/plan-entries.ts';
import { isUnderPrefix } from '../shared/parameter-paths.ts';
import { DEFAULT_MAX_TPS } from '../shared/restore/restorer.ts';
import type { ApplyReport, PlanEntry } from '../shared/restore/types.ts';
import { awsClientConfig, restoreService, type AwsClientConfig } from './aws-services.ts';
import { awsOptionsHelp, UsageError, parseOptions, prefixOption, stderrLog, type CommandContext } from './command-line.ts';
import { PACE_ALIASES, paceOption } from './pace.ts';
import { renderPlanTable } from './plan-table.ts';
import { parsePointInTime, rerunAt } from './point-in-time.ts';
import { countProgress, terminalProgress } from './progress.ts';

export const RESTORE_HELP = `Usage: figgy-events restore --prefix PATH --at TIME [--into PATH] [options]

Restores every parameter under PATH to what it was at TIME, from the audit log; with
--into, writes that state under another path instead (a clone: /prod/x at TIME becomes
/staging/x). Without --apply it only prints the plan (create / update / delete /
unchanged / skipped) with the values of every parameter that was ever a SecureString
masked, and writes nothing.

Options:
  --prefix PATH             parameter path, e.g. /app/orders (required)
  --at TIME                 ISO 8601 with a zone (2026-03-01T10:07:30Z), a date
                            (2026-03-01 = midnight UTC) or a time ago (90s, 15m, 2h, 3d, 1w)
  --dry-run                 only plan (the default; accepted as the AWS CLI spells it)
  --apply                   carry the plan out: each value is written as a new version
                            (Overwrite, same type and KMS key, description
                            "restored from TIME by figgy-events"), then read back
  --delete-created-after    delete parameters that did not exist at TIME (listed otherwise);
                            with --into, those under the destination that --prefix lacked at TIME
  --into PATH               clone into PATH: names it would overwrite show as updates, and
                            SecureStrings are written with the destination's key (its own,
                            else the account's default), never the source's
  --into-region REGION      clone into PATH in another region (with --into); everything
                            is read where the source is, only the clone's writes go there
  --into-profile NAME       clone into PATH with another profile's credentials (another
                            account), as --profile names them
  --max-tps N               writes per second (default ${DEFAULT_MAX_TPS}, Parameter Store's usual quota;
                            --max-wps is the same option)
  --account ID              account id for the KMS encryption context, if no parameter
                            is left in the account to learn it from
  --json                    print the plan (and the result) as one JSON document
${awsOptionsHelp(28)}
  -h, --help                show this help

Where each value at TIME comes from (the plan's NOTE column says which, per parameter):
  String, StringList   the audit log, which holds the plaintext of that very version
                       ("value from the audit log"), so deleted parameters come back too
  SecureString         Parameter Store's own version history while it still holds that
                       version ("value from SSM history"), else the audit log's ciphertext
                       decrypted with KMS ("value from the audit ciphertext (KMS)")

Replication destinations are skipped: restore their source and replication follows
(under a mirror's destination, its tagged replicas and the names it will create).

The plan names T as an absolute time; an interrupted --apply (Ctrl-C) stops before its
next write. Run it again with that T (the plan prints the --at to pass; a time ago such as
2h would mean another moment by then): it plans from what is there now, so it writes only
what is left, nothing twice.

Exit codes: 0 done (or planned), 1 a failure, a value that did not verify, an interrupted
apply, or (with --apply) a parameter that could not be restored, 2 bad usage.

Environment: AUDIT_TABLE_NAME, REPLICATION_TABLE_NAME (default figgy-config-*), and the
AWS SDK's own: AWS_REGION, credentials, AWS_ENDPOINT_URL_SSM/_KMS/_DYNAMODB.

Examples:
  figgy-events restore --prefix /app/orders --at 2026-03-01T10:07:30Z
  figgy-events restore --prefix /app/orders --at 2h --apply --max-tps 2
  figgy-events restore --prefix /prod --at 1h --into /staging --apply
`;

/**
 * Runs `restore`; resolves with the exit code.
 *
 * @example
 * const code = await runRestore(['--prefix', '/app', '--at', '2h', '--json'], context);
 */
export async function runRestore(args: readonly string[], context: CommandContext): Promise<number> {
  const { values } = parseOptions(args, {
    prefix: { type: 'string' },
    at: { type: 'string' },
    apply: { type: 'boolean' },
    'delete-created-after': { type: 'boolean' },
    json: { type: 'boolean' },
    'max-tps': { type: 'string' },
    account: { type: 'string' },
    into: { type: 'string' },
    'into-region': { type: 'string' },
    'into-profile': { type: 'string' },
    // A dry run is what restore does without --apply; the flag is taken so that a habit of the
    // AWS CLI does not end in an error.
    'dry-run': { type: 'boolean' },
  }, 0, PACE_ALIASES);
  if (values.help) {
    context.stdout.write(RESTORE_HELP);
    return 0;
  }
  if (values.prefix === undefined) throw new UsageError('--prefix is required, e.g. --prefix /app/orders');
  if (values['dry-run'] && values.apply) throw new UsageError('--dry-run and --apply contradict each other: drop one');
  if (values.at === undefined) throw new UsageError('--at is required, e.g. --at 2026-03-01T10:07:30Z or --at 2h');
  const at = parsePointInTime(values.at, context.now());
  const prefix = prefixOption(values.prefix);
  const into = values.into === undefined ? undefined : prefixOption(values.into, '--into');
  const cloneDestination = cloneDestinationOf(values['into-region'], values['into-profile'], context.env);
  if ((values['into-region'] !== undefined || values['into-profile'] !== undefined) && into === undefined) {
    throw new UsageError('--into-region and --into-profile say where a clone goes: add --into PATH');
  }
  if (cloneDestination === undefined && into !== undefined && (isUnderPrefix(into, prefix) || isUnderPrefix(prefix, into))) {
    throw new UsageError(`--into ${into} overlaps --prefix ${prefix}: clone into a path outside it`);
  }
  const maxTps = paceOption(values['max-tps'], DEFAULT_MAX_TPS);
  if (values.account !== undefined && !/^\d{12}$/.test(values.account)) {
    throw new UsageError(`--account "${values.account}" is not a 12-digit AWS account id`);
  }

  const reading = countProgress(context.stderr, 'audit records read');
  const { service: restorer, close } = restoreService(context.env, {
    log: stderrLog(context.stderr),
    account: values.account,
    progress: reading,
    ...(cloneDestination && { cloneDestination }),
  });
  try {
    const plan = await restorer.plan({ prefix, at, into, deleteCreatedAfter: values['delete-created-after'] ?? false });
    reading?.end();
    const entries = planEntries(plan);
    const summary = summarize(entries);
    const heading =
      plan.from === undefined
        ? `restore ${plan.prefix} to ${new Date(at).toISOString()}`
        : `clone ${plan.from} as it was at ${new Date(at).toISOString()} into ${plan.prefix}${placeOf(cloneDestination)}`;
    if (!values.json) {
      const mode = values.apply ? '' : ' (dry run: nothing is written; --apply carries it out)';
      const again = `to plan or apply for this same T later, pass ${rerunAt(at)}`;
      context.stdout.write(`${heading}${mode}\n${again}\n\n${renderPlanTable(entries, summary)}`);
    }

    let result: ApplyReport | undefined;
    if (values.apply) {
      const work = summary.create + summary.update + summary.delete;
      if (work > 0 && !values.json) {
        context.stdout.write(`\napplying ${work} change(s) at up to ${maxTps} per second...\n`);
      }
      result = await restorer.apply(plan, { maxTps, onProgress: terminalProgress(context.stderr), signal: context.signal });
    }

    if (values.json) {
      const document = {
        prefix: plan.prefix,
        ...(plan.from !== undefined && { from: plan.from }),
        ...(cloneDestination && { destination: cloneDestination }),
        at: new Date(at).toISOString(),
        mode: values.apply ? 'apply' : 'dry-run',
        summary,
        entries,
        ...(result && { result }),
      };
      context.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    } else if (result) {
      context.stdout.write(resultText(result, entries, at));
    }
    const unrestorable = values.apply ? summary.unresolved : 0;
    const incomplete = result && (result.failed.length > 0 || result.mismatches.length > 0 || result.notStarted !== undefined);
    return incomplete || unrestorable > 0 ? 1 : 0;
  } finally {
    close();
  }
}

function resultText(result: ApplyReport, entries: readonly PlanEntry[], at: number): string {
  const lines = [`\n${result.written} written, ${result.deleted} deleted, ${result.failed.length} failed`];
  if (result.notStarted !== undefined) {
    lines.push(
      `interrupted: ${result.notStarted} change(s) not started; run the command again with ${rerunAt(at)} to finish ` +
        '(it writes only what is left)',
    );
  }
  for (const failure of result.failed) lines.push(`  FAILED   ${failure.name}: ${failure.error}`);
  if (result.written + result.deleted > 0) {
    lines.push(result.mismatches.length === 0 ? 'verified: every restored parameter reads back as planned' : 'verification found differences:');
  }
  for (const mismatch of result.mismatches) lines.push(`  MISMATCH ${mismatch.name}: ${mismatch.reason}`);
  const unresolved = entries.filter((entry) => entry.unresolved);
  if (unresolved.length > 0) {
    lines.push(`${unresolved.length} parameter(s) could not be restored:`);
    for (const entry of unresolved) lines.push(`  ${entry.name}: ${entry.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Where a clone writes when `--into-region` or `--into-profile` names a place other than the
 * source's; undefined when they name none, or the source's own.
 */
function cloneDestinationOf(
  region: string | undefined,
  profile: string | undefined,
  env: CommandContext['env'],
): AwsClientConfig | undefined {
  for (const [option, value] of [['--into-region', region], ['--into-profile', profile]] as const) {
    if (value !== undefined && value.trim() === '') throw new UsageError(`${option} is empty: name one, e.g. ${option} ${option === '--into-region' ? 'eu-central-1' : 'staging'}`);
  }
  const source = awsClientConfig(env);
  const otherRegion = region !== undefined && region.trim() !== source.region;
  const otherProfile = profile !== undefined && profile.trim() !== source.profile;
  if (!otherRegion && !otherProfile) return undefined;
  return { ...(region !== undefined && { region: region.trim() }), ...(profile !== undefined && { profile: profile.trim() }) };
}

function placeOf(destination: AwsClientConfig | undefined): string {
  if (!destination) return '';
  const parts = [destination.region && `region ${destination.region}`, destination.profile && `profile ${destination.profile}`].filter(Boolean);
  return ` (${parts.join(', ')})`;
}
