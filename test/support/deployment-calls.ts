/**
 * A realistic disaster-recovery deployment and every call its functions make, each with the
 * decision the design wants: allowed where the code needs it, denied where the design says no.
 * Both the differential test (our evaluator against iam-simulate) and the infrastructure test
 * (iam-simulate against the synthesized JSON) ask about exactly these calls.
 *
 * - Home: `figgy` in 123456789012 / eu-west-1, replicating `/app/` from `/shared/` and `/app/`.
 * - A same-account target in eu-central-1 under `/dr/`, with its own key.
 * - A cross-account target in 210987654321 / us-east-1 whose `FiggyReplicaTarget` trusts two
 *   sources: this deployment (prod, `/dr/prod/`) and a dev deployment in 111122223333 (`/dr/dev/`).
 */
import { FUNCTIONS, FUNCTION_NAMES, type FunctionName, type FunctionSpec, type TableOperation } from '../../shared/functions.ts';
import { checkPrefixes } from '../../shared/parameter-paths.ts';
import type { ReplicaTarget } from '../../shared/replication/replica-targets.ts';
import { TABLES, tableNames, type TableRole } from '../../shared/tables.ts';
import {
  assumeRoleRequest,
  dynamoDbRequests,
  kmsRequest,
  lookupEventsRequest,
  sendMessageRequest,
  ssmRequests,
  type ActionOnResource,
} from '../../local/iam/aws-requests.ts';
import { functionRoleName } from '../../stacks/function-role-name.ts';
import { replicaWriterRoleName, type FiggyReplicaTargetProps, type ReplicaSource } from '../../stacks/replica-target.ts';

export const HOME = '123456789012';
export const DR = '210987654321';
export const DEV = '111122223333';
export const REGION = 'eu-west-1';
export const SAME_ACCOUNT_DR_REGION = 'eu-central-1';
export const DR_REGION = 'us-east-1';
export const NAME_PREFIX = 'figgy';

const prefixes = (list: string[], rootAllowed: boolean) =>
  checkPrefixes(list, (reason) => new Error(reason), { rootAllowed });

export const DESTINATION_PREFIXES = prefixes(['/app/'], false);
export const SOURCE_PREFIXES = prefixes(['/shared/', '/app/'], true);
export const AUDITED_NAMESPACES = prefixes(['/app/', '/shared/'], true);
export const TABLE_NAMES = tableNames(NAME_PREFIX);
export const REPLICATION_KEY = `arn:aws:kms:${REGION}:${HOME}:key/0b4c1c9e-0000-4000-8000-000000000001`;
export const SAME_ACCOUNT_DR_KEY = `arn:aws:kms:${SAME_ACCOUNT_DR_REGION}:${HOME}:key/0b4c1c9e-0000-4000-8000-000000000002`;
export const DR_KEY = `arn:aws:kms:${DR_REGION}:${DR}:key/0b4c1c9e-0000-4000-8000-000000000003`;
/** The AWS managed key for SSM at home (`alias/aws/ssm`), which source SecureStrings commonly use. */
export const MANAGED_SSM_KEY = `arn:aws:kms:${REGION}:${HOME}:key/0b4c1c9e-0000-4000-8000-0000000a55a5`;

export const PROD_SOURCE: ReplicaSource = { accountId: HOME, region: REGION, destinationPrefixes: ['/dr/prod/'] };
export const DEV_SOURCE: ReplicaSource = { accountId: DEV, region: REGION, destinationPrefixes: ['/dr/dev/'] };
export const PROD_WRITER_ROLE = `arn:aws:iam::${DR}:role/${replicaWriterRoleName(PROD_SOURCE)}`;
export const DEV_WRITER_ROLE = `arn:aws:iam::${DR}:role/${replicaWriterRoleName(DEV_SOURCE)}`;

/** The home deployment's targets, as `resolveReplicaTargets` returns them. */
export const REPLICA_TARGETS: readonly ReplicaTarget[] = [
  { region: SAME_ACCOUNT_DR_REGION, destinationPrefixes: prefixes(['/dr/'], false), kmsKeyArn: SAME_ACCOUNT_DR_KEY },
  { region: DR_REGION, accountId: DR, roleArn: PROD_WRITER_ROLE, destinationPrefixes: prefixes(['/dr/prod/'], false), kmsKeyArn: DR_KEY },
];

