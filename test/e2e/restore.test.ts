/**
 * Restore and replay end to end: the CLI's own main(), real SDK clients, the sandbox's
 * DynamoDB Local, SSM + KMS emulator and deployed function bundles producing the audit log.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteParameterCommand, PutParameterCommand, type ParameterType, type SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startSandbox, type Sandbox } from '../../local/index.ts';
import { createTables } from '../../local/tables.ts';
import type { PlanEntry } from '../../shared/restore/types.ts';
import { runCli as cli } from './support/cli.ts';
import { SandboxClients } from './support/sandbox-clients.ts';

// Near the real time, so that tombstones written by the live cache manager (which expire 14
// days after it ran) and those replay writes (14 days after the delete) both still stand.
const BASE = Math.floor(Date.now() / 1000) * 1000 - 60 * 60 * 1000;
const iso = (offsetSeconds: number) => new Date(BASE + offsetSeconds * 1000).toISOString();
/** The point in time restored to: after the second round of writes, before the third. */
const T = iso(450);
const SECRETS = ['pw-1', 'pw-2', 'pw-3', 'reborn-a', 'reborn-b', 'new-1', 'new-2', 'old-secret'];

describe('restore and replay (end to end, in the sandbox)', function () {
  this.timeout(240_000);
  let sandbox: Sandbox;
  let clients: SandboxClients;
  let alice: SSMClient;
  let now = new Date(BASE);
  const originalEnv = { ...process.env };

  const at = (offsetSeconds: number) => {
    now = new Date(BASE + offsetSeconds * 1000);
  };
  const put = (name: string, value: string, type: ParameterType = 'String') =>
    alice.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
  const remove = (name: string) => alice.send(new DeleteParameterCommand({ Name: name }));
  const snapshot = (name: string) => sandbox.ssm.snapshot().find((parameter) => parameter.name === name);
  const writes = () => {
    const counts = sandbox.ssm.callCounts();
    return { put: counts.PutParameter ?? 0, delete: (counts.DeleteParameter ?? 0) + (counts.DeleteParameters ?? 0) };
  };

  before(async () => {
    sandbox = await startSandbox({ clock: () => now, destinationPrefixes: ['/e2e/app/'] });
    // The CLI's SDK clients find the sandbox the way they find AWS: through the environment.
    Object.assign(process.env, sandbox.env);
    clients = new SandboxClients(sandbox);
    alice = clients.ssmAs('alice');

    at(0);
    await put('/e2e/db/host', 'db-1');
    await put('/e2e/db/password', 'pw-1', 'SecureString');
    await put('/e2e/list', 'a,b', 'StringList');
    await put('/e2e/old', 'gone-soon');
    await put('/e2e/secret-old', 'old-secret', 'SecureString');
    await put('/e2e/reborn', 'reborn-a', 'SecureString');
    await clients.documents.send(
      new PutCommand({
        TableName: sandbox.tables.replication,
        Item: { destination: '/e2e/app/host', source: '/e2e/db/host', type: 'app' },
      }),
    );
    await sandbox.settle();

    at(300);
    await put('/e2e/db/host', 'db-2');
    await put('/e2e/db/password', 'pw-2', 'SecureString');
    await put('/e2e/reborn', 'reborn-b', 'SecureString');
    await sandbox.settle();

    // T is at 450 s. Everything below happens after it.
    at(600);
    await put('/e2e/db/host', 'db-3');
    await put('/e2e/db/password', 'pw-3', 'SecureString');
    await put('/e2e/list', 'x', 'String');
    await remove('/e2e/old');
    await remove('/e2e/secret-old');
    await remove('/e2e/reborn');
    await put('/e2e/new', 'created after T');
    await sandbox.settle();
    // Re-created with new versions 1 and 2: SSM's /e2e/reborn:2 is now "new-2", not T's "reborn-b".
    at(660);
    await put('/e2e/reborn', 'new-1', 'SecureString');
    at(720);
    await put('/e2e/reborn', 'new-2', 'SecureString');
    await sandbox.settle();
    expect(snapshot('/e2e/app/host')?.value).to.equal('db-3');
    expect(sandbox.deadLetters()).to.deep.equal([]);
    at(1200);
  });

  after(async () => {
    for (const name of Object.keys(process.env)) if (!(name in originalEnv)) delete process.env[name];
    Object.assign(process.env, originalEnv);
    await sandbox?.stop();
  });

  it('plans as a dry run by default, with secrets masked, and writes nothing', async () => {
    const before = writes();
    const run = await cli('restore', '--prefix', '/e2e', '--at', T);
    expect(run.code, run.stderr).to.equal(0);
    expect(writes()).to.deep.equal(before);
    expect(run.stdout).to.include('dry run').and.include('/e2e/db/password').and.include('********');
    expect(run.stdout).to.match(/update\s+\/e2e\/db\/host\s+String "db-3" v3\s+String "db-2" v2/);
    for (const secret of SECRETS) expect(run.stdout + run.stderr).not.to.include(secret);
  });

  it('prints the plan as JSON that parses, with each source and every skip explained', async () => {
    const before = writes();
    const run = await cli('restore', '--prefix', '/e2e/', '--at', T, '--json');
    expect(run.code, run.stderr).to.equal(0);
    expect(writes()).to.deep.equal(before);
    for (const secret of SECRETS) expect(run.stdout).not.to.include(secret);
    const plan = JSON.parse(run.stdout) as { prefix: string; at: string; mode: string; entries: PlanEntry[] };
    expect(plan).to.deep.include({ prefix: '/e2e', at: T, mode: 'dry-run' });
    const byName = Object.fromEntries(plan.entries.map((entry) => [entry.name, entry]));
    const actions = Object.fromEntries(plan.entries.map((entry) => [entry.name, [entry.action, entry.to?.source]]));
    expect(actions).to.deep.equal({
      '/e2e/app/host': ['skipped', undefined],
      '/e2e/db/host': ['update', 'audit-log'],
      '/e2e/db/password': ['update', 'ssm-history'],
      '/e2e/list': ['update', 'audit-log'],
      '/e2e/new': ['skipped', undefined],
      '/e2e/old': ['create', 'audit-log'],
      '/e2e/reborn': ['update', 'audit-ciphertext'],
      '/e2e/secret-old': ['create', 'audit-ciphertext'],
    });
    expect(byName['/e2e/app/host']?.reason).to.equal('replication destination: restore the source (/e2e/db/host)');
    expect(byName['/e2e/new']?.reason).to.include('did not exist at T');
    expect(byName['/e2e/list']?.to).to.deep.include({ type: 'StringList', value: 'a,b', version: 1 });
    expect(byName['/e2e/db/password']).to.deep.include({ masked: true });
    expect(byName['/e2e/db/password']?.to).to.deep.include({ type: 'SecureString', value: '********', version: 2 });
  });

  it('applies the plan: values, types and SecureStrings as they were, deleted ones back from the audit log', async () => {
    const before = writes();
    const run = await cli('restore', '--prefix', '/e2e', '--at', T, '--apply', '--max-tps', '20');
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include('6 written, 0 deleted, 0 failed').and.include('verified');
    await sandbox.settle();
    // Six restored values, plus the replicator's copy of the restored source to its destination.
    expect(writes()).to.deep.equal({ put: before.put + 7, delete: before.delete });
    for (const secret of SECRETS) expect(run.stdout + run.stderr).not.to.include(secret);

    const restored = (name: string) => {
      const parameter = snapshot(name);
      return parameter && [parameter.type, parameter.value];
    };
    expect(restored('/e2e/db/host')).to.deep.equal(['String', 'db-2']);
    expect(restored('/e2e/db/password')).to.deep.equal(['SecureString', 'pw-2']);
    expect(restored('/e2e/list')).to.deep.equal(['StringList', 'a,b']);
    expect(restored('/e2e/old')).to.deep.equal(['String', 'gone-soon']);
    expect(restored('/e2e/secret-old')).to.deep.equal(['SecureString', 'old-secret']);
    expect(restored('/e2e/reborn')).to.deep.equal(['SecureString', 'reborn-b']);
    expect(restored('/e2e/new')).to.deep.equal(['String', 'created after T']);
    expect(snapshot('/e2e/db/host')?.description).to.equal(`restored from ${T} by figgy-events`);
    expect(snapshot('/e2e/db/host')?.version).to.equal(4);

    // The destination was not written by the restore; replication follows its restored source.
    expect(restored('/e2e/app/host')).to.deep.equal(['String', 'db-2']);
  });

  it('finds nothing left to do on a second run, and deletes what came after T only when asked', async () => {
    at(1300);
    const before = writes();
    const run = await cli('restore', '--prefix', '/e2e', '--at', T, '--apply', '--delete-created-after', '--json');
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as { summary: Record<string, number>; result: { written: number; deleted: number } };
    expect(result.summary).to.deep.include({ create: 0, update: 0, delete: 1, unchanged: 6, skipped: 1 });
    expect(result.result).to.deep.include({ written: 0, deleted: 1 });
    expect(writes()).to.deep.equal({ put: before.put, delete: before.delete + 1 });
    expect(snapshot('/e2e/new')).to.equal(undefined);
    await sandbox.settle();
  });

  it('replays the audit log into a fresh table that matches the live cache, and a second replay changes nothing', async () => {
    const dynamo = new DynamoDBClient({
      endpoint: sandbox.endpoints.dynamodb,
      region: sandbox.env.AWS_REGION,
      credentials: { accessKeyId: sandbox.env.AWS_ACCESS_KEY_ID as string, secretAccessKey: sandbox.env.AWS_SECRET_ACCESS_KEY as string },
    });
    const { cache: replayed } = await createTables(dynamo, 'replayed');
    dynamo.destroy();

    const first = await cli('replay', '--table', replayed, '--json');
    expect(first.code, first.stderr).to.equal(0);
    expect(JSON.parse(first.stdout)).to.deep.include({ table: replayed, keptNewer: 0, expired: 0 });

    const states = async (table: string) =>
      Object.fromEntries(
        (await clients.scan(table))
          .map((item) => [String(item.parameter_name), String(item.state)])
          .sort(([a], [b]) => (a as string).localeCompare(b as string)),
      );
    const live = await states(sandbox.tables.cache);
    expect(Object.keys(live)).to.include.members(['/e2e/db/host', '/e2e/old', '/e2e/new', '/e2e/app/host']);
    expect(live['/e2e/new']).to.equal('DELETED');
    expect(await states(replayed)).to.deep.equal(live);

    const again = await cli('replay', '--table', replayed, '--json');
    expect(JSON.parse(again.stdout)).to.deep.include({ written: 0 });
    // The live table was built from the same events, so the audit log finds it already right.
    const live2 = await cli('replay', '--json');
    expect(JSON.parse(live2.stdout)).to.deep.include({ table: sandbox.tables.cache, written: 0 });
  });

  it('refuses to replay into a table that does not exist, exit 1', async () => {
    const run = await cli('replay', '--table', 'no-such-table');
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('table no-such-table does not exist');
  });

  it('finishes an apply while Parameter Store throttles a fifth of all calls', async () => {
    at(1400);
    sandbox.setFaults({ ssmThrottleRate: 0.2 });
    try {
      const run = await cli('restore', '--prefix', '/e2e/db', '--at', iso(100), '--apply', '--max-tps', '20');
      expect(run.code, run.stdout + run.stderr).to.equal(0);
    } finally {
      sandbox.setFaults({ ssmThrottleRate: 0 });
    }
    expect(snapshot('/e2e/db/host')?.value).to.equal('db-1');
    expect(snapshot('/e2e/db/password')?.value).to.equal('pw-1');
  });

  it('keeps the last value of a parameter created and updated within one second', async () => {
    at(1500);
    await put('/e2e/same-second/x', 'first-draft');
    await put('/e2e/same-second/x', 'final-value');
    await sandbox.settle();
    const run = await cli('restore', '--prefix', '/e2e/same-second', '--at', iso(1500), '--apply', '--json');
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as { summary: Record<string, number>; result: { written: number } };
    expect(result.summary).to.deep.include({ update: 0, unchanged: 1 });
    expect(result.result.written).to.equal(0);
    expect(snapshot('/e2e/same-second/x')?.value).to.equal('final-value');
  });
});
