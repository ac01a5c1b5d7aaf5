/**
 * `figgy-events mappings`: add, list, check and remove replication mappings without writing
 * DynamoDB items by hand.
 */
import { userInfo } from 'node:os';
import { collect } from '../shared/concurrency.ts';
import { ValidationError } from '../shared/events/validation.ts';
import { canonicalName, concernsPath, spellingsOf } from '../shared/parameter-paths.ts';
import { KEEP_DELETED, sourcesOf } from '../shared/replication/mapping.ts';
import { mappingItem, sourceText } from '../shared/replication/mapping-items.ts';
import { mappingVerdicts, type MappingVerdict } from '../shared/replication/mapping-verdicts.ts';
import type { ReplicationMapping, StoredMapping } from '../shared/replication/types.ts';
import { mappingCheckService, mappingsService } from './aws-services.ts';
import { renderColumns } from './columns.ts';
import { UsageError, parseOptions, prefixOption, type CommandContext } from './command-line.ts';

const ENVIRONMENT = `Environment: REPLICATION_TABLE_NAME (default figgy-config-replication), and the AWS
SDK's own: AWS_REGION, credentials, AWS_ENDPOINT_URL_DYNAMODB.`;

export const MAPPINGS_HELP = `Usage: figgy-events mappings <add|list|check|remove> [options]

Replication mappings, in the replication table the Figgy CLI writes: each item makes its
destination a copy of what it reads. The replicators pick a change up from the table's
stream at once.

Subcommands:
  add      add an app, merge or mirror mapping
  list     every mapping (or those under --prefix), and the malformed items
  check    what replication does with each mapping: replicating, waiting, refused and why
  remove   remove a mapping (its destination stays as it is)

Run "figgy-events mappings <subcommand> --help" for its options.
`;

const ADD_HELP = `Usage: figgy-events mappings add <app|merge|mirror> --destination NAME --source TEXT [options]

Writes one mapping in the Figgy CLI's item shape, checked first as the replicators read it,
so a malformed item is never written:

  app     the destination is a copy of one parameter:
            {"destination": "/app/db/host", "source": "/shared/db/host", "type": "app"}
  merge   the destination, a SecureString, is the text with each \${/name} (or \${/name:uri},
          form-encoded) replaced by that parameter's value; several --source pieces are
          kept as the list form and joined:
            {"destination": "/app/db/url", "source": ["postgres://\${/db/user:uri}@", "\${/db/host}/orders"], "type": "merge"}
  mirror  every parameter under the source prefix is kept under the destination prefix
          (both end in /), with its metadata and tags:
            {"destination": "/dr/app/", "source": "/app/", "type": "mirror", "keep_deleted": true}

A destination may be a parameter ARN in a replica target (another region or account).

Options:
  --destination NAME   the parameter (a mirror's prefix) to write, or its ARN (required)
  --source TEXT        app: a parameter name; merge: text with \${/name} references, repeat
                       for the list form; mirror: a prefix ending in / (required)
  --keep-deleted       mirror only: keep replicas whose source is deleted
  --replace            replace the destination's mapping if it has one (else refused)
  --user NAME          Figgy's user attribute (default: the account you are logged in as)
  --namespace NAME     Figgy's namespace attribute (default: the destination's /app/<service>/,
                       else none); the Figgy CLI reads both from every item
  --json               print the item written as JSON
  -h, --help           show this help

Exit codes: 0 written, 1 not written (the destination has a mapping, or a failure),
2 bad usage or an item the replicators would not read.

${ENVIRONMENT}

Examples:
  figgy-events mappings add app --destination /app/db/host --source /shared/db/host
  figgy-events mappings add merge --destination /app/db/url --source 'postgres://\${/db/user:uri}@\${/db/host}/orders'
  figgy-events mappings add mirror --destination arn:aws:ssm:eu-central-1:123456789012:parameter/dr/app/ --source /app/
`;

const LIST_HELP = `Usage: figgy-events mappings list [--prefix PATH] [--json]

Every item of the replication table as the replicators read it: destination, type and
what it reads (a merge's text, list form joined), and each malformed item with the field
it breaks. Does not judge them: "mappings check" does.

Options:
  --prefix PATH   only mappings that write or read under PATH
  --json          print the mappings as JSON
  -h, --help      show this help

Exit codes: 0 done, 1 a failure, 2 bad usage.

${ENVIRONMENT}
`;

