/**
 * The Parameter Store operations in SSM's JSON wire shapes, request members in and response
 * members out on top of {@link EmulatedParameterStore}: one table, an entry per operation
 * with all the emulator knows of it (its answer, IAM resource, quota and CloudTrail record).
 */
import type { SsmEventName } from '../../shared/events/pattern.ts';
import { AwsError, validationError } from './aws-error.ts';
import type { CloudTrailShape } from './cloudtrail.ts';
import type { Quota } from './faults.ts';
import {
  compileLegacyFilters,
  compileParameterFilters,
  intersect,
  pathSelection,
  type ParameterSelection,
} from './parameter-filters.ts';
import { parameterArn } from '../../shared/parameter-arn.ts';
import { isPublicName } from './public-parameters.ts';
import {
  integerInRange,
  optionalBoolean,
  optionalObjectList,
  optionalString,
  requiredString,
  stringList,
  type RequestInput,
} from './request-members.ts';
import { readTagKeys, readTags } from './tags.ts';
import type { KeyIdForm } from './types.ts';
import {
  labelsOf,
  latest,
  parameterNotFound,
  type CallScope,
  type EmulatedParameterStore,
  type ResolvedVersion,
  type StoredParameter,
  type StoredVersion,
} from './store.ts';

/** The parameters a call can see: the caller's region's and account's, and AWS's public ones. */
export interface VisibleParameters {
  readonly own: EmulatedParameterStore;
  /** `/aws/service/...`, read-only; reads of such names answer from here. */
  readonly public: EmulatedParameterStore;
}

/** How the emulator words answers that SSM could word more than one way. */
export interface AnswerForms {
  readonly keyIdForm: KeyIdForm;
}

/** One call, as an operation answers it. */
interface OperationCall {
  /** The caller's own parameters, where every write goes. */
  readonly store: EmulatedParameterStore;
  readonly input: RequestInput;
  readonly scope: CallScope;
  readonly forms: AnswerForms;
  /** Where a read of `name` answers from, with the scope its ARNs are in. */
  readonly readFrom: (name: string) => { store: EmulatedParameterStore; scope: CallScope };
}

/**
 * What IAM authorizes `ssm:<operation>` on: the parameter each string in a request member
 * names (`many`: the member is a list of them), or `*` for an operation on no parameter.
 */
export type IamResource = { readonly member: string; readonly many?: true } | '*';

/** Everything the emulator knows of one SSM operation. */
export interface OperationSpec<Trail extends CloudTrailShape | null = CloudTrailShape | null> {
  /** The call's response members; throws the AwsError it fails with. */
  readonly answer: (call: OperationCall) => object;
  readonly iamResource: IamResource;
  /** The throughput quota it draws on; null for one AWS documents none for (see {@link Quota}). */
  readonly quota: Quota | null;
  /**
   * The CloudTrail record of a write the event bus reacts to, and then reported to `onWrite`
   * listeners; null for reads and for writes no function reacts to (labels, tags).
   */
  readonly cloudTrail: Trail;
}

