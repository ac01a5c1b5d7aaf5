import { expect } from 'chai';
import { CacheManager } from '../../../../shared/cache/cache-manager.ts';
import { CacheSyncer, type CacheSyncCursor, type CacheSyncReport } from '../../../../shared/cache/cache-syncer.ts';
import { parsePrefixes } from '../../../../shared/config.ts';
import { ReplicationSyncer } from '../../../../shared/replication/replication-syncer.ts';
import type { ParameterWrite } from '../../../../shared/parameters.ts';
import { Budget } from '../../../../shared/sync/budget.ts';
import { runSyncPass, type SyncOutcome } from '../../../../shared/sync/sync-pass.ts';
import type { FinishedPass } from '../../../../shared/sync/types.ts';
import { instantPacing } from '../../support/instant-pacing.ts';
import { InMemoryMappings, InMemoryNameCache, InMemoryParameterStore, InMemorySourceIndex, RecordingLog } from '../../support/in-memory.ts';
import { InMemorySyncProgress } from '../../support/in-memory-sync-progress.ts';
import { VirtualTime } from '../../support/virtual-time.ts';

describe('replication syncer', () => {
  function setup() {
    const parameters = new InMemoryParameterStore();
    const mappings = new InMemoryMappings();
    const sourceIndex = new InMemorySourceIndex();
    const syncer = new ReplicationSyncer({
      parameters,
      mappings,
      sourceIndex,
      log: new RecordingLog(),
      concurrency: 3,
      pacing: instantPacing,
      settings: { destinationPrefixes: parsePrefixes('/app', 'REPLICATION_DESTINATION_PREFIXES') },
    });
    return { parameters, mappings, sourceIndex, syncer };
  }

  it('finds drift with reads of ten names to a call, and repairs each drifted destination from a fresh read', async () => {
    const { parameters, mappings, syncer } = setup();
    for (let index = 0; index < 45; index++) {
      parameters.put(`/src/${index}`, `value-${index}`);
      mappings.set({ destination: `/app/${index}`, source: `/src/${index}`, type: 'app' });
      if (index % 3 === 0) parameters.put(`/app/${index}`, `value-${index}`);
      if (index % 3 === 1) parameters.put(`/app/${index}`, 'drifted');
    }
    const report = await syncer.sync();
    expect(report).to.deep.include({ mappings: 45, written: 30, inSync: 15, refused: 0, waiting: 0 });
    for (let index = 0; index < 45; index++) expect(parameters.current(`/app/${index}`)?.value).to.equal(`value-${index}`);
    // 90 names in 9 batched reads; each of the 30 repairs reads its names before writing and
    // once more after, to be sure no older write landed over it.
    expect(parameters.calls.of('GetParameters')).to.equal(9 + 30 * 2);
  });

  it('never has more writes in flight than its concurrency', async () => {
    const { parameters, mappings, syncer } = setup();
    for (let index = 0; index < 20; index++) {
      parameters.put(`/src/${index}`, 'v');
      mappings.set({ destination: `/app/${index}`, source: `/src/${index}`, type: 'app' });
    }
    let inFlight = 0;
    let most = 0;
    const write = parameters.write.bind(parameters);
    parameters.write = async (parameter: ParameterWrite) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return write(parameter);
    };
    await syncer.sync();
    expect(most).to.equal(3);
  });

  it('rebuilds the source index: adds missing links and removes stale ones', async () => {
    const { mappings, sourceIndex, syncer } = setup();
    mappings.set({ destination: '/app/m', type: 'merge', source: ['${/a}', '${/b}'] });
    await sourceIndex.add([
      { source: '/a', destination: '/app/m' },
      { source: '/gone', destination: '/app/removed' },
    ]);
    const report = await syncer.sync();
    expect(report).to.deep.include({ linksAdded: 1, linksRemoved: 1, waiting: 1 });
    expect(sourceIndex.sorted()).to.deep.equal(['/a|/app/m', '/b|/app/m']);
  });

  it('converges a chain A→B→C in one run, upstream first', async () => {
    const { parameters, mappings, syncer } = setup();
    mappings.set({ destination: '/app/c', source: '/app/b', type: 'app' });
    mappings.set({ destination: '/app/b', source: '/a', type: 'app' });
    parameters.put('/a', 'new');
    parameters.put('/app/b', 'old');
    parameters.put('/app/c', 'old');
    await syncer.sync();
    expect(parameters.current('/app/c')?.value).to.equal('new');
  });

  it('never writes a destination back to a source value older than the one it holds', async () => {
    const { parameters, mappings, syncer } = setup();
    mappings.set({ destination: '/app/d', source: '/s', type: 'app' });
    parameters.put('/s', 'old');
    parameters.put('/app/d', 'drifted');
    const readDecrypted = parameters.readDecrypted.bind(parameters);
    let first = true;
    parameters.readDecrypted = async (names) => {
      const values = await readDecrypted(names);
      if (first) {
        // Right after the snapshot, the source moves on and the live replicator copies it.
        first = false;
        parameters.put('/s', 'new');
        parameters.put('/app/d', 'new');
      }
      return values;
    };
    await syncer.sync();
    expect(parameters.current('/app/d')?.value).to.equal('new');
  });

  it('counts invalid mappings and refuses cycles without stopping the run', async () => {
    const { parameters, mappings, syncer } = setup();
    mappings.set({ destination: '/app/bad', type: 'nope', source: '/a' });
    mappings.set({ destination: '/app/x', source: '/app/y', type: 'app' });
    mappings.set({ destination: '/app/y', source: '/app/x', type: 'app' });
    mappings.set({ destination: '/elsewhere', source: '/a', type: 'app' });
    mappings.set({ destination: '/app/ok', source: '/a', type: 'app' });
    parameters.put('/a', 'v');
    expect(await syncer.sync()).to.deep.include({ invalid: 1, refused: 3, written: 1 });
  });
});

