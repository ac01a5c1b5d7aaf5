/**
 * The emulated Parameter Store: parameters, their versions and SSM's rules for writing them,
 * in memory and free of any wire format.
 */
import { PARAMETER_TYPES, type ParameterType } from '../../shared/parameters.ts';
import { AwsError, SENSITIVE, validationError } from './aws-error.ts';
import { DEFAULT_SSM_KEY_ID, keyArnIn, keyIdIn, keyLocation, type EmulatedKms, type KmsScope } from './kms.ts';
import { isValidLabel } from './labels.ts';
import { tagMap, type Tag } from './tags.ts';
import { parameterArn } from '../../shared/parameter-arn.ts';
import { parameterKey, parseReference, validateParameterName, type ArnScope } from './parameter-names.ts';
import type { KeyIdForm, ParameterSnapshot, ParameterTier } from './types.ts';

/** The tier a version is stored in; Intelligent-Tiering is only a request. */
export type StoredTier = Exclude<ParameterTier, 'Intelligent-Tiering'>;

/** Who writes, where, and when. */
export interface CallScope extends ArnScope {
  /** The caller's ARN, kept as LastModifiedUser. */
  readonly userArn: string;
  readonly now: Date;
}

/** One version of a parameter, as SSM keeps it. */
export interface StoredVersion {
  readonly version: number;
  readonly type: ParameterType;
  /** Plaintext for String and StringList; base64 KMS ciphertext for SecureString. */
  readonly storedValue: string;
  /** SecureString only. */
  readonly keyId?: string;
  /** The PARAMETER_ARN the ciphertext is bound to (SecureString only). */
  readonly encryptionArn?: string;
  readonly description?: string;
  readonly allowedPattern?: string;
  readonly tier: StoredTier;
  readonly dataType: string;
  readonly lastModifiedDate: Date;
  readonly lastModifiedUser: string;
}

/** A parameter: its name and its versions, oldest first, at most {@link MAX_VERSIONS}. */
export interface StoredParameter {
  /** As it was created: a root-level parameter keeps the spelling, `x` or `/x`, it was made with. */
  readonly name: string;
  /** The name with a leading slash, which both spellings share (see {@link parameterKey}). */
  readonly key: string;
  readonly versions: readonly StoredVersion[];
  /** Each label and the one version it is attached to. */
  readonly labels: ReadonlyMap<string, number>;
  readonly tags: ReadonlyMap<string, string>;
}

interface MutableParameter extends StoredParameter {
  readonly versions: StoredVersion[];
  readonly labels: Map<string, number>;
  readonly tags: Map<string, string>;
}

/** The fields of a PutParameter request the store acts on. */
export interface PutRequest {
  /** A name or a parameter ARN. */
  readonly name: string;
  readonly value: string;
  readonly type?: string;
  readonly overwrite?: boolean;
  readonly keyId?: string;
  readonly description?: string;
  readonly tier?: string;
  readonly dataType?: string;
  readonly allowedPattern?: string;
  /** Only when the put creates the parameter (PutParameter refuses Tags with Overwrite). */
  readonly tags?: readonly Tag[];
}

/** What a successful PutParameter answers. */
export interface PutResult {
  readonly version: number;
  readonly tier: StoredTier;
}

/** One version picked by a read reference (`name`, `name:version` or an ARN). */
export interface ResolvedVersion {
  readonly parameter: StoredParameter;
  readonly version: StoredVersion;
  /** `:3` or `:label` when the reference selected a version, as GetParameter echoes it. */
  readonly selector?: string;
}

/** Which parameters a listing wants, and from where it resumes. */
export interface PageRequest {
  /** Only names starting with this; lets the store skip straight to them. */
  readonly prefix?: string;
  /** Resume after this key (the previous page's last one). */
  readonly after?: string;
  readonly limit: number;
  readonly matches: (parameter: StoredParameter) => boolean;
}

/** A page of parameters in key order. */
export interface Page {
  readonly items: readonly StoredParameter[];
  /** True when the page stopped at its limit: more parameters may match after the last item. */
  readonly more: boolean;
}

/** What LabelParameterVersion answers. */
export interface LabelResult {
  readonly invalidLabels: readonly string[];
  readonly version: number;
}

/** What UnlabelParameterVersion answers. */
export interface UnlabelResult {
  readonly removedLabels: readonly string[];
  readonly invalidLabels: readonly string[];
}

/** SSM keeps the newest 100 versions of a parameter and forgets older ones. */
export const MAX_VERSIONS = 100;

