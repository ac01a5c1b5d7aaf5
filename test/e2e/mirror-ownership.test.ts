/**
 * What a mirror owns, end to end with the built bundles: a careless mirror over hand-written
 * parameters and another mapping's destination deletes nothing, restore brings back what was
 * lost there, and a clone into a mirror's destination survives the syncer.
 */
import { DeleteParameterCommand, ListTagsForResourceCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startSandbox, type Sandbox } from '../../local/index.ts';
import { REPLICA_TAG } from '../../shared/replication/mirror-ownership.ts';
import type { PlanEntry } from '../../shared/restore/types.ts';
import { runCli as cli } from './support/cli.ts';
import { SandboxClients } from './support/sandbox-clients.ts';

describe('what a mirror owns (end to end, built bundles)', function () {
  this.timeout(240_000);
  let sandbox: Sandbox;
  let clients: SandboxClients;
  let alice: SSMClient;
  const originalEnv = { ...process.env };

  const put = (name: string, value: string, type: 'String' | 'SecureString' = 'String') =>
    alice.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
  const map = (item: Record<string, unknown>) => clients.documents.send(new PutCommand({ TableName: sandbox.tables.replication, Item: item }));
  const value = (name: string) => sandbox.ssm.snapshot().find((parameter) => parameter.name === name)?.value;

  before(async () => {
    sandbox = await startSandbox({ destinationPrefixes: ['/app/'] });
    // The CLI's SDK clients find the sandbox the way they find AWS: through the environment.
    Object.assign(process.env, sandbox.env);
    clients = new SandboxClients(sandbox);
    alice = clients.ssmAs('alice');
  });

  after(async () => {
    for (const name of Object.keys(process.env)) if (!(name in originalEnv)) delete process.env[name];
    Object.assign(process.env, originalEnv);
    await sandbox?.stop();
  });

  it('deletes nothing it did not write when a mirror is laid over hand-written parameters and an app destination', async () => {
    await put('/app/payments/api-key', 'k-1', 'SecureString');
    await put('/app/payments/url', 'https://pay');
    await put('/src/flag', 'on');
    await map({ destination: '/app/orders/flag', source: '/src/flag', type: 'app' });
    await sandbox.settle();
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 1100));

    await map({ destination: '/app/', source: '/nothing-here/', type: 'mirror' });
    await sandbox.settle();
    await put('/nothing-here/orders/flag', 'off');
    await put('/src/flag', 'on again');
    await sandbox.settle();
    await sandbox.runSchedule('replication-syncer');
    expect([value('/app/payments/api-key'), value('/app/payments/url'), value('/app/orders/flag')]).to.deep.equal(['k-1', 'https://pay', 'on again']);
    const refusals = sandbox.logs().filter(({ line }) => line.includes('replication refused') && line.includes('overlaps the destination /app/orders/flag'));
    expect(refusals).to.not.be.empty;

    // What was lost under the mirror's destination (by hand, here) comes back: it is no replica.
    await alice.send(new DeleteParameterCommand({ Name: '/app/payments/url' }));
    await sandbox.settle();
    const plan = await cli('restore', '--prefix', '/app/payments', '--at', before, '--json');
    expect(plan.code, plan.stderr).to.equal(0);
    const entries = JSON.parse(plan.stdout).entries as PlanEntry[];
    expect(entries.map((entry) => [entry.name, entry.action])).to.deep.equal([
      ['/app/payments/api-key', 'unchanged'],
      ['/app/payments/url', 'create'],
    ]);
    expect(sandbox.deadLetters()).to.deep.equal([]);
  });

  it('marks what it writes, and a clone into its destination of a name it has no source for outlives the next pass', async () => {
    // The mirror into /app/ would overlap this one: both would be refused.
    await clients.documents.send(new DeleteCommand({ TableName: sandbox.tables.replication, Key: { destination: '/app/' } }));
    await put('/prod/db', 'prod-db');
    await put('/staging/db', 'staging-db');
    await put('/staging/feature', 'on');
    await map({ destination: '/app/copy/', source: '/prod/', type: 'mirror' });
    await sandbox.settle();
    const tags = await alice.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/copy/db' }));
    expect(tags.TagList).to.deep.equal([{ Key: REPLICA_TAG, Value: '/prod/ to /app/copy/' }]);
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const clone = await cli('restore', '--prefix', '/staging', '--at', '1s', '--into', '/app/copy', '--apply', '--json');
    expect(clone.code, clone.stderr).to.equal(0);
    const entries = JSON.parse(clone.stdout).entries as PlanEntry[];
    expect(entries.map((entry) => [entry.name, entry.action, entry.reason])).to.deep.equal([
      ['/app/copy/db', 'skipped', 'replica of /prod/db (mirror /prod/ to /app/copy/): restore the source'],
      ['/app/copy/feature', 'create', undefined],
    ]);
    await sandbox.runSchedule('replication-syncer');
    expect([value('/app/copy/db'), value('/app/copy/feature')]).to.deep.equal(['prod-db', 'on']);
  });
});