/** The target account's construct: two sources, one key. */
export const DR_TARGET_PROPS: FiggyReplicaTargetProps = {
  accountId: DR,
  regions: [DR_REGION],
  destinationPrefixes: ['/dr/'],
  sources: [PROD_SOURCE, DEV_SOURCE],
  kmsKeyArns: [DR_KEY],
};

/** Who makes a call: a home function's role session, a replica writer's session, or a role made up to be refused. */
export type CallerName = FunctionName | 'prod-writer' | 'dev-writer' | 'dev-replication-syncer' | 'home-stranger';

export interface Caller {
  readonly account: string;
  readonly roleName: string;
  readonly sessionName: string;
}

/** The role and session a caller acts as. */
export function callerOf(name: CallerName): Caller {
  switch (name) {
    case 'prod-writer':
      return { account: DR, roleName: replicaWriterRoleName(PROD_SOURCE), sessionName: 'replication-syncer' };
    case 'dev-writer':
      return { account: DR, roleName: replicaWriterRoleName(DEV_SOURCE), sessionName: 'replication-syncer' };
    case 'dev-replication-syncer':
      return { account: DEV, roleName: functionRoleName(NAME_PREFIX, 'replication-syncer', REGION), sessionName: 'replication-syncer' };
    case 'home-stranger':
      return { account: HOME, roleName: 'figgy-stranger', sessionName: 'stranger' };
    default:
      return { account: HOME, roleName: functionRoleName(NAME_PREFIX, name, REGION), sessionName: name };
  }
}

export const roleArnOf = (caller: Caller) => `arn:aws:iam::${caller.account}:role/${caller.roleName}`;
export const sessionArnOf = (caller: Caller) => `arn:aws:sts::${caller.account}:assumed-role/${caller.roleName}/${caller.sessionName}`;

/** One call and the decision the design wants for it. */
export interface ExpectedCall {
  readonly caller: CallerName;
  /** What the call is, for the failure message. */
  readonly call: string;
  readonly needed: ActionOnResource;
  readonly allowed: boolean;
}

const home = { region: REGION, account: HOME };
const parameterArn = (name: string, region = REGION, account = HOME) => `arn:aws:ssm:${region}:${account}:parameter${name}`;
const ssm = (operation: string, input: Record<string, unknown>, region = REGION, account = HOME) =>
  ssmRequests(operation, input, { region, account }, (name) => parameterArn(name, region, account));
const viaSsm = (region: string) => `ssm.${region}.amazonaws.com`;
const partitionKeyOf = (table: string) =>
  (Object.keys(TABLE_NAMES) as TableRole[]).map((role) => (TABLE_NAMES[role] === table ? TABLES[role].partitionKey.name : undefined)).find(Boolean);

/** The wire request a catalog table operation stands for, on an item of `key`. */
function tableCall(operation: TableOperation, table: string, key: string): [string, Record<string, unknown>] {
  const attribute = partitionKeyOf(table) as string;
  const item = { [attribute]: { S: key } };
  const transact = (kind: string, member: 'Item' | 'Key') => ['TransactWriteItems', { TransactItems: [{ [kind]: { TableName: table, [member]: item } }] }] as [string, Record<string, unknown>];
  switch (operation) {
    case 'Query':
      return ['Query', { TableName: table, KeyConditionExpression: '#k = :k', ExpressionAttributeNames: { '#k': attribute }, ExpressionAttributeValues: { ':k': { S: key } } }];
    case 'Scan':
      return ['Scan', { TableName: table }];
    case 'PutItem':
      return ['PutItem', { TableName: table, Item: item }];
    case 'BatchWriteItem':
      return ['BatchWriteItem', { RequestItems: { [table]: [{ PutRequest: { Item: item } }, { DeleteRequest: { Key: item } }] } }];
    case 'TransactWriteItems:Put':
      return transact('Put', 'Item');
    case 'TransactWriteItems:Update':
      return transact('Update', 'Key');
    case 'TransactWriteItems:Delete':
      return transact('Delete', 'Key');
    case 'TransactWriteItems:ConditionCheck':
      return transact('ConditionCheck', 'Key');
    default:
      return [operation, { TableName: table, Key: item }];
  }
}

function dynamo(operation: string, body: Record<string, unknown>): ActionOnResource[] {
  return dynamoDbRequests(operation, body, home, partitionKeyOf);
}

