/**
 * The sandbox hosting replica targets on the emulator: accounts with credentials, roles for
 * AssumeRole, and targets whose role or key cannot belong to them refused by name.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { expect } from 'chai';
import { hostReplicaTargets } from '../../local/replica-hosting.ts';
import { startSsmEmulator, type SsmEmulator } from '../../local/ssm/index.ts';

const HOME = '123456789012';
const DR = '210987654321';
const HOME_CREDENTIALS = { accessKeyId: 'figgylocal', secretAccessKey: 'figgylocal' };

describe('replica hosting', () => {
  let emulator: SsmEmulator;

  beforeEach(async () => {
    emulator = await startSsmEmulator({ account: HOME, region: 'eu-west-1' });
  });
  afterEach(() => emulator.stop());

  const identity = async (credentials: { accessKeyId: string; secretAccessKey: string }) => {
    const sts = new STSClient({ endpoint: emulator.url, region: 'eu-west-1', credentials });
    try {
      return await sts.send(new GetCallerIdentityCommand({}));
    } finally {
      sts.destroy();
    }
  };

  it('gives credentials acting in each account the targets name, the home account included', async () => {
    const accounts = hostReplicaTargets(
      emulator,
      [
        { region: 'eu-central-1', destinationPrefixes: ['/dr/'] },
        { region: 'us-east-1', accountId: DR, roleArn: `arn:aws:iam::${DR}:role/writer`, destinationPrefixes: ['/dr/'] },
        { region: 'us-west-2', accountId: DR, destinationPrefixes: ['/dr/'] },
      ],
      HOME_CREDENTIALS,
    );

    expect([...accounts.keys()]).to.deep.equal([HOME, DR]);
    expect(accounts.get(HOME)).to.equal(HOME_CREDENTIALS);
    expect((await identity(accounts.get(DR) as typeof HOME_CREDENTIALS)).Account).to.equal(DR);
    expect((await identity(HOME_CREDENTIALS)).Account).to.equal(HOME);
  });

  it('refuses a role or key outside the target, and a region that is not one, naming the member', () => {
    const host = (target: object) =>
      () => hostReplicaTargets(emulator, [{ region: 'us-east-1', destinationPrefixes: ['/dr/'], ...target }], HOME_CREDENTIALS);

    expect(host({ accountId: DR, roleArn: `arn:aws:iam::${HOME}:role/writer` })).to.throw(
      RangeError,
      `replicaTargets[0].roleArn: arn:aws:iam::${HOME}:role/writer is not a role of the target's account ${DR}`,
    );
    expect(host({ kmsKeyArn: `arn:aws:kms:eu-west-1:${HOME}:alias/dr` })).to.throw(
      RangeError,
      /^replicaTargets\[0\]\.kmsKeyArn: .* is not a key ARN of the target's region us-east-1 and account 123456789012$/,
    );
    expect(host({ region: 'Frankfurt' })).to.throw(RangeError, /replicaTargets\[0\]\.region: "Frankfurt" is not a region name/);
    expect(host({ accountId: '42' })).to.throw(RangeError, 'an account id is 12 digits, got "42"');
  });
});
