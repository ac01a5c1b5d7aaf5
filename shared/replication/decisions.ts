/**
 * The rule's one decision per destination: what to write, delete or leave, or why not.
 *
 * The replicator asks here once per round and carries out what it is told; every check the
 * rule makes (the mapping itself and what lies upstream in {@link judgeReplication} and
 * {@link judgeMirror}, a replica's ownership and copy in {@link planReplica}, a runaway in
 * {@link runawayRefusal}) is made behind this one call.
 */
import { InvariantError } from '../errors.ts';
import type { ParameterValue, ParameterWrite } from '../parameters.ts';
import type { MappingLookup } from './cycles.ts';
import type { LocatedDestination, ReplicationSettings } from './locate.ts';
import { claimedReplicaRefusal } from './mirror-ownership.ts';
import { DEFAULT_SSM_KEY, judgeMirror, planReplica, sourceNameOf, type ReplicaPlan } from './mirror-plans.ts';
import type { Place } from './places.ts';
import { judgeReplication } from './rules.ts';
import { rewriteProbe, runawayRefusal } from './runaway.ts';
import type { MirrorMapping, ParameterDetails, ParameterMapping, ReplicaPlaces, ReplicaStore, ReplicaWrite } from './types.ts';

/** What to do with one destination, or one replica of a mirror, this round. */
export type Decision =
  | {
      readonly action: 'write';
      /** Where the destination lives; absent: home. */
      readonly place?: Place;
      readonly name: string;
      /** Absent when only a replica's tags differ. */
      readonly write?: ParameterWrite | ReplicaWrite;
      /** A mirror's replica: its tags brought in line after the write. */
      readonly retag?: { readonly add: Readonly<Record<string, string>>; readonly remove: readonly string[] };
    }
  | { readonly action: 'delete'; readonly place?: Place; readonly name: string }
  | { readonly action: 'none' }
  | { readonly action: 'wait'; readonly reason: string }
  | {
      readonly action: 'refuse';
      readonly reason: string;
      /** Refused because it is being rewritten without end: a loop somewhere, not a rule broken. */
      readonly runaway?: true;
    };

/** What the rule reads through. */
export interface DecisionPorts {
  readonly settings: ReplicationSettings;
  /** Finds upstream mappings for the cycle check, and a replica's own mapping. */
  readonly lookup: MappingLookup;
  /** Parameter Store at home: every source, and the destinations there. */
  readonly parameters: ReplicaStore;
  /** The replica targets' Parameter Stores; absent when none are configured. */
  readonly places?: ReplicaPlaces;
  /** Epoch ms now, for the runaway check. */
  readonly now: () => number;
}

/** Parameter Store at home (no place) or in a replica target. */
export function parametersAt(ports: Pick<DecisionPorts, 'parameters' | 'places'>, place: Place | undefined): ReplicaStore {
  if (!place) return ports.parameters;
  if (!ports.places) throw new InvariantError('a destination in another place was allowed without replica places');
  return ports.places.parametersIn(place);
}

/** The decision for the destination of an app or merge mapping, from its sources as they are now. */
export async function decideDestination(mapping: ParameterMapping, ports: DecisionPorts): Promise<Decision> {
  let current: ParameterValue | undefined;
  const keep = (values: ReadonlyMap<string, ParameterValue>) => {
    current = values.get(mapping.target.name);
    return values;
  };
  const plan = await judgeReplication(mapping, {
    settings: ports.settings,
    lookup: ports.lookup,
    places: ports.places,
    read: async (names) => keep(await ports.parameters.readDecrypted(names)),
    readIn: async (place, names) => keep(await parametersAt(ports, place).readDecrypted(names)),
  });
  if (plan.action !== 'write') return plan.action === 'none' ? { action: 'none' } : plan;
  const decision = { action: 'write', name: plan.write.name, write: plan.write, ...(plan.place && { place: plan.place }) } as const;
  return (await runaway(ports, plan.place, plan.write.name, current)) ?? decision;
}

