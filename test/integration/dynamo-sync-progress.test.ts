import { expect } from 'chai';
import { DynamoSyncProgress } from '../../shared/aws/dynamo-sync-progress.ts';
import { JobLease, LeaseLostError } from '../../shared/sync/job-lease.ts';
import { useFreshTables } from './dynamodb-local.ts';

describe('DynamoSyncProgress', () => {
  const tables = useFreshTables();
  const now = Date.parse('2026-12-02T08:00:00Z');
  let progress: DynamoSyncProgress;
  let jobs = 0;
  let job: string;

  before(() => {
    progress = new DynamoSyncProgress(tables().documents, tables().names.syncProgress);
  });
  beforeEach(() => {
    job = `job-${++jobs}`;
  });

  it('gives a free job to the first claimant and refuses a second until the lease runs out', async () => {
    const first = await progress.claim({ job, owner: 'a', until: now + 60_000 }, now);
    expect(first).to.deep.equal({ requests: [] });
    expect(await progress.claim({ job, owner: 'b', until: now + 90_000 }, now + 1_000)).to.be.undefined;
    // The first holder's invocation ended without releasing: its lease runs out at `until`.
    expect(await progress.claim({ job, owner: 'b', until: now + 200_000 }, now + 60_001)).to.deep.equal({ requests: [] });
  });

  it('lets the holder claim again (a retried invocation keeps its lease)', async () => {
    await progress.claim({ job, owner: 'a', until: now + 60_000 }, now);
    expect(await progress.claim({ job, owner: 'a', until: now + 60_000 }, now + 5)).to.not.be.undefined;
  });

  it('keeps the state, the pace and the finish time for the next holder', async () => {
    const lease = { job, owner: 'a', until: now + 60_000 };
    const held = await JobLease.claim<{ cursor: string }>(progress, lease, now);
    await held?.save({ cursor: '/app/b' });
    await held?.release(now + 70_000);
    const next = await JobLease.claim<{ cursor: string }>(progress, { job, owner: 'b', until: now + 120_000 }, now + 1);
    expect(next?.state).to.deep.equal({ cursor: '/app/b' });
    expect(next?.progress.notBefore).to.equal(now + 70_000);
    await next?.save(null, { finishedAt: now + 100, lastPass: '{"invocations":1}' });
    const after = await progress.claim({ job, owner: 'b', until: now + 120_000 }, now + 2);
    expect(after).to.deep.equal({ requests: [], notBefore: now + 70_000, finishedAt: now + 100, lastPass: '{"invocations":1}' });
  });

  it('refuses saves and releases once the lease is someone else’s, so a late invocation writes nothing', async () => {
    const lease = { job, owner: 'a', until: now + 1_000 };
    await progress.claim(lease, now);
    await progress.claim({ job, owner: 'b', until: now + 60_000 }, now + 2_000);
    let error: unknown;
    try {
      await progress.save(lease, { state: '{}' });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(LeaseLostError);
    await progress.release(lease).catch((caught: unknown) => (error = caught));
    expect(error).to.be.instanceOf(LeaseLostError);
  });

  it('takes requests while the job is held and drops only the ones the holder handled', async () => {
    const lease = { job, owner: 'a', until: now + 60_000 };
    await progress.claim(lease, now);
    await progress.request(job, '/dr/one/');
    await progress.request(job, '/dr/two/');
    await progress.request(job, '/dr/one/');
    await progress.save(lease, { state: null, handled: ['/dr/one/'] });
    expect((await progress.claim(lease, now))?.requests).to.deep.equal(['/dr/two/']);
  });

  it('starts a new pass when the saved state is of another version', async () => {
    const lease = { job, owner: 'a', until: now + 60_000 };
    await progress.claim(lease, now);
    await progress.save(lease, { state: JSON.stringify({ v: 0, state: { cursor: 'x' } }) });
    expect((await JobLease.claim(progress, lease, now))?.state).to.be.undefined;
  });
});
