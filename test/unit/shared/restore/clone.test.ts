import { expect } from 'chai';
import { planEntries } from '../../../../shared/restore/plan-entries.ts';
import { Restorer } from '../../../../shared/restore/restorer.ts';
import { InMemoryMappings, RecordingLog } from '../../support/in-memory.ts';
import { FakeDecrypter, FakeHistory, FakeTarget, deleted, put } from '../../support/restore-fakes.ts';

const T = Date.parse('2026-03-01T10:07:30Z');
const instantly = { now: () => 0, sleep: async () => undefined };

function setup() {
  const history = new FakeHistory([
    put('/prod/db/host', { at: '2026-03-01T10:00:00Z', version: 1, value: 'db-1' }),
    put('/prod/db/host', { at: '2026-03-01T10:10:00Z', version: 2, value: 'db-2' }),
    put('/prod/db/password', { at: '2026-03-01T10:00:00Z', version: 1, value: 'pw-1', type: 'SecureString', keyId: 'alias/prod' }),
    put('/prod/gone', { at: '2026-03-01T10:00:00Z', version: 1, value: 'was here' }),
    deleted('/prod/gone', { at: '2026-03-01T10:05:00Z' }),
    put('/prod/later', { at: '2026-03-01T10:09:00Z', version: 1, value: 'after T' }),
  ]);
  const target = new FakeTarget();
  target.set('/prod/db/host', 'db-1', 'String', { at: '2026-03-01T10:00:00Z' });
  target.set('/prod/db/host', 'db-2', 'String', { at: '2026-03-01T10:10:00Z' });
  target.set('/prod/db/password', 'pw-1', 'SecureString', { at: '2026-03-01T10:00:00Z', keyId: 'alias/prod' });
  target.set('/prod/later', 'after T', 'String', { at: '2026-03-01T10:09:00Z' });
  target.set('/prod/never-audited', 'unknown', 'String', { at: '2026-02-01T00:00:00Z' });
  target.set('/staging/db/host', 'staging-db', 'String');
  target.set('/staging/db/password', 'staging-pw', 'SecureString', { keyId: 'alias/staging' });
  target.set('/staging/extra', 'only in staging', 'String');
  target.set('/staging/replicated', 'from a mapping', 'String');
  const mappings = new InMemoryMappings();
  mappings.set({ destination: '/staging/replicated', source: '/shared/x', type: 'app' });
  const restorer = new Restorer({ history, target, decrypter: new FakeDecrypter(), mappings, log: new RecordingLog() });
  return { history, target, restorer };
}

