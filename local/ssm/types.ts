/**
 * Types the SSM emulator shares with its users: options, inspection results and the
 * CloudTrail / EventBridge shapes it emits.
 */
import type { ParameterType } from '../../shared/parameters.ts';
import type { SsmEventName } from '../../shared/events/pattern.ts';
import type { SandboxIam } from '../iam/sandbox-iam.ts';
import type { Principal } from './principals.ts';

export type { Principal };

export type { ParameterType };

/** The tiers SSM accepts; `Intelligent-Tiering` resolves to one of the other two per write. */
export type ParameterTier = 'Standard' | 'Advanced' | 'Intelligent-Tiering';

/**
 * Transactions per second allowed for each of Parameter Store's throughput quotas, per region
 * and account. `read` and `write` default to AWS's documented quotas; AWS documents none for
 * the others, so they limit nothing unless given.
 */
export interface RateLimits {
  /** Shared by GetParameter, GetParameters and GetParametersByPath together; AWS's default is 40. */
  readonly read?: number;
  /** PutParameter; AWS's default is 3. */
  readonly write?: number;
  /** DescribeParameters; unlimited unless given. */
  readonly describe?: number;
  /** GetParameterHistory; unlimited unless given. */
  readonly history?: number;
  /** Shared by DeleteParameter and DeleteParameters; unlimited unless given. */
  readonly delete?: number;
}

/**
 * The form DescribeParameters and GetParameterHistory report a SecureString's `KeyId` in:
 *
 * - `as-written`: the KeyId exactly as PutParameter was given it (`alias/aws/ssm` when it was
 *   given none), which is what SSM answers;
 * - `alias`: the key's alias, `alias/NAME` (SSM's API reference documents `KeyId` as "the
 *   alias of the KMS key"), or its key id for a key named only by id or key ARN, which has no
 *   alias;
 * - `key-id`: the key id, e.g. `1234abcd-12ab-34cd-56ef-1234567890ab`;
 * - `arn`: the key ARN, `arn:aws:kms:<region>:<account>:key/<key id>`.
 *
 * All four name one key, as KMS DescribeKey shows (it takes any of them and answers the key's
 * `KeyId` and `Arn`): a client that compares keys must resolve them, not compare strings.
 */
export type KeyIdForm = 'as-written' | 'alias' | 'key-id' | 'arn';

/**
 * Faults the emulator injects into SSM calls (KMS calls are never faulted), and the answers
 * it varies at run time.
 */
export interface FaultOptions {
  /** Fraction (0..1) of SSM calls answered with `ThrottlingException` "Rate exceeded". */
  readonly throttleRate: number;
  /**
   * The regions `throttleRate` applies to, e.g. only a replica target's; `null` (the default)
   * means every region.
   */
  readonly throttleRegions: readonly string[] | null;
  /**
   * Token buckets per quota, region and account. `true` means AWS's defaults (40 a second
   * shared by GetParameter, GetParameters and GetParametersByPath; 3 for PutParameter); an
   * object overrides or adds quotas; `false` turns them off.
   */
  readonly rateLimits: boolean | RateLimits;
  /** A seed for the built-in generator, or a function returning numbers in [0, 1). */
  readonly random: number | (() => number);
  /**
   * The form of `KeyId` in DescribeParameters and GetParameterHistory answers; default
   * `as-written`, what SSM does. See {@link KeyIdForm}.
   */
  readonly keyIdForm: KeyIdForm;
}

/** One region of one account: where a request acts and whose parameters it sees. */
export interface RegionAndAccount {
  /** A region name, e.g. `eu-west-1`. */
  readonly region: string;
  /** A 12-digit account id. */
  readonly account: string;
}

/** Options of {@link startSsmEmulator}; every one has a default. */
export interface SsmEmulatorOptions extends Partial<FaultOptions> {
  /**
   * IAM as the sandbox models it: a caller acting as one of its roles is held to that role's
   * policies for every SSM call, every KMS key use SSM makes on its behalf, every direct KMS
   * call and STS AssumeRole (`AccessDeniedException` otherwise); any other caller may do
   * anything. Default: nobody is held to IAM.
   */
  readonly iam?: SandboxIam;
  /** TCP port on the loopback interface; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** The home account, where every access key not registered elsewhere acts; default `123456789012`. */
  readonly account?: string;
  /**
   * The home region: where requests that carry no SigV4 credential scope act, and what
   * `snapshot()` reads by default; default `us-east-1`. Signed requests act in the region of
   * their credential scope.
   */
  readonly region?: string;
  /** Access keys that act in another account than the home one: access key id to account id. */
  readonly accessKeys?: Readonly<Record<string, string>>;
  /** ARNs of the IAM roles STS AssumeRole may assume (`arn:aws:iam::<account>:role/<name>`). */
  readonly roles?: readonly string[];
  /** Source of LastModifiedDate and CloudTrail eventTime; default real time. */
  readonly clock?: () => Date;
  /**
   * Milliseconds on a monotonic clock, as the `rateLimits` token buckets count them; default
   * `performance.now()`. Held still, the buckets refill only as a test moves it: a burst is
   * throttled by its count alone, however long a busy machine takes to send it.
   */
  readonly quotaClock?: () => number;
  /**
   * The role every access key acts as (unless issued by AssumeRole), in its account; the
   * access key id becomes the session name. Default `figgy-sandbox`.
   */
  readonly roleName?: string;
  /**
   * The 32-byte AES key behind every ciphertext; default a random key per emulator, so pass
   * one to decrypt ciphertexts kept (e.g. in an audit table) across emulator restarts.
   */
  readonly masterKey?: Uint8Array;
  /**
   * The SQS queues GetQueueUrl and GetQueueAttributes answer for, with their depth
   * (`ApproximateNumberOfMessages`); undefined for a queue that does not exist. Default: none.
   */
  readonly queues?: QueueDepths;
}

