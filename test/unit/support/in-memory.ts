/**
 * In-memory ports for unit tests of the domain and for the benchmarks that measure DynamoDB
 * alone. They keep the contracts the Dynamo and SSM adapters keep (conditional insert,
 * conditional swap, batched reads) and count calls, so a test can say "one Query, no Scan".
 */
import type { AuditLog, AuditRecord } from '../../../shared/audit/types.ts';
import type { CacheEntry, CacheScanKey, NameCache } from '../../../shared/cache/types.ts';
import { ListingTokenRejectedError, type NamesPage, type ParameterStore, type ParameterValue, type ParameterWrite } from '../../../shared/parameters.ts';
import { ParameterExistsError } from '../../../shared/replication/errors.ts';
import { readStoredMapping } from '../../../shared/replication/mapping.ts';
import { placeKey, type Place } from '../../../shared/replication/places.ts';
import type {
  ParameterDetails,
  ReplicaPlaces,
  ReplicaStore,
  ReplicaWrite,
  ReplicationMappings,
  SourceIndex,
  SourceLink,
} from '../../../shared/replication/types.ts';

export class Calls {
  private readonly counts = new Map<string, number>();
  count(operation: string): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
  }
  of(operation: string): number {
    return this.counts.get(operation) ?? 0;
  }
}

interface Versioned {
  readonly versions: ParameterValue[];
}

/** What a mirror copies besides value and type. */
export interface Metadata {
  tier: 'Standard' | 'Advanced';
  dataType: string;
  allowedPattern?: string;
  description?: string;
  tags: Record<string, string>;
}

/**
 * Parameter Store with versions; SecureStrings read undecrypted come back as `cipher:<value>`.
 * Versions carry a LastModifiedDate once a test sets `now` (epoch ms).
 */
export class InMemoryParameterStore implements ParameterStore, ReplicaStore {
  readonly calls = new Calls();
  readonly writes: ParameterWrite[] = [];
  now: number | undefined;
  /** Names per listing page (DescribeParameters' 50 unless a test sets fewer). */
  listingPageSize = 50;
  /** Bumped by {@link expireListingTokens}: a token of an older generation is refused. */
  private listingGeneration = 0;
  /**
   * What the caller's IAM lets it read: a batch naming anything else fails whole, as
   * GetParameters does under a policy that denies one of its names.
   */
  readable: (name: string) => boolean = () => true;
  /** What KMS would call each key name here (alias, id) by its ARN; unlisted names are their own. */
  keyArns: Record<string, string> = {};
  private readonly parameters = new Map<string, Versioned>();
  private readonly metadata = new Map<string, Metadata>();
  /** Awaited before each read call `SsmParameterStore` would send; see {@link withReadTurns}. */
  private readTurn: () => Promise<void> = async () => undefined;

  /** The same parameters, each read call waiting its turn, counted as `SsmParameterStore` makes them. */
  withReadTurns(turn: () => Promise<void>): InMemoryParameterStore {
    // A view sharing every field but the turn, so writes through it land in this store.
    const view = Object.create(this) as InMemoryParameterStore;
    const own = this.readTurn;
    view.readTurn = async () => {
      await own();
      await turn();
    };
    return view;
  }

  private async turns(calls: number): Promise<void> {
    for (let call = 0; call < calls; call++) await this.readTurn();
  }

  put(name: string, value: string, type: ParameterValue['type'] = 'String', keyId?: string, meta: Partial<Metadata> = {}): number {
    const versions = this.parameters.get(name)?.versions ?? [];
    const version = (versions.at(-1)?.version ?? 0) + 1;
    const lastModified = this.now;
    const stored = type === 'SecureString' ? (keyId ?? 'alias/aws/ssm') : undefined;
    this.parameters.set(name, { versions: [...versions, { name, value, type, version, keyId: stored, lastModified }] });
    const previous = this.metadata.get(name) ?? { tier: 'Standard', dataType: 'text', tags: {} };
    this.metadata.set(name, { ...previous, ...meta, tags: { ...previous.tags, ...meta.tags } });
    return version;
  }

  delete(name: string): void {
    this.parameters.delete(name);
    this.metadata.delete(name);
  }

  /** Every parameter as `name=value`, sorted: two stores compare by it. */
  snapshotNames(): string[] {
    return [...this.parameters.keys()].sort().map((name) => `${name}=${this.current(name)?.value}`);
  }

  meta(name: string): Metadata | undefined {
    return this.metadata.get(name);
  }

