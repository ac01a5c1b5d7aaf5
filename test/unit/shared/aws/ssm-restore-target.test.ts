import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
  TooManyUpdates,
  type DescribeParametersCommandInput,
  type GetParametersCommandInput,
} from '@aws-sdk/client-ssm';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { ParameterArns } from '../../../../shared/aws/parameter-arns.ts';
import { SsmRestoreTarget } from '../../../../shared/aws/ssm-restore-target.ts';

// Stubbed only while this file's tests run: other tests use the real SSMClient.
let ssmMock: AwsClientStub<SSMClient>;
const client = () => new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const throttled = () =>
  new SSMServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: {} });

describe('SSM restore target', () => {
  before(() => {
    ssmMock = mockClient(SSMClient);
  });
  after(() => ssmMock.restore());

  beforeEach(() => ssmMock.reset());

  it('lists the parameters under a path, not those that merely share its text, with decrypted values and keys', async () => {
    ssmMock.on(DescribeParametersCommand).callsFake((input: DescribeParametersCommandInput) => {
      expect(input.ParameterFilters).to.deep.equal([{ Key: 'Name', Option: 'BeginsWith', Values: ['/app'] }]);
      return {
        Parameters: [
          { Name: '/app/db', Type: 'SecureString', KeyId: 'alias/app' },
          { Name: '/application/x', Type: 'String' },
        ],
      };
    });
    ssmMock.on(GetParametersCommand).callsFake((input: GetParametersCommandInput) => {
      expect(input).to.deep.equal({ Names: ['/app/db'], WithDecryption: true });
      return { Parameters: [{ Name: '/app/db', Type: 'SecureString', Value: 'plain', Version: 4, LastModifiedDate: new Date(5000) }] };
    });
    const current = await new SsmRestoreTarget(client()).parametersUnder('/app');
    expect([...current.values()]).to.deep.equal([
      { name: '/app/db', type: 'SecureString', value: 'plain', version: 4, lastModified: 5000, keyId: 'alias/app' },
    ]);
  });

  it('lists every parameter under the root, a root-level one kept without its slash as /name', async () => {
    ssmMock.on(DescribeParametersCommand).callsFake((input: DescribeParametersCommandInput) => {
      expect(input.ParameterFilters).to.equal(undefined);
      return { Parameters: [{ Name: 'legacy', Type: 'String' }, { Name: '/app/a', Type: 'String' }] };
    });
    ssmMock.on(GetParametersCommand).callsFake((input: GetParametersCommandInput) => {
      expect(input.Names).to.deep.equal(['/legacy', '/app/a']);
      return {
        Parameters: [
          { Name: 'legacy', Type: 'String', Value: 'l', Version: 1 },
          { Name: '/app/a', Type: 'String', Value: 'a', Version: 2 },
        ],
      };
    });
    const current = await new SsmRestoreTarget(client()).parametersUnder('/');
    expect([...current.keys()]).to.deep.equal(['/legacy', '/app/a']);
    expect(current.get('/legacy')).to.include({ name: '/legacy', value: 'l' });
  });

  it('reads one version decrypted, and undefined when SSM no longer holds it', async () => {
    ssmMock
      .on(GetParameterCommand, { Name: '/app/db:2', WithDecryption: true })
      .resolves({ Parameter: { Name: '/app/db', Type: 'String', Value: 'two', Version: 2, LastModifiedDate: new Date(1000) } })
      .on(GetParameterCommand, { Name: '/app/db:1', WithDecryption: true })
      .rejects(new ParameterVersionNotFound({ message: 'gone', $metadata: {} }));
    const target = new SsmRestoreTarget(client());
    expect(await target.readVersion('/app/db', 2)).to.deep.equal({ type: 'String', value: 'two', version: 2, lastModified: 1000 });
    expect(await target.readVersion('/app/db', 1)).to.equal(undefined);
  });

  it('writes with Overwrite, the key only for a SecureString, and retries throttling and TooManyUpdates', async () => {
    ssmMock
      .on(PutParameterCommand)
      .rejectsOnce(new TooManyUpdates({ message: 'concurrent updates', $metadata: {} }))
      .rejectsOnce(throttled())
      .resolves({ Version: 9 });
    const target = new SsmRestoreTarget(client(), { retryDelayMs: 1 });
    const version = await target.write({ name: '/app/db', type: 'SecureString', value: 'pw', keyId: 'alias/app', description: 'd' });
    expect(version).to.equal(9);
    expect(ssmMock.commandCalls(PutParameterCommand).at(-1)?.args[0].input).to.deep.equal({
      Name: '/app/db',
      Type: 'SecureString',
      Value: 'pw',
      Overwrite: true,
      KeyId: 'alias/app',
      Description: 'd',
    });
  });

  it('gives up after its retries and passes the throttling on', async () => {
    ssmMock.on(PutParameterCommand).rejects(new TooManyUpdates({ message: 'concurrent updates', $metadata: {} }));
    const target = new SsmRestoreTarget(client(), { retryDelayMs: 1, throttleRetries: 2 });
    const failure = await target.write({ name: '/app/db', type: 'String', value: 'v' }).catch((error: Error) => error);
    expect(failure).to.have.property('name', 'TooManyUpdates');
    expect(ssmMock.commandCalls(PutParameterCommand)).to.have.length(3);
  });

  it('treats deleting a parameter that is already gone as done', async () => {
    ssmMock.on(DeleteParameterCommand).rejects(new ParameterNotFound({ message: 'gone', $metadata: {} }));
    await new SsmRestoreTarget(client()).delete('/app/db');
  });
});

describe('parameter ARNs', () => {
  before(() => {
    ssmMock = mockClient(SSMClient);
  });
  after(() => ssmMock.restore());
  beforeEach(() => ssmMock.reset());

  it("learns the account and region from any parameter's ARN, once", async () => {
    ssmMock.on(DescribeParametersCommand).resolves({
      Parameters: [{ Name: '/x', ARN: 'arn:aws:ssm:eu-west-1:123456789012:parameter/x' }],
    });
    const arns = new ParameterArns(client());
    expect(await arns.of('/app/db/password')).to.equal('arn:aws:ssm:eu-west-1:123456789012:parameter/app/db/password');
    expect(await arns.of('plain-name')).to.equal('arn:aws:ssm:eu-west-1:123456789012:parameter/plain-name');
    expect(ssmMock.commandCalls(DescribeParametersCommand)).to.have.length(1);
  });

  it('builds the ARN from a given account and the client region without asking SSM', async () => {
    const arns = new ParameterArns(client(), { account: '210987654321' });
    expect(await arns.of('/app/db')).to.equal('arn:aws:ssm:eu-west-1:210987654321:parameter/app/db');
    expect(ssmMock.commandCalls(DescribeParametersCommand)).to.have.length(0);
  });

  it('says to pass the account when the account holds no parameter at all', async () => {
    ssmMock.on(DescribeParametersCommand).resolves({ Parameters: [] });
    const failure = await new ParameterArns(client()).of('/app/db').catch((error: Error) => error);
    expect(failure).to.be.instanceOf(Error).with.property('message').that.includes('--account');
  });
});
