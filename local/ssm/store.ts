/**
 * The emulated Parameter Store: parameters, their versions and SSM's rules for writing them,
 * in memory and free of any wire format.
 */
import { PARAMETER_TYPES, type ParameterType } from '../../shared/parameters.ts';
import { AwsError, validationError } from './aws-error.ts';
import { DEFAULT_SSM_KEY_ID, type EmulatedKms } from './kms.ts';
import {
  namesForArnPath,
  parameterArn,
  parseReference,
  validateParameterName,
  type ArnScope,
} from './parameter-names.ts';
import type { ParameterSnapshot, ParameterTier } from './types.ts';

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
  readonly name: string;
  readonly versions: readonly StoredVersion[];
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
  /** `:3` when the reference selected a version, as GetParameter echoes it. */
  readonly selector?: string;
}

/** Which parameters a listing wants, and from where it resumes. */
export interface PageRequest {
  /** Only names starting with this; lets the store skip straight to them. */
  readonly prefix?: string;
  /** Resume after this name (the previous page's last one). */
  readonly after?: string;
  readonly limit: number;
  readonly matches: (parameter: StoredParameter) => boolean;
}

/** A page of parameters in name order. */
export interface Page {
  readonly items: readonly StoredParameter[];
  /** True when at least one more parameter matches after the last item. */
  readonly more: boolean;
}

/** SSM keeps the newest 100 versions of a parameter and forgets older ones. */
export const MAX_VERSIONS = 100;

const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];
const TIERS: readonly string[] = ['Standard', 'Advanced', 'Intelligent-Tiering'];
const MAX_VALUE_BYTES: Readonly<Record<StoredTier, number>> = { Standard: 4096, Advanced: 8192 };
const MAX_DESCRIPTION_LENGTH = 1024;

/**
 * Parameter Store in memory: PutParameter's rules, version history, reads by reference, and
 * name-ordered listing.
 *
 * SecureString values are kept only as ciphertext from the emulator's KMS, bound to the
 * parameter's ARN, exactly what a read without decryption returns.
 *
 * @example
 * const store = new EmulatedParameterStore(new EmulatedKms());
 * store.put({ name: '/app/db', value: 'x', type: 'String' }, scope); // { version: 1, tier: 'Standard' }
 */
export class EmulatedParameterStore {
  private readonly parameters = new Map<string, StoredParameter & { versions: StoredVersion[] }>();
  // Listing runs on every page request; sorting is paid again only when names come or go.
  private sortedNames: string[] | undefined;

  constructor(private readonly kms: EmulatedKms) {}

