/**
 * `figgy-events mappings` end to end: the CLI's own main() with the sandbox's environment,
 * against DynamoDB Local, the SSM emulator and the deployed function bundles, which take each
 * mapping up from the table's stream. `check` must say what the functions then did.
 */
import { userInfo } from 'node:os';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startSandbox, type Sandbox } from '../../local/index.ts';
import type { MappingVerdict } from '../../shared/replication/mapping-verdicts.ts';
import { runCli as cli } from './support/cli.ts';
import { SandboxClients } from './support/sandbox-clients.ts';

const SECRET = 'hunter2-not-to-be-printed';
const DR = 'arn:aws:ssm:eu-central-1:123456789012:parameter/e2e/dr/';
const NOT_A_TARGET = 'arn:aws:ssm:us-west-2:123456789012:parameter/e2e/dr/';
const DR_HOST = 'arn:aws:ssm:eu-central-1:123456789012:parameter/e2e/dr-app/host';

describe('mappings (end to end, in the sandbox)', function () {
  this.timeout(240_000);
  let sandbox: Sandbox;
  let clients: SandboxClients;
  let alice: SSMClient;
  const originalEnv = { ...process.env };

  const item = async (destination: string) =>
    (await clients.documents.send(new GetCommand({ TableName: sandbox.tables.replication, Key: { destination }, ConsistentRead: true }))).Item;
  const value = (name: string) => sandbox.ssm.snapshot().find((parameter) => parameter.name === name)?.value;
  const verdicts = async (...argv: string[]) => {
    const run = await cli('mappings', 'check', '--json', ...argv);
    const document = JSON.parse(run.stdout) as { verdicts: MappingVerdict[]; summary: Record<string, number> };
    return { run, document, by: Object.fromEntries(document.verdicts.map((verdict) => [verdict.destination, verdict])) };
  };

  before(async () => {
    sandbox = await startSandbox({
      destinationPrefixes: ['/e2e/app/'],
      replicaTargets: [{ region: 'eu-central-1', destinationPrefixes: ['/e2e/dr/', '/e2e/dr-app/'] }],
    });
    // The CLI finds the sandbox, and the functions' settings, the way it finds a deployment.
    Object.assign(process.env, sandbox.env);
    clients = new SandboxClients(sandbox);
    alice = clients.ssmAs('alice');
    await alice.send(new PutParameterCommand({ Name: '/e2e/db/host', Value: 'db-1', Type: 'String' }));
    await alice.send(new PutParameterCommand({ Name: '/e2e/db/user', Value: SECRET, Type: 'SecureString' }));
    await sandbox.settle();
  });

  after(async () => {
    for (const name of Object.keys(process.env)) if (!(name in originalEnv)) delete process.env[name];
    Object.assign(process.env, originalEnv);
    await sandbox?.stop();
  });

  it('adds each kind of mapping as the Figgy CLI writes it, and the functions replicate it from the stream', async () => {
    let run = await cli('mappings', 'add', 'app', '--destination', '/e2e/app/host', '--source', '/e2e/db/host');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include('added app mapping /e2e/app/host <- /e2e/db/host');
    run = await cli('mappings', 'add', 'merge', '--destination', '/e2e/app/url', '--source', 'db://${/e2e/db/user:uri}@', '--source', '${/e2e/db/host}/${/e2e/db/name}');
    expect(run.code, run.stderr).to.equal(0);
    run = await cli('mappings', 'add', 'app', '--destination', DR_HOST, '--source', '/e2e/db/host');
    expect(run.code, run.stderr).to.equal(0);
    run = await cli('mappings', 'add', 'mirror', '--destination', DR, '--source', '/e2e/db/', '--keep-deleted', '--json');
    expect(run.code, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.include({
      added: { destination: DR, type: 'mirror', source: '/e2e/db/', keep_deleted: true, user: userInfo().username, namespace: null },
    });
    await sandbox.settle();

    // user and namespace too: the Figgy CLI reads both from every item it lists or looks up.
    const figgy = { user: userInfo().username, namespace: null };
    expect(await item('/e2e/app/host')).to.deep.equal({ destination: '/e2e/app/host', type: 'app', source: '/e2e/db/host', ...figgy });
    expect(await item('/e2e/app/url')).to.deep.equal({ destination: '/e2e/app/url', type: 'merge', source: ['db://${/e2e/db/user:uri}@', '${/e2e/db/host}/${/e2e/db/name}'], ...figgy });
    expect(value('/e2e/app/host')).to.equal('db-1');
    expect(value('/e2e/app/url'), 'a merge part is missing: nothing is written').to.equal(undefined);
    expect(sandbox.deadLetters()).to.deep.equal([]);
  });

  it('refuses what it must not write: a malformed item, an existing mapping, bad usage', async () => {
    let run = await cli('mappings', 'add', 'ap', '--destination', '/e2e/app/typo', '--source', '/e2e/db/host');
    expect([run.code, run.stderr]).to.deep.equal([2, 'figgy-events mappings: "ap" is not a kind of mapping: app, merge or mirror\nRun "figgy-events mappings --help" for usage.\n']);
    run = await cli('mappings', 'add', 'merge', '--destination', '/e2e/app/plain', '--source', 'no reference');
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('not written: source (mapping of /e2e/app/plain): a merge refers to no parameter');
    run = await cli('mappings', 'add', 'app', '--destination', '/e2e/app/host', '--source', '/e2e/db/user');
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('a mapping of /e2e/app/host exists already: remove it first, or add with --replace');
    expect(await item('/e2e/app/host')).to.include({ source: '/e2e/db/host' });
    expect(await item('/e2e/app/typo')).to.equal(undefined);
    expect(await item('/e2e/app/plain')).to.equal(undefined);
    run = await cli('mappings', 'check', '/e2e/app/host', '--prefix', '/e2e');
    expect(run.code).to.equal(2);
    run = await cli('mappings', 'list', '--prefix', 'e2e');
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('--prefix');
    run = await cli('mappings', 'frob');
    expect(run.code).to.equal(2);
    run = await cli('mappings', 'add', '--help');
    expect(run.code).to.equal(0);
    expect(run.stdout).to.include('"source": ["postgres://${/db/user:uri}@", "${/db/host}/orders"]');
  });

  it('checks every mapping by the functions\' own rule: what they replicated, wait for and refused, and why', async () => {
    // Written by hand or by an older tool: a refusal the replicators log, and a typo.
    await cli('mappings', 'add', 'app', '--destination', '/e2e/other/host', '--source', '/e2e/db/host');
    await cli('mappings', 'add', 'mirror', '--destination', NOT_A_TARGET, '--source', '/e2e/db/');
    await clients.documents.send(new PutCommand({ TableName: sandbox.tables.replication, Item: { destination: '/e2e/app/typo', source: '/e2e/db/host', type: 'ap' } }));
    await sandbox.settle();

    const { run, document, by } = await verdicts();
    expect(run.code, 'a refused or malformed mapping fails the check').to.equal(1);
    expect(by['/e2e/app/host']).to.include({ status: 'replicating', state: 'in-sync' });
    // Read in its own place, as the functions read it.
    expect(by[DR_HOST]).to.include({ status: 'replicating', state: 'in-sync', place: 'eu-central-1/123456789012' });
    expect(by['/e2e/app/url']).to.include({ status: 'waiting', reason: 'source /e2e/db/name does not exist' });
    expect(by[DR]).to.include({ status: 'replicating', state: 'mirror', place: 'eu-central-1/123456789012' });
    expect(by['/e2e/other/host']).to.include({ status: 'refused', reason: 'destination /e2e/other/host is outside the allowed prefixes /e2e/app' });
    expect(by[NOT_A_TARGET]?.status).to.equal('refused');
    expect(by[NOT_A_TARGET]?.reason).to.include('us-west-2/123456789012, which is not a replica target of this deployment');
    expect(by['/e2e/app/typo']).to.include({ status: 'malformed', field: 'type (mapping of /e2e/app/typo)' });
    expect(by['/e2e/app/typo']?.reason).to.include('"ap" is not "app", "merge" or "mirror"');
    expect(document.summary).to.deep.equal({ replicating: 3, waiting: 1, refused: 2, malformed: 1, failed: 0 });

    // The functions decided the same, for the same reasons.
    const logged = sandbox.logs().map((line) => JSON.parse(line.line) as Record<string, unknown>);
    for (const verdict of document.verdicts.filter((each) => each.status !== 'replicating')) {
      const said = logged.filter((line) => line.parameter_name === verdict.destination);
      const reasons = said.map((line) => (line.field === undefined ? line.reason : `${String(line.field)}: ${String(line.reason)}`));
      expect(reasons, verdict.destination).to.include(verdict.reason);
    }
    // The malformed item's stream record ends in the dead-letter queue, as the item's own.
    expect(sandbox.deadLetters().map((letter) => JSON.stringify(letter.payload))).to.satisfy((letters: string[]) => letters.some((letter) => letter.includes('/e2e/app/typo')));
    expect(value('/e2e/other/host')).to.equal(undefined);

    const text = await cli('mappings', 'check');
    expect(text.code).to.equal(1);
    expect(text.stdout).to.match(/refused\s+\/e2e\/other\/host\s+app of \/e2e\/db\/host: destination \/e2e\/other\/host is outside the allowed prefixes \/e2e\/app/);
    expect(text.stdout).to.match(/waiting\s+\/e2e\/app\/url\s+merge of db:\/\/\$\{\/e2e\/db\/user:uri\}@\$\{\/e2e\/db\/host\}\/\$\{\/e2e\/db\/name\}: source \/e2e\/db\/name does not exist/);
    expect(text.stdout).to.match(/malformed\s+\/e2e\/app\/typo\s+type \(mapping of \/e2e\/app\/typo\): "ap" is not/);
    expect(text.stdout).to.include('7 mapping(s): 3 replicating, 1 waiting, 2 refused, 1 malformed, 0 failed');
    for (const output of [run.stdout, text.stdout, text.stderr]) expect(output).not.to.include(SECRET);
  });

  it('checks one mapping or a prefix, and lists them', async () => {
    let run = await cli('mappings', 'check', '/e2e/app/host');
    expect([run.code, run.stdout]).to.satisfy(([code, out]: [number, string]) => code === 0 && out.includes('in sync') && out.includes('1 mapping(s)'));
    await alice.send(new PutParameterCommand({ Name: '/e2e/db/name', Value: 'orders', Type: 'String' }));
    await sandbox.settle();
    const { by, run: checked } = await verdicts('--prefix', '/e2e/app');
    expect(Object.keys(by)).to.have.members(['/e2e/app/host', '/e2e/app/url', '/e2e/app/typo']);
    expect(by['/e2e/app/url']).to.include({ status: 'replicating', state: 'in-sync' });
    expect(checked.code).to.equal(1);
    // A hand edit of a destination is drift: out of date until the syncer's pass repairs it.
    await alice.send(new PutParameterCommand({ Name: '/e2e/app/host', Value: 'hand-edited', Type: 'String', Overwrite: true }));
    await sandbox.settle();
    run = await cli('mappings', 'check', '/e2e/app/host');
    expect(run.stdout).to.match(/replicating\s+\/e2e\/app\/host\s+app of \/e2e\/db\/host: out of date: written on the next change of a source or the syncer's pass/);
    await sandbox.runSchedule('replication-syncer');
    expect(value('/e2e/app/host')).to.equal('db-1');
    expect((await cli('mappings', 'check', '/e2e/app/host')).stdout).to.include('in sync');
    run = await cli('mappings', 'check', '/e2e/app/nothing');
    expect([run.code, run.stderr]).to.deep.equal([1, 'figgy-events mappings check: no mapping of /e2e/app/nothing in figgy-config-replication\n']);

    const listed = await cli('mappings', 'list', '--prefix', '/e2e/db', '--json');
    expect(listed.code, listed.stderr).to.equal(0);
    const destinations = (JSON.parse(listed.stdout) as { mappings: { destination: string }[] }).mappings.map((each) => each.destination);
    // Those that read under /e2e/db: the malformed item names only its destination.
    expect(destinations).to.deep.equal(['/e2e/app/host', '/e2e/app/url', '/e2e/other/host', DR_HOST, DR, NOT_A_TARGET].sort());
    const text = await cli('mappings', 'list');
    expect(text.stdout).to.match(/mirror\s+arn:aws:ssm:eu-central-1:123456789012:parameter\/e2e\/dr\/\s+\/e2e\/db\/ \(keep deleted\)/);
    expect(text.stdout).to.match(/MALFORMED\s+\/e2e\/app\/typo\s+type \(mapping of \/e2e\/app\/typo\)/);
    expect(text.stdout).to.include('7 mapping(s) in figgy-config-replication, 1 malformed');
  });

  it('warns of a malformed mapping on restore only where it concerns the restored prefix', async () => {
    const elsewhere = await cli('restore', '--prefix', '/e2e/db', '--at', '1m');
    expect(elsewhere.code, elsewhere.stderr).to.equal(0);
    expect(elsewhere.stderr).not.to.include('malformed');
    const here = await cli('restore', '--prefix', '/e2e/app', '--at', '1m');
    expect(here.stderr).to.include('warning: malformed replication mapping').and.include('/e2e/app/typo');
  });

  it('removes a mapping and leaves its destination as it is', async () => {
    let run = await cli('mappings', 'remove', '/e2e/app/typo');
    expect([run.code, run.stdout]).to.deep.equal([0, 'removed malformed mapping /e2e/app/typo from figgy-config-replication; the destination stays as it is\n']);
    run = await cli('mappings', 'remove', '/e2e/app/host', '--json');
    expect(run.code, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.include({ removed: { destination: '/e2e/app/host', type: 'app', source: '/e2e/db/host', user: userInfo().username } });
    await sandbox.settle();
    expect(value('/e2e/app/host')).to.equal('db-1');
    run = await cli('mappings', 'remove', '/e2e/app/host');
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('no mapping of /e2e/app/host');
    await cli('mappings', 'remove', '/e2e/other/host');
    await cli('mappings', 'remove', NOT_A_TARGET);
    const { run: checked, document } = await verdicts();
    expect(checked.code, 'nothing refused or malformed is left').to.equal(0);
    expect(document.summary).to.deep.equal({ replicating: 3, waiting: 0, refused: 0, malformed: 0, failed: 0 });
  });
});