// The operations the emulator answers under `AmazonSSM.<operation>`, one entry each: adding
// an operation is adding its entry, and one missing any part does not compile.
const ENTRIES = {
  PutParameter: {
    answer: ({ store, input, scope }) => putParameter(store, input, scope),
    iamResource: { member: 'Name' },
    quota: 'write',
    cloudTrail: {
      requestParameters: ['Name', 'Description', 'Value', 'Type', 'KeyId', 'Overwrite', 'AllowedPattern', 'Tags', 'Tier', 'Policies', 'DataType'],
      responseElements: ['Version', 'Tier'],
    },
  },
  GetParameter: {
    answer: ({ input, readFrom }) => {
      const source = readFrom(requiredString(input, 'Name'));
      const resolved = source.store.resolve(requiredString(input, 'Name'));
      const decrypt = optionalBoolean(input, 'WithDecryption') ?? false;
      return { Parameter: wireParameter(source.store, resolved, source.scope, decrypt) };
    },
    iamResource: { member: 'Name' },
    quota: 'read',
    cloudTrail: null,
  },
  GetParameters: {
    answer: ({ input, readFrom }) => getParameters(readFrom, input),
    iamResource: { member: 'Names', many: true },
    quota: 'read',
    cloudTrail: null,
  },
  GetParametersByPath: {
    answer: ({ input, readFrom }) => {
      const source = readFrom(requiredString(input, 'Path'));
      return getParametersByPath(source.store, input, source.scope);
    },
    // IAM authorizes the path as if it were a parameter's name.
    iamResource: { member: 'Path' },
    quota: 'read',
    cloudTrail: null,
  },
  DescribeParameters: {
    answer: ({ store, input, scope, forms }) => describeParameters(store, input, scope, forms),
    iamResource: '*',
    quota: 'describe',
    cloudTrail: null,
  },
  GetParameterHistory: {
    answer: ({ input, forms, readFrom }) => getParameterHistory(readFrom(requiredString(input, 'Name')).store, input, forms),
    iamResource: { member: 'Name' },
    quota: 'history',
    cloudTrail: null,
  },
  DeleteParameter: {
    answer: ({ store, input }) => {
      const name = requiredString(input, 'Name');
      if (store.delete(name) === undefined) throw parameterNotFound(name);
      return {};
    },
    iamResource: { member: 'Name' },
    quota: 'delete',
    cloudTrail: { requestParameters: ['Name'], responseElements: null },
  },
  DeleteParameters: {
    answer: ({ store, input }) => {
      const names = unique(stringList(input, 'Names', 1, 10));
      const deleted = names.filter((name) => store.delete(name) !== undefined);
      return { DeletedParameters: deleted, InvalidParameters: names.filter((name) => !deleted.includes(name)) };
    },
    iamResource: { member: 'Names', many: true },
    quota: 'delete',
    cloudTrail: { requestParameters: ['Names'], responseElements: ['InvalidParameters', 'DeletedParameters'] },
  },
  LabelParameterVersion: {
    answer: ({ store, input }) => {
      const result = store.label(requiredString(input, 'Name'), optionalVersion(input), labelList(input));
      return { InvalidLabels: result.invalidLabels, ParameterVersion: result.version };
    },
    iamResource: { member: 'Name' },
    quota: null,
    cloudTrail: null,
  },
  UnlabelParameterVersion: {
    answer: ({ store, input }) => {
      const version = optionalVersion(input);
      if (version === undefined) throw validationError('parameterVersion', undefined, 'Member must not be null');
      const result = store.unlabel(requiredString(input, 'Name'), version, labelList(input));
      return { RemovedLabels: result.removedLabels, InvalidLabels: result.invalidLabels };
    },
    iamResource: { member: 'Name' },
    quota: null,
    cloudTrail: null,
  },
  AddTagsToResource: {
    answer: ({ store, input }) => {
      store.tag(parameterResource(input), readTags(input, 'Tags') ?? []);
      return {};
    },
    iamResource: { member: 'ResourceId' },
    quota: null,
    cloudTrail: null,
  },
  RemoveTagsFromResource: {
    answer: ({ store, input }) => {
      store.untag(parameterResource(input), readTagKeys(input, 'TagKeys'));
      return {};
    },
    iamResource: { member: 'ResourceId' },
    quota: null,
    cloudTrail: null,
  },
  ListTagsForResource: {
    answer: ({ store, input }) => ({
      TagList: [...store.tagsOf(parameterResource(input))].map(([Key, Value]) => ({ Key, Value })),
    }),
    iamResource: { member: 'ResourceId' },
    quota: null,
    cloudTrail: null,
  },
} satisfies Readonly<Record<string, OperationSpec>>;

/** An operation the emulator answers. */
type SsmOperation = keyof typeof ENTRIES;

// Exactly the calls the event pattern names (SsmEventName) carry a CloudTrail record: this
// does not compile otherwise.
const OPERATIONS: { readonly [Operation in SsmOperation]: OperationSpec<Operation extends SsmEventName ? CloudTrailShape : null> } =
  ENTRIES;

/**
 * The spec of `operation`, or undefined for one the emulator does not answer.
 *
 * @example
 * ssmOperation('GetParameters')?.iamResource; // { member: 'Names', many: true }
 */
export function ssmOperation(operation: string): OperationSpec | undefined {
  return isSsmOperation(operation) ? OPERATIONS[operation] : undefined;
}

/**
 * The event name and CloudTrail shape a call of `operation` is recorded with, or undefined for
 * a call that is not (see {@link OperationSpec.cloudTrail}).
 */
export function recordedAs(operation: string): { readonly eventName: SsmEventName; readonly shape: CloudTrailShape } | undefined {
  if (!isSsmOperation(operation) || !isRecorded(operation)) return undefined;
  return { eventName: operation, shape: OPERATIONS[operation].cloudTrail };
}

// The predicate compiles only while every SsmEventName is an operation of the table.
function isRecorded(operation: SsmOperation): operation is SsmEventName {
  return OPERATIONS[operation].cloudTrail !== null;
}

function isSsmOperation(operation: string): operation is SsmOperation {
  return Object.hasOwn(OPERATIONS, operation);
}

/**
 * Answers one `AmazonSSM.<operation>` call.
 *
 * @throws AwsError the SSM error the call deserves, e.g. `ParameterNotFound`.
 * @example
 * ssmCall({ own, public: publicParameters(region) }, 'GetParameter', { Name: '/app/db' }, scope);
 */
