import { expect } from 'chai';
import type { AuditRecord } from '../../../../shared/audit/types.ts';
import type { CacheEntry } from '../../../../shared/cache/types.ts';
import { CacheReplayer } from '../../../../shared/restore/cache-replay.ts';
import { InMemoryNameCache, RecordingLog } from '../../support/in-memory.ts';
import { deleted, put } from '../../support/restore-fakes.ts';

const NOW = Date.parse('2026-03-02T00:00:00Z');
const DAY = 86_400;

async function* from(records: readonly AuditRecord[]) {
  yield* records;
}

function setup(now = NOW) {
  const cache = new InMemoryNameCache();
  let clock = now;
  const replayer = new CacheReplayer({ cache, log: new RecordingLog(), now: () => clock++ });
  return { cache, replay: (records: readonly AuditRecord[]) => replayer.replay(from(records)) };
}

const states = (items: readonly CacheEntry[]) =>
  Object.fromEntries([...items].sort((a, b) => a.name.localeCompare(b.name)).map((item) => [item.name, item.state]));

describe('cache replay', () => {
  const records = [
    put('/app/a', { at: '2026-03-01T10:00:00Z', version: 1, value: 'x' }),
    put('/app/a', { at: '2026-03-01T10:01:00Z', version: 2, value: 'y' }),
    put('/app/b', { at: '2026-03-01T10:00:00Z', version: 1, value: 'x' }),
    deleted('/app/b', { at: '2026-03-01T10:02:00Z' }),
    put('/app/c', { at: '2026-03-01T10:00:00Z', version: 1, value: 'x' }),
    deleted('/app/c', { at: '2026-03-01T10:03:00Z', slot: 2 }),
    put('/app/c', { at: '2026-03-01T10:03:00Z', version: 1, value: 're-created in the same second' }),
  ];

  it("gives each name the item of its last change, with that change's time, id and version", async () => {
    const { cache, replay } = setup();
    const report = await replay(records);
    expect(report).to.deep.equal({ names: 3, written: 3, unchanged: 0, keptNewer: 0, expired: 0 });
    expect(states(cache.items)).to.deep.equal({ '/app/a': 'ACTIVE', '/app/b': 'DELETED', '/app/c': 'ACTIVE' });
    const a = cache.items.find((item) => item.name === '/app/a');
    expect(a).to.deep.include({ version: 2, eventTime: Date.parse('2026-03-01T10:01:00Z'), eventId: records[1]?.eventId });
    expect(a?.expiresAt).to.equal(undefined);
  });

  it('lets a tombstone expire 14 days after the delete, as the live one does', async () => {
    const { cache, replay } = setup();
    await replay(records);
    const b = cache.items.find((item) => item.name === '/app/b');
    expect(b?.expiresAt).to.equal(Date.parse('2026-03-01T10:02:00Z') / 1000 + 14 * DAY);
  });

  it('changes nothing when run twice', async () => {
    const { cache, replay } = setup();
    await replay(records);
    const before = JSON.stringify(cache.items);
    expect(await replay(records)).to.deep.include({ written: 0, unchanged: 3 });
    expect(JSON.stringify(cache.items)).to.equal(before);
  });

  it('collapses the extra items a race left behind into one', async () => {
    const { cache, replay } = setup();
    await replay(records);
    const a = cache.items.find((item) => item.name === '/app/a') as CacheEntry;
    cache.items.push({ ...a, lastUpdated: a.lastUpdated - 5, eventTime: a.eventTime - 60_000, version: 1, eventId: 'older' });
    expect(await replay(records)).to.deep.include({ written: 1 });
    expect(cache.items.filter((item) => item.name === '/app/a')).to.have.length(1);
  });

  it('keeps an item that knows a later change than the audit log', async () => {
    const { cache, replay } = setup();
    cache.items.push({ name: '/app/a', state: 'DELETED', lastUpdated: NOW - 1, eventTime: Date.parse('2026-03-01T11:00:00Z') });
    expect(await replay(records)).to.deep.include({ keptNewer: 1 });
    expect(states(cache.items)['/app/a']).to.equal('DELETED');
  });

  it('corrects an item that is older than the audit log says', async () => {
    const { cache, replay } = setup();
    cache.items.push({ name: '/app/b', state: 'ACTIVE', lastUpdated: NOW - 1, eventTime: Date.parse('2026-03-01T10:00:00Z'), version: 1 });
    await replay(records);
    expect(cache.items.filter((item) => item.name === '/app/b').map((item) => item.state)).to.deep.equal(['DELETED']);
  });

  it('does not bring back a tombstone that would have expired already', async () => {
    const { cache, replay } = setup(Date.parse('2026-04-01T00:00:00Z'));
    expect(await replay(records)).to.deep.include({ expired: 1 });
    expect(cache.items.map((item) => item.name)).not.to.include('/app/b');
  });
});
