import { SSMClient, type DescribeParametersCommandInput, type SSMClientConfig } from '@aws-sdk/client-ssm';

import { chunk, collect, mapBounded } from '../concurrency.ts';
import { canonicalName } from '../parameter-paths.ts';
import type { ParameterStore, ParameterValue, ParameterWrite } from '../parameters.ts';
import {
  DEFAULT_CONCURRENCY,
  DESCRIBE_FILTER_VALUES_LIMIT,
  DESCRIBE_PAGE_SIZE,
  describeParameters,
  getParameter,
  getParametersDecrypted,
  putParameter,
  toParameterValue,
} from './ssm-parameters.ts';

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
    const parameter = await getParameter(this.ssm, { Name: `${name}:${version}`, WithDecryption: false });
    return parameter === undefined ? undefined : toParameterValue(parameter);
  }

  async readDecrypted(names: readonly string[]): Promise<Map<string, ParameterValue>> {
    return getParametersDecrypted(this.ssm, names, this.concurrency, toParameterValue);
  }

  async write(parameter: ParameterWrite): Promise<number> {
    return putParameter(this.ssm, parameter);
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

  private async *describeNames(input: DescribeParametersCommandInput): AsyncGenerator<string> {
    for await (const metadata of describeParameters(this.ssm, input)) {
      if (metadata.Name !== undefined) yield canonicalName(metadata.Name);
    }
  }
}
