/**
 * The emulator as several regions and accounts on one endpoint, through the real SDK clients:
 * the credential scope picks the region, the access key the account, STS AssumeRole lands in
 * the role's account, and KMS keys, tags and CloudTrail records stay where they were made.
 */
import { DecryptCommand, EncryptCommand, InvalidCiphertextException, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import {
  AddTagsToResourceCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  InvalidKeyId,
  InvalidResourceId,
  ListTagsForResourceCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  type PutParameterCommandInput,
} from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { expect } from 'chai';
import { startSsmEmulator, type CloudTrailDetail, type SsmEmulator } from '../../local/ssm/index.ts';
import { rejectionOf } from '../support/rejection.ts';

const HOME = '123456789012';
const DR = '210987654321';
const ROLE = `arn:aws:iam::${DR}:role/figgy-replica-writer`;
const NOW = new Date('2026-11-26T12:00:00Z');

interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

describe('ssm emulator: regions, accounts, STS and KMS', () => {
  let emulator: SsmEmulator;
  const records: CloudTrailDetail[] = [];
  const clients: { destroy(): void }[] = [];

  const credentials = (accessKeyId: string): AwsCredentialIdentity => ({ accessKeyId, secretAccessKey: 'x' });
  const client = <T extends { destroy(): void }>(made: T): T => {
    clients.push(made);
    return made;
  };
  const ssm = (region: string, as: AwsCredentialIdentity = credentials('alice')) =>
    client(new SSMClient({ endpoint: emulator.url, region, credentials: as, maxAttempts: 1 }));
  const kms = (region: string, as: AwsCredentialIdentity = credentials('alice')) =>
    client(new KMSClient({ endpoint: emulator.url, region, credentials: as, maxAttempts: 1 }));
  const sts = (as: AwsCredentialIdentity = credentials('alice')) =>
    client(new STSClient({ endpoint: emulator.url, region: 'eu-west-1', credentials: as, maxAttempts: 1 }));
  const put = (client: SSMClient, name: string, value: string, extra: Partial<PutParameterCommandInput> = {}) =>
    client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true, ...extra }));
  const names = async (client: SSMClient) =>
    ((await client.send(new DescribeParametersCommand({}))).Parameters ?? []).map((parameter) => parameter.Name);
  const assumeRole = async (roleArn = ROLE): Promise<AwsCredentialIdentity> => {
    const { Credentials } = await sts().send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'replicator' }));
    return {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    };
  };

  before(async () => {
    emulator = await startSsmEmulator({
      region: 'eu-west-1',
      account: HOME,
      accessKeys: { 'dr-admin': DR },
      roles: [ROLE],
      clock: () => NOW,
      // Held still, a quota's token bucket throttles by count alone, however slow the calls.
      quotaClock: () => 0,
    });
    emulator.onWrite((detail) => {
      records.push(detail);
    });
  });
  beforeEach(() => {
    emulator.reset();
    records.length = 0;
  });
  after(async () => {
    for (const made of clients) made.destroy();
    await emulator.stop();
  });

  describe('regions', () => {
    it('counts calls in all, or in one region and account', async () => {
      await put(ssm('eu-west-1'), '/app/a', 'x');
      await put(ssm('us-east-1'), '/app/a', 'x');
      await ssm('us-east-1').send(new GetParameterCommand({ Name: '/app/a' }));
      await put(ssm('us-east-1', credentials('dr-admin')), '/app/a', 'x');
      expect(emulator.callCounts()).to.deep.equal({ PutParameter: 3, GetParameter: 1 });
      expect(emulator.callCounts({})).to.deep.equal({ PutParameter: 1 });
      expect(emulator.callCounts({ region: 'us-east-1' })).to.deep.equal({ PutParameter: 1, GetParameter: 1 });
      expect(emulator.callCounts({ region: 'us-east-1', account: DR })).to.deep.equal({ PutParameter: 1 });
    });

    it('serves each region its own parameters, by the region of the credential scope', async () => {
      const ireland = ssm('eu-west-1');
      const virginia = ssm('us-east-1');

      await put(ireland, '/app/db', 'ireland');
      await put(virginia, '/app/db', 'virginia', { Type: 'StringList' });
      await put(virginia, '/app/only-here', 'v');

      expect((await ireland.send(new GetParameterCommand({ Name: '/app/db' }))).Parameter).to.include({
        Value: 'ireland',
        Type: 'String',
        ARN: `arn:aws:ssm:eu-west-1:${HOME}:parameter/app/db`,
      });
      expect((await virginia.send(new GetParameterCommand({ Name: '/app/db' }))).Parameter).to.include({
        Value: 'virginia',
        ARN: `arn:aws:ssm:us-east-1:${HOME}:parameter/app/db`,
      });
      expect(await rejectionOf(ireland.send(new GetParameterCommand({ Name: '/app/only-here' })))).to.be.instanceOf(
        ParameterNotFound,
      );
      expect(await names(ireland)).to.deep.equal(['/app/db']);
      expect(emulator.snapshot().map((parameter) => parameter.value)).to.deep.equal(['ireland']);
      expect(emulator.snapshot({ region: 'us-east-1' }).map((parameter) => parameter.name)).to.deep.equal([
        '/app/db',
        '/app/only-here',
      ]);
    });

    it('keeps tags per region: the same name elsewhere is another resource', async () => {
      const ireland = ssm('eu-west-1');
      const frankfurt = ssm('eu-central-1');
      await put(ireland, '/app/db', 'v');
      await ireland.send(
        new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/db', Tags: [{ Key: 'team', Value: 'a' }] }),
      );

      const missing = await rejectionOf(
        frankfurt.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/db' })),
      );
      await put(frankfurt, '/app/db', 'v', { Overwrite: false, Tags: [{ Key: 'team', Value: 'b' }] });
      const tagsOf = async (client: SSMClient) =>
        (await client.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/db' }))).TagList;

      expect(missing).to.be.instanceOf(InvalidResourceId);
      expect(await tagsOf(ireland)).to.deep.equal([{ Key: 'team', Value: 'a' }]);
      expect(await tagsOf(frankfurt)).to.deep.equal([{ Key: 'team', Value: 'b' }]);
    });

    it('logs each write in CloudTrail in the region and account where it was made', async () => {
      await put(ssm('eu-west-1'), '/app/a', 'v');
      await put(ssm('us-east-1', credentials('dr-admin')), '/app/b', 'v');

      expect(records.map((record) => [record.awsRegion, record.recipientAccountId, record.userIdentity.accountId])).to.deep.equal([
        ['eu-west-1', HOME, HOME],
        ['us-east-1', DR, DR],
      ]);
    });
  });

  describe('accounts', () => {
    it('acts in the account its access key is registered for, and in the home account for any other key', async () => {
      const home = ssm('eu-west-1', credentials('somebody'));
      const dr = ssm('eu-west-1', credentials('dr-admin'));

      await put(home, '/app/db', 'home');
      await put(dr, '/app/db', 'dr');
      const described = (await dr.send(new DescribeParametersCommand({}))).Parameters?.[0];

      expect((await home.send(new GetParameterCommand({ Name: '/app/db' }))).Parameter?.Value).to.equal('home');
      expect(described).to.include({
        ARN: `arn:aws:ssm:eu-west-1:${DR}:parameter/app/db`,
        LastModifiedUser: `arn:aws:sts::${DR}:assumed-role/figgy-sandbox/dr-admin`,
      });
      expect(emulator.snapshot({ account: DR }).map((parameter) => parameter.value)).to.deep.equal(['dr']);
    });

    it('answers GetCallerIdentity with the account and session a key acts as', async () => {
      const home = await sts(credentials('alice')).send(new GetCallerIdentityCommand({}));
      const dr = await sts(credentials('dr-admin')).send(new GetCallerIdentityCommand({}));

      expect(home).to.include({ Account: HOME, Arn: `arn:aws:sts::${HOME}:assumed-role/figgy-sandbox/alice` });
      expect(home.UserId).to.match(/^AROA[A-Z2-7]{17}:alice$/);
      expect(dr).to.include({ Account: DR, Arn: `arn:aws:sts::${DR}:assumed-role/figgy-sandbox/dr-admin` });
    });
  });

  describe('STS AssumeRole', () => {
    it('returns temporary credentials that act as the role, in its account', async () => {
      const response = await sts().send(
        new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'replicator', DurationSeconds: 900 }),
      );
      const assumed = {
        accessKeyId: response.Credentials?.AccessKeyId ?? '',
        secretAccessKey: response.Credentials?.SecretAccessKey ?? '',
        sessionToken: response.Credentials?.SessionToken ?? '',
      };

      await put(ssm('eu-central-1', assumed), '/dr/db', 'copy');
      const identity = await sts(assumed).send(new GetCallerIdentityCommand({}));

      expect(response.AssumedRoleUser?.Arn).to.equal(`arn:aws:sts::${DR}:assumed-role/figgy-replica-writer/replicator`);
      expect(response.AssumedRoleUser?.AssumedRoleId).to.match(/^AROA[A-Z2-7]{17}:replicator$/);
      expect(response.Credentials?.AccessKeyId).to.match(/^ASIA[A-Z2-7]{16}$/);
      expect(response.Credentials?.Expiration).to.deep.equal(new Date('2026-11-26T12:15:00Z'));
      expect(identity).to.include({ Account: DR, Arn: response.AssumedRoleUser?.Arn });
      expect(emulator.snapshot({ region: 'eu-central-1', account: DR }).map((parameter) => parameter.value)).to.deep.equal([
        'copy',
      ]);
      expect(emulator.snapshot({ region: 'eu-central-1' })).to.deep.equal([]);
      expect(records[0]).to.deep.include({ awsRegion: 'eu-central-1', recipientAccountId: DR });
      expect(records[0].userIdentity).to.deep.include({
        arn: `arn:aws:sts::${DR}:assumed-role/figgy-replica-writer/replicator`,
        accountId: DR,
        accessKeyId: assumed.accessKeyId,
      });
      expect(records[0].userIdentity.sessionContext.sessionIssuer).to.include({
        arn: ROLE,
        accountId: DR,
        userName: 'figgy-replica-writer',
      });
    });

    it('answers AccessDenied (403) for a role that does not exist, as STS words it', async () => {
      const error = await rejectionOf(
        sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${DR}:role/nobody`, RoleSessionName: 'replicator' })),
      );

      expect(error).to.be.instanceOf(STSServiceException);
      expect(error).to.include({
        name: 'AccessDenied',
        message: `User: arn:aws:sts::${HOME}:assumed-role/figgy-sandbox/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${DR}:role/nobody`,
      });
      expect((error as STSServiceException).$metadata.httpStatusCode).to.equal(403);
    });

    it('answers ValidationError for members outside the API constraints and for more than the role allows', async () => {
      const short = await rejectionOf(sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x' })));
      const long = await rejectionOf(
        sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'replicator', DurationSeconds: 7200 })),
      );

      expect(short).to.include({
        name: 'ValidationError',
        message:
          "1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
      });
      expect(long).to.include({
        name: 'ValidationError',
        message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      });
    });

    it('lets a role added later be assumed', async () => {
      const later = `arn:aws:iam::${DR}:role/added-later`;
      emulator.addRole(later);

      const identity = await sts(await assumeRole(later)).send(new GetCallerIdentityCommand({}));

      expect(identity.Arn).to.equal(`arn:aws:sts::${DR}:assumed-role/added-later/replicator`);
    });
  });

  describe('KMS keys per region and account', () => {
    const ciphertextOf = async (client: SSMClient, name: string) =>
      Buffer.from((await client.send(new GetParameterCommand({ Name: name }))).Parameter?.Value ?? '', 'base64');

    it("encrypts a SecureString with its own region's and account's key, which no other region decrypts", async () => {
      const ireland = ssm('eu-west-1');
      const dr = ssm('eu-west-1', await assumeRole());
      await put(ireland, '/app/secret', 's3cret', { Type: 'SecureString' });
      await put(dr, '/app/secret', 'dr-s3cret', { Type: 'SecureString' });
      const blob = await ciphertextOf(ireland, '/app/secret');
      const context = { PARAMETER_ARN: `arn:aws:ssm:eu-west-1:${HOME}:parameter/app/secret` };

      const decrypted = await kms('eu-west-1').send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }));
      const elsewhere = await rejectionOf(kms('us-east-1').send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context })));
      const otherAccount = await rejectionOf(
        kms('eu-west-1', credentials('dr-admin')).send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context })),
      );

      expect(decrypted.KeyId).to.match(new RegExp(`^arn:aws:kms:eu-west-1:${HOME}:key/`));
      expect(Buffer.from(decrypted.Plaintext ?? []).toString()).to.equal('s3cret');
      expect(elsewhere).to.be.instanceOf(InvalidCiphertextException);
      expect(otherAccount).to.have.property('name', 'AccessDeniedException');
      expect(emulator.snapshot({ account: DR })[0]).to.include({ value: 'dr-s3cret', keyId: 'alias/aws/ssm' });
    });

    it('refuses a SecureString key of another region or account, as InvalidKeyId', async () => {
      const ireland = ssm('eu-west-1');
      const ownKey = `arn:aws:kms:eu-west-1:${HOME}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

      await put(ireland, '/app/own', 'v', { Type: 'SecureString', KeyId: ownKey });
      const otherRegion = await rejectionOf(
        put(ireland, '/app/s', 'v', { Type: 'SecureString', KeyId: `arn:aws:kms:us-east-1:${HOME}:alias/aws/ssm` }),
      );
      const otherAccount = await rejectionOf(
        put(ireland, '/app/s', 'v', { Type: 'SecureString', KeyId: `arn:aws:kms:eu-west-1:${DR}:alias/figgy-dr` }),
      );

      expect(emulator.snapshot()[0]).to.include({ name: '/app/own', value: 'v', keyId: ownKey });
      expect(otherRegion).to.be.instanceOf(InvalidKeyId);
      expect(otherRegion.message).to.match(/^The query key ID isn't valid: .* is a key of us-east-1/);
      expect(otherAccount).to.be.instanceOf(InvalidKeyId);
      expect(emulator.snapshot().map((parameter) => parameter.name)).to.deep.equal(['/app/own']);
    });

    it('encrypts with KMS only under a key of the caller region and account', async () => {
      const plaintext = Buffer.from('x');
      const encrypted = await kms('eu-central-1').send(new EncryptCommand({ KeyId: 'alias/figgy-dr', Plaintext: plaintext }));
      const otherRegion = await rejectionOf(
        kms('eu-central-1').send(new EncryptCommand({ KeyId: `arn:aws:kms:eu-west-1:${HOME}:alias/figgy-dr`, Plaintext: plaintext })),
      );
      const otherAccount = await rejectionOf(
        kms('eu-central-1').send(new EncryptCommand({ KeyId: `arn:aws:kms:eu-central-1:${DR}:alias/figgy-dr`, Plaintext: plaintext })),
      );

      expect(encrypted.KeyId).to.match(new RegExp(`^arn:aws:kms:eu-central-1:${HOME}:key/`));
      expect(otherRegion).to.be.instanceOf(NotFoundException);
      expect(otherAccount).to.have.property('name', 'AccessDeniedException');
    });
  });

  describe('throttling', () => {
    afterEach(() => emulator.setFaults({ throttleRate: 0, throttleRegions: null, rateLimits: false }));

    it('throttles only the regions it is told to, so a target region can be made to struggle alone', async () => {
      emulator.setFaults({ throttleRate: 1, throttleRegions: ['eu-central-1'] });
      await put(ssm('eu-west-1'), '/app/home', 'fine');
      const throttled = await rejectionOf(put(ssm('eu-central-1'), '/dr/app/home', 'not now'));
      expect(throttled).to.have.property('name', 'ThrottlingException');
    });

    it('keeps a token bucket per region and account, as SSM limits each on its own', async () => {
      emulator.setFaults({ rateLimits: { write: 1 } });
      await put(ssm('eu-west-1'), '/app/a', '1');
      await put(ssm('eu-central-1'), '/app/a', '1');
      await put(ssm('eu-west-1', credentials('dr-admin')), '/app/a', '1');
      const second = await rejectionOf(put(ssm('eu-west-1'), '/app/b', '2'));
      expect(second).to.have.property('name', 'ThrottlingException');
    });
  });
});
