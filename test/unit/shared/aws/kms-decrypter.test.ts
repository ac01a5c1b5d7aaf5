import { DecryptCommand, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { expect } from 'chai';

import { KmsDecrypter } from '../../../../shared/aws/kms-decrypter.ts';
import { rejectionOf } from '../../../support/rejection.ts';

// Stubbed only while this file's tests run: other tests use the real KMSClient.
let kmsMock: AwsClientStub<KMSClient>;

const PARAMETER_ARN = 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/db/password';
// Not a real KMS blob: the adapter only has to hand KMS these exact bytes.
const CIPHERTEXT = Buffer.from([0x01, 0x02, 0x03, 0xfe, 0xff]);

describe('KmsDecrypter', () => {
  before(() => {
    kmsMock = mockClient(KMSClient);
  });
  after(() => kmsMock.restore());

  let decrypter: KmsDecrypter;

  beforeEach(() => {
    kmsMock.reset();
    decrypter = new KmsDecrypter(new KMSClient({ region: 'eu-west-1' }));
  });

  it('decrypts under the PARAMETER_ARN encryption context SSM encrypted with', async () => {
    kmsMock.on(DecryptCommand).resolves({ Plaintext: new TextEncoder().encode('s3cret') });

    await decrypter.decryptParameter(CIPHERTEXT.toString('base64'), PARAMETER_ARN);

    const input = kmsMock.commandCalls(DecryptCommand)[0]!.args[0].input;
    expect(input.EncryptionContext).to.deep.equal({ PARAMETER_ARN });
    expect(Buffer.from(input.CiphertextBlob!).equals(CIPHERTEXT)).to.equal(true);
    expect(input).to.not.have.property('KeyId');
  });

  it('returns the plaintext as UTF-8', async () => {
    kmsMock.on(DecryptCommand).resolves({ Plaintext: new TextEncoder().encode('pässwörd ✓') });

    expect(await decrypter.decryptParameter(CIPHERTEXT.toString('base64'), PARAMETER_ARN)).to.equal('pässwörd ✓');
  });

  it('refuses a value that is not base64 before calling KMS, naming the parameter', async () => {
    const error = await rejectionOf(decrypter.decryptParameter('plain text, not a ciphertext', PARAMETER_ARN));

    expect(error.message).to.include(PARAMETER_ARN).and.include('not base64');
    expect(kmsMock.calls()).to.have.length(0);
  });

  it('explains a ciphertext KMS rejects, keeping the KMS error as the cause', async () => {
    const rejected = new InvalidCiphertextException({ message: 'invalid', $metadata: {} });
    kmsMock.on(DecryptCommand).rejects(rejected);

    const error = await rejectionOf(decrypter.decryptParameter(CIPHERTEXT.toString('base64'), PARAMETER_ARN));

    expect(error.message).to.include(PARAMETER_ARN).and.include('advanced-tier');
    expect(error.cause).to.equal(rejected);
  });

  it('lets other KMS failures through unchanged', async () => {
    const denied = new Error('User is not authorized to perform kms:Decrypt');
    denied.name = 'AccessDeniedException';
    kmsMock.on(DecryptCommand).rejects(denied);

    expect(await rejectionOf(decrypter.decryptParameter(CIPHERTEXT.toString('base64'), PARAMETER_ARN))).to.equal(
      denied,
    );
  });

  it('fails clearly when KMS answers without a plaintext', async () => {
    kmsMock.on(DecryptCommand).resolves({});

    const error = await rejectionOf(decrypter.decryptParameter(CIPHERTEXT.toString('base64'), PARAMETER_ARN));

    expect(error.message).to.include('no plaintext').and.include(PARAMETER_ARN);
  });
});

