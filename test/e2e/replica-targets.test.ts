/**
 * The sandbox hosting disaster-recovery targets: one endpoint serves the home region, another
 * region of the home account and a region of another account, reached through
 * `credentialsFor` and through an assumed role; each sees only its own parameters, and only
 * the home region's CloudTrail reaches the functions.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { expect } from 'chai';
import { startSandbox, type CloudTrailDetail, type Sandbox } from '../../local/index.ts';
import { isMigrationMarker } from '../../shared/aws/audit-path-migration.ts';
import { SandboxClients, TestClock } from './support/sandbox-clients.ts';

const DR = '210987654321';
const ROLE = `arn:aws:iam::${DR}:role/figgy-replica-writer`;
// A key ARN, as the construct requires: IAM grants on an alias ARN do not cover the key.
const DR_KEY = `arn:aws:kms:us-east-1:${DR}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

describe('the sandbox hosting replica targets in other regions and accounts', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let clients: SandboxClients;
  const records: CloudTrailDetail[] = [];
  const made: { destroy(): void }[] = [];

  before(async () => {
    sandbox = await startSandbox({
      clock: new TestClock().read,
      replicaTargets: [
        { region: 'eu-central-1', destinationPrefixes: ['/dr/'] },
        { region: 'us-east-1', accountId: DR, roleArn: ROLE, kmsKeyArn: DR_KEY, destinationPrefixes: ['/dr/'] },
      ],
    });
    clients = new SandboxClients(sandbox);
    sandbox.ssm.onWrite((detail) => {
      records.push(detail);
    });
  });
  after(async () => {
    for (const client of made) client.destroy();
    await sandbox?.stop();
  });

  const ssm = (region: string, credentials: Credentials) => {
    const client = new SSMClient({ endpoint: sandbox.endpoints.ssm, region, credentials, maxAttempts: 1 });
    made.push(client);
    return client;
  };
  const put = (client: SSMClient, name: string, value: string, extra: { Type?: 'SecureString'; KeyId?: string } = {}) =>
    client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true, ...extra }));
  const assumeRole = async (roleArn: string): Promise<Credentials> => {
    const sts = new STSClient({
      endpoint: sandbox.endpoints.sts,
      region: sandbox.env.AWS_REGION,
      credentials: sandbox.credentialsFor(sandbox.accountId),
      maxAttempts: 1,
    });
    made.push(sts);
    const { Credentials: issued } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'replicator' }));
    return {
      accessKeyId: issued?.AccessKeyId ?? '',
      secretAccessKey: issued?.SecretAccessKey ?? '',
      sessionToken: issued?.SessionToken ?? '',
    };
  };
  const values = (where: { region?: string; account?: string }) =>
    sandbox.ssm.snapshot(where).map((parameter) => [parameter.name, parameter.value]);

  it('keeps each region and account apart, and gives only the home region to the functions', async () => {
    const home = sandbox.accountId;
    const ireland = ssm('eu-west-1', sandbox.credentialsFor(home));
    const frankfurt = ssm('eu-central-1', sandbox.credentialsFor(home));
    const drAdmin = ssm('us-east-1', sandbox.credentialsFor(DR));
    const replicator = ssm('us-east-1', await assumeRole(ROLE));

    await put(ireland, '/app/db', 'home');
    await put(frankfurt, '/dr/app/db', 'frankfurt');
    await put(drAdmin, '/dr/app/db', 'dr-admin');
    await put(replicator, '/dr/app/secret', 'dr-secret', { Type: 'SecureString', KeyId: DR_KEY });
    await sandbox.settle();

    expect(values({})).to.deep.equal([['/app/db', 'home']]);
    expect(values({ region: 'eu-central-1' })).to.deep.equal([['/dr/app/db', 'frankfurt']]);
    expect(values({ region: 'us-east-1' })).to.deep.equal([]);
    expect(values({ region: 'us-east-1', account: DR })).to.deep.equal([
      ['/dr/app/db', 'dr-admin'],
      ['/dr/app/secret', 'dr-secret'],
    ]);
    expect(sandbox.ssm.snapshot({ region: 'us-east-1', account: DR })[1]).to.include({ type: 'SecureString', keyId: DR_KEY });
    expect(await ireland.send(new GetParameterCommand({ Name: '/dr/app/db' })).catch((error: Error) => error)).to.be.instanceOf(
      ParameterNotFound,
    );

    expect(records.map((record) => [record.awsRegion, record.recipientAccountId, record.userIdentity.arn])).to.deep.equal([
      ['eu-west-1', home, `arn:aws:sts::${home}:assumed-role/figgy-sandbox/figgylocal`],
      ['eu-central-1', home, `arn:aws:sts::${home}:assumed-role/figgy-sandbox/figgylocal`],
      ['us-east-1', DR, `arn:aws:sts::${DR}:assumed-role/figgy-sandbox/sandbox${DR}`],
      ['us-east-1', DR, `arn:aws:sts::${DR}:assumed-role/figgy-replica-writer/replicator`],
    ]);
    // The auditor and the cache manager saw the home region's write and nothing else.
    const audited = (await clients.scan(sandbox.tables.audit)).filter((item) => !isMigrationMarker(item));
    expect(audited.map((item) => item.parameter_name)).to.deep.equal(['/app/db']);
    expect((await clients.scan(sandbox.tables.cache)).map((item) => item.parameter_name)).to.deep.equal(['/app/db']);
    expect(sandbox.deadLetters()).to.deep.equal([]);
  });

  it('refuses a role the targets do not name, and credentials for an account they do not name', async () => {
    const denied = await assumeRole(`arn:aws:iam::${DR}:role/somebody-else`).catch((error: Error) => error);

    expect(denied).to.include({ name: 'AccessDenied' });
    expect(() => sandbox.credentialsFor('999999999999')).to.throw(
      `the sandbox serves accounts ${sandbox.accountId}, ${DR}, not 999999999999`,
    );
  });

  it('points the functions and clients at STS on the same endpoint', () => {
    expect(sandbox.endpoints.sts).to.equal(sandbox.endpoints.ssm);
    expect(sandbox.env.AWS_ENDPOINT_URL_STS).to.equal(sandbox.endpoints.sts);
  });
});
