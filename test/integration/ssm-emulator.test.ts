import { readFileSync } from 'node:fs';
import {
  DecryptCommand,
  DescribeKeyCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
} from '@aws-sdk/client-kms';
import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeInstanceInformationCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  AddTagsToResourceCommand,
  InvalidFilterKey,
  InvalidFilterOption,
  InvalidFilterValue,
  InvalidNextToken,
  InvalidResourceId,
  ListTagsForResourceCommand,
  ParameterMaxVersionLimitExceeded,
  ParameterVersionLabelLimitExceeded,
  RemoveTagsFromResourceCommand,
  UnlabelParameterVersionCommand,
  LabelParameterVersionCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  SSMClient,
  ThrottlingException,
  ValidationException,
  paginateDescribeParameters,
  paginateGetParameterHistory,
  paginateGetParametersByPath,
  type ParameterStringFilter,
  type PutParameterCommandInput,
} from '@aws-sdk/client-ssm';
import { expect } from 'chai';
import sinon from 'sinon';
import { parseSsmEvent } from '../../shared/events/cloudtrail.ts';
import {
  seededRandom,
  startSsmEmulator,
  toEventBridgeEvent,
  type CloudTrailDetail,
  type SsmEmulator,
} from '../../local/ssm/index.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
// Milliseconds on purpose: CloudTrail must drop them, LastModifiedDate must keep them.
const START = new Date('2026-11-26T12:00:01.345Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const expectedPutDetail = JSON.parse(
  readFileSync(new URL('../fixtures/ssm-emulator/put-parameter-detail.json', import.meta.url), 'utf8'),
) as CloudTrailDetail;