/** Why a mirror may not write a replica, and what is refused: the mirror's destination or the replica's address. */
export interface ReplicaRefusal {
  readonly refusal: string;
  /** The mirror's destination when the mirror as a whole is refused; the replica's address when only the replica is. */
  readonly refused: string;
}

/**
 * Where a mirror writes `replica` (named `address` in outcomes and logs), or why it may not:
 * the mirror as a whole ({@link judgeMirror}), then the replica's own name, which another
 * mapping may claim. Asked once per replica; {@link decideReplica} then decides each round.
 */
export async function locateReplica(mirror: MirrorMapping, replica: string, address: string, ports: DecisionPorts): Promise<LocatedDestination | ReplicaRefusal> {
  const located = await judgeMirror(mirror, ports);
  if ('refusal' in located) return { refusal: located.refusal, refused: mirror.destination };
  const claimed = claimedReplicaRefusal(replica, await ports.lookup(address));
  return claimed ? { refusal: claimed, refused: address } : located;
}

/**
 * The decision for one replica of a mirror the rule allows, from the source and the replica
 * as they are now ({@link planReplicaByKey}).
 */
export async function decideReplica(mirror: MirrorMapping, located: LocatedDestination, replica: string, ports: DecisionPorts): Promise<Decision> {
  const store = parametersAt(ports, located.place);
  const sourceName = sourceNameOf(mirror, replica);
  const [sources, replicas] = await Promise.all([ports.parameters.readDetails([sourceName]), store.readDetails([replica])]);
  const current = replicas.get(replica);
  const plan = await planReplicaByKey(mirror, located, replica, sources.get(sourceName), current, store);
  const place = located.place && { place: located.place };
  switch (plan.action) {
    case 'none':
    case 'refuse':
      return plan;
    case 'delete':
      return { action: 'delete', name: replica, ...place };
    case 'write': {
      const decision = {
        action: 'write',
        name: replica,
        ...place,
        ...(plan.write && { write: plan.write }),
        retag: { add: plan.addTags, remove: plan.removeTags },
      } as const;
      return (await runaway(ports, located.place, replica, current)) ?? decision;
    }
  }
}

/**
 * {@link planReplica} of `replica` from the details given, with the configured key and the
 * replica's as KMS names them in the replica's place (`store`), so that keys are compared, not
 * spellings (SSM may report a replica's key by alias, id or ARN). KMS is asked only when source
 * and replica are both SecureStrings: nothing else has a key.
 */
export async function planReplicaByKey(
  mirror: MirrorMapping,
  located: LocatedDestination,
  replica: string,
  source: ParameterDetails | undefined,
  current: ParameterDetails | undefined,
  store: ReplicaStore,
): Promise<ReplicaPlan> {
  if (source?.type !== 'SecureString' || current?.type !== 'SecureString' || current.keyId === undefined) {
    return planReplica(mirror, located, replica, source, current);
  }
  const [keyArn, currentKeyArn] = await Promise.all([store.keyArn(located.keyId ?? DEFAULT_SSM_KEY), store.keyArn(current.keyId)]);
  return planReplica(mirror, { ...located, keyArn }, replica, source, { ...current, keyId: currentKeyArn });
}

/**
 * A refusal when the destination is being rewritten without end. Only a destination written
 * within the last few minutes costs a read (of an older version).
 */
async function runaway(ports: DecisionPorts, place: Place | undefined, name: string, current: ParameterValue | undefined): Promise<Decision | undefined> {
  const now = ports.now();
  const probe = rewriteProbe(current, now);
  if (probe === undefined) return undefined;
  const reason = runawayRefusal(name, await parametersAt(ports, place).readVersion(name, probe), now);
  return reason === undefined ? undefined : { action: 'refuse', reason, runaway: true };
}
