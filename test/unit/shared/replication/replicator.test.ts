import { expect } from 'chai';
import { parsePrefixes } from '../../../../shared/config.ts';
import { parseSsmEvent } from '../../../../shared/events/cloudtrail.ts';
import { FiggyEventsError } from '../../../../shared/errors.ts';
import { ValidationError } from '../../../../shared/events/validation.ts';
import { DestinationUnsettledError } from '../../../../shared/replication/errors.ts';
import { parseMapping, readStoredMapping } from '../../../../shared/replication/mapping.ts';
import { Replicator } from '../../../../shared/replication/replicator.ts';
import { formEncode } from '../../../../shared/replication/merge-values.ts';
import { MAX_MERGE_REFERENCES } from '../../../../shared/replication/rules.ts';
import { putEvent } from '../../support/events.ts';
import { InMemoryMappings, InMemoryParameterStore, InMemorySourceIndex, RecordingLog } from '../../support/in-memory.ts';

function setup(prefixes = '/replicated,/app', sources?: string) {
  const parameters = new InMemoryParameterStore();
  const mappings = new InMemoryMappings();
  const sourceIndex = new InMemorySourceIndex();
  const log = new RecordingLog();
  const replicator = new Replicator({
    parameters,
    mappings,
    sourceIndex,
    log,
    settings: {
      destinationPrefixes: parsePrefixes(prefixes, 'REPLICATION_DESTINATION_PREFIXES'),
      sourcePrefixes: sources === undefined ? undefined : parsePrefixes(sources, 'REPLICATION_SOURCE_PREFIXES'),
      kmsKeyId: 'alias/replication',
    },
  });
  /** A mapping as the Figgy CLI writes it, arriving on the table's stream. */
  const map = async (item: Record<string, unknown>) => {
    mappings.set(item);
    return replicator.onMappingChanged(readStoredMapping(item), undefined);
  };
  const sourceChanged = async (name: string) => {
    const version = parameters.current(name)?.version ?? 1;
    const [change] = parseSsmEvent(putEvent({ name, version }));
    return replicator.onParameterChanged(change!);
  };
  return { parameters, mappings, sourceIndex, log, replicator, map, sourceChanged };
}