  /**
   * Writes a new version following PutParameter's rules.
   *
   * @throws AwsError `ParameterAlreadyExists` without `overwrite`; `ValidationException` for
   *   a bad name, type, tier, data type or a value too large for the tier;
   *   `ParameterPatternMismatchException` when the value breaks `allowedPattern`.
   */
  put(request: PutRequest, scope: CallScope): PutResult {
    const name = this.nameToWrite(request.name);
    validateParameterName(name);
    const existing = this.parameters.get(name);
    const previous = existing?.versions.at(-1);
    if (previous && !request.overwrite) {
      throw new AwsError(
        'ParameterAlreadyExists',
        `The parameter ${name} already exists. To overwrite this value, set the overwrite option in the request to true.`,
      );
    }
    const type = parameterType(request.type, previous);
    if (request.value.length < 1)
      throw validationError('value', '', 'Member must have length greater than or equal to 1');
    if (request.keyId !== undefined && type !== 'SecureString') {
      throw new AwsError('ValidationException', `KeyId is for SecureString parameters only; ${name} is a ${type}.`);
    }
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
        `DataType ${dataType} is not valid; use one of ${DATA_TYPES.join(', ')}.`,
      );
    }
    const allowedPattern = request.allowedPattern ?? previous?.allowedPattern;
    if (allowedPattern !== undefined) checkPattern(name, request.value, allowedPattern);
    const tier = resolveTier(name, request.tier, previous?.tier, Buffer.byteLength(request.value, 'utf8'));

    const version = (previous?.version ?? 0) + 1;
    const encryptionArn = type === 'SecureString' ? parameterArn(name, scope) : undefined;
    const keyId = type === 'SecureString' ? request.keyId ?? DEFAULT_SSM_KEY_ID : undefined;
    const storedValue =
      keyId !== undefined && encryptionArn !== undefined
        ? this.kms
            .encrypt(keyId, Buffer.from(request.value, 'utf8'), { PARAMETER_ARN: encryptionArn })
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
      this.parameters.set(name, { name, versions: [stored] });
      this.sortedNames = undefined;
    }
    return { version, tier };
  }

  /** The parameter a name or ARN refers to, if it exists. */
  find(nameOrArn: string): StoredParameter | undefined {
    const reference = parseReference(nameOrArn);
    return this.lookup(reference.name, reference.fromArn);
  }

  /**
   * The version a read reference selects: the latest, `name:version`, or an ARN of either.
   *
   * @throws AwsError `ParameterNotFound`, or `ParameterVersionNotFound` for a version SSM no
   *   longer (or never) had.
   */
  resolve(reference: string): ResolvedVersion {
    const parsed = parseReference(reference);
    const parameter = this.lookup(parsed.name, parsed.fromArn);
    if (!parameter) throw parameterNotFound(reference);
    if (parsed.label !== undefined) {
      throw new AwsError(
        'ParameterVersionNotFound',
        `Systems Manager could not find label ${parsed.label} of ${parameter.name}: the emulator keeps no labels; select a version number.`,
      );
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

  /** Deletes a parameter with all its versions; the name it had, or undefined if none. */
  delete(nameOrArn: string): string | undefined {
    const parameter = this.find(nameOrArn);
    if (!parameter) return undefined;
    this.parameters.delete(parameter.name);
    this.sortedNames = undefined;
    return parameter.name;
  }

  /**
   * The value of a version as a read returns it: SecureString ciphertext unless `decrypt`.
   */
  valueOf(version: StoredVersion, decrypt: boolean): string {
    if (!decrypt || version.encryptionArn === undefined) return version.storedValue;
    const blob = Buffer.from(version.storedValue, 'base64');
    return this.kms.decrypt(blob, { PARAMETER_ARN: version.encryptionArn }).plaintext.toString('utf8');
  }

  /** One page of matching parameters in name order, resuming after `request.after`. */
  page(request: PageRequest): Page {
    const names = this.names();
    const prefix = request.prefix ?? '';
    let index = lowerBound(names, prefix);
    if (request.after !== undefined) index = Math.max(index, upperBound(names, request.after));
    const items: StoredParameter[] = [];
    for (; index < names.length && names[index].startsWith(prefix); index += 1) {
      const parameter = this.parameters.get(names[index]);
      if (!parameter || !request.matches(parameter)) continue;
      if (items.length === request.limit) return { items, more: true };
      items.push(parameter);
    }
    return { items, more: false };
  }

  /** Every parameter's latest version, in name order, SecureStrings decrypted. */
  snapshot(): ParameterSnapshot[] {
    return this.names().map((name) => {
      const version = latest(this.parameters.get(name) as StoredParameter);
      return {
        name,
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

  private names(): string[] {
    this.sortedNames ??= [...this.parameters.keys()].sort(compareNames);
    return this.sortedNames;
  }

  private lookup(name: string, fromArn: boolean): StoredParameter | undefined {
    if (!fromArn) return this.parameters.get(name);
    for (const candidate of namesForArnPath(name)) {
      const parameter = this.parameters.get(candidate);
      if (parameter) return parameter;
    }
    return undefined;
  }

  private nameToWrite(nameOrArn: string): string {
    const reference = parseReference(nameOrArn);
    if (!reference.fromArn) return nameOrArn;
    return this.lookup(reference.name, true)?.name ?? namesForArnPath(reference.name)[0];
  }
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
    throw new AwsError('ValidationException', 'A parameter type is required when you create a parameter: set Type.');
  }
  if (!(PARAMETER_TYPES as readonly string[]).includes(requested)) {
    throw validationError('type', requested, `Member must satisfy enum value set: [${PARAMETER_TYPES.join(', ')}]`);
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
