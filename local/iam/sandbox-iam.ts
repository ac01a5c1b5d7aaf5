/**
 * IAM in the sandbox: the roles whose sessions are held to their policies (the functions',
 * the replica targets'), the KMS keys' policies, and AWS's refusal when a call is not allowed.
 * Every other caller (tests, the CLI, a team's own clients) may do anything, as before.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
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
   * Key ARNs of AWS managed keys for Parameter Store (`alias/aws/ssm`), whose key policy lets
   * every principal of the account use them through SSM. Keys the emulator reports with that
   * alias are known without it.
   */
  readonly awsManagedKeys?: readonly string[];
}

/** The caller on whose behalf a service (SSM) is using KMS right now, if any. */
interface OnBehalf {
  readonly identity: SessionIdentity;
  readonly viaService: string | undefined;
}

// Each account's AWS managed key for Parameter Store: its fixed key policy lets every principal
// of the account use it through SSM, so no identity policy needs to grant it.
const AWS_MANAGED_SSM_ALIAS = 'alias/aws/ssm';

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
  private readonly awsManagedKeys: Set<string>;
  private readonly onBehalf = new AsyncLocalStorage<OnBehalf>();

  constructor(options: SandboxIamOptions = {}) {
    for (const role of options.roles ?? []) this.addRole(role);
    this.awsManagedKeys = new Set(options.awsManagedKeys ?? []);
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
   * @param use the key's ARN (IAM authorizes a key, never the alias it was named by) and the
   *   aliases pointing at it.
   */
  checkKeyUse(use: Pick<KeyUse, 'action' | 'keyArn' | 'encryptionContext'> & { readonly aliases?: readonly string[] }): void {
    const current = this.onBehalf.getStore();
    if (!current) return;
    if (use.aliases?.includes(AWS_MANAGED_SSM_ALIAS)) this.awsManagedKeys.add(use.keyArn);
    this.check(current.identity, [
      kmsRequest({
        action: use.action,
        keyArn: use.keyArn,
        callerAccount: current.identity.account,
        ...(use.encryptionContext && { encryptionContext: use.encryptionContext }),
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
      const managedIn = this.awsManagedKeys.has(needed.resource) ? needed.resource.split(':')[3] : undefined;
      return { policy: keyPolicy(needed.resource, managedIn), role: 'required' };
    }
    return {};
  }
}
