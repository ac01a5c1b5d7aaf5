import { DescribeKeyCommand, KMSClient, KMSServiceException, NotFoundException } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { KmsKeyArns } from '../../../../shared/aws/kms-key-arns.ts';
import { rejectionOf } from '../../../support/rejection.ts';

const KEY_ARN = 'arn:aws:kms:eu-central-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('KmsKeyArns', () => {
  const kms = new KMSClient({ region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const mock = mockClient(kms);
  afterEach(() => mock.reset());
  after(() => mock.restore());

  it('names a key by its ARN whatever it was given as, asking KMS once per name', async () => {
    mock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', Arn: KEY_ARN } });
    const keys = new KmsKeyArns(() => kms);
    for (const name of ['alias/dr', 'alias/dr', '1234abcd-12ab-34cd-56ef-1234567890ab', KEY_ARN]) {
      expect(await keys.arnOf(name)).to.equal(KEY_ARN);
    }
    expect(mock.commandCalls(DescribeKeyCommand).map((call) => call.args[0].input.KeyId)).to.deep.equal([
      'alias/dr',
      '1234abcd-12ab-34cd-56ef-1234567890ab',
      KEY_ARN,
    ]);
  });

  it('gives back a key KMS does not know yet as it was given, and asks again next time', async () => {
    mock.on(DescribeKeyCommand).rejects(new NotFoundException({ message: 'Alias arn:aws:kms:eu-central-1:210987654321:alias/aws/ssm is not found.', $metadata: {} }));
    const keys = new KmsKeyArns(() => kms);
    expect(await keys.arnOf('alias/aws/ssm')).to.equal('alias/aws/ssm');
    expect(await keys.arnOf('alias/aws/ssm')).to.equal('alias/aws/ssm');
    expect(mock.commandCalls(DescribeKeyCommand)).to.have.length(2);
  });

  it('lets a refusal through, and is not left holding it', async () => {
    const denied = new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized to perform: kms:DescribeKey', $metadata: {} });
    mock.on(DescribeKeyCommand).rejectsOnce(denied).resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN } });
    const keys = new KmsKeyArns(() => kms);
    expect(await rejectionOf(keys.arnOf('alias/dr'))).to.have.property('name', 'AccessDeniedException');
    expect(await keys.arnOf('alias/dr')).to.equal(KEY_ARN);
  });
});
