/**
 * The IAM a deployment of the construct would have, for the sandbox: each function's role with
 * the policy `functionPolicy` synthesizes, and each replica target's role with the trust and
 * role policies `FiggyReplicaTarget` synthesizes, so that the sandbox allows exactly what AWS
 * would allow the deployed functions.
 */
import { FUNCTIONS, FUNCTION_NAMES, deadLetterQueueName, type FunctionName, type TableOperation } from '../shared/functions.ts';
import type { ReplicaTarget } from '../shared/replication/replica-targets.ts';
import { TABLES, type TableRole } from '../shared/tables.ts';
import { functionRoleName } from '../stacks/function-role-name.ts';
import { TABLE_OPERATION_ACTIONS, functionPolicy } from '../stacks/permissions.ts';
import type { PolicyDocument } from '../stacks/policy-documents.ts';
import { replicaWriterPolicy, replicaWriterTrustPolicy } from '../stacks/replica-writer-policies.ts';
import type { PartitionKeyOf } from './iam/aws-requests.ts';
import type { SandboxIam, SandboxRole } from './iam/sandbox-iam.ts';

/** One grant of the function catalog taken away, to see what needs it (tests only). */
export interface RevokedTableGrant {
  /** The function whose role loses the grant. */
  readonly functionName: FunctionName;
  /** The table, by its role in the catalog. */
  readonly table: TableRole;
  /** A table operation the catalog lists for this function and table. */
  readonly operation: TableOperation;
}

/** Where the deployment lives and what it is configured with. */
export interface DeployedIamSettings {
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: string;
  readonly tables: Readonly<Record<TableRole, string>>;
  readonly auditedNamespaces: readonly string[];
  readonly destinationPrefixes: readonly string[];
  readonly sourcePrefixes: readonly string[];
  /** The key ARN replication encrypts with (IAM grants the key, never an alias of it). */
  readonly replicationKeyArn: string;
  readonly replicaTargets: readonly ReplicaTarget[];
  readonly revokedGrants?: readonly RevokedTableGrant[];
}

/** The names and ARNs the sandbox needs to act as the deployment's functions. */
export interface DeployedIam {
  /** The role each function's sessions act as. */
  readonly roleNames: Readonly<Record<FunctionName, string>>;
  /** The function's dead-letter queue, which Lambda sends its failed events to with its role. */
  readonly deadLetterQueueArns: Readonly<Record<FunctionName, string>>;
  /** Each table's partition key attribute, by table name: what `dynamodb:LeadingKeys` reads. */
  readonly partitionKeyOf: PartitionKeyOf;
}

/**
 * Gives `iam` the deployment's roles, built by the construct's own policy functions.
 *
 * @throws RangeError when a revoked grant is not in the catalog (so a test of it cannot pass
 *   for having revoked nothing).
 */
export function deployedIam(settings: DeployedIamSettings, iam: SandboxIam): DeployedIam {
  const { region, accountId } = settings;
  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${accountId}:${resource}`;
  const tableArns = Object.fromEntries(
    (Object.keys(settings.tables) as TableRole[]).map((role) => [role, arn('dynamodb', `table/${settings.tables[role]}`)]),
  ) as Record<TableRole, string>;

  const roleNames = {} as Record<FunctionName, string>;
  const deadLetterQueueArns = {} as Record<FunctionName, string>;
  const roles: SandboxRole[] = FUNCTION_NAMES.map((name) => {
    roleNames[name] = functionRoleName(settings.namePrefix, name, region);
    deadLetterQueueArns[name] = arn('sqs', deadLetterQueueName(settings.namePrefix, name));
    const policy = functionPolicy(name, {
      partition: 'aws',
      region,
      accountId,
      tableArns,
      logGroupArn: arn('logs', `log-group:/aws/lambda/${settings.namePrefix}-${name}`),
      deadLetterQueueArn: deadLetterQueueArns[name],
      auditedNamespaces: settings.auditedNamespaces,
      destinationPrefixes: settings.destinationPrefixes,
      sourcePrefixes: settings.sourcePrefixes,
      replicationKeyArn: settings.replicationKeyArn,
      replicaTargets: settings.replicaTargets,
    });
    const revoked = (settings.revokedGrants ?? []).filter((grant) => grant.functionName === name);
    return {
      arn: `arn:aws:iam::${accountId}:role/${roleNames[name]}`,
      policies: [revoked.reduce((document, grant) => withoutGrant(document, grant, tableArns[grant.table]), policy)],
    };
  });
  for (const role of [...roles, ...replicaTargetRoles(settings)]) iam.addRole(role);

  const partitionKeys = new Map(
    (Object.keys(settings.tables) as TableRole[]).map((role) => [settings.tables[role], TABLES[role].partitionKey.name as string]),
  );
  return {
    roleNames,
    deadLetterQueueArns,
    partitionKeyOf: (table) => partitionKeys.get(table),
  };
}

/**
 * The roles of the targets in other accounts, as each target account's `FiggyReplicaTarget`
 * would make them for this deployment as its source: trusting this account's replicating
 * roles, writing under the prefixes the deployment's targets give that role.
 */
function replicaTargetRoles(settings: DeployedIamSettings): SandboxRole[] {
  const byRole = new Map<string, ReplicaTarget[]>();
  for (const target of settings.replicaTargets) {
    if (target.roleArn === undefined) continue;
    byRole.set(target.roleArn, [...(byRole.get(target.roleArn) ?? []), target]);
  }
  const source = { accountId: settings.accountId, region: settings.region, namePrefix: settings.namePrefix };
  return [...byRole].map(([roleArn, targets]) => {
    const keys = targets.flatMap((target) => (target.kmsKeyArn === undefined ? [] : [target.kmsKeyArn]));
    const props = {
      accountId: roleArn.split(':')[4] as string,
      regions: [...new Set(targets.map((target) => target.region))],
      ...(keys.length > 0 && { kmsKeyArns: keys }),
    };
    const prefixes = [...new Set(targets.flatMap((target) => target.destinationPrefixes))];
    return { arn: roleArn, policies: [replicaWriterPolicy('aws', props, prefixes)], trustPolicy: replicaWriterTrustPolicy(source) };
  });
}

/** The policy without the IAM action one catalog operation needs on one table. */
function withoutGrant(policy: PolicyDocument, grant: RevokedTableGrant, tableArn: string): PolicyDocument {
  const action = TABLE_OPERATION_ACTIONS[grant.operation];
  const tables: Partial<Record<TableRole, readonly TableOperation[]>> = FUNCTIONS[grant.functionName].tables;
  const found = tables[grant.table]?.includes(grant.operation) ?? false;
  const statements = policy.Statement.map((statement) => {
    if (!found || statement.Effect !== 'Allow' || !statement.Resource.includes(tableArn) || !statement.Action.includes(action)) return statement;
    return { ...statement, Action: statement.Action.filter((each) => each !== action) };
  });
  if (!found || statements.every((statement, index) => statement === policy.Statement[index])) {
    throw new RangeError(
      `revokedGrants: the catalog grants ${grant.functionName} no ${grant.operation} (${action}) on the ${grant.table} table to revoke`,
    );
  }
  return { ...policy, Statement: statements.filter((statement) => statement.Action.length > 0) };
}