const CHECK_HELP = `Usage: figgy-events mappings check [DESTINATION] [--prefix PATH] [--json]

Judges every mapping (or the one of DESTINATION, or those under --prefix) by the replication
rule the functions run, with their settings, and prints each verdict:

  replicating   in sync, or out of date and written on the next change of a source or
                syncer pass; a mirror that may copy (its replicas are judged as they change)
  waiting       a source (a merge part) does not exist: nothing is written until it does
  refused       the rule refuses it, and why (a destination outside the prefixes, a
                replica target not configured, a cycle, an overlapping mirror, ...)
  malformed     the item breaks the table contract: the field and what is wrong
  failed        it could not be judged (a read failed)

Reads the sources and destinations the rule allows, as the functions do (SecureStrings
decrypted, so it needs ssm:GetParameters and kms:Decrypt on them; a value is never
printed); writes nothing. A mapping it cannot read for is reported as failed.

Options:
  --prefix PATH   only mappings that write or read under PATH
  --json          print the verdicts as JSON
  -h, --help      show this help

Exit codes: 0 none refused, malformed or failed, 1 any is (or a failure), 2 bad usage.

${ENVIRONMENT}
The rule's settings come from the replication functions' variables, which must be set as
the deployment has them: REPLICATION_DESTINATION_PREFIXES (required),
REPLICATION_SOURCE_PREFIXES, REPLICATION_REPLICA_TARGETS, REPLICATION_HOME_ACCOUNT_ID,
REPLICATION_KMS_KEY_ID (the sandbox's --serve prints them).
`;

const REMOVE_HELP = `Usage: figgy-events mappings remove DESTINATION [--json]

Removes the mapping of DESTINATION (as the item is keyed: a name, a mirror's prefix or an
ARN). The destination, and a mirror's replicas, stay as they are: nothing replicates into
them any more.

Options:
  --json       print the item removed as JSON
  -h, --help   show this help

Exit codes: 0 removed, 1 no such mapping (or a failure), 2 bad usage.

${ENVIRONMENT}
`;

type Subcommand = (args: readonly string[], context: CommandContext) => Promise<number>;

const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = { add, list, check, remove };

/**
 * Runs `mappings`; resolves with the exit code.
 *
 * @example
 * const code = await runMappings(['check', '--json'], context);
 */
export async function runMappings(args: readonly string[], context: CommandContext): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? context.stderr : context.stdout).write(MAPPINGS_HELP);
    return name === undefined ? 2 : 0;
  }
  const subcommand = SUBCOMMANDS[name];
  if (!subcommand) throw new UsageError(`unknown subcommand "${name}": add, list, check or remove`);
  return subcommand(rest, context);
}

const KINDS = ['app', 'merge', 'mirror'];

async function add(args: readonly string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    {
      destination: { type: 'string' },
      source: { type: 'string', multiple: true },
      'keep-deleted': { type: 'boolean' },
      replace: { type: 'boolean' },
      user: { type: 'string' },
      namespace: { type: 'string' },
      json: { type: 'boolean' },
    },
    1,
  );
  if (values.help) {
    context.stdout.write(ADD_HELP);
    return 0;
  }
  const [kind] = positionals;
  if (kind === undefined) throw new UsageError('the kind of mapping is required: mappings add app|merge|mirror --destination ... --source ...');
  if (!KINDS.includes(kind)) throw new UsageError(`"${kind}" is not a kind of mapping: app, merge or mirror`);
  if (values.destination === undefined) throw new UsageError('--destination is required, e.g. --destination /app/db/host');
  if (values.source === undefined) throw new UsageError('--source is required, e.g. --source /shared/db/host');
  let item;
  try {
    item = mappingItem({
      type: kind,
      destination: values.destination,
      sources: values.source,
      keepDeleted: values['keep-deleted'] ?? false,
      // The Figgy CLI requires a user on every item; it writes the account it runs as.
      user: values.user ?? userInfo().username,
      ...(values.namespace !== undefined && { namespace: values.namespace }),
    });
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(`not written: ${error.message}`, { cause: error });
    throw error;
  }
  const { service: mappings, close } = mappingsService(context.env);
  try {
    await mappings.put(item, { replace: values.replace ?? false });
  } finally {
    close();
  }
  if (values.json) {
    context.stdout.write(`${JSON.stringify({ table: mappings.tableName, added: item }, null, 2)}\n`);
  } else {
    const destination = String(item.destination);
    const keep = item[KEEP_DELETED] === true ? ' (keeping deleted replicas)' : '';
    context.stdout.write(
      `added ${kind} mapping ${destination} <- ${[values.source].flat().join('')}${keep} to ${mappings.tableName}\n` +
        `the replicators take it up from the table's stream; "figgy-events mappings check ${destination}" shows its verdict\n`,
    );
  }
  return 0;
}

