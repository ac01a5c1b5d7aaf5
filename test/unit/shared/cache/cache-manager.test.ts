import { expect } from 'chai';
import { CacheManager } from '../../../../shared/cache/cache-manager.ts';
import { parseSsmEvent } from '../../../../shared/events/cloudtrail.ts';
import { deleteEvent, putEvent } from '../../support/events.ts';
import { InMemoryNameCache, InMemoryParameterStore, RecordingLog } from '../../support/in-memory.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');

function setup() {
  const cache = new InMemoryNameCache();
  const parameters = new InMemoryParameterStore();
  let now = NOW;
  const manager = new CacheManager({ cache, parameters, log: new RecordingLog(), now: () => now++ });
  const apply = async (event: unknown) => {
    const outcomes = [];
    for (const change of parseSsmEvent(event)) outcomes.push(await manager.apply(change));
    return outcomes;
  };
  return { cache, parameters, apply };
}

describe('cache manager', () => {
  it('marks a put name ACTIVE', async () => {
    const { cache, apply } = setup();
    await apply(putEvent({ name: '/app/x', version: 1 }));
    expect(cache.items).to.have.length(1);
    expect(cache.items[0]).to.deep.include({ name: '/app/x', state: 'ACTIVE', version: 1 });
    expect(cache.items[0]?.expiresAt).to.equal(undefined);
  });

  it('tombstones a deleted name with a TTL 14 days after the delete', async () => {
    const { cache, apply } = setup();
    await apply(putEvent({ name: '/app/x', version: 1, time: '2026-11-26T10:00:00Z' }));
    await apply(deleteEvent({ name: '/app/x', time: '2026-11-26T10:00:05Z' }));
    expect(cache.items).to.have.length(1);
    expect(cache.items[0]?.state).to.equal('DELETED');
    expect(cache.items[0]?.expiresAt).to.equal(Date.parse('2026-11-26T10:00:05Z') / 1000 + 14 * 86400);
  });

  it('never lets a late, older event overwrite newer state', async () => {
    const { cache, apply } = setup();
    await apply(deleteEvent({ name: '/app/x', time: '2026-11-26T10:00:05Z' }));
    expect(await apply(putEvent({ name: '/app/x', version: 4, time: '2026-11-26T10:00:01Z' }))).to.deep.equal(['stale']);
    await apply(putEvent({ name: '/app/y', version: 5, time: '2026-11-26T10:00:00Z' }));
    expect(await apply(putEvent({ name: '/app/y', version: 4, time: '2026-11-26T10:00:00Z' }))).to.deep.equal(['stale']);
    expect(cache.items.find((item) => item.name === '/app/x')?.state).to.equal('DELETED');
    expect(cache.items.find((item) => item.name === '/app/y')?.version).to.equal(5);
  });

  it('keeps exactly one item per name through many changes and duplicates', async () => {
    const { cache, apply } = setup();
    const events = [
      putEvent({ name: '/n', version: 1, time: '2026-11-26T10:00:00Z' }),
      putEvent({ name: '/n', version: 2, time: '2026-11-26T10:00:01Z' }),
      deleteEvent({ name: '/n', time: '2026-11-26T10:00:02Z' }),
      putEvent({ name: '/n', version: 1, time: '2026-11-26T10:00:03Z' }),
    ];
    for (const event of [...events, ...events]) await apply(event);
    expect(cache.items).to.have.length(1);
    expect(cache.items[0]).to.deep.include({ state: 'ACTIVE', version: 1, eventTime: Date.parse('2026-11-26T10:00:03Z') });
  });

  it('applies the same event three times as once', async () => {
    const { apply } = setup();
    const event = putEvent({ name: '/n', version: 1 });
    expect([...(await apply(event)), ...(await apply(event)), ...(await apply(event))]).to.deep.equal([
      'written',
      'duplicate',
      'duplicate',
    ]);
  });

  it('settles a put and a delete in the same second by asking Parameter Store', async () => {
    const { cache, parameters, apply } = setup();
    parameters.put('/n', 'recreated');
    await apply(deleteEvent({ name: '/n', time: '2026-11-26T10:00:00Z' }));
    await apply(putEvent({ name: '/n', version: 1, time: '2026-11-26T10:00:00Z' }));
    expect(cache.items[0]?.state).to.equal('ACTIVE');
    parameters.delete('/n');
    await apply(deleteEvent({ name: '/n', time: '2026-11-26T10:00:00Z' }));
    expect(cache.items[0]?.state).to.equal('DELETED');
    expect(parameters.calls.of('existing')).to.equal(2);
  });

  it('converges on one item, the newest, when deliveries race on a name the cache does not hold yet', async () => {
    const { cache, apply } = setup();
    const events = [
      putEvent({ name: '/race', version: 1, time: '2026-11-26T10:00:00Z' }),
      putEvent({ name: '/race', version: 3, time: '2026-11-26T10:00:02Z' }),
      putEvent({ name: '/race', version: 2, time: '2026-11-26T10:00:01Z' }),
    ];
    await Promise.all([...events, ...events].map((event) => apply(event)));
    expect(cache.items).to.have.length(1);
    expect(cache.items[0]).to.deep.include({ state: 'ACTIVE', version: 3 });
  });

  it('collapses two items a race left behind into one', async () => {
    const { cache, apply } = setup();
    cache.items.push(
      { name: '/n', state: 'ACTIVE', lastUpdated: 1, eventTime: 1000, version: 1 },
      { name: '/n', state: 'ACTIVE', lastUpdated: 2, eventTime: 1000, version: 1 },
    );
    await apply(putEvent({ name: '/n', version: 2 }));
    expect(cache.items).to.have.length(1);
  });
});
