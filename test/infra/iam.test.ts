import { expect } from 'chai';
import {
  FUNCTIONS,
  FUNCTION_NAMES,
  type FunctionName,
  type FunctionSpec,
  type TableOperation,
} from '../../shared/functions.ts';
import { TABLES, type TableRole } from '../../shared/tables.ts';
import { isUnderPrefixes } from '../../shared/parameter-paths.ts';
import { REPLICATION_JOB } from '../../shared/replication/replication-syncer.ts';
import { CACHE_SYNC_JOB } from '../../shared/sync/jobs.ts';
import { simulate } from '../support/aws-iam-simulator.ts';
import { TABLE_OPERATION_ACTIONS, tableActions } from '../../stacks/permissions.ts';
import { tableId } from '../../stacks/tables.ts';
import {
  ACCOUNT,
  REGION,
  actionsOf,
  allPolicies,
  asList,
  rolePolicy,
  statementsWith,
  synthesized,
  tablesReferenced,
} from './support/synthesized.ts';

const parameterArn = (path: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${path}`;
// A prefix grants the parameter it names and everything under it, as `isUnderPrefix` reads it.
const DESTINATIONS = [
  parameterArn('/app'),
  parameterArn('/app/*'),
  parameterArn('/shared/replicated'),
  parameterArn('/shared/replicated/*'),
];
// Every Parameter Store action that changes a parameter, its tags or its labels.
const SSM_WRITE = /^ssm:(Put|Delete|Label|Unlabel|AddTags|RemoveTags)/;
const writers = FUNCTION_NAMES.filter((name) =>
  (FUNCTIONS[name] as FunctionSpec).ssm.includes('write-destinations'),
);
const TABLE_ROLES = Object.keys(TABLES) as TableRole[];
const tableArn = (role: TableRole) => `\${aws_dynamodb_table.${tableId(role)}.arn}`;

/**
 * What each function may do on each table, spelled out in IAM so that a review sees every
 * grant: each line is a call in shared/aws/dynamo-*.ts that the function's code path makes.
 */
const TABLE_GRANTS: Record<FunctionName, Partial<Record<TableRole, string[]>>> = {
  // Query the name's items, then one TransactWriteItems that deletes them and puts the new one.
  'config-cache-manager': { cache: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query'] },
  // Query the second's records, then a conditional PutItem: append-only. A Scan of one item
  // before a container's first write tells a new table, which it marks as needing no migration.
  'parameter-store-auditor': { audit: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan'] },
  'parameter-stream-replicator': {
    replication: ['dynamodb:GetItem'],
    replicationSources: ['dynamodb:Query'],
  },
  // A mirror's first copy reads every mapping (to refuse a destination another writes into)
  // and takes the replication job's lease, or asks the job for it.
  'dynamo-stream-replicator': {
    replication: ['dynamodb:GetItem', 'dynamodb:Scan'],
    replicationSources: ['dynamodb:BatchWriteItem'],
    syncProgress: ['dynamodb:UpdateItem'],
  },
  // Each syncer's lease and checkpoint: conditional UpdateItem calls on its job's item.
  'replication-syncer': {
    replication: ['dynamodb:GetItem', 'dynamodb:Scan'],
    replicationSources: ['dynamodb:BatchWriteItem', 'dynamodb:Scan'],
    syncProgress: ['dynamodb:UpdateItem'],
  },
  // Scan pages through the cache from a checkpoint; Query reads one name's items; a transaction swaps them.
  'config-cache-syncer': {
    cache: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan'],
    syncProgress: ['dynamodb:UpdateItem'],
  },
  // The auditor's own calls (its code writes the records), and its job's lease and checkpoint.
  'audit-syncer': {
    audit: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan'],
    syncProgress: ['dynamodb:UpdateItem'],
  },
};

/**
 * Whose items in the sync progress table each function may update: its own job's, so no job
 * can take another's lease. The stream replicator's first copies hold the replication job's.
 */
const PROGRESS_JOBS: Partial<Record<FunctionName, string[]>> = {
  'dynamo-stream-replicator': ['replication-syncer'],
  'replication-syncer': ['replication-syncer'],
  'config-cache-syncer': ['config-cache-syncer'],
  'audit-syncer': ['audit-syncer'],
};

/** The actions a role's policy allows on one table's items (its stream is not the table). */
function actionsOnTable(name: FunctionName, role: TableRole): string[] {
  return rolePolicy(synthesized().json, name)
    .Statement.filter((s) => s.Effect === 'Allow' && s.Resource.includes(tableArn(role)))
    .flatMap((s) => asList(s.Action));
}

describe('IAM least privilege (synthesized policies)', () => {
  it('lets the replicators read only the source and destination prefixes', () => {
    for (const name of FUNCTION_NAMES.filter((each) => (FUNCTIONS[each].ssm as readonly string[]).includes('read-decrypted'))) {
      const [statement, ...others] = statementsWith(rolePolicy(synthesized().json, name), /^ssm:GetParameters?$/);
      expect(others, name).to.be.empty;
      expect(statement?.Resource, name).to.deep.equal([
        parameterArn('/shared'),
        parameterArn('/shared/*'),
        parameterArn('/app'),
        parameterArn('/app/*'),
      ]);
    }
  });

  it('no Allow statement anywhere grants a wildcard action', () => {
    for (const { where, policy } of allPolicies(synthesized().json)) {
      for (const statement of policy.Statement.filter((s) => s.Effect === 'Allow')) {
        const wild = asList(statement.Action).filter((action) => action.includes('*'));
        expect(wild, `${where} ${statement.Sid}`).to.deep.equal([]);
      }
    }
  });

  it('the only wildcard action is the bucket policy denying plain HTTP', () => {
    const wildcards = allPolicies(synthesized().json).flatMap(({ where, policy }) =>
      policy.Statement.filter((s) => asList(s.Action).some((a) => a.includes('*'))).map(
        (s) => `${where}:${s.Sid}:${s.Effect}`,
      ),
    );
    expect(wildcards).to.deep.equal(['aws_s3_bucket_policy.trail_bucket:DenyInsecureTransport:Deny']);
  });

  it('role policies allow on "*" only ssm:DescribeParameters and cloudtrail:LookupEvents, which have no resource-level permission', () => {
    for (const name of FUNCTION_NAMES) {
      for (const statement of rolePolicy(synthesized().json, name).Statement.filter((s) => s.Effect === 'Allow')) {
        if (statement.Resource.includes('*')) {
          expect([['ssm:DescribeParameters'], ['cloudtrail:LookupEvents']], `${name} ${statement.Sid}`).to.deep.include(statement.Action);
        }
      }
    }
  });

  it('only the audit syncer reads the event history, and its policy adds nothing else of CloudTrail', () => {
    for (const name of FUNCTION_NAMES) {
      const statements = statementsWith(rolePolicy(synthesized().json, name), /^cloudtrail:/);
      if (name !== 'audit-syncer') {
        expect(statements, name).to.deep.equal([]);
        continue;
      }
      expect(statements.map((s) => [s.Effect, asList(s.Action), s.Resource])).to.deep.equal([['Allow', ['cloudtrail:LookupEvents'], ['*']]]);
    }
  });

  it('the audit syncer reads parameter versions as the auditor does, and never decrypts', () => {
    const policy = rolePolicy(synthesized().json, 'audit-syncer');
    const auditor = rolePolicy(synthesized().json, 'parameter-store-auditor');
    expect(statementsWith(policy, /^ssm:/)).to.deep.equal(statementsWith(auditor, /^ssm:/));
    expect(statementsWith(policy, /^kms:/).map((s) => s.Effect)).to.deep.equal(['Deny']);
  });

  it('only the replicating functions write parameters, and only under the destination prefixes', () => {
    for (const name of FUNCTION_NAMES) {
      const statements = statementsWith(rolePolicy(synthesized().json, name), SSM_WRITE);
      if (!writers.includes(name)) {
        expect(statements, name).to.deep.equal([]);
        continue;
      }
      // PutParameter, and a mirror's replicas' tags and deletes, all under the destination prefixes.
      expect(statements.flatMap((s) => s.Action).sort(), name).to.deep.equal([
        'ssm:AddTagsToResource',
        'ssm:DeleteParameter',
        'ssm:DeleteParameters',
        'ssm:PutParameter',
        'ssm:RemoveTagsFromResource',
      ]);
      for (const statement of statements) expect(statement.Resource, `${name} ${statement.Sid}`).to.have.members(DESTINATIONS);
    }
  });

  it('the replication key encrypts only values bound for the destination prefixes, through SSM', () => {
    for (const name of writers) {
      const [statement, ...others] = statementsWith(rolePolicy(synthesized().json, name), /^kms:(Encrypt|GenerateDataKey)/);
      expect(others, name).to.deep.equal([]);
      expect(statement!.Resource).to.deep.equal(['${aws_kms_key.replication_key.arn}']);
      expect(statement!.Condition).to.deep.equal({
        StringEquals: { 'kms:ViaService': `ssm.${REGION}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': DESTINATIONS },
      });
    }
  });

  it('the replicators may read any home key\'s metadata, to compare a replica\'s key as KMS names it, and nothing more of it', () => {
    for (const name of writers) {
      const [statement, ...others] = statementsWith(rolePolicy(synthesized().json, name), /^kms:DescribeKey$/);
      expect(others, name).to.deep.equal([]);
      expect(statement).to.deep.equal({
        Sid: 'DescribeDestinationKeys',
        Effect: 'Allow',
        Action: ['kms:DescribeKey'],
        Resource: [`arn:aws:kms:${REGION}:${ACCOUNT}:key/*`],
      });
    }
  });

  for (const name of ['parameter-store-auditor', 'config-cache-manager', 'config-cache-syncer'] as const) {
    it(`${name} is allowed no KMS action and denied kms:Decrypt outright, which aws/ssm's key policy would allow`, () => {
      const statements = rolePolicy(synthesized().json, name).Statement;
      const kms = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('kms:')));
      // Only through SSM: DynamoDB decrypts the tables' key (aws/dynamodb) as the caller.
      expect(kms).to.deep.equal([
        { Sid: 'NeverDecryptParameters', Effect: 'Deny', Action: ['kms:Decrypt'], Resource: ['*'], Condition: { StringLike: { 'kms:ViaService': 'ssm.*' } } },
      ]);
    });
  }

  for (const name of ['config-cache-manager', 'config-cache-syncer'] as const) {
    it(`${name} may list parameter names but read no value (no ssm:GetParameter*)`, () => {
      const ssm = actionsOf(rolePolicy(synthesized().json, name)).filter((a) => a.startsWith('ssm:'));
      expect(ssm).to.deep.equal(['ssm:DescribeParameters']);
    });
  }

  it('the auditor reads single parameter versions, only in the audited namespaces', () => {
    const [statement, ...others] = statementsWith(rolePolicy(synthesized().json, 'parameter-store-auditor'), /^ssm:/);
    expect(others).to.deep.equal([]);
    expect(statement!.Action).to.deep.equal(['ssm:GetParameter']);
    expect(statement!.Resource).to.deep.equal([
      parameterArn('/app'),
      parameterArn('/app/*'),
      parameterArn('/shared'),
      parameterArn('/shared/*'),
    ]);
  });

  it('allows exactly the names the rule puts under each prefix, the parameter a prefix names included', async () => {
    const names = ['/app', '/app/db', '/app/a/b', '/application/db', '/shared', '/shared/replicated', '/shared/replicated/x', '/other', 'x'];
    const checks = [
      { name: 'parameter-store-auditor', action: 'ssm:GetParameter', prefixes: ['/app', '/shared'] },
      { name: 'replication-syncer', action: 'ssm:GetParameters', prefixes: ['/shared', '/app'] },
      { name: 'replication-syncer', action: 'ssm:PutParameter', prefixes: ['/app', '/shared/replicated'] },
    ] as const;
    for (const { name, action, prefixes } of checks) {
      const policy = rolePolicy(synthesized().json, name);
      for (const parameter of names) {
        const arn = parameterArn(parameter.startsWith('/') ? parameter : `/${parameter}`);
        const decision = await simulate({
          principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/session`,
          action,
          resource: arn,
          resourceAccount: ACCOUNT,
          context: {},
          identityPolicies: [policy],
        });
        expect(decision === 'Allowed', `${name} ${action} ${parameter}`).to.equal(isUnderPrefixes(parameter, prefixes));
      }
    }
  });

  it('kms:Decrypt is granted only to functions that read decrypted values, and only through SSM', () => {
    for (const name of FUNCTION_NAMES) {
      const statements = statementsWith(rolePolicy(synthesized().json, name), /^kms:Decrypt$/).filter((s) => s.Effect === 'Allow');
      const readsDecrypted = (FUNCTIONS[name] as FunctionSpec).ssm.includes('read-decrypted');
      expect(statements.length, name).to.equal(readsDecrypted ? 1 : 0);
      for (const statement of statements) {
        expect(statement.Condition).to.deep.equal({
          StringEquals: { 'kms:ViaService': `ssm.${REGION}.amazonaws.com` },
        });
      }
    }
  });

  for (const name of FUNCTION_NAMES) {
    const spec: FunctionSpec = FUNCTIONS[name as FunctionName];
    const own = (Object.keys(spec.tables) as TableRole[]).map(tableId).sort();

    it(`${name} touches only its own tables: ${own.join(', ')}`, () => {
      const policy = rolePolicy(synthesized().json, name);
      const dynamo = statementsWith(policy, /^dynamodb:/);
      expect(tablesReferenced(dynamo.flatMap((s) => s.Resource))).to.deep.equal(own);
      // Every DynamoDB statement points at a table of ours (or its index or stream), nothing else.
      for (const statement of dynamo) {
        for (const arn of statement.Resource) expect(arn).to.match(/^\$\{aws_dynamodb_table\.[a-z_]+\.arn\}/);
      }
    });

    it(`${name} gets exactly the actions of its catalog operations on each table`, () => {
      const tables = Object.entries(spec.tables) as [TableRole, readonly TableOperation[]][];
      for (const [role, operations] of tables) {
        expect(actionsOnTable(name, role), `${name} on ${role}`).to.have.members(tableActions(operations));
      }
    });

    it(`${name} may do on each table only what its code does`, () => {
      const granted = Object.fromEntries(
        TABLE_ROLES.map((role) => [role, actionsOnTable(name, role).sort()] as const).filter(
          ([, actions]) => actions.length > 0,
        ),
      );
      expect(granted).to.deep.equal(TABLE_GRANTS[name]);
    });

    it(`${name} has no action on a table it does not use, nor on its stream or indexes`, () => {
      const unused = TABLE_ROLES.filter((role) => !(role in spec.tables));
      for (const statement of rolePolicy(synthesized().json, name).Statement) {
        for (const role of unused) {
          const onTable = statement.Resource.filter((arn) => arn.startsWith(tableArn(role)));
          expect(onTable, `${name} ${statement.Sid} on ${role}`).to.deep.equal([]);
        }
      }
    });

    it(`${name} logs only to its own log group and dead-letters only to its own queue`, () => {
      const policy = rolePolicy(synthesized().json, name);
      const fn = `fn_${name.replaceAll('-', '_')}`;
      expect(statementsWith(policy, /^logs:/).flatMap((s) => s.Resource)).to.deep.equal([
        `\${aws_cloudwatch_log_group.${fn}.arn}:*`,
      ]);
      expect(statementsWith(policy, /^sqs:/).flatMap((s) => s.Resource)).to.deep.equal([
        `\${aws_sqs_queue.${fn}_dlq.arn}`,
      ]);
    });
  }

  it('only the syncers and the stream replicator reach the sync progress table, and only with UpdateItem', () => {
    const granted = FUNCTION_NAMES.filter((name) => actionsOnTable(name, 'syncProgress').length > 0);
    expect(granted).to.have.members(['dynamo-stream-replicator', 'replication-syncer', 'config-cache-syncer', 'audit-syncer']);
    for (const name of granted) expect(actionsOnTable(name, 'syncProgress'), name).to.deep.equal(['dynamodb:UpdateItem']);
    // Not even a read: a lease is claimed, saved and released by conditional updates alone.
    for (const { where, policy } of allPolicies(synthesized().json)) {
      const onTable = policy.Statement.filter((s) => asList(s.Resource ?? []).some((arn) => arn.startsWith(tableArn('syncProgress'))));
      for (const statement of onTable) expect(asList(statement.Action), `${where} ${statement.Sid}`).to.deep.equal(['dynamodb:UpdateItem']);
    }
  });

  for (const name of FUNCTION_NAMES) {
    const jobs = PROGRESS_JOBS[name];
    it(jobs ? `${name} may update only the ${jobs.join(', ')} item of the sync progress table` : `${name} has no statement on the sync progress table`, () => {
      const onTable = rolePolicy(synthesized().json, name).Statement.filter((s) => s.Resource.some((arn) => arn.startsWith(tableArn('syncProgress'))));
      if (!jobs) {
        expect(onTable).to.deep.equal([]);
        return;
      }
      expect(onTable).to.have.lengthOf(1);
      // The partition key values (`job`) of every item the request names must be the function's own.
      expect(onTable[0]!.Condition).to.deep.equal({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': jobs } });
    });
  }

  it('every statement on the sync progress table, in any policy, is held to named jobs\' items', () => {
    for (const { where, policy } of allPolicies(synthesized().json)) {
      const onTable = policy.Statement.filter((s) => asList(s.Resource ?? []).some((arn) => arn.startsWith(tableArn('syncProgress'))));
      for (const statement of onTable) {
        expect(Object.keys(statement.Condition ?? {}), `${where} ${statement.Sid}`).to.deep.equal(['ForAllValues:StringEquals']);
        expect(Object.keys(statement.Condition!['ForAllValues:StringEquals']!), `${where} ${statement.Sid}`).to.deep.equal(['dynamodb:LeadingKeys']);
      }
    }
  });

  it('grants each job the item its code claims: the names the domain uses are the names in the policy', () => {
    const leadingKeys = (name: FunctionName) =>
      rolePolicy(synthesized().json, name).Statement.flatMap((s) => asList(s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'] ?? []));
    expect(leadingKeys('replication-syncer')).to.deep.equal([REPLICATION_JOB]);
    // The first copies claim the replication job's lease, or add a request to its item.
    expect(leadingKeys('dynamo-stream-replicator')).to.deep.equal([REPLICATION_JOB]);
    expect(leadingKeys('config-cache-syncer')).to.deep.equal([CACHE_SYNC_JOB]);
  });

  it('the auditor may add audit records but never change or remove one', () => {
    const actions = actionsOnTable('parameter-store-auditor', 'audit');
    expect(actions).to.include('dynamodb:PutItem');
    for (const forbidden of ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem']) {
      expect(actions).not.to.include(forbidden);
    }
  });

  it('no role may change or remove an audit record: the audit log is the event store', () => {
    for (const name of FUNCTION_NAMES) {
      const actions = actionsOnTable(name, 'audit');
      for (const forbidden of ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem']) {
        expect(actions, name).not.to.include(forbidden);
      }
    }
  });

  it('no role reaches a table index: no function queries one (the audit user index is the Figgy CLI\'s)', () => {
    for (const name of FUNCTION_NAMES) {
      const resources = statementsWith(rolePolicy(synthesized().json, name), /^dynamodb:/).flatMap((s) => s.Resource);
      expect(resources.filter((arn) => arn.includes('/index/')), name).to.deep.equal([]);
    }
  });

  it('grants the actions inside a transaction, as IAM authorises them, never a TransactWriteItems action', () => {
    // IAM has no dynamodb:TransactWriteItems action: each Put, Delete or Update inside the
    // transaction is checked as PutItem, DeleteItem or UpdateItem, a ConditionCheck as its own.
    expect(tableActions(['TransactWriteItems:Put', 'TransactWriteItems:Delete'])).to.deep.equal([
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
    ]);
    expect(TABLE_OPERATION_ACTIONS['TransactWriteItems:ConditionCheck']).to.equal('dynamodb:ConditionCheckItem');
    for (const name of FUNCTION_NAMES) {
      expect(actionsOf(rolePolicy(synthesized().json, name)), name).not.to.include('dynamodb:TransactWriteItems');
    }
  });

  it('only the stream-triggered function reads the replication stream', () => {
    for (const name of FUNCTION_NAMES) {
      const stream = statementsWith(rolePolicy(synthesized().json, name), /^dynamodb:GetRecords$/);
      if (FUNCTIONS[name].trigger === 'replication-stream') {
        expect(stream.flatMap((s) => s.Resource)).to.deep.equal(['${aws_dynamodb_table.replication_table.arn}/stream/*']);
      } else {
        expect(stream, name).to.deep.equal([]);
      }
    }
  });
});
