/**
 * The sandbox as host of disaster-recovery targets: every account the `replicaTargets` name,
 * their roles, and credentials that act in each account.
 */
import type { ReplicaTarget } from '../shared/replication/replica-targets.ts';
import type { SsmEmulator } from './ssm/index.ts';

/** Long-term credentials, as an SDK client's `credentials` option takes them. */
export interface SandboxCredentials {
  /** The emulator knows the account by it; it also names the caller in CloudTrail and the audit log. */
  readonly accessKeyId: string;
  /** Any value: the emulator does not check signatures. */
  readonly secretAccessKey: string;
}

/**
 * Registers with the emulator each target's account (with an access key acting there) and
 * its role. Targets come checked by the construct's own rule (`resolveReplicaTargets`), so a
 * role or key that cannot belong to its target never gets here.
 *
 * Keys need no registering: every key id (`alias/aws/ssm` too) names a key in each region and
 * account, as the emulator's KMS makes one on first use.
 *
 * @returns the credentials of every account the sandbox serves, the home account's included.
 */
export function hostReplicaTargets(
  emulator: SsmEmulator,
  targets: readonly ReplicaTarget[],
  home: SandboxCredentials,
): ReadonlyMap<string, SandboxCredentials> {
  const accounts = new Map<string, SandboxCredentials>([[emulator.account, home]]);
  for (const target of targets) {
    const account = target.accountId ?? emulator.account;
    if (!accounts.has(account)) {
      // The key is the user the audit log and CloudTrail name, so it says whose it is.
      const credentials = { accessKeyId: `sandbox${account}`, secretAccessKey: 'sandbox' };
      emulator.addAccessKey(credentials.accessKeyId, account);
      accounts.set(account, credentials);
    }
    if (target.roleArn !== undefined) emulator.addRole(target.roleArn);
  }
  return accounts;
}
