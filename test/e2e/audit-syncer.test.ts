/**
 * The audit syncer end to end: EventBridge loses half the events, and one pass of the deployed
 * bundle finds every change in CloudTrail's event history; a new deployment's first pass
 * imports what happened before it. The CLI's own main() reads the log and restores from it.
 */
import { DeleteParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { expect } from 'chai';
import { runCli } from './support/cli.ts';
import { startSandbox, type Sandbox } from '../../local/index.ts';
import type { AuditEntry } from '../../shared/audit/audit-reader.ts';
import type { AuditSyncReport } from '../../shared/audit/audit-syncer.ts';
import { SandboxClients } from './support/sandbox-clients.ts';

// Before the deployment: two hours ago. The lost events' seconds follow from RECENT on, within
// the minutes before the test runs, as events are that a later pass looks back on.
const BASE = Math.floor(Date.now() / 1000) * 1000 - 2 * 60 * 60 * 1000;
const RECENT = 7000 - 5 * 60;
const iso = (offsetSeconds: number) => new Date(BASE + offsetSeconds * 1000).toISOString();

function reportOf(outcome: Awaited<ReturnType<Sandbox['runSchedule']>>): AuditSyncReport {
  expect(outcome.status).to.equal('finished');
  return (outcome as { report: AuditSyncReport }).report;
}

describe('audit syncer (end to end, in the sandbox)', function () {
  this.timeout(240_000);
  let sandbox: Sandbox;
  let clients: SandboxClients;
  let now = new Date(BASE);
  const originalEnv = { ...process.env };
  const at = (offsetSeconds: number) => {
    now = new Date(BASE + offsetSeconds * 1000);
  };
  const put = (as: SSMClient, name: string, value: string) =>
    as.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
  const remove = (as: SSMClient, name: string) => as.send(new DeleteParameterCommand({ Name: name }));
  const history = async (name: string) => {
    const run = await runCli('history', name, '--json');
    expect(run.code, run.stderr).to.equal(0);
    return (JSON.parse(run.stdout) as { entries: AuditEntry[] }).entries;
  };

  before(async () => {
    sandbox = await startSandbox({ clock: () => now, seed: 21 });
    Object.assign(process.env, sandbox.env);
    clients = new SandboxClients(sandbox);
  });

  after(async () => {
    process.env = originalEnv;
    await sandbox?.stop();
  });

  it('refuses an import longer than CloudTrail keeps and a lost share outside 0 to 1, naming the option, before starting anything', async () => {
    for (const [options, message] of [
      [{ auditImportDays: 91 }, 'startSandbox option auditImportDays is 91'],
      [{ faults: { lostDelivery: 1.5 } }, 'startSandbox option faults.lostDelivery is 1.5'],
    ] as const) {
      const error = await startSandbox(options).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(RangeError);
      expect(String(error)).to.include(message);
    }
  });

  it('imports the writes made before the deployment on its first pass, with their users, and restore reaches back before it', async () => {
    const carol = clients.ssmAs('carol');
    await sandbox.beforeDeployment(async () => {
      at(0);
      await put(carol, '/legacy/url', 'https://old');
      at(10);
      await put(carol, '/legacy/url', 'https://older-still-current');
      at(20);
      await put(carol, '/legacy/gone', 'x');
      at(30);
      await remove(carol, '/legacy/gone');
    });
    await sandbox.settle();
    expect(await history('/legacy/url')).to.deep.equal([]);

    at(100);
    const report = reportOf(await sandbox.runSchedule('audit-syncer'));
    expect(report).to.deep.include({ repaired: 4, alreadyRecorded: 0 });
    expect((await history('/legacy/url')).map((entry) => [entry.time, entry.version, entry.value, entry.user, entry.repair])).to.deep.equal([
      [iso(10), 2, 'https://older-still-current', 'carol', true],
      [iso(0), 1, 'https://old', 'carol', true],
    ]);
    expect((await history('/legacy/gone')).map((entry) => [entry.action, entry.value, entry.user])).to.deep.equal([
      ['DeleteParameter', undefined, 'carol'],
      // Deleted before the import: SSM no longer has the value, and the record says no more.
      ['PutParameter', undefined, 'carol'],
    ]);
    const reasons = sandbox.logs().filter(({ functionName, line }) => functionName === 'audit-syncer' && line.includes('/legacy/gone'));
    expect(reasons.some(({ line }) => line.includes('no longer in Parameter Store; recorded without it'))).to.be.true;

    const table = await runCli('history', '/legacy/url');
    expect(table.stdout).to.match(/carol \*/).and.include('recorded by the audit syncer');

    const restore = await runCli('restore', '--prefix', '/legacy/', '--at', iso(5), '--into', '/was/', '--apply', '--max-tps', '20');
    expect(restore.code, restore.stdout + restore.stderr).to.equal(0);
    expect(sandbox.ssm.snapshot().find((parameter) => parameter.name === '/was/url')?.value).to.equal('https://old');
  });

  it('finds every change EventBridge lost, with its user, version and value, and a second pass adds nothing', async () => {
    const alice = clients.ssmAs('alice');
    const bob = clients.ssmAs('bob');
    const names = Array.from({ length: 10 }, (_, index) => `/lossy/p${index}`);
    const doomed = Array.from({ length: 10 }, (_, index) => `/lossy/doomed${index}`);
    // Delivered: the doomed parameters' own values are recorded while they exist.
    for (const [index, name] of doomed.entries()) {
      at(RECENT + index);
      await put(alice, name, `doomed-${index}`);
    }
    await sandbox.settle();
    sandbox.setFaults({ lostDelivery: 0.5 });
    // Forty changes: three rounds of puts on ten names by two users, then ten deletes.
    let second = RECENT + 20;
    for (let round = 1; round <= 3; round++) {
      for (const [index, name] of names.entries()) {
        at(second++);
        await put(index % 2 === 0 ? alice : bob, name, `r${round}-${index}`);
      }
      second += 30;
    }
    for (const name of doomed) {
      at(second++);
      await remove(bob, name);
    }
    await sandbox.settle();
    sandbox.setFaults({ lostDelivery: 0 });
    const delivered = (await clients.scan(sandbox.tables.audit)).filter((item) => String(item.parameter_name).startsWith('/lossy/'));
    // About half of the forty reached the auditor.
    expect(delivered.length - doomed.length).to.be.within(8, 32);

    at(second + 5);
    const report = reportOf(await sandbox.runSchedule('audit-syncer'));
    expect(report.repaired).to.equal(40 + doomed.length - delivered.length);

    for (const [index, name] of names.entries()) {
      const entries = await history(name);
      expect(entries.map((entry) => [entry.action, entry.version, entry.type, entry.value, entry.user]), name).to.deep.equal(
        [3, 2, 1].map((round) => ['PutParameter', round, 'String', `r${round}-${index}`, index % 2 === 0 ? 'alice' : 'bob']),
      );
    }
    for (const name of doomed) {
      expect((await history(name)).map((entry) => [entry.action, entry.user])).to.deep.equal([
        ['DeleteParameter', 'bob'],
        ['PutParameter', 'alice'],
      ]);
    }

    // Between the second and the third round: every name at its second value, the doomed ones still there.
    const between = iso(RECENT + 20 + 10 + 30 + 10 + 15);
    const restore = await runCli('restore', '--prefix', '/lossy/', '--at', between, '--into', '/back/', '--apply', '--max-tps', '20');
    expect(restore.code, restore.stdout + restore.stderr).to.equal(0);
    const restored = Object.fromEntries(
      sandbox.ssm
        .snapshot()
        .filter((parameter) => parameter.name.startsWith('/back/'))
        .map((parameter) => [parameter.name, parameter.value]),
    );
    expect(restored).to.deep.equal(
      Object.fromEntries([
        ...names.map((name, index) => [name.replace('/lossy/', '/back/'), `r2-${index}`]),
        ...doomed.map((name, index) => [name.replace('/lossy/', '/back/'), `doomed-${index}`]),
      ]),
    );

    const again = reportOf(await sandbox.runSchedule('audit-syncer'));
    expect(again).to.deep.include({ repaired: 0 });
    expect(again.alreadyRecorded).to.be.greaterThan(0);
    expect(sandbox.deadLetters()).to.deep.equal([]);
  });
});
