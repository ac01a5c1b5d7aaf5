import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
  type DescribeParametersCommandInput,
  type DescribeParametersCommandOutput,
  type Parameter,
} from '@aws-sdk/client-ssm';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { expect } from 'chai';

import { collect } from '../../../../shared/concurrency.ts';
import { SsmParameterStore, createSsmClient } from '../../../../shared/aws/ssm-parameter-store.ts';
import { rejectionOf } from '../../../support/rejection.ts';

// Stubbed only while this file's tests run: other tests use the real SSMClient.
let ssmMock: AwsClientStub<SSMClient>;

function names(count: number, prefix = '/app/p'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

function parameter(name: string, overrides: Partial<Parameter> = {}): Parameter {
  return { Name: name, Type: 'String', Value: `value of ${name}`, Version: 1, ...overrides };
}

function notFound(): ParameterNotFound {
  return new ParameterNotFound({ message: 'not found', $metadata: {} });
}

/**
 * Answers DescribeParameters from pages keyed by the NextToken that asks for them, and returns
 * the tokens asked for. They are recorded at call time because the SDK paginator reuses (and
 * mutates) one input object for every page.
 */
function describePages(pages: Record<string, NonNullable<DescribeParametersCommandOutput['Parameters']>>): {
  tokens: (string | undefined)[];
} {
  const keys = Object.keys(pages);
  const asked: (string | undefined)[] = [];
  ssmMock.on(DescribeParametersCommand).callsFake((input: DescribeParametersCommandInput) => {
    asked.push(input.NextToken);
    const token = input.NextToken ?? keys[0]!;
    const next = keys[keys.indexOf(token) + 1];
    return { Parameters: pages[token], ...(next ? { NextToken: next } : {}) };
  });
  return { tokens: asked };
}

describe('SsmParameterStore', () => {
  before(() => {
    ssmMock = mockClient(SSMClient);
  });
  after(() => ssmMock.restore());

  let store: SsmParameterStore;

  beforeEach(() => {
    ssmMock.reset();
    store = new SsmParameterStore(new SSMClient({ region: 'eu-west-1' }));
  });

  describe('createSsmClient', () => {
    it('retries adaptively, up to 8 attempts, because Parameter Store throttles at low TPS', async () => {
      const client = createSsmClient({ region: 'eu-west-1' });
      const strategy = (await client.config.retryStrategy()) as { mode?: string };
      expect(strategy.mode).to.equal('adaptive');
      expect(await client.config.maxAttempts()).to.equal(8);
    });

    it('lets the caller override the defaults', async () => {
      const client = createSsmClient({ region: 'eu-west-1', maxAttempts: 2 });
      expect(await client.config.maxAttempts()).to.equal(2);
    });
  });

  it('refuses a concurrency that is not a positive integer', () => {
    expect(() => new SsmParameterStore(new SSMClient({}), { concurrency: 0 })).to.throw(RangeError);
    expect(() => new SsmParameterStore(new SSMClient({}), { concurrency: 1.5 })).to.throw(RangeError);
  });

  describe('readVersion', () => {
    it('asks for name:version without decryption', async () => {
      ssmMock.on(GetParameterCommand).resolves({
        Parameter: parameter('/app/secret', { Type: 'SecureString', Value: 'AQICAH-ciphertext', Version: 3 }),
      });

      const value = await store.readVersion('/app/secret', 3);

      expect(ssmMock.commandCalls(GetParameterCommand)[0]!.args[0].input).to.deep.equal({
        Name: '/app/secret:3',
        WithDecryption: false,
      });
      expect(value).to.deep.equal({
        name: '/app/secret',
        type: 'SecureString',
        value: 'AQICAH-ciphertext',
        version: 3,
      });
    });

    it('returns undefined when that version has aged out of the history', async () => {
      ssmMock.on(GetParameterCommand).rejects(new ParameterVersionNotFound({ message: 'gone', $metadata: {} }));
      expect(await store.readVersion('/app/a', 1)).to.equal(undefined);
    });

    it('returns undefined when the parameter no longer exists', async () => {
      ssmMock.on(GetParameterCommand).rejects(notFound());
      expect(await store.readVersion('/app/a', 1)).to.equal(undefined);
    });

    it('refuses a version that is not a positive integer, without calling SSM', async () => {
      for (const version of [0, -1, 2.5]) {
        expect(await rejectionOf(store.readVersion('/app/a', version))).to.be.instanceOf(RangeError);
      }
      expect(ssmMock.calls()).to.have.length(0);
    });
  });

  describe('reading one version, failures', () => {
    it('lets any other failure through', async () => {
      const denied = new SSMServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: {},
        message: 'denied',
      });
      ssmMock.on(GetParameterCommand).rejects(denied);
      expect(await rejectionOf(store.readVersion('/app/a', 1))).to.equal(denied);
    });

    it('names the parameter when SSM answers with a type the port does not know', async () => {
      ssmMock.on(GetParameterCommand).resolves({
        Parameter: parameter('/app/odd', { Type: 'Blob' as Parameter['Type'] }),
      });
      expect((await rejectionOf(store.readVersion('/app/odd', 1))).message).to.include('/app/odd with unknown Type Blob');
    });
  });

  describe('readDecrypted', () => {
    beforeEach(() => {
      ssmMock.on(GetParametersCommand).callsFake(({ Names }: { Names: string[] }) => ({
        Parameters: Names.map((name) => parameter(name)),
      }));
    });

    it('reads 23 names in 3 GetParameters calls of at most 10, decrypted', async () => {
      const requested = names(23);

      const values = await store.readDecrypted(requested);

      const calls = ssmMock.commandCalls(GetParametersCommand).map((call) => call.args[0].input);
      expect(calls.map((input) => input.Names!.length)).to.deep.equal([10, 10, 3]);
      expect(calls.every((input) => input.WithDecryption === true)).to.equal(true);
      expect(calls.flatMap((input) => input.Names)).to.deep.equal(requested);
      expect([...values.keys()]).to.deep.equal(requested);
    });

    it('asks for each name once however often it is requested', async () => {
      const values = await store.readDecrypted(['/a', '/b', '/a', '/c', '/b']);

      const asked = ssmMock.commandCalls(GetParametersCommand).flatMap((call) => call.args[0].input.Names);
      expect(asked).to.deep.equal(['/a', '/b', '/c']);
      expect(values.size).to.equal(3);
    });

    it('leaves names SSM reports as InvalidParameters out of the map', async () => {
      ssmMock.on(GetParametersCommand).resolves({
        Parameters: [parameter('/a', { Type: 'SecureString', Value: 'plaintext', Version: 4 })],
        InvalidParameters: ['/gone'],
      });

      const values = await store.readDecrypted(['/a', '/gone']);

      expect([...values.entries()]).to.deep.equal([
        ['/a', { name: '/a', type: 'SecureString', value: 'plaintext', version: 4 }],
      ]);
    });

    it('keys a root-level parameter by its canonical /name, however SSM spells it', async () => {
      ssmMock.on(GetParametersCommand).resolves({ Parameters: [parameter('legacy')] });

      const values = await store.readDecrypted(['/legacy']);

      expect([...values.keys()]).to.deep.equal(['/legacy']);
      expect(values.get('/legacy')?.name).to.equal('/legacy');
    });

    it('makes no call for no names', async () => {
      expect((await store.readDecrypted([])).size).to.equal(0);
      expect(ssmMock.calls()).to.have.length(0);
    });

    it('keeps no more than `concurrency` batches in flight', async () => {
      const limit = 2;
      const bounded = new SsmParameterStore(new SSMClient({ region: 'eu-west-1' }), { concurrency: limit });
      const waiting: Array<() => void> = [];
      let inFlight = 0;
      let peak = 0;
      ssmMock.on(GetParametersCommand).callsFake(async ({ Names }: { Names: string[] }) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise<void>((release) => waiting.push(release));
        inFlight -= 1;
        return { Parameters: Names.map((name) => parameter(name)) };
      });

      const reading = bounded.readDecrypted(names(95));
      for (let released = 0; released < 10; released += 1) {
        await settled();
        expect(inFlight).to.be.at.most(limit);
        expect(waiting.length, 'batches waiting on SSM').to.be.above(0);
        waiting.shift()!();
      }
      const values = await reading;

      expect(peak).to.equal(limit);
      expect(ssmMock.commandCalls(GetParametersCommand)).to.have.length(10);
      expect(values.size).to.equal(95);
    });
  });

  describe('write', () => {
    beforeEach(() => {
      ssmMock.on(PutParameterCommand).resolves({ Version: 5, Tier: 'Standard' });
    });

    it('overwrites and returns the version written', async () => {
      const version = await store.write({ name: '/app/a', type: 'String', value: 'v' });

      expect(version).to.equal(5);
      expect(ssmMock.commandCalls(PutParameterCommand)[0]!.args[0].input).to.deep.equal({
        Name: '/app/a',
        Type: 'String',
        Value: 'v',
        Overwrite: true,
      });
    });

    it('passes the KMS key and description of a SecureString', async () => {
      await store.write({
        name: '/app/secret',
        type: 'SecureString',
        value: 's3cret',
        keyId: 'alias/replication',
        description: 'replicated from /src/secret',
      });

      expect(ssmMock.commandCalls(PutParameterCommand)[0]!.args[0].input).to.deep.equal({
        Name: '/app/secret',
        Type: 'SecureString',
        Value: 's3cret',
        Overwrite: true,
        KeyId: 'alias/replication',
        Description: 'replicated from /src/secret',
      });
    });

    it('leaves the key to SSM for a SecureString without one', async () => {
      await store.write({ name: '/app/secret', type: 'SecureString', value: 's3cret' });
      expect(ssmMock.commandCalls(PutParameterCommand)[0]!.args[0].input).to.not.have.property('KeyId');
    });

    it('never sends a KeyId for String or StringList, which are not encrypted', async () => {
      await store.write({ name: '/app/a', type: 'String', value: 'v', keyId: 'alias/replication' });
      await store.write({ name: '/app/l', type: 'StringList', value: 'a,b', keyId: 'alias/replication' });

      for (const call of ssmMock.commandCalls(PutParameterCommand)) {
        expect(call.args[0].input).to.not.have.property('KeyId');
      }
    });
  });

  describe('existing', () => {
    it('filters by Name Equals in batches of at most 50 values', async () => {
      ssmMock.on(DescribeParametersCommand).resolves({ Parameters: [] });
      const requested = names(120);

      await store.existing(requested);

      const inputs = ssmMock.commandCalls(DescribeParametersCommand).map((call) => call.args[0].input);
      expect(inputs.map((input) => input.ParameterFilters)).to.deep.equal([
        [{ Key: 'Name', Option: 'Equals', Values: requested.slice(0, 50) }],
        [{ Key: 'Name', Option: 'Equals', Values: requested.slice(50, 100) }],
        [{ Key: 'Name', Option: 'Equals', Values: requested.slice(100) }],
      ]);
      expect(inputs.every((input) => input.MaxResults === 50)).to.equal(true);
    });

    it('follows NextToken through empty pages to the last one', async () => {
      const asked = describePages({
        first: [{ Name: '/app/a' }],
        empty: [],
        last: [{ Name: '/app/c' }],
      });

      const found = await store.existing(['/app/a', '/app/b', '/app/c']);

      expect([...found].sort()).to.deep.equal(['/app/a', '/app/c']);
      expect(asked.tokens).to.deep.equal([undefined, 'empty', 'last']);
      for (const call of ssmMock.commandCalls(DescribeParametersCommand)) {
        expect(call.args[0].input.ParameterFilters).to.deep.equal([
          { Key: 'Name', Option: 'Equals', Values: ['/app/a', '/app/b', '/app/c'] },
        ]);
      }
    });

    it('deduplicates names and makes no call for none', async () => {
      ssmMock.on(DescribeParametersCommand).resolves({ Parameters: [{ Name: '/a' }] });

      expect(await store.existing([])).to.deep.equal(new Set());
      expect(ssmMock.calls()).to.have.length(0);

      await store.existing(['/a', '/a']);
      expect(ssmMock.commandCalls(DescribeParametersCommand)[0]!.args[0].input.ParameterFilters![0]!.Values).to.deep.equal(
        ['/a'],
      );
    });

    it('reads metadata only, never a value', async () => {
      ssmMock.on(DescribeParametersCommand).resolves({ Parameters: [] });
      await store.existing(names(3));
      expect(ssmMock.commandCalls(GetParameterCommand)).to.have.length(0);
      expect(ssmMock.commandCalls(GetParametersCommand)).to.have.length(0);
    });
  });

  describe('withReadTurns', () => {
    it('waits a turn before each read call it sends to Parameter Store, one per call, and none before a write', async () => {
      const turns: number[] = [];
      const paced = store.withReadTurns(async () => {
        turns.push(ssmMock.calls().length);
      });
      ssmMock.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({ Parameters: input.Names.map((name) => parameter(name)) }));
      ssmMock.on(GetParameterCommand).resolves({ Parameter: parameter('/app/p0') });
      ssmMock.on(ListTagsForResourceCommand).resolves({ TagList: [] });
      ssmMock.on(PutParameterCommand).resolves({ Version: 2 });
      describePages({ first: [{ Name: '/app/p0' }, { Name: '/app/p1' }], second: [], third: [{ Name: '/app/p2' }] });
      await paced.readDecrypted(names(25));
      expect(await collect(paced.namesUnder('/app/'))).to.deep.equal(names(3));
      await paced.readVersion('/app/p0', 1);
      await paced.readDetails(names(3));
      await paced.listNamesPage();
      await paced.existing(names(3));
      await paced.write({ name: '/app/x', type: 'String', value: 'v' });
      const reads = ssmMock.calls().filter((call) => !(call.args[0] instanceof PutParameterCommand));
      // GetParameters 3, listing pages 3, GetParameter 1, details 1 + 3 pages + 3 tags, a page, 3 pages.
      expect(reads).to.have.length(3 + 3 + 1 + 7 + 1 + 3);
      expect(turns).to.have.length(reads.length);
      // Each turn comes before its call: never more calls sent than turns taken.
      turns.forEach((sent, index) => expect(sent, `turn ${index}`).to.be.at.most(index));
      // The store it came from still reads at once.
      turns.length = 0;
      await store.readDecrypted(names(25));
      expect(turns).to.be.empty;
    });

    it('adds a second turn to the first rather than replacing it: a paced store paced again waits for both', async () => {
      const taken: string[] = [];
      const twice = store
        .withReadTurns(async () => {
          taken.push('place');
        })
        .withReadTurns(async () => {
          taken.push('caller');
        });
      ssmMock.on(GetParameterCommand).resolves({ Parameter: parameter('/app/p0') });
      await twice.readVersion('/app/p0', 1);
      expect(taken).to.deep.equal(['place', 'caller']);
    });
  });

  describe('listNames', () => {
    it('yields every name across DescribeParameters pages of 50', async () => {
      const asked = describePages({
        first: [{ Name: '/a' }, { Name: '/b' }],
        second: [],
        third: [{ Name: '/c' }],
      });

      expect(await collect(store.listNames())).to.deep.equal(['/a', '/b', '/c']);

      const inputs = ssmMock.commandCalls(DescribeParametersCommand).map((call) => call.args[0].input);
      expect(asked.tokens).to.deep.equal([undefined, 'second', 'third']);
      expect(inputs.every((input) => input.MaxResults === 50 && input.ParameterFilters === undefined)).to.equal(true);
    });

    it('names a root-level parameter kept without its slash /name, as the cache does', async () => {
      describePages({ only: [{ Name: 'legacy' }, { Name: '/app/a' }] });

      expect(await collect(store.listNames())).to.deep.equal(['/legacy', '/app/a']);
      ssmMock.reset();
      ssmMock.on(DescribeParametersCommand).resolves({ Parameters: [{ Name: 'legacy' }] });
      expect(await store.existing(['/legacy'])).to.deep.equal(new Set(['/legacy']));
    });

    it('reads pages only as the caller consumes them', async () => {
      describePages({ first: [{ Name: '/a' }], second: [{ Name: '/b' }] });

      for await (const name of store.listNames()) {
        expect(name).to.equal('/a');
        break;
      }

      expect(ssmMock.commandCalls(DescribeParametersCommand)).to.have.length(1);
    });
  });
});


/** Lets every pending promise callback run, so in-flight calls reach their await. */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
