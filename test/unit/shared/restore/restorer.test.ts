import { expect } from 'chai';
import { planEntries } from '../../../../shared/restore/plan-entries.ts';
import { Restorer } from '../../../../shared/restore/restorer.ts';
import { CallPacer } from '../../../../shared/call-pacer.ts';
import { InMemoryMappings, RecordingLog } from '../../support/in-memory.ts';
import { FakeDecrypter, FakeHistory, FakeTarget, deleted, put } from '../../support/restore-fakes.ts';

const T = Date.parse('2026-03-01T10:07:30Z');

/** A clock that only moves when the pacer sleeps, so pacing is measured, not waited for. */
function fakeClock() {
  const clock = { time: 0, sleeps: [] as number[] };
  return {
    clock,
    pacerClock: {
      now: () => clock.time,
      sleep: async (ms: number) => {
        clock.sleeps.push(ms);
        clock.time += ms;
      },
    },
  };
}

function setup() {
  const history = new FakeHistory([
    put('/app/db/host', { at: '2026-03-01T10:00:00Z', version: 1, value: 'db-1' }),
    put('/app/db/host', { at: '2026-03-01T10:05:00Z', version: 2, value: 'db-2' }),
    put('/app/db/host', { at: '2026-03-01T10:10:00Z', version: 3, value: 'db-3' }),
    put('/app/db/password', { at: '2026-03-01T10:00:00Z', version: 1, value: 'pw-1', type: 'SecureString', keyId: 'alias/app' }),
    put('/app/db/password', { at: '2026-03-01T10:10:00Z', version: 2, value: 'pw-2', type: 'SecureString', keyId: 'alias/app' }),
    put('/app/old', { at: '2026-03-01T10:00:00Z', version: 1, value: 'old' }),
    deleted('/app/old', { at: '2026-03-01T10:10:00Z' }),
    put('/app/new', { at: '2026-03-01T10:10:00Z', version: 1, value: 'new' }),
    put('/app/orders/db-host', { at: '2026-03-01T10:00:00Z', version: 1, value: 'db-1' }),
    put('/app/orders/db-host', { at: '2026-03-01T10:10:01Z', version: 2, value: 'db-3' }),
    put('/application/other', { at: '2026-03-01T10:00:00Z', version: 1, value: 'not under /app' }),
  ]);
  const target = new FakeTarget();
  target.set('/app/db/host', 'db-1', 'String', { at: '2026-03-01T10:00:00Z' });
  target.set('/app/db/host', 'db-2', 'String', { at: '2026-03-01T10:05:00Z' });
  target.set('/app/db/host', 'db-3', 'String', { at: '2026-03-01T10:10:00Z' });
  target.set('/app/db/password', 'pw-1', 'SecureString', { at: '2026-03-01T10:00:00Z', keyId: 'alias/app' });
  target.set('/app/db/password', 'pw-2', 'SecureString', { at: '2026-03-01T10:10:00Z', keyId: 'alias/app' });
  target.set('/app/new', 'new', 'String', { at: '2026-03-01T10:10:00Z' });
  target.set('/app/orders/db-host', 'db-1', 'String', { at: '2026-03-01T10:00:00Z' });
  target.set('/app/orders/db-host', 'db-3', 'String', { at: '2026-03-01T10:10:01Z' });
  const mappings = new InMemoryMappings();
  mappings.set({ destination: '/app/orders/db-host', source: '/app/db/host', type: 'app' });
  const decrypter = new FakeDecrypter();
  const log = new RecordingLog();
  const restorer = new Restorer({ history, target, decrypter, mappings, log });
  return { history, target, decrypter, mappings, log, restorer };
}

