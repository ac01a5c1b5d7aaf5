import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import sinon from 'sinon';
import type { SourceLink } from '../../shared/replication/types.ts';
import { MappingExistsError, mappingItem, sourceText } from '../../shared/replication/mapping-items.ts';
import {
  DynamoReplicationMappings,
  DynamoSourceIndex,
  UnprocessedWritesError,
} from '../../shared/aws/dynamo-replication.ts';
import { useFreshTables } from './dynamodb-local.ts';

function linksTo(source: string, count: number): SourceLink[] {
  return Array.from({ length: count }, (_, index) => ({
    source,
    destination: `/app/${String(index).padStart(3, '0')}`,
  }));
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('DynamoReplicationMappings', () => {
  const tables = useFreshTables();
  let mappings: DynamoReplicationMappings;

  before(async () => {
    mappings = new DynamoReplicationMappings(tables().documents, tables().names.replication, {
      pageSize: 2,
    });
    const items: Record<string, AttributeValue>[] = [
      {
        destination: { S: '/app/db/host' },
        source: { S: '/shared/db/host' },
        type: { S: 'app' },
        user: { S: 'jordan' },
        namespace: { S: '/app/' },
      },
      {
        destination: { S: '/app/db/url' },
        source: { L: [{ S: 'jdbc:postgresql://' }, { S: '${/shared/db/host}' }, { S: '/app' }] },
        type: { S: 'merge' },
      },
      {
        destination: { S: '/app/db/dsn' },
        source: { S: 'postgres://${/shared/db/user}:${/shared/db/password:uri}@db' },
        type: { S: 'merge' },
      },
      { destination: { S: '/app/broken' }, source: { S: '/shared/x' }, type: { S: 'ap' } },
    ];
    for (const Item of items) {
      await tables().client.send(
        new PutItemCommand({ TableName: tables().names.replication, Item }),
      );
    }
  });

  it('gets an app mapping read into the domain, as the Figgy CLI wrote it', async () => {
    expect(await mappings.get('/app/db/host')).to.deep.equal({
      valid: true,
      mapping: {
        type: 'app',
        destination: '/app/db/host',
        target: { name: '/app/db/host' },
        source: '/shared/db/host',
        user: 'jordan',
        namespace: '/app/',
      },
    });
  });

  it('gets a merge mapping whose source is a list', async () => {
    const stored = await mappings.get('/app/db/url');
    expect(stored?.valid && stored.mapping.type === 'merge' && stored.mapping.parts).to.deep.equal([
      { kind: 'literal', text: 'jdbc:postgresql://' },
      { kind: 'reference', name: '/shared/db/host', encoding: 'raw' },
      { kind: 'literal', text: '/app' },
    ]);
  });

  it('returns an invalid item with its destination and the field at fault, and undefined for a destination nobody maps', async () => {
    const stored = await mappings.get('/app/broken');
    expect(stored).to.deep.include({ valid: false, destination: '/app/broken' });
    expect(stored?.valid === false && stored.error.field).to.equal('type (mapping of /app/broken)');
    expect(await mappings.get('/app/unmapped')).to.equal(undefined);
  });

  it('scans every mapping across pages', async () => {
    const all = await collect(mappings.scan());
    expect(all.map((stored) => (stored.valid ? stored.mapping.destination : `invalid ${stored.destination}`))).to.have.members([
      '/app/db/host',
      '/app/db/url',
      '/app/db/dsn',
      'invalid /app/broken',
    ]);
  });

  it('puts an item built by mappingItem that reads back as the same mapping, the list form of a merge kept as a list', async () => {
    const item = mappingItem({ type: 'merge', destination: '/app/added/url', sources: ['db://${/shared/db/user}@', '${/shared/db/host}'] });
    await mappings.put(item);
    const raw = await tables().client.send(new GetItemCommand({ TableName: tables().names.replication, Key: { destination: { S: '/app/added/url' } } }));
    expect(raw.Item).to.deep.equal({
      destination: { S: '/app/added/url' },
      type: { S: 'merge' },
      source: { L: [{ S: 'db://${/shared/db/user}@' }, { S: '${/shared/db/host}' }] },
      namespace: { S: '/app/added/' },
    });
    // Outside /app, the Figgy CLI's namespace is none: DynamoDB's NULL, which the functions read as absent.
    await mappings.put(mappingItem({ type: 'app', destination: '/shared/added', sources: ['/shared/x'] }));
    const plain = await tables().client.send(new GetItemCommand({ TableName: tables().names.replication, Key: { destination: { S: '/shared/added' } } }));
    expect(plain.Item?.namespace).to.deep.equal({ NULL: true });
    expect((await mappings.get('/shared/added'))?.valid).to.equal(true);
    const stored = await mappings.get('/app/added/url');
    expect(stored?.valid && sourceText(stored.mapping)).to.equal('db://${/shared/db/user}@${/shared/db/host}');
  });

  it('never puts over a mapping unless asked to replace it', async () => {
    const mirror = mappingItem({ type: 'mirror', destination: '/app/added/copy/', sources: ['/shared/'], keepDeleted: true });
    await mappings.put(mirror);
    const other = mappingItem({ type: 'mirror', destination: '/app/added/copy/', sources: ['/other/'] });
    const error = await mappings.put(other).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(MappingExistsError).and.have.property('message').that.includes('a mapping of /app/added/copy/ exists already');
    let stored = await mappings.get('/app/added/copy/');
    expect(stored?.valid && stored.mapping.type === 'mirror' && [stored.mapping.source, stored.mapping.keepDeleted]).to.deep.equal(['/shared/', true]);
    await mappings.put(other, { replace: true });
    stored = await mappings.get('/app/added/copy/');
    expect(stored?.valid && stored.mapping.type === 'mirror' && [stored.mapping.source, stored.mapping.keepDeleted]).to.deep.equal(['/other/', false]);
  });

  it('takes a root-level mapping written without its slash (as the Figgy CLI may) for the same destination: never a second one, replaced in one step', async () => {
    await tables().client.send(
      new PutItemCommand({ TableName: tables().names.replication, Item: { destination: { S: 'root-level' }, source: { S: '/shared/a' }, type: { S: 'app' } } }),
    );
    const item = mappingItem({ type: 'app', destination: '/root-level', sources: ['/shared/b'] });
    const error = await mappings.put(item).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(MappingExistsError);
    expect(await mappings.get('/root-level')).to.equal(undefined);
    await mappings.put(item, { replace: true });
    const stored = (await collect(mappings.scan())).filter((each) => each.valid && each.mapping.destination === '/root-level');
    expect(stored.map((each) => each.valid && each.mapping.type === 'app' && each.mapping.source)).to.deep.equal(['/shared/b']);
  });

  it('deletes an item and says what it was, malformed or not; undefined when there was none', async () => {
    await mappings.put(mappingItem({ type: 'app', destination: '/app/added/gone', sources: ['/shared/x'] }));
    const removed = await mappings.delete('/app/added/gone');
    expect(removed?.valid && removed.mapping.destination).to.equal('/app/added/gone');
    expect(await mappings.get('/app/added/gone')).to.equal(undefined);
    expect(await mappings.delete('/app/added/gone')).to.equal(undefined);
    const broken = await mappings.delete('/app/broken');
    expect(broken?.valid === false && broken.error.field).to.equal('type (mapping of /app/broken)');
  });
});

describe('DynamoSourceIndex', () => {
  const tables = useFreshTables();
  let index: DynamoSourceIndex;

  before(() => {
    index = new DynamoSourceIndex(tables().documents, tables().names.replicationSources, {
      pageSize: 7,
    });
  });

  it('adds more links than one batch holds and finds every destination of a source across pages', async () => {
    const links = linksTo('/shared/many', 60);
    await index.add(links);
    await index.add(linksTo('/shared/other', 3));

    const destinations = await index.destinationsOf('/shared/many');

    expect(destinations).to.deep.equal(links.map((link) => link.destination));
  });

  it('removes more links than one batch holds, leaving the others', async () => {
    const links = linksTo('/shared/shrinking', 40);
    await index.add(links);

    await index.remove(links.slice(0, 30));

    expect(await index.destinationsOf('/shared/shrinking')).to.deep.equal(
      links.slice(30).map((link) => link.destination),
    );
  });

  it('accepts the same link twice in one call, which BatchWriteItem alone would refuse', async () => {
    const link = { source: '/shared/twice', destination: '/app/twice' };

    await index.add([link, link]);
    await index.remove([link, link]);

    expect(await index.destinationsOf('/shared/twice')).to.deep.equal([]);
  });

  it('finds no destination for a source nothing reads', async () => {
    expect(await index.destinationsOf('/shared/unread')).to.deep.equal([]);
  });

  it('scans every link across pages', async () => {
    const scanned = await collect(index.scan());

    expect(scanned).to.have.deep.members([
      ...linksTo('/shared/many', 60),
      ...linksTo('/shared/other', 3),
      ...linksTo('/shared/shrinking', 40).slice(30),
    ]);
  });
});

describe('DynamoSourceIndex under throttling', () => {
  // DynamoDB Local never leaves writes unprocessed, so a stub plays the throttled table.
  const TABLE = 'figgy-config-replication-sources';

  function throttled(responses: readonly number[]) {
    const send = sinon.stub();
    responses.forEach((unprocessed, call) => {
      send
        .onCall(call)
        .callsFake(async (command: { input: { RequestItems: Record<string, unknown[]> } }) => {
          const requests = command.input.RequestItems[TABLE] ?? [];
          return unprocessed === 0
            ? {}
            : { UnprocessedItems: { [TABLE]: requests.slice(requests.length - unprocessed) } };
        });
    });
    return { send, documents: { send } as unknown as DynamoDBDocumentClient };
  }

  it('retries the writes DynamoDB left unprocessed, and only those', async () => {
    const { send, documents } = throttled([2, 0]);
    const links = linksTo('/shared/throttled', 5);

    await new DynamoSourceIndex(documents, TABLE, { retryDelayMs: 1 }).add(links);

    expect(send.callCount).to.equal(2);
    expect(send.secondCall.args[0].input.RequestItems[TABLE]).to.deep.equal(
      links.slice(3).map((link) => ({ PutRequest: { Item: link } })),
    );
  });

  it('gives up after its attempts, naming how many writes were left unprocessed', async () => {
    const { send, documents } = throttled([3, 3, 3]);
    const index = new DynamoSourceIndex(documents, TABLE, { batchAttempts: 3, retryDelayMs: 1 });

    const failure = await index
      .add(linksTo('/shared/throttled', 5))
      .catch((error: unknown) => error);

    expect(failure).to.be.instanceOf(UnprocessedWritesError);
    expect(failure).to.include({ unprocessed: 3, attempts: 3 });
    expect((failure as Error).message).to.match(
      /^3 write\(s\) to figgy-config-replication-sources/,
    );
    expect(send.callCount).to.equal(3);
  });
});
