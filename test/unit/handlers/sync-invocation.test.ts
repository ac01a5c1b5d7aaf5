/**
 * A syncer invocation's metrics: the open pass's age is told by every invocation that takes
 * the pass over, so a pass wedged by a call that fails each time still reaches its alarm.
 */
import { expect } from 'chai';
import type { Context } from 'aws-lambda';
import { syncInvocation } from '../../../handlers/runtime/sync.ts';
import { CACHE_PASS } from '../../../shared/metric-counts.ts';
import type { MetricName, MetricSink } from '../../../shared/metrics.ts';
import type { CacheSyncReport } from '../../../shared/cache/cache-syncer.ts';
import type { SyncPass } from '../../../shared/sync/sync-pass.ts';
import { RecordingLog } from '../support/in-memory.ts';
import { InMemorySyncProgress } from '../support/in-memory-sync-progress.ts';

const REPORT = { parametersListed: 0, cacheItemsRead: 0, added: 0, tombstoned: 0, collapsed: 0 } as unknown as CacheSyncReport;

function context(id: string): Context {
  return { awsRequestId: id, getRemainingTimeInMillis: () => 60_000 } as Context;
}

function recording(): MetricSink & { added: [MetricName, number, string | undefined][] } {
  const added: [MetricName, number, string | undefined][] = [];
  return { added, add: (metric, value, detail) => void added.push([metric, value, detail]) };
}

describe('a syncer invocation', () => {
  it("reports the open pass's age even when the invocation working on it fails, so a wedged pass reaches its alarm", async () => {
    const store = new InMemorySyncProgress();
    let calls = 0;
    // Saves where it stands, then is denied a call it needs: every invocation after fails at once.
    const wedged: SyncPass<number, CacheSyncReport> = {
      begin: () => ({ cursor: 0, report: REPORT }),
      run: async (_cursor, report, tools) => {
        if (calls++ === 0) await tools.checkpoint(1, report);
        throw new Error('AccessDeniedException');
      },
    };
    const log = new RecordingLog();
    const first = recording();
    await syncInvocation('config-cache-syncer', wedged, CACHE_PASS, {}, { context: context('one'), log, metrics: first }, store).catch(() => undefined);
    const second = recording();
    const failure = await syncInvocation('config-cache-syncer', wedged, CACHE_PASS, {}, { context: context('two'), log, metrics: second }, store).catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(Error);
    const ages = second.added.filter(([metric]) => metric === 'SyncPassAge');
    expect(ages).to.have.length(1);
    expect(ages[0]?.[1]).to.be.at.least(0);
  });
});

describe("a syncer's first pass", () => {
  it('is told apart from every later one by the job never having finished a pass', async () => {
    const store = new InMemorySyncProgress();
    const once: SyncPass<number, CacheSyncReport> = { begin: () => ({ cursor: 0, report: REPORT }), run: async (cursor, report) => ({ done: true, cursor, report }) };
    const log = new RecordingLog();
    const first = await syncInvocation('config-cache-syncer', once, CACHE_PASS, {}, { context: context('one'), log, metrics: recording() }, store);
    const second = await syncInvocation('config-cache-syncer', once, CACHE_PASS, {}, { context: context('two'), log, metrics: recording() }, store);
    expect(first).to.deep.include({ status: 'finished', firstPass: true });
    expect(second).to.include({ status: 'finished' }).and.not.to.have.property('firstPass');
  });
});
