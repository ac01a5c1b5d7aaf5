/**
 * The sandbox as host of disaster-recovery targets: every account the `replicaTargets` name,
 * their roles, and credentials that act in each account.
 */
import type { ReplicaTarget } from '../shared/replication/replica-targets.ts';
import { keyLocation } from './ssm/kms.ts';
import type { SsmEmulator } from './ssm/index.ts';

/** Long-term credentials, as an SDK client's `credentials` option takes them. */
export interface SandboxCredentials {
  /** The emulator knows the account by it; it also names the caller in CloudTrail and the audit log. */
  readonly accessKeyId: string;
  /** Any value: the emulator does not check signatures. */
  readonly secretAccessKey: string;
}

const ROLE_ACCOUNT = /^arn:aws[\w-]*:iam::(\d{12}):role\//;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * Registers with the emulator each target's account (with an access key acting there) and
 * its role, after checking that the role and key belong to the target's account and region.
 *
 * Keys need no registering: every key id (`alias/aws/ssm` too) names a key in each region and
 * account, as the emulator's KMS makes one on first use.
 *
 * @throws RangeError naming the target and the member that does not fit it.
 * @returns the credentials of every account the sandbox serves, the home account's included.
 */
export function hostReplicaTargets(
  emulator: SsmEmulator,
  targets: readonly ReplicaTarget[],
  home: SandboxCredentials,
): ReadonlyMap<string, SandboxCredentials> {
  const accounts = new Map<string, SandboxCredentials>([[emulator.account, home]]);
  targets.forEach((target, index) => {
    const where = `replicaTargets[${index}]`;
    const account = target.accountId ?? emulator.account;
    if (!REGION.test(target.region)) throw new RangeError(`${where}.region: "${target.region}" is not a region name such as eu-west-1`);
    if (!accounts.has(account)) {
      // The key is the user the audit log and CloudTrail name, so it says whose it is.
      const credentials = { accessKeyId: `sandbox${account}`, secretAccessKey: 'sandbox' };
      emulator.addAccessKey(credentials.accessKeyId, account);
      accounts.set(account, credentials);
    }
    if (target.roleArn !== undefined) {
      const roleAccount = ROLE_ACCOUNT.exec(target.roleArn)?.[1];
      if (roleAccount !== account) {
        throw new RangeError(`${where}.roleArn: ${target.roleArn} is not a role of the target's account ${account}`);
      }
      emulator.addRole(target.roleArn);
    }
    if (target.kmsKeyArn !== undefined) {
      const key = keyLocation(target.kmsKeyArn);
      if (key.region !== target.region || key.account !== account) {
        throw new RangeError(
          `${where}.kmsKeyArn: ${target.kmsKeyArn} is not a key ARN of the target's region ${target.region} and account ${account}`,
        );
      }
    }
  });
  return accounts;
}