  async readDetails(names: readonly string[]) {
    this.calls.count('readDetails');
    const unique = [...new Set(names)];
    const present = unique.filter((name) => this.parameters.has(name)).length;
    // GetParameters by 10, DescribeParameters by 50, ListTagsForResource one by one.
    await this.turns(Math.ceil(unique.length / 10) + Math.ceil(present / 50) + present);
    const details = new Map<string, ParameterDetails>();
    for (const name of unique) {
      const value = this.current(name);
      const meta = this.metadata.get(name);
      if (value && meta) details.set(name, { ...value, ...meta, tags: { ...meta.tags } });
    }
    return details;
  }

  async keyArn(keyId: string) {
    this.calls.count('keyArn');
    return this.keyArns[keyId] ?? keyId;
  }

  async *namesUnder(prefix: string) {
    this.calls.count('namesUnder');
    const names = [...this.parameters.keys()].filter((name) => name.startsWith(prefix)).sort();
    // One DescribeParameters call a page; an empty listing is one call too.
    let start = 0;
    do {
      await this.readTurn();
      yield* names.slice(start, start + this.listingPageSize);
      start += this.listingPageSize;
    } while (start < names.length);
  }

  async retag(name: string, add: Readonly<Record<string, string>>, remove: readonly string[]) {
    if (Object.keys(add).length + remove.length === 0) return;
    this.calls.count('retag');
    const meta = this.metadata.get(name);
    if (!meta) throw new Error(`ParameterNotFound: ${name}`);
    const tags = { ...meta.tags, ...add };
    for (const key of remove) delete tags[key];
    meta.tags = tags;
  }

  async deleteParameters(names: readonly string[]) {
    this.calls.count('deleteParameters');
    for (const name of names) this.delete(name);
  }

  current(name: string): ParameterValue | undefined {
    return this.parameters.get(name)?.versions.at(-1);
  }

  async readVersion(name: string, version: number) {
    this.calls.count('readVersion');
    await this.readTurn();
    const found = this.parameters.get(name)?.versions.find((entry) => entry.version === version);
    return found && undecrypted(found);
  }

  async readDecrypted(names: readonly string[]) {
    const unique = [...new Set(names)];
    for (let start = 0; start < unique.length; start += 10) {
      this.calls.count('GetParameters');
      await this.readTurn();
      const denied = unique.slice(start, start + 10).find((name) => !this.readable(name));
      if (denied) throw Object.assign(new Error(`not authorized to perform: ssm:GetParameters on ${denied}`), { name: 'AccessDeniedException' });
    }
    const values = new Map<string, ParameterValue>();
    for (const name of unique) {
      const found = this.current(name);
      if (found) values.set(name, found);
    }
    return values;
  }

  async write(parameter: ParameterWrite | ReplicaWrite) {
    this.calls.count('write');
    const create = 'createWithTags' in parameter ? parameter.createWithTags : undefined;
    if (create && this.parameters.has(parameter.name)) throw new ParameterExistsError(parameter.name);
    this.writes.push(parameter);
    const meta: Partial<Metadata> =
      'tier' in parameter
        ? {
            tier: parameter.tier,
            dataType: parameter.dataType,
            allowedPattern: parameter.allowedPattern,
            description: parameter.description || undefined,
            ...(create && { tags: { ...create } }),
          }
        : {};
    return this.put(parameter.name, parameter.value, parameter.type, parameter.keyId, meta);
  }

  async existing(names: readonly string[]) {
    this.calls.count('existing');
    await this.turns(Math.ceil(new Set(names).size / 50));
    return new Set(names.filter((name) => this.parameters.has(name)));
  }

  /**
   * Names in name order; the token carries the last name returned, as the sandbox's
   * emulator's does, so a page never repeats or skips a name created or deleted meanwhile.
   */
  async listNamesPage(token?: string): Promise<NamesPage> {
    this.calls.count('listNamesPage');
    await this.readTurn();
    let after: string | undefined;
    if (token !== undefined) {
      const [generation, name] = JSON.parse(token) as [number, string];
      if (generation !== this.listingGeneration) throw new ListingTokenRejectedError("The specified token isn't valid.");
      after = name;
    }
    const names = [...this.parameters.keys()].sort().filter((name) => after === undefined || name > after);
    const page = names.slice(0, this.listingPageSize);
    const last = page.at(-1);
    return { names: page, ...(names.length > page.length && last !== undefined && { next: JSON.stringify([this.listingGeneration, last]) }) };
  }

  /** Every listing token handed out so far is refused from now on, as SSM's expire. */
  expireListingTokens(): void {
    this.listingGeneration++;
  }
}

function undecrypted(value: ParameterValue): ParameterValue {
  return value.type === 'SecureString' ? { ...value, value: `cipher:${Buffer.from(value.value).toString('base64')}` } : value;
}

