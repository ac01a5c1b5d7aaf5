import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import type { CacheEntry, CacheScanKey } from '../../shared/cache/types.ts';
import { DynamoNameCache, InvalidCacheReplaceError } from '../../shared/aws/dynamo-name-cache.ts';
import { useFreshTables } from './dynamodb-local.ts';

const T0 = Date.parse('2025-03-01T10:00:00Z');
/** DynamoDB Local really expires items, so a tombstone's TTL must lie in the future. */
const FORTNIGHT_AHEAD = Math.floor(Date.now() / 1_000) + 14 * 24 * 3_600;

function active(name: string, at: number, overrides: Partial<CacheEntry> = {}): CacheEntry {
  return {
    name,
    state: 'ACTIVE',
    lastUpdated: at + 150,
    eventTime: at,
    eventId: `e-put-${at}`,
    version: 1,
    ...overrides,
  };
}

function tombstone(name: string, at: number): CacheEntry {
  return {
    name,
    state: 'DELETED',
    lastUpdated: at + 150,
    eventTime: at,
    eventId: `e-delete-${at}`,
    expiresAt: FORTNIGHT_AHEAD,
  };
}

describe('DynamoNameCache', () => {
  const tables = useFreshTables();
  let cache: DynamoNameCache;

  before(() => {
    cache = new DynamoNameCache(tables().documents, tables().names.cache, { pageSize: 2 });
  });

  it('puts the first item of a name when there was nothing before', async () => {
    const first = active('/fresh/a', T0);

    expect(await cache.replace([], first)).to.equal(true);

    expect(await cache.entries('/fresh/a')).to.deep.equal([first]);
  });

  it('swaps the old item for the new one, leaving exactly one item', async () => {
    const old = active('/swap/a', T0);
    const next = active('/swap/a', T0 + 5_000, { version: 2 });
    await cache.replace([], old);

    expect(await cache.replace(await cache.entries('/swap/a'), next)).to.equal(true);

    expect(await cache.entries('/swap/a')).to.deep.equal([next]);
  });

  it('refuses a replace whose previous items are stale, and changes nothing', async () => {
    const original = active('/stale/a', T0);
    await cache.replace([], original);
    const readByUs = await cache.entries('/stale/a');
    const winner = tombstone('/stale/a', T0 + 1_000);
    await cache.replace(readByUs, winner);

    const late = active('/stale/a', T0 + 2_000);
    expect(await cache.replace(readByUs, late)).to.equal(false);

    expect(await cache.entries('/stale/a')).to.deep.equal([winner]);
  });

  it('refuses a replace when the item it read has since changed state in place', async () => {
    const original = active('/changed/a', T0);
    await cache.replace([], original);

    const believed: CacheEntry = { ...original, state: 'DELETED' };
    expect(await cache.replace([believed], active('/changed/a', T0 + 1_000))).to.equal(false);

    expect(await cache.entries('/changed/a')).to.deep.equal([original]);
  });

  it('refuses to put an item whose key is already taken', async () => {
    const taken = active('/taken/a', T0);
    await cache.replace([], taken);

    expect(await cache.replace([], { ...taken, eventId: 'e-other' })).to.equal(false);

    expect(await cache.entries('/taken/a')).to.deep.equal([taken]);
  });

  it('collapses several racing items into one', async () => {
    const racers = [active('/race/a', T0), active('/race/a', T0 + 10, { version: 2 })];
    for (const racer of racers) await cache.replace([], racer);
    const winner = active('/race/a', T0 + 20, { version: 3 });

    expect(await cache.replace(await cache.entries('/race/a'), winner)).to.equal(true);

    expect(await cache.entries('/race/a')).to.deep.equal([winner]);
  });

  it('replaces an item written by Figgy itself, which has no event_time', async () => {
    await tables().client.send(
      new PutItemCommand({
        TableName: tables().names.cache,
        Item: {
          parameter_name: { S: '/figgy/legacy' },
          last_updated: { N: String(T0) },
          state: { S: 'ACTIVE' },
        },
      }),
    );
    const legacy = await cache.entries('/figgy/legacy');
    expect(legacy).to.deep.equal([
      { name: '/figgy/legacy', state: 'ACTIVE', lastUpdated: T0, eventTime: T0 },
    ]);
    const next = active('/figgy/legacy', T0 + 1_000);

    expect(await cache.replace(legacy, next)).to.equal(true);

    expect(await cache.entries('/figgy/legacy')).to.deep.equal([next]);
  });

  it('gives a tombstone the TTL attribute DynamoDB expires it by', async () => {
    const removed = tombstone('/ttl/a', T0);
    await cache.replace([], removed);

    const { Item } = await tables().client.send(
      new GetItemCommand({
        TableName: tables().names.cache,
        Key: { parameter_name: { S: '/ttl/a' }, last_updated: { N: String(removed.lastUpdated) } },
      }),
    );

    expect(Item).to.deep.equal({
      parameter_name: { S: '/ttl/a' },
      last_updated: { N: String(removed.lastUpdated) },
      state: { S: 'DELETED' },
      event_time: { N: String(T0) },
      event_id: { S: `e-delete-${T0}` },
      expires_at: { N: String(removed.expiresAt) },
    });
  });

  it('rejects, before calling DynamoDB, a replace that would touch one item twice', async () => {
    const entry = active('/same-key/a', T0);
    await cache.replace([], entry);

    const failure = await cache
      .replace([entry], { ...entry, eventId: 'e-newer' })
      .catch((error: unknown) => error);

    expect(failure).to.be.instanceOf(InvalidCacheReplaceError);
    expect((failure as Error).message).to.include('/same-key/a');
    expect(await cache.entries('/same-key/a')).to.deep.equal([entry]);
  });

  it('scans every item page by page, from a key that survives a JSON round trip, with a name’s items together', async () => {
    const scanCache = new DynamoNameCache(tables().documents, tables().names.cache, { pageSize: 3 });
    const added = Array.from({ length: 10 }, (_, index) => active(`/scan/${index}`, T0 + index));
    for (const entry of added) await scanCache.replace([], entry);
    const twice = [active('/scan/twice', T0), active('/scan/twice', T0 + 10, { version: 2 })];
    for (const entry of twice) await scanCache.replace([], entry);

    const all: CacheEntry[] = [];
    let pages = 0;
    let start: CacheScanKey | undefined;
    do {
      const page = await scanCache.scanPage(start);
      pages++;
      all.push(...page.entries);
      // The key is saved in the progress table as JSON between invocations.
      start = page.next && (JSON.parse(JSON.stringify(page.next)) as CacheScanKey);
      if (page.next) expect(start).to.deep.equal(page.next);
    } while (start);

    expect(pages).to.be.at.least(Math.ceil(all.length / 3));
    expect(all.filter((entry) => entry.name.startsWith('/scan/'))).to.have.deep.members([...added, ...twice]);
    expect(new Set(all.map((entry) => `${entry.name}@${entry.lastUpdated}`)).size).to.equal(all.length);
    const at = all.flatMap((entry, index) => (entry.name === '/scan/twice' ? [index] : []));
    expect(at[1]).to.equal((at[0] as number) + 1);
    expect(all.slice(at[0], (at[1] as number) + 1)).to.deep.equal(twice);
  });

  it('reads a whole table in one scan page when no page size is set', async () => {
    const whole = new DynamoNameCache(tables().documents, tables().names.cache);
    const page = await whole.scanPage();
    expect(page.next).to.equal(undefined);
    expect(page.entries.length).to.be.greaterThan(10);
  });
});
