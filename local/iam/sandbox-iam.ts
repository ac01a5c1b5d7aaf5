/**
 * IAM in the sandbox: the roles whose sessions are held to their policies (the functions',
 * the replica targets'), the KMS keys' policies, and AWS's refusal when a call is not allowed.
 * Every other caller (tests, the CLI, a team's own clients) may do anything, as before.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import {
  assumeRoleRequest,
  authorizationRequest,
  kmsRequest,
  type ActionOnResource,
  type KeyUse,
} from './aws-requests.ts';
import { keyPolicy } from './key-policies.ts';
import { evaluate, type Decision, type PolicyDocument, type RequestPrincipal, type ResourcePolicyRole } from './policy-evaluation.ts';

/** Who a request acts as: a session of a role in an account (see the emulator's principals). */
export interface SessionIdentity {
  readonly account: string;
  readonly roleName: string;
  readonly sessionName: string;
}

/** A role the sandbox holds its sessions to: its policies and, if it may be assumed, its trust policy. */
export interface SandboxRole {
  /** `arn:aws:iam::<account>:role/<name>`. */
  readonly arn: string;
  readonly policies: readonly PolicyDocument[];
  /** Who may assume it (`sts:AssumeRole`); absent: nobody in the sandbox. */
  readonly trustPolicy?: PolicyDocument;
}

/** A refused call: the action and resource, and IAM's reason, worded as AWS words it. */
export class AccessDenied extends Error {
  constructor(
    readonly action: string,
    readonly resource: string,
    readonly principalArn: string,
    readonly decision: Exclude<Decision, { result: 'Allowed' }>,
  ) {
    super(
      `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ` +
        (decision.result === 'ExplicitlyDenied'
          ? `with an explicit deny in a${decision.by === 'identity-based' ? 'n' : ''} ${decision.by} policy`
          : `because no ${decision.missing} policy allows the ${action} action`),
    );
    this.name = 'AccessDeniedException';
  }
}

export interface SandboxIamOptions {
  readonly roles?: readonly SandboxRole[];
  /**
   * Aliases and the key each points to, by ARN: IAM authorizes a key, never its alias. Any
   * other alias points to a key of its own, named after it.
   */
  readonly keyAliases?: Readonly<Record<string, string>>;
}

/** The caller on whose behalf a service (SSM) is using KMS right now, if any. */
interface OnBehalf {
  readonly identity: SessionIdentity;
  readonly viaService: string | undefined;
}

const ALIAS_ARN = /^(arn:[\w-]+:kms:([^:]+):(\d{12})):(alias\/.+)$/;
// Each account's AWS managed key for Parameter Store: its fixed key policy lets every principal
// of the account use it through SSM, so no identity policy needs to grant it.
const AWS_MANAGED_SSM_ALIAS = 'alias/aws/ssm';
// The AWS managed SSM keys named so far (key ARN → region): an alias's key is derived from the
// alias's ARN alone, so every SandboxIam agrees on it.
const managedKeys = new Map<string, string>();

/**
 * The sandbox's IAM: roles by ARN, the key policies, and the checks the emulator, the DynamoDB
 * proxy and the sandbox's dead letters run for each call.
 *
 * @example
 * const iam = new SandboxIam({ roles: [{ arn: roleArn, policies: [functionPolicy(...)] }] });
 * iam.check(identity, [ssmRequest]); // throws AccessDenied when the role's policy does not allow it
 */
export class SandboxIam {
  private readonly roles = new Map<string, SandboxRole>();
  private readonly aliases: Readonly<Record<string, string>>;
  private readonly onBehalf = new AsyncLocalStorage<OnBehalf>();

  constructor(options: SandboxIamOptions = {}) {
    for (const role of options.roles ?? []) this.addRole(role);
    this.aliases = options.keyAliases ?? {};
  }

  /** Holds the role's sessions to its policies from now on. */
  addRole(role: SandboxRole): void {
    this.roles.set(role.arn, role);
  }

