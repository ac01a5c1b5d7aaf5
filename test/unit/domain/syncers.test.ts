import { expect } from 'chai';
import { CacheSyncer } from '../../../shared/cache/cache-syncer.ts';
import { parsePrefixes } from '../../../shared/config.ts';
import { ReplicationSyncer } from '../../../shared/replication/replication-syncer.ts';
import type { ParameterWrite } from '../../../shared/parameters.ts';
import { InMemoryMappings, InMemoryNameCache, InMemoryParameterStore, InMemorySourceIndex, RecordingLog } from '../support/in-memory.ts';

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
  function setup() {
    const cache = new InMemoryNameCache();
    const parameters = new InMemoryParameterStore();
    let now = Date.parse('2026-11-26T12:00:00Z');
    const syncer = new CacheSyncer({ cache, parameters, log: new RecordingLog(), now: () => now++ });
    return { cache, parameters, syncer };
  }

  it('adds names missing from the cache and revives tombstones of names that exist again', async () => {
    const { cache, parameters, syncer } = setup();
    parameters.put('/a', '1');
    parameters.put('/b', '1');
    cache.items.push({ name: '/b', state: 'DELETED', lastUpdated: 5, eventTime: 5, expiresAt: 99 });
    const report = await syncer.sync();
    expect(report).to.deep.include({ added: 2, tombstoned: 0 });
    expect(cache.items.map((item) => `${item.name}:${item.state}`).sort()).to.deep.equal(['/a:ACTIVE', '/b:ACTIVE']);
    expect(cache.items.every((item) => item.expiresAt === undefined)).to.be.true;
  });

  it('tombstones names gone from Parameter Store only after re-checking', async () => {
    const { cache, parameters, syncer } = setup();
    cache.items.push(
      { name: '/gone', state: 'ACTIVE', lastUpdated: 1, eventTime: 1 },
      { name: '/appeared-meanwhile', state: 'ACTIVE', lastUpdated: 1, eventTime: 1 },
    );
    const listNames = parameters.listNames.bind(parameters);
    parameters.listNames = async function* () {
      yield* listNames();
      parameters.put('/appeared-meanwhile', 'v');
    };
    const report = await syncer.sync();
    expect(report).to.deep.include({ tombstoned: 1, added: 0 });
    expect(cache.items.find((item) => item.name === '/gone')?.state).to.equal('DELETED');
    expect(cache.items.find((item) => item.name === '/appeared-meanwhile')?.state).to.equal('ACTIVE');
    expect(parameters.calls.of('existing')).to.equal(1);
  });

  it('collapses names with two items into one and leaves correct names alone', async () => {
    const { cache, parameters, syncer } = setup();
    parameters.put('/a', '1');
    parameters.put('/ok', '1');
    cache.items.push(
      { name: '/a', state: 'ACTIVE', lastUpdated: 1, eventTime: 1 },
      { name: '/a', state: 'ACTIVE', lastUpdated: 2, eventTime: 2 },
      { name: '/ok', state: 'ACTIVE', lastUpdated: 3, eventTime: 3 },
    );
    expect(await syncer.sync()).to.deep.include({ collapsed: 1, added: 0, tombstoned: 0 });
    expect(cache.items.filter((item) => item.name === '/a')).to.have.length(1);
    expect(cache.items.find((item) => item.name === '/ok')?.lastUpdated).to.equal(3);
  });
});
