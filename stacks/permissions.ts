/**
 * Least-privilege IAM for each function, derived from its entry in the function catalog.
 *
 * A pure function of the catalog and the resources' ARNs, so the rules can be read (and
 * tested) without synthesizing anything: what a function may touch is decided in
 * `shared/functions.ts`, and this file only spells it in IAM.
 */
import { isUnderPrefix } from '../shared/parameter-paths.ts';
import {
  FUNCTIONS,
  type FunctionName,
  type FunctionSpec,
  type SsmAccess,
  type TableOperation,
} from '../shared/functions.ts';
import type { ReplicaTarget } from '../shared/replication/replica-targets.ts';
import type { TableRole } from '../shared/tables.ts';
import { prefixArnPatterns } from './parameter-arn-patterns.ts';
import type { PolicyDocument, PolicyStatement } from './policy-documents.ts';
import { describeKeysStatement, replicaTargetStatements } from './replica-grants.ts';

/** Where a function's policy points: ARNs (or tokens for them) of what it may use. */
export interface FunctionGrants {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly tableArns: Readonly<Record<TableRole, string>>;
  readonly logGroupArn: string;
  readonly deadLetterQueueArn: string;
  /** Prefixes as `normalizePrefix` returns them. */
  readonly auditedNamespaces: readonly string[];
  /** Prefixes as `normalizePrefix` returns them. */
  readonly destinationPrefixes: readonly string[];
  /** Prefixes as `normalizePrefix` returns them; `/` for every parameter. */
  readonly sourcePrefixes: readonly string[];
  readonly replicationKeyArn: string;
  /** Disaster-recovery targets, checked (see `resolveReplicaTargets`). */
  readonly replicaTargets: readonly ReplicaTarget[];
}

/**
 * The IAM action each table operation of the catalog needs. An action of a transaction is
 * authorised as the single-item call it stands for (see "Using IAM with DynamoDB
 * transactions"); only a ConditionCheck has an action of its own.
 */
export const TABLE_OPERATION_ACTIONS: Readonly<Record<TableOperation, string>> = {
  GetItem: 'dynamodb:GetItem',
  Query: 'dynamodb:Query',
  Scan: 'dynamodb:Scan',
  PutItem: 'dynamodb:PutItem',
  UpdateItem: 'dynamodb:UpdateItem',
  DeleteItem: 'dynamodb:DeleteItem',
  BatchWriteItem: 'dynamodb:BatchWriteItem',
  'TransactWriteItems:Put': 'dynamodb:PutItem',
  'TransactWriteItems:Update': 'dynamodb:UpdateItem',
  'TransactWriteItems:Delete': 'dynamodb:DeleteItem',
  'TransactWriteItems:ConditionCheck': 'dynamodb:ConditionCheckItem',
};

/** The IAM actions for a list of table operations, each once, in a stable order. */
export function tableActions(operations: readonly TableOperation[]): string[] {
  return [...new Set(operations.map((operation) => TABLE_OPERATION_ACTIONS[operation]))].sort();
}

/** The table whose stream the `replication-stream` trigger reads. */
export const STREAM_TABLE: TableRole = 'replication';

/**
 * What Lambda's event source mapping reads the stream with, on the function's role. Not
 * `dynamodb:ListStreams`, which AWS's examples list beside them: it authorises only on `*`, so
 * granted on the stream it grants nothing, and the mapping names its stream by ARN.
 */
export const STREAM_READ_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];

function pascal(words: string): string {
  return words
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** The table whose items are jobs: each function is granted only its own jobs' items. */
const JOB_TABLE: TableRole = 'syncProgress';

/**
 * Holds a request to the items of `jobs`. `dynamodb:LeadingKeys` is the set of partition key
 * values a request names, and ForAllValues requires every one of them to be listed. A request
 * naming no key (a Scan) would pass vacuously, so this confines item calls only, which are
 * all the catalog grants on the table; no jobs listed denies every item.
 */
function jobItemsCondition(jobs: readonly string[]): NonNullable<PolicyStatement['Condition']> {
  return { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...jobs] } };
}

function tableStatements(spec: FunctionSpec, grants: FunctionGrants): PolicyStatement[] {
  const tables = Object.entries(spec.tables) as [TableRole, readonly TableOperation[]][];
  return tables.map(([role, operations]) => ({
    Sid: `Use${pascal(role)}Table`,
    Effect: 'Allow',
    Action: tableActions(operations),
    // The table alone: no function queries an index (the audit log's user index serves the
    // Figgy CLI), so none is granted one.
    Resource: [grants.tableArns[role]],
    ...(role === JOB_TABLE && { Condition: jobItemsCondition(spec.jobs ?? []) }),
  }));
}

