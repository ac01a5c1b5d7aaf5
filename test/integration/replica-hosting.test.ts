/**
 * The sandbox hosting replica targets on the emulator: accounts with credentials and roles
 * for AssumeRole. (Targets are checked before, by the construct's rule: see
 * test/infra/replica-targets.test.ts.)
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
});
