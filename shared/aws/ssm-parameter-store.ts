import {
  AddTagsToResourceCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
  type DescribeParametersCommandInput,
  type ParameterMetadata,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';

import { chunk, collect, mapBounded } from '../concurrency.ts';
import { InvariantError } from '../errors.ts';
import { canonicalName } from '../parameter-paths.ts';
import { ListingTokenRejectedError, type NamesPage, type ParameterStore, type ParameterValue, type ParameterWrite } from '../parameters.ts';
import { ParameterExistsError, WriteRefusedError } from '../replication/errors.ts';
import type { ParameterDetails, ReplicaStore } from '../replication/types.ts';
import type { KmsKeyArns } from './kms-key-arns.ts';
import {
  DEFAULT_CONCURRENCY,
  DESCRIBE_FILTER_VALUES_LIMIT,
  DESCRIBE_PAGE_SIZE,
  describeParameters,
  getParameter,
  getParametersDecrypted,
  listTags,
  putParameter,
  toParameterValue,
  type CallTurn,
  type WriteMetadata,
} from './ssm-parameters.ts';

/** DeleteParameters takes at most 10 names per call. */
const DELETE_BATCH_SIZE = 10;

// Errors by which SSM refuses a write for what it is, not for the moment it came: the same
// write fails the same way, so retrying it is pointless. Compared by name, as a second
// bundled copy of the SDK has other classes. AccessDenied is not here: a missing grant is
// a deployment to fix and must keep failing loudly.
const REFUSALS = new Set([
  'ValidationException',
  'ParameterLimitExceeded',
  'ParameterMaxVersionLimitExceeded',
  'HierarchyLevelLimitExceededException',
  'HierarchyTypeMismatchException',
  'InvalidKeyId',
  'UnsupportedParameterType',
  'ParameterPatternMismatchException',
  'InvalidAllowedPatternException',
  'TooManyTagsError',
]);

// Parameter Store's default throughput is a few dozen TPS per account and region, shared by
// every caller; adaptive mode adds client-side rate limiting on top of backoff so a burst
// (a syncer, a restore) slows down instead of failing after the standard 3 attempts.
const DEFAULT_SSM_CLIENT_CONFIG: SSMClientConfig = { retryMode: 'adaptive', maxAttempts: 8 };

/**
 * Builds the SSM client the functions share, created once at module scope.
 *
 * Retries are adaptive because Parameter Store throttles at low TPS. The endpoint is left to
 * the SDK, which honours `AWS_ENDPOINT_URL_SSM`: the same bundle talks to AWS or the sandbox.
 *
 * @example
 * ```ts
 * const ssm = createSsmClient();
 * const store = new SsmParameterStore(ssm);
 * ```
 */
export function createSsmClient(config: SSMClientConfig = {}): SSMClient {
  return new SSMClient({ ...DEFAULT_SSM_CLIENT_CONFIG, ...config });
}

export interface SsmParameterStoreOptions {
  /** How many batched calls may be in flight at once (default 4). */
  readonly concurrency?: number;
  /**
   * Where {@link SsmParameterStore.keyArn} asks KMS (`kmsKeyArnsBeside`): only replication
   * compares keys, so only its stores carry KMS, and only its bundles the KMS client.
   */
  readonly keys?: KmsKeyArns;
  /** Awaited before each read call to Parameter Store: a pace's turn. Absent: reads at once. */
  readonly readTurn?: CallTurn;
}

/**
 * The {@link ParameterStore} port on AWS Systems Manager Parameter Store.
 *
 * Reads that the audit log stores are never decrypted; only `readDecrypted` asks SSM for
 * plaintext. Many-name reads are batched to the API's limits and run with bounded
 * concurrency, because every function in the account shares one throttling budget.
 *
 * @example
 * ```ts
 * const store = new SsmParameterStore(createSsmClient(), { concurrency: 2 });
 * const version = await store.write({ name: '/app/db/url', type: 'String', value: 'jdbc:…' });
 * const current = await store.readDecrypted(['/app/db/url', '/app/db/password']);
 * ```
 */
export class SsmParameterStore implements ParameterStore, ReplicaStore {
  private readonly concurrency: number;
  private readonly keys: KmsKeyArns | undefined;
  private readonly readTurn: CallTurn;

  constructor(
    private readonly ssm: SSMClient,
    options: SsmParameterStoreOptions = {},
  ) {
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`SsmParameterStore concurrency must be a positive integer, got ${concurrency}`);
    }
    this.concurrency = concurrency;
    this.readTurn = options.readTurn ?? (async () => undefined);
    this.keys = options.keys;
  }

  /**
   * This store with every read call it sends to Parameter Store — each GetParameter, each
   * GetParameters batch, each DescribeParameters page, each ListTagsForResource — awaiting
   * `turn()` first. Writes and KMS are not affected.
   */
  withReadTurns(turn: CallTurn): SsmParameterStore {
    // Added to this store's own turn, never in its place: a paced store paced again keeps both.
    const own = this.readTurn;
    const both: CallTurn = async () => {
      await own();
      await turn();
    };
    return new SsmParameterStore(this.ssm, { concurrency: this.concurrency, ...(this.keys && { keys: this.keys }), readTurn: both });
  }

  /** This store, comparing keys through `keys`. */
  withKeys(keys: KmsKeyArns): SsmParameterStore {
    return new SsmParameterStore(this.ssm, { concurrency: this.concurrency, keys, readTurn: this.readTurn });
  }

  /** The ARN of the KMS key `keyId` names here, however it is spelt (alias, id, ARN). */
  keyArn(keyId: string): Promise<string> {
    if (!this.keys) return Promise.reject(new InvariantError('this Parameter Store was made without KMS (the keys option), so it cannot compare keys'));
    return this.keys.arnOf(keyId);
  }

  async readVersion(name: string, version: number): Promise<ParameterValue | undefined> {
    if (!Number.isInteger(version) || version < 1) {
      throw new RangeError(`version of ${name} must be a positive integer, got ${version}`);
    }
    await this.readTurn();
    const parameter = await getParameter(this.ssm, { Name: `${name}:${version}`, WithDecryption: false });
    return parameter === undefined ? undefined : toParameterValue(parameter);
  }

  async readDecrypted(names: readonly string[]): Promise<Map<string, ParameterValue>> {
    return getParametersDecrypted(this.ssm, names, this.concurrency, toParameterValue, this.readTurn);
  }

  async write(parameter: ParameterWrite & WriteMetadata): Promise<number> {
    try {
      return await refusing(parameter.name, () => putParameter(this.ssm, parameter));
    } catch (error) {
      if (error instanceof Error && error.name === 'ParameterAlreadyExists') throw new ParameterExistsError(parameter.name, { cause: error });
      throw error;
    }
  }

  /**
   * Values with what a mirror copies: GetParameters (10 a call) for the values,
   * DescribeParameters (50 names a call) for the metadata, ListTagsForResource for each
   * parameter's tags (SSM lists tags one resource at a time).
   */
  async readDetails(names: readonly string[]): Promise<Map<string, ParameterDetails>> {
    const values = await this.readDecrypted(names);
    const present = [...values.keys()];
    const batches = chunk(present, DESCRIBE_FILTER_VALUES_LIMIT);
    const described = await mapBounded(batches, this.concurrency, (batch) =>
      collect(describeParameters(this.ssm, { ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: batch }], MaxResults: DESCRIBE_PAGE_SIZE }, this.readTurn)),
    );
    const metadata = new Map(described.flat().map((entry) => [canonicalName(entry.Name ?? ''), entry]));
    const tags = await mapBounded(present, this.concurrency, (name) => this.tagsOf(name));
    const details = new Map<string, ParameterDetails>();
    present.forEach((name, index) => {
      const value = values.get(name) as ParameterValue;
      const meta = metadata.get(name);
      // Deleted between the two reads: absent, as if read a moment later.
      if (meta) details.set(name, withMetadata(value, meta, tags[index] ?? {}));
    });
    return details;
  }

  async *namesUnder(prefix: string): AsyncGenerator<string> {
    if (prefix === '/') {
      yield* this.listNames();
      return;
    }
    yield* this.describeNames({
      ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: [prefix.slice(0, -1)] }],
      MaxResults: DESCRIBE_PAGE_SIZE,
    });
  }

  async retag(name: string, add: Readonly<Record<string, string>>, remove: readonly string[]): Promise<void> {
    const resource = { ResourceType: 'Parameter' as const, ResourceId: name };
    const tags = Object.entries(add).map(([Key, Value]) => ({ Key, Value }));
    if (tags.length > 0) await refusing(name, () => this.ssm.send(new AddTagsToResourceCommand({ ...resource, Tags: tags })));
    if (remove.length > 0) await this.ssm.send(new RemoveTagsFromResourceCommand({ ...resource, TagKeys: [...remove] }));
  }

  async deleteParameters(names: readonly string[]): Promise<void> {
    // Names already gone come back in InvalidParameters, which is what deleting them means.
    await mapBounded(chunk([...new Set(names)], DELETE_BATCH_SIZE), this.concurrency, (batch) =>
      this.ssm.send(new DeleteParametersCommand({ Names: batch })),
    );
  }

  private async tagsOf(name: string): Promise<Record<string, string>> {
    await this.readTurn();
    return listTags(this.ssm, name);
  }

  async existing(names: readonly string[]): Promise<Set<string>> {
    const batches = chunk([...new Set(names)], DESCRIBE_FILTER_VALUES_LIMIT);
    const found = await mapBounded(batches, this.concurrency, async (batch) => {
      const input: DescribeParametersCommandInput = {
        ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: batch }],
        MaxResults: DESCRIBE_PAGE_SIZE,
      };
      return collect(this.describeNames(input));
    });
    return new Set(found.flat());
  }

  /** Every parameter name, page by page as the caller consumes them. */
  async *listNames(): AsyncGenerator<string> {
    yield* this.describeNames({ MaxResults: DESCRIBE_PAGE_SIZE });
  }

  /**
   * One DescribeParameters page of every name (50 at most); `next` is SSM's NextToken. A page
   * may be empty and still carry a token, so only its absence ends the listing.
   */
  async listNamesPage(token?: string): Promise<NamesPage> {
    const input: DescribeParametersCommandInput = { MaxResults: DESCRIBE_PAGE_SIZE, ...(token !== undefined && { NextToken: token }) };
    await this.readTurn();
    try {
      const { Parameters: found = [], NextToken: next } = await this.ssm.send(new DescribeParametersCommand(input));
      const names = found.flatMap((metadata) => (metadata.Name === undefined ? [] : [canonicalName(metadata.Name)]));
      return { names, ...(next !== undefined && { next }) };
    } catch (error) {
      // SSM's NextTokens expire; a saved one can come back refused. Compared by name, as a
      // second bundled copy of the SDK has other classes.
      if (token !== undefined && error instanceof Error && error.name === 'InvalidNextToken') {
        throw new ListingTokenRejectedError(error.message, { cause: error });
      }
      throw error;
    }
  }

  private async *describeNames(input: DescribeParametersCommandInput): AsyncGenerator<string> {
    for await (const metadata of describeParameters(this.ssm, input, this.readTurn)) {
      if (metadata.Name !== undefined) yield canonicalName(metadata.Name);
    }
  }
}

function withMetadata(value: ParameterValue, meta: ParameterMetadata, tags: Record<string, string>): ParameterDetails {
  return {
    ...value,
    tier: meta.Tier === 'Advanced' ? 'Advanced' : 'Standard',
    dataType: meta.DataType ?? 'text',
    ...(meta.KeyId !== undefined && { keyId: meta.KeyId }),
    ...(meta.Description !== undefined && { description: meta.Description }),
    ...(meta.AllowedPattern !== undefined && { allowedPattern: meta.AllowedPattern }),
    tags,
  };
}

/** Runs a write, turning SSM's refusal of what it is into a {@link WriteRefusedError}. */
async function refusing<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof Error && REFUSALS.has(error.name)) throw new WriteRefusedError(name, error.name, error.message, { cause: error });
    throw error;
  }
}
