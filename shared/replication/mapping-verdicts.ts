/**
 * What replication does with each mapping, as `figgy-events mappings check` reports it.
 *
 * Every verdict comes from the rule the functions run — {@link judgeReplication} for app and
 * merge mappings, {@link judgeMirror} and {@link overlapRefusal} for mirrors, as the replicator
 * calls them — with the deployment's settings; nothing here decides anything of its own. This
 * is the one place the CLI calls the rule from.
 */
import { isAccessDenied } from '../access-denied.ts';
import { mapBounded } from '../concurrency.ts';
import { messageOf } from '../log.ts';
import { sourceText } from './mapping-items.ts';
import { overlapRefusal } from './mirror-ownership.ts';
import { judgeMirror } from './mirror-plans.ts';
import { placeKey, type Place } from './places.ts';
import type { ParameterValue } from '../parameters.ts';
import type { ReplicationSettings } from './locate.ts';
import { judgeReplication, type ParameterReader } from './rules.ts';
import type { MirrorMapping, ParameterMapping, ReplicaPlaces, ReplicationMapping, StoredMapping } from './types.ts';

/**
 * `replicating`: the rule allows it (in sync, or to be written); `waiting`: a source (a merge
 * part) does not exist, so nothing is written; `refused`: the rule refuses it; `malformed`: the
 * item breaks the table contract; `failed`: it could not be judged (a read failed).
 */
export type VerdictStatus = 'replicating' | 'waiting' | 'refused' | 'malformed' | 'failed';

/** One mapping's verdict. */
export interface MappingVerdict {
  /** The destination as the item is keyed (a malformed item's as written, if it has one). */
  readonly destination?: string;
  readonly type?: ReplicationMapping['type'];
  /** What it reads, as the item spells it (see `sourceText`). */
  readonly source?: string;
  readonly status: VerdictStatus;
  /**
   * Of a replicating mapping: `in-sync`, `out-of-date` (the replicator writes it on the next
   * change of a source, or the syncer's pass), `mirror` (its replicas are judged one by one
   * as they change) or `not-read` (allowed, its sources there, but its destination in another
   * account could not be read with the caller's credentials: `reason` says why).
   */
  readonly state?: 'in-sync' | 'out-of-date' | 'mirror' | 'not-read';
  /** Where the destination lives when it is not home: `region/account`. */
  readonly place?: string;
  /** Why it waits, is refused, malformed or failed; a malformed item's names the field. */
  readonly reason?: string;
  /** The field a malformed item breaks. */
  readonly field?: string;
}

/** What the rule is judged with: the deployment's settings and its Parameter Stores. */
export interface VerdictDependencies {
  readonly settings: ReplicationSettings;
  /** Decrypted values at home; a name absent from the result does not exist. */
  readonly read: ParameterReader;
  /** The replica targets' Parameter Stores; absent when none are configured. */
  readonly places?: ReplicaPlaces;
  /** Mappings judged at once. */
  readonly concurrency?: number;
}

/**
 * The verdict of each of `judged` (default: every item of `all`), in destination order.
 * `all` is every item of the table: upstream mappings for the cycle check and, for a mirror,
 * the other destinations it may not overlap come from it, as the syncer's pass reads them.
 *
 * @example
 * const verdicts = await mappingVerdicts(await collect(mappings.scan()), { settings, read });
 * const refused = verdicts.filter((verdict) => verdict.status === 'refused');
 */
export async function mappingVerdicts(
  all: readonly StoredMapping[],
  deps: VerdictDependencies,
  judged: readonly StoredMapping[] = all,
): Promise<MappingVerdict[]> {
  const valid = all.flatMap((stored) => (stored.valid ? [stored.mapping] : []));
  const byDestination = new Map(valid.map((mapping) => [mapping.destination, mapping]));
  const lookup = async (name: string) => byDestination.get(name);
  const verdicts = await mapBounded([...judged], deps.concurrency ?? 4, async (stored): Promise<MappingVerdict> => {
    if (!stored.valid) {
      const { destination, error } = stored;
      return { ...(destination !== undefined && { destination }), status: 'malformed', field: error.field, reason: error.message };
    }
    const { mapping } = stored;
    const arn = mapping.target.arn;
    const about = {
      destination: mapping.destination,
      type: mapping.type,
      source: sourceText(mapping),
      ...(arn && { place: placeKey(arn) }),
    };
    try {
      const verdict =
        mapping.type === 'mirror' ? await mirrorVerdict(mapping, valid, lookup, deps) : await parameterVerdict(mapping, lookup, deps);
      return { ...about, ...verdict };
    } catch (error) {
      return { ...about, status: 'failed', reason: messageOf(error) };
    }
  });
  return verdicts.sort((a, b) => compare(a.destination ?? '', b.destination ?? ''));
}

type Judged = Pick<MappingVerdict, 'status' | 'state' | 'reason'>;

async function parameterVerdict(
  mapping: ParameterMapping,
  lookup: (name: string) => Promise<ReplicationMapping | undefined>,
  deps: VerdictDependencies,
): Promise<Judged> {
  let unreadable: string | undefined;
  const readIn = async (place: Place, names: readonly string[]) => {
    try {
      return await (deps.places as ReplicaPlaces).parametersIn(place).readDecrypted(names);
    } catch (error) {
      // A replica target's role trusts only the deployment's replicators, so a person's
      // credentials are refused there: every other part of the rule can still be judged.
      if (!isAccessDenied(error)) throw error;
      unreadable = `destination not read in ${placeKey(place)} (${messageOf(error)}): a replica target's role trusts only the replicators`;
      return new Map<string, ParameterValue>();
    }
  };
  const plan = await judgeReplication(mapping, { settings: deps.settings, lookup, read: deps.read, places: deps.places, readIn });
  if (unreadable !== undefined && (plan.action === 'write' || plan.action === 'none')) {
    return { status: 'replicating', state: 'not-read', reason: unreadable };
  }
  switch (plan.action) {
    case 'write':
      return { status: 'replicating', state: 'out-of-date' };
    case 'none':
      return { status: 'replicating', state: 'in-sync' };
    case 'wait':
      return { status: 'waiting', reason: plan.reason };
    case 'refuse':
      return { status: 'refused', reason: plan.reason };
  }
}

/** A mirror as the replicator judges it before its copy: allowed, then not overlapping another's destination. */
async function mirrorVerdict(
  mirror: MirrorMapping,
  valid: readonly ReplicationMapping[],
  lookup: (name: string) => Promise<ReplicationMapping | undefined>,
  deps: VerdictDependencies,
): Promise<Judged> {
  const located = await judgeMirror(mirror, { settings: deps.settings, lookup, places: deps.places });
  if ('refusal' in located) return { status: 'refused', reason: located.refusal };
  const overlap = overlapRefusal(mirror, valid);
  if (overlap) return { status: 'refused', reason: overlap };
  return { status: 'replicating', state: 'mirror' };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
