import { DescribeKeyCommand, EncryptCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import {
  DescribeParametersCommand,
  GetParameterHistoryCommand,
  PutParameterCommand,
  SSMClient,
  type PutParameterCommandInput,
} from '@aws-sdk/client-ssm';
import { expect } from 'chai';
import { KEY_ID_FORMS, startSsmEmulator, type SsmEmulator } from '../../local/ssm/index.ts';

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';
const REGION = 'eu-west-1';
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('ssm emulator: one KMS key, four names', () => {
  let emulator: SsmEmulator;
  let ssm: SSMClient;
  let kms: KMSClient;
  const credentials = { accessKeyId: 'alice', secretAccessKey: 'x' };

  const put = (name: string, extra: Partial<PutParameterCommandInput> = {}) =>
    ssm.send(new PutParameterCommand({ Name: name, Value: 's3cret', Type: 'SecureString', ...extra }));
  const describeKey = async (keyId: string) => (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  const reportedKeyIds = async (): Promise<Record<string, string | undefined>> => {
    const { Parameters = [] } = await ssm.send(new DescribeParametersCommand({}));
    return Object.fromEntries(Parameters.map((parameter) => [parameter.Name, parameter.KeyId]));
  };

  before(async () => {
    emulator = await startSsmEmulator({ region: REGION, accessKeys: { bob: OTHER_ACCOUNT } });
    ssm = new SSMClient({ endpoint: emulator.url, region: REGION, credentials, maxAttempts: 1 });
    kms = new KMSClient({ endpoint: emulator.url, region: REGION, credentials, maxAttempts: 1 });
  });

  afterEach(() => {
    emulator.reset();
    emulator.setFaults({ keyIdForm: 'as-written' });
  });

  after(async () => {
    ssm.destroy();
    kms.destroy();
    await emulator.stop();
  });

  describe('KMS DescribeKey', () => {
    it('describes the AWS managed key by alias name, alias ARN, key id and key ARN alike', async () => {
      const byAlias = await describeKey('alias/aws/ssm');
      expect(byAlias?.KeyId).to.match(KEY_ID);
      expect(byAlias).to.deep.include({
        Arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${byAlias?.KeyId}`,
        AWSAccountId: ACCOUNT,
        KeyManager: 'AWS',
        KeyState: 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        Enabled: true,
      });

      for (const name of [`arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/ssm`, byAlias?.KeyId ?? '', byAlias?.Arn ?? '']) {
        const described = await describeKey(name);
        expect(described, name).to.deep.include({ KeyId: byAlias?.KeyId, Arn: byAlias?.Arn });
      }
    });

    it('tells customer managed keys apart from the AWS managed one, and a key named by id is that id', async () => {
      const replication = await describeKey('alias/figgy-replication');
      const byId = await describeKey('1234abcd-12ab-34cd-56ef-1234567890ab');

      expect(replication).to.include({ KeyManager: 'CUSTOMER' });
      expect(replication?.KeyId).to.not.equal((await describeKey('alias/aws/ssm'))?.KeyId);
      expect(byId).to.include({
        KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        Arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      });
    });

    it('gives each region and account its own key behind one alias, and does not describe a key of another region', async () => {
      const other = new KMSClient({ endpoint: emulator.url, region: 'us-east-1', credentials, maxAttempts: 1 });
      const bob = new KMSClient({
        endpoint: emulator.url,
        region: REGION,
        credentials: { accessKeyId: 'bob', secretAccessKey: 'x' },
        maxAttempts: 1,
      });
      try {
        const home = await describeKey('alias/aws/ssm');
        const virginia = (await other.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ssm' }))).KeyMetadata;
        const bobs = (await bob.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ssm' }))).KeyMetadata;
        const elsewhere = await other.send(new DescribeKeyCommand({ KeyId: home?.Arn })).catch((error: unknown) => error);

        expect(virginia?.Arn).to.match(/^arn:aws:kms:us-east-1:123456789012:key\//);
        expect(bobs?.Arn).to.match(/^arn:aws:kms:eu-west-1:210987654321:key\//);
        expect(new Set([home?.KeyId, virginia?.KeyId, bobs?.KeyId]).size).to.equal(3);
        expect(elsewhere).to.be.instanceOf(NotFoundException);
      } finally {
        other.destroy();
        bob.destroy();
      }
    });

    it('answers Encrypt with the key ARN behind an alias, as KMS does', async () => {
      const encrypted = await kms.send(new EncryptCommand({ KeyId: 'alias/figgy-replication', Plaintext: Buffer.from('x') }));
      expect(encrypted.KeyId).to.equal((await describeKey('alias/figgy-replication'))?.Arn);
    });

    it('keeps key ids across restarts with the same master key', async () => {
      const masterKey = Buffer.alloc(32, 7);
      const first = await startSsmEmulator({ masterKey });
      const second = await startSsmEmulator({ masterKey });
      const idIn = async (running: SsmEmulator) => {
        const client = new KMSClient({ endpoint: running.url, region: REGION, credentials, maxAttempts: 1 });
        try {
          return (await client.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ssm' }))).KeyMetadata?.KeyId;
        } finally {
          client.destroy();
          await running.stop();
        }
      };
      expect(await idIn(first)).to.equal(await idIn(second));
    });
  });

  describe('keyIdForm: the KeyId DescribeParameters reports', () => {
    it('reports the KeyId as PutParameter was given it by default, alias/aws/ssm when none was', async () => {
      const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
      await put('/app/default');
      await put('/app/by-alias-arn', { KeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/figgy-replication` });
      await put('/app/by-key-arn', { KeyId: keyArn });

      expect(await reportedKeyIds()).to.deep.equal({
        '/app/by-alias-arn': `arn:aws:kms:${REGION}:${ACCOUNT}:alias/figgy-replication`,
        '/app/by-key-arn': keyArn,
        '/app/default': 'alias/aws/ssm',
      });
    });

    it('reports each form on demand, every one naming the key DescribeKey names', async () => {
      await put('/app/default');
      await put('/app/replica', { KeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/figgy-replication` });
      await put('/app/by-id', { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' });
      const managed = await describeKey('alias/aws/ssm');
      const replication = await describeKey('alias/figgy-replication');

      const reported: Record<string, Record<string, string | undefined>> = {};
      for (const form of KEY_ID_FORMS) {
        emulator.setFaults({ keyIdForm: form });
        reported[form] = await reportedKeyIds();
      }

      expect(reported.alias).to.deep.equal({
        '/app/by-id': '1234abcd-12ab-34cd-56ef-1234567890ab',
        '/app/default': 'alias/aws/ssm',
        '/app/replica': 'alias/figgy-replication',
      });
      expect(reported['key-id']).to.deep.equal({
        '/app/by-id': '1234abcd-12ab-34cd-56ef-1234567890ab',
        '/app/default': managed?.KeyId,
        '/app/replica': replication?.KeyId,
      });
      expect(reported.arn).to.deep.equal({
        '/app/by-id': `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        '/app/default': managed?.Arn,
        '/app/replica': replication?.Arn,
      });
      for (const form of KEY_ID_FORMS) {
        for (const [name, keyId] of Object.entries(reported[form] ?? {})) {
          const described = await describeKey(keyId ?? '');
          const expected = await describeKey((reported['as-written'] ?? {})[name] ?? '');
          expect(described?.Arn, `${form} ${name}`).to.equal(expected?.Arn);
        }
      }
    });

    it('reports GetParameterHistory KeyIds in the same form, and only for SecureStrings', async () => {
      await put('/app/secret');
      await put('/app/secret', { Overwrite: true, Type: 'String', Value: 'plain' });
      emulator.setFaults({ keyIdForm: 'arn' });

      const { Parameters = [] } = await ssm.send(new GetParameterHistoryCommand({ Name: '/app/secret' }));

      expect(Parameters.map((version) => version.KeyId)).to.deep.equal([(await describeKey('alias/aws/ssm'))?.Arn, undefined]);
    });

    it('takes keyIdForm as an option and refuses a form it does not know', async () => {
      const running = await startSsmEmulator({ keyIdForm: 'key-id' });
      await running.stop();
      expect(() => emulator.setFaults({ keyIdForm: 'name' as never, throttleRate: 1 })).to.throw(RangeError, /keyIdForm/);
      // Nothing half-applied: the refused call changed no fault either.
      await put('/app/still-fine');
    });
  });
});
