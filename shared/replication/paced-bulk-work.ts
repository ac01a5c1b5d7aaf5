/**
 * Bulk replication work — a mirror's first copy, the syncer's passes — paced per place.
 */
import { CallPacer } from '../call-pacer.ts';
import type { Budget } from '../sync/budget.ts';
import { DEFAULT_BULK_READS_PER_SECOND, DEFAULT_BULK_WRITES_PER_SECOND, replicaTargetAt } from './replica-targets.ts';
import { placeKey, samePlace, type Place } from './places.ts';
import type { ReplicatorDependencies } from './replicator.ts';
import type { ReplicaPlaces, ReplicaStore } from './types.ts';

/** One place's two paces: SSM's read and write quotas are separate. */
interface PlacePace {
  readonly reads: CallPacer;
  readonly writes: CallPacer;
}

/**
 * The replicator's dependencies with every call to a place's Parameter Store waiting its turn
 * at that place's pace: write calls (PutParameter, DeleteParameters, AddTagsToResource,
 * RemoveTagsFromResource) at the target's `bulkWritesPerSecond`, read calls (each
 * GetParameter, GetParameters batch, DescribeParameters page and ListTagsForResource, counted
 * as the adapter makes them) at its `bulkReadsPerSecond`, or the home settings. Parameter
 * Store's quotas are per account and region and shared with every application there: a pass
 * that read as fast as SSM allows would hold the whole read quota while it ran.
 *
 * Live replication of a single change is not paced (it follows its source's own writes,
 * which SSM holds to the same quota); whatever holds the replication job's lease is the only
 * bulk worker, so the pace holds across functions, and `notBefore()` carries it over to the
 * next holder.
 *
 * @example
 * const paced = new PacedBulkWork(deps, job.progress.notBefore);
 * await new Replicator(paced.dependencies).mirror(mapping);
 * await job.release(await paced.notBefore());
 */
export class PacedBulkWork {
  readonly dependencies: ReplicatorDependencies;
  private readonly paces = new Map<string, Promise<PlacePace>>();
  private readonly lastTurnAt: number;

  constructor(
    private readonly deps: ReplicatorDependencies,
    /** Epoch ms the last holder's pace allows the next call at. */
    private readonly carriedOver?: number,
    /** The invocation's time: no call's turn is taken after its deadline (a `TimeUpError` instead). */
    budget?: Budget,
  ) {
    this.lastTurnAt = budget ? budget.lastTurn(deps.pacing?.now ?? Date.now) : Number.POSITIVE_INFINITY;
    const places = deps.places;
    this.dependencies = {
      ...deps,
      parameters: this.paced(deps.parameters, async () => (places ? places.home() : undefined)),
      ...(places && { places: this.pacedPlaces(places) }),
    };
  }

  /**
   * Epoch ms the next bulk call may start at, across every place and both paces: the progress
   * table keeps one such time, so the next holder starts both paces at the later of the two.
   * Neither pace is exceeded; at most one write interval of reading is lost per hand-over.
   */
  async notBefore(): Promise<number | undefined> {
    const now = (this.deps.pacing?.now ?? Date.now)();
    const starts = (await Promise.all(this.paces.values()))
      .flatMap((pace) => [pace.reads.handOver(now), pace.writes.handOver(now)])
      .filter(Number.isFinite);
    return starts.length > 0 ? Math.max(...starts) : this.carriedOver;
  }

  private pacedPlaces(places: ReplicaPlaces): ReplicaPlaces {
    return {
      home: () => places.home(),
      parametersIn: (place) => this.paced(places.parametersIn(place), async () => place),
    };
  }

  /** `store` with its calls paced for the place `where` resolves to (undefined: home). */
  private paced(store: ReplicaStore, where: () => Promise<Place | undefined>): ReplicaStore {
    // Each turn is logged (at debug) as the pace decided it: when a call starts is only ever
    // later than that, by however busy the machine is, so the turns are where the pace shows.
    const waitTurn = async (calls: keyof PlacePace, name?: string) => {
      const place = await where();
      const at = await (await this.paceFor(place))[calls].next(this.lastTurnAt);
      this.deps.log.debug('bulk call paced', { ...(name !== undefined && { parameter_name: name }), place: keyOf(place), calls, turn_at: at });
    };
    const reading = store.withReadTurns(() => waitTurn('reads'));
    return {
      readDecrypted: (names) => reading.readDecrypted(names),
      readVersion: (name, version) => reading.readVersion(name, version),
      readDetails: (names) => reading.readDetails(names),
      namesUnder: (prefix) => reading.namesUnder(prefix),
      keyArn: (keyId) => store.keyArn(keyId),
      // Another pace on top of this one: a store adds turns to its own, so both are awaited.
      withReadTurns: (turn) => this.paced(store.withReadTurns(turn), where),
      write: async (write) => {
        await waitTurn('writes', write.name);
        return store.write(write);
      },
      deleteParameters: async (names) => {
        // One call per name keeps each delete a single paced write, whatever the batch.
        for (const name of names) {
          await waitTurn('writes', name);
          await store.deleteParameters([name]);
        }
      },
      retag: async (name, add, remove) => {
        if (Object.keys(add).length > 0) await waitTurn('writes', name);
        if (remove.length > 0) await waitTurn('writes', name);
        return store.retag(name, add, remove);
      },
    };
  }

  private paceFor(place: Place | undefined): Promise<PlacePace> {
    const key = keyOf(place);
    let pace = this.paces.get(key);
    if (!pace) this.paces.set(key, (pace = this.newPace(place)));
    return pace;
  }

  private async newPace(place: Place | undefined): Promise<PlacePace> {
    const home = await this.deps.places?.home();
    const target = place && home && !samePlace(place, home) ? replicaTargetAt(this.deps.settings.replicaTargets, place, home.account) : undefined;
    const { settings, pacing } = this.deps;
    const writes = (target ? target.bulkWritesPerSecond : settings.bulkWritesPerSecond) ?? DEFAULT_BULK_WRITES_PER_SECOND;
    const reads = (target ? target.bulkReadsPerSecond : settings.bulkReadsPerSecond) ?? DEFAULT_BULK_READS_PER_SECOND;
    return { writes: new CallPacer(writes, pacing, this.carriedOver), reads: new CallPacer(reads, pacing, this.carriedOver) };
  }
}

/** A place as the paces are kept and their turns logged: `region/account`, or `home` without places. */
function keyOf(place: Place | undefined): string {
  return place ? placeKey(place) : 'home';
}