async function list(args: readonly string[], context: CommandContext): Promise<number> {
  const { values } = parseOptions(args, { prefix: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    context.stdout.write(LIST_HELP);
    return 0;
  }
  const prefix = values.prefix === undefined ? undefined : prefixOption(values.prefix);
  const { service: mappings, close } = mappingsService(context.env);
  let stored;
  try {
    stored = (await collect(mappings.scan())).filter((each) => prefix === undefined || concerns(each, prefix));
  } finally {
    close();
  }
  stored.sort((a, b) => compare(keyOf(a), keyOf(b)));
  const malformed = stored.filter((each) => !each.valid).length;
  if (values.json) {
    const listed = stored.map((each) =>
      each.valid ? described(each.mapping) : { ...(each.destination !== undefined && { destination: each.destination }), malformed: { field: each.error.field, reason: each.error.message } },
    );
    context.stdout.write(`${JSON.stringify({ table: mappings.tableName, ...(prefix !== undefined && { prefix }), mappings: listed }, null, 2)}\n`);
    return 0;
  }
  const rows = stored.map((each) =>
    each.valid
      ? [each.mapping.type, each.mapping.destination, `${sourceText(each.mapping)}${each.mapping.type === 'mirror' && each.mapping.keepDeleted ? ' (keep deleted)' : ''}`]
      : ['MALFORMED', each.destination ?? '(no destination)', each.error.message],
  );
  const under = prefix === undefined ? '' : ` under ${prefix}`;
  const body = rows.length > 0 ? `${renderColumns(['TYPE', 'DESTINATION', 'SOURCE'], rows)}\n` : '';
  context.stdout.write(`${body}${stored.length} mapping(s)${under} in ${mappings.tableName}, ${malformed} malformed\n`);
  return 0;
}

async function check(args: readonly string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { prefix: { type: 'string' }, json: { type: 'boolean' } }, 1);
  if (values.help) {
    context.stdout.write(CHECK_HELP);
    return 0;
  }
  const [destination] = positionals;
  if (destination !== undefined && values.prefix !== undefined) throw new UsageError('give a DESTINATION or --prefix, not both');
  const prefix = values.prefix === undefined ? undefined : prefixOption(values.prefix);
  const { service, close } = await mappingCheckService(context.env);
  let verdicts;
  try {
    const all = await collect(service.mappings.scan());
    const judged = all.filter((each) => (destination !== undefined ? isMappingOf(each, destination) : prefix === undefined || concerns(each, prefix)));
    if (destination !== undefined && judged.length === 0) {
      context.stderr.write(`figgy-events mappings check: no mapping of ${destination} in ${service.mappings.tableName}\n`);
      return 1;
    }
    verdicts = await mappingVerdicts(all, service.judging, judged);
  } finally {
    close();
  }
  const counts = countOf(verdicts);
  if (values.json) {
    const document = { table: service.mappings.tableName, ...(prefix !== undefined && { prefix }), summary: counts, verdicts };
    context.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    const rows = verdicts.map((verdict) => [verdict.status, verdict.destination ?? '(no destination)', verdictText(verdict)]);
    const body = rows.length > 0 ? `${renderColumns(['VERDICT', 'DESTINATION', 'WHAT'], rows)}\n` : '';
    const summary = Object.entries(counts).map(([status, count]) => `${count} ${status}`).join(', ');
    context.stdout.write(`${body}${verdicts.length} mapping(s): ${summary}\n`);
  }
  return counts.refused + counts.malformed + counts.failed > 0 ? 1 : 0;
}