function ssmStatements(access: SsmAccess, grants: FunctionGrants): PolicyStatement[] {
  const viaSsm = { 'kms:ViaService': `ssm.${grants.region}.amazonaws.com` };
  switch (access) {
    case 'describe':
      return [
        {
          Sid: 'ListParameterNames',
          Effect: 'Allow',
          Action: ['ssm:DescribeParameters'],
          // DescribeParameters supports no resource-level permission; IAM requires "*".
          Resource: ['*'],
        },
      ];
    case 'read-version':
      return [
        {
          Sid: 'ReadAuditedParameterVersions',
          Effect: 'Allow',
          // Without WithDecryption a SecureString comes back as ciphertext, so no KMS grant.
          Action: ['ssm:GetParameter'],
          Resource: prefixArnPatterns(grants, grants.auditedNamespaces),
        },
      ];
    case 'read-decrypted':
      return [
        {
          Sid: 'ReadParameters',
          Effect: 'Allow',
          Action: ['ssm:GetParameter', 'ssm:GetParameters'],
          // The sources a mapping may name, and the destinations, whose current value decides
          // whether a write is needed at all.
          Resource: prefixArnPatterns(grants, readablePrefixes(grants)),
        },
        {
          Sid: 'DecryptSecureStringsThroughSsm',
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          // Sources may be encrypted with any key of the account; the condition confines the
          // grant to decryption that Parameter Store performs on the function's behalf.
          Resource: [`arn:${grants.partition}:kms:${grants.region}:${grants.accountId}:key/*`],
          Condition: { StringEquals: viaSsm },
        },
      ];
    case 'read-tags':
      return [
        {
          Sid: 'ReadParameterTags',
          Effect: 'Allow',
          // A mirror copies its sources' tags and compares its replicas' at home.
          Action: ['ssm:ListTagsForResource'],
          Resource: prefixArnPatterns(grants, readablePrefixes(grants)),
        },
      ];
    case 'keep-replicas':
      return [
        {
          Sid: 'KeepReplicationReplicas',
          Effect: 'Allow',
          // A mirror's replicas at home: their tags follow the source's, and they go when it goes.
          Action: ['ssm:AddTagsToResource', 'ssm:DeleteParameter', 'ssm:DeleteParameters', 'ssm:RemoveTagsFromResource'],
          Resource: prefixArnPatterns(grants, grants.destinationPrefixes),
        },
      ];
    case 'write-destinations':
      return [
        {
          Sid: 'WriteReplicationDestinations',
          Effect: 'Allow',
          Action: ['ssm:PutParameter'],
          Resource: prefixArnPatterns(grants, grants.destinationPrefixes),
        },
      ];
  }
}

/** Source prefixes plus destination prefixes, without one that another already covers. */
function readablePrefixes(grants: FunctionGrants): string[] {
  const all = [...new Set([...grants.sourcePrefixes, ...grants.destinationPrefixes])];
  return all.filter((prefix) => !all.some((other) => other !== prefix && isUnderPrefix(prefix, other)));
}

function encryptStatement(grants: FunctionGrants): PolicyStatement {
  return {
    Sid: 'EncryptDestinationsWithReplicationKey',
    Effect: 'Allow',
    // Standard parameters are encrypted with Encrypt, advanced ones with GenerateDataKey.
    Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
    Resource: [grants.replicationKeyArn],
    Condition: {
      StringEquals: { 'kms:ViaService': `ssm.${grants.region}.amazonaws.com` },
      // Parameter Store binds each ciphertext to the parameter's ARN as encryption context,
      // so the key can only encrypt values bound for a destination prefix.
      StringLike: {
        'kms:EncryptionContext:PARAMETER_ARN': prefixArnPatterns(grants, grants.destinationPrefixes),
      },
    },
  };
}

/**
 * The inline policy of one function's role.
 *
 * @example
 * const policy = functionPolicy('parameter-store-auditor', grants);
 * // → Query and PutItem on the audit table, ssm:GetParameter on the audited namespaces,
 * //   its logs, its DLQ
 */
export function functionPolicy(name: FunctionName, grants: FunctionGrants): PolicyDocument {
  const spec: FunctionSpec = FUNCTIONS[name];
  const statements: PolicyStatement[] = [
    {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      // The log group is created by the construct, so no logs:CreateLogGroup.
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [`${grants.logGroupArn}:*`],
    },
    {
      Sid: 'DeadLetterFailedEvents',
      Effect: 'Allow',
      // Used by the async on-failure destination and the stream mapping's on-failure destination.
      Action: ['sqs:SendMessage'],
      Resource: [grants.deadLetterQueueArn],
    },
    ...tableStatements(spec, grants),
  ];
  if (spec.trigger === 'replication-stream') {
    statements.push({
      Sid: 'ReadReplicationStream',
      Effect: 'Allow',
      Action: STREAM_READ_ACTIONS,
      Resource: [`${grants.tableArns[STREAM_TABLE]}/stream/*`],
    });
  }
  for (const access of spec.ssm) statements.push(...ssmStatements(access, grants));
  if (spec.eventHistory) {
    statements.push({
      Sid: 'LookUpEventHistory',
      Effect: 'Allow',
      Action: ['cloudtrail:LookupEvents'],
      // LookupEvents supports no resource-level permission; IAM requires "*".
      Resource: ['*'],
    });
  }
  if ((spec.ssm as readonly SsmAccess[]).includes('write-destinations')) {
    statements.push(...replicaTargetStatements(grants.replicaTargets, grants.partition, grants.accountId));
  }
  if (spec.encrypts) {
    statements.push(
      encryptStatement(grants),
      describeKeysStatement('DescribeDestinationKeys', grants.partition, [{ region: grants.region, accountId: grants.accountId }]),
    );
  }
  if (!(spec.ssm as readonly SsmAccess[]).includes('read-decrypted')) {
    statements.push({
      Sid: 'NeverDecryptParameters',
      Effect: 'Deny',
      // The AWS managed key aws/ssm lets every principal of its account decrypt through SSM by
      // its own key policy, so without this a function that must only ever see ciphertext
      // could read such a SecureString in the clear by asking WithDecryption. Through SSM
      // only: DynamoDB decrypts each table's key as the caller, which must go on working.
      Action: ['kms:Decrypt'],
      Resource: ['*'],
      Condition: { StringLike: { 'kms:ViaService': 'ssm.*' } },
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}