describe('restore --into (a clone)', () => {
  it('plans the source prefix as it was at T under the other path, against what that path holds now', async () => {
    const { restorer } = setup();
    const plan = await restorer.plan({ prefix: '/prod/', at: T, into: '/staging/' });
    expect(plan).to.deep.include({ prefix: '/staging', from: '/prod' });
    expect(plan.steps.map((step) => [step.name, step.action, step.atT?.value, step.reason])).to.deep.equal([
      ['/staging/db/host', 'update', 'db-1', undefined],
      ['/staging/db/password', 'update', 'pw-1', undefined],
      ['/staging/extra', 'skipped', undefined, '/prod/extra did not exist at T: kept; --delete-created-after deletes it'],
      ['/staging/gone', 'unchanged', undefined, '/prod/gone did not exist at T, nor does /staging/gone now'],
      ['/staging/later', 'unchanged', undefined, '/prod/later did not exist at T, nor does /staging/later now'],
      ['/staging/never-audited', 'skipped', undefined, '/prod/never-audited has no audit record, so its value at T is not known'],
      ['/staging/replicated', 'skipped', undefined, 'replication destination: restore the source (/shared/x)'],
    ]);
  });

  it('masks a name the destination once held as a SecureString, though both sides are Strings now', async () => {
    const history = new FakeHistory([
      put('/prod/token', { at: '2026-03-01T10:00:00Z', version: 1, value: 'prod-token' }),
      put('/staging/token', { at: '2026-03-01T09:00:00Z', version: 1, value: 'staging-secret', type: 'SecureString' }),
      put('/staging/token', { at: '2026-03-01T09:30:00Z', version: 2, value: 'staging-moved-out' }),
    ]);
    const target = new FakeTarget();
    target.set('/prod/token', 'prod-token', 'String', { at: '2026-03-01T10:00:00Z' });
    target.set('/staging/token', 'staging-moved-out', 'String', { at: '2026-03-01T09:30:00Z' });
    const restorer = new Restorer({ history, target, decrypter: new FakeDecrypter(), mappings: new InMemoryMappings(), log: new RecordingLog() });
    const entries = planEntries(await restorer.plan({ prefix: '/prod', at: T, into: '/staging' }));
    expect(entries.map((entry) => [entry.name, entry.action, entry.from?.value, entry.to?.value, entry.masked])).to.deep.equal([
      ['/staging/token', 'update', '********', '********', true],
    ]);
    expect(history.reads).to.deep.equal(['under /prod', 'of /staging/token']);
  });

  it('writes with the destination\'s key and a description naming the source, and deletes extras only when asked', async () => {
    const { restorer, target } = setup();
    const plan = await restorer.plan({ prefix: '/prod', at: T, into: '/staging', deleteCreatedAfter: true });
    const report = await restorer.apply(plan, { clock: instantly });
    expect(report).to.deep.equal({ written: 2, deleted: 1, failed: [], mismatches: [] });
    expect(target.writes.map((write) => [write.name, write.type, write.keyId, write.description])).to.deep.equal([
      ['/staging/db/host', 'String', undefined, 'cloned from /prod at 2026-03-01T10:07:30.000Z by figgy-events'],
      ['/staging/db/password', 'SecureString', 'alias/staging', 'cloned from /prod at 2026-03-01T10:07:30.000Z by figgy-events'],
    ]);
    expect(target.deletes).to.deep.equal(['/staging/extra']);
  });

  it('creates what the destination lacks with the account\'s default key, not the source\'s', async () => {
    const { restorer, target } = setup();
    const plan = await restorer.plan({ prefix: '/prod', at: T, into: '/qa' });
    expect(plan.steps.map((step) => [step.name, step.action])).to.deep.equal([
      ['/qa/db/host', 'create'],
      ['/qa/db/password', 'create'],
      ['/qa/gone', 'unchanged'],
      ['/qa/later', 'unchanged'],
      ['/qa/never-audited', 'skipped'],
    ]);
    await restorer.apply(plan, { clock: instantly });
    expect(target.writes.map((write) => [write.name, write.keyId])).to.deep.equal([
      ['/qa/db/host', undefined],
      ['/qa/db/password', undefined],
    ]);
  });

  it('refuses a destination that overlaps the source', async () => {
    const { restorer } = setup();
    for (const into of ['/prod/copy', '/', '/prod']) {
      let failure: unknown;
      await restorer.plan({ prefix: '/prod', at: T, into }).catch((error: unknown) => (failure = error));
      expect(String(failure), into).to.include('overlaps the prefix /prod');
    }
  });

  it('stops before the next write when interrupted, and a second run writes only what is left', async () => {
    const { restorer, target } = setup();
    const controller = new AbortController();
    const first = await restorer.apply(await restorer.plan({ prefix: '/prod', at: T, into: '/qa' }), {
      clock: instantly,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(first).to.deep.include({ written: 1, notStarted: 1, mismatches: [] });

    const again = await restorer.plan({ prefix: '/prod', at: T, into: '/qa' });
    expect(again.steps.map((step) => [step.name, step.action])).to.deep.equal([
      ['/qa/db/host', 'unchanged'],
      ['/qa/db/password', 'create'],
      ['/qa/gone', 'unchanged'],
      ['/qa/later', 'unchanged'],
      ['/qa/never-audited', 'skipped'],
    ]);
    const second = await restorer.apply(again, { clock: instantly });
    expect(second).to.deep.equal({ written: 1, deleted: 0, failed: [], mismatches: [] });
    expect(target.writes.map((write) => write.name)).to.deep.equal(['/qa/db/host', '/qa/db/password']);
  });

  it('into another region or account: reads at the source, writes and verifies only there, and leaves a mirror\'s replicas there alone', async () => {
    const { history, target } = setup();
    const elsewhere = new FakeTarget();
    elsewhere.set('/prod/db/host', 'old copy', 'String');
    elsewhere.set('/prod/mirrored', 'a replica', 'String');
    elsewhere.marks.set('/prod/mirrored', '/prod/ to /prod/ in eu-west-1 123456789012');
    const mappings = new InMemoryMappings();
    // The source's own mapping names a destination there; it says nothing of the other place.
    mappings.set({ destination: '/prod/db/host', source: '/shared/host', type: 'app' });
    const restorer = new Restorer({ history, target, cloneDestination: elsewhere, decrypter: new FakeDecrypter(), mappings, log: new RecordingLog() });
    // The same path in the other place: no overlap with the source.
    const plan = await restorer.plan({ prefix: '/prod', at: T, into: '/prod' });
    expect(plan.steps.map((step) => [step.name, step.action, step.reason])).to.deep.equal([
      ['/prod/db/host', 'update', undefined],
      ['/prod/db/password', 'create', undefined],
      ['/prod/gone', 'unchanged', '/prod/gone did not exist at T, nor does /prod/gone now'],
      ['/prod/later', 'unchanged', '/prod/later did not exist at T, nor does /prod/later now'],
      ['/prod/mirrored', 'skipped', "replica of the mirror /prod/ to /prod/ in eu-west-1 123456789012: restore the mirror's source, not its replica"],
      ['/prod/never-audited', 'skipped', '/prod/never-audited has no audit record, so its value at T is not known'],
    ]);
    const report = await restorer.apply(plan, { clock: instantly });
    expect(report).to.deep.equal({ written: 2, deleted: 0, failed: [], mismatches: [] });
    expect(elsewhere.writes.map((write) => write.name)).to.deep.equal(['/prod/db/host', '/prod/db/password']);
    expect(target.writes).to.deep.equal([]);
    await restorer.plan({ prefix: '/prod', at: T }).then(
      () => expect.fail('a restore in place with a destination elsewhere'),
      (error: unknown) => expect(String(error)).to.include('name the path to clone into'),
    );
  });

  it('into another place: leaves alone the names this deployment\'s mappings into that place keep, which the replicators would overwrite or never take over', async () => {
    const { history, target } = setup();
    const elsewhere = new FakeTarget();
    elsewhere.set('/prod/db/host', 'replicated', 'String');
    const mappings = new InMemoryMappings();
    // Into the clone's place: an app mapping onto a name the clone would write, and a mirror
    // whose replica of /prod/db/password is missing there (the mirror creates it).
    mappings.set({ destination: 'arn:aws:ssm:eu-central-1:210987654321:parameter/prod/db/host', source: '/shared/host', type: 'app' });
    mappings.set({ destination: 'arn:aws:ssm:eu-central-1:210987654321:parameter/prod/db/', source: '/prod/db/', type: 'mirror' });
    // Into another place, and at home: not the clone's business.
    mappings.set({ destination: 'arn:aws:ssm:us-east-1:210987654321:parameter/prod/later', source: '/shared/later', type: 'app' });
    mappings.set({ destination: '/prod/gone', source: '/shared/gone', type: 'app' });
    const restorer = new Restorer({
      history,
      target,
      cloneDestination: elsewhere,
      cloneDestinationPlace: async () => ({ region: 'eu-central-1', account: '210987654321' }),
      decrypter: new FakeDecrypter(),
      mappings,
      log: new RecordingLog(),
    });
    const plan = await restorer.plan({ prefix: '/prod', at: T, into: '/prod' });
    const byName = Object.fromEntries(plan.steps.map((step) => [step.name, [step.action, step.reason]]));
    expect(byName['/prod/db/host']).to.deep.equal([
      'skipped',
      'replication destination (arn:aws:ssm:eu-central-1:210987654321:parameter/prod/db/host): restore the source (/shared/host)',
    ]);
    expect(byName['/prod/db/password']?.[0]).to.equal('skipped');
    expect(byName['/prod/db/password']?.[1]).to.include('replica of /prod/db/password');
    expect(byName['/prod/later']?.[0]).to.not.equal('skipped');
    await restorer.apply(plan, { clock: instantly });
    expect(elsewhere.writes.map((write) => write.name)).to.deep.equal([]);
  });
});
