import {
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
  paginateDescribeParameters,
  type DescribeParametersCommandInput,
  type Parameter,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';

import { chunk, collect, mapBounded } from '../concurrency.ts';
import {
  PARAMETER_TYPES,
  type ParameterStore,
  type ParameterType,
  type ParameterValue,
  type ParameterWrite,
} from '../parameters.ts';

/** GetParameters accepts at most 10 names per call (ParameterNameList, max 10). */
export const GET_PARAMETERS_BATCH_SIZE = 10;

/**
 * A DescribeParameters filter takes at most 50 values (ParameterStringFilterValueList, length
 * 1..50 in the SSM service model).
 */
export const DESCRIBE_FILTER_VALUES_LIMIT = 50;

/** DescribeParameters pages hold at most 50 parameters. */
export const DESCRIBE_PAGE_SIZE = 50;

export const DEFAULT_CONCURRENCY = 4;

// Parameter Store's default throughput is a few dozen TPS per account and region, shared by
// every caller; adaptive mode adds client-side rate limiting on top of backoff so a burst
// (a syncer, a restore) slows down instead of failing after the standard 3 attempts.
const DEFAULT_SSM_CLIENT_CONFIG: SSMClientConfig = { retryMode: 'adaptive', maxAttempts: 8 };

// Both mean "nothing there": the parameter is gone, or that version has aged out of its
// 100-version history. Compared by name so a second bundled copy of the SDK still matches.
const NOT_FOUND_ERRORS = new Set(['ParameterNotFound', 'ParameterVersionNotFound']);

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
export class SsmParameterStore implements ParameterStore {
  private readonly concurrency: number;

  constructor(
    private readonly ssm: SSMClient,
    options: SsmParameterStoreOptions = {},
  ) {
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`SsmParameterStore concurrency must be a positive integer, got ${concurrency}`);
    }
    this.concurrency = concurrency;
  }

  async readVersion(name: string, version: number): Promise<ParameterValue | undefined> {
    if (!Number.isInteger(version) || version < 1) {
      throw new RangeError(`version of ${name} must be a positive integer, got ${version}`);
    }
    return this.readOne(`${name}:${version}`);
  }

  async readLatest(name: string): Promise<ParameterValue | undefined> {
    return this.readOne(name);
  }

  async readDecrypted(names: readonly string[]): Promise<Map<string, ParameterValue>> {
    const batches = chunk([...new Set(names)], GET_PARAMETERS_BATCH_SIZE);
    const responses = await mapBounded(batches, this.concurrency, (batch) =>
      this.ssm.send(new GetParametersCommand({ Names: batch, WithDecryption: true })),
    );
    // Names that do not exist come back in InvalidParameters, not as an error: leaving them
    // out of the map is exactly the port's "absent".
    const values = new Map<string, ParameterValue>();
    for (const response of responses) {
      for (const parameter of response.Parameters ?? []) {
        const value = toParameterValue(parameter);
        values.set(value.name, value);
      }
    }
    return values;
  }

  async write(parameter: ParameterWrite): Promise<number> {
    const secure = parameter.type === 'SecureString';
    const response = await this.ssm.send(
      new PutParameterCommand({
        Name: parameter.name,
        Type: parameter.type,
        Value: parameter.value,
        Overwrite: true,
        // A key only means something for SecureString, and replication hands every write the
        // replication key whatever the source type is.
        ...(secure && parameter.keyId !== undefined ? { KeyId: parameter.keyId } : {}),
        ...(parameter.description !== undefined ? { Description: parameter.description } : {}),
      }),
    );
    if (response.Version === undefined) {
      throw new Error(`PutParameter for ${parameter.name} returned no Version`);
    }
    return response.Version;
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

  async *listNames(): AsyncGenerator<string> {
    yield* this.describeNames({ MaxResults: DESCRIBE_PAGE_SIZE });
  }

  // DescribeParameters filters after it pages, so a page may be empty and still carry a
  // NextToken: only the absence of a token ends the listing.
  private async *describeNames(input: DescribeParametersCommandInput): AsyncGenerator<string> {
    for await (const page of paginateDescribeParameters({ client: this.ssm }, input)) {
      for (const metadata of page.Parameters ?? []) {
        if (metadata.Name !== undefined) yield metadata.Name;
      }
    }
  }

  private async readOne(selector: string): Promise<ParameterValue | undefined> {
    let parameter: Parameter | undefined;
    try {
      ({ Parameter: parameter } = await this.ssm.send(
        new GetParameterCommand({ Name: selector, WithDecryption: false }),
      ));
    } catch (error) {
      if (error instanceof Error && NOT_FOUND_ERRORS.has(error.name)) return undefined;
      throw error;
    }
    if (parameter === undefined) throw new Error(`GetParameter for ${selector} returned no Parameter`);
    return toParameterValue(parameter);
  }
}

function toParameterValue(parameter: Parameter): ParameterValue {
  const { Name: name, Type: type, Value: value, Version: version } = parameter;
  if (name === undefined) throw new Error('SSM returned a parameter without a Name');
  if (!isParameterType(type)) throw new Error(`SSM returned ${name} with unknown Type ${String(type)}`);
  if (value === undefined) throw new Error(`SSM returned ${name} without a Value`);
  if (version === undefined) throw new Error(`SSM returned ${name} without a Version`);
  // GetParameter(s) reports neither the KMS key nor the description; the port leaves them
  // undefined rather than guessing.
  return { name, type, value, version };
}

function isParameterType(type: string | undefined): type is ParameterType {
  return (PARAMETER_TYPES as readonly (string | undefined)[]).includes(type);
}
