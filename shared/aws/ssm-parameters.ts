/**
 * How figgy-events talks to SSM Parameter Store, whichever port it serves: the API's limits,
 * what "not found" looks like, how a parameter SSM returns becomes the domain's value, and how
 * a value is written. `SsmParameterStore` and `SsmRestoreTarget` are both built on it.
 */
import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  type DescribeParametersCommandInput,
  type GetParameterCommandInput,
  type Parameter,
  type ParameterMetadata,
  type SSMClient,
} from '@aws-sdk/client-ssm';

import { chunk, mapBounded } from '../concurrency.ts';
import { canonicalName } from '../parameter-paths.ts';
import { UnexpectedResponseError } from '../errors.ts';
import { PARAMETER_TYPES, type ParameterType, type ParameterValue, type ParameterWrite } from '../parameters.ts';

/** GetParameters accepts at most 10 names per call (ParameterNameList, max 10). */
export const GET_PARAMETERS_BATCH_SIZE = 10;

/**
 * A DescribeParameters filter takes at most 50 values (ParameterStringFilterValueList, length
 * 1..50 in the SSM service model).
 */
export const DESCRIBE_FILTER_VALUES_LIMIT = 50;

/** DescribeParameters pages hold at most 50 parameters. */
export const DESCRIBE_PAGE_SIZE = 50;

/** How many batched calls an adapter keeps in flight unless told otherwise. */
export const DEFAULT_CONCURRENCY = 4;

// Both mean "nothing there": the parameter is gone, or that version has aged out of its
// 100-version history. Compared by name so a second bundled copy of the SDK still matches.
const NOT_FOUND_ERRORS = new Set(['ParameterNotFound', 'ParameterVersionNotFound']);

/**
 * One parameter by GetParameter; undefined when the parameter, or the version its `Name`
 * selects (`name:version`), no longer exists. Any other failure is thrown.
 */
export async function getParameter(ssm: SSMClient, input: GetParameterCommandInput): Promise<Parameter | undefined> {
  let parameter: Parameter | undefined;
  try {
    ({ Parameter: parameter } = await ssm.send(new GetParameterCommand(input)));
  } catch (error) {
    if (error instanceof Error && NOT_FOUND_ERRORS.has(error.name)) return undefined;
    throw error;
  }
  if (parameter === undefined) throw new UnexpectedResponseError(`GetParameter for ${String(input.Name)} returned no Parameter`);
  return parameter;
}

/** One parameter's tags (SSM lists them one resource at a time). */
export async function listTags(ssm: SSMClient, name: string): Promise<Record<string, string>> {
  const { TagList: list } = await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }));
  return Object.fromEntries((list ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

/** Awaited before each call: a pace's turn (see `CallPacer`). */
export type CallTurn = () => Promise<void>;

/**
 * The latest values of `names`, decrypted, keyed by name: each name asked for once, in batches
 * of the API's limit with at most `concurrency` calls in flight, each waiting its `turn`, each
 * parameter turned into a domain value by `convert`.
 */
export async function getParametersDecrypted<T extends { readonly name: string }>(
  ssm: SSMClient,
  names: readonly string[],
  concurrency: number,
  convert: (parameter: Parameter) => T,
  turn?: CallTurn,
): Promise<Map<string, T>> {
  const batches = chunk([...new Set(names)], GET_PARAMETERS_BATCH_SIZE);
  const responses = await mapBounded(batches, concurrency, async (batch) => {
    await turn?.();
    return ssm.send(new GetParametersCommand({ Names: batch, WithDecryption: true }));
  });
  // Names that do not exist come back in InvalidParameters, not as an error: leaving them
  // out of the map is exactly the ports' "absent".
  const values = new Map<string, T>();
  for (const response of responses) {
    for (const parameter of response.Parameters ?? []) {
      const value = convert(parameter);
      values.set(value.name, value);
    }
  }
  return values;
}

/**
 * Every parameter's metadata DescribeParameters lists for `input`, page by page as the caller
 * consumes them, each page's call waiting its `turn`.
 */
export async function* describeParameters(
  ssm: SSMClient,
  input: DescribeParametersCommandInput,
  turn?: CallTurn,
): AsyncGenerator<ParameterMetadata> {
  // DescribeParameters filters after it pages, so a page may be empty and still carry a
  // NextToken: only the absence of a token ends the listing. Paged by hand, not with the
  // SDK's paginator, so that each page's call can wait its turn.
  let token: string | undefined;
  do {
    await turn?.();
    const page = await ssm.send(new DescribeParametersCommand({ ...input, ...(token !== undefined && { NextToken: token }) }));
    yield* page.Parameters ?? [];
    token = page.NextToken;
  } while (token !== undefined);
}

/**
 * A parameter SSM returned, as the domain's value under its canonical name; throws naming
 * what SSM left out.
 */
export function toParameterValue(parameter: Parameter): ParameterValue {
  const { Name: name, Type: type, Value: value, Version: version, LastModifiedDate: modified } = parameter;
  if (name === undefined) throw new UnexpectedResponseError('SSM returned a parameter without a Name');
  if (!isParameterType(type)) throw new UnexpectedResponseError(`SSM returned ${name} with unknown Type ${String(type)}`);
  if (value === undefined) throw new UnexpectedResponseError(`SSM returned ${name} without a Value`);
  if (version === undefined) throw new UnexpectedResponseError(`SSM returned ${name} without a Version`);
  // GetParameter(s) reports neither the KMS key nor the description; the value leaves them
  // undefined rather than guessing.
  return { name: canonicalName(name), type, value, version, ...(modified !== undefined && { lastModified: modified.getTime() }) };
}

/** What a mirror's write adds to a plain one: the metadata it copies. */
export interface WriteMetadata {
  readonly tier?: 'Standard' | 'Advanced';
  readonly dataType?: string;
  readonly allowedPattern?: string;
  /** Create with these tags; SSM then refuses to overwrite (`ParameterAlreadyExists`). */
  readonly createWithTags?: Readonly<Record<string, string>>;
}

/**
 * Writes `parameter` as a new version with Overwrite (or creates it with its tags, which SSM
 * takes only without Overwrite) and returns the version written.
 */
export async function putParameter(ssm: SSMClient, parameter: ParameterWrite & WriteMetadata): Promise<number> {
  const secure = parameter.type === 'SecureString';
  const { Version: version } = await ssm.send(
    new PutParameterCommand({
      Name: parameter.name,
      Type: parameter.type,
      Value: parameter.value,
      ...(parameter.createWithTags === undefined
        ? { Overwrite: true }
        : { Overwrite: false, Tags: Object.entries(parameter.createWithTags).map(([Key, Value]) => ({ Key, Value })) }),
      // A key only means something for SecureString, and replication hands every write the
      // replication key whatever the source type is.
      ...(secure && parameter.keyId !== undefined ? { KeyId: parameter.keyId } : {}),
      ...(parameter.description !== undefined ? { Description: parameter.description } : {}),
      ...(parameter.tier !== undefined ? { Tier: parameter.tier } : {}),
      ...(parameter.dataType !== undefined ? { DataType: parameter.dataType } : {}),
      ...(parameter.allowedPattern !== undefined ? { AllowedPattern: parameter.allowedPattern } : {}),
    }),
  );
  if (version === undefined) throw new UnexpectedResponseError(`PutParameter for ${parameter.name} returned no Version`);
  return version;
}

function isParameterType(type: string | undefined): type is ParameterType {
  return (PARAMETER_TYPES as readonly (string | undefined)[]).includes(type);
}
