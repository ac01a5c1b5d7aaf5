/**
 * The audit commands end to end: the CLI's own main(), real SDK clients, the sandbox's
 * DynamoDB Local, SSM + KMS emulator and deployed function bundles writing the audit log.
 */
import { DeleteParameterCommand, PutParameterCommand, type ParameterType, type SSMClient } from '@aws-sdk/client-ssm';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { main } from '../../bin/main.ts';
import { startSandbox, type Sandbox } from '../../local/index.ts';
import { MIGRATION_MARKER_KEY } from '../../shared/aws/audit-path-migration.ts';
import type { AuditEntry, DiffEntry } from '../../shared/audit/audit-reader.ts';
import { SandboxClients } from './support/sandbox-clients.ts';

const BASE = Math.floor(Date.now() / 1000) * 1000 - 60 * 60 * 1000;
const iso = (offsetSeconds: number) => new Date(BASE + offsetSeconds * 1000).toISOString();
/** Before the second round of changes, and after it. */
const T1 = iso(150);
const T2 = iso(450);
// vault-plain-key was a String until alice made /vault/api-key a SecureString: a secret all the same.
const SECRETS = ['pw-1', 'pw-2', 'staging-secret', 'vault-plain-key', 'vault-secret-key'];

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('audit commands (end to end, in the sandbox)', function () {
  this.timeout(240_000);
  let sandbox: Sandbox;
  let clients: SandboxClients;
  let alice: SSMClient;
  let bob: SSMClient;
  let now = new Date(BASE);
  const outputs: string[] = [];
  const originalEnv = { ...process.env };

  const at = (offsetSeconds: number) => {
    now = new Date(BASE + offsetSeconds * 1000);
  };
  const put = (as: SSMClient, name: string, value: string, type: ParameterType = 'String') =>
    as.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
  const remove = (as: SSMClient, name: string) => as.send(new DeleteParameterCommand({ Name: name }));
  const cli = async (argv: string[], options: { onStderr?: (text: string) => void; signal?: AbortSignal } = {}): Promise<Run> => {
    const out = { stdout: '', stderr: '' };
    const code = await main(argv, {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: {
        write: (text: string) => {
          out.stderr += text;
          options.onStderr?.(text);
        },
        // A terminal, so that progress is drawn (and can be interrupted on).
        isTTY: options.onStderr !== undefined,
      },
      ...(options.signal && { signal: options.signal }),
    });
    outputs.push(out.stdout, out.stderr);
    return { code, ...out };
  };
  const puts = () => sandbox.ssm.callCounts().PutParameter ?? 0;
  const under = (prefix: string) =>
    Object.fromEntries(
      sandbox.ssm
        .snapshot()
        .filter((parameter) => parameter.name.startsWith(prefix))
        .map((parameter) => [parameter.name.slice(prefix.length), [parameter.type, parameter.value]]),
    );

  before(async () => {
    sandbox = await startSandbox({ clock: () => now, destinationPrefixes: ['/mirror/'] });
    Object.assign(process.env, sandbox.env);
    clients = new SandboxClients(sandbox);
    alice = clients.ssmAs('alice');
    bob = clients.ssmAs('bob');

    at(0);
    await put(alice, '/prod/db/host', 'db-1');
    await put(alice, '/prod/db/password', 'pw-1', 'SecureString');
    await put(alice, '/prod/flag', 'on');
    await put(alice, '/prod/doomed', 'bye');
    await put(bob, '/production/not-prod', 'beside /prod, not under it');
    await put(alice, '/staging/db/host', 'staging-db');
    await put(alice, '/staging/db/password', 'staging-secret', 'SecureString');
    await put(bob, '/vault/api-key', 'vault-plain-key');
    await sandbox.settle();

    at(300);
    await put(bob, '/prod/db/host', 'db-2');
    await put(alice, '/prod/db/password', 'pw-2', 'SecureString');
    await remove(alice, '/prod/doomed');
    await put(alice, '/prod/new', 'fresh');
    await put(alice, '/vault/api-key', 'vault-secret-key', 'SecureString');
    await sandbox.settle();

    // After T2: /prod/flag is deleted and created again (versions start over at 1).
    at(600);
    await remove(alice, '/prod/flag');
    at(660);
    await put(bob, '/prod/flag', 'off');
    await put(alice, '/prod/db/host', 'db-3');
    await sandbox.settle();
    expect(sandbox.deadLetters()).to.deep.equal([]);
    at(1200);
  });

  after(async () => {
    for (const name of Object.keys(process.env)) if (!(name in originalEnv)) delete process.env[name];
    Object.assign(process.env, originalEnv);
    await sandbox?.stop();
  });

  it('migrates a table written without path_root: a Scan with a warning before, the index after, nothing to do again', async () => {
    // As an auditor before the path index wrote them: every record without path_root, and no
    // marker (the sandbox marked its table new at boot).
    await clients.documents.send(new DeleteCommand({ TableName: sandbox.tables.audit, Key: MIGRATION_MARKER_KEY }));
    const records = await clients.scan(sandbox.tables.audit);
    expect(records.length).to.be.greaterThan(10);
    for (const record of records) {
      await clients.documents.send(
        new UpdateCommand({
          TableName: sandbox.tables.audit,
          Key: { parameter_name: record.parameter_name, time: record.time },
          UpdateExpression: 'REMOVE path_root',
        }),
      );
    }

    const before = await cli(['log', '--prefix', '/prod', '--json']);
    expect(before.code, before.stderr).to.equal(0);
    expect(before.stderr).to.include('warning:').and.include('run "figgy-events migrate"');
    const beforeEntries = (JSON.parse(before.stdout) as { entries: AuditEntry[] }).entries;

    const migrated = await cli(['migrate']);
    expect(migrated.code, migrated.stderr).to.equal(0);
    expect(migrated.stdout).to.include(`migrated ${sandbox.tables.audit}`).and.include(`${records.length} record(s) given path_root`);
    const items = await clients.scan(sandbox.tables.audit);
    expect(items.filter((item) => String(item.parameter_name).startsWith('/') && item.path_root === undefined)).to.deep.equal([]);

    const again = await cli(['migrate', '--json']);
    expect(JSON.parse(again.stdout)).to.deep.include({ alreadyComplete: true, updated: 0 });

    const after = await cli(['log', '--prefix', '/prod', '--json']);
    expect(after.stderr).to.equal('');
    expect((JSON.parse(after.stdout) as { entries: AuditEntry[] }).entries).to.deep.equal(beforeEntries);
  });

  it('shows the history of a name across a delete and a re-creation, newest first', async () => {
    const run = await cli(['history', '/prod/flag', '--json']);
    expect(run.code, run.stderr).to.equal(0);
    const { entries } = JSON.parse(run.stdout) as { entries: AuditEntry[] };
    expect(entries.map((entry) => [entry.time, entry.action, entry.version, entry.value, entry.user])).to.deep.equal([
      [iso(660), 'PutParameter', 1, 'off', 'bob'],
      [iso(600), 'DeleteParameter', undefined, undefined, 'alice'],
      [iso(0), 'PutParameter', 1, 'on', 'alice'],
    ]);
    expect(entries[0]?.userArn).to.be.a('string').and.include('bob');

    const table = await cli(['history', '/prod/db/password']);
    expect(table.stdout).to.match(/PutParameter\s+v2\s+SecureString\s+\*{8}\s+alice/);
  });

  it('lists the changes under a prefix within a time window, and one user\'s through the user index', async () => {
    const window = await cli(['log', '--prefix', '/prod', '--since', T1, '--until', T2]);
    expect(window.code, window.stderr).to.equal(0);
    const lines = window.stdout.split('\n').filter((line) => line.startsWith('20'));
    expect(lines.map((line) => line.split(/\s+/).slice(1, 3).join(' '))).to.deep.equal([
      '/prod/db/host PutParameter',
      '/prod/db/password PutParameter',
      '/prod/doomed DeleteParameter',
      '/prod/new PutParameter',
    ]);
    expect(window.stdout).not.to.include('/production');

    const bobs = await cli(['log', '--prefix', '/prod', '--user', 'bob', '--json']);
    const { entries } = JSON.parse(bobs.stdout) as { entries: AuditEntry[] };
    expect(entries.map((entry) => [entry.time, entry.name, entry.value])).to.deep.equal([
      [iso(300), '/prod/db/host', 'db-2'],
      [iso(660), '/prod/flag', 'off'],
    ]);
  });

  it('diffs a prefix between two moments across creates, updates, deletes and a SecureString, masked', async () => {
    const run = await cli(['diff', '--prefix', '/prod', '--from', T1, '--to', T2, '--json']);
    expect(run.code, run.stderr).to.equal(0);
    const { entries, summary } = JSON.parse(run.stdout) as { entries: DiffEntry[]; summary: Record<string, number> };
    expect(entries.map((entry) => [entry.name, entry.status, entry.from?.value, entry.to?.value, entry.lastChange?.user])).to.deep.equal([
      ['/prod/db/host', 'updated', 'db-1', 'db-2', 'bob'],
      ['/prod/db/password', 'updated', '********', '********', 'alice'],
      ['/prod/doomed', 'deleted', 'bye', undefined, 'alice'],
      ['/prod/flag', 'unchanged', 'on', 'on', 'alice'],
      ['/prod/new', 'created', undefined, 'fresh', 'alice'],
    ]);
    expect(summary).to.deep.equal({ created: 1, updated: 2, deleted: 1, unchanged: 1, unknown: 0 });

    const table = await cli(['diff', '--prefix', '/prod', '--from', T1, '--to', T2]);
    expect(table.stdout).to.match(/updated\s+\/prod\/db\/password\s+SecureString \*{8} v1\s+SecureString \*{8} v2/);
    expect(table.stdout).to.include('1 created, 2 updated, 1 deleted, 1 unchanged, 0 unknown');
  });

  it('masks a String written before the name became a SecureString, whatever records a question reads, table and JSON', async () => {
    const questions = [
      ['log', '--prefix', '/vault', '--user', 'bob'],
      ['log', '--prefix', '/vault', '--until', T1],
      ['diff', '--prefix', '/vault', '--from', iso(1), '--to', T1],
    ];
    for (const argv of questions) {
      for (const json of [[], ['--json']]) {
        const run = await cli([...argv, ...json]);
        expect(run.code, run.stderr).to.equal(0);
        expect(run.stdout, argv.join(' ')).to.include('/vault/api-key').and.include('********').and.not.include('vault-plain-key');
      }
    }
  });

  it('clones /prod/ as it was at T2 into /staging/, listing what it overwrites, equal to /prod/ then', async () => {
    const dry = await cli(['restore', '--prefix', '/prod/', '--at', T2, '--into', '/staging/']);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.include(`clone /prod as it was at ${T2} into /staging (dry run`);
    expect(dry.stdout).to.match(/update\s+\/staging\/db\/host\s+String "staging-db" v1\s+String "db-2" v2/);
    expect(dry.stdout).to.match(/update\s+\/staging\/db\/password\s+SecureString \*{8} v1/);

    const before = puts();
    const run = await cli(['restore', '--prefix', '/prod/', '--at', T2, '--into', '/staging/', '--apply', '--max-tps', '20']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include('4 written, 0 deleted, 0 failed').and.include('verified');
    expect(puts()).to.equal(before + 4);
    expect(under('/staging/')).to.deep.equal({
      'db/host': ['String', 'db-2'],
      'db/password': ['SecureString', 'pw-2'],
      flag: ['String', 'on'],
      new: ['String', 'fresh'],
    });
    const host = sandbox.ssm.snapshot().find((parameter) => parameter.name === '/staging/db/host');
    expect(host?.description).to.equal(`cloned from /prod at ${T2} by figgy-events`);
  });

  it('finishes an interrupted clone when run again, writing nothing twice', async () => {
    const interrupt = new AbortController();
    const before = puts();
    const argv = ['restore', '--prefix', '/prod', '--at', T2, '--into', '/qa', '--apply', '--max-tps', '20'];
    const first = await cli(argv, {
      signal: interrupt.signal,
      // Ctrl-C as the first change is reported done.
      onStderr: (text) => {
        if (text.includes('[1/4')) interrupt.abort();
      },
    });
    expect(first.code).to.equal(1);
    expect(first.stdout).to.include('1 written').and.include('interrupted: 3 change(s) not started');
    // The T to finish it at, absolute: a time ago would name another moment by the next run.
    expect(first.stdout).to.include(`run the command again with --at ${new Date(T2).toISOString()} to finish`);
    expect(puts()).to.equal(before + 1);

    const second = await cli([...argv, '--json']);
    expect(second.code, second.stderr).to.equal(0);
    const report = JSON.parse(second.stdout) as { summary: Record<string, number>; result: { written: number } };
    // Unchanged: the one written before the interruption, and a name the log shows that
    // existed neither at T nor under /qa now.
    expect(report.summary).to.deep.include({ create: 3, unchanged: 2 });
    expect(report.result.written).to.equal(3);
    expect(puts()).to.equal(before + 4);
    expect(under('/qa/')).to.deep.equal(under('/staging/'));
  });

  it('printed no SecureString plaintext anywhere', () => {
    expect(outputs.length).to.be.greaterThan(10);
    for (const output of outputs) for (const secret of SECRETS) expect(output).not.to.include(secret);
  });
});