describe('ssm emulator', () => {
  let emulator: SsmEmulator;
  let now = START;
  // The quotas' token buckets refill only as a test moves this: a burst is counted, not timed.
  let quotaNow = 0;
  const records: CloudTrailDetail[] = [];
  const clients: { destroy(): void }[] = [];
  let alice: SSMClient;
  let bob: SSMClient;
  let kms: KMSClient;

  const credentials = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: 'x' });
  // One attempt: the SDK would otherwise retry throttled calls and hide what the emulator did.
  const ssmAs = (accessKeyId: string, region = REGION): SSMClient => {
    const client = new SSMClient({
      endpoint: emulator.url,
      region,
      credentials: credentials(accessKeyId),
      maxAttempts: 1,
    });
    clients.push(client);
    return client;
  };

  const put = (name: string, value: string, extra: Partial<PutParameterCommandInput> = {}, client = alice) =>
    client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', ...extra }));

  const arnOf = (name: string, region = REGION) => `arn:aws:ssm:${region}:${ACCOUNT}:parameter${name}`;

  before(async () => {
    emulator = await startSsmEmulator({ clock: () => now, quotaClock: () => quotaNow, region: REGION });
    emulator.onWrite((detail) => {
      records.push(detail);
    });
    alice = ssmAs('alice');
    bob = ssmAs('bob');
    kms = new KMSClient({ endpoint: emulator.url, region: REGION, credentials: credentials('alice'), maxAttempts: 1 });
    clients.push(kms);
  });

  afterEach(() => {
    emulator.reset();
    emulator.setFaults({ throttleRate: 0, rateLimits: false });
    records.length = 0;
    now = START;
    quotaNow = 0;
  });

  after(async () => {
    for (const client of clients) client.destroy();
    await emulator.stop();
  });

  describe('PutParameter', () => {
    it('creates version 1 in the Standard tier', async () => {
      const result = await put('/app/db/host', 'db.local');

      expect(result).to.include({ Version: 1, Tier: 'Standard' });
      expect(emulator.snapshot()).to.deep.equal([
        {
          name: '/app/db/host',
          type: 'String',
          value: 'db.local',
          version: 1,
          tier: 'Standard',
          dataType: 'text',
          lastModifiedDate: START,
        },
      ]);
    });

    it('answers ParameterAlreadyExists when the parameter exists and Overwrite is not set', async () => {
      await put('/app/db/host', 'db.local');

      const error = await rejection(put('/app/db/host', 'other'));

      expect(error).to.be.instanceOf(ParameterAlreadyExists);
      expect(emulator.snapshot()[0]).to.include({ value: 'db.local', version: 1 });
    });

    it('adds a version on every overwrite, even of the same value, and lets the type change', async () => {
      await put('/app/list', 'a');
      await put('/app/list', 'a', { Overwrite: true });
      const third = await put('/app/list', 'a,b', { Overwrite: true, Type: 'StringList' });

      expect(third.Version).to.equal(3);
      expect(emulator.snapshot()[0]).to.include({ type: 'StringList', value: 'a,b', version: 3 });
    });

    it('restarts versions at 1 when a deleted parameter is created again', async () => {
      await put('/app/flag', 'on');
      await put('/app/flag', 'off', { Overwrite: true });
      await alice.send(new DeleteParameterCommand({ Name: '/app/flag' }));

      const recreated = await put('/app/flag', 'on');

      expect(recreated.Version).to.equal(1);
    });

    it('answers ValidationException when creating without a Type', async () => {
      const error = await rejection(alice.send(new PutParameterCommand({ Name: '/app/untyped', Value: 'v' })));

      expect(error).to.be.instanceOf(ValidationException);
      expect(error.message).to.equal('A parameter type is required when you create a parameter.');
    });

    it('answers ValidationException for names SSM refuses, AccessDeniedException under /aws/', async () => {
      for (const name of ['app/db', '/app/bad name', '/app/db!', '/ssm/reserved', 'aws-x', `/${'x'.repeat(2048)}`]) {
        const error = await rejection(put(name, 'v'));
        expect(error, name.slice(0, 20)).to.be.instanceOf(ValidationException);
      }
      const reserved = await rejection(put('/aws/reserved', 'v'));
      expect(reserved).to.have.property('name', 'AccessDeniedException');
      expect(emulator.snapshot()).to.deep.equal([]);
    });

    it('answers ValidationException for a value above the tier limit and accepts it in a larger tier', async () => {
      const large = 'x'.repeat(4097);

      expect(await rejection(put('/app/large', large))).to.be.instanceOf(ValidationException);
      expect(await put('/app/large', large, { Tier: 'Advanced' })).to.include({ Tier: 'Advanced' });
      expect(await put('/app/auto-large', large, { Tier: 'Intelligent-Tiering' })).to.include({ Tier: 'Advanced' });
      expect(await put('/app/auto-small', 'x', { Tier: 'Intelligent-Tiering' })).to.include({ Tier: 'Standard' });
      expect(await rejection(put('/app/huge', 'x'.repeat(8193), { Tier: 'Advanced' }))).to.be.instanceOf(
        ValidationException,
      );
    });

    it('keeps only the newest 100 versions', async () => {
      for (let version = 1; version <= 105; version += 1) {
        await put('/app/counter', String(version), { Overwrite: true });
      }

      const history = [];
      for await (const page of paginateGetParameterHistory({ client: alice }, { Name: '/app/counter' })) {
        history.push(...(page.Parameters ?? []));
      }
      expect(history).to.have.length(100);
      expect(history[0]).to.include({ Version: 6, Value: '6' });
      expect(history[99]).to.include({ Version: 105, Value: '105' });
      const gone = await rejection(alice.send(new GetParameterCommand({ Name: '/app/counter:5' })));
      expect(gone).to.be.instanceOf(ParameterVersionNotFound);
    });
  });

  describe('GetParameter', () => {
    it('reads the latest version, a version by name:version, and by parameter ARN', async () => {
      await put('/app/db/host', 'one');
      await put('/app/db/host', 'two', { Overwrite: true });

      const latest = await alice.send(new GetParameterCommand({ Name: '/app/db/host' }));
      const first = await alice.send(new GetParameterCommand({ Name: '/app/db/host:1' }));
      const byArn = await alice.send(new GetParameterCommand({ Name: `${arnOf('/app/db/host')}:1` }));

      expect(latest.Parameter).to.deep.include({
        Name: '/app/db/host',
        Type: 'String',
        Value: 'two',
        Version: 2,
        ARN: arnOf('/app/db/host'),
        DataType: 'text',
        LastModifiedDate: START,
      });
      expect(latest.Parameter?.Selector).to.equal(undefined);
      expect(first.Parameter).to.include({ Value: 'one', Version: 1, Selector: ':1' });
      expect(byArn.Parameter).to.include({ Name: '/app/db/host', Value: 'one', Version: 1 });
    });

    it('answers ParameterNotFound for an unknown name and ParameterVersionNotFound for an unknown version', async () => {
      await put('/app/db/host', 'one');

      expect(await rejection(alice.send(new GetParameterCommand({ Name: '/app/missing' })))).to.be.instanceOf(
        ParameterNotFound,
      );
      expect(await rejection(alice.send(new GetParameterCommand({ Name: '/app/db/host:2' })))).to.be.instanceOf(
        ParameterVersionNotFound,
      );
    });

    it('returns a SecureString as base64 ciphertext unless WithDecryption is set', async () => {
      await put('/app/db/password', 's3cret', { Type: 'SecureString' });

      const hidden = await alice.send(new GetParameterCommand({ Name: '/app/db/password' }));
      const shown = await alice.send(new GetParameterCommand({ Name: '/app/db/password', WithDecryption: true }));

      expect(hidden.Parameter?.Value)
        .to.match(/^[A-Za-z0-9+/]+=*$/)
        .and.not.include('s3cret');
      expect(shown.Parameter?.Value).to.equal('s3cret');
      expect(emulator.snapshot()[0]).to.include({ value: 's3cret', keyId: 'alias/aws/ssm' });
    });
  });

  describe('KMS Decrypt', () => {
    const ciphertextOf = async (name: string): Promise<Uint8Array> => {
      const read = await alice.send(new GetParameterCommand({ Name: name }));
      return Buffer.from(read.Parameter?.Value ?? '', 'base64');
    };

    it('decrypts a SecureString ciphertext with the PARAMETER_ARN encryption context', async () => {
      await put('/app/db/password', 's3cret', { Type: 'SecureString' });

      const result = await kms.send(
        new DecryptCommand({
          CiphertextBlob: await ciphertextOf('/app/db/password'),
          EncryptionContext: { PARAMETER_ARN: arnOf('/app/db/password') },
        }),
      );

      expect(Buffer.from(result.Plaintext ?? []).toString('utf8')).to.equal('s3cret');
      // KMS answers with the ARN of the key behind the alias, not the alias.
      const key = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ssm' }));
      expect(result).to.include({ KeyId: key.KeyMetadata?.Arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    });

    it('answers InvalidCiphertextException when the encryption context is wrong or missing', async () => {
      await put('/app/db/password', 's3cret', { Type: 'SecureString' });
      const blob = await ciphertextOf('/app/db/password');

      const wrong = await rejection(
        kms.send(
          new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { PARAMETER_ARN: arnOf('/app/other') } }),
        ),
      );
      const missing = await rejection(kms.send(new DecryptCommand({ CiphertextBlob: blob })));

      expect(wrong).to.be.instanceOf(InvalidCiphertextException);
      expect(missing).to.be.instanceOf(InvalidCiphertextException);
    });

    it('binds the ciphertext to the KeyId given on PutParameter', async () => {
      await put('/app/db/password', 's3cret', { Type: 'SecureString', KeyId: 'alias/figgy-replication' });
      const blob = await ciphertextOf('/app/db/password');
      const context = { PARAMETER_ARN: arnOf('/app/db/password') };

      const result = await kms.send(
        new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context, KeyId: 'alias/figgy-replication' }),
      );
      const otherKey = await rejection(
        kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context, KeyId: 'alias/aws/ssm' })),
      );

      const key = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/figgy-replication' }));
      expect(result.KeyId).to.equal(key.KeyMetadata?.Arn);
      expect(otherKey).to.be.instanceOf(IncorrectKeyException);
    });
  });

  describe('GetParameters', () => {
    it('returns the names found and lists unknown names and versions in InvalidParameters', async () => {
      await put('/app/a', 'A');
      await put('/app/b', 'B', { Type: 'SecureString' });

      const result = await alice.send(
        new GetParametersCommand({ Names: ['/app/a', '/app/b', '/app/missing', '/app/a:7'], WithDecryption: true }),
      );

      expect(result.Parameters?.map((parameter) => [parameter.Name, parameter.Value])).to.deep.equal([
        ['/app/a', 'A'],
        ['/app/b', 'B'],
      ]);
      expect(result.InvalidParameters).to.deep.equal(['/app/missing', '/app/a:7']);
    });

    it('answers ValidationException for more than 10 names', async () => {
      const names = Array.from({ length: 11 }, (_, index) => `/app/p${index}`);

      expect(await rejection(alice.send(new GetParametersCommand({ Names: names })))).to.be.instanceOf(
        ValidationException,
      );
    });
  });

  describe('GetParametersByPath', () => {
    it('pages through a recursive path in name order with the SDK paginator', async () => {
      for (let index = 0; index < 25; index += 1) await put(`/app/svc/p${String(index).padStart(2, '0')}`, `v${index}`);
      await put('/other/p', 'outside');

      const pages: string[][] = [];
      for await (const page of paginateGetParametersByPath({ client: alice }, { Path: '/app', Recursive: true })) {
        pages.push((page.Parameters ?? []).map((parameter) => parameter.Name ?? ''));
      }

      expect(pages.map((page) => page.length)).to.deep.equal([10, 10, 5]);
      expect(pages.flat()).to.deep.equal(
        Array.from({ length: 25 }, (_, index) => `/app/svc/p${String(index).padStart(2, '0')}`),
      );
    });

    it('returns only the level below the path unless Recursive, decrypting on request', async () => {
      await put('/app/a', 'A');
      await put('/app/b', 'B', { Type: 'SecureString' });
      await put('/app/deep/c', 'C');
      await put('/application', 'not under /app');

      const result = await alice.send(new GetParametersByPathCommand({ Path: '/app/', WithDecryption: true }));

      expect(result.Parameters?.map((parameter) => [parameter.Name, parameter.Value])).to.deep.equal([
        ['/app/a', 'A'],
        ['/app/b', 'B'],
      ]);
      expect(result.NextToken).to.equal(undefined);
    });

    it('answers ValidationException for MaxResults above 10 and InvalidNextToken for a forged token', async () => {
      expect(
        await rejection(alice.send(new GetParametersByPathCommand({ Path: '/app', MaxResults: 11 }))),
      ).to.be.instanceOf(ValidationException);
      expect(
        await rejection(alice.send(new GetParametersByPathCommand({ Path: '/app', NextToken: 'forged' }))),
      ).to.be.instanceOf(InvalidNextToken);
    });
  });

  describe('DescribeParameters', () => {
    const describeAll = async (filters: ParameterStringFilter[], pageSize?: number) => {
      const pages: string[][] = [];
      for await (const page of paginateDescribeParameters(
        { client: alice, ...(pageSize !== undefined && { pageSize }) },
        { ParameterFilters: filters },
      )) {
        pages.push((page.Parameters ?? []).map((parameter) => parameter.Name ?? ''));
      }
      return pages;
    };

    beforeEach(async () => {
      for (let index = 0; index < 12; index += 1) await put(`/team/svc/p${String(index).padStart(2, '0')}`, 'v');
      await put('/team/top', 'v', { Type: 'SecureString' });
      await put('/teamwork', 'v');
    });

    it('filters by Path (OneLevel or Recursive) and pages with the SDK paginator, 10 per page by default', async () => {
      expect(await describeAll([{ Key: 'Path', Values: ['/team'] }])).to.deep.equal([['/team/top']]);
      expect(
        (await describeAll([{ Key: 'Path', Option: 'Recursive', Values: ['/team'] }])).map((page) => page.length),
      ).to.deep.equal([10, 3]);
      expect(
        (await describeAll([{ Key: 'Path', Option: 'Recursive', Values: ['/team'] }], 5)).map((page) => page.length),
      ).to.deep.equal([5, 5, 3]);
    });

    it('filters by Name (Equals or BeginsWith) and by Type', async () => {
      expect((await describeAll([{ Key: 'Name', Option: 'BeginsWith', Values: ['/team'] }], 50)).flat()).to.have.length(
        14,
      );
      expect((await describeAll([{ Key: 'Name', Values: ['/teamwork'] }])).flat()).to.deep.equal(['/teamwork']);
      expect((await describeAll([{ Key: 'Type', Values: ['SecureString'] }])).flat()).to.deep.equal(['/team/top']);
    });

    it('describes each parameter: ARN, KeyId for SecureStrings only, user, description, tier and data type', async () => {
      now = new Date('2026-11-26T13:00:00.250Z');
      await put('/team/top', 'w', { Type: 'SecureString', Overwrite: true, Description: 'the top secret' }, bob);

      const result = await alice.send(
        new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/team/top', '/teamwork'] }] }),
      );

      expect(result.Parameters?.[0]).to.deep.equal({
        Name: '/team/top',
        ARN: arnOf('/team/top'),
        Type: 'SecureString',
        KeyId: 'alias/aws/ssm',
        LastModifiedDate: now,
        LastModifiedUser: `arn:aws:sts::${ACCOUNT}:assumed-role/figgy-sandbox/bob`,
        Description: 'the top secret',
        Version: 2,
        Tier: 'Standard',
        Policies: [],
        DataType: 'text',
      });
      expect(result.Parameters?.[1]).to.not.have.property('KeyId');
    });

    it('answers ValidationException for a key outside the model and InvalidFilterKey for Label', async () => {
      const unknown = await rejection(
        alice.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Colour', Values: ['red'] }] })),
      );
      const label = await rejection(
        alice.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Label', Values: ['prod'] }] })),
      );

      expect(unknown).to.be.instanceOf(ValidationException);
      expect(unknown.message).to.equal(
        "1 validation error detected: Value 'Colour' at 'parameterFilters.1.member.key' failed to satisfy constraint: " +
          'Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType',
      );
      expect(label).to.be.instanceOf(InvalidFilterKey);
      expect(label.message).to.match(/^The following filter key is not valid: Label\. Valid filter keys include: \[/);
    });
  });

  describe('GetParameterHistory', () => {
    it('lists every version oldest first with its author, ciphertext unless WithDecryption', async () => {
      await put('/app/db/password', 'one', { Type: 'SecureString' });
      now = new Date('2026-11-26T12:05:00Z');
      await put('/app/db/password', 'two', { Type: 'SecureString', Overwrite: true }, bob);

      const hidden = await alice.send(new GetParameterHistoryCommand({ Name: '/app/db/password' }));
      const shown = await alice.send(
        new GetParameterHistoryCommand({ Name: '/app/db/password', WithDecryption: true }),
      );

      expect(hidden.Parameters?.map((version) => version.Value)).to.not.include.members(['one', 'two']);
      expect(
        shown.Parameters?.map((version) => [
          version.Version,
          version.Value,
          version.LastModifiedUser,
          version.LastModifiedDate,
        ]),
      ).to.deep.equal([
        [1, 'one', `arn:aws:sts::${ACCOUNT}:assumed-role/figgy-sandbox/alice`, START],
        [2, 'two', `arn:aws:sts::${ACCOUNT}:assumed-role/figgy-sandbox/bob`, now],
      ]);
    });

    it('pages with the SDK paginator and answers ParameterNotFound for an unknown name', async () => {
      for (let version = 1; version <= 7; version += 1) await put('/app/counter', String(version), { Overwrite: true });

      const pages: number[][] = [];
      for await (const page of paginateGetParameterHistory({ client: alice, pageSize: 3 }, { Name: '/app/counter' })) {
        pages.push((page.Parameters ?? []).map((version) => version.Version ?? 0));
      }

      expect(pages).to.deep.equal([[1, 2, 3], [4, 5, 6], [7]]);
      expect(await rejection(alice.send(new GetParameterHistoryCommand({ Name: '/app/missing' })))).to.be.instanceOf(
        ParameterNotFound,
      );
    });
  });

  describe('DeleteParameter and DeleteParameters', () => {
    it('deletes a parameter with all its versions and answers ParameterNotFound the second time', async () => {
      await put('/app/a', 'one');
      await put('/app/a', 'two', { Overwrite: true });

      await alice.send(new DeleteParameterCommand({ Name: '/app/a' }));

      expect(await rejection(alice.send(new GetParameterCommand({ Name: '/app/a:1' })))).to.be.instanceOf(
        ParameterNotFound,
      );
      expect(await rejection(alice.send(new DeleteParameterCommand({ Name: '/app/a' })))).to.be.instanceOf(
        ParameterNotFound,
      );
    });

    it('reports which names DeleteParameters deleted and which were invalid', async () => {
      await put('/app/a', 'A');
      await put('/app/b', 'B');

      const result = await alice.send(new DeleteParametersCommand({ Names: ['/app/a', '/app/missing', '/app/b'] }));

      expect(result.DeletedParameters).to.deep.equal(['/app/a', '/app/b']);
      expect(result.InvalidParameters).to.deep.equal(['/app/missing']);
      expect(emulator.snapshot()).to.deep.equal([]);
    });

    it('answers ValidationException for more than 10 names', async () => {
      const names = Array.from({ length: 11 }, (_, index) => `/app/p${index}`);

      expect(await rejection(alice.send(new DeleteParametersCommand({ Names: names })))).to.be.instanceOf(
        ValidationException,
      );
    });
  });

  describe('root-level names', () => {
    it('finds x as /x and /x as x, with one ARN, and refuses to create the other spelling', async () => {
      await put('/x', 'one');
      await put('y', 'two');

      const x = await alice.send(new GetParameterCommand({ Name: 'x' }));
      const y = await alice.send(new GetParameterCommand({ Name: '/y' }));
      const both = await alice.send(new GetParametersCommand({ Names: ['x', '/y'] }));
      const again = await rejection(put('x', 'other'));
      const overwritten = await put('x', 'three', { Overwrite: true });

      expect(x.Parameter).to.include({ Name: '/x', Value: 'one', ARN: arnOf('/x') });
      expect(y.Parameter).to.include({ Name: 'y', Value: 'two', ARN: arnOf('/y') });
      expect(both.Parameters?.map((parameter) => parameter.Value)).to.deep.equal(['one', 'two']);
      expect(again).to.be.instanceOf(ParameterAlreadyExists);
      expect(overwritten.Version).to.equal(2);
      expect(emulator.snapshot().map((parameter) => [parameter.name, parameter.version])).to.deep.equal([
        ['/x', 2],
        ['y', 1],
      ]);
    });

    it('deletes either spelling by the other', async () => {
      await put('/x', 'one');
      await put('y', 'two');

      await alice.send(new DeleteParameterCommand({ Name: 'x' }));
      const result = await alice.send(new DeleteParametersCommand({ Names: ['/y', 'y'] }));

      expect(result).to.deep.include({ DeletedParameters: ['/y'], InvalidParameters: ['y'] });
      expect(emulator.snapshot()).to.deep.equal([]);
    });

    it('lists both spellings under the path / and matches Name and Path filters with either', async () => {
      await put('/x', 'one');
      await put('y', 'two');
      await put('/app/z', 'deep');

      const byPath = await alice.send(new GetParametersByPathCommand({ Path: '/' }));
      const describe = async (filters: ParameterStringFilter[]) =>
        (await alice.send(new DescribeParametersCommand({ ParameterFilters: filters }))).Parameters?.map(
          (parameter) => parameter.Name,
        );

      expect(byPath.Parameters?.map((parameter) => parameter.Name)).to.deep.equal(['/x', 'y']);
      expect(await describe([{ Key: 'Path', Values: ['/'] }])).to.deep.equal(['/x', 'y']);
      expect(await describe([{ Key: 'Name', Values: ['x', '/y'] }])).to.deep.equal(['/x', 'y']);
      expect(await describe([{ Key: 'Name', Option: 'BeginsWith', Values: ['/y'] }])).to.deep.equal(['y']);
      expect(await describe([{ Key: 'Name', Option: 'Contains', Values: ['z'] }])).to.deep.equal(['/app/z']);
    });
  });

  describe('filter validation', () => {
    const describeWith = (filters: ParameterStringFilter[]) =>
      rejection(alice.send(new DescribeParametersCommand({ ParameterFilters: filters })));

    it('reports every constraint of the model at once, in AWS words', async () => {
      const error = await describeWith([
        { Key: 'Name', Values: Array.from({ length: 51 }, (_, index) => `/p${index}`) },
        { Key: 'Type', Option: 'StartsWithSomething', Values: ['x'.repeat(1025)] },
      ]);

      expect(error).to.be.instanceOf(ValidationException);
      expect(error.message).to.match(/^3 validation errors detected: Value '\[\/p0, /);
      expect(error.message).to.include("at 'parameterFilters.1.member.values' failed to satisfy constraint: Member must have length less than or equal to 50");
      expect(error.message).to.include("at 'parameterFilters.2.member.option' failed to satisfy constraint: Member must have length less than or equal to 10");
      expect(error.message).to.include(
        "at 'parameterFilters.2.member.values' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 1024",
      );
    });

    it('refuses the same key twice, an option the key does not take and an unknown tier or type', async () => {
      const twice = await describeWith([
        { Key: 'Name', Values: ['/a'] },
        { Key: 'Name', Values: ['/b'] },
      ]);
      const option = await describeWith([{ Key: 'Type', Option: 'Contains', Values: ['String'] }]);
      const tier = await describeWith([{ Key: 'Tier', Values: ['Premium'] }]);
      const type = await describeWith([{ Key: 'Type', Values: ['Blob'] }]);
      const missing = await describeWith([{ Key: 'Name' }]);

      expect(twice).to.be.instanceOf(InvalidFilterKey);
      expect(twice.message).to.equal(
        'The following filter is duplicated in the request: Name. A request can contain only one occurrence of a specific filter.',
      );
      expect(option).to.be.instanceOf(InvalidFilterOption);
      // SSM's text, which lists its options in this order.
      expect(option.message).to.equal('The following filter option is not valid: Contains. Valid options include: [BeginsWith, Equals].');
      expect(tier).to.be.instanceOf(InvalidFilterValue);
      expect(type).to.be.instanceOf(InvalidFilterValue);
      expect(missing).to.be.instanceOf(InvalidFilterValue);
    });

    it('refuses reserved /aws and /ssm paths and paths of a shape SSM cannot hold', async () => {
      for (const path of ['/aws/service', '/SSM']) {
        const error = await describeWith([{ Key: 'Path', Values: [path] }]);
        expect(error, path).to.be.instanceOf(ValidationException);
        expect(error.message).to.match(/can't be prefixed with "aws" or "ssm"/);
      }
      for (const path of ['app', '/app//db', '/app/bad name', `/${Array.from({ length: 16 }, () => 'l').join('/')}`]) {
        expect(await describeWith([{ Key: 'Path', Values: [path] }]), path).to.be.instanceOf(ValidationException);
      }
      for (const path of ['app', '/app//db']) {
        const error = await rejection(alice.send(new GetParametersByPathCommand({ Path: path })));
        expect(error, path).to.be.instanceOf(ValidationException);
      }
    });

    it('filters Type, Tier, DataType and KeyId with Equals or BeginsWith', async () => {
      await put('/f/plain', 'v');
      await put('/f/secret', 'v', { Type: 'SecureString', KeyId: 'alias/figgy-replication' });
      await put('/f/big', 'v', { Tier: 'Advanced' });
      const names = async (filter: ParameterStringFilter) =>
        (await alice.send(new DescribeParametersCommand({ ParameterFilters: [filter] }))).Parameters?.map(
          (parameter) => parameter.Name,
        );

      expect(await names({ Key: 'Type', Option: 'BeginsWith', Values: ['Secure'] })).to.deep.equal(['/f/secret']);
      expect(await names({ Key: 'Tier', Values: ['Advanced'] })).to.deep.equal(['/f/big']);
      expect(await names({ Key: 'DataType', Option: 'BeginsWith', Values: ['te'] })).to.have.length(3);
      expect(await names({ Key: 'KeyId', Option: 'BeginsWith', Values: ['alias/figgy'] })).to.deep.equal(['/f/secret']);
      expect(await names({ Key: 'KeyId', Values: [`arn:aws:kms:${REGION}:${ACCOUNT}:alias/figgy-replication`] })).to.deep.equal([
        '/f/secret',
      ]);
    });

    it('accepts a KeyId on a String parameter and drops it, as SSM does', async () => {
      await put('/f/plain', 'v', { KeyId: 'alias/figgy-replication' });

      const described = await alice.send(
        new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/f/plain'] }] }),
      );

      expect(described.Parameters?.[0]).to.include({ Type: 'String' }).and.not.have.property('KeyId');
    });
  });

  describe('labels', () => {
    const label = (version: number | undefined, ...labels: string[]) =>
      alice.send(new LabelParameterVersionCommand({ Name: '/app/db', Labels: labels, ParameterVersion: version }));

    beforeEach(async () => {
      await put('/app/db', 'one');
      await put('/app/db', 'two', { Overwrite: true });
    });

    it('attaches labels to a version, moves a label, reads name:label and shows Labels in history', async () => {
      const first = await label(1, 'prod', 'blue');
      const latest = await label(undefined, 'prod');
      const invalid = await label(1, '2024', 'aws-x', 'ok.label');

      const byLabel = await alice.send(new GetParameterCommand({ Name: '/app/db:blue' }));
      const history = await alice.send(new GetParameterHistoryCommand({ Name: '/app/db' }));

      expect(first).to.deep.include({ ParameterVersion: 1, InvalidLabels: [] });
      expect(latest.ParameterVersion).to.equal(2);
      expect(invalid.InvalidLabels).to.deep.equal(['2024', 'aws-x']);
      expect(byLabel.Parameter).to.include({ Value: 'one', Version: 1, Selector: ':blue' });
      expect(history.Parameters?.map((version) => version.Labels)).to.deep.equal([['blue', 'ok.label'], ['prod']]);
    });

    it('lets GetParametersByPath select the labelled version with a Label filter', async () => {
      await put('/app/other', 'unlabelled');
      await label(1, 'prod');

      const result = await alice.send(
        new GetParametersByPathCommand({ Path: '/app', ParameterFilters: [{ Key: 'Label', Values: ['prod'] }] }),
      );
      const wrongOption = await rejection(
        alice.send(
          new GetParametersByPathCommand({
            Path: '/app',
            ParameterFilters: [{ Key: 'Label', Option: 'BeginsWith', Values: ['p'] }],
          }),
        ),
      );

      expect(result.Parameters?.map((parameter) => [parameter.Name, parameter.Value, parameter.Selector])).to.deep.equal([
        ['/app/db', 'one', ':prod'],
      ]);
      expect(wrongOption).to.be.instanceOf(InvalidFilterOption);
    });

    it('unlabels, answering labels the version does not carry as invalid', async () => {
      await label(1, 'prod', 'blue');

      const result = await alice.send(
        new UnlabelParameterVersionCommand({ Name: '/app/db', ParameterVersion: 1, Labels: ['prod', 'green'] }),
      );
      const gone = await rejection(alice.send(new GetParameterCommand({ Name: '/app/db:prod' })));

      expect(result).to.deep.include({ RemovedLabels: ['prod'], InvalidLabels: ['green'] });
      expect(gone).to.be.instanceOf(ParameterVersionNotFound);
    });

    it('allows 10 labels per version and answers ParameterVersionNotFound or ParameterNotFound', async () => {
      await label(1, ...Array.from({ length: 10 }, (_, index) => `l${index}`));

      expect(await rejection(label(1, 'l10'))).to.be.instanceOf(ParameterVersionLabelLimitExceeded);
      expect(await rejection(label(3, 'x'))).to.be.instanceOf(ParameterVersionNotFound);
      expect(
        await rejection(alice.send(new LabelParameterVersionCommand({ Name: '/app/missing', Labels: ['x'] }))),
      ).to.be.instanceOf(ParameterNotFound);
    });

    it('refuses a 101st version while the oldest of 100 carries a label', async () => {
      await label(1, 'keep');
      for (let version = 3; version <= 100; version += 1) await put('/app/db', String(version), { Overwrite: true });

      const error = await rejection(put('/app/db', '101', { Overwrite: true }));
      await alice.send(new UnlabelParameterVersionCommand({ Name: '/app/db', ParameterVersion: 1, Labels: ['keep'] }));
      const next = await put('/app/db', '101', { Overwrite: true });

      expect(error).to.be.instanceOf(ParameterMaxVersionLimitExceeded);
      expect(error.message).to.include("Version 1, the oldest version, can't be deleted because it has a label");
      expect(next.Version).to.equal(101);
    });
  });

  describe('tags', () => {
    const tagsOf = async (name: string) =>
      (await alice.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }))).TagList;

    it('takes tags on a creating put, adds, overwrites and removes them, by either spelling at the root', async () => {
      await put('/app/db', 'v', { Tags: [{ Key: 'team', Value: 'orders' }] });
      await put('root', 'v');

      await alice.send(
        new AddTagsToResourceCommand({
          ResourceType: 'Parameter',
          ResourceId: '/app/db',
          Tags: [
            { Key: 'team', Value: 'billing' },
            { Key: 'env', Value: 'prod' },
          ],
        }),
      );
      await alice.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/root', Tags: [{ Key: 'env', Value: 'dev' }] }));
      await alice.send(
        new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/db', TagKeys: ['env', 'absent'] }),
      );

      expect(await tagsOf('/app/db')).to.deep.equal([{ Key: 'team', Value: 'billing' }]);
      expect(await tagsOf('root')).to.deep.equal([{ Key: 'env', Value: 'dev' }]);
      expect(await rejection(put('/app/db', 'w', { Overwrite: true, Tags: [{ Key: 'a', Value: 'b' }] }))).to.be.instanceOf(
        ValidationException,
      );
    });

    it('filters DescribeParameters by tag, with or without values', async () => {
      await put('/t/a', 'v', { Tags: [{ Key: 'env', Value: 'prod-eu' }] });
      await put('/t/b', 'v', { Tags: [{ Key: 'env', Value: 'dev' }] });
      await put('/t/c', 'v');
      const names = async (filter: ParameterStringFilter) =>
        (await alice.send(new DescribeParametersCommand({ ParameterFilters: [filter] }))).Parameters?.map(
          (parameter) => parameter.Name,
        );

      expect(await names({ Key: 'tag:env', Values: ['dev'] })).to.deep.equal(['/t/b']);
      expect(await names({ Key: 'tag:env', Option: 'BeginsWith', Values: ['prod'] })).to.deep.equal(['/t/a']);
      expect(await names({ Key: 'tag:env' })).to.deep.equal(['/t/a', '/t/b']);
    });

    it('refuses tags outside the model, more than 50, and an unknown resource', async () => {
      const bad = await rejection(put('/t/a', 'v', { Tags: [{ Key: '', Value: 'x' }, { Key: 'ok', Value: 'no!' }] }));
      await put('/t/a', 'v');
      const many = await rejection(
        alice.send(
          new AddTagsToResourceCommand({
            ResourceType: 'Parameter',
            ResourceId: '/t/a',
            Tags: Array.from({ length: 51 }, (_, index) => ({ Key: `k${index}`, Value: 'v' })),
          }),
        ),
      );
      const unknown = await rejection(tagsOf('/t/missing'));

      expect(bad).to.be.instanceOf(ValidationException);
      expect(bad.message).to.match(/^2 validation errors detected: .*'tags\.1\.member\.key'.*'tags\.2\.member\.value'/);
      expect(many.name).to.equal('TooManyTagsError');
      expect(unknown).to.be.instanceOf(InvalidResourceId);
    });
  });

  describe('CloudTrail records', () => {
    it('logs a PutParameter exactly as CloudTrail does', async () => {
      const result = await put('/app/db/url', 'jdbc:postgresql://db/app', {
        Type: 'SecureString',
        KeyId: 'alias/figgy-replication',
        Description: 'JDBC URL of the app database',
        Tier: 'Standard',
      });

      expect(records).to.have.length(1);
      const [detail] = records;
      expect(detail.requestID).to.equal(result.$metadata.requestId);
      expect(detail.eventID).to.match(UUID);
      expect(detail.userAgent).to.match(/aws-sdk-js/);
      expect({
        ...detail,
        userAgent: expectedPutDetail.userAgent,
        requestID: expectedPutDetail.requestID,
        eventID: expectedPutDetail.eventID,
      }).to.deep.equal(expectedPutDetail);
    });

    it('logs a failed call with errorCode and errorMessage and no responseElements', async () => {
      await put('/app/a', 'A');

      await rejection(put('/app/a', 'again'));

      expect(records).to.have.length(2);
      expect(records[1]).to.deep.include({
        eventName: 'PutParameter',
        errorCode: 'ParameterAlreadyExists',
        requestParameters: { name: '/app/a', value: 'HIDDEN_DUE_TO_SECURITY_REASONS', type: 'String' },
        responseElements: null,
      });
      expect(records[1].errorMessage).to.equal(
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
      expect(records[0]).to.not.have.property('errorCode');
    });

    it('logs deletes: DeleteParameter without responseElements, DeleteParameters with deleted and invalid names', async () => {
      await put('/app/a', 'A');
      await put('/app/b', 'B');

      await alice.send(new DeleteParameterCommand({ Name: '/app/a' }));
      await alice.send(new DeleteParametersCommand({ Names: ['/app/b', '/app/missing'] }));

      expect(
        records
          .slice(2)
          .map(({ eventName, requestParameters, responseElements }) => ({
            eventName,
            requestParameters,
            responseElements,
          })),
      ).to.deep.equal([
        { eventName: 'DeleteParameter', requestParameters: { name: '/app/a' }, responseElements: null },
        {
          eventName: 'DeleteParameters',
          requestParameters: { names: ['/app/b', '/app/missing'] },
          responseElements: { invalidParameters: ['/app/missing'], deletedParameters: ['/app/b'] },
        },
      ]);
    });

    it('names the user after the access key and takes the region from the credential scope', async () => {
      const carol = ssmAs('carol', 'us-east-2');

      await put('/app/a', 'A', {}, carol);
      const read = await carol.send(new GetParameterCommand({ Name: '/app/a' }));

      expect(records[0].userIdentity).to.deep.include({
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/figgy-sandbox/carol`,
        accessKeyId: 'carol',
      });
      expect(records[0].userIdentity.principalId).to.match(/^AROA[A-Z2-7]{17}:carol$/);
      expect(records[0].awsRegion).to.equal('us-east-2');
      expect(read.Parameter?.ARN).to.equal(arnOf('/app/a', 'us-east-2'));
    });

    it('logs writes only, each time with second precision', async () => {
      await put('/app/a', 'A');
      await alice.send(new GetParameterCommand({ Name: '/app/a' }));
      await alice.send(new DescribeParametersCommand({}));

      expect(records.map((record) => [record.eventName, record.eventTime])).to.deep.equal([
        ['PutParameter', '2026-11-26T12:00:01Z'],
      ]);
    });

    it('wraps a record in the EventBridge envelope that the shared event parser accepts', async () => {
      await put('/app/a', 'A');
      await put('/app/b', 'B');
      await alice.send(new DeleteParametersCommand({ Names: ['/app/b', '/app/missing'] }));

      const events = records.map(toEventBridgeEvent);

      expect(events[0]).to.deep.include({
        version: '0',
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.ssm',
        account: ACCOUNT,
        time: '2026-11-26T12:00:01Z',
        region: REGION,
        resources: [],
        detail: records[0],
      });
      expect(events[0].id).to.match(UUID);
      expect(parseSsmEvent(events[0])).to.deep.equal([
        {
          eventId: records[0].eventID,
          eventTime: Date.parse('2026-11-26T12:00:01Z'),
          author: { name: 'alice', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/figgy-sandbox/alice` },
          account: ACCOUNT,
          region: REGION,
          kind: 'put',
          action: 'PutParameter',
          name: '/app/a',
          type: 'String',
          keyId: undefined,
          description: undefined,
          version: 1,
        },
      ]);
      expect(parseSsmEvent(events[2]).map((change) => [change.kind, change.name])).to.deep.equal([
        ['delete', '/app/b'],
      ]);
    });

    it('answers the call even when a listener throws, and stops calling a listener that unsubscribed', async () => {
      const quiet = sinon.stub(console, 'error');
      const unsubscribe = emulator.onWrite(() => {
        throw new Error('listener bug');
      });
      try {
        await put('/app/a', 'A');
        unsubscribe();
        await put('/app/b', 'B');
      } finally {
        quiet.restore();
      }

      expect(quiet.callCount).to.equal(1);
      expect(records).to.have.length(2);
    });
  });

  describe('faults', () => {
    it('throttles every SSM call at throttleRate 1 and logs a throttled write without requestParameters', async () => {
      await put('/app/secret', 's3cret', { Type: 'SecureString' });
      const blob = Buffer.from(
        (await alice.send(new GetParameterCommand({ Name: '/app/secret' }))).Parameter?.Value ?? '',
        'base64',
      );
      emulator.setFaults({ throttleRate: 1 });

      const write = await rejection(put('/app/a', 'A'));
      const read = await rejection(alice.send(new GetParameterCommand({ Name: '/app/secret' })));
      const decrypted = await kms.send(
        new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { PARAMETER_ARN: arnOf('/app/secret') } }),
      );

      expect(write).to.be.instanceOf(ThrottlingException).and.have.property('message', 'Rate exceeded');
      expect(read).to.be.instanceOf(ThrottlingException);
      expect(Buffer.from(decrypted.Plaintext ?? []).toString('utf8')).to.equal('s3cret');
      expect(records[1]).to.deep.include({
        eventName: 'PutParameter',
        errorCode: 'ThrottlingException',
        errorMessage: 'Rate exceeded',
        requestParameters: null,
        responseElements: null,
      });
      expect(emulator.snapshot().map((parameter) => parameter.name)).to.deep.equal(['/app/secret']);
    });

    it('throttles exactly the calls whose seeded random draw falls below throttleRate', async () => {
      await put('/app/a', 'A');
      emulator.setFaults({ throttleRate: 0.5, random: 7 });
      const draws = seededRandom(7);

      const outcomes: boolean[] = [];
      for (let call = 0; call < 20; call += 1) {
        const error = await rejection(alice.send(new GetParameterCommand({ Name: '/app/a' })), { allowSuccess: true });
        outcomes.push(error instanceof ThrottlingException);
      }

      const expected = Array.from({ length: 20 }, () => draws() < 0.5);
      expect(outcomes).to.deep.equal(expected);
      expect(outcomes).to.include(true).and.to.include(false);
    });

    it('enforces AWS default quotas when set to true: 3 PutParameter calls a second, 40 reads', async () => {
      emulator.setFaults({ rateLimits: true });

      const writes = await Promise.allSettled(Array.from({ length: 6 }, (_, index) => put(`/app/p${index}`, 'v')));
      const reads = await Promise.allSettled(
        Array.from({ length: 6 }, () => alice.send(new GetParametersByPathCommand({ Path: '/app' }))),
      );

      const throttledWrites = writes.filter((outcome) => outcome.status === 'rejected');
      expect(writes.length - throttledWrites.length).to.equal(3);
      for (const outcome of throttledWrites) {
        expect((outcome as PromiseRejectedResult).reason).to.be.instanceOf(ThrottlingException);
      }
      expect(reads.every((outcome) => outcome.status === 'fulfilled')).to.equal(true);

      // A second later the bucket holds a second's calls again, and no more.
      quotaNow += 1000;
      const later = await Promise.allSettled(Array.from({ length: 4 }, (_, index) => put(`/app/q${index}`, 'v')));
      expect(later.filter((outcome) => outcome.status === 'fulfilled')).to.have.length(3);
    });

    it('shares one read quota between GetParameter, GetParameters and GetParametersByPath, as AWS documents', async () => {
      await put('/app/a', 'A');
      emulator.setFaults({ rateLimits: { read: 2 } });

      await alice.send(new GetParameterCommand({ Name: '/app/a' }));
      await alice.send(new GetParametersCommand({ Names: ['/app/a'] }));
      const byPath = await rejection(alice.send(new GetParametersByPathCommand({ Path: '/app' })));
      const single = await rejection(alice.send(new GetParameterCommand({ Name: '/app/a' })));
      // PutParameter's quota is its own: a busy reader does not stop a writer.
      const written = await put('/app/b', 'B');

      expect(byPath).to.be.instanceOf(ThrottlingException);
      expect(single).to.be.instanceOf(ThrottlingException);
      expect(written.Version).to.equal(1);
    });

    it('limits DescribeParameters, GetParameterHistory and deletes only when told a rate, as AWS documents none', async () => {
      await put('/app/a', 'A');
      emulator.setFaults({ rateLimits: true });
      const calls = () => [
        alice.send(new DescribeParametersCommand({})),
        alice.send(new GetParameterHistoryCommand({ Name: '/app/a' })),
        alice.send(new DeleteParametersCommand({ Names: ['/app/none'] })),
      ];
      const unlimited = await Promise.allSettled(Array.from({ length: 5 }, calls).flat());
      expect(unlimited.every((outcome) => outcome.status === 'fulfilled')).to.equal(true);

      emulator.setFaults({ rateLimits: { describe: 1, history: 1, delete: 1 } });
      // One round, then another: which of two calls sent at once arrives first is not the test's to say.
      const first = await Promise.allSettled(calls());
      const second = await Promise.allSettled(calls());
      expect(first.map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(second.map((outcome) => outcome.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
      const deleteAgain = await rejection(alice.send(new DeleteParameterCommand({ Name: '/app/a' })));
      expect(deleteAgain).to.be.instanceOf(ThrottlingException);
    });

    it('refuses a rate limit that is not a positive number', () => {
      expect(() => emulator.setFaults({ rateLimits: { describe: 0 } })).to.throw(RangeError, /rateLimits.describe/);
    });

    it('counts calls per operation, throttled ones included', async () => {
      await put('/app/a', 'A');
      emulator.setFaults({ throttleRate: 1 });
      await rejection(alice.send(new GetParameterCommand({ Name: '/app/a' })));

      expect(emulator.callCounts()).to.deep.equal({ PutParameter: 1, GetParameter: 1 });
    });
  });

  describe('protocol', () => {
    it('answers UnknownOperationException for an operation it does not implement', async () => {
      const error = await rejection(alice.send(new DescribeInstanceInformationCommand({})));

      expect(error.name).to.equal('UnknownOperationException');
    });

    it('speaks AWS JSON 1.1 to plain HTTP clients too', async () => {
      const response = await fetch(emulator.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
        body: JSON.stringify({ Name: '/app/missing' }),
      });

      expect(response.status).to.equal(400);
      expect(response.headers.get('content-type')).to.equal('application/x-amz-json-1.1');
      expect(await response.json()).to.deep.equal({
        __type: 'ParameterNotFound',
        message: 'Parameter /app/missing not found.',
      });
    });
  });
});

/** The error a call failed with; fails the test if it succeeded, unless `allowSuccess`. */
async function rejection(call: Promise<unknown>, options: { allowSuccess?: boolean } = {}): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  if (options.allowSuccess) return new Error('no error');
  throw new Error('expected the call to fail, but it succeeded');
}