const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];
const TIERS: readonly string[] = ['Standard', 'Advanced', 'Intelligent-Tiering'];
const MAX_VALUE_BYTES: Readonly<Record<StoredTier, number>> = { Standard: 4096, Advanced: 8192 };
const MAX_DESCRIPTION_LENGTH = 1024;
const MAX_LABELS_PER_VERSION = 10;
const MAX_TAGS = 50;

/**
 * The Parameter Store of one region of one account, in memory: PutParameter's rules, version
 * history, reads by reference, and name-ordered listing.
 *
 * SecureString values are kept only as ciphertext from the emulator's KMS, under a key of the
 * store's own region and account and bound to the parameter's ARN, exactly what a read
 * without decryption returns.
 *
 * @example
 * const store = new EmulatedParameterStore(new EmulatedKms(), { account: '123456789012', region: 'eu-west-1' });
 * store.put({ name: '/app/db', value: 'x', type: 'String' }, scope); // { version: 1, tier: 'Standard' }
 */
export class EmulatedParameterStore {
  private readonly parameters = new Map<string, MutableParameter>();
  // Listing runs on every page request; sorting is paid again only when names come or go.
  private sortedNames: string[] | undefined;

  constructor(private readonly kms: EmulatedKms, private readonly location: KmsScope) {}

