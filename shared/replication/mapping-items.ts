/**
 * Items of the replication table written by figgy-events itself, in the Figgy CLI's shape, and
 * mappings spelled back in that shape for people to read.
 */
import { FiggyEventsError } from '../errors.ts';
import { ValidationError } from '../events/validation.ts';
import { KEEP_DELETED, parseMapping } from './mapping.ts';
import type { MergePart, ReplicationMapping } from './types.ts';

/**
 * The replication table already holds a mapping for the destination: adding one would replace
 * it, which happens only when asked for.
 */
export class MappingExistsError extends FiggyEventsError {
  /** The item stays until it is removed or replacing it is asked for. */
  readonly retryable = false;
  constructor(readonly destination: string) {
    super(`a mapping of ${destination} exists already: remove it first, or add with --replace`);
    this.name = 'MappingExistsError';
  }
}

/** What `figgy-events mappings add` is asked to write. */
export interface MappingRequest {
  readonly type: string;
  readonly destination: string;
  /** One source; several only for a merge, whose pieces are then kept as a list. */
  readonly sources: readonly string[];
  readonly keepDeleted?: boolean;
  readonly user?: string;
  readonly namespace?: string;
}

/**
 * A replication table item as the Figgy CLI writes it, with our `keep_deleted` on mirrors.
 * `namespace` is null (DynamoDB NULL) where the Figgy CLI would store none either.
 */
export type MappingItem = Readonly<Record<string, string | boolean | readonly string[] | null>>;

/**
 * The item for `request`, accepted only if the functions will read it as the same mapping
 * ({@link parseMapping}, the one parser), so nothing the replicators would take for malformed
 * is ever written. The key is the destination as the functions look it up (`x` is written
 * `/x`); a merge of several pieces keeps them as the list form of `source`. `namespace` is
 * always written, as the Figgy CLI reads it from every item: the one asked for, else the
 * destination's `/app/<service>/`, else null. `user` is the caller's to give (the CLI gives
 * the account it runs as, as the Figgy CLI does).
 *
 * @throws ValidationError naming the field (`destination`, `source`, `type`, `keep_deleted`).
 * @example
 * mappingItem({ type: 'merge', destination: '/app/db/url', sources: ['postgres://${/db/user}@', '${/db/host}/orders'] });
 * // { destination: '/app/db/url', type: 'merge', source: ['postgres://${/db/user}@', '${/db/host}/orders'] }
 */
export function mappingItem(request: MappingRequest): MappingItem {
  const { type, sources } = request;
  if (sources.length === 0) throw new ValidationError('source', 'is required');
  if (sources.length > 1 && type !== 'merge') {
    throw new ValidationError('source', `an ${type} mapping reads one source; only a merge takes several pieces`);
  }
  if (request.keepDeleted && type !== 'mirror') {
    throw new ValidationError(KEEP_DELETED, 'only a mirror keeps replicas whose source is deleted');
  }
  const draft = {
    destination: request.destination,
    type,
    source: sources.length === 1 ? (sources[0] as string) : [...sources],
    ...(request.user !== undefined && { user: request.user }),
    ...(request.keepDeleted && { [KEEP_DELETED]: true }),
  };
  const mapping = parseMapping(draft);
  // The Figgy CLI reads every item's `namespace` (and `user`) as required attributes: an item
  // without them fails its reads of the table, so one is always written, as Figgy would.
  const namespace = request.namespace ?? (mapping.target.arn ? undefined : figgyNamespace(mapping.target.name)) ?? null;
  return { ...draft, destination: mapping.destination, namespace };
}

/** The service namespace the Figgy CLI gives a destination, `/app/<service>/`; none outside /app. */
function figgyNamespace(name: string): string | undefined {
  return /^(\/app\/[A-Za-z0-9_-]+\/)/.exec(name)?.[1];
}

/**
 * A mapping's sources as its item spells them: an app's name, a merge's text with its
 * `${/name}` references, a mirror's prefix.
 *
 * @example
 * sourceText(parseMapping({ destination: '/app/url', type: 'merge', source: ['a=${/x}', '&b=${/y:uri}'] })); // 'a=${/x}&b=${/y:uri}'
 */
export function sourceText(mapping: ReplicationMapping): string {
  if (mapping.type !== 'merge') return mapping.source;
  return mapping.parts.map(partText).join('');
}

function partText(part: MergePart): string {
  if (part.kind === 'literal') return part.text;
  return `\${${part.name}${part.encoding === 'uri' ? ':uri' : ''}}`;
}