describe('replication syncer under the deployment IAM', () => {
  it('reads no source the rule refuses, so one bad mapping never stops the repair of good ones', async () => {
    const parameters = new InMemoryParameterStore();
    const mappings = new InMemoryMappings();
    const syncer = new ReplicationSyncer({
      parameters,
      mappings,
      sourceIndex: new InMemorySourceIndex(),
      log: new RecordingLog(),
      pacing: instantPacing,
      settings: {
        destinationPrefixes: parsePrefixes('/app', 'REPLICATION_DESTINATION_PREFIXES'),
        sourcePrefixes: parsePrefixes('/shared', 'REPLICATION_SOURCE_PREFIXES'),
      },
    });
    parameters.readable = (name) => name.startsWith('/shared/') || name.startsWith('/app/');
    parameters.put('/secret/key', 'k', 'SecureString');
    mappings.set({ destination: '/app/stolen', source: '/secret/key', type: 'app' });
    for (let index = 0; index < 12; index++) {
      parameters.put(`/shared/${index}`, `value-${index}`);
      mappings.set({ destination: `/app/${index}`, source: `/shared/${index}`, type: 'app' });
    }
    expect(await syncer.sync()).to.deep.include({ mappings: 13, written: 12, refused: 1 });
    expect(parameters.current('/app/stolen')).to.equal(undefined);
  });
});

