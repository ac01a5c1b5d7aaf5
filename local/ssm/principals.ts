/**
 * Who a request acts as, by its access key id: the home account's sandbox role unless the key
 * was registered for another account or issued by AssumeRole.
 *
 * The emulator checks no signatures, so an access key id is all that tells callers apart: a
 * registry maps known keys to their account, and every other key acts in the home account as
 * a session of the sandbox role named after the key, which is what lets a test become another
 * user just by using another key.
 */
import { randomBytes } from 'node:crypto';

/** The identity a request acts as. */
export interface Principal {
  /** The account the request acts in. */
  readonly account: string;
  /** The role whose session the request is: its policies, where the sandbox enforces IAM. */
  readonly roleName: string;
  /** The role session name, shown in the caller's ARN and in CloudTrail. */
  readonly sessionName: string;
}

/** Temporary credentials, as AssumeRole returns them. */
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** An IAM role, as AssumeRole needs it. */
export interface Role {
  readonly account: string;
  readonly name: string;
  readonly arn: string;
}

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const ACCOUNT_ID = /^\d{12}$/;
// Temporary keys start with ASIA, long-term ones with AKIA; 16 characters follow.
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The access keys, accounts and roles the emulator knows.
 *
 * @example
 * const principals = new Principals({ account: '123456789012', roleName: 'figgy-sandbox' });
 * principals.addAccessKey('dr-admin', '210987654321');
 * principals.principalOf('dr-admin').account; // '210987654321'
 * principals.principalOf('alice').account;    // '123456789012': unknown keys act at home
 */
export class Principals {
  private readonly keys = new Map<string, Principal>();
  private readonly roles = new Map<string, Role>();

  constructor(private readonly home: { readonly account: string; readonly roleName: string }) {
    requireAccountId(home.account);
  }

  /**
   * Makes `accessKeyId` act in `account`, as a session named after the key of `roleName`
   * (by default the sandbox role).
   *
   * @throws RangeError when `account` is not a 12-digit account id.
   */
  addAccessKey(accessKeyId: string, account: string, roleName = this.home.roleName): void {
    requireAccountId(account);
    this.keys.set(accessKeyId, { account, roleName, sessionName: accessKeyId });
  }

  /**
   * Creates a role AssumeRole may assume, from its ARN (`arn:aws:iam::<account>:role/<name>`).
   *
   * @throws RangeError when `roleArn` is not an IAM role ARN.
   */
  addRole(roleArn: string): Role {
    const parsed = ROLE_ARN.exec(roleArn);
    if (!parsed) throw new RangeError(`${roleArn} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)`);
    const role = { account: parsed[1], name: parsed[2], arn: roleArn };
    this.roles.set(roleArn, role);
    return role;
  }

  /** The role with this ARN, if one was added. */
  role(roleArn: string): Role | undefined {
    return this.roles.get(roleArn);
  }

  /** Issues temporary credentials that act as `sessionName` of `role`, in the role's account. */
  startSession(role: Role, sessionName: string): SessionCredentials {
    const accessKeyId = `ASIA${randomKey(16)}`;
    this.keys.set(accessKeyId, { account: role.account, roleName: role.name, sessionName });
    return {
      accessKeyId,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
    };
  }

  /** Who `accessKeyId` acts as: a registered key or session, else the home account's role. */
  principalOf(accessKeyId: string): Principal {
    return (
      this.keys.get(accessKeyId) ?? {
        account: this.home.account,
        roleName: this.home.roleName,
        sessionName: accessKeyId,
      }
    );
  }
}

function requireAccountId(account: string): void {
  if (!ACCOUNT_ID.test(account)) throw new RangeError(`an account id is 12 digits, got "${account}"`);
}

function randomKey(length: number): string {
  return Array.from(randomBytes(length), (byte) => KEY_ALPHABET[byte % KEY_ALPHABET.length]).join('');
}