async function remove(args: readonly string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, 1);
  if (values.help) {
    context.stdout.write(REMOVE_HELP);
    return 0;
  }
  const [destination] = positionals;
  if (destination === undefined) throw new UsageError('the DESTINATION to remove the mapping of is required, e.g. mappings remove /app/db/host');
  const { service: mappings, close } = mappingsService(context.env);
  let removed: StoredMapping | undefined;
  try {
    // The functions read a root-level /x also where it is keyed x, as the Figgy CLI may write it.
    for (const key of destination.startsWith('/') ? spellingsOf(destination) : [destination]) {
      removed = await mappings.delete(key);
      if (removed) break;
    }
  } finally {
    close();
  }
  if (!removed) {
    context.stderr.write(`figgy-events mappings remove: no mapping of ${destination} in ${mappings.tableName}: nothing removed\n`);
    return 1;
  }
  if (values.json) {
    const item = removed.valid ? described(removed.mapping) : { destination, malformed: { field: removed.error.field, reason: removed.error.message } };
    context.stdout.write(`${JSON.stringify({ table: mappings.tableName, removed: item }, null, 2)}\n`);
  } else {
    const what = removed.valid ? `${removed.mapping.type} mapping ${removed.mapping.destination} <- ${sourceText(removed.mapping)}` : `malformed mapping ${destination}`;
    context.stdout.write(`removed ${what} from ${mappings.tableName}; the destination stays as it is\n`);
  }
  return 0;
}

/** A mapping as `list` and `remove` print it in JSON, in the item's own terms. */
function described(mapping: ReplicationMapping): Record<string, unknown> {
  return {
    destination: mapping.destination,
    type: mapping.type,
    source: sourceText(mapping),
    ...(mapping.type === 'mirror' && { [KEEP_DELETED]: mapping.keepDeleted }),
    ...(mapping.user !== undefined && { user: mapping.user }),
    ...(mapping.namespace !== undefined && { namespace: mapping.namespace }),
  };
}

function verdictText(verdict: MappingVerdict): string {
  const what = verdict.type === undefined ? '' : `${verdict.type} of ${verdict.source}${verdict.place ? ` into ${verdict.place}` : ''}: `;
  switch (verdict.status) {
    case 'replicating':
      if (verdict.state === 'in-sync') return `${what}in sync`;
      if (verdict.state === 'mirror') return `${what}copies every parameter under its source`;
      if (verdict.state === 'not-read') return `${what}allowed, its sources there; ${verdict.reason}`;
      return `${what}out of date: written on the next change of a source or the syncer's pass`;
    case 'waiting':
      return `${what}${verdict.reason}: nothing is written until it exists`;
    default:
      return `${what}${verdict.reason}`;
  }
}

function countOf(verdicts: readonly MappingVerdict[]): Record<MappingVerdict['status'], number> {
  const counts = { replicating: 0, waiting: 0, refused: 0, malformed: 0, failed: 0 };
  for (const verdict of verdicts) counts[verdict.status]++;
  return counts;
}

/** Whether an item is the mapping of `destination`, however it names a root-level one. */
function isMappingOf(stored: StoredMapping, destination: string): boolean {
  const key = stored.valid ? stored.mapping.destination : stored.destination;
  if (key === undefined) return false;
  return key === destination || (!key.startsWith('arn:') && !destination.startsWith('arn:') && canonicalName(key) === canonicalName(destination));
}

/**
 * Whether a mapping writes or reads under `prefix` (its destination in any place, and a mirror
 * of a prefix above `prefix` too); a malformed item by the destination it names.
 */
function concerns(stored: StoredMapping, prefix: string): boolean {
  if (!stored.valid) {
    return stored.destination !== undefined && !stored.destination.startsWith('arn:') && concernsPath(canonicalName(stored.destination), prefix);
  }
  const { mapping } = stored;
  const paths = mapping.type === 'mirror' ? [mapping.target.name, mapping.source] : [mapping.target.name, ...sourcesOf(mapping)];
  return paths.some((path) => concernsPath(path, prefix));
}

function keyOf(stored: StoredMapping): string {
  return (stored.valid ? stored.mapping.destination : stored.destination) ?? '';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