export function ssmCall(
  visible: VisibleParameters,
  operation: string,
  input: RequestInput,
  scope: CallScope,
  forms: AnswerForms = { keyIdForm: 'as-written' },
): object {
  if (!isSsmOperation(operation)) {
    throw new AwsError(
      'UnknownOperationException',
      `The emulator does not implement SSM ${operation}; it answers ${Object.keys(OPERATIONS).join(', ')}.`,
    );
  }
  const store = visible.own;
  // Reads of AWS's public names answer from its catalogue, with ARNs of no account; every
  // write names the caller's own store, where no /aws/ name can exist (PutParameter refuses).
  const readFrom = (name: string) =>
    isPublicName(name) ? { store: visible.public, scope: { ...scope, account: '' } } : { store, scope };
  return OPERATIONS[operation].answer({ store, input, scope, forms, readFrom });
}

function putParameter(store: EmulatedParameterStore, input: RequestInput, scope: CallScope): object {
  const overwrite = optionalBoolean(input, 'Overwrite');
  if (overwrite && input.Tags !== undefined) {
    throw new AwsError(
      'ValidationException',
      "Invalid request: tags and overwrite can't be used together. To update tags of an existing parameter, use AddTagsToResource.",
    );
  }
  const result = store.put(
    {
      name: requiredString(input, 'Name'),
      value: requiredString(input, 'Value'),
      type: optionalString(input, 'Type'),
      overwrite,
      keyId: optionalString(input, 'KeyId'),
      description: optionalString(input, 'Description'),
      tier: optionalString(input, 'Tier'),
      dataType: optionalString(input, 'DataType'),
      allowedPattern: optionalString(input, 'AllowedPattern'),
      tags: readTags(input, 'Tags'),
    },
    scope,
  );
  return { Version: result.version, Tier: result.tier };
}

function getParameters(
  readFrom: (name: string) => { store: EmulatedParameterStore; scope: CallScope },
  input: RequestInput,
): object {
  const decrypt = optionalBoolean(input, 'WithDecryption') ?? false;
  const parameters: object[] = [];
  const invalid: string[] = [];
  for (const reference of unique(stringList(input, 'Names', 1, 10))) {
    const { store, scope } = readFrom(reference);
    try {
      parameters.push(wireParameter(store, store.resolve(reference), scope, decrypt));
    } catch (error) {
      const missing =
        error instanceof AwsError && (error.code === 'ParameterNotFound' || error.code === 'ParameterVersionNotFound');
      if (!missing) throw error;
      invalid.push(reference);
    }
  }
  return { Parameters: parameters, InvalidParameters: invalid };
}

function getParametersByPath(store: EmulatedParameterStore, input: RequestInput, scope: CallScope): object {
  const selection = intersect(
    pathSelection(requiredString(input, 'Path'), optionalBoolean(input, 'Recursive') ?? false),
    compileParameterFilters(optionalObjectList(input, 'ParameterFilters'), 'GetParametersByPath'),
  );
  const decrypt = optionalBoolean(input, 'WithDecryption') ?? false;
  const page = pageOf(store, selection, input, 10, 10);
  const { labels } = selection;
  return {
    Parameters: page.items.map((parameter) => {
      // A Label filter answers with the version that carries the label, not the latest.
      const label = labels?.find((candidate) => parameter.labels.has(candidate));
      const resolved = label === undefined ? { parameter, version: latest(parameter) } : store.resolve(`${parameter.name}:${label}`);
      return wireParameter(store, resolved, scope, decrypt);
    }),
    ...(page.nextToken !== undefined && { NextToken: page.nextToken }),
  };
}

function describeParameters(
  store: EmulatedParameterStore,
  input: RequestInput,
  scope: CallScope,
  forms: AnswerForms,
): object {
  const legacy = optionalObjectList(input, 'Filters');
  const filters = optionalObjectList(input, 'ParameterFilters');
  if (legacy && filters) {
    throw new AwsError(
      'ValidationException',
      'You can use either Filters or ParameterFilters in a single request.',
    );
  }
  const selection = legacy ? compileLegacyFilters(legacy) : compileParameterFilters(filters, 'DescribeParameters');
  const page = pageOf(store, selection, input, 50, 10);
  return {
    Parameters: page.items.map((parameter) => ({
      ...versionMetadata(store, parameter, latest(parameter), forms),
      ARN: parameterArn(scope, parameter.name),
    })),
    ...(page.nextToken !== undefined && { NextToken: page.nextToken }),
  };
}