/** Parameter Stores of several places, home first; each place's store is made on first use. */
export class InMemoryPlaces implements ReplicaPlaces {
  readonly stores = new Map<string, InMemoryParameterStore>();
  constructor(
    readonly homePlace: Place,
    home: InMemoryParameterStore,
  ) {
    this.stores.set(placeKey(homePlace), home);
  }

  async home() {
    return this.homePlace;
  }

  parametersIn(place: Place): InMemoryParameterStore {
    let store = this.stores.get(placeKey(place));
    if (!store) this.stores.set(placeKey(place), (store = new InMemoryParameterStore()));
    return store;
  }
}

export class InMemoryAuditLog implements AuditLog {
  readonly records: AuditRecord[] = [];

  async recordsBetween(parameterName: string, from: number, to: number) {
    return this.records
      .filter((record) => record.parameterName === parameterName && record.time >= from && record.time <= to)
      .sort((a, b) => a.time - b.time);
  }

  async insert(record: AuditRecord) {
    if (this.records.some((stored) => stored.parameterName === record.parameterName && stored.time === record.time)) {
      return false;
    }
    this.records.push(record);
    return true;
  }

  of(parameterName: string): AuditRecord[] {
    return this.records.filter((record) => record.parameterName === parameterName).sort((a, b) => a.time - b.time);
  }
}

export class InMemoryNameCache implements NameCache {
  readonly calls = new Calls();
  items: CacheEntry[] = [];
  /** Items per scan page (DynamoDB's `Limit`). */
  scanPageSize = 100;

  async entries(name: string) {
    this.calls.count('Query');
    return this.items.filter((item) => item.name === name);
  }

  async replace(previous: readonly CacheEntry[], next: CacheEntry) {
    const key = (entry: CacheEntry) => `${entry.name}|${entry.lastUpdated}`;
    const stored = new Map(this.items.map((item) => [key(item), item]));
    const unchanged = previous.every((entry) => stored.get(key(entry))?.eventTime === entry.eventTime);
    if (!unchanged || stored.has(key(next))) return false;
    const removed = new Set(previous.map(key));
    this.items = [...this.items.filter((item) => !removed.has(key(item))), next];
    return true;
  }

  /** Items by name, then sort key, as DynamoDB scans a name's items together; the key is the last item's. */
  async scanPage(start?: CacheScanKey) {
    this.calls.count('Scan');
    const order = (a: { name: string; lastUpdated: number }, b: { name: string; lastUpdated: number }) =>
      a.name === b.name ? a.lastUpdated - b.lastUpdated : a.name < b.name ? -1 : 1;
    const after = start && { name: String(start.parameter_name), lastUpdated: Number(start.last_updated) };
    const items = [...this.items].sort(order).filter((item) => after === undefined || order(item, after) > 0);
    const page = items.slice(0, this.scanPageSize);
    const last = page.at(-1);
    const next = items.length > page.length && last ? { parameter_name: last.name, last_updated: last.lastUpdated } : undefined;
    return { entries: page, ...(next && { next }) };
  }
}

export class InMemoryMappings implements ReplicationMappings {
  readonly calls = new Calls();
  readonly items = new Map<string, Record<string, unknown>>();

  set(item: Record<string, unknown>): void {
    this.items.set(String(item.destination), item);
  }

  async get(destination: string) {
    this.calls.count('GetItem');
    const item = this.items.get(destination);
    return item && readStoredMapping(item);
  }

  async *scan() {
    this.calls.count('Scan');
    yield* [...this.items.values()].map(readStoredMapping);
  }
}

export class InMemorySourceIndex implements SourceIndex {
  readonly calls = new Calls();
  readonly links = new Map<string, SourceLink>();

  async destinationsOf(source: string) {
    this.calls.count('Query');
    return [...this.links.values()].filter((link) => link.source === source).map((link) => link.destination);
  }

  async add(links: readonly SourceLink[]) {
    for (const link of links) this.links.set(`${link.source}|${link.destination}`, link);
  }

  async remove(links: readonly SourceLink[]) {
    for (const link of links) this.links.delete(`${link.source}|${link.destination}`);
  }

  async *scan() {
    this.calls.count('Scan');
    yield* [...this.links.values()];
  }

  sorted(): string[] {
    return [...this.links.keys()].sort();
  }
}

/** A log that keeps every line, so tests can look for (or for the absence of) text. */
export class RecordingLog {
  readonly lines: string[] = [];
  private write = (level: string) => (message: string, fields: object = {}) => {
    this.lines.push(JSON.stringify({ level, message, ...fields }));
  };
  debug = this.write('debug');
  info = this.write('info');
  warn = this.write('warn');
  error = this.write('error');
}
