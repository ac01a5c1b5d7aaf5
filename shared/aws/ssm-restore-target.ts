import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  paginateDescribeParameters,
  type Parameter,
  type ParameterMetadata,
  type SSMClient,
} from '@aws-sdk/client-ssm';

import { chunk, mapBounded } from '../concurrency.ts';
import { PARAMETER_TYPES, type ParameterType, type ParameterWrite } from '../parameters.ts';
import { isUnderPrefix } from '../restore/prefix.ts';
import type { CurrentParameter, HeldVersion, RestoreTarget } from '../restore/types.ts';
import { DEFAULT_CONCURRENCY, DESCRIBE_PAGE_SIZE, GET_PARAMETERS_BATCH_SIZE } from './ssm-parameter-store.ts';

export interface SsmRestoreTargetOptions {
  /** Batched reads in flight at once; default 4. */
  readonly concurrency?: number;
  /** Further attempts of a write still throttled after the SDK's own retries; default 5. */
  readonly throttleRetries?: number;
  /** First backoff of those attempts, doubled each time; default 1 s. */
  readonly retryDelayMs?: number;
}

// ThrottlingException the SDK retries itself (adaptive mode) and may still give up on;
// TooManyUpdates, SSM's "concurrent updates of one parameter", it does not retry at all.
const THROTTLING_ERRORS = new Set(['ThrottlingException', 'TooManyUpdates']);
const NOT_FOUND_ERRORS = new Set(['ParameterNotFound', 'ParameterVersionNotFound']);

/**
 * Parameter Store as point-in-time restore reads and writes it.
 *
 * Every read is decrypted: restore compares plaintexts and writes them back. Writes always
 * overwrite, and a write still throttled after the SDK's adaptive retries is tried again with
 * a backoff, because a restore is a batch that should finish rather than fail half-way; the
 * pace itself is the caller's (see `WritePacer`).
 *
 * @example
 * const target = new SsmRestoreTarget(createSsmClient());
 * const current = await target.parametersUnder('/app/orders');
 * const held = await target.readVersion('/app/orders/db/password', 7);
 */
export class SsmRestoreTarget implements RestoreTarget {
  private readonly concurrency: number;
  private readonly throttleRetries: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly ssm: SSMClient,
    options: SsmRestoreTargetOptions = {},
  ) {
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.throttleRetries = options.throttleRetries ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  async parametersUnder(prefix: string): Promise<Map<string, CurrentParameter>> {
    const metadata = new Map<string, ParameterMetadata>();
    const pages = paginateDescribeParameters(
      { client: this.ssm },
      {
        ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: [prefix] }],
        MaxResults: DESCRIBE_PAGE_SIZE,
      },
    );
    // Only the absence of a NextToken ends the listing: filtered pages may come back empty.
    for await (const page of pages) {
      for (const parameter of page.Parameters ?? []) {
        if (parameter.Name !== undefined && isUnderPrefix(parameter.Name, prefix)) metadata.set(parameter.Name, parameter);
      }
    }
    const values = await this.readCurrent([...metadata.keys()]);
    for (const [name, value] of values) {
      const keyId = metadata.get(name)?.KeyId;
      if (keyId !== undefined) values.set(name, { ...value, keyId });
    }
    return values;
  }

  async readCurrent(names: readonly string[]): Promise<Map<string, CurrentParameter>> {
    const responses = await mapBounded(chunk([...new Set(names)], GET_PARAMETERS_BATCH_SIZE), this.concurrency, (batch) =>
      this.ssm.send(new GetParametersCommand({ Names: batch, WithDecryption: true })),
    );
    const values = new Map<string, CurrentParameter>();
    for (const response of responses) {
      for (const parameter of response.Parameters ?? []) {
        const value = readParameter(parameter);
        values.set(value.name, value);
      }
    }
    return values;
  }

  async readVersion(name: string, version: number): Promise<HeldVersion | undefined> {
    let parameter: Parameter | undefined;
    try {
      ({ Parameter: parameter } = await this.ssm.send(
        new GetParameterCommand({ Name: `${name}:${version}`, WithDecryption: true }),
      ));
    } catch (error) {
      if (error instanceof Error && NOT_FOUND_ERRORS.has(error.name)) return undefined;
      throw error;
    }
    if (parameter === undefined) throw new Error(`GetParameter for ${name}:${version} returned no Parameter`);
    const { type, value, version: held, lastModified } = readParameter(parameter);
    return { type, value, version: held, lastModified };
  }

  async write(parameter: ParameterWrite): Promise<number> {
    const { Version: version } = await this.retryThrottled(() =>
      this.ssm.send(
        new PutParameterCommand({
          Name: parameter.name,
          Type: parameter.type,
          Value: parameter.value,
          Overwrite: true,
          ...(parameter.type === 'SecureString' && parameter.keyId !== undefined && { KeyId: parameter.keyId }),
          ...(parameter.description !== undefined && { Description: parameter.description }),
        }),
      ),
    );
    if (version === undefined) throw new Error(`PutParameter for ${parameter.name} returned no Version`);
    return version;
  }

  async delete(name: string): Promise<void> {
    try {
      await this.retryThrottled(() => this.ssm.send(new DeleteParameterCommand({ Name: name })));
    } catch (error) {
      if (error instanceof Error && error.name === 'ParameterNotFound') return;
      throw error;
    }
  }

  private async retryThrottled<T>(call: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof Error) || !THROTTLING_ERRORS.has(error.name) || retry >= this.throttleRetries) throw error;
        // Full jitter, so that writers throttled together do not come back together.
        await sleep(Math.random() * this.retryDelayMs * 2 ** retry);
      }
    }
  }
}

function readParameter(parameter: Parameter): CurrentParameter {
  const { Name: name, Type: type, Value: value, Version: version, LastModifiedDate: modified } = parameter;
  if (name === undefined) throw new Error('SSM returned a parameter without a Name');
  if (!(PARAMETER_TYPES as readonly (string | undefined)[]).includes(type)) {
    throw new Error(`SSM returned ${name} with unknown Type ${String(type)}`);
  }
  if (value === undefined || version === undefined) throw new Error(`SSM returned ${name} without a Value or Version`);
  return {
    name,
    type: type as ParameterType,
    value,
    version,
    ...(modified !== undefined && { lastModified: modified.getTime() }),
  };
}