/** Every call of the catalog's functions, plus the calls the design refuses. */
export function deploymentCalls(): ExpectedCall[] {
  const calls: ExpectedCall[] = [];
  const add = (caller: CallerName, call: string, needed: readonly ActionOnResource[], allowed: boolean) => {
    for (const each of needed) calls.push({ caller, call, needed: each, allowed });
  };

  for (const name of FUNCTION_NAMES) {
    const spec: FunctionSpec = FUNCTIONS[name];
    // The tables: each operation the catalog lists, on the function's own job's item where it has one.
    for (const [role, operations] of Object.entries(spec.tables) as [TableRole, readonly TableOperation[]][]) {
      for (const operation of operations) {
        const key = role === 'syncProgress' ? (spec.jobs?.[0] as string) : '/app/x';
        add(name, `${operation} on ${role}`, dynamo(...tableCall(operation, TABLE_NAMES[role], key)), true);
      }
    }
    add(name, 'its failed events to its dead-letter queue', [sendMessageRequest(`arn:aws:sqs:${REGION}:${HOME}:${NAME_PREFIX}-${name}-dlq`)], true);
    add(name, "another function's dead-letter queue", [sendMessageRequest(`arn:aws:sqs:${REGION}:${HOME}:${NAME_PREFIX}-other-dlq`)], false);
    add(name, 'a delete of an audit record', dynamo('DeleteItem', { TableName: TABLE_NAMES.audit, Key: { parameter_name: { S: '/app/x' } } }), false);
    add(name, 'a query of the audit user index', dynamo('Query', { TableName: TABLE_NAMES.audit, IndexName: 'AuditByUserIdx' }), false);

    // CloudTrail's event history: the audit syncer's lookups, which no other function makes.
    add(name, spec.eventHistory ? 'LookupEvents' : 'LookupEvents (only the audit syncer)', [lookupEventsRequest(home)], spec.eventHistory === true);

    const ssmAccess = spec.ssm as readonly string[];
    if (ssmAccess.includes('describe')) add(name, 'DescribeParameters', ssm('DescribeParameters', {}), true);
    if (ssmAccess.includes('read-version')) {
      add(name, 'GetParameter of an audited name', ssm('GetParameter', { Name: '/shared/db' }), true);
      add(name, 'GetParameter outside the audited namespaces', ssm('GetParameter', { Name: '/secret/db' }), false);
    }
    if (ssmAccess.includes('read-decrypted')) {
      add(name, 'GetParameters of a source and a destination', ssm('GetParameters', { Names: ['/shared/db', '/app/db'] }), true);
      add(name, 'ListTagsForResource of a source', ssm('ListTagsForResource', { ResourceType: 'Parameter', ResourceId: '/shared/db' }), true);
      add(name, 'GetParameter outside the source prefixes', ssm('GetParameter', { Name: '/secret/db' }), false);
      const decrypt = (keyArn: string, parameter: string, viaService?: string) =>
        kmsRequest({ action: 'kms:Decrypt', keyArn, callerAccount: HOME, encryptionContext: { PARAMETER_ARN: parameterArn(parameter) }, ...(viaService && { viaService }) });
      add(name, 'Decrypt of a source by SSM with the replication key', [decrypt(REPLICATION_KEY, '/shared/db', viaSsm(REGION))], true);
      add(name, 'Decrypt of a source by SSM with the AWS managed key', [decrypt(MANAGED_SSM_KEY, '/shared/db', viaSsm(REGION))], true);
      add(name, 'Decrypt called directly, not through SSM', [decrypt(REPLICATION_KEY, '/shared/db')], false);
    } else {
      // The AWS managed key's own policy lets any principal of the account decrypt through
      // SSM; the role's explicit Deny keeps a value the auditor stores as ciphertext from it.
      add(name, 'Decrypt by SSM with the AWS managed key (its key policy allows the account; the role denies it)', [
        kmsRequest({ action: 'kms:Decrypt', keyArn: MANAGED_SSM_KEY, callerAccount: HOME, viaService: viaSsm(REGION), encryptionContext: { PARAMETER_ARN: parameterArn('/app/x') } }),
      ], false);
      add(name, 'Decrypt by SSM with the replication key (only readers of decrypted values)', [
        kmsRequest({ action: 'kms:Decrypt', keyArn: REPLICATION_KEY, callerAccount: HOME, viaService: viaSsm(REGION), encryptionContext: { PARAMETER_ARN: parameterArn('/app/x') } }),
      ], false);
    }
    if (ssmAccess.includes('write-destinations')) {
      add(name, 'PutParameter of a destination', ssm('PutParameter', { Name: '/app/db' }), true);
      add(name, 'PutParameter of the prefix itself', ssm('PutParameter', { Name: '/app' }), true);
      add(name, 'PutParameter outside the destination prefixes', ssm('PutParameter', { Name: '/shared/db' }), false);
      add(name, 'PutParameter of a name that only starts like a prefix', ssm('PutParameter', { Name: '/application/db' }), false);
      // The same-account target: SSM in its region, its key through SSM there for its replicas only.
      add(name, 'PutParameter in the same-account target', ssm('PutParameter', { Name: '/dr/db' }, SAME_ACCOUNT_DR_REGION), true);
      add(name, 'GetParametersByPath in the same-account target', ssm('GetParametersByPath', { Path: '/dr/' }, SAME_ACCOUNT_DR_REGION), true);
      add(name, 'PutParameter outside the same-account target', ssm('PutParameter', { Name: '/app/db' }, SAME_ACCOUNT_DR_REGION), false);
      const drEncrypt = (parameter: string) =>
        kmsRequest({ action: 'kms:Encrypt', keyArn: SAME_ACCOUNT_DR_KEY, callerAccount: HOME, viaService: viaSsm(SAME_ACCOUNT_DR_REGION), encryptionContext: { PARAMETER_ARN: parameterArn(parameter, SAME_ACCOUNT_DR_REGION) } });
      add(name, 'Encrypt of a same-account replica with its key', [drEncrypt('/dr/db')], true);
      add(name, "Encrypt of another parameter with the target's key", [drEncrypt('/other/db')], false);
      add(name, 'DescribeKey of a key in the same-account target', [kmsRequest({ action: 'kms:DescribeKey', keyArn: SAME_ACCOUNT_DR_KEY, callerAccount: HOME })], true);
      add(name, "AssumeRole of its own target's role", [assumeRoleRequest(PROD_WRITER_ROLE, name)], true);
      add(name, "AssumeRole of another source's role", [assumeRoleRequest(DEV_WRITER_ROLE, name)], false);
    } else {
      add(name, 'PutParameter of a destination (only writers)', ssm('PutParameter', { Name: '/app/db' }), false);
      add(name, 'AssumeRole of the target role (only writers)', [assumeRoleRequest(PROD_WRITER_ROLE, name)], false);
    }
    if (ssmAccess.includes('keep-replicas')) {
      add(name, 'DeleteParameters of replicas', ssm('DeleteParameters', { Names: ['/app/a', '/app/b'] }), true);
      add(name, 'AddTagsToResource of a replica', ssm('AddTagsToResource', { ResourceType: 'Parameter', ResourceId: '/app/a' }), true);
      add(name, 'DeleteParameter outside the destination prefixes', ssm('DeleteParameter', { Name: '/shared/db' }), false);
    }
    if (spec.encrypts) {
      const encrypt = (action: 'kms:Encrypt' | 'kms:GenerateDataKey', parameter: string) =>
        kmsRequest({ action, keyArn: REPLICATION_KEY, callerAccount: HOME, viaService: viaSsm(REGION), encryptionContext: { PARAMETER_ARN: parameterArn(parameter) } });
      add(name, 'Encrypt of a destination with the replication key', [encrypt('kms:Encrypt', '/app/db')], true);
      add(name, 'GenerateDataKey for an advanced destination', [encrypt('kms:GenerateDataKey', '/app/db')], true);
      add(name, 'Encrypt of a parameter outside the destinations', [encrypt('kms:Encrypt', '/shared/db')], false);
      add(name, 'DescribeKey of a key at home', [kmsRequest({ action: 'kms:DescribeKey', keyArn: REPLICATION_KEY, callerAccount: HOME })], true);
    } else {
      add(name, 'Encrypt with the replication key (only writers)', [
        kmsRequest({ action: 'kms:Encrypt', keyArn: REPLICATION_KEY, callerAccount: HOME, viaService: viaSsm(REGION), encryptionContext: { PARAMETER_ARN: parameterArn('/app/db') } }),
      ], false);
    }
  }

  // The progress table: each job's item is its own.
  add('config-cache-syncer', "UpdateItem of the replication job's progress item", dynamo(...tableCall('UpdateItem', TABLE_NAMES.syncProgress, 'replication-syncer')), false);
  add('dynamo-stream-replicator', "UpdateItem of the cache job's progress item", dynamo(...tableCall('UpdateItem', TABLE_NAMES.syncProgress, 'config-cache-syncer')), false);
  add('replication-syncer', 'a Scan of the progress table (no key to hold it to)', dynamo('Scan', { TableName: TABLE_NAMES.syncProgress }), false);

  // The stream, as Lambda's event source mapping reads it with the stream function's role.
  const stream = `arn:aws:dynamodb:ddblocal:000000000000:table/${TABLE_NAMES.replication}/stream/2026-01-01T00:00:00.000`;
  add('dynamo-stream-replicator', 'DescribeStream', dynamo('DescribeStream', { StreamArn: stream }), true);
  add('dynamo-stream-replicator', 'GetShardIterator', dynamo('GetShardIterator', { StreamArn: stream }), true);
  add('dynamo-stream-replicator', 'GetRecords', dynamo('GetRecords', { ShardIterator: `${stream}|001|abc` }), true);
  add('dynamo-stream-replicator', 'ListStreams, which authorizes only on *', dynamo('ListStreams', {}), false);
  add('parameter-stream-replicator', 'GetRecords (only the stream function)', dynamo('GetRecords', { ShardIterator: `${stream}|001|abc` }), false);

  // The cross-account target, as each source's role session.
  const dr = (operation: string, input: Record<string, unknown>) => ssm(operation, input, DR_REGION, DR);
  const drEncrypt = (parameter: string) =>
    kmsRequest({ action: 'kms:Encrypt', keyArn: DR_KEY, callerAccount: DR, viaService: viaSsm(DR_REGION), encryptionContext: { PARAMETER_ARN: parameterArn(parameter, DR_REGION, DR) } });
  add('prod-writer', 'PutParameter under its own prefix', dr('PutParameter', { Name: '/dr/prod/db' }), true);
  add('prod-writer', 'DeleteParameter under its own prefix', dr('DeleteParameter', { Name: '/dr/prod/db' }), true);
  add('prod-writer', 'GetParametersByPath of its prefix', dr('GetParametersByPath', { Path: '/dr/prod' }), true);
  add('prod-writer', 'DescribeParameters', dr('DescribeParameters', {}), true);
  add('prod-writer', 'Encrypt of its replica with the target key', [drEncrypt('/dr/prod/db')], true);
  add('prod-writer', 'DescribeKey of the target key', [kmsRequest({ action: 'kms:DescribeKey', keyArn: DR_KEY, callerAccount: DR })], true);
  add('prod-writer', "PutParameter under another source's prefix", dr('PutParameter', { Name: '/dr/dev/db' }), false);
  add('prod-writer', "DeleteParameter under another source's prefix", dr('DeleteParameter', { Name: '/dr/dev/db' }), false);
  add('prod-writer', 'PutParameter outside the destination prefixes', dr('PutParameter', { Name: '/app/db' }), false);
  add('prod-writer', "Encrypt of another source's replica", [drEncrypt('/dr/dev/db')], false);
  add('prod-writer', 'Decrypt called directly, not through SSM', [kmsRequest({ action: 'kms:Decrypt', keyArn: DR_KEY, callerAccount: DR })], false);
  add('dev-writer', 'PutParameter under its own prefix', dr('PutParameter', { Name: '/dr/dev/db' }), true);
  add('dev-writer', "PutParameter under prod's prefix", dr('PutParameter', { Name: '/dr/prod/db' }), false);
  add('dev-replication-syncer', "AssumeRole of its own source's role", [assumeRoleRequest(DEV_WRITER_ROLE, 'replication-syncer')], true);
  add('dev-replication-syncer', "AssumeRole of prod's role, which trusts only prod's account", [assumeRoleRequest(PROD_WRITER_ROLE, 'replication-syncer')], false);
  add('home-stranger', "AssumeRole of prod's role from prod's account, not as a replicating role", [assumeRoleRequest(PROD_WRITER_ROLE, 'stranger')], false);
  return calls;
}