/** A queue as a call names it: its account, region and name. */
export interface QueueRef {
  readonly account: string;
  readonly region: string;
  readonly name: string;
}

/** The messages waiting in a queue; undefined when there is no such queue. */
export type QueueDepths = (queue: QueueRef) => number | undefined;

/** One parameter as it stands now, plaintext included, for tests and the sandbox. */
export interface ParameterSnapshot {
  readonly name: string;
  readonly type: ParameterType;
  /** Plaintext, SecureStrings included. */
  readonly value: string;
  readonly version: number;
  readonly tier: Exclude<ParameterTier, 'Intelligent-Tiering'>;
  readonly dataType: string;
  readonly lastModifiedDate: Date;
  /** Only for SecureString. */
  readonly keyId?: string;
  readonly description?: string;
}

/** The caller as CloudTrail's `userIdentity` describes an assumed-role session. */
export interface CloudTrailUserIdentity {
  readonly type: 'AssumedRole';
  readonly principalId: string;
  readonly arn: string;
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly sessionContext: {
    readonly sessionIssuer: {
      readonly type: 'Role';
      readonly principalId: string;
      readonly arn: string;
      readonly accountId: string;
      readonly userName: string;
    };
    readonly webIdFederationData: Record<string, never>;
    readonly attributes: { readonly creationDate: string; readonly mfaAuthenticated: 'false' };
  };
}

/** The `detail` of a CloudTrail record of one SSM write call, as CloudTrail logs it. */
export interface CloudTrailDetail {
  readonly eventVersion: string;
  readonly userIdentity: CloudTrailUserIdentity;
  /** ISO time with second precision, as CloudTrail writes it: `2026-11-26T12:00:01Z`. */
  readonly eventTime: string;
  readonly eventSource: 'ssm.amazonaws.com';
  readonly eventName: SsmEventName;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** Null for a throttled call: CloudTrail never saw the parameters. */
  readonly requestParameters: Record<string, unknown> | null;
  /** Null for a failed call and for DeleteParameter. */
  readonly responseElements: Record<string, unknown> | null;
  readonly requestID: string;
  readonly eventID: string;
  readonly readOnly: false;
  readonly eventType: 'AwsApiCall';
  readonly managementEvent: true;
  readonly recipientAccountId: string;
  readonly eventCategory: 'Management';
}

/** A CloudTrail record as EventBridge delivers it to a rule's targets. */
export interface SsmApiCallEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'AWS API Call via CloudTrail';
  readonly source: 'aws.ssm';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: CloudTrailDetail;
}

/** Receives the CloudTrail record of every SSM write call, failed ones included. */
export type WriteListener = (detail: CloudTrailDetail) => void | Promise<void>;

/**
 * A running emulator of SSM Parameter Store, KMS and STS for several regions and accounts.
 *
 * A request acts in the region of its SigV4 credential scope and in the account of its
 * access key: a key registered with {@link SsmEmulator.addAccessKey} (or the `accessKeys`
 * option) acts in its account, a key issued by STS AssumeRole in the role's account, and any
 * other key in the home account. Each region of each account has its own parameters, KMS keys
 * and CloudTrail records.
 */
export interface SsmEmulator {
  /** `http://127.0.0.1:PORT`: the endpoint for the SSM, KMS and STS clients. */
  readonly url: string;
  readonly port: number;
  /** The home account. */
  readonly account: string;
  /** The home region. */
  readonly region: string;
  /**
   * Subscribes to CloudTrail records of write calls in every region and account (each record
   * says where: `awsRegion`, `recipientAccountId`); returns the unsubscribe function.
   */
  onWrite(listener: WriteListener): () => void;
  /** Changes the injected faults from now on; omitted fields keep their value. */
  setFaults(faults: Partial<FaultOptions>): void;
  /**
   * Every parameter's latest version in one region of one account, sorted by name,
   * SecureStrings decrypted; by default the home region and account.
   */
  snapshot(where?: Partial<RegionAndAccount>): ParameterSnapshot[];
  /**
   * Makes an access key act in `account` from now on, as a session (named after the key) of
   * the role `roleName`, by default the emulator's `roleName`.
   *
   * @throws RangeError when `account` is not a 12-digit account id.
   */
  addAccessKey(accessKeyId: string, account: string, roleName?: string): void;
  /** Whom an access key acts as: its account, role and session name. */
  principalOf(accessKeyId: string): Principal;
  /**
   * Creates a role STS AssumeRole may assume; its sessions act in the role's account.
   *
   * @throws RangeError when `roleArn` is not an IAM role ARN.
   */
  addRole(roleArn: string): void;
  /**
   * Calls received per operation name (throttled and failed calls included): every region and
   * account's, or, given `where`, only those acting there (a field left out is the home one).
   */
  callCounts(where?: { readonly region?: string; readonly account?: string }): Record<string, number>;
  /** Forgets every parameter and call count; faults and listeners stay. */
  reset(): void;
  /** Closes the server and its keep-alive connections. */
  stop(): Promise<void>;
}
