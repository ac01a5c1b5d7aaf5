import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteParameterCommand, type ParameterMetadata, type SSMClient } from '@aws-sdk/client-ssm';

import type { ParameterWrite } from '../parameters.ts';
import { canonicalName, isUnderPrefix } from '../parameter-paths.ts';
import type { CurrentParameter, HeldVersion, RestoreTarget } from '../restore/types.ts';
import {
  DEFAULT_CONCURRENCY,
  DESCRIBE_PAGE_SIZE,
  describeParameters,
  getParameter,
  getParametersDecrypted,
  putParameter,
  listTags,
  toParameterValue,
} from './ssm-parameters.ts';
import { mapBounded } from '../concurrency.ts';
import { REPLICA_TAG } from '../replication/mirror-ownership.ts';

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

/**
 * Parameter Store as point-in-time restore reads and writes it.
 *
 * Every read is decrypted: restore compares plaintexts and writes them back. Writes always
 * overwrite, and a write still throttled after the SDK's adaptive retries is tried again with
 * a backoff, because a restore is a batch that should finish rather than fail half-way; the
 * pace itself is the caller's (see `CallPacer`).
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
    // The root lists everything: a root-level name may be kept without its leading slash.
    const listed = describeParameters(this.ssm, {
      ...(prefix !== '/' && { ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: [prefix] }] }),
      MaxResults: DESCRIBE_PAGE_SIZE,
    });
    for await (const parameter of listed) {
      const name = parameter.Name === undefined ? undefined : canonicalName(parameter.Name);
      if (name !== undefined && isUnderPrefix(name, prefix)) metadata.set(name, parameter);
    }
    const values = await this.readCurrent([...metadata.keys()]);
    for (const [name, value] of values) {
      const keyId = metadata.get(name)?.KeyId;
      if (keyId !== undefined) values.set(name, { ...value, keyId });
    }
    return values;
  }

  async readCurrent(names: readonly string[]): Promise<Map<string, CurrentParameter>> {
    return getParametersDecrypted(this.ssm, names, this.concurrency, toParameterValue);
  }

  async replicaMarks(names: readonly string[]): Promise<Map<string, string>> {
    const tags = await mapBounded(names, this.concurrency, async (name) => {
      try {
        return await listTags(this.ssm, name);
      } catch (error) {
        // Deleted since it was listed: no parameter, so no mark.
        if (error instanceof Error && error.name === 'InvalidResourceId') return {};
        throw error;
      }
    });
    const marks = new Map<string, string>();
    names.forEach((name, index) => {
      const mark = tags[index]?.[REPLICA_TAG];
      if (mark !== undefined) marks.set(name, mark);
    });
    return marks;
  }

  async readVersion(name: string, version: number): Promise<HeldVersion | undefined> {
    const parameter = await getParameter(this.ssm, { Name: `${name}:${version}`, WithDecryption: true });
    if (parameter === undefined) return undefined;
    const { type, value, version: held, lastModified } = toParameterValue(parameter);
    return { type, value, version: held, lastModified };
  }

  async write(parameter: ParameterWrite): Promise<number> {
    return this.retryThrottled(() => putParameter(this.ssm, parameter));
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