describe('restorer', () => {
  it('plans every parameter under the prefix from the audit log and Parameter Store', async () => {
    const { restorer } = setup();
    const plan = await restorer.plan({ prefix: '/app/', at: T });
    expect(plan.prefix).to.equal('/app');
    expect(plan.steps.map((step) => [step.name, step.action, step.atT?.source])).to.deep.equal([
      ['/app/db/host', 'update', 'audit-log'],
      ['/app/db/password', 'update', 'ssm-history'],
      ['/app/new', 'skipped', undefined],
      ['/app/old', 'create', 'audit-log'],
      ['/app/orders/db-host', 'skipped', undefined],
    ]);
  });

  it('restores a root-level parameter under /name from records kept under either spelling', async () => {
    const history = new FakeHistory([
      put('legacy', { at: '2026-03-01T10:00:00Z', version: 1, value: 'one' }),
      put('/legacy', { at: '2026-03-01T10:10:00Z', version: 2, value: 'two' }),
    ]);
    const target = new FakeTarget();
    target.set('/legacy', 'one', 'String', { at: '2026-03-01T10:00:00Z' });
    target.set('/legacy', 'two', 'String', { at: '2026-03-01T10:10:00Z' });
    const restorer = new Restorer({
      history,
      target,
      decrypter: new FakeDecrypter(),
      mappings: new InMemoryMappings(),
      log: new RecordingLog(),
    });

    const plan = await restorer.plan({ prefix: '/', at: T });

    expect(history.prefixes).to.deep.equal(['']);
    expect(plan.steps.map((step) => [step.name, step.action, step.atT?.value])).to.deep.equal([
      ['/legacy', 'update', 'one'],
    ]);
  });

  it('takes a SecureString unchanged since T from the listing, without reading it again', async () => {
    const { target, decrypter, mappings, log } = setup();
    target.set('/app/secret', 's-1', 'SecureString', { at: '2026-03-01T10:00:00Z' });
    const history = new FakeHistory([
      put('/app/secret', { at: '2026-03-01T10:00:00Z', version: 1, value: 's-1', type: 'SecureString' }),
    ]);
    const plan = await new Restorer({ history, target, decrypter, mappings, log }).plan({ prefix: '/app/secret', at: T });
    expect(plan.steps.map((step) => [step.name, step.action, step.atT?.source])).to.deep.equal([
      ['/app/secret', 'unchanged', 'ssm-history'],
    ]);
    expect(target.calls.of('readVersion')).to.equal(0);
  });

  it('masks a parameter that was a String at T and is one now when it was a SecureString in between', async () => {
    const history = new FakeHistory([
      put('/app/api-key', { at: '2026-03-01T10:00:00Z', version: 1, value: 'plain-at-t' }),
      put('/app/api-key', { at: '2026-03-01T10:09:00Z', version: 2, value: 'secret-after-t', type: 'SecureString' }),
      put('/app/api-key', { at: '2026-03-01T10:10:00Z', version: 3, value: 'moved-back-out' }),
    ]);
    const target = new FakeTarget();
    target.set('/app/api-key', 'plain-at-t', 'String', { at: '2026-03-01T10:00:00Z' });
    target.set('/app/api-key', 'secret-after-t', 'SecureString', { at: '2026-03-01T10:09:00Z' });
    target.set('/app/api-key', 'moved-back-out', 'String', { at: '2026-03-01T10:10:00Z' });
    const restorer = new Restorer({ history, target, decrypter: new FakeDecrypter(), mappings: new InMemoryMappings(), log: new RecordingLog() });
    const entries = planEntries(await restorer.plan({ prefix: '/app', at: T }));
    expect(entries.map((entry) => [entry.name, entry.action, entry.from?.value, entry.to?.value, entry.masked])).to.deep.equal([
      ['/app/api-key', 'update', '********', '********', true],
    ]);
  });

  it('writes nothing while planning', async () => {
    const { restorer, target } = setup();
    await restorer.plan({ prefix: '/app', at: T, deleteCreatedAfter: true });
    expect(target.calls.of('write') + target.calls.of('delete')).to.equal(0);
  });

  it('writes each value as a new version with its type, key and a description saying from when', async () => {
    const { restorer, target } = setup();
    const { pacerClock } = fakeClock();
    const report = await restorer.apply(await restorer.plan({ prefix: '/app', at: T }), { clock: pacerClock });
    expect(report).to.deep.equal({ written: 3, deleted: 0, failed: [], mismatches: [] });
    const description = 'restored from 2026-03-01T10:07:30.000Z by figgy-events';
    expect(target.writes).to.deep.equal([
      { name: '/app/db/host', type: 'String', value: 'db-2', keyId: undefined, description },
      { name: '/app/db/password', type: 'SecureString', value: 'pw-1', keyId: 'alias/app', description },
      { name: '/app/old', type: 'String', value: 'old', keyId: undefined, description },
    ]);
    expect(target.latest('/app/db/password')?.version).to.equal(3);
    expect(target.latest('/app/new')?.value).to.equal('new');
    expect(target.deletes).to.deep.equal([]);
  });

  it('deletes what was created after T only when asked', async () => {
    const { restorer, target } = setup();
    const { pacerClock } = fakeClock();
    const report = await restorer.apply(await restorer.plan({ prefix: '/app', at: T, deleteCreatedAfter: true }), {
      clock: pacerClock,
    });
    expect(report.deleted).to.equal(1);
    expect(target.deletes).to.deep.equal(['/app/new']);
  });

  it('paces writes to --max-tps and reports progress for each', async () => {
    const { restorer } = setup();
    const { clock, pacerClock } = fakeClock();
    const progress: string[] = [];
    await restorer.apply(await restorer.plan({ prefix: '/app', at: T, deleteCreatedAfter: true }), {
      maxTps: 2,
      clock: pacerClock,
      onProgress: ({ done, total, action, name }) => progress.push(`${done}/${total} ${action} ${name}`),
    });
    expect(clock.sleeps).to.deep.equal([500, 500, 500]);
    expect(progress).to.deep.equal([
      '1/4 update /app/db/host',
      '2/4 update /app/db/password',
      '3/4 delete /app/new',
      '4/4 create /app/old',
    ]);
  });

  it('carries on past a failed write and reports it', async () => {
    const { restorer, target } = setup();
    target.failures.set('/app/db/host', new Error('AccessDeniedException: no ssm:PutParameter'));
    const report = await restorer.apply(await restorer.plan({ prefix: '/app', at: T }), { clock: fakeClock().pacerClock });
    expect(report.written).to.equal(2);
    expect(report.failed).to.deep.equal([{ name: '/app/db/host', error: 'AccessDeniedException: no ssm:PutParameter' }]);
  });

  it('reads everything back and names a value that did not hold, without printing it', async () => {
    const { restorer, target } = setup();
    target.interferers.add('/app/db/password');
    const report = await restorer.apply(await restorer.plan({ prefix: '/app', at: T }), { clock: fakeClock().pacerClock });
    expect(report.mismatches).to.deep.equal([
      { name: '/app/db/password', reason: 'holds another value (version 4) than the one restored' },
    ]);
    expect(JSON.stringify(report)).not.to.include('pw-1');
  });

  it('treats a malformed mapping as a destination all the same', async () => {
    const { restorer, mappings, log } = setup();
    mappings.set({ destination: '/app/db/host', type: 'unknown-kind' });
    const plan = await restorer.plan({ prefix: '/app', at: T });
    expect(plan.steps.find((step) => step.name === '/app/db/host')).to.include({ action: 'skipped', skip: 'replication-destination' });
    expect(log.lines.join()).to.include('malformed replication mapping');
  });

  it('warns of a malformed mapping only when it concerns the restored prefix', async () => {
    const { restorer, mappings, log } = setup();
    mappings.set({ destination: '/elsewhere/x', source: '/src/x', type: 'ap' });
    mappings.set({ destination: 'arn:aws:ssm:us-east-1:210987654321:parameter/app/db/host', source: '/src/x', type: 'ap' });
    await restorer.plan({ prefix: '/app', at: T });
    expect(log.lines.join()).not.to.include('malformed');
    mappings.set({ destination: '/', source: '/src/', type: 'mirror', keep_deleted: 'yes' });
    await restorer.plan({ prefix: '/app', at: T });
    expect(log.lines.filter((line) => line.includes('malformed'))).to.have.length(1);
    expect(log.lines.join()).to.include('keep_deleted (mapping of /)');
  });

  it('skips a root-level destination whose mapping is written x when the plan names /x', async () => {
    const history = new FakeHistory([put('/x', { at: '2026-03-01T10:00:00Z', version: 1, value: 'v1' })]);
    const target = new FakeTarget();
    target.set('/x', 'v1', 'String', { at: '2026-03-01T10:00:00Z' });
    target.set('/x', 'v2', 'String', { at: '2026-03-01T10:10:00Z' });
    const mappings = new InMemoryMappings();
    mappings.set({ destination: 'x', source: '/app/db/host', type: 'app' });
    const restorer = new Restorer({ history, target, decrypter: new FakeDecrypter(), mappings, log: new RecordingLog() });
    const plan = await restorer.plan({ prefix: '/', at: T });
    expect(plan.steps.find((step) => step.name === '/x')).to.include({ action: 'skipped', skip: 'replication-destination' });
  });

  it("skips what a home mirror keeps, lists every name the log shows, and restores what the mirror never wrote", async () => {
    const history = new FakeHistory([
      put('/dr/app/db', { at: '2026-03-01T10:00:00Z', version: 1, value: 'v1' }),
      put('/dr/app/db', { at: '2026-03-01T10:10:00Z', version: 2, value: 'v2' }),
      put('/dr/app/orphan', { at: '2026-03-01T10:00:00Z', version: 1, value: 'o1' }),
      put('/dr/app/orphan', { at: '2026-03-01T10:10:00Z', version: 2, value: 'o2' }),
      put('/dr/app/by-hand', { at: '2026-03-01T10:00:00Z', version: 1, value: 'h1' }),
      put('/dr/app/by-hand', { at: '2026-03-01T10:10:00Z', version: 2, value: 'h2' }),
      put('/dr/app/wiped', { at: '2026-03-01T10:00:00Z', version: 1, value: 'w1' }),
      deleted('/dr/app/wiped', { at: '2026-03-01T10:10:00Z' }),
      put('/dr/other', { at: '2026-03-01T10:00:00Z', version: 1, value: 'o1' }),
      put('/dr/other', { at: '2026-03-01T10:10:00Z', version: 2, value: 'o2' }),
    ]);
    const target = new FakeTarget();
    target.set('/app/db', 'v2', 'String', { at: '2026-03-01T10:10:00Z' });
    target.set('/dr/app/db', 'v1', 'String', { at: '2026-03-01T10:00:00Z' });
    target.set('/dr/app/db', 'v2', 'String', { at: '2026-03-01T10:10:00Z' });
    target.set('/dr/app/orphan', 'o1', 'String', { at: '2026-03-01T10:00:00Z' });
    target.set('/dr/app/orphan', 'o2', 'String', { at: '2026-03-01T10:10:00Z' });
    target.marks.set('/dr/app/orphan', '/app/ to /dr/app/');
    target.marks.set('/dr/app/db', '/app/ to /dr/app/');
    target.set('/dr/app/by-hand', 'h1', 'String', { at: '2026-03-01T10:00:00Z' });
    target.set('/dr/app/by-hand', 'h2', 'String', { at: '2026-03-01T10:10:00Z' });
    target.set('/dr/other', 'o1', 'String', { at: '2026-03-01T10:00:00Z' });
    target.set('/dr/other', 'o2', 'String', { at: '2026-03-01T10:10:00Z' });
    const mappings = new InMemoryMappings();
    mappings.set({ destination: '/dr/app/', source: '/app/', type: 'mirror' });
    mappings.set({ destination: 'arn:aws:ssm:eu-central-1:123456789012:parameter/dr/', source: '/dr/', type: 'mirror' });
    const restorer = new Restorer({ history, target, decrypter: new FakeDecrypter(), mappings, log: new RecordingLog() });
    const plan = await restorer.plan({ prefix: '/dr', at: T });
    expect(plan.steps.map((step) => [step.name, step.action, step.reason])).to.deep.equal([
      ['/dr/app/by-hand', 'update', undefined],
      ['/dr/app/db', 'skipped', 'replica of /app/db (mirror /app/ to /dr/app/): restore the source'],
      ['/dr/app/orphan', 'skipped', 'replica of /app/orphan (mirror /app/ to /dr/app/), which is gone: the mirror deletes it'],
      ['/dr/app/wiped', 'create', undefined],
      ['/dr/other', 'update', undefined],
    ]);
    // A clone into the mirror's destination writes only names the mirror has no source for.
    history.records.push(
      put('/stage/db', { at: '2026-03-01T10:00:00Z', version: 1, value: 's1' }),
      put('/stage/feature', { at: '2026-03-01T10:00:00Z', version: 1, value: 'f1' }),
    );
    target.set('/stage/db', 's1', 'String', { at: '2026-03-01T10:00:00Z' });
    target.set('/stage/feature', 'f1', 'String', { at: '2026-03-01T10:00:00Z' });
    const clone = await restorer.plan({ prefix: '/stage', at: T, into: '/dr/app' });
    const cloned = clone.steps.filter((step) => ['/dr/app/db', '/dr/app/feature'].includes(step.name));
    expect(cloned.map((step) => [step.name, step.action, step.reason])).to.deep.equal([
      ['/dr/app/db', 'skipped', 'replica of /app/db (mirror /app/ to /dr/app/): restore the source'],
      ['/dr/app/feature', 'create', undefined],
    ]);
  });

  it('restores a hand-written parameter under the destination that the mirror refuses (untagged, not the copy), though its source exists', async () => {
    // /dr/app/db was written by hand (no replica-of tag, a value unlike /app/db's): planReplica
    // refuses it, so the mirror never writes it. Someone overwrote it after T; restore must put it back.
    const history = new FakeHistory([
      put('/dr/app/db', { at: '2026-03-01T10:00:00Z', version: 1, value: 'hand-1' }),
      put('/dr/app/db', { at: '2026-03-01T10:10:00Z', version: 2, value: 'oops' }),
    ]);
    const target = new FakeTarget();
    target.set('/app/db', 'source-value', 'String', { at: '2026-03-01T09:00:00Z' });
    target.set('/dr/app/db', 'hand-1', 'String', { at: '2026-03-01T10:00:00Z' });
    target.set('/dr/app/db', 'oops', 'String', { at: '2026-03-01T10:10:00Z' });
    const mappings = new InMemoryMappings();
    mappings.set({ destination: '/dr/app/', source: '/app/', type: 'mirror' });
    const restorer = new Restorer({ history, target, decrypter: new FakeDecrypter(), mappings, log: new RecordingLog() });
    const plan = await restorer.plan({ prefix: '/dr', at: T });
    expect(plan.steps.find((step) => step.name === '/dr/app/db')).to.include({ action: 'update' });
  });
});

describe('write pacer', () => {
  it('spaces calls evenly and does not wait when calls are already slow enough', async () => {
    const { clock, pacerClock } = fakeClock();
    const pacer = new CallPacer(4, pacerClock);
    await pacer.next();
    await pacer.next();
    clock.time += 1000;
    await pacer.next();
    await pacer.next();
    expect(clock.sleeps).to.deep.equal([250, 250]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new CallPacer(0)).to.throw(RangeError);
  });
});
