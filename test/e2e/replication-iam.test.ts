/**
 * Replication and the auditor under the IAM the construct grants: the sandbox holds every
 * function to its synthesized policy, so a read or write AWS would deny fails here too.
 */
import { PutParameterCommand, type ParameterType, type SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startSandbox, type Sandbox } from '../../local/index.ts';
import { SandboxClients, TestClock } from './support/sandbox-clients.ts';

describe('replication under the deployed IAM (end to end, built bundles)', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let clients: SandboxClients;
  let alice: SSMClient;

  before(async () => {
    sandbox = await startSandbox({
      clock: new TestClock().read,
      destinationPrefixes: ['/app/'],
      sourcePrefixes: ['/shared/'],
      auditedNamespaces: ['/audited/'],
    });
    clients = new SandboxClients(sandbox);
    alice = clients.ssmAs('alice');
  });
  after(() => sandbox?.stop());

  const put = (name: string, value: string, type: ParameterType = 'String') =>
    alice.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
  const map = (item: Record<string, unknown>) =>
    clients.documents.send(new PutCommand({ TableName: sandbox.tables.replication, Item: item }));
  const value = (name: string) => sandbox.ssm.snapshot().find((parameter) => parameter.name === name)?.value;
  const refusals = (destination: string) =>
    sandbox.logs().filter(({ line }) => line.includes('replication refused') && line.includes(`"parameter_name":"${destination}"`));

  it('refuses a mapping whose source is outside the source prefixes, and one bad mapping stops no good one', async () => {
    await put('/shared/db/host', 'db-1');
    await put('/secret/key', 'k', 'SecureString');
    await map({ destination: '/app/stolen', source: '/secret/key', type: 'app' });
    await map({ destination: '/app/host', source: '/shared/db/host', type: 'app' });
    await sandbox.settle();
    expect(sandbox.deadLetters()).to.deep.equal([]);
    expect(refusals('/app/stolen')).to.not.be.empty;
    expect(value('/app/host')).to.equal('db-1');
    expect(value('/app/stolen')).to.equal(undefined);

    await put('/app/host', 'drifted');
    await sandbox.settle();
    const outcome = await sandbox.runSchedule('replication-syncer');
    expect(outcome).to.include({ status: 'finished' });
    expect((outcome as { report: unknown }).report).to.deep.include({ written: 1, refused: 1 });
    expect(value('/app/host')).to.equal('db-1');
    expect(sandbox.deadLetters()).to.deep.equal([]);
  });

  it('reads a prefix as IAM does: the parameter a prefix names is under it, for the auditor and for replication', async () => {
    await put('/audited', 'root of the namespace');
    await map({ destination: '/app', source: '/shared/db/host', type: 'app' });
    await sandbox.settle();
    expect(sandbox.deadLetters()).to.deep.equal([]);
    const records = await clients.documents.send(
      new QueryCommand({
        TableName: sandbox.tables.audit,
        KeyConditionExpression: 'parameter_name = :name',
        ExpressionAttributeValues: { ':name': '/audited' },
      }),
    );
    expect(records.Items?.map((record) => record.value)).to.deep.equal(['root of the namespace']);
    expect(value('/app')).to.equal('db-1');
  });

  it('denies a function what its policy does not allow, as AWS would', async () => {
    const replicator = clients.ssmAs('parameterstreamreplicator', { maxAttempts: 1 });
    const denied = await replicator
      .send(new PutParameterCommand({ Name: '/shared/db/host', Value: 'x', Type: 'String', Overwrite: true }))
      .catch((error: Error) => error);
    expect(denied).to.have.property('name', 'AccessDeniedException');
    expect((denied as Error).message).to.include('is not authorized to perform: ssm:PutParameter on resource:');
  });
});