  /** The principal IAM sees, or undefined for a caller the sandbox does not hold to IAM. */
  principalOf(identity: SessionIdentity): Extract<RequestPrincipal, { kind: 'role-session' }> | undefined {
    const roleArn = `arn:aws:iam::${identity.account}:role/${identity.roleName}`;
    if (!this.roles.has(roleArn)) return undefined;
    return {
      kind: 'role-session',
      account: identity.account,
      roleArn,
      sessionArn: `arn:aws:sts::${identity.account}:assumed-role/${identity.roleName}/${identity.sessionName}`,
    };
  }

  /**
   * Refuses a call unless the caller's role allows every authorization it needs (and the
   * resource policy, for `sts:AssumeRole` and KMS keys); callers not held to IAM pass.
   *
   * @throws AccessDenied for the first authorization refused.
   */
  check(identity: SessionIdentity, needed: readonly ActionOnResource[]): void {
    const principal = this.principalOf(identity);
    if (!principal) return;
    for (const each of needed) {
      const decision = this.decide(identity, each);
      if (decision.result !== 'Allowed') throw new AccessDenied(each.action, each.resource, principal.sessionArn, decision);
    }
  }

  /** IAM's decision on one authorization for a caller held to IAM (`Allowed` for any other). */
  decide(identity: SessionIdentity, needed: ActionOnResource): Decision {
    const principal = this.principalOf(identity);
    if (!principal) return { result: 'Allowed' };
    const { policy, role } = this.resourcePolicyOf(needed);
    return evaluate({
      principal,
      request: authorizationRequest(principal, needed),
      identityPolicies: (this.roles.get(principal.roleArn) as SandboxRole).policies,
      ...(policy && { resourcePolicy: policy, resourcePolicyRole: role }),
    });
  }

  /**
   * STS AssumeRole: the caller's policy must allow `sts:AssumeRole` on the role, and the
   * role's trust policy must trust the caller (across accounts, both). A role without a trust
   * policy here cannot be assumed by a held caller.
   */
  checkAssumeRole(identity: SessionIdentity, roleArn: string, sessionName: string): void {
    this.check(identity, [assumeRoleRequest(roleArn, sessionName)]);
  }

  /**
   * Runs `work` (an SSM call) as `identity`'s, so that the KMS uses it makes are authorized
   * for that caller with `kms:ViaService` = `viaService` (absent for a direct KMS call).
   */
  onBehalfOf<T>(identity: SessionIdentity, viaService: string | undefined, work: () => T): T {
    return this.onBehalf.run({ identity, viaService }, work);
  }

  /**
   * A key use by the KMS emulator: authorized for the caller `onBehalfOf` names (none: the
   * sandbox itself, e.g. a snapshot, which is not held to IAM).
   *
   * @param keyArn the key or alias ARN the use names; an alias is authorized as its key.
   */
  checkKeyUse(use: Pick<KeyUse, 'action' | 'keyArn' | 'encryptionContext'>): void {
    const current = this.onBehalf.getStore();
    if (!current) return;
    this.check(current.identity, [
      kmsRequest({
        ...use,
        keyArn: this.keyArnOf(use.keyArn),
        callerAccount: current.identity.account,
        ...(current.viaService !== undefined && { viaService: current.viaService }),
      }),
    ]);
  }

  private resourcePolicyOf(needed: ActionOnResource): { policy?: PolicyDocument; role?: ResourcePolicyRole } {
    if (needed.action.toLowerCase() === 'sts:assumerole') {
      const trustPolicy = this.roles.get(needed.resource)?.trustPolicy;
      // A role with no trust policy trusts no one; an empty document says so.
      return { policy: trustPolicy ?? { Statement: [] }, role: 'required' };
    }
    if (needed.action.toLowerCase().startsWith('kms:')) {
      return { policy: keyPolicy(needed.resource, managedKeys.get(needed.resource)), role: 'required' };
    }
    return {};
  }

  /** The key an ARN names: itself, or the key its alias points to. */
  keyArnOf(arn: string): string {
    const alias = ALIAS_ARN.exec(arn);
    if (!alias) return arn;
    const configured = this.aliases[arn];
    if (configured !== undefined) return configured;
    const [, place, region, , name] = alias as unknown as [string, string, string, string, string];
    const hex = createHash('sha256').update(arn).digest('hex');
    const keyArn = `${place}:key/${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
    if (name === AWS_MANAGED_SSM_ALIAS) managedKeys.set(keyArn, region);
    return keyArn;
  }
}