  /**
   * Writes a new version following PutParameter's rules.
   *
   * @throws AwsError `ParameterAlreadyExists` without `overwrite`; `ValidationException` for
   *   a bad name, type, tier, data type or a value too large for the tier;
   *   `ParameterPatternMismatchException` when the value breaks `allowedPattern`;
   *   `InvalidKeyId` for a SecureString key of another region or account.
   */
  put(request: PutRequest, scope: CallScope): PutResult {
    const reference = parseReference(request.name);
    const requested = reference.fromArn ? `/${reference.name}` : request.name;
    validateParameterName(requested);
    const existing = this.parameters.get(parameterKey(requested));
    const name = existing?.name ?? requested;
    const previous = existing?.versions.at(-1);
    if (previous && !request.overwrite) {
      throw new AwsError(
        'ParameterAlreadyExists',
        // SSM's text names no parameter.
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const type = parameterType(request.type, previous);
    if (request.value.length < 1)
      throw validationError('value', SENSITIVE, 'Member must have length greater than or equal to 1');
    if (request.description !== undefined && request.description.length > MAX_DESCRIPTION_LENGTH) {
      throw validationError(
        'description',
        request.description,
        `Member must have length less than or equal to ${MAX_DESCRIPTION_LENGTH}`,
      );
    }
    const dataType = request.dataType ?? previous?.dataType ?? 'text';
    if (!DATA_TYPES.includes(dataType)) {
      throw new AwsError(
        'ValidationException',
        `The following data type is not supported: ${dataType} (Data type names are all lowercase.)`,
      );
    }
    const allowedPattern = request.allowedPattern ?? previous?.allowedPattern;
    if (allowedPattern !== undefined) checkPattern(name, request.value, allowedPattern);
    const tier = resolveTier(name, request.tier, previous?.tier, Buffer.byteLength(request.value, 'utf8'));
    if (existing && existing.versions.length === MAX_VERSIONS) {
      const oldest = existing.versions[0] as StoredVersion;
      if (labelsOf(existing, oldest.version).length > 0) {
        throw new AwsError(
          'ParameterMaxVersionLimitExceeded',
          `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. ` +
            `Version ${oldest.version}, the oldest version, can't be deleted because it has a label associated with it. ` +
            'Move the label to another version of the parameter, and try again.',
        );
      }
    }

    const version = (previous?.version ?? 0) + 1;
    const encryptionArn = type === 'SecureString' ? parameterArn(scope, name) : undefined;
    // SSM accepts a KeyId on a String or StringList and drops it: only a SecureString has a key.
    const keyId = type === 'SecureString' ? request.keyId ?? DEFAULT_SSM_KEY_ID : undefined;
    const keyArn = keyId === undefined ? undefined : this.usableKey(keyId);
    const storedValue =
      keyArn !== undefined && encryptionArn !== undefined
        ? this.kms
            .encrypt(
              keyArn,
              Buffer.from(request.value, 'utf8'),
              { PARAMETER_ARN: encryptionArn },
              // Advanced parameters are encrypted with a data key, standard ones directly.
              tier === 'Advanced' ? 'kms:GenerateDataKey' : 'kms:Encrypt',
            )
            .toString('base64')
        : request.value;
    const description = request.description ?? previous?.description;
    const stored: StoredVersion = {
      version,
      type,
      storedValue,
      tier,
      dataType,
      lastModifiedDate: scope.now,
      lastModifiedUser: scope.userArn,
      ...(keyId !== undefined && { keyId, encryptionArn }),
      ...(description !== undefined && { description }),
      ...(allowedPattern !== undefined && { allowedPattern }),
    };

    if (existing) {
      existing.versions.push(stored);
      if (existing.versions.length > MAX_VERSIONS) existing.versions.splice(0, existing.versions.length - MAX_VERSIONS);
    } else {
      const key = parameterKey(name);
      this.parameters.set(key, { name, key, versions: [stored], labels: new Map(), tags: tagMap(request.tags ?? []) });
      this.sortedNames = undefined;
    }
    return { version, tier };
  }

  /**
   * Writes a String parameter AWS itself publishes (under the reserved `/aws/`), which
   * {@link EmulatedParameterStore.put} refuses to any caller.
   */
  publish(name: string, value: string, scope: CallScope): void {
    const key = parameterKey(name);
    const version: StoredVersion = {
      version: 1,
      type: 'String',
      storedValue: value,
      tier: 'Standard',
      dataType: name.includes('/ami-') ? 'aws:ec2:image' : 'text',
      lastModifiedDate: scope.now,
      lastModifiedUser: scope.userArn,
    };
    this.parameters.set(key, { name, key, versions: [version], labels: new Map(), tags: new Map() });
    this.sortedNames = undefined;
  }

  /** The parameter a name or ARN refers to, if it exists. */
  find(nameOrArn: string): StoredParameter | undefined {
    return this.parameters.get(parameterKey(parseReference(nameOrArn).name));
  }

  /**
   * The version a read reference selects: the latest, `name:version`, or an ARN of either.
   *
   * @throws AwsError `ParameterNotFound`, or `ParameterVersionNotFound` for a version SSM no
   *   longer (or never) had.
   */
  resolve(reference: string): ResolvedVersion {
    const parsed = parseReference(reference);
    const parameter = this.parameters.get(parameterKey(parsed.name));
    // A selector that is neither a version nor a label SSM could attach names no parameter.
    if (!parameter || (parsed.label !== undefined && !isValidLabel(parsed.label))) throw parameterNotFound(reference);
    if (parsed.label !== undefined) {
      const labelled = parameter.labels.get(parsed.label);
      const version = parameter.versions.find((candidate) => candidate.version === labelled);
      if (!version) {
        throw new AwsError(
          'ParameterVersionNotFound',
          `Systems Manager could not find version with label ${parsed.label} of ${parameter.name}. Verify the label and try again.`,
        );
      }
      return { parameter, version, selector: `:${parsed.label}` };
    }
    if (parsed.version === undefined) return { parameter, version: latest(parameter) };
    const version = parameter.versions.find((candidate) => candidate.version === parsed.version);
    if (!version) {
      throw new AwsError(
        'ParameterVersionNotFound',
        `Systems Manager could not find version ${parsed.version} of ${parameter.name}. Verify the version and try again.`,
      );
    }
    return { parameter, version, selector: `:${parsed.version}` };
  }

  /**
   * Attaches labels to a version (the latest when none is given), moving each from the version
   * that had it; labels SSM does not allow are returned instead of attached.
   *
   * @throws AwsError `ParameterNotFound`, `ParameterVersionNotFound`, or
   *   `ParameterVersionLabelLimitExceeded` when the version would carry more than 10 labels.
   */
  label(name: string, versionNumber: number | undefined, labels: readonly string[]): LabelResult {
    const parameter = this.mutable(name);
    const version = versionNumber === undefined ? latest(parameter) : versionOf(parameter, versionNumber);
    const invalidLabels = labels.filter((label) => !isValidLabel(label));
    const valid = labels.filter(isValidLabel);
    const after = new Set([...labelsOf(parameter, version.version), ...valid]);
    if (after.size > MAX_LABELS_PER_VERSION) {
      throw new AwsError(
        'ParameterVersionLabelLimitExceeded',
        `A parameter version can have maximum ${MAX_LABELS_PER_VERSION} labels. Move one or more labels to another version and try again.`,
      );
    }
    for (const label of valid) parameter.labels.set(label, version.version);
    return { invalidLabels, version: version.version };
  }

  /**
   * Detaches labels from a version; labels that version does not carry come back as invalid.
   *
   * @throws AwsError `ParameterNotFound` or `ParameterVersionNotFound`.
   */
  unlabel(name: string, versionNumber: number, labels: readonly string[]): UnlabelResult {
    const parameter = this.mutable(name);
    const version = versionOf(parameter, versionNumber);
    const removedLabels = labels.filter((label) => parameter.labels.get(label) === version.version);
    for (const label of removedLabels) parameter.labels.delete(label);
    return { removedLabels, invalidLabels: labels.filter((label) => !removedLabels.includes(label)) };
  }

  /**
   * Adds or overwrites tags of a parameter.
   *
   * @throws AwsError `InvalidResourceId` for an unknown parameter, `TooManyTagsError` beyond 50.
   */
  tag(name: string, tags: readonly Tag[]): void {
    const parameter = this.tagged(name);
    const merged = new Map([...parameter.tags, ...tagMap(tags)]);
    if (merged.size > MAX_TAGS) {
      throw new AwsError(
        'TooManyTagsError',
        `A parameter can have at most ${MAX_TAGS} tags; ${name} would have ${merged.size}. Remove some and try again.`,
      );
    }
    for (const [key, value] of merged) parameter.tags.set(key, value);
  }

  /** Removes tags by key; keys the parameter does not have are ignored, as SSM does. */
  untag(name: string, keys: readonly string[]): void {
    const parameter = this.tagged(name);
    for (const key of keys) parameter.tags.delete(key);
  }

  /** The tags of a parameter, by key. */
  tagsOf(name: string): ReadonlyMap<string, string> {
    return this.tagged(name).tags;
  }

  /** Deletes a parameter with all its versions; the name it had, or undefined if none. */
  delete(nameOrArn: string): string | undefined {
    const parameter = this.find(nameOrArn);
    if (!parameter) return undefined;
    this.parameters.delete(parameter.key);
    this.sortedNames = undefined;
    return parameter.name;
  }

  /**
   * The value of a version as a read returns it: SecureString ciphertext unless `decrypt`.
   */
  valueOf(version: StoredVersion, decrypt: boolean): string {
    if (!decrypt || version.encryptionArn === undefined) return version.storedValue;
    const blob = Buffer.from(version.storedValue, 'base64');
    return this.kms.decrypt(blob, { PARAMETER_ARN: version.encryptionArn }, this.location).plaintext.toString('utf8');
  }

  /** A SecureString version's KeyId in the form `form` (see {@link KeyIdForm}). */
  keyIdOf(version: StoredVersion, form: KeyIdForm): string | undefined {
    return version.keyId === undefined ? undefined : keyIdIn(this.kms, version.keyId, form, this.location);
  }

  /** One page of matching parameters in key order, resuming after `request.after`. */
  page(request: PageRequest): Page {
    const names = this.names();
    const prefix = request.prefix ?? '';
    let index = lowerBound(names, prefix);
    if (request.after !== undefined) index = Math.max(index, upperBound(names, request.after));
    const items: StoredParameter[] = [];
    for (; index < names.length && names[index].startsWith(prefix); index += 1) {
      const parameter = this.parameters.get(names[index]);
      if (!parameter || !request.matches(parameter)) continue;
      items.push(parameter);
      // SSM's listings are best effort (a page may hold fewer than MaxResults and still carry
      // a NextToken) and only a missing token ends one. Stopping at the limit without looking
      // further makes a full page carry a token even when nothing follows, as moto's model of
      // SSM does, so clients must page on to the empty last page.
      if (items.length === request.limit) return { items, more: true };
    }
    return { items, more: false };
  }

  /** Every parameter's latest version, in name order, SecureStrings decrypted. */
  snapshot(): ParameterSnapshot[] {
    return this.names().map((key) => {
      const parameter = this.parameters.get(key) as StoredParameter;
      const version = latest(parameter);
      return {
        name: parameter.name,
        type: version.type,
        value: this.valueOf(version, true),
        version: version.version,
        tier: version.tier,
        dataType: version.dataType,
        lastModifiedDate: version.lastModifiedDate,
        ...(version.keyId !== undefined && { keyId: version.keyId }),
        ...(version.description !== undefined && { description: version.description }),
      };
    });
  }

  /** Forgets every parameter. */
  clear(): void {
    this.parameters.clear();
    this.sortedNames = undefined;
  }

  // Keys are regional and key policies are not modelled: only this region's and account's keys.
  private usableKey(keyId: string): string {
    const { region, account } = keyLocation(keyArnIn(keyId, this.location));
    if (region !== this.location.region || account !== this.location.account) {
      throw new AwsError(
        'InvalidKeyId',
        `The query key ID isn't valid: ${keyId} is a key of ${region} in account ${account}; a SecureString in ` +
          `${this.location.region} of account ${this.location.account} must use a key of that region and account.`,
      );
    }
    return this.kms.key(keyId, this.location).arn;
  }

  private mutable(name: string): MutableParameter {
    const parameter = this.parameters.get(parameterKey(name));
    if (!parameter) throw parameterNotFound(name);
    return parameter;
  }

  // Tagging calls name their resource by id and answer for an unknown one as for any resource.
  private tagged(name: string): MutableParameter {
    const parameter = this.parameters.get(parameterKey(name));
    if (!parameter) {
      throw new AwsError('InvalidResourceId', `The resource ID ${name} isn't valid. Verify that you entered the correct ID and try again.`);
    }
    return parameter;
  }

  private names(): string[] {
    this.sortedNames ??= [...this.parameters.keys()].sort(compareNames);
    return this.sortedNames;
  }

}

/** The labels attached to one version of a parameter. */
export function labelsOf(parameter: StoredParameter, version: number): string[] {
  return [...parameter.labels].filter(([, labelled]) => labelled === version).map(([label]) => label);
}

function versionOf(parameter: StoredParameter, version: number): StoredVersion {
  const found = parameter.versions.find((candidate) => candidate.version === version);
  if (!found) {
    throw new AwsError(
      'ParameterVersionNotFound',
      `Systems Manager could not find version ${version} of ${parameter.name}. Verify the version and try again.`,
    );
  }
  return found;
}

/** The newest version of a parameter. */
export function latest(parameter: StoredParameter): StoredVersion {
  return parameter.versions[parameter.versions.length - 1];
}

/** SSM's answer for a name that does not exist. */
export function parameterNotFound(name: string): AwsError {
  return new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
}

// Code-unit order, so that paging cursors compare the same way the sort did.
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(names: readonly string[], key: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (names[middle] < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

function upperBound(names: readonly string[], key: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (names[middle] <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}

function parameterType(requested: string | undefined, previous: StoredVersion | undefined): ParameterType {
  if (requested === undefined) {
    if (previous) return previous.type;
    throw new AwsError('ValidationException', 'A parameter type is required when you create a parameter.');
  }
  if (!(PARAMETER_TYPES as readonly string[]).includes(requested)) {
    // SSM lists the enum in this order, not the model's.
    throw validationError('type', requested, 'Member must satisfy enum value set: [SecureString, StringList, String]');
  }
  return requested as ParameterType;
}

// A parameter never leaves the advanced tier; Intelligent-Tiering picks the cheapest that fits.
function resolveTier(
  name: string,
  requested: string | undefined,
  previous: StoredTier | undefined,
  bytes: number,
): StoredTier {
  if (requested !== undefined && !TIERS.includes(requested)) {
    throw validationError('tier', requested, `Member must satisfy enum value set: [${TIERS.join(', ')}]`);
  }
  if (requested === 'Standard' && previous === 'Advanced') {
    throw new AwsError(
      'ValidationException',
      `${name} uses the advanced-parameter tier and cannot be moved back to Standard; delete and re-create it instead.`,
    );
  }
  const tier: StoredTier =
    requested === 'Advanced' || previous === 'Advanced'
      ? 'Advanced'
      : requested === 'Intelligent-Tiering' && bytes > MAX_VALUE_BYTES.Standard
      ? 'Advanced'
      : 'Standard';
  if (bytes > MAX_VALUE_BYTES[tier]) {
    const remedy = tier === 'Standard' ? ' To store a larger value, use the Advanced or Intelligent-Tiering tier.' : '';
    throw new AwsError(
      'ValidationException',
      `${tier} tier parameters support a maximum parameter value of ${MAX_VALUE_BYTES[tier]} bytes ` +
        `(${name} has ${bytes}).${remedy}`,
    );
  }
  return tier;
}

function checkPattern(name: string, value: string, pattern: string): void {
  let expression: RegExp;
  try {
    expression = new RegExp(pattern);
  } catch {
    throw new AwsError(
      'InvalidAllowedPatternException',
      `AllowedPattern ${pattern} of ${name} is not a valid regular expression.`,
    );
  }
  if (!expression.test(value)) {
    throw new AwsError(
      'ParameterPatternMismatchException',
      `The value of ${name} does not match its AllowedPattern ${pattern}.`,
    );
  }
}