describe('replication', () => {
  it('updates every destination of a changed source with one Query per name and ancestor prefix, and no Scan', async () => {
    const { parameters, mappings, sourceIndex, map, sourceChanged } = setup();
    parameters.put('/shared/db/host', 'db-1');
    for (const app of ['a', 'b', 'c']) await map({ destination: `/app/${app}/db/host`, source: '/shared/db/host', type: 'app' });
    parameters.put('/shared/db/host', 'db-2');
    const queriesBefore = sourceIndex.calls.of('Query');
    const getsBefore = mappings.calls.of('GetItem');
    const outcomes = await sourceChanged('/shared/db/host');
    expect(outcomes.map((outcome) => outcome.result)).to.deep.equal(['written', 'written', 'written']);
    // The name, and its ancestors /, /shared/ and /shared/db/ for the mirrors of a prefix.
    expect(sourceIndex.calls.of('Query') - queriesBefore).to.equal(1 + 3);
    expect(sourceIndex.calls.of('Scan') + mappings.calls.of('Scan')).to.equal(0);
    // One GetItem per destination, and, read once for all three cycle checks, the source's
    // own (absent) mapping and the (absent) mirrors into /shared/ and /shared/db/.
    expect(mappings.calls.of('GetItem') - getsBefore).to.equal(3 + 1 + 2);
    for (const app of ['a', 'b', 'c']) expect(parameters.current(`/app/${app}/db/host`)?.value).to.equal('db-2');
  });

  it('reads again after writing, so a replicator that read older sources cannot have the last word', async () => {
    const { parameters, map } = setup();
    parameters.put('/src', 'old');
    const write = parameters.write.bind(parameters);
    let raced = false;
    parameters.write = async (parameter) => {
      if (!raced) {
        // Between our read and our write, the source moved on and another replicator wrote it.
        raced = true;
        parameters.put('/src', 'new');
        parameters.put('/app/dst', 'new');
      }
      return write(parameter);
    };
    expect((await map({ destination: '/app/dst', source: '/src', type: 'app' }))?.result).to.equal('written');
    expect(parameters.current('/app/dst')?.value).to.equal('new');
  });

  it('does not write a destination whose value and type already match', async () => {
    const { parameters, map, sourceChanged } = setup();
    parameters.put('/src', 'v');
    await map({ destination: '/app/dst', source: '/src', type: 'app' });
    const writes = parameters.writes.length;
    expect((await sourceChanged('/src'))[0]?.result).to.equal('in-sync');
    expect(parameters.writes.length).to.equal(writes);
  });

  it('rewrites a destination whose type differs though the value is equal', async () => {
    const { parameters, map } = setup();
    parameters.put('/src', 'v', 'SecureString');
    parameters.put('/app/dst', 'v', 'String');
    expect((await map({ destination: '/app/dst', source: '/src', type: 'app' }))?.result).to.equal('written');
    expect(parameters.current('/app/dst')?.type).to.equal('SecureString');
  });

  it('writes a SecureString destination with the replication key', async () => {
    const { parameters, map } = setup();
    parameters.put('/src/secret', 'pw', 'SecureString');
    await map({ destination: '/app/secret', source: '/src/secret', type: 'app' });
    expect(parameters.writes.at(-1)).to.deep.equal({ name: '/app/secret', type: 'SecureString', value: 'pw', keyId: 'alias/replication' });
    parameters.put('/src/plain', 'p');
    await map({ destination: '/app/plain', source: '/src/plain', type: 'app' });
    expect(parameters.writes.at(-1)?.keyId).to.equal(undefined);
  });

  it('merges a list of parts with ${/a} and ${/a:uri} into a SecureString', async () => {
    const { parameters, map, sourceChanged } = setup();
    parameters.put('/db/user', 'svc user');
    parameters.put('/db/password', 'p@ss word&=', 'SecureString');
    await map({
      destination: '/app/db/url',
      type: 'merge',
      source: ['postgres://', '${/db/user:uri}', ':', '${/db/password:uri}', '@host/db?user=${/db/user}'],
    });
    expect(parameters.current('/app/db/url')).to.deep.include({
      type: 'SecureString',
      value: 'postgres://svc+user:p%40ss+word%26%3D@host/db?user=svc user',
    });
    parameters.put('/db/password', 'new');
    await sourceChanged('/db/password');
    expect(parameters.current('/app/db/url')?.value).to.equal('postgres://svc+user:new@host/db?user=svc user');
  });

  it('merges the string form "jdbc:${/a}:${/b}"', async () => {
    const { parameters, map } = setup();
    parameters.put('/a', 'mysql');
    parameters.put('/b', '3306');
    await map({ destination: '/app/jdbc', type: 'merge', source: 'jdbc:${/a}:${/b}' });
    expect(parameters.current('/app/jdbc')?.value).to.equal('jdbc:mysql:3306');
  });

  it('writes nothing while a merge part is missing, then writes once it appears', async () => {
    const { parameters, map, sourceChanged } = setup();
    parameters.put('/a', 'x');
    const outcome = await map({ destination: '/app/m', type: 'merge', source: '${/a}-${/b}' });
    expect(outcome).to.deep.include({ result: 'waiting' });
    expect(outcome?.reason).to.include('/b');
    expect(parameters.current('/app/m')).to.equal(undefined);
    parameters.put('/b', 'y');
    await sourceChanged('/b');
    expect(parameters.current('/app/m')?.value).to.equal('x-y');
  });

  it('refuses a destination outside the allowed prefixes and writes nothing', async () => {
    const { parameters, log, map } = setup('/replicated');
    parameters.put('/src', 'v');
    const outcome = await map({ destination: '/prod/critical', source: '/src', type: 'app' });
    expect(outcome?.result).to.equal('refused');
    expect(outcome?.reason).to.include('outside the allowed prefixes');
    expect(parameters.writes).to.be.empty;
    expect(log.lines.some((line) => line.includes('replication refused'))).to.be.true;
  });

  it('refuses a source outside the allowed source prefixes, so a mapping cannot copy any secret', async () => {
    const { parameters, map } = setup('/app', '/shared');
    parameters.put('/prod/db/password', 'secret', 'SecureString');
    const outcome = await map({ destination: '/app/stolen', source: '/prod/db/password', type: 'app' });
    expect(outcome).to.deep.include({ result: 'refused' });
    expect(outcome?.reason).to.include('/prod/db/password is outside the allowed source prefixes');
    expect(parameters.current('/app/stolen')).to.equal(undefined);
  });

  it('refuses a source outside the source prefixes before reading anything, so IAM never denies a read', async () => {
    const { parameters, map, sourceChanged } = setup('/app', '/shared,/app');
    parameters.readable = (name) => name.startsWith('/shared/') || name.startsWith('/app/');
    parameters.put('/shared/host', 'db');
    parameters.put('/secret/key', 'k', 'SecureString');
    const refused = await map({ destination: '/app/stolen', type: 'merge', source: '${/shared/host}:${/secret/key}' });
    expect(refused).to.deep.include({ result: 'refused' });
    expect(refused?.reason).to.include('/secret/key is outside the allowed source prefixes');
    // The good destination of the same source is not held up by the refused one.
    await map({ destination: '/app/host', source: '/shared/host', type: 'app' });
    parameters.put('/shared/host', 'db-2');
    const outcomes = await sourceChanged('/shared/host');
    expect(outcomes.map((outcome) => `${outcome.destination} ${outcome.result}`).sort()).to.deep.equal([
      '/app/host written',
      '/app/stolen refused',
    ]);
    expect(parameters.current('/app/host')?.value).to.equal('db-2');
  });

  for (const destination of ['/app//db', '/app/db/', '/app/db url', '/app/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o']) {
    it(`refuses a destination SSM would refuse (${destination}) instead of failing every retry`, async () => {
      const { parameters, map } = setup('/app');
      parameters.put('/src', 'v');
      const outcome = await map({ destination, source: '/src', type: 'app' });
      expect(outcome).to.deep.include({ result: 'refused' });
      expect(outcome?.reason).to.include('so SSM would refuse to write it');
      expect(parameters.writes).to.be.empty;
      expect(parameters.calls.of('GetParameters')).to.equal(0);
    });
  }

  it(`refuses a merge of more than ${MAX_MERGE_REFERENCES} references without reading them`, async () => {
    const { parameters, map } = setup('/app');
    const names = Array.from({ length: MAX_MERGE_REFERENCES + 1 }, (_, index) => `/src/${index}`);
    for (const name of names) parameters.put(name, 'v');
    const outcome = await map({ destination: '/app/big', type: 'merge', source: names.map((name) => `\${${name}}`) });
    expect(outcome).to.deep.include({ result: 'refused' });
    expect(outcome?.reason).to.include(`${MAX_MERGE_REFERENCES + 1} references; at most ${MAX_MERGE_REFERENCES}`);
    expect(parameters.calls.of('GetParameters')).to.equal(0);
    const fits = await map({ destination: '/app/fits', type: 'merge', source: names.slice(1).map((name) => `\${${name}}`) });
    expect(fits?.result).to.equal('written');
  });

  it('reads a root-level source named x as /x, the name its events carry', async () => {
    const { parameters, sourceIndex, map, sourceChanged } = setup('/app');
    parameters.put('/x', 'one');
    await map({ destination: '/app/x', source: 'x', type: 'app' });
    expect(sourceIndex.sorted()).to.deep.equal(['/x|/app/x']);
    parameters.put('/x', 'two');
    expect((await sourceChanged('/x')).map((outcome) => outcome.result)).to.deep.equal(['written']);
    expect(parameters.current('/app/x')?.value).to.equal('two');
  });

  it('finds a root-level mapping kept under x when following /x upstream for a cycle', async () => {
    const { mappings, map } = setup('/app,/x');
    mappings.set({ destination: 'x', source: '/app/a', type: 'app' });
    const outcome = await map({ destination: '/app/a', source: '/x', type: 'app' });
    expect(outcome?.reason).to.include('closes a cycle');
  });

  it('gives up on a destination that keeps changing with a retryable FiggyEventsError', async () => {
    const { parameters, map } = setup('/app');
    parameters.put('/src', 'v0');
    const write = parameters.write.bind(parameters);
    let round = 0;
    parameters.write = async (parameter) => {
      const version = await write(parameter);
      parameters.put('/src', `v${++round}`);
      return version;
    };
    const error = await map({ destination: '/app/busy', source: '/src', type: 'app' }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(DestinationUnsettledError).and.instanceOf(FiggyEventsError);
    expect(error).to.deep.include({ retryable: true, destination: '/app/busy' });
  });

  it('refuses a mapping that closes a cycle, and every mapping on it', async () => {
    const { parameters, map, sourceChanged } = setup();
    parameters.put('/app/a', '1');
    await map({ destination: '/app/b', source: '/app/a', type: 'app' });
    await map({ destination: '/app/c', source: '/app/b', type: 'app' });
    const outcome = await map({ destination: '/app/a', type: 'merge', source: 'x${/app/c}' });
    expect(outcome?.result).to.equal('refused');
    expect(outcome?.reason).to.equal('mapping closes a cycle: /app/a <- /app/c <- /app/b <- /app/a');
    const writes = parameters.writes.length;
    parameters.put('/app/a', '2');
    expect((await sourceChanged('/app/a')).map((entry) => entry.result)).to.deep.equal(['refused']);
    expect(parameters.writes.length).to.equal(writes);
  });

  it('refuses every member of a ring longer than the chain it can follow, never assuming it safe', async () => {
    const { parameters, map, sourceChanged } = setup('/app');
    const ring = Array.from({ length: 66 }, (_, index) => `/app/ring/${index}`);
    parameters.put(ring[0] as string, 'seed');
    for (let index = 1; index < ring.length; index++) {
      await map({ destination: ring[index], source: ring[index - 1], type: 'app' });
    }
    const closing = await map({ destination: ring[0], type: 'merge', source: `x\${${ring.at(-1)}}` });
    expect(closing?.result).to.equal('refused');
    expect(closing?.reason).to.include('too many to check for a cycle').and.include('refused rather than assumed safe');
    const writes = parameters.writes.length;
    for (const member of ring.slice(0, 3)) {
      parameters.put(member, 'changed by hand');
      expect((await sourceChanged(member)).map((outcome) => outcome.result)).to.deep.equal(['refused']);
    }
    expect(parameters.writes.length).to.equal(writes);
  });

  it('refuses a chain deeper than it can follow even without a cycle, saying why', async () => {
    const { parameters, map } = setup('/app');
    parameters.put('/app/chain/0', 'v');
    let outcome;
    for (let index = 1; index <= 70; index++) {
      outcome = await map({ destination: `/app/chain/${index}`, source: `/app/chain/${index - 1}`, type: 'app' });
    }
    expect(outcome?.result).to.equal('refused');
    expect(outcome?.reason).to.include('more than 64 deep');
    // /app/chain/65 reads through 64 mappings, the most that is followed.
    expect(parameters.current('/app/chain/65')?.value).to.equal('v');
    expect(parameters.current('/app/chain/66')).to.equal(undefined);
  });

  it('stops writing a destination that is rewritten without end, and resumes once it calms down', async () => {
    const parameters = new InMemoryParameterStore();
    const mappings = new InMemoryMappings();
    let now = Date.parse('2026-11-26T10:00:00Z');
    const log = new RecordingLog();
    const replicator = new Replicator({
      parameters,
      mappings,
      sourceIndex: new InMemorySourceIndex(),
      log,
      settings: { destinationPrefixes: parsePrefixes('/app', 'REPLICATION_DESTINATION_PREFIXES') },
      now: () => now,
    });
    const mapping = { destination: '/app/dst', source: '/src', type: 'app' };
    mappings.set(mapping);
    const results: string[] = [];
    for (let round = 0; round < 40; round++) {
      now += 1000;
      parameters.now = now;
      parameters.put('/src', `value ${round}`);
      results.push((await replicator.replicateDestination('/app/dst')).result);
    }
    expect(results.filter((result) => result === 'written')).to.have.length(30);
    expect(results.slice(30)).to.deep.equal(Array(10).fill('refused'));
    expect(log.lines.join('\n')).to.include('written 30 times in the last 5 minutes');
    now += 6 * 60 * 1000;
    expect((await replicator.replicateDestination('/app/dst')).result).to.equal('written');
  });

  it('leaves the destination in place when the source is deleted', async () => {
    const { parameters, map, replicator } = setup();
    parameters.put('/src', 'v');
    await map({ destination: '/app/dst', source: '/src', type: 'app' });
    parameters.delete('/src');
    const [change] = parseSsmEvent({ ...putEvent({ name: '/src', version: 1 }) });
    expect(await replicator.onParameterChanged({ ...change!, kind: 'delete', action: 'DeleteParameter' })).to.be.empty;
    expect(parameters.current('/app/dst')?.value).to.equal('v');
  });

  it('keeps the source index equal to the mappings across insert, modify and remove', async () => {
    const { sourceIndex, replicator, parameters } = setup();
    parameters.put('/a', '1');
    const first = { destination: '/app/m', type: 'merge', source: ['${/a}', '${/b}'] };
    await replicator.onMappingChanged(readStoredMapping(first), undefined);
    expect(sourceIndex.sorted()).to.deep.equal(['/a|/app/m', '/b|/app/m']);
    const second = { destination: '/app/m', type: 'merge', source: '${/b}${/c}' };
    await replicator.onMappingChanged(readStoredMapping(second), readStoredMapping(first));
    expect(sourceIndex.sorted()).to.deep.equal(['/b|/app/m', '/c|/app/m']);
    await replicator.onMappingChanged(undefined, readStoredMapping(second));
    expect(sourceIndex.sorted()).to.be.empty;
  });

  it('rejects a mapping item that breaks the contract, naming the field', () => {
    expect(() => parseMapping({ destination: '/app/x', type: 'copy', source: '/a' }))
      .to.throw(ValidationError)
      .with.property('field', 'type (mapping of /app/x)');
    expect(() => parseMapping({ destination: '/app/x', type: 'merge', source: ['${a}'] })).to.throw(ValidationError, 'source[0]');
    expect(() => parseMapping({ destination: '/app/x', type: 'merge', source: 'no refs' })).to.throw(ValidationError, 'refers to no parameter');
    expect(() => parseMapping({ type: 'app', source: '/a' })).to.throw(ValidationError).with.property('field', 'destination');
  });

  it('form-encodes with space as + as ${/name:uri} promises', () => {
    expect(formEncode('a b&c=d/é')).to.equal('a+b%26c%3Dd%2F%C3%A9');
  });
});