function getParameterHistory(store: EmulatedParameterStore, input: RequestInput, forms: AnswerForms): object {
  const name = requiredString(input, 'Name');
  const parameter = store.find(name);
  if (!parameter) throw parameterNotFound(name);
  const decrypt = optionalBoolean(input, 'WithDecryption') ?? false;
  const limit = integerInRange(input, 'MaxResults', 1, 50, 50);
  const token = optionalString(input, 'NextToken');
  const after = token === undefined ? 0 : decodeToken(token, 'number');
  const remaining = parameter.versions.filter((version) => version.version > after);
  const versions = remaining.slice(0, limit);
  return {
    Parameters: versions.map((version) => ({
      ...versionMetadata(store, parameter, version, forms),
      Value: store.valueOf(version, decrypt),
      Labels: labelsOf(parameter, version.version),
    })),
    ...(remaining.length > limit && { NextToken: encodeToken(versions[versions.length - 1].version) }),
  };
}

// The model bounds each label to 1..100 characters: a longer one fails the call rather than
// coming back in InvalidLabels, which is for labels of a valid length SSM will not attach.
function labelList(input: RequestInput): string[] {
  const labels = stringList(input, 'Labels', 1, 10);
  if (labels.some((label) => label.length < 1 || label.length > 100)) {
    throw validationError(
      'labels',
      labels,
      'Member must satisfy constraint: [Member must have length less than or equal to 100, Member must have length greater than or equal to 1]',
    );
  }
  return labels;
}

// PSParameterVersion is a long; the SDK sends it as a JSON number.
function optionalVersion(input: RequestInput): number | undefined {
  const value = input.ParameterVersion;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw validationError('parameterVersion', value, 'Member must be a long');
  }
  return value;
}

// Tagging is shared by every SSM resource type; the emulator holds parameters only.
function parameterResource(input: RequestInput): string {
  const type = requiredString(input, 'ResourceType');
  if (type !== 'Parameter') {
    throw new AwsError(
      'InvalidResourceType',
      `The emulator tags parameters only: ResourceType ${type} isn't valid here; use Parameter.`,
    );
  }
  return requiredString(input, 'ResourceId');
}

function pageOf(
  store: EmulatedParameterStore,
  selection: ParameterSelection,
  input: RequestInput,
  maxResults: number,
  defaultResults: number,
): { items: readonly StoredParameter[]; nextToken?: string } {
  const limit = integerInRange(input, 'MaxResults', 1, maxResults, defaultResults);
  const token = optionalString(input, 'NextToken');
  const page = store.page({
    limit,
    matches: selection.matches,
    ...(selection.prefix !== undefined && { prefix: selection.prefix }),
    ...(token !== undefined && { after: decodeToken(token, 'string') }),
  });
  const last = page.items[page.items.length - 1];
  return page.more && last ? { items: page.items, nextToken: encodeToken(last.key) } : { items: page.items };
}

function wireParameter(
  store: EmulatedParameterStore,
  resolved: ResolvedVersion,
  scope: CallScope,
  decrypt: boolean,
): object {
  const { parameter, version } = resolved;
  return {
    Name: parameter.name,
    Type: version.type,
    Value: store.valueOf(version, decrypt),
    Version: version.version,
    ...(resolved.selector !== undefined && { Selector: resolved.selector }),
    LastModifiedDate: epochSeconds(version.lastModifiedDate),
    ARN: parameterArn(scope, parameter.name),
    DataType: version.dataType,
  };
}

function versionMetadata(
  store: EmulatedParameterStore,
  parameter: StoredParameter,
  version: StoredVersion,
  forms: AnswerForms,
): object {
  const keyId = store.keyIdOf(version, forms.keyIdForm);
  return {
    Name: parameter.name,
    Type: version.type,
    ...(keyId !== undefined && { KeyId: keyId }),
    LastModifiedDate: epochSeconds(version.lastModifiedDate),
    LastModifiedUser: version.lastModifiedUser,
    ...(version.description !== undefined && { Description: version.description }),
    ...(version.allowedPattern !== undefined && { AllowedPattern: version.allowedPattern }),
    Version: version.version,
    Tier: version.tier,
    Policies: [],
    DataType: version.dataType,
  };
}

// AWS JSON 1.1 sends timestamps as epoch seconds; the fraction keeps SSM's millisecond precision.
function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

// Tokens carry the last item returned rather than an offset, so a page never repeats or skips
// a parameter when others are created or deleted between calls.
function encodeToken(cursor: string | number): string {
  return Buffer.from(JSON.stringify({ after: cursor }), 'utf8').toString('base64url');
}

function decodeToken(token: string, kind: 'string'): string;
function decodeToken(token: string, kind: 'number'): number;
function decodeToken(token: string, kind: 'string' | 'number'): string | number {
  try {
    const cursor: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')).after;
    if (typeof cursor === kind) return cursor as string | number;
  } catch {
    // fall through to the AWS error below
  }
  throw new AwsError(
    'InvalidNextToken',
    "The specified token isn't valid: pass the NextToken of the previous page unchanged.",
  );
}