describe('cache syncer', () => {
  const T0 = Date.parse('2026-11-26T12:00:00Z');
  const JOB = 'config-cache-syncer';

  function setup(pages: { listing?: number; scan?: number } = {}) {
    const cache = new InMemoryNameCache();
    const parameters = new InMemoryParameterStore();
    if (pages.listing !== undefined) parameters.listingPageSize = pages.listing;
    if (pages.scan !== undefined) cache.scanPageSize = pages.scan;
    const log = new RecordingLog();
    let now = T0;
    const syncer = new CacheSyncer({ cache, parameters, log, now: () => now++ });
    const progress = new InMemorySyncProgress();
    let saves = 0;
    const save = progress.save.bind(progress);
    progress.save = async (lease, update) => {
      await save(lease, update);
      saves++;
    };
    let invocations = 0;
    /**
     * One invocation: continues the open pass (or begins one) until it is done, or until
     * `pages` pages are saved and its clock says the budget is spent.
     */
    const invoke = async (pages = Number.POSITIVE_INFINITY) => {
      const started = Date.now();
      const savedBefore = saves;
      const budget = Budget.of(60_000, () => (saves - savedBefore >= pages ? started + 60_000 : started));
      const outcome = await runSyncPass({ store: progress, job: JOB, owner: `request-${++invocations}`, trigger: 'start', budget, log }, syncer);
      if (outcome.status !== 'finished' && outcome.status !== 'continuing') throw new Error(`the invocation was ${outcome.status}`);
      return outcome;
    };
    /** Where the open pass stands, as saved for the next invocation. */
    const cursor = () => {
      const saved = progress.items.get(JOB)?.state;
      return saved === undefined ? undefined : (JSON.parse(saved) as { state: { cursor: CacheSyncCursor } }).state.cursor;
    };
    const state = (name: string) => cache.items.filter((item) => item.name === name).map((item) => item.state);
    return { cache, parameters, log, invoke, cursor, state, progress };
  }

  /**
   * Twelve parameters listed in pages of five; the cache lacks seven of them, holds a
   * tombstone of one that exists again, two names gone from Parameter Store as ACTIVE, and
   * one long-deleted name's tombstone.
   */
  function drifted() {
    const world = setup({ listing: 5, scan: 4 });
    const names = Array.from({ length: 12 }, (_, index) => `/p/${String(index).padStart(2, '0')}`);
    for (const name of names) world.parameters.put(name, 'v');
    names.slice(0, 4).forEach((name, index) => world.cache.items.push({ name, state: 'ACTIVE', lastUpdated: 10 + index, eventTime: 10 + index }));
    world.cache.items.push(
      { name: '/p/04', state: 'DELETED', lastUpdated: 5, eventTime: 5, expiresAt: 99 },
      { name: '/ghost/1', state: 'ACTIVE', lastUpdated: 1, eventTime: 1 },
      { name: '/ghost/2', state: 'ACTIVE', lastUpdated: 2, eventTime: 2 },
      { name: '/old', state: 'DELETED', lastUpdated: 3, eventTime: 3, expiresAt: 99 },
    );
    return { ...world, names };
  }

  /**
   * In one invocation: the listing's snapshot reads the 8 items the cache starts with; after the
   * listing the cache holds 15 (4 + 1 revived + 7 added, and the 3 it had besides), which its
   * own phase reads.
   */
  const DRIFTED_REPORT: CacheSyncReport = { parametersListed: 12, cacheItemsRead: 8 + 15, added: 8, tombstoned: 2, collapsed: 0, skipped: 0 };

  it('reads Parameter Store at its read pace, one call after another, and hands the pace to the next invocation', async () => {
    const time = new VirtualTime();
    const cache = new InMemoryNameCache();
    const parameters = new InMemoryParameterStore();
    parameters.listingPageSize = 5;
    for (let index = 0; index < 12; index++) parameters.put(`/p/${index}`, 'v');
    const log = new RecordingLog();
    const syncer = new CacheSyncer({ cache, parameters, log, readsPerSecond: 5, pacing: time.clock, now: time.clock.now });
    const progress = new InMemorySyncProgress();
    const job = { store: progress, job: JOB, owner: 'request-1', trigger: 'start', budget: Budget.of(300_000, time.clock.now), log } as const;
    expect(await runSyncPass(job, syncer)).to.deep.include({ status: 'finished' });
    // Three listing pages, an existence check of each page's new names and one of the cache's
    // page: seven calls, 200 ms apart.
    const calls = () => parameters.calls.of('listNamesPage') + parameters.calls.of('existing');
    expect(calls()).to.equal(7);
    expect(time.sleeps).to.deep.equal([200, 200, 200, 200, 200, 200]);
    expect(progress.items.get(JOB)?.notBefore).to.equal(time.now + 200);
    // The next pass's first call waits for that, and every call after it keeps the pace.
    const [before, next] = [calls(), time.now];
    expect(await runSyncPass({ ...job, owner: 'request-2', budget: Budget.of(300_000, time.clock.now) }, syncer)).to.deep.include({ status: 'finished' });
    expect(time.now - next).to.equal(200 * (calls() - before));
  });

  it('never waits for a read turn past its invocation\'s deadline: a slow pace takes more invocations, each ending in time', async () => {
    const time = new VirtualTime();
    const cache = new InMemoryNameCache();
    const parameters = new InMemoryParameterStore();
    parameters.listingPageSize = 5;
    for (let index = 0; index < 40; index++) parameters.put(`/p/${String(index).padStart(2, '0')}`, 'v');
    const log = new RecordingLog();
    // One call every 4 s, and 10 s an invocation: no page of the listing and its check fits twice.
    const syncer = new CacheSyncer({ cache, parameters, log, readsPerSecond: 0.25, pacing: time.clock, now: time.clock.now });
    const progress = new InMemorySyncProgress();
    const lasted: number[] = [];
    let outcome: SyncOutcome<CacheSyncReport> | undefined;
    for (let invocation = 1; invocation <= 30 && outcome?.status !== 'finished'; invocation++) {
      const start = time.now;
      const trigger = invocation === 1 ? 'start' : 'continue';
      outcome = await runSyncPass({ store: progress, job: JOB, owner: `request-${invocation}`, trigger, budget: Budget.of(10_000, time.clock.now), log }, syncer);
      lasted.push(time.now - start);
      time.now += 60_000;
    }
    expect(outcome).to.deep.include({ status: 'finished' });
    expect(Math.max(...lasted)).to.be.at.most(10_000);
    expect((outcome as { report: CacheSyncReport }).report).to.deep.include({ parametersListed: 40, added: 40 });
    expect(cache.items.filter((item) => item.state === 'ACTIVE')).to.have.length(40);
  });

  it('adds names missing from the cache and revives tombstones of names that exist again', async () => {
    const { cache, parameters, invoke } = setup();
    parameters.put('/a', '1');
    parameters.put('/b', '1');
    cache.items.push({ name: '/b', state: 'DELETED', lastUpdated: 5, eventTime: 5, expiresAt: 99 });
    const outcome = await invoke();
    expect(outcome.status).to.equal('finished');
    expect(outcome.report).to.deep.include({ added: 2, tombstoned: 0 });
    expect(cache.items.map((item) => `${item.name}:${item.state}`).sort()).to.deep.equal(['/a:ACTIVE', '/b:ACTIVE']);
    expect(cache.items.every((item) => item.expiresAt === undefined)).to.be.true;
  });

  it('repairs a cache over several pages of listing and of cache, and asks Parameter Store only about names that may be wrong', async () => {
    const { cache, parameters, invoke, state, names } = drifted();
    const asked: string[] = [];
    const existing = parameters.existing.bind(parameters);
    parameters.existing = async (batch) => {
      asked.push(...batch);
      return existing(batch);
    };
    expect(await invoke()).to.deep.include({ status: 'finished', invocations: 1, report: DRIFTED_REPORT });
    for (const name of names) expect(state(name), name).to.deep.equal(['ACTIVE']);
    expect(state('/ghost/1')).to.deep.equal(['DELETED']);
    expect(state('/ghost/2')).to.deep.equal(['DELETED']);
    expect(cache.items.find((item) => item.name === '/old')).to.deep.include({ lastUpdated: 3 });
    expect(parameters.calls.of('listNamesPage')).to.equal(3);
    // Pages of 4: the snapshot's 2 (8 items), then the cache phase's 4 (15 items).
    expect(cache.calls.of('Scan')).to.equal(2 + 4);
    // A Query for each of the 8 names the listing adds, right before its swap; the cache phase
    // reads the last name of each of its 3 pages that have a next, and the 2 names it tombstones.
    expect(cache.calls.of('Query')).to.equal(8 + 3 + 2);
    // The listing asks about the 8 names it found missing; the cache pages about every ACTIVE item.
    expect(asked.filter((name) => name === '/p/05')).to.have.length(2);
    expect(asked).to.not.include('/old');
  });

  it('continues an interrupted pass from the page after the last one it finished, never from the beginning, and counts every invocation in one report', async () => {
    const { invoke, cursor, parameters, cache, state, names, progress } = drifted();
    const first = await invoke(2);
    expect(first.status).to.equal('continuing');
    expect(cursor()).to.deep.include({ phase: 'listing' });
    // The first two listing pages are repaired; the third is not yet read. The snapshot read
    // the 8 items the cache started with, in 2 Scan pages.
    expect(first.report).to.deep.equal({ parametersListed: 10, cacheItemsRead: 8, added: 6, tombstoned: 0, collapsed: 0, skipped: 0 });
    expect(cache.calls.of('Scan')).to.equal(2);
    expect(state('/p/10')).to.deep.equal([]);

    // The second invocation lists the last page from a snapshot of its own (13 items, 4 pages),
    // then scans the first page of the cache phase.
    expect((await invoke(2)).status).to.equal('continuing');
    expect(cursor()).to.deep.include({ phase: 'cache' });
    expect(cache.calls.of('Scan')).to.equal(2 + 4 + 1);
    // The third works in the cache phase only: no snapshot.
    const third = await invoke();
    expect(third).to.deep.include({ status: 'finished', invocations: 3 });
    expect(cursor()).to.equal(undefined);
    // The finished pass's summary stays on the job's item for `figgy-events status`.
    const last = JSON.parse(progress.items.get(JOB)?.lastPass ?? '{}') as FinishedPass<CacheSyncReport>;
    expect(last).to.deep.include({ invocations: 3, report: third.report });
    expect(last.finishedAt - last.startedAt).to.equal(third.openMs);

    expect(parameters.calls.of('listNamesPage')).to.equal(3);
    expect(cache.calls.of('Scan')).to.equal(2 + 4 + 4);
    expect(third.report).to.deep.equal({ ...DRIFTED_REPORT, cacheItemsRead: 8 + 13 + 15 });
    for (const name of names) expect(state(name), name).to.deep.equal(['ACTIVE']);
    expect(state('/ghost/1')).to.deep.equal(['DELETED']);
  });

  it('lists again from the first page when Parameter Store refuses the saved token, and goes on with the rest of the pass', async () => {
    const { invoke, parameters, cache, log } = drifted();
    await invoke(1);
    const repairedFirst = cache.items.find((item) => item.name === '/p/04');
    parameters.expireListingTokens();

    const outcome = await invoke();

    expect(outcome.status).to.equal('finished');
    // One page, the refused one, then the listing's three pages again.
    expect(parameters.calls.of('listNamesPage')).to.equal(1 + 1 + 3);
    expect(log.lines.filter((line) => line.includes('the saved listing token was refused'))).to.have.length(1);
    expect(JSON.parse(log.lines.find((line) => line.includes('refused')) as string)).to.include({ level: 'warn' });
    // Names repaired before are not written again; the counts go on, the first page counted twice
    // as listed, and each invocation's snapshot read the cache's 8 items.
    expect(cache.items.find((item) => item.name === '/p/04')).to.equal(repairedFirst);
    expect(outcome.report).to.deep.equal({ ...DRIFTED_REPORT, parametersListed: 12 + 5, cacheItemsRead: 8 + 8 + 15 });
    expect(cache.calls.of('Scan')).to.equal(2 + 2 + 4);
  });

  it('lists again after a refused token within one invocation without reading or counting what it just added', async () => {
    const { invoke, parameters, cache } = drifted();
    const listNamesPage = parameters.listNamesPage.bind(parameters);
    parameters.listNamesPage = async (token) => {
      const page = await listNamesPage(token);
      // The token of the first page's next is refused when the second page is asked for.
      if (token === undefined && parameters.calls.of('listNamesPage') === 1) parameters.expireListingTokens();
      return page;
    };

    const outcome = await invoke();

    expect(parameters.calls.of('listNamesPage')).to.equal(1 + 1 + 3);
    expect(outcome.report).to.deep.equal({ ...DRIFTED_REPORT, parametersListed: 12 + 5 });
    // Only the 8 repairs' Queries in the listing, none for /p/04 listed a second time.
    expect(cache.calls.of('Query')).to.equal(8 + 3 + 2);
  });

  it('reads a listing page of names all cached ACTIVE with no Query at all', async () => {
    const { cache, parameters, invoke, cursor } = setup({ listing: 50, scan: 20 });
    for (let index = 0; index < 50; index++) {
      const name = `/p/${String(index).padStart(2, '0')}`;
      parameters.put(name, 'v');
      cache.items.push({ name, state: 'ACTIVE', lastUpdated: index + 1, eventTime: index + 1 });
    }

    const outcome = await invoke(1);

    expect(cursor()).to.deep.equal({ phase: 'cache' });
    expect(outcome.report).to.deep.equal({ parametersListed: 50, cacheItemsRead: 50, added: 0, tombstoned: 0, collapsed: 0, skipped: 0 });
    expect(cache.calls.of('Scan')).to.equal(3);
    expect(cache.calls.of('Query')).to.equal(0);
    expect(parameters.calls.of('existing')).to.equal(0);
  });

  it('leaves a name a live event makes ACTIVE after the snapshot to that event', async () => {
    const { cache, parameters, invoke } = setup();
    parameters.put('/late', 'v');
    const manager = new CacheManager({ cache, parameters, log: new RecordingLog(), now: () => T0 + 2_000 });
    const existing = parameters.existing.bind(parameters);
    parameters.existing = async (names) => {
      const found = await existing(names);
      if (names.includes('/late')) {
        await manager.apply({ kind: 'put', action: 'PutParameter', name: '/late', eventId: 'live-put-late', version: 1, eventTime: T0 + 1_000, author: { name: 'alice' }, account: '123456789012', region: 'eu-west-1' });
      }
      return found;
    };

    expect((await invoke()).report).to.deep.include({ added: 0, skipped: 1 });
    expect(cache.items.filter((item) => item.name === '/late')).to.have.length(1);
    expect(cache.items.find((item) => item.name === '/late')).to.deep.include({ state: 'ACTIVE', eventId: 'live-put-late' });
  });

  it('lets a live event between two invocations stand', async () => {
    const { cache, parameters, invoke } = setup({ listing: 2 });
    for (const name of ['/a', '/b', '/c', '/d']) parameters.put(name, 'v');
    const manager = new CacheManager({ cache, parameters, log: new RecordingLog(), now: () => T0 + 120_000 });
    const live = { author: { name: 'alice' }, account: '123456789012', region: 'eu-west-1', eventTime: T0 + 60_000 };

    await invoke(1);
    expect(cache.items.map((item) => item.name).sort()).to.deep.equal(['/a', '/b']);
    parameters.delete('/a');
    await manager.apply({ ...live, kind: 'delete', action: 'DeleteParameter', name: '/a', eventId: 'live-delete-a' });
    parameters.put('/c', 'w');
    await manager.apply({ ...live, kind: 'put', action: 'PutParameter', name: '/c', eventId: 'live-put-c', version: 2 });
    const outcome = await invoke();

    expect(outcome.status).to.equal('finished');
    expect(cache.items.find((item) => item.name === '/a')).to.deep.include({ state: 'DELETED', eventId: 'live-delete-a' });
    expect(cache.items.find((item) => item.name === '/c')).to.deep.include({ state: 'ACTIVE', eventId: 'live-put-c' });
    expect(cache.items.find((item) => item.name === '/d')).to.deep.include({ state: 'ACTIVE' });
    expect(outcome.report).to.deep.include({ added: 3, tombstoned: 0, skipped: 0 });
  });

  it('tombstones a name only when Parameter Store says it is gone as its cache page is read', async () => {
    const { cache, parameters, invoke } = setup();
    cache.items.push(
      { name: '/gone', state: 'ACTIVE', lastUpdated: 1, eventTime: 1 },
      { name: '/appeared-meanwhile', state: 'ACTIVE', lastUpdated: 1, eventTime: 1 },
    );
    const listNamesPage = parameters.listNamesPage.bind(parameters);
    parameters.listNamesPage = async (token) => {
      const page = await listNamesPage(token);
      parameters.put('/appeared-meanwhile', 'v');
      return page;
    };
    expect((await invoke()).report).to.deep.include({ tombstoned: 1, added: 0 });
    expect(cache.items.find((item) => item.name === '/gone')?.state).to.equal('DELETED');
    expect(cache.items.find((item) => item.name === '/appeared-meanwhile')?.state).to.equal('ACTIVE');
    expect(parameters.calls.of('existing')).to.equal(1);
  });

  it('leaves the tombstone of a live delete that lands while its page is worked on', async () => {
    const { cache, parameters, invoke } = setup();
    parameters.put('/kept', 'v');
    cache.items.push({ name: '/kept', state: 'ACTIVE', lastUpdated: 1, eventTime: 1 }, { name: '/x', state: 'ACTIVE', lastUpdated: 1, eventTime: 1 });
    const manager = new CacheManager({ cache, parameters, log: new RecordingLog(), now: () => T0 + 2_000 });
    const existing = parameters.existing.bind(parameters);
    parameters.existing = async (names) => {
      const found = await existing(names);
      if (names.includes('/x')) {
        await manager.apply({ kind: 'delete', action: 'DeleteParameter', name: '/x', eventId: 'live-delete-x', eventTime: T0 + 1_000, author: { name: 'alice' }, account: '123456789012', region: 'eu-west-1' });
      }
      return found;
    };
    expect((await invoke()).report).to.deep.include({ tombstoned: 0, skipped: 1 });
    expect(cache.items.filter((item) => item.name === '/x')).to.have.length(1);
    expect(cache.items.find((item) => item.name === '/x')).to.deep.include({ state: 'DELETED', eventId: 'live-delete-x' });
  });

  it('collapses names with two items into one and leaves correct names alone', async () => {
    const { cache, parameters, invoke } = setup();
    parameters.put('/a', '1');
    parameters.put('/ok', '1');
    cache.items.push(
      { name: '/a', state: 'ACTIVE', lastUpdated: 1, eventTime: 1 },
      { name: '/a', state: 'ACTIVE', lastUpdated: 2, eventTime: 2 },
      { name: '/ok', state: 'ACTIVE', lastUpdated: 3, eventTime: 3 },
    );
    expect((await invoke()).report).to.deep.include({ collapsed: 1, added: 0, tombstoned: 0 });
    expect(cache.items.filter((item) => item.name === '/a')).to.have.length(1);
    expect(cache.items.find((item) => item.name === '/ok')?.lastUpdated).to.equal(3);
  });

  it('collapses a name whose items straddle two cache pages', async () => {
    const { cache, parameters, invoke } = setup({ scan: 2 });
    parameters.put('/a', '1');
    parameters.put('/b', '1');
    cache.items.push(
      { name: '/a', state: 'ACTIVE', lastUpdated: 1, eventTime: 1 },
      { name: '/b', state: 'ACTIVE', lastUpdated: 2, eventTime: 2 },
      { name: '/b', state: 'ACTIVE', lastUpdated: 3, eventTime: 3 },
    );
    expect((await invoke()).report).to.deep.include({ collapsed: 1, skipped: 0 });
    expect(cache.items.filter((item) => item.name === '/b')).to.have.length(1);
  });
});
